"""The paper's claims this project checks, each with a verdict computed from a run frame.

Comparisons of two methods are paired on (dataset, seed) with a one-sided Wilcoxon signed-rank test;
sweep optima and the seed variance are checked on every dataset where they can be. Verdicts are
computed from the numbers, never typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.evaluation.stats import MIN_PAIRS, paired_wilcoxon
from scdmac_lib.report.compare import TOL, main_rows, summarize_sweep
from scdmac_lib.report.reported import SWEEPS
from scdmac_lib.runs.page_runs import ABLATIONS, SCDMAC_VARIANTS

SEED_SD_LIMIT = 0.01  # Section 3.3: "low variance across runs (typically <0.01 in ARI)"


MIN_SEEDS_FOR_SD = 3  # an sd from two seeds says too little to test the claim


ALPHA = 0.05  # one-sided level of the paired tests


VERDICTS = ("holds", "does not hold", "cannot be tested here")




@dataclass(frozen=True)
class Verdict:
    """One claim's verdict, the numbers behind it, and per-dataset details."""

    claim_id: int
    claim: str
    source: str
    verdict: str
    evidence: str
    details: pd.DataFrame

    def row(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "claim": self.claim, "source": self.source,
                "verdict": self.verdict, "evidence": self.evidence}


def _overall(per_dataset: Sequence[bool]) -> str:
    return "holds" if all(per_dataset) else "does not hold"


def _count(ok: Sequence[bool]) -> str:
    return f"{sum(ok)} of {len(ok)} datasets"


def _paired(main: pd.DataFrame, metric: str, others: Sequence[str], ours: str = "scDMAC") -> pd.DataFrame:
    """``ours`` against each of ``others``, paired on (dataset, seed): mean difference and one-sided p."""
    wide = main.pivot_table(index=["dataset", "seed"], columns="method", values=metric, aggfunc="mean")
    rows = []
    for other in others:
        if ours not in wide.columns or other not in wide.columns:
            continue
        diff = (wide[ours] - wide[other]).dropna()
        if diff.empty:
            continue
        p = paired_wilcoxon(diff, "greater")
        rows.append({"versus": other, "n_pairs": len(diff), "mean_diff": float(diff.mean()), "p_value": p,
                     "holds": bool(diff.mean() > 0 and p < ALPHA)})
    return pd.DataFrame(rows)


def _paired_verdict(det: pd.DataFrame, what: str) -> tuple[str, str]:
    """Verdict and evidence of a paired comparison table from :func:`_paired`."""
    if det.empty:
        return "cannot be tested here", f"Needs scDMAC and {what} on the same datasets and seeds"
    testable = det[det["n_pairs"] >= MIN_PAIRS]
    if testable.empty:
        return ("cannot be tested here",
                f"Too few paired runs for a test (at most {int(det['n_pairs'].max())} (dataset, seed) pairs; "
                f"a one-sided Wilcoxon test needs {MIN_PAIRS})")
    ev = "; ".join(f"vs {r.versus}: {r.mean_diff:+.3f} (p = {r.p_value:.3g}, {r.n_pairs} pairs)"
                   for r in testable.itertuples())
    untested = sorted(set(det["versus"]) - set(testable["versus"]))
    note = f" Too few pairs to test: {', '.join(untested)}." if untested else ""
    return (_overall(testable["holds"]),
            f"Mean paired difference of scDMAC minus {what}, one-sided Wilcoxon signed-rank test over "
            f"(dataset, seed) pairs, holding when p < {ALPHA}: {ev}.{note}")


def _best_vs_baselines(frame: pd.DataFrame, metric: str) -> tuple[str, str, pd.DataFrame]:
    main = main_rows(frame)
    if metric not in main.columns:
        return "cannot be tested here", f"No {metric} column in the run frame", pd.DataFrame()
    baselines = [m for m in dict.fromkeys(main["method"]) if m not in SCDMAC_VARIANTS]
    det = _paired(main, metric, baselines)
    verdict, evidence = _paired_verdict(det, "each baseline")
    means = main.groupby(["dataset", "method"])[metric].mean().unstack("method")
    if "scDMAC" in means.columns and baselines:
        base = means[[b for b in baselines if b in means.columns]].max(axis=1)
        best = (means["scDMAC"] > base).dropna()
        evidence += f" Per dataset (means over seeds) scDMAC is best on {int(best.sum())} of {len(best)}."
    return verdict, evidence, det


