"""Paired comparisons of two methods over the same (dataset, seed) runs."""

from __future__ import annotations

import numpy as np

#: Fewest pairs with which a one-sided Wilcoxon signed-rank test can reach p < 0.05 (1 / 2^5).
MIN_PAIRS = 5


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
