"""The stage diagnosis's question: is the reconstruction (X_z) what loses the cell types?

scDMAC's first stage is a ZINB autoencoder; the paper feeds its reconstruction ``X_z`` (not its
bottleneck, which scziDesk clusters) to the masked stage. The diagnosis page answers whether that
choice loses cell types, with two pieces of evidence from the page's runs:

- the stage scores of every scDMAC run (:mod:`scdmac_lib.evaluation.stages`): k-means on the ZINB
  bottleneck against PCA + k-means on ``X_z``;
- the counterfactual (:data:`scdmac_lib.runs.page_runs.COUNTERFACTUAL`, **not the paper's method**):
  scDMAC whose masked stage reads the bottleneck instead of ``X_z``, against scDMAC.

:func:`reconstruction_answer` turns them into "yes", "no" or "the data do not decide" by a rule fixed
in its docstring, and into a statement generated from the numbers. The other functions shape the
page's runs and tables.
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
    paired_difference,
    smallest_type_recall,
)
from scdmac_lib.evaluation.stats import MIN_PAIRS
from scdmac_lib.runs.page_runs import COUNTERFACTUAL

if TYPE_CHECKING:
    from scdmac_lib.runs.cache import RunResult

QUESTION = "Is the reconstruction what loses the cell types?"
#: The HTML id the book gives the page's heading :data:`QUESTION` (for links from other pages).
ANCHOR = "is-the-reconstruction-what-loses-the-cell-types"
ANSWERS = ("yes", "no", "the data do not decide")
#: How the page names the counterfactual's runs (it is not the paper's method).
COUNTERFACTUAL_ARM = "counterfactual (not the paper's method)"
DELTA = 0.01  # smallest mean ARI difference the rule counts
ALPHA = 0.05  # one-sided level of the paired tests
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


def _stage_steps(summary: pd.DataFrame) -> list[tuple[str, str]]:
    keys = _stage_keys(summary)
    return list(zip(keys[:-1], keys[1:], strict=True))


def stage_scores_display(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`~scdmac_lib.evaluation.diagnosis.stage_summary` as text: datasets (by kind) x stages,
    each cell ``mean ± sd`` over seeds."""
    return _display(summary, {k: STAGE_NAMES[k] for k in _stage_keys(summary)}, signed=False)


def stage_changes_display(summary: pd.DataFrame) -> pd.DataFrame:
    """The change from stage to stage in :func:`~scdmac_lib.evaluation.diagnosis.stage_summary` as text,
    each cell ``mean ± sd`` over seeds of the change within a run."""
    headers = {f"{cur} - {prev}": f"{STAGE_NAMES[cur]} − {STAGE_NAMES[prev]}" for prev, cur in _stage_steps(summary)}
    return _display(summary, headers, signed=True)


def _per_dataset(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["dataset"] != MEAN_ROW].set_index("dataset")


def stage_change_lines(summary: pd.DataFrame, margin: float = DELTA) -> str:
    """Markdown bullets, one per change from stage to stage in a
    :func:`~scdmac_lib.evaluation.diagnosis.stage_summary`: the datasets where its mean over seeds
    gains at least ``margin`` ARI, and those where it loses at least as much."""
    per = _per_dataset(summary)
    lines = []
    for prev, cur in _stage_steps(summary):
        change = per[f"{cur} - {prev}_mean"]
        won = ", ".join(catalogue.label(d) for d in change.index[change >= margin]) or "no dataset"
        lost = ", ".join(catalogue.label(d) for d in change.index[change <= -margin]) or "no dataset"
        lines.append(f"- **{STAGE_NAMES[prev]} to {STAGE_NAMES[cur]}**: gains at least {margin} ARI on {won}; "
                     f"loses at least {margin} on {lost}.")
    return "\n".join(lines)


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


def format_p(p: float) -> str:
    """A p-value in three significant digits, or why there is none."""
    return f"{p:.3g}" if not math.isnan(p) else f"untested (fewer than {MIN_PAIRS} pairs)"


