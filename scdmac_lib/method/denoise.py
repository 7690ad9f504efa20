"""Stage 1, the ZINB denoising autoencoder (paper Eq. 3-8): train it on the raw counts, return X_z."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit

from scdmac_lib.method.augment import augment
from scdmac_lib.method.config import ScDMACConfig
from scdmac_lib.method.devices import EVAL_BATCH, seeded_generators
from scdmac_lib.method.networks import (
    DISPERSION,
    DROPOUT_LOGITS,
    LATENT,
    MEAN,
    LossOutput,
    ZINBAutoencoder,
)
from scdmac_lib.method.preprocess import Preprocessed, column_mean_sd
from scdmac_lib.method.training import fit
from scdmac_lib.method.zinb import SparseCounts


def count_rows(matrix, idx: torch.Tensor, device: torch.device) -> torch.Tensor | SparseCounts:
    """Rows ``idx`` of a sparse CSR count matrix for the ZINB loss; the whole matrix is never densified.

    On the CPU the rows come dense (the fused ZINB kernel handles a zero in a few operations). On
    other devices, mostly-zero rows come as :class:`SparseCounts` (the loss's count terms then run on
    the nonzero entries only) and denser ones (above half nonzero) as a dense tensor.
    """
    rows = matrix[idx.cpu().numpy()]
    if device.type == "cpu" or rows.nnz > 0.5 * rows.shape[0] * rows.shape[1]:
        return torch.from_numpy(rows.toarray()).to(device)
    return SparseCounts.from_csr(rows, device)


@dataclass
class DenoiseResult:
    """Output of the ZINB stage; ``denoised`` is the log1p-normalized ZINB mean (the paper's Xz)."""

    denoised: np.ndarray  # (n, g)
    history: dict[str, list[float]]
    bottleneck: np.ndarray | None = None  # the autoencoder's code of each cell's clean input (n, zinb.bottleneck)
    mean: np.ndarray | None = None  # ZINB mean mu on the count scale (n, g)
    dispersion: np.ndarray | None = None  # theta (n, g)
    dropout: np.ndarray | None = None  # pi (n, g)
    module: ZINBAutoencoder | None = None
    seconds: float | None = None  # wall time of the stage when it was computed (it may come from a cache)


def denoise(
    prep: Preprocessed, cfg: ScDMACConfig, *, device: torch.device, progress: bool = False,
    keep_parameters: bool = False,
) -> DenoiseResult:
    """Train the ZINB autoencoder on the raw counts and return the denoised matrix (Eq. 3-8).

    The network reads the log-normalized values (z-scored per gene with ``zinb.scale_input``),
    augmented afresh for every minibatch; with ``augment.before_scaling`` the augmentations act on
    the log values and the z-scoring follows, so a masked entry is zero expression. The output is
    computed batch by batch into one preallocated matrix, with each cell's bottleneck code (what
    scziDesk clusters); the per-entry ZINB parameters (three more cells x genes matrices) are kept
    only with ``keep_parameters``. Minibatches and augmentations follow ``cfg.seed``; the network's
    initial weights come from torch's global generator, so seed it first (``torch.manual_seed``) for
    a reproducible fit, as :func:`~scdmac_lib.method.pipeline.fit_scdmac` does.
    """
    start = time.perf_counter()
    zc = cfg.zinb
    log_values = torch.from_numpy(prep.lognorm).to(device)
    if zc.scale_input:
        mean, sd = (torch.from_numpy(v.astype(np.float32)).to(device) for v in column_mean_sd(prep.lognorm))
        sd = torch.where(sd > 0, sd, torch.ones_like(sd))
        x = (log_values - mean) / sd
    else:
        x = log_values
    sf = torch.from_numpy(prep.size_factors).to(device)
    knn = torch.from_numpy(prep.knn).to(device)
    module = ZINBAutoencoder(x.shape[1], zc.hidden, zc.bottleneck, clamp_outputs=zc.clamp_outputs,
                             likelihood=zc.likelihood).to(device)
    batch_gen, noise_gen = seeded_generators(cfg.seed, device)

    def model_input(idx: torch.Tensor) -> torch.Tensor:
        if zc.scale_input and cfg.augment.before_scaling:
            return (augment(log_values, idx, knn, cfg.augment, noise_gen) - mean) / sd
        return augment(x, idx, knn, cfg.augment, noise_gen)

    def step(idx: torch.Tensor, _step: int) -> LossOutput:
        out = module(model_input(idx), sf[idx])
        return module.loss(count_rows(prep.counts, idx, device), out, dropout_ridge=zc.dropout_ridge)

    module.train()
    history = fit(module.parameters(), step, n_obs=len(x), cfg=zc.train, generator=batch_gen,
                  stage="denoise (ZINB AE)", progress=progress, device=device)
    module.eval()
    shape = tuple(x.shape)
    denoised = np.empty(shape, dtype=np.float32)
    bottleneck = np.empty((shape[0], zc.bottleneck), dtype=np.float32)
    params = {key: np.empty(shape, dtype=np.float32) for key in (MEAN, DISPERSION, DROPOUT_LOGITS)} if keep_parameters else {}
    with torch.no_grad():
        for i in range(0, shape[0], EVAL_BATCH):
            rows = slice(i, i + EVAL_BATCH)
            out = module(x[rows], sf[rows])
            scale = out[MEAN] / sf[rows, None]  # Xz: the mean at unit size factor, then normalized
            if zc.output == "zinb_mean":
                scale = scale * torch.sigmoid(-out[DROPOUT_LOGITS])  # (1 - pi) mu
            normalized = scale / scale.sum(dim=1, keepdim=True) * cfg.preprocess.target_sum
            denoised[rows] = torch.log1p(normalized).cpu().numpy()
            bottleneck[rows] = out[LATENT].cpu().numpy()
            for key, array in params.items():
                array[rows] = out[key].cpu().numpy()
    return DenoiseResult(
        denoised=denoised,
        bottleneck=bottleneck,
        mean=params.get(MEAN),
        dispersion=params.get(DISPERSION),
        dropout=expit(params[DROPOUT_LOGITS]) if keep_parameters else None,
        history=history,
        module=module,
        seconds=time.perf_counter() - start,
    )
