import pytest
import torch

from scdmac_lib.method import clustering

Z = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.0, 5.2]])
C = torch.tensor([[0.0, 0.0], [5.0, 5.0]])


def test_squared_distances_by_hand():
    d2 = clustering.squared_distances(Z, C)
    assert d2.shape == (4, 2)
    assert d2[1, 0].item() == pytest.approx(0.01)
    assert d2[0, 1].item() == pytest.approx(50.0)


def test_soft_weights_rows_sum_to_one_and_prefer_the_near_center():
    w = clustering.soft_kmeans_weights(clustering.squared_distances(Z, C))
    assert torch.allclose(w.sum(1), torch.ones(4))
    assert (w.argmax(1) == torch.tensor([0, 0, 1, 1])).all()


def test_soft_weights_are_stable_for_huge_distances():
    w = clustering.soft_kmeans_weights(torch.tensor([[1e6, 1e6 + 1.0]]))
    assert torch.isfinite(w).all() and w[0, 0] > w[0, 1]


def test_inflation_sharpens():
    w = torch.tensor([[0.6, 0.4]])
    sharpened = clustering.inflate(w, 2.0)
    assert sharpened[0, 0].item() == pytest.approx(0.36 / 0.52)
    assert torch.allclose(clustering.inflate(w, 1.0), w)


def test_weighted_kmeans_loss_by_hand():
    d2 = torch.tensor([[1.0, 4.0], [9.0, 0.0]])
    w = torch.tensor([[0.5, 0.5], [0.0, 1.0]])
    assert clustering.weighted_kmeans_loss(d2, w).item() == pytest.approx((2.5 + 0.0) / 2)


def test_student_t_with_one_dof_by_hand():
    q = clustering.soft_assign(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0], [3.0, 0.0]]), dof=1.0)
    k = torch.tensor([1 / 2, 1 / 5])
    assert torch.allclose(q[0], k / k.sum())


def test_target_distribution_is_sharper_and_normalized():
    q = torch.tensor([[0.7, 0.3], [0.4, 0.6], [0.9, 0.1]])
    p = clustering.target_distribution(q)
    assert torch.allclose(p.sum(1), torch.ones(3))
    assert p[0, 0] > q[0, 0] and p[2, 0] > q[2, 0]


def test_kl_zero_iff_equal():
    q = torch.tensor([[0.7, 0.3]])
    assert clustering.kl_divergence(q, q).item() == pytest.approx(0.0, abs=1e-6)
    assert clustering.kl_divergence(torch.tensor([[0.9, 0.1]]), q).item() > 0
