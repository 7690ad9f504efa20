"""The scDMAC pipeline: denoise (ZINB AE), masked representation learning, clustering fine-tune.

Stage functions take and return arrays; :func:`fit_scdmac` runs them in order and
:func:`scdmac` is the scanpy-shaped entry point that writes the results into an AnnData.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import torch
from scipy.special import expit

from scdmac_lib import cluster as cl
from scdmac_lib._utils import thread_limit
from scdmac_lib.augment import augment
from scdmac_lib.checks import check_n_clusters
from scdmac_lib.config import ScDMACConfig, make_config, to_dict
from scdmac_lib.diagnose import cluster_sizes
from scdmac_lib.distributions import SparseCounts
from scdmac_lib.masking import corrupt
from scdmac_lib.nn import DISPERSION, DROPOUT_LOGITS, MASK_LOGITS, MEAN, RECONSTRUCTION, LossOutput, MaskedAutoencoder, ZINBAutoencoder
from scdmac_lib.pp import Preprocessed, column_mean_sd, preprocess, standardize
from scdmac_lib.train import fit

logger = logging.getLogger(__name__)
_EVAL_BATCH = 4096


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _generators(seed: int, device: torch.device) -> tuple[torch.Generator, torch.Generator]:
    """A CPU generator for minibatch order and one on ``device`` for augmentations and masks."""
    return torch.Generator().manual_seed(seed), torch.Generator(device=device).manual_seed(seed + 1)


@torch.no_grad()
def _batched(fn, x: torch.Tensor, *extra: torch.Tensor) -> list:
    return [fn(x[i : i + _EVAL_BATCH], *(e[i : i + _EVAL_BATCH] for e in extra)) for i in range(0, len(x), _EVAL_BATCH)]


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
    computed batch by batch into one preallocated matrix; the per-entry ZINB parameters (three
    more cells x genes matrices) are kept only with ``keep_parameters``.
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
    batch_gen, noise_gen = _generators(cfg.seed, device)

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
    params = {key: np.empty(shape, dtype=np.float32) for key in (MEAN, DISPERSION, DROPOUT_LOGITS)} if keep_parameters else {}
    with torch.no_grad():
        for i in range(0, shape[0], _EVAL_BATCH):
            rows = slice(i, i + _EVAL_BATCH)
            out = module(x[rows], sf[rows])
            scale = out[MEAN] / sf[rows, None]  # Xz: the mean at unit size factor, then normalized
            if zc.output == "zinb_mean":
                scale = scale * torch.sigmoid(-out[DROPOUT_LOGITS])  # (1 - pi) mu
            normalized = scale / scale.sum(dim=1, keepdim=True) * cfg.preprocess.target_sum
            denoised[rows] = torch.log1p(normalized).cpu().numpy()
            for key, array in params.items():
                array[rows] = out[key].cpu().numpy()
    return DenoiseResult(
        denoised=denoised,
        mean=params.get(MEAN),
        dispersion=params.get(DISPERSION),
        dropout=expit(params[DROPOUT_LOGITS]) if keep_parameters else None,
        history=history,
        module=module,
        seconds=time.perf_counter() - start,
    )


def _mae_step_terms(module: MaskedAutoencoder, xb: torch.Tensor, cfg: ScDMACConfig, gen: torch.Generator):
    x_masked, mask = corrupt(xb, cfg.mae.mask_ratio, gen)
    out = module(x_masked)
    return module.loss_terms(xb, mask, out, recon_weight=cfg.mae.recon_weight)


def train_mae(x: torch.Tensor, cfg: ScDMACConfig, *, device: torch.device, progress: bool = False):
    """Pretrain the masked autoencoder on ``x`` (cells x genes, model input scale); returns (module, history)."""
    mc = cfg.mae
    module = MaskedAutoencoder(x.shape[1], mc.hidden, mc.latent, dropout=mc.dropout,
                               input_dropout=mc.input_dropout, linear_decoder=mc.linear_decoder,
                               use_mask_predictor=mc.use_mask_predictor,
                               mask_predictor_input=mc.mask_predictor_input).to(device)
    batch_gen, mask_gen = _generators(cfg.seed + 10, device)

    def step(idx: torch.Tensor, _step: int) -> LossOutput:
        xb = x[idx]
        x_masked, mask = corrupt(xb, mc.mask_ratio, mask_gen)
        return module.loss(xb, mask, module(x_masked), recon_weight=mc.recon_weight,
                           mask_loss_weight=mc.mask_loss_weight, loss_mix=mc.loss_mix)

    module.train()
    history = fit(module.parameters(), step, n_obs=len(x), cfg=mc.train, generator=batch_gen,
                  stage="masked autoencoder", progress=progress, device=device)
    module.eval()
    return module, history


@torch.no_grad()
def embed(module: MaskedAutoencoder, x: torch.Tensor) -> torch.Tensor:
    """Embedding Z of every cell from the clean input, in eval mode."""
    was_training = module.training
    module.eval()
    z = torch.cat(_batched(module.embed, x))
    module.train(was_training)
    return z


@torch.no_grad()
def mae_diagnostics(module: MaskedAutoencoder, x: torch.Tensor, cfg: ScDMACConfig) -> dict[str, float]:
    """Label-free checks of the masked stage: mask-predictor AUC and masked vs kept reconstruction error."""
    from sklearn.metrics import roc_auc_score

    gen = torch.Generator(device=x.device).manual_seed(cfg.seed + 99)
    x_masked, mask = corrupt(x[:_EVAL_BATCH], cfg.mae.mask_ratio, gen)
    out = module(x_masked)
    err = (out[RECONSTRUCTION] - x[:_EVAL_BATCH]).pow(2)
    m = mask.bool()
    diag = {
        "mse_masked": err[m].mean().item() if m.any() else float("nan"),
        "mse_kept": err[~m].mean().item() if (~m).any() else float("nan"),
    }
    if MASK_LOGITS in out and 0 < mask.mean().item() < 1:
        flat_mask = mask.flatten().cpu().numpy()
        flat_logits = out[MASK_LOGITS].flatten().cpu().numpy()
        rows = np.random.default_rng(cfg.seed).choice(flat_mask.size, min(200_000, flat_mask.size), replace=False)
        diag["mask_auc"] = float(roc_auc_score(flat_mask[rows], flat_logits[rows]))
    return diag


@dataclass
class ClusterResult:
    """Output of the clustering fine-tune (Eq. 16-23)."""

    embedding: np.ndarray  # Z after fine-tuning (n, d)
    labels: np.ndarray  # argmax of q (or of the inflated weights) (n,)
    initial_labels: np.ndarray  # k-means on the pretrained embedding (n,)
    initial_centers: np.ndarray  # its centers (k, d)
    q: np.ndarray  # Student-t soft assignment (n, k)
    weights: np.ndarray  # inflated soft k-means weights (n, k)
    centers: np.ndarray  # (k, d)
    history: dict[str, list[float]] = field(default_factory=dict)


def initial_centers(z: np.ndarray, n_clusters: int, *, seed: int, n_init: int) -> tuple[np.ndarray, np.ndarray]:
    """k-means on the embedding: (centers, labels)."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters, n_init=n_init, random_state=seed).fit(z)
    return km.cluster_centers_.astype(np.float32), km.labels_


