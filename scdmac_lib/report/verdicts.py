"""The four verdicts and the one rule that gives them, for every claim and comparison of the book.

:data:`RULE` states the rule once (the reproducibility report shows it); :func:`compare` measures
"ours minus each other method" with the dataset as the unit (:func:`scdmac_lib.evaluation.stats.dataset_effect`)
and :func:`verdict_of` turns those comparisons into a verdict. The rule was written and committed
before any verdict of the new form was computed (2026-12-07).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scdmac_lib.evaluation.stats import ALPHA, MIN_DATASETS, dataset_effect, holm, paired_wilcoxon

HOLDS, CONTRADICTED, INCONCLUSIVE, UNTESTABLE = "holds", "contradicted", "inconclusive", "cannot be tested here"
VERDICTS = (HOLDS, CONTRADICTED, INCONCLUSIVE, UNTESTABLE)

RULE = f"""\
**The verdicts** (one rule for every claim, fixed before the runs were read this way).

- **{HOLDS}**: the {100 * (1 - ALPHA):.0f}% interval of the claimed effect excludes zero in the claimed
  direction, for every comparison the claim makes (with Holm's correction where one claim makes
  several: the adjusted p-value of each comparison is below {ALPHA}).
- **{CONTRADICTED}**: the runs show the opposite: for some comparison the interval lies wholly on the
  other side of zero (Holm-adjusted), or a number the claim states (such as "sd below 0.01") is shown
  to lie outside it.
- **{INCONCLUSIVE}**: neither. The row gives the smallest effect these runs could have detected (with
  {100 * 0.8:.0f}% power at the same level): an effect smaller than that would likely go unseen.
- **{UNTESTABLE}**: the runs are missing or too few (fewer than {MIN_DATASETS} datasets for a claim
  across datasets, one seed for a sweep).

A claim about methods across datasets is decided over datasets, the unit of replication: seeds are
averaged within a dataset, never counted as extra datasets. Its effect is the mean over datasets of
the per-dataset mean difference; its standard error comes from a hierarchical bootstrap (datasets,
then seeds within each; 4,000 resamples, a fixed seed), which counts the seed noise within datasets
as well as the spread between them (if anything, too wide), and its interval and p-value use
Student's t with one degree of freedom fewer than there are datasets. A Wilcoxon signed-rank test
over the dataset means is shown beside it as a second view; it decides nothing.
A sweep's optimum is decided within each dataset, over seeds (paired t-tests).
"""

#: What one comparison shows, by the same rule.
SUPPORTS, OPPOSES, NEITHER, TOO_FEW = "supports", "opposes", "neither", "too few datasets"


def paired_differences(runs: pd.DataFrame, metric: str, ours: str, other: str) -> pd.DataFrame:
    """``ours - other`` on ``metric``, paired on (dataset, seed): columns ``dataset, seed, diff``."""
    wide = runs[runs["method"].isin([ours, other])].pivot_table(
        index=["dataset", "seed"], columns="method", values=metric, aggfunc="mean")
    if ours not in wide.columns or other not in wide.columns:
        return pd.DataFrame(columns=["dataset", "seed", "diff"])
    diff = (wide[ours] - wide[other]).dropna().rename("diff")
    return diff.reset_index()


def compare(runs: pd.DataFrame, metric: str, ours: str, others: Sequence[str], *,
            reported: Mapping[str, tuple[float, int]] | None = None) -> pd.DataFrame:
    """``ours`` minus each of ``others`` on ``metric``, with the dataset as the unit; one row per comparison.

    ``runs`` has one row per run (``dataset, method, seed`` and ``metric``). Columns: ``versus``,
    ``effect`` (mean over datasets of the per-dataset mean difference), ``low``/``high`` (its 95%
    interval), ``p_holm`` (two-sided, Holm-adjusted over the comparisons), ``detectable`` (80% power),
    ``p_wilcoxon`` (one-sided, over the dataset means: a second view), ``n_datasets``, ``n_seeds``,
    ``outcome`` (:data:`SUPPORTS` ... :data:`TOO_FEW`), and with ``reported`` (other -> (the paper's
    implied effect, on how many of its datasets)) ``reported_effect``, ``reported_n`` and
    ``reported_in_interval``.
    """
    rows = []
    for other in others:
        diffs = paired_differences(runs, metric, ours, other)
        if diffs.empty:
            continue
        eff = dataset_effect(diffs)
        low, high = eff.interval()
        rows.append({"versus": other, "effect": eff.estimate, "low": low, "high": high,
                     "p_two_sided": eff.p_value(), "detectable": eff.detectable(),
                     "p_wilcoxon": paired_wilcoxon(eff.per_unit, "greater"),
                     "n_datasets": eff.n_units, "n_seeds": eff.n_replicates})
    columns = ["versus", "effect", "low", "high", "p_two_sided", "p_holm", "detectable", "p_wilcoxon",
               "n_datasets", "n_seeds", "outcome"]
    table = pd.DataFrame(rows, columns=[c for c in columns if c not in ("p_holm", "outcome")])
    enough = table["n_datasets"] >= MIN_DATASETS
    table["p_holm"] = np.nan
    if enough.any():
        table.loc[enough, "p_holm"] = holm(table.loc[enough, "p_two_sided"].to_numpy())
    table["outcome"] = [_outcome(r) for r in table.itertuples()]
    table = table[columns]
    if reported is not None:
        table = add_reported(table, reported)
    return table


def _outcome(row) -> str:
    if row.n_datasets < MIN_DATASETS:
        return TOO_FEW
    if row.p_holm < ALPHA:
        return SUPPORTS if row.effect > 0 else OPPOSES
    return NEITHER


def add_reported(table: pd.DataFrame, reported: Mapping[str, tuple[float, int]]) -> pd.DataFrame:
    """``table`` (:func:`compare`) with the paper's implied effect of each comparison and whether our
    interval includes it (``NaN`` where the paper implies none)."""
    out = table.copy()
    values = [reported.get(v, (np.nan, 0)) for v in out["versus"]]
    out["reported_effect"] = [float(v) for v, _ in values]
    out["reported_n"] = [int(n) for _, n in values]
    inside = [(lo <= r <= hi) if not np.isnan(r) and not np.isnan(lo) else np.nan
              for r, lo, hi in zip(out["reported_effect"], out["low"], out["high"], strict=True)]
    out["reported_in_interval"] = pd.array(inside, dtype="boolean")
    return out


def verdict_of(comparisons: pd.DataFrame) -> str:
    """The claim's verdict from its comparisons (:func:`compare`): one opposing comparison contradicts
    it; it holds when every comparison supports it; too few datasets for any leave it untested."""
    outcomes = set(comparisons["outcome"]) if not comparisons.empty else set()
    if not outcomes:
        return UNTESTABLE
    if OPPOSES in outcomes:
        return CONTRADICTED
    if TOO_FEW in outcomes:
        return UNTESTABLE
    return HOLDS if outcomes == {SUPPORTS} else INCONCLUSIVE


def deciding_row(comparisons: pd.DataFrame) -> pd.Series:
    """The comparison a claim's row reports: the one with the smallest effect in the claimed direction
    (the weakest link of "better than every other"; the strongest opposition when contradicted)."""
    return comparisons.loc[comparisons["effect"].idxmin()]