def tests_display(tests: pd.DataFrame) -> pd.DataFrame:
    """Paired tests (rows of :func:`~scdmac_lib.evaluation.diagnosis.paired_difference` with
    ``arm`` and ``versus``) as text: the difference, its pairs, mean ± sd, and both one-sided p-values."""
    return pd.DataFrame({
        "difference": [f"{a} − {b}" for a, b in zip(tests["arm"], tests["versus"], strict=True)],
        "pairs": tests["n_pairs"].astype(int),
        "mean ± sd": [mean_sd(m, s, signed=True) for m, s in zip(tests["mean_diff"], tests["sd_diff"], strict=True)],
        "p (higher)": [format_p(p) for p in tests["p_greater"]],
        "p (lower)": [format_p(p) for p in tests["p_less"]],
    })


def direction(test: Mapping[str, float]) -> int:
    """+1 when the first side is higher by at least :data:`DELTA` with a one-sided p < :data:`ALPHA`,
    -1 when lower by as much with p < :data:`ALPHA` the other way, 0 otherwise (also untested)."""
    if test["mean_diff"] >= DELTA and test["p_greater"] < ALPHA:  # NaN compares False
        return 1
    if test["mean_diff"] <= -DELTA and test["p_less"] < ALPHA:
        return -1
    return 0


@dataclass(frozen=True)
class Answer:
    """The answer to :data:`QUESTION` (one of :data:`ANSWERS`), its statement and the tests behind it."""

    answer: str
    statement: str  # markdown: the answer in bold, then the numbers it rests on
    evidence: pd.DataFrame  # one row per comparison: comparison, n_pairs, mean_diff, sd_diff, p_*, direction


def _wide(frame: pd.DataFrame, arm: str, column: str) -> pd.Series:
    rows = frame[frame["arm"] == arm]
    return rows.groupby(list(PAIR_KEYS), sort=False)[column].mean() if column in rows else pd.Series(dtype=float)


def _evidence(frame: pd.DataFrame) -> pd.DataFrame:
    """The rule's two comparisons and the network's own change, each paired on (dataset, seed)."""
    bottleneck = _wide(frame, "scDMAC", "stage_bottleneck_ari")
    comparisons = {
        "counterfactual": (_wide(frame, COUNTERFACTUAL_ARM, "ari"), _wide(frame, "scDMAC", "ari")),
        "stages": (bottleneck, _wide(frame, "scDMAC", "stage_denoised_pca_ari")),
        "network": (bottleneck, _wide(frame, "scDMAC", "stage_log_pca_ari")),
    }
    rows = [{"comparison": name, **paired_difference(first, second)} for name, (first, second) in comparisons.items()]
    out = pd.DataFrame(rows)
    out["direction"] = [direction(r) for r in rows]
    return out


_WHAT = {
    "counterfactual": ("scDMAC with the masked stage reading the ZINB bottleneck instead of X_z (the "
                       "counterfactual, not the paper's method)", "scDMAC"),
    "stages": ("k-means on the ZINB bottleneck, in the same scDMAC runs,", "PCA + k-means on X_z"),
    "network": ("The bottleneck itself (the network's own change)", "PCA + k-means on the log input"),
}
_HOW = {1: "scored higher than", -1: "scored lower than", 0: "was not clearly different from"}


def _pairs(n: int) -> str:
    return f"{n} (dataset, seed) pair" + ("" if n == 1 else "s")


def _sentence(row: pd.Series) -> str:
    first, second = _WHAT[row["comparison"]]
    if row["n_pairs"] == 0:
        return f"{first} could not be compared with {second}: no (dataset, seed) pair has both."
    spread = "" if math.isnan(row["sd_diff"]) else f", sd {row['sd_diff']:.3f}"
    numbers = f"mean difference {row['mean_diff']:+.3f} ARI{spread} over {_pairs(int(row['n_pairs']))}"
    if row["n_pairs"] < MIN_PAIRS:
        return f"{first} could not be tested against {second}: {numbers}, too few for the test (it needs {MIN_PAIRS})."
    return (f"{first} {_HOW[int(row['direction'])]} {second}: {numbers}; one-sided Wilcoxon p = "
            f"{format_p(row['p_greater'])} that it is higher, {format_p(row['p_less'])} that it is lower.")


