"""Runs: a frozen spec (dataset, method, seed, overrides) -> a cached, verified result.

Each result lives in ``results/runs/<key>/``: ``labels.npy``, ``embedding.npy`` and ``result.json``
(metrics, timings, diagnostics, loss histories, config, provenance and the sha256 of both arrays).
The folder is written under a temporary name and renamed into place, so an interrupted run leaves
nothing that is read back; a result whose checksums, schema or spec do not match is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scdmac_lib import paths
from scdmac_lib.diagnose import score_stages
from scdmac_lib.metrics import score

logger = logging.getLogger(__name__)
SCHEMA_VERSION = 2  # 2: stage-by-stage scores in the metrics; the resolved config in the key
LABEL_KEY = "cell_type"


@dataclass(frozen=True)
class RunSpec:
    """One run: ``method`` (a key of :data:`scdmac_lib.baselines.METHODS`) on ``dataset`` with ``seed``."""

    dataset: str
    method: str
    seed: int = 0
    overrides: tuple[tuple[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "method": self.method, "seed": self.seed,
                "overrides": sorted([k, v] for k, v in self.overrides)}

    def identity(self) -> dict[str, Any]:
        """What makes two runs the same run: dataset, method, seed and the resolved configuration.

        The configuration is the defaults with the overrides applied, so a changed default never
        returns a result computed under the old one, and two specs that spell the same configuration
        differently share one result. The thread count is not part of it: it changes how fast a run
        goes, not what it computes (beyond float rounding); the count used is in the provenance.
        """
        return {"schema": SCHEMA_VERSION, "dataset": self.dataset, "method": self.method, "seed": self.seed,
                "config": resolved_config(self)}

    def key(self) -> str:
        """Stable 16-hex-digit hash of :meth:`identity`."""
        payload = json.dumps(self.identity(), sort_keys=True, default=list)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def resolved_config(spec: RunSpec) -> dict[str, Any]:
    """Flat config a spec runs under, without ``n_clusters`` (the dataset fixes it) and ``n_threads``.

    scDMAC variants resolve their own variant; the ZINB-autoencoder baselines their pinned settings
    (:data:`scdmac_lib.config.BASELINE_CONFIGS`); the others build on the same defaults.
    """
    from scdmac_lib.config import BASELINE_CONFIGS, VARIANTS, flat_dict, make_config

    variant = spec.method if spec.method in VARIANTS else "scDMAC"
    base = BASELINE_CONFIGS.get(spec.method, {})
    flat = flat_dict(make_config(2, variant=variant, **{**base, **dict(spec.overrides)}))
    for key in ("n_clusters", "n_threads"):
        flat.pop(key)
    return _jsonable(flat)


@dataclass
class RunResult:
    """A finished run as read back from the cache."""

    spec: RunSpec
    metrics: dict[str, float]
    timings: dict[str, float]
    diagnostics: dict[str, float]
    history: dict[str, dict[str, list[float]]]
    provenance: dict[str, Any]
    labels: np.ndarray
    embedding: np.ndarray
    config: dict[str, Any] = field(default_factory=dict)


def make_spec(dataset: str, method: str, seed: int = 0, overrides: dict[str, Any] | None = None) -> RunSpec:
    """Build a spec from a plain overrides dict (lists become tuples so the spec stays hashable)."""
    items = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (overrides or {}).items()))
    return RunSpec(dataset, method, int(seed), items)


def load_dataset(name: str):
    """A manifest dataset by name, or a simulated one (``synth-CELLSxGENESxCLUSTERS`` or a preset name).

    Loading a manifest dataset also leaves its record (:func:`write_dataset_record`) where the
    workflow expects it, so a run cache made outside Snakemake never makes it fetch the data again
    (and so rerun every run that reads it).
    """
    from scdmac_lib import simulate

    simulated = simulate.from_name(name)
    if simulated is not None:
        return simulated
    from scdmac_lib import data

    adata = data.load(name)
    record = dataset_record_path(name)
    if not record.exists():
        write_dataset_record(name, adata, record)
    return adata


def dataset_record_path(name: str, results: Path | None = None) -> Path:
    """Where the workflow's record of a loaded manifest dataset lives (``results/datasets/NAME.json``)."""
    return (results or paths.results_dir()) / "datasets" / f"{name}.json"


def write_dataset_record(name: str, adata, out: Path) -> dict[str, Any]:
    """Write the shape and number of types of a loaded dataset to ``out`` (JSON, atomically)."""
    record = {"dataset": name, "n_cells": int(adata.n_obs), "n_genes": int(adata.n_vars), "n_types": n_types(adata)}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    tmp.write_text(json.dumps(record) + "\n")
    os.replace(tmp, out)
    return record


