"""Where a result came from: the repository's commit, library versions, device and threads."""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from scdmac_lib.runtime import paths


def git_commit(code_paths: Sequence[Path] | None = None) -> str:
    """The repository's commit, with ``-dirty`` when tracked files differ (only ``code_paths``, when given:
    a run's commit is dirty only when the code that decides its result is); ``unknown`` outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.REPO_ROOT, capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("-dirty" if changed_files(code_paths) else "")


def changed_files(code_paths: Sequence[Path] | None = None) -> list[str]:
    """Tracked files (of ``code_paths`` when given) that differ from the commit, relative to the repository."""
    pathspec = ["--", *(str(p) for p in code_paths)] if code_paths is not None else []
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", *pathspec],
                             cwd=paths.REPO_ROOT, capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line[3:] for line in out.splitlines() if line.strip()]


def commits_text(commits) -> str:
    """Commits (:func:`git_commit` values) as short hashes, each once: ``"`abc1234def`, `fff0000aaa` with
    uncommitted changes"``."""
    shown = dict.fromkeys(f"`{c[:10]}`" + (" with uncommitted changes" if c.endswith("-dirty") else "")
                          for c in commits)
    return ", ".join(shown)


def versions() -> dict[str, str]:
    """Versions of Python, this library and the packages that decide what a run computes."""
    import torch

    return {"scdmac_lib": version("scdmac-companion"), "python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "scanpy": version("scanpy"), "anndata": version("anndata"),
            "sklearn": version("scikit-learn")}


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else what :mod:`platform` says)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


#: Prefixes of the ``/proc/cpuinfo`` flags (x86) and features (ARM) that name vector instructions.
VECTOR_EXTENSIONS = ("sse", "ssse", "avx", "fma", "f16c", "amx", "asimd", "sve")


def cpu_identity() -> str:
    """The CPU model with the vector extensions it offers, e.g. ``"AMD EPYC; avx avx2 fma sse4_2 ..."``.

    Two CPUs that differ in either may round a float differently (other kernels are dispatched); a
    virtual machine's model name alone (``AMD EPYC``) does not tell them apart.
    """
    for line in _cpuinfo().splitlines():
        if line.startswith(("flags", "Features")):
            flags = sorted({f for f in line.split(":", 1)[1].split() if f.startswith(VECTOR_EXTENSIONS)})
            return f"{cpu_model()}; {' '.join(flags)}"
    return cpu_model()


def provenance(device: str, threads: int | None = None, code_paths: Sequence[Path] | None = None) -> dict[str, Any]:
    """Versions, commit (dirty only for changes in ``code_paths``, when given), device and CPU threads
    (``threads``, default torch's count now) of this process."""
    import torch

    return {"commit": git_commit(code_paths), **versions(), "device": device,
            "torch_threads": torch.get_num_threads() if threads is None else threads,
            "machine": platform.machine(), "cpu": cpu_identity(), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
