"""The stage diagnosis's question: is the reconstruction (X_z) what loses the cell types?

scDMAC's first stage is a ZINB autoencoder; the paper feeds its reconstruction ``X_z`` (not its
bottleneck, which scziDesk clusters) to the masked stage. The diagnosis page answers whether that
choice loses cell types, with two pieces of evidence from the page's runs:

- the stage scores of every scDMAC run (:mod:`scdmac_lib.evaluation.stages`): k-means on the ZINB
  bottleneck against PCA + k-means on ``X_z``;
- the counterfactual (:data:`scdmac_lib.runs.page_runs.COUNTERFACTUAL`, **not the paper's method**):
  scDMAC whose masked stage reads the bottleneck instead of ``X_z``, against scDMAC.

:func:`reconstruction_answer` turns them into "yes", "no", "depends on the dataset" or "the data do
not decide" by the rule in its docstring (revised on :data:`REVISED`, after the runs were seen: the
dataset is the unit, and an effect whose sign differs between datasets is reported as such), and into
a statement generated from the numbers; :func:`first_rule_answer` gives what the rule first written
(before any real run) answers on the same runs. The other functions shape the page's runs, tables
and the sentences under them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.evaluation.diagnosis import (
    MEAN_ROW,
    PAIR_KEYS,
    ArmComparison,
    effect_test,
    paired_difference,
    smallest_type_recall,
    step_intervals,
    step_tests,
)
from scdmac_lib.evaluation.stats import ALPHA as LEVEL_ALPHA
from scdmac_lib.evaluation.stats import MIN_DATASETS, unit_intervals
from scdmac_lib.runs.page_runs import COUNTERFACTUAL

if TYPE_CHECKING:
    from scdmac_lib.runs.cache import RunResult

QUESTION = "Is the reconstruction what loses the cell types?"
#: The HTML id the book gives the page's heading :data:`QUESTION` (for links from other pages).
ANCHOR = "is-the-reconstruction-what-loses-the-cell-types"
YES, NO, DEPENDS, UNDECIDED = "yes", "no", "depends on the dataset", "the data do not decide"
ANSWERS = (YES, NO, DEPENDS, UNDECIDED)
REVISED = "2026-12-07"  # the rule of reconstruction_answer, revised after the runs were seen
#: How the page names the counterfactual's runs (it is not the paper's method).
COUNTERFACTUAL_ARM = "counterfactual (not the paper's method)"
DELTA = 0.01  # smallest mean ARI difference the first rule counts
ALPHA = 0.05  # one-sided level of the first rule's paired tests
#: Short names of the stages (:data:`scdmac_lib.evaluation.stages.STAGES`) in the page's tables.
STAGE_NAMES = {"log_pca": "log input", "bottleneck": "bottleneck", "denoised_pca": "X_z", "pretrained_z": "Z",
               "final": "final"}
_DIAGNOSTICS = ("mask_auc", "smallest_cluster", "n_nonempty_clusters")


def arm_of(spec) -> str:
    """The arm a run belongs to on the diagnosis page: :data:`COUNTERFACTUAL_ARM` or its method."""
    overrides = dict(spec.overrides)
    if all(overrides.get(k) == v for k, v in COUNTERFACTUAL.items()):
        return COUNTERFACTUAL_ARM
    return spec.method


def run_frame(results: Sequence[RunResult], truths: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """One row per run: ``dataset, seed, method, arm, ari, n_clusters_found``, the stage scores,
    label-free checks (``mask_auc, smallest_cluster, n_nonempty_clusters``; ``NaN`` where a method
    has none) and the recall of the smallest true type (``truths``: dataset -> its labels)."""
    rows = []
    for res in results:
        spec = res.spec
        rows.append({"dataset": spec.dataset, "seed": spec.seed, "method": spec.method, "arm": arm_of(spec),
                     "ari": res.metrics["ari"], "n_clusters_found": res.metrics.get("n_clusters_found", np.nan),
                     **{k: v for k, v in res.metrics.items() if k.startswith("stage_")},
                     **{k: res.diagnostics.get(k, np.nan) for k in _DIAGNOSTICS},
                     "smallest_type_recall": smallest_type_recall(truths[spec.dataset], res.labels)})
    return pd.DataFrame(rows)


def _dataset_label(name: str) -> str:
    return name if name == MEAN_ROW else catalogue.label(name)


def mean_sd(mean: float, sd: float, *, signed: bool = False, digits: int = 3) -> str:
    """``0.632 ± 0.021`` (``+0.050 ± 0.010`` when ``signed``); the mean alone without an sd; empty without a mean."""
    if math.isnan(mean):
        return ""
    text = f"{mean:+.{digits}f}" if signed else f"{mean:.{digits}f}"
    return text if math.isnan(sd) else f"{text} ± {sd:.{digits}f}"


def _display(summary: pd.DataFrame, columns: Mapping[str, str], *, signed: bool) -> pd.DataFrame:
    out = pd.DataFrame({"dataset": [_dataset_label(d) for d in summary["dataset"]]})
    for column, header in columns.items():
        out[header] = [mean_sd(m, s, signed=signed) for m, s in zip(summary[f"{column}_mean"],
                                                                     summary[f"{column}_sd"], strict=True)]
    return out


def _stage_keys(summary: pd.DataFrame) -> list[str]:
    return [k for k in STAGE_NAMES if f"{k}_mean" in summary.columns]


def stage_scores_display(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`~scdmac_lib.evaluation.diagnosis.stage_summary` as text: datasets (by kind) x stages,
    each cell ``mean ± sd`` over seeds."""
    return _display(summary, {k: STAGE_NAMES[k] for k in _stage_keys(summary)}, signed=False)


