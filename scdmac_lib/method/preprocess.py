"""Preprocessing (paper Section 2, Eq. 1-2): size factors, normalization, HVGs, log1p, cosine kNN."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from scdmac_lib.method.checks import check_counts
from scdmac_lib.method.config import PreprocessConfig

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


def seurat_v3_genes(counts: sp.csr_matrix, n_top_genes: int, span: float = 0.3) -> np.ndarray:
    """Indices (ascending) of the ``n_top_genes`` genes of largest standardized variance on counts.

    The variance-stabilizing selection of Seurat v3 (Stuart et al., Cell 2019), as scanpy's
    ``flavor="seurat_v3"``: a loess fit (degree 2) of log10 variance on log10 mean gives each gene an
    expected standard deviation ``sd``; counts are standardized by it, clipped at ``sqrt(n_cells)``,
    and genes are ranked by the variance of the standardized values. Raises ``ValueError`` when the
    loess fit is singular.
    """
    from skmisc.loess import loess

    n_cells = counts.shape[0]
    total = np.asarray(counts.sum(axis=0, dtype=np.float64)).ravel()
    total_sq = np.bincount(counts.indices, weights=np.square(counts.data, dtype=np.float64), minlength=counts.shape[1])
    mean = total / n_cells
    var = (total_sq - n_cells * mean**2) / (n_cells - 1)
    varying = var > 0
    fit = loess(np.log10(mean[varying]), np.log10(var[varying]), span=span, degree=2)
    fit.fit()
    log_expected_var = np.zeros_like(mean)  # constant genes: sd 1 (their standardized variance is 0)
    log_expected_var[varying] = fit.outputs.fitted_values
    sd = np.sqrt(10.0**log_expected_var)
    clipped = np.minimum(counts.data, (mean + sd * np.sqrt(n_cells))[counts.indices])
    clipped_sum = np.bincount(counts.indices, weights=clipped, minlength=counts.shape[1])
    clipped_sq = np.bincount(counts.indices, weights=np.square(clipped), minlength=counts.shape[1])
    # sum over all cells of (x - mean)^2, the zeros included, over (n - 1) sd^2
    standardized_var = (n_cells * mean**2 + clipped_sq - 2 * mean * clipped_sum) / ((n_cells - 1) * sd**2)
    return np.sort(np.argsort(-standardized_var, kind="stable")[:n_top_genes])


def select_genes(counts: sp.csr_matrix, cfg: PreprocessConfig) -> np.ndarray:
    """Indices of the highly variable genes, or of every gene when there are few.

    ``seurat_v3`` (on counts, :func:`seurat_v3_genes`) fits a loess to the mean-variance relation;
    when that fit is singular (it is on worm_neuron) the selection falls back to scanpy's ``seurat``
    flavor on log-normalized counts, with a :class:`HVGFallbackWarning`.
    """
    if counts.shape[1] <= cfg.n_top_genes:
        return np.arange(counts.shape[1])
    flavor = cfg.hvg_flavor
    if flavor == "seurat_v3":
        try:
            return seurat_v3_genes(counts, cfg.n_top_genes)
        except ValueError as err:
            warnings.warn(
                f"seurat_v3 gene selection failed ({err}); using the 'seurat' flavor on log-normalized "
                "counts instead. Set preprocess.hvg_flavor to choose explicitly.",
                HVGFallbackWarning, stacklevel=2)
            flavor = "seurat"
    import anndata as ad
    import scanpy as sc

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


def standardized_pcs(x: np.ndarray, n_comps: int = 50, *, seed: int = 0) -> np.ndarray:
    """The top principal components of the gene-standardized matrix ``x`` (cells x genes).

    At most ``min(n_comps, cells - 1, genes)`` components. The one PCA of the project: the kNN graph
    of :func:`cosine_knn`, the PCA + k-means baseline and the stage diagnosis all use it.
    """
    from sklearn.decomposition import PCA

    n = min(n_comps, x.shape[0] - 1, x.shape[1])
    return PCA(n_components=n, random_state=seed).fit_transform(standardize(x))


def cosine_knn(x: np.ndarray, n_neighbors: int, *, n_pcs: int = 50, seed: int = 0) -> np.ndarray:
    """Indices of each cell's ``n_neighbors`` nearest cells by cosine distance on the top PCs (self excluded)."""
    n_obs = x.shape[0]
    k = min(n_neighbors, n_obs - 1)
    if k < 1:
        return np.zeros((n_obs, 0), dtype=np.int64)
    n_comp = min(n_pcs, n_obs - 1, x.shape[1])
    if n_comp < 2:
        return top_cosine_neighbours(x, k)
    if not standardize(x).any():  # every gene constant: no direction for PCA to find
        return top_cosine_neighbours(np.zeros_like(x), k)
    return top_cosine_neighbours(standardized_pcs(x, n_pcs, seed=seed), k)


def top_cosine_neighbours(points: np.ndarray, k: int, chunk: int = 1024) -> np.ndarray:
    """Exact kNN by cosine similarity: blocks of ``chunk`` rows against all rows, one matrix multiply and
    a top-k each (memory ``chunk x n``). A point is not its own neighbour; zero rows are similar to none.
    """
    import torch

    unit = torch.from_numpy(np.asarray(points, dtype=np.float32))
    norms = unit.norm(dim=1, keepdim=True)
    unit = unit / torch.where(norms > 0, norms, 1.0)
    out = np.empty((unit.shape[0], k), dtype=np.int64)
    for start in range(0, unit.shape[0], chunk):
        block = unit[start : start + chunk]
        sims = block @ unit.T
        rows = torch.arange(block.shape[0])
        sims[rows, rows + start] = -torch.inf
        out[start : start + chunk] = sims.topk(k, dim=1).indices.numpy()
    return out


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
