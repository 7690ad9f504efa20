"""FLOPs of one training step of each scDMAC stage, and this machine's matrix-multiply rate.

The count is analytic, from the layer sizes of :class:`scdmac_lib.method.config.ScDMACConfig`: only the
``nn.Linear`` layers are counted (the matrix multiplies dominate; LayerNorm, GELU, the ZINB
likelihood and the masking are elementwise and are *not* counted, so they show up as the gap between
the achieved rate and the matmul rate). A linear layer ``(b, n_in) -> (b, n_out)`` costs

- forward: ``2 * b * n_in * n_out``;
- backward: the same again for the weight gradient, and once more for the input gradient, except in
  a network's first layer, whose input (the data) needs no gradient.

So a training step of a stack whose first layer reads the data costs ``3 * fwd - first_layer_fwd``.

The reference rate is measured in the same process, on the same device and threads, by running
exactly the matrix multiplies a step needs (forward, input-gradient and weight-gradient shapes of
every layer, batch ``b``) as bare ``torch.mm`` calls. ``achieved / reference`` is then the share of a
step's time that a pure-matmul implementation would need: 1.0 means the step is matmul bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from scdmac_lib.method.config import ScDMACConfig


@dataclass(frozen=True)
class Linear:
    """One ``nn.Linear`` layer: ``n_in -> n_out``; ``needs_input_grad`` is False for a first layer."""

    n_in: int
    n_out: int
    needs_input_grad: bool = True


def forward_flops(layers: list[Linear], batch: int) -> int:
    """``sum 2 * b * n_in * n_out`` over the layers."""
    return sum(2 * batch * lyr.n_in * lyr.n_out for lyr in layers)


def train_flops(layers: list[Linear], batch: int) -> int:
    """Forward + weight gradient + input gradient (where needed) of every layer."""
    total = 0
    for lyr in layers:
        fwd = 2 * batch * lyr.n_in * lyr.n_out
        total += fwd + fwd + (fwd if lyr.needs_input_grad else 0)
    return total


def _chain(sizes: list[int], *, first: bool) -> list[Linear]:
    return [Linear(a, b, needs_input_grad=not (first and i == 0))
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]


def zinb_layers(n_genes: int, cfg: ScDMACConfig) -> list[Linear]:
    """ZINB AE: encoder genes-hidden-bottleneck, decoder bottleneck-reversed(hidden), three heads."""
    zc = cfg.zinb
    width = zc.hidden[0] if zc.hidden else zc.bottleneck
    return [*_chain([n_genes, *zc.hidden, zc.bottleneck], first=True),
            *_chain([zc.bottleneck, *reversed(zc.hidden)], first=False),
            *[Linear(width, n_genes) for _ in range(3)]]  # mean, dispersion, dropout heads


def mae_encoder_layers(n_genes: int, cfg: ScDMACConfig) -> list[Linear]:
    """MAE encoder: genes-hidden-latent."""
    mc = cfg.mae
    return _chain([n_genes, *mc.hidden, mc.latent], first=True)


def mae_layers(n_genes: int, cfg: ScDMACConfig) -> list[Linear]:
    """MAE: encoder, decoder (linear or mirrored MLP), mask predictor (and residual head)."""
    mc = cfg.mae
    layers = mae_encoder_layers(n_genes, cfg)
    if mc.linear_decoder:
        layers.append(Linear(mc.latent, n_genes))
    else:
        layers += [*_chain([mc.latent, *reversed(mc.hidden)], first=False), Linear(mc.hidden[0], n_genes)]
    if mc.use_mask_predictor:
        layers.append(Linear(mc.latent, n_genes))
        if mc.mask_predictor_input == "residual":
            layers.append(Linear(mc.latent, n_genes))
    return layers


def step_flops(stage: str, n_genes: int, n_cells: int, cfg: ScDMACConfig) -> int:
    """Matmul FLOPs of one optimizer step of ``stage`` ("denoise", "mae" or "cluster").

    The clustering step runs the MAE step on the corrupted batch plus the encoder again on the clean
    batch (forward and backward), and every ``target_update_steps`` steps a forward pass of the
    encoder over all cells (counted here amortized per step).
    """
    if stage == "denoise":
        return train_flops(zinb_layers(n_genes, cfg), cfg.zinb.train.batch_size)
    if stage == "mae":
        return train_flops(mae_layers(n_genes, cfg), cfg.mae.train.batch_size)
    if stage == "cluster":
        b = cfg.cluster.train.batch_size
        enc = mae_encoder_layers(n_genes, cfg)
        refresh = forward_flops(enc, n_cells) // cfg.cluster.target_update_steps
        return train_flops(mae_layers(n_genes, cfg), b) + train_flops(enc, b) + refresh
    msg = f"stage must be 'denoise', 'mae' or 'cluster', got {stage!r}."
    raise ValueError(msg)


def stage_layers(stage: str, n_genes: int, cfg: ScDMACConfig) -> tuple[list[Linear], int]:
    """The layers whose matmuls one step of ``stage`` runs, and the batch size (refresh excluded)."""
    if stage == "denoise":
        return zinb_layers(n_genes, cfg), cfg.zinb.train.batch_size
    if stage == "mae":
        return mae_layers(n_genes, cfg), cfg.mae.train.batch_size
    if stage == "cluster":
        return mae_layers(n_genes, cfg) + mae_encoder_layers(n_genes, cfg), cfg.cluster.train.batch_size
    msg = f"stage must be 'denoise', 'mae' or 'cluster', got {stage!r}."
    raise ValueError(msg)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_shapes(layers: list[Linear], batch: int) -> list[tuple[int, int, int]]:
    """(m, k, n) of every ``torch.mm`` a training step runs: forward, weight grad, input grad."""
    shapes = []
    for lyr in layers:
        shapes.append((batch, lyr.n_in, lyr.n_out))  # y = x @ W.T
        shapes.append((lyr.n_out, batch, lyr.n_in))  # dW = dy.T @ x
        if lyr.needs_input_grad:
            shapes.append((batch, lyr.n_out, lyr.n_in))  # dx = dy @ W
    return shapes


def measure_matmul_rate(
    shapes: list[tuple[int, int, int]], *, device: torch.device | str = "cpu", min_seconds: float = 0.5,
    repeats: int = 5,
) -> float:
    """FLOP/s of running the ``(m, k, n)`` fp32 matmuls back to back (best of ``repeats`` timings)."""
    device = torch.device(device)
    gen = torch.Generator().manual_seed(0)
    ops = [(torch.randn(m, k, generator=gen).to(device), torch.randn(k, n, generator=gen).to(device))
           for m, k, n in shapes]
    outs = [torch.empty(m, n, device=device) for m, _, n in shapes]
    flops = sum(2 * m * k * n for m, k, n in shapes)

    def once() -> None:
        for (a, b), out in zip(ops, outs, strict=True):
            torch.mm(a, b, out=out)

    once()
    _sync(device)
    t0 = time.perf_counter()
    once()
    _sync(device)
    per_call = max(time.perf_counter() - t0, 1e-9)
    inner = max(1, int(min_seconds / repeats / per_call))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            once()
        _sync(device)
        best = min(best, (time.perf_counter() - t0) / inner)
    return flops / best


def stage_reference_rate(stage: str, n_genes: int, cfg: ScDMACConfig, *, device: torch.device | str = "cpu",
                         min_seconds: float = 0.5) -> float:
    """The matmul rate (FLOP/s) at exactly the shapes of one training step of ``stage``."""
    layers, batch = stage_layers(stage, n_genes, cfg)
    return measure_matmul_rate(matmul_shapes(layers, batch), device=device, min_seconds=min_seconds)


def peak_matmul_rate(*, device: torch.device | str = "cpu", size: int = 1024, min_seconds: float = 0.5) -> float:
    """The machine's fp32 rate on one large square matmul (context for the per-stage rates)."""
    return measure_matmul_rate([(size, size, size)], device=device, min_seconds=min_seconds)
