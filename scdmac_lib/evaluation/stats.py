"""Statistics of the book's verdicts: paired effects with intervals, the dataset as the unit.

A claim about methods across datasets is decided over datasets: seeds are averaged within a
dataset and never counted as extra datasets. :func:`dataset_effect` gives the mean over datasets of
the per-dataset mean difference. Its standard error comes from a hierarchical bootstrap (datasets
resampled, then seeds within each), so that it carries both the spread between datasets and the
seed noise within them; the bootstrap's n-denominator spread is widened by sqrt(n / (n - 1))
(Hesterberg 2015, "What teachers should know about the bootstrap", The American Statistician 69:
371-386, section 5), and intervals and p-values use Student's t with n - 1 degrees of freedom, n
the number of datasets. Why t and not the bootstrap's percentiles: with 7 datasets the percentile
interval is too narrow, and a p-value counted from 10,000 resamples cannot go below about 0.01,
so Holm's correction over four comparisons could never be met however large the effect.
:func:`holm` corrects a family of p-values; :func:`paired_t` tests paired differences over seeds
(the sweeps); :func:`sd_interval` bounds a standard deviation (the seed-variance claim).
:func:`equivalence_p` tests an effect for equivalence within a margin (TOST), :func:`unit_intervals`
gives each dataset's own interval over its seeds, :func:`heterogeneity` tests whether an effect
differs between datasets (one-way ANOVA), and :func:`wilcoxon_n` is the n a Wilcoxon test really uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Fewest pairs with which a one-sided Wilcoxon signed-rank test can reach p < 0.05 (1 / 2^5).
MIN_PAIRS = 5
#: Fewest datasets over which an across-datasets effect is estimated (with two, the t quantile with
#: one degree of freedom makes any interval span most of the scale).
MIN_DATASETS = 3
ALPHA = 0.05  # two-sided level of every interval and test of a verdict
POWER = 0.8  # power at which the detectable effect is computed
N_RESAMPLES = 4000  # bootstrap resamples (for a standard error; at least 2000)
BOOTSTRAP_SEED = 0  # fixed: the same runs give the same interval


def paired_wilcoxon(diff, alternative: str = "greater") -> float:
    """One-sided Wilcoxon signed-rank p-value of paired differences (``NaN`` below :data:`MIN_PAIRS`).

    ``alternative="greater"`` tests whether the differences tend to be positive. All-zero
    differences give p = 1: nothing speaks for either side.
    """
    from scipy.stats import wilcoxon

    diff = np.asarray(diff, dtype=float)
    diff = diff[~np.isnan(diff)]
    if diff.size < MIN_PAIRS:
        return float("nan")
    if not diff.any():
        return 1.0
    return float(wilcoxon(diff, alternative=alternative).pvalue)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (``NaN`` entries stay ``NaN``, outside the family).

    >>> holm([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    order = idx[np.argsort(p[idx], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


@dataclass(frozen=True, eq=False)
class Effect:
    """A mean paired effect over units (datasets), its bootstrap distribution, interval and p-values.

    ``per_unit`` holds each unit's mean over its replicates (seeds); ``estimate`` is their mean;
    ``draws`` the hierarchical bootstrap distribution of that mean; ``n_replicates`` the most
    replicates any unit has.
    """

    estimate: float
    per_unit: pd.Series
    n_replicates: int
    draws: np.ndarray = field(repr=False)

    @property
    def n_units(self) -> int:
        return len(self.per_unit)

    def interval(self, level: float = 1 - ALPHA) -> tuple[float, float]:
        """The two-sided t interval: estimate +- t(n - 1) x standard error (``NaN`` below two units)."""
        from scipy.stats import t

        if self.n_units < 2:
            return float("nan"), float("nan")
        half = t.ppf(1 - (1 - level) / 2, self.n_units - 1) * self.standard_error()
        return self.estimate - half, self.estimate + half

    def p_value(self, alternative: str = "two-sided") -> float:
        """The t-test p-value the interval implies (``"greater"``: a positive effect, ``"less"``: a negative
        one, ``"two-sided"``). With no spread at all, p is 0 on the estimate's side and 1 otherwise;
        ``NaN`` below two units."""
        from scipy.stats import t

        if alternative not in ("greater", "less", "two-sided"):
            msg = f"alternative must be 'greater', 'less' or 'two-sided', got {alternative!r}."
            raise ValueError(msg)
        if self.n_units < 2:
            return float("nan")
        se, est = self.standard_error(), self.estimate
        if se == 0:
            side = {"greater": est > 0, "less": est < 0, "two-sided": est != 0}[alternative]
            return 0.0 if side else 1.0
        stat = est / se
        if alternative == "two-sided":
            return float(2 * t.sf(abs(stat), self.n_units - 1))
        return float(t.sf(stat if alternative == "greater" else -stat, self.n_units - 1))

    def standard_error(self) -> float:
        """The bootstrap standard error, widened by sqrt(n / (n - 1)) (``NaN`` below two units)."""
        if self.n_units < 2:
            return float("nan")
        return float(np.std(self.draws, ddof=1) * np.sqrt(self.n_units / (self.n_units - 1)))

    def detectable(self, alpha: float = ALPHA, power: float = POWER) -> float:
        """The smallest true effect these units would detect (two-sided ``alpha``) with probability ``power``."""
        from scipy.stats import t

        n = self.n_units
        if n < 2:
            return float("nan")
        return float((t.ppf(1 - alpha / 2, n - 1) + t.ppf(power, n - 1)) * self.standard_error())


def dataset_effect(frame: pd.DataFrame, value: str = "diff", *, unit: str = "dataset", replicate: str = "seed",
                   n_resamples: int = N_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Effect:
    """The mean over units of each unit's mean ``value``, with its hierarchical bootstrap (a fixed seed).

    ``frame`` has one row per (unit, replicate), e.g. a paired difference per (dataset, seed). Each
    resample draws as many units as there are, with replacement, and for each drawn unit as many of
    its replicates as it has, with replacement; its statistic is the mean over the drawn units of
    their replicate means. Rows with a missing ``value`` are dropped first.
    """
    if missing := [c for c in (unit, replicate, value) if c not in frame.columns]:
        msg = f"the frame lacks the columns {missing} (has {list(frame.columns)})."
        raise ValueError(msg)
    rows = frame.dropna(subset=[value])
    if rows.empty:
        msg = f"no {value!r} values to estimate an effect from."
        raise ValueError(msg)
    groups = [np.asarray(g[value], dtype=float) for _, g in rows.groupby(unit, sort=True)]
    per_unit = rows.groupby(unit, sort=True)[value].mean()
    rng = np.random.default_rng(seed)
    n = len(groups)
    picks = rng.integers(0, n, size=(n_resamples, n))
    # resampled replicate means of every unit for every (resample, slot): drawn independently per slot
    means = np.empty((n, n_resamples, n))
    for u, values in enumerate(groups):
        draws = rng.integers(0, len(values), size=(n_resamples, n, len(values)))
        means[u] = values[draws].mean(axis=2)
    chosen = np.take_along_axis(means.transpose(1, 2, 0), picks[:, :, None], axis=2)[:, :, 0]
    return Effect(float(per_unit.mean()), per_unit, int(max(len(v) for v in groups)), chosen.mean(axis=1))


def paired_t(diff, alternative: str = "greater") -> float:
    """One-sample t-test p-value of paired differences (``NaN`` with fewer than two).

    Constant differences have no spread: p is 0 when they lie on the tested side of 0 and 1 otherwise.
    """
    from scipy.stats import ttest_1samp

    diff = np.asarray(diff, dtype=float)
    diff = diff[~np.isnan(diff)]
    if diff.size < 2:
        return float("nan")
    if np.ptp(diff) == 0:
        side = diff[0] > 0 if alternative == "greater" else diff[0] < 0
        return 0.0 if side else 1.0
    return float(ttest_1samp(diff, 0.0, alternative=alternative).pvalue)


def sd_interval(values, level: float = 1 - ALPHA) -> tuple[float, float]:
    """Two-sided chi-square interval for the standard deviation of normal ``values`` (``NaN`` below 2)."""
    from scipy.stats import chi2

    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    k = values.size - 1
    if k < 1:
        return float("nan"), float("nan")
    ss = k * values.var(ddof=1)
    alpha = 1 - level
    return float(np.sqrt(ss / chi2.ppf(1 - alpha / 2, k))), float(np.sqrt(ss / chi2.ppf(alpha / 2, k)))


def sd_above_p(values, limit: float) -> float:
    """One-sided p-value that the standard deviation of ``values`` exceeds ``limit`` (chi-square test)."""
    from scipy.stats import chi2

    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    k = values.size - 1
    if k < 1:
        return float("nan")
    return float(chi2.sf(k * values.var(ddof=1) / limit**2, k))


def sd_below_p(values, limit: float) -> float:
    """One-sided p-value that the standard deviation of ``values`` is below ``limit`` (chi-square test)."""
    from scipy.stats import chi2

    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    k = values.size - 1
    if k < 1:
        return float("nan")
    return float(chi2.cdf(k * values.var(ddof=1) / limit**2, k))


def wilcoxon_n(diff) -> int:
    """How many differences :func:`paired_wilcoxon` ranks: the non-missing, non-zero ones (scipy's default
    ``zero_method="wilcox"`` drops zeros), the n a table beside its p-value must show."""
    diff = np.asarray(diff, dtype=float)
    return int(np.count_nonzero(diff[~np.isnan(diff)]))


def equivalence_p(effect: Effect, margin: float) -> float:
    """Two one-sided tests (TOST, Schuirmann 1987) that ``effect`` lies inside ``(-margin, +margin)``.

    The larger of the two one-sided t p-values (n - 1 degrees of freedom, the effect's bootstrap
    standard error): p < alpha exactly when the two-sided ``1 - 2 alpha`` interval
    (:meth:`Effect.interval`, 90% for alpha 0.05) lies inside the margin. With no spread, p is 0
    inside the margin and 1 outside; ``NaN`` below two units.
    """
    from scipy.stats import t

    if margin <= 0:
        msg = f"the equivalence margin must be positive, got {margin}."
        raise ValueError(msg)
    if effect.n_units < 2:
        return float("nan")
    se, est = effect.standard_error(), effect.estimate
    if se == 0:
        return 0.0 if abs(est) < margin else 1.0
    df = effect.n_units - 1
    return float(max(t.sf((est + margin) / se, df), t.sf((margin - est) / se, df)))


def unit_intervals(frame: pd.DataFrame, value: str = "diff", *, unit: str = "dataset", level: float = 1 - ALPHA,
                   sort: bool = False) -> pd.DataFrame:
    """Each unit's mean ``value`` over its rows (its seeds) with a t interval on n - 1 degrees of freedom.

    One row per unit (in order of appearance unless ``sort``): ``unit``, ``n``, ``mean``, ``sd``,
    ``low``, ``high`` and ``side``: +1 when the interval lies above 0, -1 below, 0 when it includes 0
    (also with one row, which has no interval). Rows with a missing ``value`` are dropped.
    """
    from scipy.stats import t

    if missing := [c for c in (unit, value) if c not in frame.columns]:
        msg = f"the frame lacks the columns {missing} (has {list(frame.columns)})."
        raise ValueError(msg)
    grouped = frame.dropna(subset=[value]).groupby(unit, sort=sort)[value]
    out = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(), "sd": grouped.std(ddof=1)})
    half = t.ppf(1 - (1 - level) / 2, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    out["side"] = np.where(out["low"] > 0, 1, np.where(out["high"] < 0, -1, 0))
    return out.rename_axis(unit).reset_index()


@dataclass(frozen=True)
class Heterogeneity:
    """One-way ANOVA of a value on its unit: does the effect differ between units (datasets)?"""

    f: float
    df_between: int
    df_within: int
    p_value: float


def heterogeneity(frame: pd.DataFrame, value: str = "diff", *, unit: str = "dataset") -> Heterogeneity:
    """One-way ANOVA F test of ``value`` (e.g. one paired difference per (dataset, seed)) on ``unit``.

    It asks whether the units' true means differ, with the spread of the replicates within each unit
    as the yardstick (assumed normal, with one variance for all units). ``NaN`` with fewer than two
    units or no replicate spread to measure against (every unit with one row); with no spread within
    units at all, p is 0 when the unit means differ and 1 when they do not.
    """
    from scipy.stats import f as f_dist

    if missing := [c for c in (unit, value) if c not in frame.columns]:
        msg = f"the frame lacks the columns {missing} (has {list(frame.columns)})."
        raise ValueError(msg)
    rows = frame.dropna(subset=[value])
    groups = [np.asarray(g, dtype=float) for _, g in rows.groupby(unit)[value]]
    k, n = len(groups), sum(len(g) for g in groups)
    if k < 2 or n - k < 1:
        return Heterogeneity(float("nan"), k - 1, n - k, float("nan"))
    grand = np.concatenate(groups).mean()
    between = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / (k - 1)
    within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (n - k)
    if within == 0:
        return Heterogeneity(float("inf") if between > 0 else float("nan"), k - 1, n - k,
                             0.0 if between > 0 else 1.0)
    f = between / within
    return Heterogeneity(float(f), k - 1, n - k, float(f_dist.sf(f, k - 1, n - k)))
