import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy import stats

from scdmac_lib.method.zinb import SparseCounts, log_zinb_positive, zinb_nll, zinb_nll_sparse


def scipy_log_zinb(x, mu, theta, pi):
    nb = stats.nbinom(n=theta, p=theta / (theta + mu))
    pmf = (1 - pi) * nb.pmf(x) + pi * (x == 0)
    return np.log(pmf)


@pytest.mark.parametrize("theta", [1e-2, 0.5, 3.0, 1e3, 1e5])
@pytest.mark.parametrize("pi", [1e-6, 0.1, 0.7])
def test_log_zinb_matches_scipy(theta, pi):
    x = np.array([0, 0, 1, 2, 5, 17, 130, 1000], dtype=np.float64)
    mu = np.array([0.3, 40.0, 1.0, 2.5, 4.0, 20.0, 100.0, 800.0])
    logits = np.log(pi) - np.log1p(-pi)
    ours = log_zinb_positive(torch.tensor(x), torch.tensor(mu), torch.full_like(torch.tensor(mu), theta),
                             torch.full_like(torch.tensor(mu), logits), eps=0.0)
    np.testing.assert_allclose(ours.numpy(), scipy_log_zinb(x, mu, theta, pi), rtol=1e-6, atol=1e-8)


def test_log_zinb_stays_finite_at_extremes():
    x = torch.tensor([0.0, 0.0, 3.0, 1e4])
    mu = torch.tensor([1e-8, 1e6, 1e-5, 1e4])
    theta = torch.tensor([1e-4, 1e4, 1e-4, 1e4])
    logits = torch.tensor([-30.0, 30.0, 0.0, -30.0])
    assert torch.isfinite(log_zinb_positive(x, mu, theta, logits)).all()


def test_nll_is_mean_negative_log_likelihood():
    x, mu, theta, lg = torch.tensor([0.0, 4.0]), torch.tensor([1.0, 3.0]), torch.tensor([2.0, 2.0]), torch.zeros(2)
    assert zinb_nll(x, mu, theta, lg).item() == pytest.approx(-log_zinb_positive(x, mu, theta, lg).mean().item())


def test_sparse_nll_equals_dense_nll_and_its_gradients():
    rng = np.random.default_rng(0)
    counts = rng.negative_binomial(2, 0.6, size=(7, 11)) * (rng.random((7, 11)) < 0.4)
    counts = counts.astype(np.float64)
    counts[0, 0] = 0.3  # below 0.5: a zero under both rules
    params = [torch.tensor(v, requires_grad=True) for v in (
        rng.gamma(2.0, 2.0, (7, 11)), rng.gamma(1.0, 3.0, (7, 11)), rng.normal(0, 2, (7, 11)))]
    dense = zinb_nll(torch.tensor(counts), *params)
    dense_grads = torch.autograd.grad(dense, params)
    sparse_counts = SparseCounts.from_csr(sp.csr_matrix(counts))
    assert sparse_counts.values.min() >= 1
    sparse = zinb_nll_sparse(sparse_counts, *params)
    sparse_grads = torch.autograd.grad(sparse, params)
    assert sparse.item() == pytest.approx(dense.item(), rel=1e-6)
    for a, b in zip(sparse_grads, dense_grads, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-12)


def test_sparse_nll_refuses_a_shape_mismatch():
    counts = SparseCounts.from_csr(sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"counts have shape \(2, 3\)"):
        zinb_nll_sparse(counts, *(torch.ones(3, 2) for _ in range(3)))
