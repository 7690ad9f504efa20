"""The scDMAC pipeline: preprocess, denoise, masked pretraining and fine-tune, chained on one count matrix."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from scdmac_lib.method.checks import check_n_clusters
from scdmac_lib.method.config import ScDMACConfig
from scdmac_lib.method.denoise import DenoiseResult, denoise
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.method.finetune import ClusterResult, cluster_sizes, finetune_clusters
from scdmac_lib.method.preprocess import Preprocessed, preprocess, standardize
from scdmac_lib.method.pretrain import embed, mae_diagnostics, train_mae
from scdmac_lib.runtime.threads import thread_limit


@dataclass
class ScDMACResult:
    """Everything a fit produces: labels, embedding, histories, label-free diagnostics, timings."""

    labels: np.ndarray
    embedding: np.ndarray
    pretrained_embedding: np.ndarray
    model_input: np.ndarray  # what the masked stage read: (standardized) denoised or log values
    clusters: ClusterResult
    denoised: DenoiseResult | None
    preprocessed: Preprocessed
    history: dict[str, dict[str, list[float]]]
    diagnostics: dict[str, float]
    timings: dict[str, float]
    config: ScDMACConfig
    device: str


def out_of_memory_message(stage: str, shape, device: torch.device, cfg: ScDMACConfig) -> str:
    """What to do when a stage runs out of memory (names the stage, the size and the knobs)."""
    n_cells, n_genes = shape
    gib = n_cells * n_genes * 4 / 2**30
    return (
        f"scDMAC ran out of memory in the {stage} stage on {device} ({n_cells} cells x {n_genes} genes; "
        f"each dense cells x genes float32 matrix takes {gib:.2f} GiB and a run holds a few). Lower "
        f"preprocess.n_top_genes (now {cfg.preprocess.n_top_genes}) or the training batch size "
        f"(zinb.train.batch_size, now {cfg.zinb.train.batch_size}), use a machine with more memory, "
        "or on a GPU try device='cpu'."
    )


@contextmanager
def _stage(name: str, timings: dict[str, float], shape, device: torch.device, cfg: ScDMACConfig):
    """Time one stage into ``timings``; turn an out-of-memory error into an actionable MemoryError."""
    t0 = time.perf_counter()
    try:
        yield
    except (MemoryError, torch.OutOfMemoryError) as err:
        raise MemoryError(out_of_memory_message(name, shape, device, cfg)) from err
    timings[name] = time.perf_counter() - t0


def masked_stage_input(prep: Preprocessed, den: DenoiseResult | None, cfg: ScDMACConfig) -> np.ndarray:
    """What the masked stage reads, before scaling: X_z, the log input (scDMAC-Z), or the ZINB bottleneck.

    The bottleneck (``mae.input="zinb_bottleneck"``) is the stage diagnosis's counterfactual, not
    the paper's method.
    """
    if cfg.mae.input == "zinb_bottleneck":
        if den is None or den.bottleneck is None:
            msg = "mae.input='zinb_bottleneck' needs the denoising stage (denoise=True) and its bottleneck."
            raise ValueError(msg)
        return den.bottleneck
    return den.denoised if den is not None else prep.lognorm


def fit_scdmac(
    x, cfg: ScDMACConfig, *, progress: bool = False, denoised: DenoiseResult | None = None
) -> ScDMACResult:
    """Run every stage of scDMAC on a cells x genes count matrix (dense or sparse).

    ``denoised`` hands in the output of an earlier :func:`denoise` with the same data, seed and
    preprocessing/augmentation/ZINB settings (the run cache shares it between variants and sweeps).
    """
    check_n_clusters(cfg.n_clusters, x.shape[0])
    device = resolve_device(cfg.device)
    timings: dict[str, float] = {}
    history: dict[str, dict[str, list[float]]] = {}
    shape = [x.shape[0], min(x.shape[1], cfg.preprocess.n_top_genes)]  # cells x selected genes
    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(cfg.seed)
        with _stage("preprocess", timings, shape, device, cfg):
            prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
            check_n_clusters(cfg.n_clusters, prep.counts.shape[0])
        shape[:] = prep.counts.shape
        den = None
        if cfg.denoise:
            with _stage("denoise", timings, shape, device, cfg):
                den = denoised if denoised is not None else denoise(prep, cfg, device=device, progress=progress)
                if den.denoised.shape != prep.lognorm.shape:
                    msg = f"the denoised matrix has shape {den.denoised.shape}, expected {prep.lognorm.shape}."
                    raise ValueError(msg)
                history["denoise"] = den.history
            if denoised is not None and denoised.seconds is not None:
                timings["denoise"] = denoised.seconds  # the shared stage's own compute time
        with _stage("mae", timings, shape, device, cfg):
            source = masked_stage_input(prep, den, cfg)
            x_in = torch.from_numpy(standardize(source) if cfg.preprocess.scale else source).to(device)
            torch.manual_seed(cfg.seed + 100)  # the masked stage starts from the same state, denoised or not
            module, history["mae"] = train_mae(x_in, cfg, device=device, progress=progress)
            diagnostics = mae_diagnostics(module, x_in, cfg)
            pretrained = embed(module, x_in).cpu().numpy()
        with _stage("cluster", timings, shape, device, cfg):
            clusters = finetune_clusters(module, x_in, cfg, device=device, progress=progress)
            history["cluster"] = clusters.history
    diagnostics.update(cluster_sizes(clusters.labels, cfg.n_clusters))
    return ScDMACResult(clusters.labels, clusters.embedding, pretrained, x_in.cpu().numpy(), clusters, den, prep, history,
                        diagnostics, timings, cfg, str(device))
