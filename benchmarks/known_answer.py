"""A check outside the method study: one setting, both values, on data whose answer is known.

The test suite's end-to-end dataset (400 simulated cells x 300 genes, 4 well-separated ZINB types,
``scdmac_lib.data.simulate.zinb_clusters``) is fitted with the library's defaults and with one key
changed, over seeds, at the budgets of the end-to-end test (300/300/100 steps). It prints each
reading's ARI per seed, mean and sd, the paired differences and a two-sided Wilcoxon test, and
writes ``results/benchmarks/known_answer.csv``. Usage::

    .venv/bin/python benchmarks/known_answer.py                                  # zinb.scale_input True / False
    .venv/bin/python benchmarks/known_answer.py --key cluster.inflation --values 1.0 2.0 --seeds 0 1 2 3 4

Each fit runs on one thread; about 15 s each on a 2-core machine of this project.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd
import torch
from sklearn.metrics import adjusted_rand_score

from scdmac_lib.data.simulate import zinb_clusters
from scdmac_lib.evaluation.stats import paired_wilcoxon
from scdmac_lib.method.config import make_config
from scdmac_lib.method.pipeline import fit_scdmac
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.files import atomic_path

BUDGET = {"zinb.train.max_steps": 300, "mae.train.max_steps": 300, "cluster.train.max_steps": 100}


def known_answer_ari(key: str, values: list, seeds: list[int]) -> pd.DataFrame:
    """ARI of every (value of ``key``, seed) on the end-to-end dataset; one row each."""
    torch.set_num_threads(1)
    data = zinb_clusters(400, 300, 4, seed=0)
    rows = []
    for value in values:
        for seed in seeds:
            res = fit_scdmac(data.X, make_config(4, seed=seed, **BUDGET, **{key: value}))
            rows.append({"key": key, "value": value, "seed": seed,
                         "ari": adjusted_rand_score(data.obs["cell_type"], res.labels)})
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame) -> str:
    """Mean and sd per value; the paired differences of each value against the first, with Wilcoxon's p."""
    lines = [frame.groupby("value", sort=False)["ari"].agg(["mean", "std", "count"]).round(3).to_string()]
    table = frame.pivot(index="seed", columns="value", values="ari").reindex(columns=list(dict.fromkeys(frame["value"])))
    first = table.columns[0]
    for other in table.columns[1:]:
        diff = (table[other] - table[first]).to_numpy()
        p = min(1.0, 2 * min(paired_wilcoxon(diff, "greater"), paired_wilcoxon(diff, "less")))
        lines.append(f"{other} - {first}: mean {diff.mean():+.3f}, sd {diff.std(ddof=1):.3f}, "
                     f"{len(diff)} pairs, two-sided Wilcoxon p = {p:.3g}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--key", default="zinb.scale_input")
    parser.add_argument("--values", nargs="+", default=["true", "false"], help="JSON values")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4, 5])
    args = parser.parse_args()
    frame = known_answer_ari(args.key, [json.loads(v) for v in args.values], args.seeds)
    out = paths.results_dir() / "benchmarks" / "known_answer.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        frame.to_csv(tmp, index=False)
    print(frame.to_string(index=False))
    print(summarise(frame))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
