"""The statistics of the verdicts: dataset effects with intervals, Holm, paired t, sd bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from scdmac_lib.evaluation import stats


def _diffs(per_dataset: list[float], wobble=(0.0, 0.0, 0.0)) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": f"d{i}", "seed": s, "diff": m + w}
                         for i, m in enumerate(per_dataset) for s, w in enumerate(wobble)])


def test_holm_matches_the_step_down_definition():
    assert stats.holm([0.01, 0.04, 0.03]).round(3).tolist() == [0.03, 0.06, 0.06]
    assert stats.holm([0.5]).tolist() == [0.5]
    out = stats.holm([0.2, np.nan, 0.01])
    assert np.isnan(out[1]) and out.round(3)[[0, 2]].tolist() == [0.2, 0.02]  # NaN stays out of the family
    assert stats.holm([0.9, 0.8]).tolist() == [1.0, 1.0]  # capped at 1


def test_with_identical_seeds_the_effect_is_a_t_interval_over_dataset_means():
    """Seeds that agree add nothing: the interval and p-value are Student's t over the dataset means."""
    means = [0.05, -0.02, 0.11, 0.03, 0.0, 0.07, 0.02]
    eff = stats.dataset_effect(_diffs(means))
    t_low, t_high = scipy_stats.t.interval(0.95, 6, loc=np.mean(means), scale=scipy_stats.sem(means))
    low, high = eff.interval()
    assert eff.estimate == pytest.approx(np.mean(means))
    assert (high - low) == pytest.approx(t_high - t_low, rel=0.05)  # the bootstrap's standard error, widened
    assert (low + high) / 2 == pytest.approx(np.mean(means))
    assert eff.p_value() == pytest.approx(scipy_stats.ttest_1samp(means, 0).pvalue, rel=0.25)
    assert eff.n_units == 7 and eff.n_replicates == 3
    # the interval and the p-value agree: the 95% interval excludes 0 exactly when p < 0.05
    lo90, hi90 = eff.interval(0.90)
    assert low < lo90 < hi90 < high
    assert (low > 0) == (eff.p_value() < 0.05)


def test_seed_noise_widens_the_interval_and_the_bootstrap_is_deterministic():
    means = [0.05, -0.02, 0.11, 0.03, 0.0, 0.07, 0.02]
    quiet, noisy = stats.dataset_effect(_diffs(means)), stats.dataset_effect(_diffs(means, (-0.1, 0.0, 0.1)))
    assert noisy.estimate == pytest.approx(quiet.estimate)
    assert noisy.standard_error() > quiet.standard_error()
    again = stats.dataset_effect(_diffs(means, (-0.1, 0.0, 0.1)))
    assert again.interval() == noisy.interval()  # a fixed seed
    assert len(noisy.draws) == stats.N_RESAMPLES >= 2000


def test_p_values_by_side_and_the_detectable_effect():
    eff = stats.dataset_effect(_diffs([0.1, 0.12, 0.09, 0.11, 0.1], (-0.01, 0.0, 0.01)))
    assert eff.p_value("greater") < 0.001 < 0.999 < eff.p_value("less")
    assert eff.p_value() == pytest.approx(2 * eff.p_value("greater"))
    assert 0 < eff.detectable() < 0.1  # a clear effect is far above what the design can resolve
    with pytest.raises(ValueError, match="alternative must be"):
        eff.p_value("bigger")
    constant = stats.dataset_effect(_diffs([0.0, 0.0, 0.0]))
    assert constant.p_value() == 1.0 and constant.interval() == (0.0, 0.0)


def test_one_dataset_gives_no_interval():
    eff = stats.dataset_effect(_diffs([0.3], (0.1, 0.2, 0.3, 0.2)))
    assert eff.n_units == 1 and np.isnan(eff.interval()).all() and np.isnan(eff.p_value())
    with pytest.raises(ValueError, match="lacks the columns"):
        stats.dataset_effect(pd.DataFrame({"dataset": ["a"], "diff": [1.0]}))
    with pytest.raises(ValueError, match="no 'diff' values"):
        stats.dataset_effect(pd.DataFrame({"dataset": ["a"], "seed": [0], "diff": [np.nan]}))


def test_paired_t():
    assert stats.paired_t([0.1, 0.2, 0.15], "greater") == pytest.approx(
        scipy_stats.ttest_1samp([0.1, 0.2, 0.15], 0, alternative="greater").pvalue)
    assert stats.paired_t([0.1, 0.1, 0.1], "greater") == 0.0 and stats.paired_t([0.1, 0.1], "less") == 1.0
    assert np.isnan(stats.paired_t([0.1]))


def test_sd_bounds_and_tests():
    values = [0.9, 0.7, 0.8]  # sd 0.1
    low, high = stats.sd_interval(values)
    assert low < 0.1 < high
    assert low == pytest.approx(np.sqrt(2 * 0.01 / scipy_stats.chi2.ppf(0.975, 2)))
    assert stats.sd_above_p(values, 0.01) < 0.001 and stats.sd_below_p(values, 0.01) > 0.999
    assert np.isnan(stats.sd_interval([0.5])).all() and np.isnan(stats.sd_above_p([0.5], 0.01))
