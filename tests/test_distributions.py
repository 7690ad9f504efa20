import numpy as np
import pytest
import torch
from scipy import stats

from scdmac_lib.distributions import log_zinb_positive, zinb_nll


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
