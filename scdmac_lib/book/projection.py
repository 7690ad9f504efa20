"""Two-dimensional pictures of an embedding (t-SNE, UMAP) for the book's figures, with one perplexity rule.

:func:`embed_2d` is the one entry point the pages call (the clustering walk-through and Fig. 4);
:func:`tsne` is the one t-SNE, its perplexity set by :func:`perplexity_for`. :func:`run_panels`
projects the embedding of stored runs (Fig. 4), each on at most ``max_cells`` cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.runs import execute
from scdmac_lib.runs.specs import RunSpec

PERPLEXITY = 30.0  # scikit-learn's default, kept wherever there are enough cells
METHODS = ("tsne", "umap")
MIN_CELLS = 4


def perplexity_for(n_cells: int, target: float = PERPLEXITY) -> float:
    """t-SNE perplexity for ``n_cells`` points: ``target``, capped at ``(n - 1) / 3`` (at least 1) for few cells."""
    return float(min(target, max(1.0, (n_cells - 1) / 3)))


def _checked(embedding) -> np.ndarray:
    x = np.asarray(embedding, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] < MIN_CELLS:
        msg = f"embedding must be a 2-D array with at least {MIN_CELLS} rows, got shape {x.shape}."
        raise ValueError(msg)
    return x


def tsne(embedding: np.ndarray, *, seed: int = 0, perplexity: float = PERPLEXITY) -> np.ndarray:
    """2-D t-SNE (scikit-learn, PCA init, fixed ``seed``) with :func:`perplexity_for`'s perplexity."""
    from sklearn.manifold import TSNE

    x = _checked(embedding)
    return TSNE(n_components=2, perplexity=perplexity_for(x.shape[0], perplexity), init="pca",
                random_state=seed).fit_transform(x)


def umap(embedding: np.ndarray, *, seed: int = 0, n_neighbors: int = 15) -> np.ndarray:
    """2-D UMAP through scanpy (neighbours computed on the embedding itself)."""
    import anndata as ad
    import scanpy as sc

    adata = ad.AnnData(_checked(embedding))
    sc.pp.neighbors(adata, n_neighbors=min(n_neighbors, adata.n_obs - 1), use_rep="X", random_state=seed)
    sc.tl.umap(adata, random_state=seed)
    return np.asarray(adata.obsm["X_umap"])


def embed_2d(embedding: np.ndarray, method: str = "tsne", *, seed: int = 0) -> np.ndarray:
    """2-D coordinates of an embedding for a figure: ``"tsne"`` (:func:`tsne`) or ``"umap"`` (:func:`umap`)."""
    if method == "tsne":
        return tsne(embedding, seed=seed)
    if method == "umap":
        return umap(embedding, seed=seed)
    msg = f"method must be one of {list(METHODS)}, got {method!r}."
    raise ValueError(msg)


def subsample(n_cells: int, max_cells: int, *, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``max_cells`` of ``n_cells`` cells (all of them when there are few enough)."""
    if max_cells < MIN_CELLS:
        msg = f"max_cells must be at least {MIN_CELLS}, got {max_cells}."
        raise ValueError(msg)
    if n_cells <= max_cells:
        return np.arange(n_cells)
    return np.sort(np.random.default_rng(seed).choice(n_cells, max_cells, replace=False))


@dataclass(frozen=True)
class Panel:
    """One run's embedding in 2-D, on the cells shown: coordinates, annotated types, clusters, scores."""

    dataset: str
    xy: np.ndarray
    truth: np.ndarray
    labels: np.ndarray
    metrics: dict[str, float]


def run_panels(specs: Sequence[RunSpec], *, device: str = "auto", method: str = "tsne", max_cells: int = 5000,
               seed: int = 0) -> list[Panel]:
    """The final embedding of each run (read or computed by :func:`scdmac_lib.runs.execute.run`) in 2-D."""
    panels = []
    for spec in specs:
        result = execute.run(spec, device=device)
        truth = catalogue.load_dataset(spec.dataset).obs[catalogue.LABEL_KEY].to_numpy()
        shown = subsample(len(truth), max_cells, seed=seed)
        panels.append(Panel(spec.dataset, embed_2d(result.embedding[shown], method, seed=seed), truth[shown],
                            np.asarray(result.labels)[shown], dict(result.metrics)))
    return panels


def panel_table(panels: Sequence[Panel]) -> pd.DataFrame:
    """One row per panel: the dataset with its kind, the cells shown, and the run's ARI, NMI and silhouette."""
    return pd.DataFrame([{"dataset": catalogue.label(p.dataset), "cells shown": len(p.xy), "ARI": p.metrics["ari"],
                          "NMI": p.metrics["nmi"], "silhouette": p.metrics.get("silhouette", float("nan"))}
                         for p in panels])
