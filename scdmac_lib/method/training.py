"""One training loop for every stage: minibatches, a step budget, plateau stopping, a history."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import torch
from tqdm import tqdm

from scdmac_lib.method.config import TrainConfig
from scdmac_lib.method.networks import LossOutput

logger = logging.getLogger(__name__)


StepFn = Callable[[torch.Tensor, int], LossOutput]


def step_budget(n_obs: int, cfg: TrainConfig) -> int:
    """Optimizer steps for ``n_obs`` cells: ``epochs`` passes, clipped to [min_steps, max_steps]."""
    steps_per_epoch = math.ceil(n_obs / min(cfg.batch_size, n_obs))
    return int(min(max(cfg.epochs * steps_per_epoch, cfg.min_steps), cfg.max_steps))


def minibatches(n_obs: int, batch_size: int, generator: torch.Generator):
    """Endless stream of index tensors: a fresh permutation of the cells for every epoch."""
    batch_size = min(batch_size, n_obs)
    while True:
        order = torch.randperm(n_obs, generator=generator)
        for start in range(0, n_obs - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def fit(
    params, step_fn: StepFn, *, n_obs: int, cfg: TrainConfig, generator: torch.Generator,
    stage: str, progress: bool = False, device: torch.device | str = "cpu",
) -> dict[str, list[float]]:
    """Run Adam over ``step_fn(batch_indices, step)`` and return the per-step loss history.

    Stops at the step budget or when the smoothed loss has not improved by 0.1% for ``cfg.patience``
    steps. A non-finite loss raises :class:`FloatingPointError` naming the stage and the step.
    """
    fused = torch.device(device).type in {"cpu", "cuda"}  # one kernel for all parameters
    optimizer = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=fused)
    n_steps = step_budget(n_obs, cfg)
    steps_per_epoch = math.ceil(n_obs / min(cfg.batch_size, n_obs))
    history: dict[str, list[float]] = {"loss": []}
    smoothed, best, since_best = None, math.inf, 0
    batches = minibatches(n_obs, cfg.batch_size, generator)
    bar = tqdm(range(n_steps), desc=stage, disable=not progress, leave=False)
    for step in bar:
        idx = next(batches).to(device)
        out = step_fn(idx, step)
        if not torch.isfinite(out.loss):
            msg = (
                f"{stage}: the loss became {out.loss.item()} at step {step} "
                f"(epoch {step // steps_per_epoch}). Lower the learning rate ({cfg.lr:g}) or check "
                "the input for extreme values."
            )
            raise FloatingPointError(msg)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        optimizer.step()
        value = out.loss.item()
        history["loss"].append(value)
        for name, part in out.parts.items():
            history.setdefault(name, []).append(part)
        smoothed = value if smoothed is None else 0.95 * smoothed + 0.05 * value
        if math.isinf(best) or smoothed < best - 1e-3 * abs(best):
            best, since_best = smoothed, 0
        else:
            since_best += 1
        if step + 1 >= cfg.min_steps and since_best >= cfg.patience:
            logger.info("%s: loss plateau, stopped at step %d of %d", stage, step + 1, n_steps)
            break
        if progress and step % 20 == 0:
            bar.set_postfix(loss=f"{value:.4f}")
    return history
