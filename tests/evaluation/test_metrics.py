import numpy as np
import pytest

from scdmac_lib.evaluation import metrics


def test_perfect_and_permuted_labels_score_one():
    truth = ["a", "a", "b", "b", "c"]
    pred = [2, 2, 0, 0, 1]
    assert metrics.ari(truth, pred) == pytest.approx(1.0)
    assert metrics.nmi(truth, pred) == pytest.approx(1.0)
    assert metrics.accuracy(truth, pred) == pytest.approx(1.0)


def test_accuracy_uses_one_to_one_matching():
    assert metrics.accuracy(["a", "a", "b", "b"], [0, 0, 0, 0]) == pytest.approx(0.5)


def test_score_checks_lengths_and_adds_silhouette():
    rng = np.random.default_rng(0)
    emb = np.r_[rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2))]
    labels = np.r_[np.zeros(20), np.ones(20)]
    out = metrics.score(labels, labels, emb)
    assert out["silhouette"] > 0.9 and out["n_clusters_found"] == 2
    with pytest.raises(ValueError, match="truth has 2 labels but pred has 3"):
        metrics.score([0, 1], [0, 1, 1])