def _interval_cell(mean: float, low: float, high: float) -> str:
    """``+0.101 [+0.05, +0.15] gain``: the label only where the interval excludes 0."""
    if math.isnan(mean):
        return ""
    if math.isnan(low):
        return f"{mean:+.3f}"
    label = " gain" if low > 0 else " loss" if high < 0 else ""
    return f"{mean:+.3f} [{low:+.2f}, {high:+.2f}]{label}"


def step_name(step: str) -> str:
    """``"X_z − bottleneck"`` for the step ``"denoised_pca - bottleneck"``."""
    cur, prev = step.split(" - ")
    return f"{STAGE_NAMES[cur]} − {STAGE_NAMES[prev]}"


def stage_changes_display(frame: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """The change from stage to stage as text: datasets (by kind) x steps, each cell the mean over seeds
    with its 95% interval over seeds, labelled gain or loss only where the interval excludes 0; the
    last row the mean over datasets with its interval across datasets
    (:func:`~scdmac_lib.evaluation.diagnosis.step_tests`).

    ``frame`` has one row per scDMAC run (``dataset``, ``seed``, ``stage_<key>_<metric>``).
    """
    per = step_intervals(frame, metric)
    tests = step_tests(frame, metric)
    datasets = list(dict.fromkeys(frame["dataset"]))
    out = pd.DataFrame({"dataset": [*(catalogue.label(d) for d in datasets), MEAN_ROW]})
    for step in dict.fromkeys(per["step"]):
        rows = per[per["step"] == step].set_index("dataset")
        test = tests.set_index("step").loc[step]
        out[step_name(step)] = [*(_interval_cell(rows.loc[d, "mean"], rows.loc[d, "low"], rows.loc[d, "high"])
                                  for d in datasets), _interval_cell(test["effect"], test["low"], test["high"])]
    return out


def _names(datasets: Sequence[str]) -> str:
    return ", ".join(catalogue.label(d) for d in datasets)


def _heterogeneity(test: Mapping) -> str:
    if math.isnan(test["het_p"]):
        return "heterogeneity untested (one seed per dataset)"
    return (f"heterogeneity across datasets F({int(test['het_df_between'])}, {int(test['het_df_within'])}) = "
            f"{test['het_f']:.2f}, p = {test['het_p']:.2g}")


def stage_change_lines(frame: pd.DataFrame, metric: str = "ari") -> str:
    """Markdown bullets, one per change from stage to stage (:func:`~scdmac_lib.evaluation.diagnosis.step_tests`):
    its mean over datasets with the 95% interval and Holm-adjusted p (over the steps), the test of
    heterogeneity across datasets, and the datasets where it gains or loses: only those whose own
    interval over seeds excludes 0."""
    lines = []
    for _, t in step_tests(frame, metric).iterrows():
        gains = _names(t["higher"]) or "no dataset"
        losses = _names(t["lower"]) or "no dataset"
        lines.append(f"- **{step_name(t['step'])}**: {t['effect']:+.3f} across {int(t['n_datasets'])} datasets "
                     f"[{t['low']:+.3f}, {t['high']:+.3f}], Holm p = {t['p_holm']:.2g}; {_heterogeneity(t)}. "
                     f"Gains on {gains}; loses on {losses} (95% intervals over seeds).")
    return "\n".join(lines)


def _per_dataset(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["dataset"] != MEAN_ROW].set_index("dataset")


def largest_loss(summary: pd.DataFrame, later: str, earlier: str) -> str | None:
    """The dataset whose mean ARI drops the most from stage ``earlier`` to stage ``later`` (keys of
    :data:`~scdmac_lib.evaluation.stages.STAGES`) in a stage summary; ``None`` when neither is scored."""
    per = _per_dataset(summary)
    if f"{later}_mean" not in per.columns or f"{earlier}_mean" not in per.columns:
        return None
    change = (per[f"{later}_mean"] - per[f"{earlier}_mean"]).dropna()
    return str(change.idxmin()) if not change.empty else None


def arms_display(comparison: ArmComparison, arms: Sequence[str]) -> pd.DataFrame:
    """The per-dataset ARI of each arm of a :class:`~scdmac_lib.evaluation.diagnosis.ArmComparison`
    as text (``mean ± sd`` over seeds), datasets by kind, with the mean over datasets last."""
    per = comparison.per_dataset
    mean_row = {c: (per[c].mean() if c.endswith("_mean") else np.nan) for c in per.columns if c != "dataset"}
    summary = pd.concat([per, pd.DataFrame([{"dataset": MEAN_ROW, **mean_row}])], ignore_index=True)
    return _display(summary, {a: a for a in arms}, signed=False)


def tests_display(tests: pd.DataFrame) -> pd.DataFrame:
    """Arm comparisons (:func:`~scdmac_lib.evaluation.diagnosis.compare_arms`' tests) as text: the
    difference, the mean over datasets with its 95% interval and p, the heterogeneity test, and the
    datasets whose own interval over seeds lies above or below 0."""
    return pd.DataFrame({
        "difference": [f"{a} − {b}" for a, b in zip(tests["arm"], tests["versus"], strict=True)],
        "n": [f"{int(d)} x {int(n)}" for d, n in zip(tests["n_datasets"], tests["n_seeds"], strict=True)],
        "mean [95%]": [_interval_cell(m, lo, hi) for m, lo, hi in zip(tests["effect"], tests["low"], tests["high"],
                                                                      strict=True)],
        "p": [f"{p:.2g}" for p in tests["p_two_sided"]],
        "p (same on every dataset)": [f"{p:.2g}" if not math.isnan(p) else "" for p in tests["het_p"]],
        "higher on": [_names(v) for v in tests["higher"]],
        "lower on": [_names(v) for v in tests["lower"]],
    })


@dataclass(frozen=True)
class Answer:
    """The answer to :data:`QUESTION` (one of :data:`ANSWERS`), its statement and the tests behind it."""

    answer: str
    statement: str  # markdown: the answer in bold, then the numbers it rests on
    evidence: pd.DataFrame  # one row per comparison: comparison, the columns of effect_test, direction


def _wide(frame: pd.DataFrame, arm: str, column: str) -> pd.Series:
    rows = frame[frame["arm"] == arm]
    return rows.groupby(list(PAIR_KEYS), sort=False)[column].mean() if column in rows else pd.Series(dtype=float)


#: The rule's comparisons, each "first minus second" paired on (dataset, seed): (arm, column) of each side.
_COMPARISONS = {
    "counterfactual": ((COUNTERFACTUAL_ARM, "ari"), ("scDMAC", "ari")),
    "stages": (("scDMAC", "stage_bottleneck_ari"), ("scDMAC", "stage_denoised_pca_ari")),
    "network": (("scDMAC", "stage_bottleneck_ari"), ("scDMAC", "stage_log_pca_ari")),
}


def _pairs_of(frame: pd.DataFrame, name: str) -> tuple[pd.Series, pd.Series]:
    (arm_a, col_a), (arm_b, col_b) = _COMPARISONS[name]
    return _wide(frame, arm_a, col_a), _wide(frame, arm_b, col_b)


def _evidence(frame: pd.DataFrame) -> pd.DataFrame:
    """The rule's two comparisons and the network's own change, with the dataset as the unit."""
    rows = []
    for name in _COMPARISONS:
        first, second = _pairs_of(frame, name)
        diff = (first.astype(float) - second.astype(float)).dropna().rename("diff").reset_index()
        test = effect_test(diff) if not diff.empty else effect_test(pd.DataFrame(columns=["dataset", "seed", "diff"]))
        side = 1 if test["low"] > 0 else -1 if test["high"] < 0 else 0  # NaN compares False
        rows.append({"comparison": name, **test, "direction": side})
    return pd.DataFrame(rows)


_WHAT = {
    "counterfactual": ("scDMAC with the masked stage reading the ZINB bottleneck instead of X_z (the "
                       "counterfactual, not the paper's method)", "scDMAC"),
    "stages": ("k-means on the ZINB bottleneck, in the same scDMAC runs,", "PCA + k-means on X_z"),
    "network": ("The bottleneck itself (the network's own change)", "PCA + k-means on the log input"),
}


def _sides(row: Mapping) -> str:
    def side(shown: list, means: list, word: str) -> str:
        if shown:
            return f"{word} on {_names(shown)}"
        if means:
            where = "above" if word == "higher" else "below"
            return f"{word} on none shown (the mean is {where} 0 on {_names(means)}, with intervals that include 0)"
        return f"{word} on no dataset"
    return (f"{side(row['higher'], row['mean_higher'], 'higher')}; {side(row['lower'], row['mean_lower'], 'lower')} "
            "(95% intervals over seeds)")


def _sentence(row: Mapping) -> str:
    first, second = _WHAT[row["comparison"]]
    if row["n_datasets"] == 0:
        return f"{first} could not be compared with {second}: no (dataset, seed) pair has both."
    if math.isnan(row["low"]):
        return (f"{first} minus {second}: {row['effect']:+.3f} ARI on {int(row['n_datasets'])} dataset, too few for "
                "an interval across datasets.")
    return (f"{first} minus {second}: {row['effect']:+.3f} ARI across {int(row['n_datasets'])} datasets x "
            f"{int(row['n_seeds'])} seeds, 95% interval [{row['low']:+.3f}, {row['high']:+.3f}], p = "
            f"{row['p_two_sided']:.2g}; {_heterogeneity(row)}; {_sides(row)}.")


def _reason(answer: str, cf: Mapping, stages: Mapping) -> str:
    if answer == YES:
        return ("The counterfactual scores higher across datasets (its 95% interval lies above 0) and the stage "
                "scores do not point the other way: the masked stage finds cell types in the bottleneck that it does "
                "not find in the reconstruction.")
    if answer == NO:
        return ("scDMAC does better with X_z than with the bottleneck across datasets (the counterfactual's 95% "
                "interval lies below 0) and the stage scores do not point the other way: the reconstruction is not "
                "what loses the cell types.")
    if answer == DEPENDS:
        return (f"The counterfactual's difference differs between datasets ({_heterogeneity(cf)}): {_sides(cf)}. Its "
                f"mean over datasets, {cf['effect']:+.3f} [{cf['low']:+.3f}, {cf['high']:+.3f}], averages these "
                "apart.")
    if cf["n_datasets"] < MIN_DATASETS:
        return (f"The counterfactual ran beside scDMAC on {int(cf['n_datasets'])} dataset(s); the rule needs "
                f"{MIN_DATASETS}.")
    if cf["direction"] != 0:
        return "The counterfactual and the stage scores point different ways."
    return ("The counterfactual's interval across datasets includes 0, and its difference does not differ "
            f"detectably between datasets ({_heterogeneity(cf)}).")


def rule_statement() -> str:
    """The rule of :func:`reconstruction_answer` in words, with its thresholds (markdown)."""
    level = f"{1 - LEVEL_ALPHA:.0%}"
    return (f"**The rule (revised {REVISED}, after the runs were seen).** Two comparisons, each paired on "
            f"(dataset, seed) with the dataset as the unit: the **counterfactual** (its ARI minus scDMAC's; it "
            f"changes only what the masked stage reads) and the **stages** (in the same scDMAC runs, k-means on the "
            f"bottleneck minus PCA + k-means on X_z). Each has its mean over datasets with a {level} t interval "
            f"(hierarchical bootstrap standard error, as for the book's verdicts), each dataset's own {level} "
            f"interval over its seeds, and a one-way ANOVA of the per-run differences on dataset (is the difference "
            f"the same on every dataset?). The answer is *{DEPENDS}* when that test gives p < {LEVEL_ALPHA} and "
            f"some datasets' intervals lie above 0 and others' below; otherwise *{YES}* when the counterfactual's "
            f"interval across datasets lies above 0 and the stages' does not lie below, *{NO}* when it lies below 0 "
            f"and the stages' does not lie above; otherwise *{DEPENDS}* again when the ANOVA gives p < "
            f"{LEVEL_ALPHA}, and *{UNDECIDED}* when it does not (or fewer than {MIN_DATASETS} datasets ran).")


def reconstruction_answer(frame: pd.DataFrame) -> Answer:
    """Answer :data:`QUESTION` from the diagnosis page's runs (the rule of :func:`rule_statement`).

    ``frame`` has one row per run (:func:`run_frame`): ``dataset, seed, arm, ari`` and, on the
    ``"scDMAC"`` rows, ``stage_log_pca_ari``, ``stage_bottleneck_ari`` and ``stage_denoised_pca_ari``.

    The rule (revised on :data:`REVISED`, after the runs were seen; :func:`first_rule_answer` keeps
    the one written before). Two comparisons, each paired on (dataset, seed) and measured with the
    dataset as the unit (:func:`~scdmac_lib.evaluation.diagnosis.effect_test`):

    1. *counterfactual*: the ARI of :data:`COUNTERFACTUAL_ARM` minus scDMAC's, the intervention;
    2. *stages*: in the scDMAC runs, k-means on the ZINB bottleneck minus PCA + k-means on ``X_z``.

    Each has a direction: +1 when its 95% interval across datasets lies above 0, -1 below, else 0.
    The answer is :data:`DEPENDS` when the counterfactual's differences differ between datasets (one-way
    ANOVA on dataset, p < 0.05) and some datasets' own intervals over seeds lie above 0 and others'
    below; else :data:`YES` when the counterfactual is +1 and the stages are not -1, :data:`NO` when it
    is -1 and the stages are not +1; else :data:`DEPENDS` when the ANOVA gives p < 0.05, and
    :data:`UNDECIDED` otherwise (also with fewer than :data:`MIN_DATASETS` datasets). The network's own
    change is stated beside the answer and not used by the rule.
    """
    needed = {*PAIR_KEYS, "arm", "ari"}
    if missing := sorted(needed - set(frame.columns)):
        msg = f"the run frame lacks the columns {missing} (build it with report.reconstruction.run_frame)."
        raise ValueError(msg)
    evidence = _evidence(frame)
    by = evidence.set_index("comparison")
    cf, stages = by.loc["counterfactual"], by.loc["stages"]
    heterogeneous = cf["het_p"] < LEVEL_ALPHA  # NaN compares False
    if cf["n_datasets"] < MIN_DATASETS:
        answer = UNDECIDED
    elif heterogeneous and cf["higher"] and cf["lower"]:
        answer = DEPENDS
    elif cf["direction"] == 1 and stages["direction"] != -1:
        answer = YES
    elif cf["direction"] == -1 and stages["direction"] != 1:
        answer = NO
    else:
        answer = DEPENDS if heterogeneous else UNDECIDED
    lines = [f"- {_sentence(row)}" for _, row in evidence.iterrows()]
    statement = "\n".join([f"**{answer.capitalize()}.** {_reason(answer, cf, stages)}", "", *lines])
    return Answer(answer, statement, evidence)


def _first_direction(test: Mapping[str, float]) -> int:
    if test["mean_diff"] >= DELTA and test["p_greater"] < ALPHA:  # NaN compares False
        return 1
    if test["mean_diff"] <= -DELTA and test["p_less"] < ALPHA:
        return -1
    return 0


def first_rule_answer(frame: pd.DataFrame) -> str:
    """What the rule first written for :data:`QUESTION` (before any real run was seen) answers on ``frame``.

    That rule tested each comparison over the (dataset, seed) pairs with one-sided Wilcoxon signed-rank
    tests (:func:`~scdmac_lib.evaluation.diagnosis.paired_difference`): a direction when the mean
    difference is at least :data:`DELTA` with p < :data:`ALPHA`; "yes" / "no" as in
    :func:`reconstruction_answer`, otherwise "the data do not decide".
    """
    cf = _first_direction(paired_difference(*_pairs_of(frame, "counterfactual")))
    stages = _first_direction(paired_difference(*_pairs_of(frame, "stages")))
    if cf == 1 and stages != -1:
        return YES
    if cf == -1 and stages != 1:
        return NO
    return UNDECIDED


def first_rule_sentence(frame: pd.DataFrame) -> str:
    """The first rule's answer on ``frame`` and why the rule was revised (markdown)."""
    return (f"The rule first written for this question, before any real run was seen (one-sided Wilcoxon "
            f"signed-rank tests over the (dataset, seed) pairs, at least {DELTA} ARI with p < {ALPHA}), answers "
            f"*{first_rule_answer(frame)}* on these runs. It was revised on {REVISED}, after the runs were seen: it "
            "counted the seeds of a dataset as independent replicates, and it had no answer for a difference that "
            "goes one way on some datasets and the other way on others.")


def stage_scores_takeaway(summary: pd.DataFrame) -> str:
    """What the stage-score table (:func:`~scdmac_lib.evaluation.diagnosis.stage_summary`) shows: the
    first and last stage across datasets, and where the final labels beat the log input."""
    per = _per_dataset(summary)
    if "log_pca_mean" not in per.columns or "final_mean" not in per.columns:
        return ""
    mean = summary[summary["dataset"] == MEAN_ROW].iloc[0]
    above = per.index[per["final_mean"] > per["log_pca_mean"]].tolist()
    below = per.index[per["final_mean"] < per["log_pca_mean"]].tolist()
    return (f"Across datasets, k-means on the log input (the PCA + k-means baseline) scores {mean['log_pca_mean']:.3f} "
            f"and scDMAC's final labels {mean['final_mean']:.3f}; the final labels are above the log input on "
            f"{len(above)} of {len(per)} datasets ({_names(above) or 'none'}) and below it on "
            f"{_names(below) or 'none'} (means over seeds).")


def checks_takeaway(checks: pd.DataFrame) -> str:
    """What the label-free checks (per dataset: ``mask_auc``, ``smallest_type_recall``, ...) show."""
    auc = checks["mask_auc"].dropna()
    parts = []
    if not auc.empty:
        at_chance = auc.between(0.45, 0.55).all()
        parts.append(f"The mask predictor's AUC is {auc.min():.3f} to {auc.max():.3f} across datasets (0.5 is chance)"
                     + (": it learned nothing on any of them." if at_chance else "."))
    recall = checks["smallest_type_recall"].dropna()
    if not recall.empty:
        lost = recall.index[recall < 0.1].tolist()
        parts.append(f"The smallest annotated type is recovered (recall at least 0.5) on {int((recall >= 0.5).sum())} "
                     f"of {len(recall)} datasets; it is lost (recall below 0.1) on {', '.join(lost) or 'none'}.")
    return " ".join(parts)


def arms_takeaway(comparison: ArmComparison, arms: Sequence[str]) -> str:
    """The mean over datasets of each arm's ARI in :func:`~scdmac_lib.evaluation.diagnosis.compare_arms`."""
    per = comparison.per_dataset
    means = ", ".join(f"{a} {per[f'{a}_mean'].mean():.3f}" for a in arms)
    best = per[[f"{a}_mean" for a in arms]].idxmax(axis=1).str.removesuffix("_mean").value_counts()
    return (f"Mean ARI over datasets: {means}. Highest per dataset: "
            + ", ".join(f"{a} on {int(best.get(a, 0))}" for a in arms) + f" of {len(per)} datasets.")


def tests_takeaway(tests: pd.DataFrame) -> str:
    """One sentence per comparison of :func:`tests_display`: whether its interval excludes 0 and whether it
    differs between datasets."""
    parts = []
    for _, t in tests.iterrows():
        where = ("lies above 0" if t["low"] > 0 else "lies below 0" if t["high"] < 0 else "includes 0")
        het = ("differs between datasets" if t["het_p"] < LEVEL_ALPHA else "does not differ detectably between "
               "datasets")
        parts.append(f"{t['arm']} − {t['versus']}: the interval across datasets {where}, and the difference {het} "
                     f"(p = {t['het_p']:.2g}).")
    return " ".join(parts)


def simulations_takeaway(sims: pd.DataFrame) -> str:
    """What the simulations' table shows (``sims``: means over seeds per dataset and method, with ``ari``,
    the ``stage_<key>_ari`` columns of scDMAC and ``smallest_type_recall``): per simulation, scDMAC's
    largest loss from one stage to the next, and its final ARI against PCA + k-means."""
    keys = [k for k in STAGE_NAMES if f"stage_{k}_ari" in sims.columns]
    parts = []
    for dataset, g in sims.groupby("dataset", sort=False):
        rows = g.set_index("method")
        if "scDMAC" not in rows.index:
            continue
        scd = rows.loc["scDMAC"]
        values = [scd.get(f"stage_{k}_ari", np.nan) for k in keys]
        drops = [(values[i] - values[i + 1], i) for i in range(len(values) - 1) if not np.isnan(values[i + 1])]
        text = f"On {dataset}, scDMAC's final ARI is {scd['ari']:.3f}"
        if "PCA + k-means" in rows.index:
            text += f" against PCA + k-means's {rows.loc['PCA + k-means', 'ari']:.3f}"
        if drops and max(drops)[0] > 0:
            size, i = max(drops)
            text += (f"; its largest loss is from {STAGE_NAMES[keys[i]]} to {STAGE_NAMES[keys[i + 1]]} "
                     f"({values[i]:.3f} -> {values[i + 1]:.3f})")
        text += f", and the smallest type's recall is {scd['smallest_type_recall']:.2f}."
        parts.append(text)
    return " ".join(parts)


def fit_takeaway(scores: pd.DataFrame) -> str:
    """What the one-fit table shows (``scores``: one row per likelihood with the ARI of k-means on the
    bottleneck and on X_z and the mean fitted dropout)."""
    parts = [f"under {r['likelihood']}, PCA + k-means on X_z scores {r['ARI of PCA + k-means on X_z']:.3f} and "
             f"k-means on the bottleneck {r['ARI of k-means on the bottleneck']:.3f}" for _, r in scores.iterrows()]
    return "One fit, one seed: " + "; ".join(parts) + ". A single fit shows what can happen, not how often."


def contrast_hypothesis(contrast: pd.DataFrame, dataset: str) -> str:
    """The mechanism proposed for a stage's loss, as a hypothesis with the numbers for and against it.

    ``contrast`` is :func:`~scdmac_lib.evaluation.diagnosis.marker_contrast` of one fit under each
    likelihood (a ``likelihood`` column, ``"zinb"`` and ``"nb"``) on ``dataset``.
    """
    wide = contrast.pivot_table(index="type", columns="likelihood", values="fitted_log2_ratio")
    if not {"zinb", "nb"} <= set(wide.columns):
        return ""
    zinb = contrast[contrast["likelihood"] == "zinb"].set_index("type")
    sizes, observed = zinb["n_cells"], zinb["observed_log2_ratio"]
    diff = (wide["zinb"] - wide["nb"]).rename("diff").to_frame().assign(dataset=dataset)
    overall = unit_intervals(diff).iloc[0]
    less = int((diff["diff"] < 0).sum())
    rare = sizes.nsmallest(max(1, len(sizes) // 3)).index
    nb_loses_more = int(((observed[rare] - wide.loc[rare, "nb"]) > (observed[rare] - wide.loc[rare, "zinb"])).sum())
    dropout = zinb[["dropout_outside", "dropout_inside"]].dropna()
    where = ("lies below 0: ZINB keeps less" if overall["high"] < 0 else "lies above 0: ZINB keeps more"
             if overall["low"] > 0 else "includes 0: no difference is shown")
    text = (f"*Hypothesis, not a finding* (one seed of one dataset, {dataset}; not tested across datasets and "
            "seeds): the zero-inflation head explains a type's missing markers outside the type as dropout, so "
            "the fitted mean keeps less of the type's contrast, and k-means on X_z then loses the type. ")
    if not dropout.empty:
        higher = int((dropout["dropout_outside"] > dropout["dropout_inside"]).sum())
        text += (f"*For it:* the fitted dropout of the markers is higher outside their type than inside in {higher} "
                 f"of {len(dropout)} types (mean {dropout['dropout_outside'].mean():.2f} against "
                 f"{dropout['dropout_inside'].mean():.2f}); ")
    text += (f"ZINB's mean keeps less contrast than NB's in {less} of {len(diff)} types. *Against it:* NB's keeps less "
             f"in the other {len(diff) - less}, and on the {len(rare)} rarest types NB loses more of the observed "
             f"contrast in {nb_loses_more}. Over the {len(diff)} types, ZINB minus NB kept contrast is "
             f"{overall['mean']:+.2f} log2, 95% interval [{overall['low']:+.2f}, {overall['high']:+.2f}], which "
             f"{where}.")
    return text


def contrast_takeaway(contrast: pd.DataFrame) -> str:
    """What the contrast figure shows: per likelihood, how many types' fitted contrast lies below the
    observed one (below the diagonal) and the median share kept."""
    parts = []
    for likelihood, g in contrast.groupby("likelihood", sort=False):
        below = int((g["fitted_log2_ratio"] < g["observed_log2_ratio"]).sum())
        kept = (g["fitted_log2_ratio"] / g["observed_log2_ratio"]).median()
        parts.append(f"under {likelihood}, {below} of {len(g)} types lie below the diagonal (median share of the "
                     f"observed contrast kept: {kept:.2f})")
    return "In the figure, " + "; ".join(parts) + "."


def purity_takeaway(purity: pd.DataFrame) -> str:
    """What the purity table shows (kNN type purity and the ARI of k-means per matrix)."""
    worst = purity.loc[purity["ARI of PCA + k-means"].idxmin()]
    best = purity.loc[purity["ARI of PCA + k-means"].idxmax()]
    return (f"kNN type purity stays between {purity['kNN type purity'].min():.2f} and "
            f"{purity['kNN type purity'].max():.2f} on every matrix, while k-means's ARI runs from "
            f"{worst['ARI of PCA + k-means']:.3f} ({worst['matrix']}) to {best['ARI of PCA + k-means']:.3f} "
            f"({best['matrix']}).")


def cuts_takeaway(purity: pd.DataFrame, cuts: pd.DataFrame) -> str:
    """What the batch-cut table shows on the matrix whose k-means scores lowest (``purity``: per matrix)."""
    worst = purity.loc[purity["ARI of PCA + k-means"].idxmin(), "matrix"]
    on_worst = cuts[cuts["clustering"] == worst]
    if on_worst.empty:
        return ""
    return (f"On {worst}, where k-means scores lowest, the largest types are held by up to "
            f"{int(on_worst['clusters_holding_it'].max())} clusters, with a cluster-vs-batch ARI within a type of up "
            f"to {on_worst['cluster_vs_batch_ari'].max():.2f} (near 1: the cut follows the batch, as the hypothesis "
            "says; near 0: it does not).")