def _reason(answer: str, counterfactual: pd.Series, stages: pd.Series) -> str:
    rule = f"at least {DELTA} ARI with p < {ALPHA}"
    if answer == "yes":
        return (f"The counterfactual gains ({rule}) and the stage scores do not point the other way: the masked "
                "stage finds cell types in the bottleneck that it does not find in the reconstruction.")
    if answer == "no":
        return (f"scDMAC does better with X_z than with the bottleneck ({rule}) and the stage scores do not point "
                "the other way: the reconstruction is not what loses the cell types.")
    if counterfactual["n_pairs"] < MIN_PAIRS:
        n = int(counterfactual["n_pairs"])
        return (f"Only {_pairs(n)} {'has' if n == 1 else 'have'} both scDMAC and the counterfactual; the test "
                f"needs {MIN_PAIRS}.")
    if counterfactual["direction"] == 0:
        return f"The counterfactual's difference does not reach the rule's threshold ({rule}) either way."
    return "The counterfactual and the stage scores point different ways."


def rule_statement() -> str:
    """The rule of :func:`reconstruction_answer` in words, with its thresholds (markdown)."""
    return (f"Two comparisons, each paired on (dataset, seed): the **counterfactual** (its ARI minus "
            f"scDMAC's; it changes only what the masked stage reads) and the **stages** (in the same scDMAC "
            f"runs, k-means on the bottleneck minus PCA + k-means on X_z). A comparison points one way when "
            f"its mean difference is at least {DELTA} ARI and a one-sided Wilcoxon signed-rank test gives "
            f"p < {ALPHA} (it needs at least {MIN_PAIRS} pairs). The answer is *yes* when the counterfactual "
            f"is higher and the stages do not point the other way, *no* when the counterfactual is lower and "
            f"the stages do not point the other way, and otherwise *the data do not decide*.")


def reconstruction_answer(frame: pd.DataFrame) -> Answer:
    """Answer :data:`QUESTION` from the diagnosis page's runs by a rule fixed before any real run was seen.

    ``frame`` has one row per run (:func:`run_frame`): ``dataset, seed, arm, ari`` and, on the
    ``"scDMAC"`` rows, ``stage_log_pca_ari``, ``stage_bottleneck_ari`` and ``stage_denoised_pca_ari``.

    The rule. Two comparisons, each paired on (dataset, seed) over the datasets in ``frame``:

    1. *counterfactual*: the ARI of :data:`COUNTERFACTUAL_ARM` minus scDMAC's. It is the intervention:
       it changes only what the masked stage reads (the bottleneck instead of ``X_z``).
    2. *stages*: in the scDMAC runs, the ARI of k-means on the ZINB bottleneck minus that of PCA +
       k-means on ``X_z``: what each of the two inputs holds, read by k-means.

    Each has a :func:`direction`: +1 when its mean difference is at least :data:`DELTA` (0.01 ARI)
    and a one-sided Wilcoxon signed-rank test gives p < :data:`ALPHA` (0.05), -1 when it is at most
    -0.01 with p < 0.05 the other way, 0 otherwise (including fewer than 5 pairs). The answer is

    - ``"yes"`` when the counterfactual is +1 and the stages are not -1;
    - ``"no"`` when the counterfactual is -1 and the stages are not +1;
    - ``"the data do not decide"`` otherwise: the counterfactual is 0 (too few pairs, or no clear
      difference either way), or the stages point against it.

    The network's own change (k-means on the bottleneck minus PCA + k-means on the log input) is
    stated beside the answer and not used by the rule. The statement is markdown: the answer in bold
    and the reason, then one bullet per comparison with its numbers.
    """
    needed = {*PAIR_KEYS, "arm", "ari"}
    if missing := sorted(needed - set(frame.columns)):
        msg = f"the run frame lacks the columns {missing} (build it with report.reconstruction.run_frame)."
        raise ValueError(msg)
    evidence = _evidence(frame)
    by = evidence.set_index("comparison")
    counterfactual, stages = by.loc["counterfactual"], by.loc["stages"]
    if counterfactual["direction"] == 1 and stages["direction"] != -1:
        answer = "yes"
    elif counterfactual["direction"] == -1 and stages["direction"] != 1:
        answer = "no"
    else:
        answer = "the data do not decide"
    lines = [f"- {_sentence(row)}" for _, row in evidence.iterrows()]
    statement = "\n".join([f"**{answer.capitalize()}.** {_reason(answer, counterfactual, stages)}", "", *lines])
    return Answer(answer, statement, evidence)
