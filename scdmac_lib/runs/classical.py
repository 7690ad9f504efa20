"""The classical baselines (no network): PCA + k-means and Seurat-style Leiden, on scDMAC's preprocessing."""

from __future__ import annotations

import time

import numpy as np

from scdmac_lib.evaluation.stages import kmeans_labels
from scdmac_lib.method.config import make_config
from scdmac_lib.method.preprocess import Preprocessed, preprocess, standardized_pcs
from scdmac_lib.runs.output import MethodOutput


def same_preprocessing(x, n_clusters: int, seed: int, overrides: dict | None) -> Preprocessed:
    """The same preprocessing as scDMAC's under the same overrides (genes, normalization, kNN)."""
    return preprocess(x, make_config(n_clusters, seed=seed, **(overrides or {})).preprocess, seed=seed)


def pca_kmeans(x, n_clusters: int, *, seed: int = 0, n_comps: int = 50, overrides: dict | None = None,
               **_) -> MethodOutput:
    """PCA + k-means (Hartigan and Wong, 1979)."""
    t0 = time.perf_counter()
    pcs = standardized_pcs(same_preprocessing(x, n_clusters, seed, overrides).lognorm, n_comps, seed=seed)
    labels = kmeans_labels(pcs, n_clusters, seed=seed)
    return MethodOutput(labels, pcs, {"total": time.perf_counter() - t0}, config={"n_comps": n_comps})


def leiden(x, n_clusters: int, *, seed: int = 0, n_neighbors: int = 15, n_iter: int = 20,
           overrides: dict | None = None, **_) -> MethodOutput:
    """Seurat-style: kNN graph on 50 PCs, Leiden; bisect the resolution until k clusters appear."""
    import anndata as ad
    import scanpy as sc

    t0 = time.perf_counter()
    pcs = standardized_pcs(same_preprocessing(x, n_clusters, seed, overrides).lognorm, seed=seed)
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
