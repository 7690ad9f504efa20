"""Baselines run by the same code on the same preprocessing as scDMAC (paper Section 3.1).

- ``pca_kmeans``: PCA of the standardized log-normalized HVGs, then k-means.
- ``leiden``: Seurat-style graph clustering (kNN on PCs, Leiden), resolution searched to give k clusters.
- ``scdeepcluster``: scDeepCluster-style (Tian et al., 2019): Gaussian-noise ZINB autoencoder, then a
  DEC KL fine-tune of the bottleneck together with the ZINB loss.
- ``sczidesk``: scziDesk-style (Chen et al., 2020): ZINB autoencoder, then a weighted soft k-means
  fine-tune together with the ZINB loss.
- ``scvi_kmeans``: scVI (scvi-tools, optional extra) with its default training, then k-means.

These are re-implementations of the published ideas on this project's modules, not the authors' code;
the book labels them "-style" wherever they are compared with the paper's reported numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from scdmac_lib import cluster as cl
from scdmac_lib._utils import thread_limit
from scdmac_lib.config import BASELINE_CONFIGS, ScDMACConfig, make_config
from scdmac_lib.diagnose import stage_labels
from scdmac_lib.model import count_rows, denoise, fit_scdmac, initial_centers, resolve_device
from scdmac_lib.nn import LATENT, LossOutput
from scdmac_lib.pp import Preprocessed, preprocess, standardize
from scdmac_lib.train import fit


@dataclass
class MethodOutput:
    """What every method returns: labels, an embedding, and what it cost."""

    labels: np.ndarray
    embedding: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    history: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    diagnostics: dict[str, float] = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    stage_labels: dict[str, np.ndarray] = field(default_factory=dict)  # k-means on each stage (scDMAC)


def pca_embedding(prep: Preprocessed, n_comps: int = 50, *, seed: int = 0) -> np.ndarray:
    """Top principal components of the standardized log-normalized genes."""
    from sklearn.decomposition import PCA

    n = min(n_comps, prep.lognorm.shape[0] - 1, prep.lognorm.shape[1])
    return PCA(n_components=n, random_state=seed).fit_transform(standardize(prep.lognorm)).astype(np.float32)


def _preprocessed(x, n_clusters: int, seed: int, overrides: dict | None) -> Preprocessed:
    """The same preprocessing as scDMAC's under the same overrides (genes, normalization, kNN)."""
    return preprocess(x, make_config(n_clusters, seed=seed, **(overrides or {})).preprocess, seed=seed)


def pca_kmeans(x, n_clusters: int, *, seed: int = 0, n_comps: int = 50, overrides: dict | None = None,
               **_) -> MethodOutput:
    """PCA + k-means (Hartigan and Wong, 1979)."""
    from sklearn.cluster import KMeans

    t0 = time.perf_counter()
    pcs = pca_embedding(_preprocessed(x, n_clusters, seed, overrides), n_comps, seed=seed)
    labels = KMeans(n_clusters, n_init=20, random_state=seed).fit_predict(pcs)
    return MethodOutput(labels, pcs, {"total": time.perf_counter() - t0}, config={"n_comps": n_comps})


def leiden(x, n_clusters: int, *, seed: int = 0, n_neighbors: int = 15, n_iter: int = 20,
           overrides: dict | None = None, **_) -> MethodOutput:
    """Seurat-style: kNN graph on 50 PCs, Leiden; bisect the resolution until k clusters appear."""
    import anndata as ad
    import scanpy as sc

    t0 = time.perf_counter()
    pcs = pca_embedding(_preprocessed(x, n_clusters, seed, overrides), seed=seed)
    adata = ad.AnnData(obsm={"X_pca": pcs}, obs={"i": np.arange(len(pcs))})
    # exact kNN (sklearn): above 4096 cells scanpy's default (pynndescent) can hand back a sparse
    # array that scanpy 1.11 cannot read (AttributeError: 'csr_array' object has no attribute 'getnnz')
    sc.pp.neighbors(adata, n_neighbors=n_neighbors, use_rep="X_pca", random_state=seed, transformer="sklearn")
    low, high, resolution = 0.01, 5.0, 1.0
    best = None
    for _ in range(n_iter):
        sc.tl.leiden(adata, resolution=resolution, flavor="igraph", n_iterations=2, directed=False,
                     random_state=seed)
        labels = adata.obs["leiden"].to_numpy()
        found = np.unique(labels).size
        if best is None or abs(found - n_clusters) < abs(best[1] - n_clusters):
            best = (labels, found, resolution)
        if found == n_clusters:
            break
        low, high = (resolution, high) if found < n_clusters else (low, resolution)
        resolution = (low + high) / 2
    labels, found, resolution = best
    return MethodOutput(labels.astype(int), pcs, {"total": time.perf_counter() - t0},
                        diagnostics={"resolution": resolution, "n_clusters_found": found},
                        config={"n_neighbors": n_neighbors})


