import numpy as np
import pytest
import torch

from scdmac_lib.method.zinb import log_zinb_positive, zinb_nll
from scdmac_lib.method.zinb_cpu import supports, zinb_nll_fused


def reference(x, mu, theta, logits):
    """Value and gradients of the autograd reference, in float64."""
    params = [t.detach().double().requires_grad_() for t in (mu, theta, logits)]
    value = -log_zinb_positive(x.double(), *params).mean()
    return value.item(), torch.autograd.grad(value, params)


def random_batch(seed, shape=(64, 300)):
    rng = np.random.default_rng(seed)
    mu = np.exp(rng.uniform(np.log(1e-5), np.log(1e6), shape))
    theta = np.exp(rng.uniform(np.log(1e-4), np.log(1e4), shape))
    logits = rng.uniform(-30, 30, shape)
    counts = rng.negative_binomial(np.minimum(theta, 50), np.minimum(theta, 50) / (np.minimum(theta, 50) + np.minimum(mu, 1e4)))
    counts = counts * (rng.random(shape) < 0.6)  # plenty of zeros, and counts up to thousands
    return [torch.tensor(v, dtype=torch.float32) for v in (counts, mu, theta, logits)]


@pytest.mark.parametrize("seed", [0, 1])
def test_fused_value_and_gradients_match_autograd(seed):
    x, mu, theta, logits = random_batch(seed)
    params = [t.clone().requires_grad_() for t in (mu, theta, logits)]
    value = zinb_nll_fused(x, *params)
    grads = torch.autograd.grad(2.0 * value, params)  # an upstream factor is passed through
    ref_value, ref_grads = reference(x, mu, theta, logits)
    assert value.item() == pytest.approx(ref_value, rel=1e-6)
    for ours, ref in zip(grads, ref_grads, strict=True):
        # absolute slack: torch's softplus is linear beyond 20, off by up to e^-20 from the exact form
        ref = 2.0 * ref.numpy()
        np.testing.assert_allclose(ours.double().numpy(), ref, rtol=1e-4, atol=1e-7 * np.abs(ref).max())


def test_fused_matches_where_both_zero_count_terms_underflow():
    # pi = sigmoid(-800) and NB(0) = (theta / (theta + mu))^theta both underflow to 0 in float64
    x, mu, theta, logits = (torch.tensor([v], dtype=torch.float32) for v in (0.0, 1e6, 1e4, -80.0))
    params = [t.clone().requires_grad_() for t in (mu, theta, logits)]
    value = zinb_nll_fused(x, *params)
    ref_value, ref_grads = reference(x, mu, theta, logits)
    assert np.isfinite(value.item()) and value.item() == pytest.approx(ref_value, rel=1e-6)
    for ours, ref in zip(torch.autograd.grad(value, params), ref_grads, strict=True):
        np.testing.assert_allclose(ours.double().numpy(), ref.numpy(), rtol=1e-4, atol=1e-12)


def test_fused_matches_on_both_sides_of_the_small_count_shortcut():
    # integer counts below 16 use the rising factorial; 16 and up and fractions do not (theta is
    # kept below 1e7: beyond, float64 lgamma(x + theta) - lgamma(theta) in the reference cancels)
    counts = np.array([1, 2, 7, 15, 16, 40, 2.5, 0.25])
    thetas = np.array([1e-4, 0.3, 3.0, 1e4, 1e6])
    x, theta = (torch.tensor(v.ravel(), dtype=torch.float32) for v in np.meshgrid(counts, thetas))
    mu, logits = torch.full_like(x, 4.0), torch.full_like(x, -2.0)
    params = [t.clone().requires_grad_() for t in (mu, theta, logits)]
    value = zinb_nll_fused(x, *params)
    ref_value, ref_grads = reference(x, mu, theta, logits)
    assert value.item() == pytest.approx(ref_value, rel=1e-6)
    for ours, ref in zip(torch.autograd.grad(value, params), ref_grads, strict=True):
        np.testing.assert_allclose(ours.double().numpy(), ref.numpy(), rtol=1e-4, atol=1e-9)


def test_fused_stays_finite_for_huge_dispersions():
    x = torch.tensor([1.0, 15.0, 16.0, 2.5])
    params = [torch.full_like(x, v).requires_grad_() for v in (4.0, 1e20, -2.0)]
    value = zinb_nll_fused(x, *params)
    assert np.isfinite(value.item())
    assert all(torch.isfinite(g).all() for g in torch.autograd.grad(value, params))


def test_fused_is_deterministic():
    x, mu, theta, logits = random_batch(3)
    first = [zinb_nll_fused(x, mu, theta, logits).item() for _ in range(2)]
    assert first[0] == first[1]


def test_fused_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        zinb_nll_fused(torch.zeros(2, 3), torch.ones(2, 3), torch.ones(3, 2), torch.zeros(2, 3))


def test_zinb_nll_uses_the_fused_kernel_for_float32_cpu_tensors_only():
    x, mu, theta, logits = random_batch(4, shape=(5, 7))
    assert supports(x, mu, theta, logits) and not supports(x.double(), mu, theta, logits)
    fused = zinb_nll(x, mu.requires_grad_(), theta, logits)
    assert "Fused" in type(fused.grad_fn).__name__
    assert fused.item() == pytest.approx(zinb_nll(x.double(), mu.double(), theta.double(), logits.double()).item(),
                                         rel=1e-6)
