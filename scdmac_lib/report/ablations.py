"""Table 5's claim by the book's verdict rule: does each component of scDMAC help?

The paper (Xu et al., 2026, Section 3.4, Table 5) reports the full model above each ablation,
scDMAC-Z (no ZINB denoising), scDMAC-W (unweighted reconstruction) and scDMAC-P (no mask
predictor), on every dataset. :func:`ablation_comparisons` decides it with the rule of
:mod:`scdmac_lib.report.verdicts`: the dataset as the unit (:func:`~scdmac_lib.report.verdicts.compare`:
t intervals, Holm over the three variants), "on every dataset" checked dataset by dataset
(:func:`per_dataset_differences`), how much each effect rests on one dataset (leave one dataset
out), and scDMAC-P reported as :data:`~scdmac_lib.report.verdicts.UNTESTABLE` while the full
model's mask predictor is at chance (:data:`CHANCE_AUC`): removing a component that never learned
tests nothing about the paper's component. The reproducibility report calls it for its claim 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.evaluation.stats import unit_intervals, wilcoxon_n
from scdmac_lib.report import verdicts
from scdmac_lib.report.compare import main_rows
from scdmac_lib.runs.page_runs import ABLATIONS

FULL = "scDMAC"
NO_PREDICTOR = "scDMAC-P"  # the variant without the mask predictor
#: The full model's mean mask AUC within which its predictor counts as at chance (it learned nothing).
CHANCE_AUC = (0.45, 0.55)
_VERDICT_OF = {verdicts.SUPPORTS: verdicts.HOLDS, verdicts.OPPOSES: verdicts.CONTRADICTED,
               verdicts.NEITHER: verdicts.INCONCLUSIVE, verdicts.TOO_FEW: verdicts.UNTESTABLE}


class AblationResult(NamedTuple):
    """The comparisons (one row per variant), the claim's verdict and the notes that explain it (markdown)."""

    comparisons: pd.DataFrame
    verdict: str
    notes: list[str]


def full_model_auc(results: Iterable) -> np.ndarray:
    """The mask AUC (``diagnostics["mask_auc"]``) of every full-model run among ``results`` (run results)."""
    return np.array([r.diagnostics.get("mask_auc", np.nan) for r in results if r.spec.method == FULL], dtype=float)


def _labels(datasets: Sequence[str]) -> str:
    return ", ".join(catalogue.label(d) for d in datasets) or "none"


def per_dataset_differences(runs: pd.DataFrame, metric: str = "ari",
                            variants: Sequence[str] = ABLATIONS) -> pd.DataFrame:
    """The full model minus each variant on every dataset: the mean over seeds and its t interval.

    One row per (variant, dataset): ``versus``, ``dataset``, ``n`` (seeds), ``mean``, ``sd``, ``low``,
    ``high`` (95%, over seeds) and ``side`` (+1: the interval lies above 0, -1: below, 0: neither).
    """
    main = main_rows(runs)
    parts = []
    for other in variants:
        diffs = verdicts.paired_differences(main, metric, FULL, other)
        if not diffs.empty:
            parts.append(unit_intervals(diffs.astype({"diff": float})).assign(versus=other))
    if not parts:
        return pd.DataFrame(columns=["versus", "dataset", "n", "mean", "sd", "low", "high", "side"])
    out = pd.concat(parts, ignore_index=True)
    return out[["versus", "dataset", "n", "mean", "sd", "low", "high", "side"]]


def _leave_one_out(main: pd.DataFrame, metric: str, variants: Sequence[str]) -> pd.DataFrame:
    """Every comparison again without each dataset in turn (Holm over the variants each time)."""
    rows = []
    for left_out in sorted(set(main["dataset"])):
        table = verdicts.compare(main[main["dataset"] != left_out], metric, FULL, variants)
        rows.append(table.assign(left_out=left_out))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _mask_auc(mask_auc) -> float:
    values = np.asarray(mask_auc, dtype=float).ravel()
    if values.size == 0 or np.isnan(values).all():
        msg = ("no mask AUC given: pass the full model's runs' diagnostics['mask_auc'] "
               "(ablations.full_model_auc of their results).")
        raise ValueError(msg)
    return float(np.nanmean(values))