def _ablation(frame: pd.DataFrame, metric: str = "ari") -> tuple[str, str, pd.DataFrame]:
    det = _paired(main_rows(frame), metric, ABLATIONS)
    verdict, evidence = _paired_verdict(det, "each ablation variant")
    missing = sorted(set(ABLATIONS) - set(det["versus"] if not det.empty else []))
    if missing and not det.empty:
        evidence += f" Not run: {', '.join(missing)}."
    return verdict, evidence, det


def _sweep_optimum(frame: pd.DataFrame, param: str) -> tuple[str, str, pd.DataFrame]:
    lo, hi = SWEEPS[param]["optimum"]
    summ = summarize_sweep(frame, param, metrics=("ari",))
    if summ.empty:
        return "cannot be tested here", f"The {SWEEPS[param]['label']} sweep was not run", pd.DataFrame()
    values = np.sort(summ["sweep_value"].unique())
    inside = values[(values >= lo - TOL) & (values <= hi + TOL)]
    if inside.size == 0 or inside.size == values.size:
        grid = ", ".join(f"{v:g}" for v in values)
        return ("cannot be tested here",
                f"The sweep grid ({grid}) needs a point at {format_range(lo, hi)} and one outside it", pd.DataFrame())
    rows, flat = [], []
    for d, g in summ.groupby("dataset", sort=False):
        best = g["ari_mean"].max()
        argmax = g.loc[(g["ari_mean"] - best).abs() <= TOL, "sweep_value"].tolist()
        if len(argmax) == len(g):  # a flat curve (e.g. saturated at ARI 1) has no optimum to locate
            flat.append(d)
            continue
        rows.append({"dataset": catalogue.label(d), "argmax": ", ".join(f"{v:g}" for v in argmax),
                     "best_ari": float(best),
                     "n_values": int(len(g)),
                     "holds": all(lo - TOL <= v <= hi + TOL for v in argmax)})
    det = pd.DataFrame(rows)
    flat_note = f" Flat curve (no optimum to locate) on: {_labels(flat)}." if flat else ""
    if det.empty:
        return "cannot be tested here", f"ARI does not vary over the grid on any dataset.{flat_note}", det
    ev = "; ".join(f"{r.dataset}: best ARI {r.best_ari:.3f} at {r.argmax}" for r in det.itertuples())
    return (_overall(det["holds"]),
            f"Optimum at {format_range(lo, hi)} on {_count(det['holds'])}. {ev}.{flat_note}", det)


def format_range(lo: float, hi: float) -> str:
    """``"0.2-0.3"`` for a range, ``"0.7"`` for a single value."""
    return f"{lo:g}" if abs(lo - hi) < TOL else f"{lo:g}-{hi:g}"


def _seed_variance(frame: pd.DataFrame) -> tuple[str, str, pd.DataFrame]:
    main = main_rows(frame)
    sub = main[main["method"] == "scDMAC"]
    g = sub.groupby("dataset", sort=False)["ari"]
    det = pd.DataFrame({"sd": g.std(ddof=1), "n_seeds": g.count()}).reset_index()
    det = det[det["n_seeds"] >= MIN_SEEDS_FOR_SD].assign(dataset=lambda f: f["dataset"].map(catalogue.label))
    if det.empty:
        return ("cannot be tested here",
                f"Needs scDMAC runs with at least {MIN_SEEDS_FOR_SD} seeds on a dataset", pd.DataFrame())
    det["holds"] = det["sd"] < SEED_SD_LIMIT
    ev = "; ".join(f"{r.dataset}: sd {r.sd:.4f} over {r.n_seeds} seeds" for r in det.itertuples())
    return _overall(det["holds"]), f"Sd of ARI below {SEED_SD_LIMIT} on {_count(det['holds'])}. {ev}", det


def _silhouette(frame: pd.DataFrame, against: Sequence[str] = ("PCA + k-means", "scDeepCluster-style")):
    main = main_rows(frame)
    if "silhouette" not in main.columns:
        return "cannot be tested here", "No silhouette column in the run frame", pd.DataFrame()
    det = _paired(main, "silhouette", against)
    verdict, evidence = _paired_verdict(det, "the baseline's silhouette")
    return verdict, evidence, det


