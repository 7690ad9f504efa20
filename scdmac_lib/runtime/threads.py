"""How many CPU threads a run may use, and applying that count.

The count a run uses is, in this order: an explicit ``n_threads`` (a config key, a ``--threads``
option); else the count of the enclosing :func:`thread_limit` block or of :func:`set_threads`;
else the environment variable :data:`THREADS_ENV` (``SCDMAC_THREADS``); else the cores this
process may run on (its CPU affinity, which a batch system such as SLURM sets). It is never more
than those cores, so runs started side by side, each given its share, do not oversubscribe them.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar

logger = logging.getLogger(__name__)


THREADS_ENV = "SCDMAC_THREADS"


_ENCLOSING: ContextVar[int | None] = ContextVar("scdmac_threads", default=None)


_process_threads: int | None = None  # set by set_threads


def available_cores() -> int:
    """The number of cores this process may run on (its CPU affinity; ``os.cpu_count()`` where unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return os.cpu_count() or 1


def _check_count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{what} must be a positive integer, got {value!r}."
        raise ValueError(msg)
    return value


def threads_from_env() -> int | None:
    """The count in ``$SCDMAC_THREADS``, or ``None`` when it is unset or empty."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = text
    return _check_count(value, f"${THREADS_ENV}")


def resolve_threads(n_threads: int | None = None) -> int:
    """The CPU threads to use: ``n_threads`` when given, else what this process was given.

    See the module docstring for the order. The result is capped at :func:`available_cores`.

    Examples
    --------
    >>> resolve_threads(1)
    1
    >>> resolve_threads(10_000) == available_cores()
    True
    """
    cores = available_cores()
    if n_threads is None:
        for given in (_ENCLOSING.get(), _process_threads, threads_from_env()):
            if given is not None:
                n_threads = given
                break
        else:
            return cores
    n_threads = _check_count(n_threads, "n_threads")
    if n_threads > cores:
        logger.info("%d threads asked for, %d cores available: using %d", n_threads, cores, cores)
    return min(n_threads, cores)


def _load_pools() -> None:
    """Load the libraries whose pools the runs use: threadpoolctl limits only pools already loaded."""
    import scipy.linalg  # noqa: F401 - scipy's own OpenBLAS (numpy's is loaded with numpy)
    import sklearn.cluster  # noqa: F401 - scikit-learn's OpenMP (k-means)
    import torch  # noqa: F401 - torch's OpenMP


def _set_numba_threads(count: int) -> int:
    """Cap numba's parallel kernels (scanpy's gene statistics, the fused ZINB loss) at ``count``; return
    the previous cap. Left at its default (every core), a numba kernel run by scanpy's gene selection
    also raised the OpenMP count that torch reads, so a one-thread run trained on every core."""
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    return previous


@contextmanager
def thread_limit(n_threads: int | None = None):
    """Run the block with torch and the BLAS/OpenMP pools capped at :func:`resolve_threads` threads.

    ``None`` takes what this process was given (an enclosing block's count, :func:`set_threads`'s,
    ``$SCDMAC_THREADS`` or the CPU affinity). Yields the count. On a small or busy machine, oversubscribed OpenMP pools
    made small training steps many times slower than one thread per core.
    """
    import torch
    from threadpoolctl import threadpool_limits

    count = resolve_threads(n_threads)
    _load_pools()
    token = _ENCLOSING.set(count)
    previous = torch.get_num_threads()
    previous_numba = _set_numba_threads(count)
    torch.set_num_threads(count)
    try:
        with threadpool_limits(limits=count):
            yield count
    finally:
        torch.set_num_threads(previous)
        _set_numba_threads(previous_numba)
        _ENCLOSING.reset(token)


def set_threads(n_threads: int | None = None) -> int:
    """Set the process-wide count (a notebook kernel, a script) and return it.

    Later :func:`thread_limit` blocks without an explicit count take this one.
    """
    global _process_threads  # noqa: PLW0603 - the process's own count, as torch keeps its own
    import torch
    from threadpoolctl import threadpool_limits

    count = resolve_threads(n_threads)
    _load_pools()
    _set_numba_threads(count)
    torch.set_num_threads(count)
    threadpool_limits(limits=count)  # the BLAS and OpenMP pools (k-means, PCA), for good
    _process_threads = count
    return count
