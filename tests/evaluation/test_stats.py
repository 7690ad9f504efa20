"""The interval helpers added for the method study, the ablations and the stage diagnosis (evaluation.stats)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.evaluation import stats


def _frame(per_dataset: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": d, "seed": s, "diff": v} for d, values in per_dataset.items()
                         for s, v in enumerate(values)])


def test_wilcoxon_n_counts_what_the_test_ranks():
    diff = [0.0, 0.0, 0.1, -0.2, np.nan, 0.3]
    assert stats.wilcoxon_n(diff) == 3


def test_equivalence_p_agrees_with_the_90_percent_interval():
    narrow = stats.dataset_effect(_frame({f"d{i}": [0.001 * i, 0.001 * i + 0.001] for i in range(5)}))
    wide = stats.dataset_effect(_frame({f"d{i}": [0.05 * (-1) ** i, 0.04 * (-1) ** i] for i in range(5)}))
    low, high = narrow.interval(0.90)
    assert -0.01 < low and high < 0.01 and stats.equivalence_p(narrow, 0.01) < 0.05
    low, high = wide.interval(0.90)
    assert (low < -0.01 or high > 0.01) and stats.equivalence_p(wide, 0.01) >= 0.05
    with pytest.raises(ValueError, match="margin must be positive"):
        stats.equivalence_p(narrow, 0.0)


def test_unit_intervals_say_which_side_of_zero_each_unit_is_on():
    out = stats.unit_intervals(_frame({"up": [0.1, 0.11, 0.12], "flat": [0.0, 0.0, 0.1], "down": [-0.2, -0.2, -0.2],
                                       "one": [0.3]})).set_index("dataset")
    assert list(out.index) == ["up", "flat", "down", "one"]
    assert out.loc["up", "side"] == 1 and out.loc["down", "side"] == -1
    assert out.loc["flat", "side"] == 0 and out.loc["flat", "low"] < 0 < out.loc["flat", "high"]
    assert out.loc["one", "side"] == 0 and np.isnan(out.loc["one", "low"])
    half = 4.302653 * np.std([0.1, 0.11, 0.12], ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert out.loc["up", "high"] - out.loc["up", "mean"] == pytest.approx(half, rel=1e-5)


def test_heterogeneity_is_the_one_way_anova():
    from scipy.stats import f_oneway

    data = {"a": [0.1, 0.12, 0.09], "b": [-0.1, -0.08, -0.12], "c": [0.0, 0.03, -0.02]}
    het = stats.heterogeneity(_frame(data))
    ref = f_oneway(*data.values())
    assert het.f == pytest.approx(ref.statistic) and het.p_value == pytest.approx(ref.pvalue)
    assert (het.df_between, het.df_within) == (2, 6)
    same = stats.heterogeneity(_frame({"a": [0.1, -0.1, 0.0], "b": [0.1, -0.1, 0.0]}))
    assert same.p_value == pytest.approx(1.0)
    assert np.isnan(stats.heterogeneity(_frame({"a": [0.1], "b": [0.2]})).p_value)  # no spread within
    assert stats.heterogeneity(_frame({"a": [0.1, 0.1], "b": [0.2, 0.2]})).p_value == 0.0
    with pytest.raises(ValueError, match="lacks the columns"):
        stats.heterogeneity(_frame(data), value="nope")