CLAIMS = (
    (1, "scDMAC has a higher ARI than every baseline run here", "Section 3.3, Table 2"),
    (2, "scDMAC has a higher NMI than every baseline run here", "Section 3.3, Table 3"),
    (3, "Ablations: full scDMAC has a higher ARI than scDMAC-Z, -W and -P", "Section 3.4, Table 5"),
    (4, "The best masking ratio lies in 0.2-0.3", "Section 3.3, Fig. 5"),
    (5, "The best reconstruction weight of masked genes is 0.7", "Section 3.3, Fig. 6"),
    (6, "The best mask-prediction loss weight is 0.65", "Section 3.3, Fig. 7"),
    (7, f"Seed-to-seed variation of scDMAC's ARI is below {SEED_SD_LIMIT} (sd over seeds)", "Section 3.3"),
    (8, "scDMAC's embedding has a higher silhouette than PCA + k-means and scDeepCluster-style",
     "Section 3.3, Table 4"),
)


def claim_verdicts(frame: pd.DataFrame) -> list[Verdict]:
    """Every claim of the paper this project checks, with a computed verdict and its numbers.

    ``frame`` is a run frame (see the module docstring); rows with a non-null ``sweep_param`` are
    sweep runs and count only for claims 4-6. Comparisons of two methods (claims 1-3, 8) are paired
    on (dataset, seed) and hold when a one-sided Wilcoxon signed-rank test gives p < 0.05 against
    every method compared; sweep optima (4-6) and the seed sd (7) hold when they hold on every
    dataset where they can be tested.
    """
    needed = {"dataset", "method", "seed", "ari"}
    if missing := needed - set(frame.columns):
        msg = f"the run frame lacks the columns {sorted(missing)}."
        raise ValueError(msg)
    results = {
        1: _best_vs_baselines(frame, "ari"),
        2: _best_vs_baselines(frame, "nmi"),
        3: _ablation(frame),
        4: _sweep_optimum(frame, "mae.mask_ratio"),
        5: _sweep_optimum(frame, "mae.recon_weight"),
        6: _sweep_optimum(frame, "mae.mask_loss_weight"),
        7: _seed_variance(frame),
        8: _silhouette(frame),
    }
    out = []
    for cid, text, source in CLAIMS:
        verdict, evidence, details = results[cid]
        assert verdict in VERDICTS, verdict
        out.append(Verdict(cid, text, source, verdict, evidence, details))
    return out


def claims_table(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """The verdicts as one row per claim."""
    return pd.DataFrame([v.row() for v in verdicts], columns=["claim_id", "claim", "source", "verdict", "evidence"])


def verdict_summary(verdicts: Sequence[Verdict], datasets: Sequence[str] | None = None) -> str:
    """A plain-language (markdown) paragraph generated from the verdicts."""
    by = {k: [v for v in verdicts if v.verdict == k] for k in VERDICTS}

    def _n(k: str, singular: str, plural: str) -> str:
        ids = ", ".join(str(v.claim_id) for v in by[k])
        n = len(by[k])
        return f"{n} {singular if n == 1 else plural}" + (f" (claim{'s' if n > 1 else ''} {ids})" if n else "")

    untestable = "cannot be tested with these runs"
    parts = [f"Of the {len(verdicts)} claims checked, {_n('holds', 'holds here', 'hold here')}, "
             f"{_n('does not hold', 'does not hold', 'do not hold')}, and "
             f"{_n('cannot be tested here', untestable, untestable)}."]
    if datasets is not None:
        parts.append(data_kinds_sentence(datasets))
    for v in by["does not hold"]:
        parts.append(f"Claim {v.claim_id} (\"{v.claim}\") does not hold: {v.evidence.split('. ')[0]}.")
    return " ".join(parts)


def _labels(datasets: Sequence[str]) -> str:
    return ", ".join(catalogue.label(d) for d in datasets)


def data_kinds_sentence(datasets: Sequence[str]) -> str:
    """Which of ``datasets`` are the paper's own data (:mod:`scdmac_lib.data.catalogue`), in one sentence,
    and what that makes of the verdicts."""
    paper = [d for d in datasets if catalogue.kind(d) == "paper's data"]
    others = [d for d in datasets if d not in paper]
    source = "from public copies; the data page compares each with the paper's Table 1"
    not_paper = ("agreement or disagreement is evidence about the method on these data, not a re-measurement "
                 "of the paper's numbers")
    if not paper:
        return f"The datasets are {_labels(others)}; none is one of the paper's datasets, so {not_paper}."
    if not others:
        return (f"The datasets are {_labels(paper)}: all are the paper's own datasets ({source}), so the "
                f"verdicts test the claims on the paper's data.")
    return (f"Of the datasets, {_labels(paper)} {'is' if len(paper) == 1 else 'are'} the paper's own ({source}); "
            f"{_labels(others)} {'is' if len(others) == 1 else 'are'} not, and the verdicts pool both, so "
            f"{not_paper}.")
