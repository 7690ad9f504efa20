"""Stage diagnosis: k-means per stage, label-free partition checks, and the after-the-fact explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.evaluation import diagnosis, stages
from scdmac_lib.evaluation.stats import holm
from scdmac_lib.method import finetune


@pytest.fixture
def blobs():
    """Three well-separated types of 40 cells in 30 'genes' (log-like values)."""
    rng = np.random.default_rng(0)
    truth = np.repeat(["a", "b", "c"], 40)
    centers = rng.normal(0, 4, (3, 30))
    x = np.abs(centers[np.repeat(np.arange(3), 40)] + rng.normal(0, 0.5, (120, 30)))
    return x.astype(np.float32), truth


def test_pca_kmeans_recovers_separated_types_and_is_seeded(blobs):
    from scdmac_lib.evaluation.metrics import ari

    x, truth = blobs
    labels = stages.pca_kmeans_labels(x, 3, seed=0, n_init=5)
    assert ari(truth, labels) == pytest.approx(1.0)
    assert np.array_equal(labels, stages.pca_kmeans_labels(x, 3, seed=0, n_init=5))


def test_knn_type_purity_is_one_for_tight_types_and_chance_for_shuffled_labels(blobs):
    x, truth = blobs
    assert diagnosis.knn_type_purity(x, truth, seed=0) == pytest.approx(1.0)
    shuffled = np.random.default_rng(1).permutation(truth)
    assert diagnosis.knn_type_purity(x, shuffled, seed=0) < 0.5  # chance is about 1/3


def test_score_stages_and_stage_table():
    truth = np.array([0, 0, 1, 1])
    scores = stages.score_stages({"log_pca": np.array([1, 1, 0, 0]), "final": np.array([0, 1, 0, 1])}, truth)
    assert scores["stage_log_pca_ari"] == pytest.approx(1.0) and scores["stage_final_ari"] < 0.5
    frame = pd.DataFrame({"dataset": ["d", "d"], "stage_log_pca_ari": [0.8, 0.6], "stage_final_ari": [0.4, 0.6]})
    table = stages.stage_table(frame).set_index("dataset")
    assert table.loc["d", "final - log_pca"] == pytest.approx(-0.2)
    assert stages.stage_table(pd.DataFrame({"dataset": ["d"]})).empty


def test_cluster_sizes_counts_empty_clusters():
    sizes = finetune.cluster_sizes([0, 0, 0, 2], 4)
    assert sizes == {"n_nonempty_clusters": 2, "empty_clusters": 2, "smallest_cluster": 1,
                     "largest_cluster_fraction": 0.75}


def test_type_recall_gives_a_merged_small_type_zero():
    truth = ["big"] * 8 + ["small"] * 2 + ["other"] * 5
    pred = [0] * 10 + [1] * 5  # the small type sits in the big type's cluster
    recall = diagnosis.type_recall(truth, pred)
    assert recall == {"big": 1.0, "other": 1.0, "small": 0.0}
    assert diagnosis.smallest_type_recall(truth, pred) == 0.0


def test_marker_contrast_sees_a_flattened_mean_and_its_dropout():
    truth = np.repeat(["a", "b"], 10)
    lognorm = np.zeros((20, 4))
    lognorm[:10, 0] = np.log1p(9.0)  # gene 0 marks type a (expm1 = 9 inside, 0 outside)
    flat = np.ones((20, 4))  # a fitted mean that kept no contrast at all
    dropout = np.where(truth[:, None] == "b", 0.9, 0.1) * np.ones((20, 4))
    table = diagnosis.marker_contrast(lognorm, truth, flat, dropout, n_markers=1).set_index("type")
    assert table.loc["a", "observed_log2_ratio"] > 10 and table.loc["a", "fitted_log2_ratio"] == pytest.approx(0.0)
    assert table.loc["a", "dropout_outside"] == pytest.approx(0.9)
    assert "dropout_inside" not in diagnosis.marker_contrast(lognorm, truth, flat, None, n_markers=1)


def test_split_by_batch_sees_a_type_cut_along_donors():
    truth = ["t"] * 20 + ["u"] * 10
    donor = ["d1", "d2"] * 10 + ["d1"] * 10
    by_donor = [0 if d == "d1" else 1 for d in donor[:20]] + [2] * 10
    table = diagnosis.split_by_batch(by_donor, truth, donor, n_types=1).set_index("type")
    assert list(table.index) == ["t"]  # the largest type only
    assert table.loc["t", "clusters_holding_it"] == 2
    assert table.loc["t", "cluster_vs_batch_ari"] == pytest.approx(1.0)


def _stage_runs():
    """Two datasets: 'a' with two seeds, 'b' with one; three of the five stages scored."""
    return pd.DataFrame({"dataset": ["a", "a", "b"], "seed": [0, 1, 0],
                         "stage_log_pca_ari": [0.8, 0.6, 0.5], "stage_bottleneck_ari": [0.9, 0.8, 0.3],
                         "stage_final_ari": [0.5, 0.6, 0.3], "ari": [0.5, 0.6, 0.3]})


def test_stage_summary_gives_mean_sd_and_changes_in_pipeline_order():
    summary = diagnosis.stage_summary(_stage_runs()).set_index("dataset")
    assert list(summary.index) == ["a", "b", diagnosis.MEAN_ROW]
    assert list(summary.columns) == [
        "n_seeds", "log_pca_mean", "log_pca_sd", "bottleneck_mean", "bottleneck_sd", "final_mean", "final_sd",
        "bottleneck - log_pca_mean", "bottleneck - log_pca_sd", "final - bottleneck_mean", "final - bottleneck_sd"]
    assert summary.loc["a", "n_seeds"] == 2 and summary.loc["a", "log_pca_mean"] == pytest.approx(0.7)
    assert summary.loc["a", "log_pca_sd"] == pytest.approx(np.std([0.8, 0.6], ddof=1))
    assert summary.loc["a", "bottleneck - log_pca_mean"] == pytest.approx(0.15)
    assert summary.loc["a", "bottleneck - log_pca_sd"] == pytest.approx(np.std([0.1, 0.2], ddof=1))
    assert np.isnan(summary.loc["b", "final_sd"])  # one seed: no sd
    assert summary.loc[diagnosis.MEAN_ROW, "final - bottleneck_mean"] == pytest.approx((-0.3 + 0.0) / 2)
    assert np.isnan(summary.loc[diagnosis.MEAN_ROW, "final_sd"])


def test_stage_summary_of_runs_without_stages_is_empty_and_needs_dataset_and_seed():
    assert diagnosis.stage_summary(pd.DataFrame({"dataset": ["a"], "seed": [0], "ari": [0.5]})).empty
    with pytest.raises(ValueError, match=r"lacks the columns \['seed'\]"):
        diagnosis.stage_summary(pd.DataFrame({"dataset": ["a"], "stage_final_ari": [0.5]}))


def test_paired_difference_tests_both_ways_and_drops_incomplete_pairs():
    index = pd.MultiIndex.from_tuples([("a", s) for s in range(7)], names=["dataset", "seed"])
    first = pd.Series([0.6, 0.7, 0.8, 0.9, 1.0, 0.5, np.nan], index=index)
    second = pd.Series([0.5] * 6 + [0.1], index=index)
    test = diagnosis.paired_difference(first, second)
    assert test["n_pairs"] == 6  # the pair with a missing side is dropped
    assert test["mean_diff"] == pytest.approx(np.mean([0.1, 0.2, 0.3, 0.4, 0.5, 0.0]))
    assert test["p_greater"] < 0.05 < test["p_less"]
    assert diagnosis.paired_difference(second, first)["p_less"] == pytest.approx(test["p_greater"])


def test_paired_difference_with_too_few_pairs_gives_no_p_value():
    test = diagnosis.paired_difference(pd.Series([0.9, 0.8]), pd.Series([0.1, 0.2]))
    assert test["n_pairs"] == 2 and test["mean_diff"] == pytest.approx(0.7)
    assert np.isnan(test["p_greater"]) and np.isnan(test["p_less"])
    empty = diagnosis.paired_difference(pd.Series([np.nan]), pd.Series([0.1]))
    assert empty["n_pairs"] == 0 and np.isnan(empty["mean_diff"]) and np.isnan(empty["sd_diff"])


def _arm_runs(n_seeds: int, datasets=(("a", 0.0), ("b", 0.2), ("c", 0.1))) -> pd.DataFrame:
    rows = []
    for dataset, shift in datasets:
        for seed in range(n_seeds):
            rows += [{"dataset": dataset, "seed": seed, "arm": "cf", "ari": 0.6 + shift + 0.01 * seed},
                     {"dataset": dataset, "seed": seed, "arm": "scDMAC", "ari": 0.5 + shift},
                     {"dataset": dataset, "seed": seed, "arm": "other", "ari": 0.7 + shift}]
    return pd.DataFrame(rows)


def test_compare_arms_summarizes_each_arm_and_tests_the_first_against_the_others():
    result = diagnosis.compare_arms(_arm_runs(3), "cf", ["scDMAC", "other"])
    per = result.per_dataset.set_index("dataset")
    assert list(per.columns) == ["n_seeds", "cf_mean", "cf_sd", "scDMAC_mean", "scDMAC_sd", "other_mean", "other_sd"]
    assert per.loc["b", "cf_mean"] == pytest.approx(0.81) and per.loc["a", "cf_sd"] == pytest.approx(0.01)
    tests = result.tests.set_index("versus")
    assert tests.loc["scDMAC", "n_datasets"] == 3 and tests.loc["scDMAC", "n_seeds"] == 3
    assert tests.loc["scDMAC", "effect"] == pytest.approx(0.11)
    assert tests.loc["scDMAC", "low"] > 0 and tests.loc["other", "high"] < 0
    assert tests.loc["scDMAC", "higher"] == ["a", "b", "c"] and tests.loc["other", "lower"] == ["a", "b", "c"]
    assert tests.loc["scDMAC", "het_p"] == pytest.approx(1.0)  # the same difference on every dataset
    assert set(tests["arm"]) == {"cf"}


def test_compare_arms_with_one_seed_and_a_missing_arm():
    few = diagnosis.compare_arms(_arm_runs(1), "cf", ["scDMAC"]).tests.iloc[0]
    assert few["n_datasets"] == 3 and np.isnan(few["het_p"]) and few["higher"] == []  # no seeds: no own intervals
    with pytest.raises(ValueError, match=r"arm\(s\) \['scziDesk-style'\] have no runs"):
        diagnosis.compare_arms(_arm_runs(1), "cf", ["scziDesk-style"])
    with pytest.raises(ValueError, match=r"lacks the columns \['arm'\]"):
        diagnosis.compare_arms(_arm_runs(1).drop(columns="arm"), "cf", ["scDMAC"])


def _steps_frame() -> pd.DataFrame:
    """scDMAC runs on three datasets x three seeds whose Z loses on "down" and gains on "up"."""
    changes = {"up": [0.10, 0.11, 0.12], "flat": [0.0, 0.0, 0.10], "down": [-0.2, -0.21, -0.19]}
    rows = [{"dataset": d, "seed": s, "stage_log_pca_ari": 0.5, "stage_denoised_pca_ari": 0.6,
             "stage_pretrained_z_ari": 0.6 + c} for d, values in changes.items() for s, c in enumerate(values)]
    return pd.DataFrame(rows)


def test_every_step_is_tested_the_same_way_the_masked_stage_included():
    """Issue 24: X_z -> Z, the one step with a pooled loss, was never tested by the page's rule."""
    tests = diagnosis.step_tests(_steps_frame()).set_index("step")
    assert list(tests.index) == ["denoised_pca - log_pca", "pretrained_z - denoised_pca"]
    z = tests.loc["pretrained_z - denoised_pca"]
    assert z["n_datasets"] == 3 and z["effect"] == pytest.approx(np.mean([0.11, 0.1 / 3, -0.2]))
    assert z["higher"] == ["up"] and z["lower"] == ["down"]  # "flat" (0, 0, +0.10): its interval includes 0
    assert z["het_p"] < 0.05  # the change differs between datasets
    assert tests["p_holm"].to_numpy() == pytest.approx(holm(tests["p_two_sided"].to_numpy()))
    per = diagnosis.step_intervals(_steps_frame()).set_index(["step", "dataset"])
    flat = per.loc[("pretrained_z - denoised_pca", "flat")]
    assert flat["low"] < 0 < flat["high"] and flat["side"] == 0
