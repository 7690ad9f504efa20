"""Augmentations of the denoising stage's training input (paper Section 2).

Applied to a minibatch of the standardized log-normalized input: gene masking (dropout-like zeros),
Gaussian noise and swapping values with a kNN neighbour. The ZINB target stays the raw counts.

Masks are drawn as 0/1 floats and blended with ``torch.lerp``, which returns either end exactly for
weights 0 and 1 (finite inputs): on the CPU that is several times faster than boolean masks with
``torch.where`` or a multiply by a boolean.
"""

from __future__ import annotations

import torch

from scdmac_lib.method.config import AugmentConfig


def mask_genes(x: torch.Tensor, rate: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Set a random fraction ``rate`` of the entries to zero."""
    keep = torch.rand(x.shape, generator=generator, device=x.device).ge_(rate)
    return x * keep


def gaussian_noise(x: torch.Tensor, variance: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Add N(0, variance) noise to every entry."""
    noise = torch.randn(x.shape, generator=generator, device=x.device)
    return noise.mul_(variance**0.5).add_(x)


def neighbour_swap(
    x_batch: torch.Tensor, x_all: torch.Tensor, batch_idx: torch.Tensor, knn: torch.Tensor, rate: float,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Replace a fraction ``rate`` of each cell's entries by a random kNN neighbour's values.

    ``knn`` is (n, k) neighbour indices into ``x_all``; ``batch_idx`` the batch's rows of ``x_all``.
    """
    if knn.shape[1] == 0 or rate <= 0:
        return x_batch
    pick = torch.randint(knn.shape[1], (len(batch_idx),), generator=generator, device=x_batch.device)
    neighbours = x_all[knn[batch_idx, pick]]  # (b, g): one neighbour per cell
    swap = torch.rand(x_batch.shape, generator=generator, device=x_batch.device).lt_(rate)
    return torch.lerp(x_batch, neighbours, swap)


def augment(
    x_all: torch.Tensor, batch_idx: torch.Tensor, knn: torch.Tensor, cfg: AugmentConfig,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Swap with neighbours, mask, then add noise; identity when ``cfg.enabled`` is false."""
    x = x_all[batch_idx]
    if not cfg.enabled:
        return x
    x = neighbour_swap(x, x_all, batch_idx, knn, cfg.swap_rate, generator)
    x = mask_genes(x, cfg.mask_rate, generator)
    return gaussian_noise(x, cfg.noise_var, generator)
