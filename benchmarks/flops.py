"""This machine's fp32 matrix-multiply rate: the yardstick printed beside every time the project reports.

:func:`peak_matmul_rate` times one large square ``torch.mm`` on the device and threads of the calling
process (best of a few timings); :func:`measure_matmul_rate` does the same for any list of shapes.
``tools/book.sh`` prints the rate beside the book's build time, and ``benchmarks/run.py`` stores it
beside every case, measured just before the case: a time measured on another machine, or while other
work ran, is read against it.
"""

from __future__ import annotations

import time

import torch


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


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


def peak_matmul_rate(*, device: torch.device | str = "cpu", size: int = 1024, min_seconds: float = 0.5) -> float:
    """The machine's fp32 rate (FLOP/s) on one ``size``-cubed square matmul."""
    return measure_matmul_rate([(size, size, size)], device=device, min_seconds=min_seconds)
