"""The shared denoising stage: one cached ZINB fit per (dataset, seed, preprocessing, augmentation, ZINB settings)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from scdmac_lib.data.catalogue import load_dataset, n_types
from scdmac_lib.method.config import VARIANTS, make_config, to_dict
from scdmac_lib.method.denoise import DenoiseResult, denoise
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.method.preprocess import preprocess
from scdmac_lib.runs.specs import SCHEMA_VERSION, RunSpec
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.files import atomic_path
from scdmac_lib.runtime.threads import thread_limit

logger = logging.getLogger(__name__)


def _stage_key(adata_name: str, cfg) -> str:

    parts = {"schema": SCHEMA_VERSION, "dataset": adata_name, "seed": cfg.seed,
             **{k: to_dict(getattr(cfg, k)) for k in ("preprocess", "augment", "zinb")}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=list).encode()).hexdigest()[:16]


def _stage_path(dataset: str, cfg, results: Path | None) -> Path:
    return (results or paths.results_dir()) / "stages" / f"denoise-{_stage_key(dataset, cfg)}.npz"


def _spec_config(spec: RunSpec, n_clusters: int):
    """The config a scDMAC variant's spec runs under (``None`` for the other methods)."""

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


    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
        den = denoise(prep, cfg, device=resolve_device(device), progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez(fh, denoised=den.denoised, loss=np.asarray(den.history["loss"]), seconds=np.float64(den.seconds))
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
