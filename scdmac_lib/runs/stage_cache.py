"""The shared denoising stage: one cached ZINB fit per dataset, seed and preprocessing/augmentation/ZINB settings.

Every scDMAC variant and sweep point that does not change those settings reads the same stage, so
a profile trains one denoiser per (dataset, seed) instead of one per run. A stage lives in
``results/stages/denoise-<key>.npz`` (the denoised matrix, the bottleneck, the loss history, the
seconds it took and the digest of the dataset it was fitted on), written atomically; its key holds
the code fingerprint of the scDMAC runs, so changed code never reads an old stage.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import torch

from scdmac_lib.data.catalogue import dataset_digest, load_dataset, n_types
from scdmac_lib.method.config import VARIANTS, ScDMACConfig, make_config, to_dict
from scdmac_lib.method.denoise import DenoiseResult, denoise
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.method.preprocess import preprocess
from scdmac_lib.runs.fingerprint import method_fingerprint
from scdmac_lib.runs.specs import SCHEMA_VERSION, RunSpec
from scdmac_lib.runtime import paths
from scdmac_lib.runtime.files import atomic_path
from scdmac_lib.runtime.threads import thread_limit

logger = logging.getLogger(__name__)
STAGE_SECTIONS = ("preprocess", "augment", "zinb")  # the settings a denoising stage depends on


def stage_key(dataset: str, cfg: ScDMACConfig) -> str:
    """16 hex digits naming the stage of ``dataset`` under ``cfg`` (seed, the settings above, the code)."""
    parts = {"schema": SCHEMA_VERSION, "dataset": dataset, "seed": cfg.seed, "code": method_fingerprint("scDMAC"),
             **{k: to_dict(getattr(cfg, k)) for k in STAGE_SECTIONS}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=list).encode()).hexdigest()[:16]


def _path(dataset: str, cfg: ScDMACConfig, results: Path | None) -> Path:
    return (results or paths.results_dir()) / "stages" / f"denoise-{stage_key(dataset, cfg)}.npz"


def spec_config(spec: RunSpec, n_clusters: int) -> ScDMACConfig | None:
    """The config a scDMAC variant's spec runs under (``None`` for the other methods)."""
    if spec.method not in VARIANTS:
        return None
    return make_config(n_clusters, variant=spec.method, seed=spec.seed, **dict(spec.overrides))


def stage_path(spec: RunSpec, results: Path | None = None) -> Path | None:
    """The shared denoising stage file ``spec`` reads, or ``None`` when its method has no such stage.

    Computed without the data (the stage does not depend on the number of clusters), so that a
    workflow can plan the stage as a job of its own.
    """
    cfg = spec_config(spec, 2)
    if cfg is None or not cfg.denoise:
        return None
    return _path(spec.dataset, cfg, results)


def _read(path: Path, digest: str) -> DenoiseResult | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            if str(npz["dataset_sha256"]) != digest:
                raise ValueError("it was fitted on other data (the dataset's digest differs)")
            loss = npz["loss"].tolist()
            return DenoiseResult(npz["denoised"], {"loss": loss, "zinb_nll": list(loss)}, bottleneck=npz["bottleneck"],
                                 seconds=float(npz["seconds"]))
    except (OSError, ValueError, KeyError) as err:
        logger.warning("discarding the cached denoising stage %s (%s)", path, err)
        path.unlink(missing_ok=True)
        return None


def cached_denoise(dataset: str, x, cfg: ScDMACConfig, *, device: str, progress: bool,
                   results: Path | None = None) -> DenoiseResult:
    """The ZINB stage's output for ``dataset`` (cells x genes counts ``x``) under ``cfg``, computed once."""
    path = _path(dataset, cfg, results)
    digest = dataset_digest(dataset)
    if (cached := _read(path, digest)) is not None:
        return cached
    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)  # as fit_scdmac seeds before its own preprocessing and denoising
        prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
        den = denoise(prep, cfg, device=resolve_device(device), progress=progress)
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez(fh, denoised=den.denoised, bottleneck=den.bottleneck, loss=np.asarray(den.history["loss"]),
                 seconds=np.float64(den.seconds), dataset_sha256=np.str_(digest))
    return den


def denoise_stage(spec: RunSpec, adata=None, *, device: str = "auto", progress: bool = False,
                  results: Path | None = None) -> DenoiseResult | None:
    """The shared denoising stage of ``spec``, computed and cached when missing (see :func:`stage_path`).

    ``None`` for methods without one. ``adata`` is the spec's dataset when already loaded.
    """
    if stage_path(spec, results) is None:
        return None
    adata = load_dataset(spec.dataset) if adata is None else adata
    cfg = spec_config(spec, n_types(adata))
    return cached_denoise(spec.dataset, adata.X, cfg, device=device, progress=progress, results=results)
