"""Accuracy benchmark: scDMAC and every baseline on the available datasets, several seeds.

Prints ARI and NMI (mean and sd over seeds) and the mean wall time per stage, and writes
``results/benchmarks/accuracy.csv`` (one row per run). Runs come from the shared run cache, so a
second call only prints. Usage::

    .venv/bin/python benchmarks/accuracy.py [--profile quick] [--seeds 0 1 2] [--datasets ...] [--methods ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from scdmac_lib.report import compare
from scdmac_lib.runs import execute, specs
from scdmac_lib.runtime import paths, provenance

pass
from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runs.profiles import get_profile

DEFAULT_METHODS = [m for m in METHODS if not m.startswith("scDMAC-")]


def stage_times(frame, results_by_key):
    """Mean seconds per stage and method, from the runs' timings."""
    import pandas as pd

    rows = []
    for (_, row), res in zip(frame.iterrows(), results_by_key, strict=True):
        rows.append({"method": row["method"], **{f"t_{k}": v for k, v in res.timings.items()}})
    return pd.DataFrame(rows).groupby("method", sort=False).mean().round(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--methods", nargs="+", default=None)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    methods = args.methods or [m for m in DEFAULT_METHODS
                               if m != "scVI + k-means" or importlib.util.find_spec("scvi")]
    profile = get_profile(args.profile)
    run_specs = specs.profile_specs(profile, methods, datasets=args.datasets, seeds=args.seeds)
    frame = execute.run_many(run_specs, device=args.device)
    results = [execute.run(s, device=args.device) for s in run_specs]
    out = paths.results_dir() / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".accuracy.csv.tmp"
    frame.to_csv(tmp, index=False)
    os.replace(tmp, out / "accuracy.csv")
    summary = compare.summarize(frame)
    pd_opts = {"index": False, "float_format": lambda v: f"{v:.3f}"}
    sys.stdout.write(f"profile {profile.name}, seeds {args.seeds}, commit {provenance.git_commit()}\n\n")
    sys.stdout.write(summary.to_string(**pd_opts) + "\n\n")
    means = summary.groupby("method", sort=False)[["ari_mean", "nmi_mean"]].mean()
    sys.stdout.write("mean over datasets\n" + means.sort_values("ari_mean", ascending=False).to_string(
        float_format=lambda v: f"{v:.3f}") + "\n\n")
    sys.stdout.write("mean seconds per stage\n" + stage_times(frame, results).to_string() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