def _zinb_cluster(x, cfg: ScDMACConfig, mode: str, *, progress: bool) -> MethodOutput:
    """Pretrain a ZINB AE, then fine-tune its bottleneck with DEC (``"dec"``) or soft k-means."""
    device = resolve_device(cfg.device)
    timings = {}
    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(cfg.seed)
        t0 = time.perf_counter()
        prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
        den = denoise(prep, cfg, device=device, progress=progress)
        timings["pretrain"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        module = den.module
        xin = torch.from_numpy(standardize(prep.lognorm)).to(device)
        sf = torch.from_numpy(prep.size_factors).to(device)

        def latent(xb):
            return module(xb, torch.ones(len(xb), device=device))[LATENT]

        z0 = torch.cat([latent(xin[i : i + 4096]).detach() for i in range(0, len(xin), 4096)])
        centers0, _ = initial_centers(z0.cpu().numpy(), cfg.n_clusters, seed=cfg.seed, n_init=cfg.cluster.n_init)
        centers = torch.nn.Parameter(torch.from_numpy(centers0).to(device))
        gen = torch.Generator(device=device).manual_seed(cfg.seed + 30)
        target = {}
        noise_sd = cfg.augment.noise_var**0.5 if cfg.augment.enabled else 0.0

        def step(idx, step_i):
            if mode == "dec" and step_i % cfg.cluster.target_update_steps == 0:
                with torch.no_grad():
                    z_all = torch.cat([latent(xin[i : i + 4096]) for i in range(0, len(xin), 4096)])
                    target["p"] = cl.target_distribution(cl.soft_assign(z_all, centers, cfg.cluster.dof))
            xb = xin[idx] + noise_sd * torch.randn(xin[idx].shape, generator=gen, device=device)
            out = module(xb, sf[idx])
            zinb = module.loss(count_rows(prep.counts, idx, device), out).loss
            z = out[LATENT]
            if mode == "dec":
                clus = cl.kl_divergence(target["p"][idx], cl.soft_assign(z, centers, cfg.cluster.dof))
            else:
                d2 = cl.squared_distances(z, centers)
                w = cl.inflate(cl.soft_kmeans_weights(d2.detach(), cfg.cluster.temperature), cfg.cluster.inflation)
                clus = cl.weighted_kmeans_loss(d2, w)
            return LossOutput(zinb + clus, {"zinb_nll": zinb.item(), "clustering": clus.item()})

        module.train()
        gen_batches = torch.Generator().manual_seed(cfg.seed + 31)
        history = fit([*module.parameters(), centers], step, n_obs=len(xin), cfg=cfg.cluster.train,
                      generator=gen_batches, stage=f"ZINB + {mode} fine-tune", progress=progress, device=device)
        module.eval()
        with torch.no_grad():
            z = torch.cat([latent(xin[i : i + 4096]) for i in range(0, len(xin), 4096)])
            labels = cl.squared_distances(z, centers).argmin(dim=1).cpu().numpy()
        timings["cluster"] = time.perf_counter() - t0
    return MethodOutput(labels, z.cpu().numpy(), timings, {"denoise": den.history, "cluster": history},
                        config={"mode": mode})


def scdeepcluster(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
                  overrides: dict | None = None, **_) -> MethodOutput:
    """scDeepCluster-style: encoder 256-64-32, input noise sd 2.5, ZINB + DEC (KL weight 1)."""
    base = BASELINE_CONFIGS["scDeepCluster-style"]
    cfg = make_config(n_clusters, seed=seed, device=device, **{**base, **(overrides or {})})
    return _zinb_cluster(x, cfg, "dec", progress=progress)


def sczidesk(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
             overrides: dict | None = None, **_) -> MethodOutput:
    """scziDesk-style: encoder 256-64-32, ZINB + weighted soft k-means with squared (inflated) weights."""
    base = BASELINE_CONFIGS["scziDesk-style"]
    cfg = make_config(n_clusters, seed=seed, device=device, **{**base, **(overrides or {})})
    return _zinb_cluster(x, cfg, "softkmeans", progress=progress)


def scvi_kmeans(x, n_clusters: int, *, seed: int = 0, device: str = "auto", max_epochs: int | None = None,
                overrides: dict | None = None, **_) -> MethodOutput:
    """scVI (Lopez et al., 2018) on the HVG counts with its default training, then k-means on the latent."""
    try:
        import scvi
    except ImportError as err:
        msg = "scVI needs scvi-tools: pip install -e '.[baselines]'."
        raise ImportError(msg) from err
    import anndata as ad
    from sklearn.cluster import KMeans

    t0 = time.perf_counter()
    prep = _preprocessed(x, n_clusters, seed, overrides)
    adata = ad.AnnData(prep.counts.copy())
    scvi.settings.seed = seed
    scvi.model.SCVI.setup_anndata(adata)
    model = scvi.model.SCVI(adata)
    accelerator = "gpu" if resolve_device(device).type == "cuda" else "cpu"
    model.train(max_epochs=max_epochs, accelerator=accelerator, enable_progress_bar=False)
    z = model.get_latent_representation().astype(np.float32)
    labels = KMeans(n_clusters, n_init=20, random_state=seed).fit_predict(z)
    history = {"train": {k: v.to_numpy().ravel().tolist() for k, v in model.history.items()
                         if k in ("elbo_train", "train_loss_epoch")}}
    return MethodOutput(labels, z, {"total": time.perf_counter() - t0}, history,
                        config={"max_epochs": max_epochs})


def scdmac_method(variant: str):
    """The scDMAC pipeline (or one of its ablations) as a method of the common signature."""

    def run(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
            overrides: dict | None = None, denoised=None, **_) -> MethodOutput:
        cfg = make_config(n_clusters, variant=variant, seed=seed, device=device, **(overrides or {}))
        res = fit_scdmac(x, cfg, progress=progress, denoised=denoised)
        return MethodOutput(res.labels, res.embedding, res.timings, res.history, res.diagnostics,
                            config={"variant": variant}, stage_labels=stage_labels(res))

    run.__name__ = variant
    return run


METHODS = {
    **{v: scdmac_method(v) for v in ("scDMAC", "scDMAC-Z", "scDMAC-W", "scDMAC-P")},
    "PCA + k-means": pca_kmeans,
    "Leiden (Seurat-style)": leiden,
    "scDeepCluster-style": scdeepcluster,
    "scziDesk-style": sczidesk,
    "scVI + k-means": scvi_kmeans,
}
