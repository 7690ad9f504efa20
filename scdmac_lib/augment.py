"""Augmentations of the denoising stage's training input (paper Section 2).

Applied to a minibatch of the standardized log-normalized input: gene masking (dropout-like zeros),
Gaussian noise and swapping values with a kNN neighbour. The ZINB target stays the raw counts.
"""

from __future__ import annotations

import torch

from scdmac_lib.config import AugmentConfig


def mask_genes(x: torch.Tensor, rate: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Set a random fraction ``rate`` of the entries to zero."""
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= rate
    return x * keep


def gaussian_noise(x: torch.Tensor, variance: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Add N(0, variance) noise to every entry."""
    noise = torch.randn(x.shape, generator=generator, device=x.device)
    return x + noise * variance**0.5


def random_neighbours(
    x_all: torch.Tensor, batch_idx: torch.Tensor, knn: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """The values of one random kNN neighbour of each batch cell, (b, g).

    ``knn`` is (n, k) neighbour indices into ``x_all``; ``batch_idx`` the batch's rows of ``x_all``.
    """
    pick = torch.randint(knn.shape[1], (len(batch_idx),), generator=generator, device=x_all.device)
    return x_all[knn[batch_idx, pick]]


def neighbour_swap(
    x_batch: torch.Tensor, x_all: torch.Tensor, batch_idx: torch.Tensor, knn: torch.Tensor, rate: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Replace a fraction ``rate`` of each cell's entries by a random kNN neighbour's values."""
    if knn.shape[1] == 0 or rate <= 0:
        return x_batch
    swap = torch.rand(x_batch.shape, generator=generator, device=x_batch.device) < rate
    return torch.where(swap, random_neighbours(x_all, batch_idx, knn, generator), x_batch)


def augment(
    x_all: torch.Tensor, batch_idx: torch.Tensor, knn: torch.Tensor, cfg: AugmentConfig,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Swap with neighbours, mask, then add noise; identity when ``cfg.enabled`` is false.

    Swap and mask share one uniform draw per entry: an entry is masked when ``u >= 1 - mask_rate``
    and otherwise swapped when ``u < swap_rate * (1 - mask_rate)``. Since a masked entry is zero
    whether or not it was swapped, each entry ends up zero, a neighbour's value or its own with the
    same probabilities as with two independent draws (one random-number pass fewer).
    """
    x = x_all[batch_idx]
    if not cfg.enabled:
        return x
    u = torch.rand(x.shape, generator=generator, device=x.device)
    if knn.shape[1] > 0 and cfg.swap_rate > 0:
        swap = u < cfg.swap_rate * (1.0 - cfg.mask_rate)
        x = torch.where(swap, random_neighbours(x_all, batch_idx, knn, generator), x)
    return gaussian_noise(x.masked_fill_(u >= 1.0 - cfg.mask_rate, 0.0), cfg.noise_var, generator)
