"""Atomic writes: a file or folder appears under its final name complete, or not at all.

Every writer of the project goes through these: a temporary name in the same folder, then one
``os.replace`` (atomic on one file system), so an interrupted process never leaves a half-written
file where a reader would take it for a result.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _temporary(final: Path, suffix: str = "") -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial{suffix}")


@contextmanager
def atomic_path(final: Path | str, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success it becomes ``final``, on failure it is removed.

    ``suffix`` is the temporary file's extension (default: ``final``'s), for writers that choose
    a format by it (``savefig``, ``write_h5ad``).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(final, final.suffix if suffix is None else suffix)
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(final: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``final`` atomically; return the path."""
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(final)


def write_bytes(final: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``final`` atomically; return the path."""
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
    return Path(final)


@contextmanager
def atomic_folder(final: Path | str) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; on success it replaces ``final`` (files synced first).

    A folder already at ``final`` (a stale or concurrent result) is replaced; on failure the
    temporary folder is removed and ``final`` is untouched.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        for f in tmp.rglob("*"):
            if f.is_file():
                with f.open("rb") as fh:
                    os.fsync(fh.fileno())
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def jsonable(obj):
    """``obj`` with tuples as lists, dict keys as text and numpy values as Python ones (JSON-ready)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj
