"""The zero-inflated negative binomial (paper Eq. 3-4, 8), in scvi-tools' stable logit form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from scdmac_lib.method import zinb_cpu

EPS = 1e-8


@dataclass(frozen=True)
class SparseCounts:
    """The nonzero counts of a (cells x genes) minibatch, for :func:`zinb_nll_sparse`."""

    flat_index: torch.Tensor  # int64 positions ``i * n_genes + j`` of the counts >= 0.5
    values: torch.Tensor  # those counts (float32)
    shape: tuple[int, int]

    @classmethod
    def from_csr(cls, rows, device: torch.device | str = "cpu") -> SparseCounts:
        """From a scipy CSR matrix (the minibatch's rows of the raw counts)."""
        keep = rows.data >= 0.5  # the same zero rule as log_zinb_positive
        row_of = np.repeat(np.arange(rows.shape[0], dtype=np.int64), np.diff(rows.indptr))
        flat = row_of[keep] * rows.shape[1] + rows.indices[keep]
        return cls(torch.from_numpy(flat).to(device),
                   torch.from_numpy(rows.data[keep].astype(np.float32)).to(device), tuple(rows.shape))


def _zero_case(mu, theta, zi_logits, eps: float = EPS):
    """``log P(X=0)`` and the pieces the nonzero case shares with it."""
    softplus_pi = F.softplus(-zi_logits)  # -log(1 - pi)
    log_theta_mu_eps = torch.log(theta + mu + eps)
    pi_theta_log = -zi_logits + theta * (torch.log(theta + eps) - log_theta_mu_eps)  # log(pi/(1-pi)) + log NB(0)
    case_zero = F.softplus(pi_theta_log) - softplus_pi  # log(pi + (1 - pi) NB(0))
    return case_zero, softplus_pi, pi_theta_log, log_theta_mu_eps


def _nonzero_case(x, mu, theta, softplus_pi, pi_theta_log, log_theta_mu_eps, eps: float = EPS):
    """``log P(X=x)`` for counts ``x >= 1``: log(1 - pi) + log NB(x)."""
    return (
        -softplus_pi
        + pi_theta_log
        + x * (torch.log(mu + eps) - log_theta_mu_eps)
        + torch.lgamma(x + theta)
        - torch.lgamma(theta)
        - torch.lgamma(x + 1)
    )


def log_zinb_positive(
    x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, zi_logits: torch.Tensor, eps: float = EPS
) -> torch.Tensor:
    """Elementwise log-likelihood of counts ``x`` under ZINB(mu, theta, pi = sigmoid(zi_logits)).

    ``mu`` is the NB mean (size factor times the decoder's scale), ``theta`` the inverse dispersion
    (variance mu + mu^2 / theta), ``zi_logits`` the logits of the dropout probability. Computed in
    log space with softplus so that tiny pi, huge theta and zero counts stay finite.
    """
    case_zero, *shared = _zero_case(mu, theta, zi_logits, eps)
    case_non_zero = _nonzero_case(x, mu, theta, *shared, eps)
    is_zero = (x < 0.5).to(case_zero.dtype)  # counts: zero or at least one
    return is_zero * case_zero + (1.0 - is_zero) * case_non_zero


def zinb_nll(
    x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, zi_logits: torch.Tensor
) -> torch.Tensor:
    """Mean negative log-likelihood per entry (paper Eq. 8), a scalar.

    Float32 CPU tensors go through the fused kernel of :mod:`scdmac_lib.zinb_cpu` (same value and
    gradient, one pass); other dtypes and devices through :func:`log_zinb_positive` and autograd.
    """
    if zinb_cpu.supports(x, mu, theta, zi_logits):
        return zinb_cpu.zinb_nll_fused(x, mu, theta, zi_logits)
    return -log_zinb_positive(x, mu, theta, zi_logits).mean()


def zinb_nll_sparse(
    counts: SparseCounts, mu: torch.Tensor, theta: torch.Tensor, zi_logits: torch.Tensor
) -> torch.Tensor:
    """:func:`zinb_nll` for sparse counts: the zero case everywhere, the nonzero case only where needed.

    ``sum log P = sum_all log P(0) + sum_nonzero [log P(x) - log P(0)]``; the lgamma terms are
    evaluated at the nonzero entries alone (most entries of scRNA-seq counts are zero).
    """
    if tuple(mu.shape) != counts.shape:
        msg = f"counts have shape {counts.shape}, the ZINB parameters {tuple(mu.shape)}."
        raise ValueError(msg)
    case_zero, softplus_pi, pi_theta_log, log_theta_mu_eps = _zero_case(mu, theta, zi_logits)
    at = counts.flat_index

    def pick(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(-1)[at]

    case_non_zero = _nonzero_case(counts.values, pick(mu), pick(theta), pick(softplus_pi),
                                  pick(pi_theta_log), pick(log_theta_mu_eps))
    total = case_zero.sum() + (case_non_zero - pick(case_zero)).sum()
    return -total / case_zero.numel()
