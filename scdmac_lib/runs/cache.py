"""The run cache: each run computed on this machine, under ``results/runs/<key>/``.

A folder holds ``labels.npy``, ``embedding.npy`` and ``result.json`` (metrics, timings, diagnostics,
loss histories, config, provenance, the digest of the dataset it ran on and the sha256 of both
arrays). It is written under a temporary name and renamed into place, so an interrupted run leaves
nothing that is read back; a result whose checksums, schema or identity do not match is discarded
and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scdmac_lib.runs.specs import SCHEMA_VERSION, RunSpec
from scdmac_lib.runtime import files, paths
from scdmac_lib.runtime.files import jsonable
from scdmac_lib.runtime.provenance import provenance

logger = logging.getLogger(__name__)
ORIGINS = ("computed", "cache", "archive")  # computed now; computed earlier on this machine; the archive


@dataclass
class RunResult:
    """A finished run as read back from the cache or the archive.

    ``embedding`` is ``None`` for an archived run whose embedding no page plots; ``history`` holds
    every step in the cache and a thinned copy (with its ``step`` numbers) in the archive.
    """

    spec: RunSpec
    metrics: dict[str, float]
    timings: dict[str, float]
    diagnostics: dict[str, float]
    history: dict[str, dict[str, list[float]]]
    provenance: dict[str, Any]
    labels: np.ndarray
    embedding: np.ndarray | None
    config: dict[str, Any] = field(default_factory=dict)
    dataset_sha256: str = ""
    origin: str = "cache"


def run_dir(spec: RunSpec, results: Path | None = None) -> Path:
    """The cache folder of ``spec``."""
    return (results or paths.results_dir()) / "runs" / spec.key()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_result(spec: RunSpec, results: Path | None = None) -> RunResult | None:
    """The cached result of ``spec``, or ``None`` when absent, incomplete, corrupt or stale."""
    folder = run_dir(spec, results)
    meta_path = folder / "result.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("schema") != SCHEMA_VERSION or meta.get("identity") != spec.identity():
            raise ValueError("it was computed for another schema, dataset, method, seed, configuration or code")
        arrays = {}
        for name in ("labels", "embedding"):
            path = folder / f"{name}.npy"
            if _sha256(path) != meta["sha256"][name]:
                raise ValueError(f"checksum mismatch of {name}.npy")
            arrays[name] = np.load(path, allow_pickle=False)
        return RunResult(spec, meta["metrics"], meta["timings"], meta["diagnostics"], meta["history"],
                         meta["provenance"], arrays["labels"], arrays["embedding"], meta.get("config", {}),
                         meta["dataset_sha256"], origin="cache")
    except (OSError, ValueError, KeyError, TypeError) as err:
        logger.warning("discarding the cached result in %s (%s); it will be recomputed", folder, err)
        shutil.rmtree(folder, ignore_errors=True)
        return None


def discard(spec: RunSpec, results: Path | None = None) -> None:
    """Remove the cached result of ``spec`` (a stale one: say why before calling this)."""
    shutil.rmtree(run_dir(spec, results), ignore_errors=True)


def write_result(spec: RunSpec, out, metrics: dict, device: str, results: Path | None, threads: int,
                 dataset_sha256: str) -> None:
    """Write one computed run into the cache folder of ``spec`` (atomically: a complete folder or none).

    Its commit is marked dirty only when the result code (:func:`~scdmac_lib.runs.fingerprint.result_code_paths`)
    has uncommitted changes.
    """
    from scdmac_lib.runs.fingerprint import result_code_paths

    with files.atomic_folder(run_dir(spec, results)) as tmp:
        np.save(tmp / "labels.npy", np.asarray(out.labels))
        np.save(tmp / "embedding.npy", np.asarray(out.embedding, dtype=np.float32))
        meta = {"schema": SCHEMA_VERSION, "identity": spec.identity(), "spec": spec.as_dict(), "metrics": metrics,
                "timings": out.timings, "diagnostics": out.diagnostics, "history": out.history,
                "config": out.config, "provenance": provenance(device, threads, result_code_paths()), "dataset_sha256": dataset_sha256,
                "sha256": {n: _sha256(tmp / f"{n}.npy") for n in ("labels", "embedding")}}
        (tmp / "result.json").write_text(json.dumps(jsonable(meta)))