def ablation_comparisons(runs: pd.DataFrame, mask_auc, *, metric: str = "ari",
                         variants: Sequence[str] = ABLATIONS, reported=None) -> AblationResult:
    """Decide "the full model scores higher than each variant, on every dataset" from ``runs``.

    Parameters
    ----------
    runs
        One row per run: ``dataset``, ``method``, ``seed`` and ``metric`` (sweep rows, with a
        ``sweep_param``, are left out); the full model is ``"scDMAC"``.
    mask_auc
        The full model's mask AUC, one value per run (or their mean): while the mean lies within
        :data:`CHANCE_AUC`, the scDMAC-P comparison is :data:`~scdmac_lib.report.verdicts.UNTESTABLE`.
    metric, variants
        The score, and the variants compared (one Holm family).
    reported
        The paper's implied effects, passed to :func:`~scdmac_lib.report.verdicts.compare`.

    Returns
    -------
    :class:`AblationResult`. ``comparisons`` has the columns of
    :func:`~scdmac_lib.report.verdicts.compare` (full model minus each variant, the dataset as the
    unit, Holm over the variants), ``n_wilcoxon`` (the dataset means its Wilcoxon view ranks),
    ``datasets_above`` (datasets whose mean difference is above 0), ``datasets_below`` and
    ``datasets_shown_below`` (mean below 0; interval over seeds below 0), the leave-one-dataset-out
    columns ``loo_dataset`` (the dataset whose removal moves the effect most), ``loo_effect``,
    ``loo_low``, ``loo_high``, ``loo_p_holm``, ``loo_outcome`` and ``loo_changes`` (the datasets whose
    removal changes the outcome), then ``verdict`` and ``reason`` per variant. A variant holds when
    its effect is supported (Holm-adjusted p < 0.05, positive) and the full model's mean is above it
    on every dataset; the claim's verdict is contradicted when any variant's is, else inconclusive when
    any is, else cannot be tested here when any is, else holds.
    """
    if missing := sorted({"dataset", "method", "seed", metric} - set(runs.columns)):
        msg = f"the run frame lacks the columns {missing}."
        raise ValueError(msg)
    auc = _mask_auc(mask_auc)
    main = main_rows(runs)
    table = verdicts.compare(main, metric, FULL, variants, reported=reported)
    if table.empty:
        note = f"No variant ran beside the full model on the same datasets and seeds ({', '.join(variants)})."
        return AblationResult(table, verdicts.UNTESTABLE, [note])
    per = per_dataset_differences(main, metric, variants)
    loo = _leave_one_out(main, metric, variants)
    rows = []
    for row in table.itertuples(index=False):
        mine = per[per["versus"] == row.versus]
        extra = {"n_wilcoxon": wilcoxon_n(mine["mean"]),
                 "datasets_above": int((mine["mean"] > 0).sum()),
                 "datasets_below": ", ".join(mine.loc[mine["mean"] < 0, "dataset"]),
                 "datasets_shown_below": ", ".join(mine.loc[mine["side"] < 0, "dataset"])}
        extra |= _loo_columns(loo[loo["versus"] == row.versus], row)
        extra |= dict(zip(("verdict", "reason"), _variant_verdict(row, mine, auc), strict=True))
        rows.append({**row._asdict(), **extra})
    comparisons = pd.DataFrame(rows)
    return AblationResult(comparisons, _claim_verdict(comparisons["verdict"]), _notes(comparisons, auc, metric))


def _loo_columns(loo: pd.DataFrame, row) -> dict:
    if loo.empty:
        return {"loo_dataset": "", "loo_effect": np.nan, "loo_low": np.nan, "loo_high": np.nan,
                "loo_p_holm": np.nan, "loo_outcome": "", "loo_changes": ""}
    far = loo.loc[(loo["effect"] - row.effect).abs().idxmax()]
    changes = loo.loc[loo["outcome"] != row.outcome, "left_out"]
    return {"loo_dataset": far["left_out"], "loo_effect": far["effect"], "loo_low": far["low"],
            "loo_high": far["high"], "loo_p_holm": far["p_holm"], "loo_outcome": far["outcome"],
            "loo_changes": ", ".join(changes)}


def _variant_verdict(row, per: pd.DataFrame, auc: float) -> tuple[str, str]:
    low, high = CHANCE_AUC
    if row.versus == NO_PREDICTOR and low <= auc <= high:
        return verdicts.UNTESTABLE, (f"the full model's mask predictor is at chance (mean AUC {auc:.3f}, within "
                                     f"{low}-{high}): removing a component that never learned tests nothing about "
                                     "the paper's component")
    verdict = _VERDICT_OF[row.outcome]
    if verdict == verdicts.HOLDS and (per["mean"] <= 0).any():
        below = _labels(per.loc[per["mean"] <= 0, "dataset"].tolist())
        return verdicts.INCONCLUSIVE, f"higher across datasets, but not on every dataset (not above on {below})"
    reasons = {verdicts.HOLDS: "higher across datasets and on every dataset",
               verdicts.CONTRADICTED: "the variant scores higher across datasets",
               verdicts.INCONCLUSIVE: "the interval includes 0 after Holm's correction",
               verdicts.UNTESTABLE: f"fewer than {verdicts.MIN_DATASETS} datasets"}
    return verdict, reasons[verdict]


def _claim_verdict(per_variant: pd.Series) -> str:
    found = set(per_variant)
    for verdict in (verdicts.CONTRADICTED, verdicts.INCONCLUSIVE, verdicts.UNTESTABLE):
        if verdict in found:
            return verdict
    return verdicts.HOLDS


