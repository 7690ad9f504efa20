"""Preprocessing (paper Section 2, Eq. 1-2): size factors, normalization, HVGs, log1p, cosine kNN."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from scdmac_lib.checks import check_counts
from scdmac_lib.config import PreprocessConfig

logger = logging.getLogger(__name__)


class HVGFallbackWarning(UserWarning):
    """The requested highly-variable-gene flavor failed and another was used."""


@dataclass
class Preprocessed:
    """Everything the stages need, for the selected genes, cells in input order."""

    counts: sp.csr_matrix  # raw counts of the selected genes, float32 (n, g)
    size_factors: np.ndarray  # library size / median library size over all genes (n,)
    lognorm: np.ndarray  # log1p(counts / library size * target_sum), dense float32 (n, g)
    genes: np.ndarray  # indices of the selected genes in the input matrix (g,)
    knn: np.ndarray  # indices of each cell's cosine nearest neighbours, self excluded (n, k)


def as_csr(x) -> sp.csr_matrix:
    """Float32 CSR copy of a dense or sparse matrix."""
    return sp.csr_matrix(x, dtype=np.float32)


def library_sizes(counts: sp.csr_matrix) -> np.ndarray:
    """Total counts per cell."""
    return np.asarray(counts.sum(axis=1)).ravel()


def size_factors(counts: sp.csr_matrix) -> np.ndarray:
    """``s_i = library size / median library size`` (the scaling factor of Eq. 5)."""
    lib = library_sizes(counts)
    return (lib / np.median(lib)).astype(np.float32)


def normalize_log1p(counts: sp.csr_matrix, lib: np.ndarray, target_sum: float) -> np.ndarray:
    """``log1p(x_ij / lib_i * target_sum)`` as a dense float32 matrix (Eq. 1-2)."""
    scaled = sp.diags((target_sum / lib).astype(np.float32)) @ counts
    dense = scaled.toarray().astype(np.float32, copy=False)
    return np.log1p(dense, out=dense)  # in place: one cells x genes matrix, not three


def select_genes(counts: sp.csr_matrix, cfg: PreprocessConfig) -> np.ndarray:
    """Indices of the highly variable genes (scanpy), or of every gene when there are few.

    ``seurat_v3`` (on counts) fits a loess to the mean-variance relation; when that fit is singular
    (it is on worm_neuron) the selection falls back to the ``seurat`` flavor on log-normalized
    counts, with a :class:`HVGFallbackWarning`.
    """
    import anndata as ad
    import scanpy as sc

    if counts.shape[1] <= cfg.n_top_genes:
        return np.arange(counts.shape[1])
    flavor = cfg.hvg_flavor
    if flavor == "seurat_v3":
        adata = ad.AnnData(counts.copy())
        try:
            sc.pp.highly_variable_genes(adata, n_top_genes=cfg.n_top_genes, flavor="seurat_v3")
            return np.flatnonzero(adata.var["highly_variable"].to_numpy())
        except ValueError as err:
            warnings.warn(
                f"seurat_v3 gene selection failed ({err}); using the 'seurat' flavor on log-normalized "
                "counts instead. Set preprocess.hvg_flavor to choose explicitly.",
                HVGFallbackWarning, stacklevel=2)
            flavor = "seurat"
    adata = ad.AnnData(counts.copy())
    sc.pp.normalize_total(adata, target_sum=cfg.target_sum)
    sc.pp.log1p(adata)
    sc.pp.highly_variable_genes(adata, n_top_genes=cfg.n_top_genes, flavor=flavor)
    return np.flatnonzero(adata.var["highly_variable"].to_numpy())


def standardize(x: np.ndarray) -> np.ndarray:
    """Z-score each gene (column); constant genes become zero."""
    mean, sd = column_mean_sd(x)
    out = np.subtract(x, mean.astype(np.float32), dtype=np.float32)
    out /= np.where(sd > 0, sd, 1.0).astype(np.float32)
    return out


def column_mean_sd(x: np.ndarray, chunk: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and standard deviation in float64, two passes over row chunks (no full-size temporaries)."""
    n = x.shape[0]
    mean = sum(x[i : i + chunk].sum(axis=0, dtype=np.float64) for i in range(0, n, chunk)) / n
    sq = sum(((x[i : i + chunk] - mean) ** 2).sum(axis=0) for i in range(0, n, chunk))
    return mean, np.sqrt(sq / n)


def cosine_knn(x: np.ndarray, n_neighbors: int, *, n_pcs: int = 50, seed: int = 0) -> np.ndarray:
    """Indices of each cell's ``n_neighbors`` nearest cells by cosine distance on the top PCs."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    n_obs = x.shape[0]
    k = min(n_neighbors, n_obs - 1)
    if k < 1:
        return np.zeros((n_obs, 0), dtype=np.int64)
    n_comp = min(n_pcs, n_obs - 1, x.shape[1])
    pcs = PCA(n_components=n_comp, random_state=seed).fit_transform(standardize(x)) if n_comp >= 2 else x
    nn = NearestNeighbors(n_neighbors=k, metric="cosine").fit(pcs)
    return nn.kneighbors(return_distance=False).astype(np.int64)  # each point itself excluded


def drop_empty_genes(counts: sp.csr_matrix) -> np.ndarray:
    """Indices of the genes with at least one count."""
    return np.flatnonzero(np.asarray((counts > 0).sum(axis=0)).ravel() > 0)


def preprocess(x, cfg: PreprocessConfig | None = None, *, seed: int = 0) -> Preprocessed:
    """Check the counts, then compute size factors, HVGs, log-normalized values and the kNN graph.

    Cells with no counts are refused (they have no library size); genes with no counts are
    ignored before gene selection.
    """
    cfg = cfg or PreprocessConfig()
    counts = as_csr(x)
    check_counts(counts)
    lib = library_sizes(counts)
    if (lib <= 0).any():
        msg = (
            f"{int((lib <= 0).sum())} cells have no counts at all: remove them first "
            "(for example sc.pp.filter_cells(adata, min_counts=1))."
        )
        raise ValueError(msg)
    expressed = drop_empty_genes(counts)
    if expressed.size < 2:
        msg = f"only {expressed.size} genes have any counts: clustering needs at least two."
        raise ValueError(msg)
    genes = expressed[select_genes(counts[:, expressed], cfg)]
    selected = counts[:, genes]
    lognorm = normalize_log1p(selected, lib, cfg.target_sum)
    knn = cosine_knn(lognorm, cfg.n_neighbors, seed=seed)
    return Preprocessed(selected.tocsr(), size_factors(counts), lognorm, genes, knn)
