"""Gene-wise shuffle and Bernoulli masking of the denoised matrix (paper Eq. 9-10).

Convention: in every mask, ``1`` marks an entry that was corrupted (replaced), ``0`` one kept.
"""

from __future__ import annotations

import torch


def shuffle_genes(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Permute each gene's values across the cells (rows) independently.

    Every column keeps exactly its own multiset of values; only which cell holds which changes.
    """
    noise = torch.rand(x.shape, generator=generator, device=x.device)  # (n, g)
    order = noise.argsort(dim=0)  # an independent permutation of the rows per column
    return x.gather(0, order)


def bernoulli_mask(
    shape: tuple[int, int], p: float | torch.Tensor, generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """``M_ij ~ Bernoulli(p_j)`` (1 = masked); ``p`` is a scalar or one probability per gene."""
    probs = torch.as_tensor(p, dtype=torch.float32, device=device).expand(shape)
    return torch.bernoulli(probs, generator=generator)


def corrupt(
    x: torch.Tensor, p: float | torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(X_M, M)`` with ``X_M = M * shuffle(X) + (1 - M) * X`` (Eq. 10)."""
    mask = bernoulli_mask(tuple(x.shape), p, generator, device=x.device)
    shuffled = shuffle_genes(x, generator)
    return mask * shuffled + (1.0 - mask) * x, mask