def _notes(table: pd.DataFrame, auc: float, metric: str) -> list[str]:
    """One markdown sentence per variant, then what the family and the mask predictor mean for them."""
    notes = []
    for r in table.itertuples(index=False):
        n = int(r.n_datasets)
        text = (f"**{FULL} − {r.versus}**: {r.effect:+.3f} {metric.upper()}, 95% interval [{r.low:+.3f}, "
                f"{r.high:+.3f}], Holm-adjusted p = {r.p_holm:.2g}, over {n} datasets x {int(r.n_seeds)} seeds: "
                f"**{r.verdict}** ({r.reason}). The full model is above on {r.datasets_above} of {n} datasets"
                + (f"; below on {_labels(r.datasets_below.split(', '))}" if r.datasets_below else "")
                + (f" (shown below, interval over seeds, on {_labels(r.datasets_shown_below.split(', '))})"
                   if r.datasets_shown_below else "") + ".")
        if r.loo_dataset:
            changes = (f"; leaving out {_labels(r.loo_changes.split(', '))} changes the outcome"
                       if r.loo_changes else "; no single dataset left out changes the outcome")
            text += (f" Without {catalogue.label(r.loo_dataset)}, the dataset it rests on most: {r.loo_effect:+.3f} "
                     f"[{r.loo_low:+.3f}, {r.loo_high:+.3f}], Holm p = {r.loo_p_holm:.2g} ({r.loo_outcome}){changes}.")
        notes.append(text)
    notes.append(f"The three comparisons are one Holm family; {NO_PREDICTOR}'s stays in it (measured, not counted), "
                 f"which makes the other two only more conservative. The full model's mean mask AUC is {auc:.3f}.")
    return notes


def table_takeaway(long: pd.DataFrame, metric: str) -> str:
    """What our Table 5 (:func:`scdmac_lib.report.compare.side_by_side`) shows, in one or two sentences."""
    means = long.pivot_table(index="dataset", columns="method", values="ours_mean", sort=False)
    if FULL not in means.columns:
        return ""
    others = [v for v in means.columns if v != FULL]
    best = means[FULL] >= means[others].max(axis=1)
    above = {v: [d for d in means.index if means.loc[d, v] > means.loc[d, FULL]] for v in others}
    gap = (means[FULL].to_numpy()[:, None] - means[others].to_numpy())
    i, j = np.unravel_index(np.nanargmax(np.abs(gap)), gap.shape)
    text = (f"Ours: the full model has the highest mean {metric.upper()} on {int(best.sum())} of {len(best)} datasets; "
            + "; ".join(f"{v} is above it on {len(d)} ({_labels(d)})" for v, d in above.items())
            + f". The largest gap: {FULL} − {others[j]} on {catalogue.label(means.index[i])}, {gap[i, j]:+.3f}.")
    return text


def reported_takeaway(reported: pd.DataFrame | None, metric: str) -> str:
    """What the paper's Table 5 (variants x the paper's datasets) reports, in one sentence."""
    if reported is None or FULL not in reported.index:
        return ""
    gaps = reported.loc[FULL] - reported.drop(index=FULL)
    above = int((gaps > 0).to_numpy().sum())
    return (f"The paper reports the full model above each variant in {above} of {gaps.size} (variant, dataset) cells, "
            f"by {gaps.min().min():+.3f} to {gaps.max().max():+.3f} {metric.upper()}.")


def figure_takeaway(long: pd.DataFrame, metric: str) -> str:
    """What the per-dataset figure of ours beside the reported values shows, in one sentence."""
    both = long.dropna(subset=["reported", "ours_mean"])
    if both.empty:
        return (f"No dataset here has a reported {metric.upper()}: the figure shows ours alone, mean over seeds with "
                "sd whiskers.")
    gap = both["ours_mean"] - both["reported"]
    return (f"Where the paper reports a value ({_labels(list(dict.fromkeys(both['dataset'])))}), ours is "
            f"{gap.min():+.3f} to {gap.max():+.3f} {metric.upper()} from it (mean {gap.mean():+.3f}); these are "
            "reduced stand-ins for the paper's datasets, so the gap is not a like-for-like comparison.")


def comparisons_display(table: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """:func:`ablation_comparisons`' table as the page shows it: one row per variant (the intervals of the
    leave-one-dataset-out effects are in the notes and the CSV)."""
    return pd.DataFrame({
        "comparison": [f"{FULL} − {v}" for v in table["versus"]],
        f"mean {metric.upper()} difference [95%]": [f"{e:+.3f} [{lo:+.3f}, {hi:+.3f}]" for e, lo, hi in zip(
            table["effect"], table["low"], table["high"], strict=True)],
        "p (Holm)": table["p_holm"].map(lambda p: f"{p:.2g}"),
        "detectable": table["detectable"].map(lambda v: f"{v:.3f}"),
        "above on": [f"{a} of {n}" for a, n in zip(table["datasets_above"], table["n_datasets"], strict=True)],
        "without the dataset it rests on most": [f"{d}: {e:+.3f}" if d else "" for d, e in zip(
            table["loo_dataset"], table["loo_effect"], strict=True)],
        "verdict": table["verdict"],
    })
