"""Small shared helpers."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def thread_limit(n_threads: int | None):
    """Run the block with torch and the BLAS/OpenMP pools (k-means, PCA) capped at ``n_threads``.

    ``None`` leaves everything as it is. On a small or busy machine, oversubscribed OpenMP pools
    (inside a Jupyter kernel especially) made small training steps many times slower than one
    thread; a fixed count also makes results independent of the machine's core count.
    """
    if n_threads is None:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        torch.set_num_threads(previous)