def n_types(adata, label_key: str = LABEL_KEY) -> int:
    """Number of ground-truth types: the k every method is given (as the field does)."""
    if label_key not in adata.obs:
        msg = f"obs[{label_key!r}] is missing: scoring needs ground-truth labels."
        raise ValueError(msg)
    return int(adata.obs[label_key].nunique())


def run_dir(spec: RunSpec, results: Path | None = None) -> Path:
    return (results or paths.results_dir()) / "runs" / spec.key()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit() -> str:
    """The repository's commit, with ``-dirty`` when tracked files differ; ``unknown`` outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.REPO_ROOT, capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.REPO_ROOT,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def provenance(device: str, threads: int | None = None) -> dict[str, Any]:
    """Versions, commit, device and CPU threads (``threads``, default torch's count now) of this process."""
    from importlib.metadata import version

    import torch

    import scdmac_lib

    return {"commit": git_commit(), "scdmac_lib": scdmac_lib.__version__, "python": platform.python_version(),
            "torch": torch.__version__, "numpy": np.__version__, "scanpy": version("scanpy"),
            "sklearn": version("scikit-learn"), "device": device,
            "torch_threads": torch.get_num_threads() if threads is None else threads,
            "machine": platform.machine(), "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def load_result(spec: RunSpec, results: Path | None = None) -> RunResult | None:
    """The cached result of ``spec``, or ``None`` when absent, incomplete, corrupt or stale."""
    folder = run_dir(spec, results)
    meta_path = folder / "result.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("schema") != SCHEMA_VERSION or meta.get("identity") != spec.identity():
            raise ValueError("it was computed for another schema, dataset, method, seed or configuration")
        arrays = {}
        for name in ("labels", "embedding"):
            path = folder / f"{name}.npy"
            if _sha256(path) != meta["sha256"][name]:
                raise ValueError(f"checksum mismatch of {name}.npy")
            arrays[name] = np.load(path, allow_pickle=False)
        return RunResult(spec, meta["metrics"], meta["timings"], meta["diagnostics"], meta["history"],
                         meta["provenance"], arrays["labels"], arrays["embedding"], meta.get("config", {}))
    except (OSError, ValueError, KeyError, TypeError) as err:
        logger.warning("discarding the cached result in %s (%s); it will be recomputed", folder, err)
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _write(spec: RunSpec, out, metrics: dict, device: str, results: Path | None, threads: int) -> None:
    final = run_dir(spec, results)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".tmp-{spec.key()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        np.save(tmp / "labels.npy", np.asarray(out.labels))
        np.save(tmp / "embedding.npy", np.asarray(out.embedding, dtype=np.float32))
        meta = {"schema": SCHEMA_VERSION, "identity": spec.identity(), "spec": spec.as_dict(), "metrics": metrics,
                "timings": out.timings,
                "diagnostics": out.diagnostics, "history": out.history, "config": out.config,
                "provenance": provenance(device, threads),
                "sha256": {n: _sha256(tmp / f"{n}.npy") for n in ("labels", "embedding")}}
        (tmp / "result.json").write_text(json.dumps(_jsonable(meta)))
        for f in tmp.iterdir():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        if final.exists():  # a stale or concurrent result: replace it
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _stage_key(adata_name: str, cfg) -> str:
    from scdmac_lib.config import to_dict

    parts = {"schema": SCHEMA_VERSION, "dataset": adata_name, "seed": cfg.seed,
             **{k: to_dict(getattr(cfg, k)) for k in ("preprocess", "augment", "zinb")}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=list).encode()).hexdigest()[:16]


def _stage_path(dataset: str, cfg, results: Path | None) -> Path:
    return (results or paths.results_dir()) / "stages" / f"denoise-{_stage_key(dataset, cfg)}.npz"


def _spec_config(spec: RunSpec, n_clusters: int):
    """The config a scDMAC variant's spec runs under (``None`` for the other methods)."""
    from scdmac_lib.config import VARIANTS, make_config

    if spec.method not in VARIANTS:
        return None
    return make_config(n_clusters, variant=spec.method, seed=spec.seed, **dict(spec.overrides))


def stage_path(spec: RunSpec, results: Path | None = None) -> Path | None:
    """The shared denoising stage file ``spec`` reads, or ``None`` when its method has no such stage.

    Computed without the data (the stage does not depend on the number of clusters), so that a
    workflow can plan the stage as a job of its own.
    """
    cfg = _spec_config(spec, 2)
    if cfg is None or not cfg.denoise:
        return None
    return _stage_path(spec.dataset, cfg, results)


def cached_denoise(dataset: str, x, cfg, *, device: str, progress: bool, results: Path | None = None):
    """The ZINB stage's output for (dataset, seed, preprocessing, augmentation, ZINB settings).

    Shared by every scDMAC variant and sweep point that does not change those settings; stored as
    one ``.npz`` written under a temporary name and renamed, and recomputed if unreadable.
    """
    from scdmac_lib.model import DenoiseResult, denoise, resolve_device
    from scdmac_lib.pp import preprocess

    path = _stage_path(dataset, cfg, results)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as npz:
                loss = npz["loss"].tolist()
                return DenoiseResult(npz["denoised"], {"loss": loss, "zinb_nll": list(loss)},
                                     seconds=float(npz["seconds"]) if "seconds" in npz.files else None)
        except (OSError, ValueError, KeyError) as err:
            logger.warning("discarding the cached denoising stage %s (%s)", path, err)
            path.unlink(missing_ok=True)
    import torch

    from scdmac_lib._utils import thread_limit

    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
        den = denoise(prep, cfg, device=resolve_device(device), progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{path.name}")
    with tmp.open("wb") as fh:
        np.savez(fh, denoised=den.denoised, loss=np.asarray(den.history["loss"]), seconds=np.float64(den.seconds))
    os.replace(tmp, path)
    return den


def denoise_stage(spec: RunSpec, adata=None, *, device: str = "auto", progress: bool = False,
                  results: Path | None = None):
    """The shared denoising stage of ``spec``, computed and cached when missing (see :func:`stage_path`).

    ``None`` for methods without one. ``adata`` is the spec's dataset when already loaded.
    """
    if stage_path(spec, results) is None:
        return None
    adata = load_dataset(spec.dataset) if adata is None else adata
    cfg = _spec_config(spec, n_types(adata))
    return cached_denoise(spec.dataset, adata.X, cfg, device=device, progress=progress, results=results)


def run(spec: RunSpec, *, device: str = "auto", progress: bool = False, results: Path | None = None,
        force: bool = False) -> RunResult:
    """Return the cached result of ``spec``, computing and caching it first when needed."""
    from scdmac_lib.baselines import METHODS

    if spec.method not in METHODS:
        msg = f"unknown method {spec.method!r}; choose one of {sorted(METHODS)}."
        raise ValueError(msg)
    if not force and (cached := load_result(spec, results)) is not None:
        return cached
    adata = load_dataset(spec.dataset)
    truth = adata.obs[LABEL_KEY].to_numpy()
    from scdmac_lib._utils import thread_limit

    extra = {}
    t0 = time.perf_counter()
    overrides = dict(spec.overrides)
    with thread_limit(overrides.get("n_threads")) as threads:
        denoised = denoise_stage(spec, adata, device=device, progress=progress, results=results)
        if denoised is not None:
            extra["denoised"] = denoised
        out = METHODS[spec.method](adata.X, n_types(adata), seed=spec.seed, device=device,
                                   progress=progress, overrides=overrides, **extra)
    out.timings["wall"] = time.perf_counter() - t0
    metrics = {**score(truth, out.labels, out.embedding), **score_stages(out.stage_labels, truth)}
    from scdmac_lib.model import resolve_device

    _write(spec, out, metrics, str(resolve_device(device)), results, threads)
    result = load_result(spec, results)
    assert result is not None, "a result just written must read back"
    return result


def run_many(specs, *, device: str = "auto", progress: bool = False, results: Path | None = None):
    """Run (or read) every spec; one row per run with its metrics and timings, as a DataFrame."""
    import pandas as pd

    rows = []
    for spec in specs:
        res = run(spec, device=device, progress=progress, results=results)
        rows.append({**asdict(spec), "overrides": dict(spec.overrides), **res.metrics,
                     "wall_s": res.timings.get("wall", float("nan")), "commit": res.provenance["commit"],
                     "device": res.provenance["device"]})
    return pd.DataFrame(rows)


def summarize(frame, by=("dataset", "method"), metrics=("ari", "nmi")):
    """Mean and standard deviation over seeds, plus the best seed (the paper reports a best run)."""
    import pandas as pd

    grouped = frame.groupby(list(by), sort=False)
    parts = {}
    for m in metrics:
        parts[f"{m}_mean"] = grouped[m].mean()
        parts[f"{m}_sd"] = grouped[m].std(ddof=1)  # NaN for a single seed
        parts[f"{m}_best"] = grouped[m].max()
    parts["n_seeds"] = grouped["seed"].nunique()
    return pd.DataFrame(parts).reset_index()


def profile_specs(profile, methods, *, datasets=None, seeds=None, overrides: dict | None = None) -> list[RunSpec]:
    """Specs of ``methods`` x datasets x seeds under a profile (its training budgets included)."""
    from scdmac_lib.data import prefer_paper_data

    base = {**profile.config_overrides(), **(overrides or {})}
    return [make_spec(d, m, s, base) for d in (datasets or prefer_paper_data(profile.datasets)) for m in methods
            for s in (seeds or profile.seeds)]
