"""Table 5's claim by the verdict rule (report.ablations), on made-up run frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.evaluation.stats import holm
from scdmac_lib.report import ablations, verdicts


def _runs(effects: dict[str, list[float]], *, n_seeds: int = 3, noise: float = 0.002, seed: int = 0) -> pd.DataFrame:
    """The full model and variants on one dataset per entry of each variant's list: the full model minus
    the variant is that value (plus a little seed noise)."""
    rng = np.random.default_rng(seed)
    n_datasets = len(next(iter(effects.values())))
    rows = []
    for d in range(n_datasets):
        for s in range(n_seeds):
            full = 0.6 + 0.02 * d + 0.01 * s
            rows.append({"dataset": f"synth-{100 + d}x50x2", "method": "scDMAC", "seed": s, "ari": full})
            for variant, gaps in effects.items():
                rows.append({"dataset": f"synth-{100 + d}x50x2", "method": variant, "seed": s,
                             "ari": full - gaps[d] + rng.normal(0, noise)})
    return pd.DataFrame(rows)


STRONG = [0.10, 0.12, 0.09, 0.11, 0.10, 0.13, 0.08]


def test_the_variant_without_a_learning_mask_predictor_cannot_be_tested():
    """Issue 24: scDMAC-P removed a mask predictor at chance (AUC 0.50), which tests nothing."""
    runs = _runs({"scDMAC-Z": STRONG, "scDMAC-W": STRONG, "scDMAC-P": STRONG})
    result = ablations.ablation_comparisons(runs, np.full(21, 0.501))
    row = result.comparisons.set_index("versus").loc["scDMAC-P"]
    assert row["verdict"] == verdicts.UNTESTABLE and "at chance (mean AUC 0.501" in row["reason"]
    assert result.verdict == verdicts.UNTESTABLE  # the other two hold; the claim cannot be tested in full
    learned = ablations.ablation_comparisons(runs, 0.8)
    assert learned.comparisons.set_index("versus").loc["scDMAC-P", "verdict"] == verdicts.HOLDS
    assert learned.verdict == verdicts.HOLDS
    with pytest.raises(ValueError, match="no mask AUC given"):
        ablations.ablation_comparisons(runs, [np.nan])


def test_datasets_are_the_unit_and_holm_runs_over_the_three_variants():
    runs = _runs({"scDMAC-Z": STRONG, "scDMAC-W": [0.0] * 7, "scDMAC-P": [0.02, -0.01, 0.0, 0.01, -0.02, 0.0, 0.01]})
    table = ablations.ablation_comparisons(runs, 0.8).comparisons
    assert list(table["versus"]) == ["scDMAC-Z", "scDMAC-W", "scDMAC-P"]
    assert table["p_holm"].to_numpy() == pytest.approx(holm(table["p_two_sided"].to_numpy()))
    assert (table["n_datasets"] == 7).all() and (table["n_seeds"] == 3).all() and (table["n_wilcoxon"] == 7).all()
    assert table.set_index("versus").loc["scDMAC-W", "verdict"] == verdicts.INCONCLUSIVE


def test_higher_across_datasets_but_not_on_every_dataset_does_not_hold():
    """The paper's claim is "on every dataset": one dataset below it keeps the verdict from holding."""
    gaps = [0.10, 0.12, 0.09, 0.11, 0.10, 0.13, -0.03]
    result = ablations.ablation_comparisons(_runs({"scDMAC-Z": gaps}), 0.8)
    row = result.comparisons.iloc[0]
    assert row["outcome"] == verdicts.SUPPORTS  # across datasets it is clearly higher ...
    assert row["verdict"] == verdicts.INCONCLUSIVE and "not above on synth-106x50x2" in row["reason"]
    assert row["datasets_above"] == 6 and row["datasets_below"] == "synth-106x50x2"
    assert row["datasets_shown_below"] == "synth-106x50x2"  # its seeds agree: the interval lies below 0


def test_leave_one_dataset_out_names_the_dataset_an_effect_rests_on():
    """Issue 24: "scDMAC-Z ... holds" rested on worm_neuron alone."""
    gaps = [0.01, -0.01, 0.02, 0.0, 0.01, -0.02, 0.5]
    result = ablations.ablation_comparisons(_runs({"scDMAC-Z": gaps}), 0.8)
    row = result.comparisons.iloc[0]
    assert row["loo_dataset"] == "synth-106x50x2"
    assert row["loo_effect"] == pytest.approx(np.mean(gaps[:6]), abs=0.003)
    assert "Without synth-106x50x2 (simulated), the dataset it rests on most" in result.notes[0]
    shown = ablations.comparisons_display(result.comparisons)
    assert shown.loc[0, "without the dataset it rests on most"].startswith("synth-106x50x2: +0.00")


def test_a_variant_that_scores_higher_contradicts_the_claim():
    result = ablations.ablation_comparisons(_runs({"scDMAC-Z": [-g for g in STRONG], "scDMAC-W": STRONG}), 0.8)
    assert result.comparisons.set_index("versus").loc["scDMAC-Z", "verdict"] == verdicts.CONTRADICTED
    assert result.verdict == verdicts.CONTRADICTED


def test_takeaways_are_made_of_the_numbers():
    long = pd.DataFrame({"dataset": ["deng", "deng", "pollen", "pollen"], "method": ["scDMAC", "scDMAC-Z"] * 2,
                         "ours_mean": [0.5, 0.4, 0.6, 0.7], "reported": [0.9, 0.8, np.nan, np.nan]})
    text = ablations.table_takeaway(long, "ari")
    assert text.startswith("Ours: the full model has the highest mean ARI on 1 of 2 datasets; scDMAC-Z is above it "
                           "on 1 (Pollen (stand-in))")
    assert "on Deng (stand-in), +0.100" in text or "on Pollen (stand-in), -0.100" in text
    assert "ours is -0.400 to -0.400 ARI from it" in ablations.figure_takeaway(long, "ari")
    reported = pd.DataFrame({"Deng": [0.8, 0.9]}, index=["scDMAC-Z", "scDMAC"])
    assert ablations.reported_takeaway(reported, "ari") == ("The paper reports the full model above each variant in "
                                                            "1 of 1 (variant, dataset) cells, by +0.100 to +0.100 ARI.")
