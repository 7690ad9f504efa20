"""Stage diagnosis: k-means per stage, label-free partition checks, and the after-the-fact explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.evaluation import diagnosis, stages
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
