"""A ZINB count simulator with known clusters, for tests, benchmarks and the method study.

Two kinds of names resolve to simulated datasets: ``synth-CELLSxGENESxCLUSTERS`` (clusters of
random sizes, :func:`parse_name`) and the presets of :data:`PRESETS`, made to reproduce the two
failure modes seen on real data: very unequal cluster sizes, and a few marker genes that carry a
large share of their type's counts (as hormone genes do in pancreatic islet cells).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Named simulations: cluster sizes spanning 50x, without and with dominant marker genes.
PRESETS = {
    "sim-imbalanced": {"sizes": (1000, 300, 100, 20), "n_genes": 2500},
    "sim-dominant": {"sizes": (1000, 300, 100, 20), "n_genes": 2500, "dominant_genes": 3, "dominant_share": 0.2},
}


def zinb_clusters(
    n_cells: int = 1000, n_genes: int = 500, n_clusters: int = 5, *, de_fraction: float = 0.1,
    de_fold: float = 4.0, dispersion: float = 2.0, dropout: float = 0.2, mean_library: float = 2000.0,
    sizes: Sequence[int] | None = None, dominant_genes: int = 0, dominant_share: float = 0.0,
    ambient_share: float = 0.01, seed: int = 0,
):
    """Simulate raw counts with ``n_clusters`` groups of cells; return an AnnData.

    Gene base means are log-normal; each cluster multiplies a random ``de_fraction`` of genes by
    ``de_fold`` (or divides by it). Counts are NB(mean, ``dispersion``) with log-normal library
    sizes, then zero-inflated with probability ``dropout``. Labels in ``obs["cell_type"]``.

    ``sizes`` fixes the number of cells of each cluster (then ``n_cells`` and ``n_clusters`` follow
    from it); otherwise each cell picks a cluster uniformly. With ``dominant_genes`` > 0 every cluster
    gets that many marker genes of its own that carry ``dominant_share`` of its cells' expected
    counts, and ``ambient_share`` of every other cell's (as ambient RNA spreads them).
    """
    import anndata as ad
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    if sizes is not None:
        n_clusters, n_cells = len(sizes), int(sum(sizes))
    base = rng.lognormal(mean=0.0, sigma=1.0, size=n_genes)
    factors = np.ones((n_clusters, n_genes))
    for k in range(n_clusters):
        de = rng.random(n_genes) < de_fraction
        factors[k, de] = np.where(rng.random(de.sum()) < 0.5, de_fold, 1.0 / de_fold)
    if sizes is None:
        labels = rng.integers(n_clusters, size=n_cells)
    else:
        labels = rng.permutation(np.repeat(np.arange(n_clusters), sizes))
    profile = base * factors[labels]  # (n, g)
    profile /= profile.sum(axis=1, keepdims=True)
    if dominant_genes:
        profile = _add_dominant_markers(profile, labels, n_clusters, dominant_genes, dominant_share,
                                        ambient_share, rng)
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
                               "dispersion": dispersion, "dropout": dropout, "seed": seed,
                               "dominant_genes": dominant_genes, "dominant_share": dominant_share}
    return adata


def _add_dominant_markers(profile, labels, n_clusters, n_markers, share, ambient, rng):
    """Give each cluster ``n_markers`` genes holding ``share`` of its cells' expression profile."""
    markers = rng.choice(profile.shape[1], size=(n_clusters, n_markers), replace=False)
    every = markers.ravel()
    profile[:, every] = 0.0
    profile *= (1.0 - share - ambient) / profile.sum(axis=1, keepdims=True)
    profile[:, every] = ambient / (every.size - n_markers)  # other clusters' markers, as ambient RNA
    for k in range(n_clusters):
        profile[np.ix_(labels == k, markers[k])] = share / n_markers
    return profile


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


def shape_of(name: str) -> tuple[int, int, int] | None:
    """(cells, genes, clusters) of a simulated dataset name, or ``None`` for any other name."""
    if name in PRESETS:
        preset = PRESETS[name]
        return int(sum(preset["sizes"])), preset["n_genes"], len(preset["sizes"])
    return parse_name(name)


def from_name(name: str, *, seed: int = 0):
    """The simulated dataset a name stands for (see the module docstring), or ``None``."""
    if name in PRESETS:
        return zinb_clusters(**PRESETS[name], seed=seed)
    shape = parse_name(name)
    return None if shape is None else zinb_clusters(*shape, seed=seed)
