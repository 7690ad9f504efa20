"""Clustering maths of the fine-tune stage (paper Eq. 16-22): pure functions on tensors.

Weighted soft k-means follows scziDesk (Chen et al., 2020); the Student-t soft assignment and its
sharpened target follow DEC (Xie et al., 2016) as used by scDeepCluster.
"""

from __future__ import annotations

import torch


def squared_distances(z: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """``d_ik = ||z_i - c_k||^2``: (n, d), (k, d) -> (n, k)."""
    return (z.unsqueeze(1) - centers.unsqueeze(0)).pow(2).sum(-1)


def soft_kmeans_weights(d2: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """``w_ik = softmax_k(-d_ik / T)`` (Eq. 18), shifted by the row minimum for stability."""
    shifted = d2 - d2.min(dim=1, keepdim=True).values  # (n, k), >= 0
    return torch.softmax(-shifted / temperature, dim=1)


def inflate(w: torch.Tensor, power: float = 2.0) -> torch.Tensor:
    """Markov-style inflation (Eq. 19): ``w^r`` renormalized over clusters."""
    powered = w.pow(power)  # (n, k)
    return powered / powered.sum(dim=1, keepdim=True)


def weighted_kmeans_loss(d2: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``mean_i sum_k w_ik d_ik`` (Eq. 16), a scalar."""
    return (w * d2).sum(dim=1).mean()


def soft_assign(z: torch.Tensor, centers: torch.Tensor, dof: float = 1.0) -> torch.Tensor:
    """Student-t soft assignment ``q_ik`` (Eq. 20) with ``dof`` degrees of freedom: (n, k)."""
    d2 = squared_distances(z, centers)
    kernel = (1.0 + d2 / dof).pow(-(dof + 1.0) / 2.0)
    return kernel / kernel.sum(dim=1, keepdim=True)


def target_distribution(q: torch.Tensor) -> torch.Tensor:
    """Sharpened target ``p_ik = (q_ik^2 / f_k) / sum_k' (q_ik'^2 / f_k')`` (Eq. 21), f = sum_i q."""
    weight = q.pow(2) / q.sum(dim=0, keepdim=True)
    return weight / weight.sum(dim=1, keepdim=True)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """``KL(P || Q)`` averaged over cells (Eq. 22), a scalar."""
    return (p * (torch.log(p + eps) - torch.log(q + eps))).sum(dim=1).mean()