def weighted_mean_centers(z: torch.Tensor, w: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """Eq. 17: ``c_k = sum_i w_ik z_i / sum_i w_ik``; a center with no weight keeps its place."""
    mass = w.sum(dim=0)  # (k,)
    updated = (w.T @ z) / mass.clamp_min(1e-12).unsqueeze(1)
    return torch.where((mass > 1e-6).unsqueeze(1), updated, centers)


def finetune_clusters(
    module: MaskedAutoencoder, x: torch.Tensor, cfg: ScDMACConfig, *, device: torch.device, progress: bool = False
) -> ClusterResult:
    """Fine-tune encoder and centers on alpha*L_rec + beta*L_mask + phi*L_wkm + theta*L_KL (Eq. 23).

    Centers start from k-means on Z. The target p is refreshed on all cells every
    ``target_update_steps`` steps, as in DEC. With ``cluster.center_update="adam"`` the centers are
    parameters: their gradient step on the weighted k-means loss (weights detached) moves them
    towards the weighted means of Eq. 17. With ``"closed_form"`` they are set to those weighted
    means at every refresh, and only the encoder is trained.
    """
    cc = cfg.cluster
    z0 = embed(module, x).cpu().numpy()
    centers0, init_labels = initial_centers(z0, cfg.n_clusters, seed=cfg.seed, n_init=cc.n_init)
    closed_form = cc.center_update == "closed_form"
    centers = torch.tensor(centers0, device=device)  # a copy: centers0 stays the k-means start
    if not closed_form:
        centers = torch.nn.Parameter(centers)
    batch_gen, mask_gen = _generators(cfg.seed + 20, device)
    target: dict[str, torch.Tensor] = {}

    def refresh() -> None:
        z_all = embed(module, x)
        with torch.no_grad():
            if closed_form:
                w = cl.inflate(cl.soft_kmeans_weights(cl.squared_distances(z_all, centers), cc.temperature),
                               cc.inflation)
                centers.copy_(weighted_mean_centers(z_all, w, centers))
            target["p"] = cl.target_distribution(cl.soft_assign(z_all, centers, cc.dof))

    def step(idx: torch.Tensor, step_i: int) -> LossOutput:
        if step_i % cc.target_update_steps == 0:
            refresh()
        xb = x[idx]
        rec, bce = _mae_step_terms(module, xb, cfg, mask_gen)
        z = module.embed(xb)
        d2 = cl.squared_distances(z, centers)
        w = cl.inflate(cl.soft_kmeans_weights(d2.detach(), cc.temperature), cc.inflation)
        wkm = cl.weighted_kmeans_loss(d2, w)
        kl = cl.kl_divergence(target["p"][idx], cl.soft_assign(z, centers, cc.dof))
        total = cc.rec_weight * rec + cc.kmeans_weight * wkm + cc.kl_weight * kl
        parts = {"reconstruction": rec.item(), "weighted_kmeans": wkm.item(), "kl": kl.item()}
        if bce is not None:
            total = total + cc.mask_weight * bce
            parts["mask_bce"] = bce.item()
        return LossOutput(total, parts)

    module.train()
    params = [*module.parameters()] + ([] if closed_form else [centers])
    history = fit(params, step, n_obs=len(x), cfg=cc.train, generator=batch_gen,
                  stage="clustering fine-tune", progress=progress, device=device)
    z = embed(module, x)
    with torch.no_grad():
        q = cl.soft_assign(z, centers, cc.dof)
        w = cl.inflate(cl.soft_kmeans_weights(cl.squared_distances(z, centers), cc.temperature), cc.inflation)
    labels = (q if cc.label_source == "q" else w).argmax(dim=1)
    return ClusterResult(z.cpu().numpy(), labels.cpu().numpy(), init_labels, centers0, q.cpu().numpy(),
                         w.cpu().numpy(), centers.detach().cpu().numpy(), history)


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
            source = den.denoised if den is not None else prep.lognorm
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


def scdmac(
    adata, n_clusters: int | Literal["auto"], *, config: ScDMACConfig | None = None, variant: str = "scDMAC",
    layer: str | None = None, use_raw: bool = False, key_added: str = "scdmac", overwrite: bool = False,
    seed: int = 0, device: str = "auto", progress: bool = False, copy: bool = False, **overrides,
):
    """Cluster an AnnData of raw counts with scDMAC.

    Parameters
    ----------
    adata
        Cells x genes; the counts are in ``X``, ``layers[layer]`` or ``raw.X``.
    n_clusters
        k, or ``"auto"`` to estimate it first (:func:`scdmac_lib.kestimate.estimate_n_clusters`:
        Leiden at resolution 1 on the preprocessing's kNN graph).
    layer, use_raw
        Cluster ``layers[layer]`` or ``raw.X`` instead of ``X``. When ``X`` is not counts but a layer
        or ``.raw`` is, leaving both unset is refused with a message naming the one to pass.
    key_added, overwrite
        Results go to ``obsm[f"X_{key_added}"]`` (embedding), ``obs[f"{key_added}_cluster"]``
        (categorical labels) and ``uns[key_added]`` (config, loss histories, diagnostics, timings,
        the matrix used and how k was set). Existing results under ``key_added`` are refused unless
        ``overwrite``. Nothing else of ``adata`` changes.
    config, variant, seed, device, progress, overrides
        The configuration: ``config`` sets everything; else ``variant``, ``seed``, ``device`` and
        dotted keys such as ``**{"mae.mask_ratio": 0.2}``.
    copy
        Work on a copy and return it (else ``None``).
    """
    import pandas as pd

    from scdmac_lib.adata_io import check_key_free, counts_matrix, matrix_name, result_keys

    if not overwrite:
        check_key_free(adata, key_added)
    x = counts_matrix(adata, layer=layer, use_raw=use_raw)
    adata = adata.copy() if copy else adata
    k_record = {"source": "given"}
    if isinstance(n_clusters, str):
        if n_clusters != "auto":
            msg = f"n_clusters must be an integer or 'auto', got {n_clusters!r}."
            raise ValueError(msg)
        from scdmac_lib.kestimate import estimate_n_clusters

        base = config or make_config(2, variant=variant, seed=seed, device=device, **overrides)
        estimate = estimate_n_clusters(x, config=base.preprocess, seed=base.seed)
        logger.info("%s", estimate.describe())
        n_clusters = estimate.n_clusters
        k_record = {"source": "estimated", "description": estimate.describe(), **estimate.as_dict()}
        config = replace(base, n_clusters=n_clusters) if config is not None else None
    cfg = config or make_config(n_clusters, variant=variant, seed=seed, device=device, **overrides)
    result = fit_scdmac(x, cfg, progress=progress)
    keys = result_keys(key_added)
    adata.obsm[keys["obsm"]] = result.embedding
    adata.obs[keys["obs"]] = pd.Categorical(result.labels.astype(str))
    adata.uns[keys["uns"]] = {
        "config": json.loads(json.dumps(to_dict(cfg))),  # tuples -> lists: h5ad cannot store tuples
        "history": {stage: {k: np.asarray(v) for k, v in h.items()} for stage, h in result.history.items()},
        "diagnostics": result.diagnostics,
        "timings": result.timings,
        "device": result.device,
        "matrix": matrix_name(layer=layer, use_raw=use_raw),
        "n_clusters": {**k_record, "n_clusters": int(n_clusters)},
    }
    return adata if copy else None
