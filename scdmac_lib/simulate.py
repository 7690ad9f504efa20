"""A ZINB count simulator with known clusters, for tests, benchmarks and the simulation chapter."""

from __future__ import annotations

import numpy as np


def zinb_clusters(
    n_cells: int = 1000, n_genes: int = 500, n_clusters: int = 5, *, de_fraction: float = 0.1,
    de_fold: float = 4.0, dispersion: float = 2.0, dropout: float = 0.2, mean_library: float = 2000.0,
    seed: int = 0,
):
    """Simulate raw counts with ``n_clusters`` groups of cells; return an AnnData.

    Gene base means are log-normal; each cluster multiplies a random ``de_fraction`` of genes by
    ``de_fold`` (or divides by it). Counts are NB(mean, ``dispersion``) with log-normal library
    sizes, then zero-inflated with probability ``dropout``. Labels in ``obs["cell_type"]``.
    """
    import anndata as ad
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    base = rng.lognormal(mean=0.0, sigma=1.0, size=n_genes)
    factors = np.ones((n_clusters, n_genes))
    for k in range(n_clusters):
        de = rng.random(n_genes) < de_fraction
        factors[k, de] = np.where(rng.random(de.sum()) < 0.5, de_fold, 1.0 / de_fold)
    labels = rng.integers(n_clusters, size=n_cells)
    profile = base * factors[labels]  # (n, g)
    profile /= profile.sum(axis=1, keepdims=True)
    library = rng.lognormal(np.log(mean_library), 0.3, size=n_cells)
    mean = profile * library[:, None]
    counts = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    counts[rng.random(counts.shape) < dropout] = 0
    empty = counts.sum(axis=1) == 0
    counts[empty, rng.integers(n_genes, size=empty.sum())] = 1  # every cell keeps a count
    obs = pd.DataFrame({"cell_type": pd.Categorical([f"type_{k}" for k in labels])},
                       index=[f"cell_{i}" for i in range(n_cells)])
    var = pd.DataFrame(index=[f"gene_{j}" for j in range(n_genes)])
    adata = ad.AnnData(sp.csr_matrix(counts.astype(np.float32)), obs=obs, var=var)
    adata.uns["simulation"] = {"n_clusters": n_clusters, "de_fraction": de_fraction, "de_fold": de_fold,
                               "dispersion": dispersion, "dropout": dropout, "seed": seed}
    return adata


def parse_name(name: str) -> tuple[int, int, int] | None:
    """``"synth-400x300x4"`` -> (400, 300, 4); ``None`` for any other name."""
    if not name.startswith("synth-"):
        return None
    try:
        n_cells, n_genes, n_clusters = (int(v) for v in name.removeprefix("synth-").split("x"))
    except ValueError:
        msg = f"synthetic dataset names look like 'synth-CELLSxGENESxCLUSTERS', got {name!r}."
        raise ValueError(msg) from None
    return n_cells, n_genes, n_clusters
