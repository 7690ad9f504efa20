"""Gene-wise shuffle and Bernoulli masking of the denoised matrix (paper Eq. 9-10).

Convention: in every mask, ``1`` marks an entry that was corrupted (replaced), ``0`` one kept.
"""

from __future__ import annotations

import torch


def shuffle_genes(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Permute each gene's values across the cells (rows), every gene differently.

    Cells are put in a random order, then each gene's column is rotated by its own random offset in
    that order (1 to n - 1 places). Every column keeps exactly its own multiset of values, every
    replaced entry comes from another cell, and the donor cell differs from gene to gene. This costs
    one permutation instead of one sort per gene.
    """
    n_cells, n_genes = x.shape
    if n_cells < 2:
        return x.clone()
    order = torch.randperm(n_cells, generator=generator, device=x.device)  # random cell order
    offsets = torch.randint(1, n_cells, (1, n_genes), generator=generator, device=x.device)
    donors = torch.arange(n_cells, device=x.device).unsqueeze(1) + offsets  # positions in that order
    ordered = x[order]
    out = torch.empty_like(x)
    out[order] = torch.cat([ordered, ordered]).gather(0, donors)  # the order twice: rotation without a modulo
    return out


def bernoulli_mask(
    shape: tuple[int, int], p: float | torch.Tensor, generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """``M_ij ~ Bernoulli(p_j)`` as 0/1 floats (1 = masked); ``p`` is a scalar or one probability per gene."""
    probs = torch.as_tensor(p, dtype=torch.float32, device=device)
    return torch.rand(shape, generator=generator, device=device).lt_(probs)


def corrupt(
    x: torch.Tensor, p: float | torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(X_M, M)`` with ``X_M = M * shuffle(X) + (1 - M) * X`` (Eq. 10), ``M`` as 0/1 floats.

    The blend is ``torch.lerp``, exact for 0/1 weights on finite values and faster than the formula.
    """
    mask = bernoulli_mask(tuple(x.shape), p, generator, device=x.device)
    return torch.lerp(x, shuffle_genes(x, generator), mask), mask
