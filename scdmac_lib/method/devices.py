"""Where a fit runs: the device, its seeded random generators, and batched evaluation."""

from __future__ import annotations

import torch

EVAL_BATCH = 4096


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def seeded_generators(seed: int, device: torch.device) -> tuple[torch.Generator, torch.Generator]:
    """A CPU generator for minibatch order and one on ``device`` for augmentations and masks."""
    return torch.Generator().manual_seed(seed), torch.Generator(device=device).manual_seed(seed + 1)


@torch.no_grad()
def batched(fn, x: torch.Tensor, *extra: torch.Tensor) -> list:
    return [fn(x[i : i + EVAL_BATCH], *(e[i : i + EVAL_BATCH] for e in extra)) for i in range(0, len(x), EVAL_BATCH)]
