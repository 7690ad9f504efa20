"""The zero-inflated negative binomial (paper Eq. 3-4, 8), in scvi-tools' stable logit form."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def log_zinb_positive(
    x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, zi_logits: torch.Tensor, eps: float = 1e-8
) -> torch.Tensor:
    """Elementwise log-likelihood of counts ``x`` under ZINB(mu, theta, pi = sigmoid(zi_logits)).

    ``mu`` is the NB mean (size factor times the decoder's scale), ``theta`` the inverse dispersion
    (variance mu + mu^2 / theta), ``zi_logits`` the logits of the dropout probability. Computed in
    log space with softplus so that tiny pi, huge theta and zero counts stay finite.
    """
    softplus_pi = F.softplus(-zi_logits)  # -log(1 - pi)
    log_theta_eps = torch.log(theta + eps)
    log_theta_mu_eps = torch.log(theta + mu + eps)
    pi_theta_log = -zi_logits + theta * (log_theta_eps - log_theta_mu_eps)  # log(pi/(1-pi)) + log NB(0)

    case_zero = F.softplus(pi_theta_log) - softplus_pi  # log(pi + (1 - pi) NB(0))
    case_non_zero = (
        -softplus_pi
        + pi_theta_log
        + x * (torch.log(mu + eps) - log_theta_mu_eps)
        + torch.lgamma(x + theta)
        - torch.lgamma(theta)
        - torch.lgamma(x + 1)
    )
    is_zero = (x < 0.5).to(case_zero.dtype)  # counts: zero or at least one
    return is_zero * case_zero + (1.0 - is_zero) * case_non_zero


def zinb_nll(
    x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, zi_logits: torch.Tensor
) -> torch.Tensor:
    """Mean negative log-likelihood per entry (paper Eq. 8), a scalar."""
    return -log_zinb_positive(x, mu, theta, zi_logits).mean()
