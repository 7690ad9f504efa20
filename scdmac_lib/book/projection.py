"""Two-dimensional projections of an embedding for plotting (t-SNE, UMAP), with one perplexity rule."""

from __future__ import annotations

import numpy as np


def tsne(embedding: np.ndarray, *, random_state: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """2-D t-SNE (scikit-learn, PCA init, fixed ``random_state``); perplexity capped for small n."""
    from sklearn.manifold import TSNE

    x = np.asarray(embedding, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] < 4:
        msg = f"embedding must be a 2-D array with at least 4 rows, got shape {x.shape}."
        raise ValueError(msg)
    perp = float(min(perplexity, max(1.0, (x.shape[0] - 1) / 3)))
    return TSNE(n_components=2, perplexity=perp, init="pca", random_state=random_state).fit_transform(x)


def umap_coords(embedding: np.ndarray, *, seed: int = 0, n_neighbors: int = 15) -> np.ndarray:
    """2-D UMAP of an embedding through scanpy (neighbours on the embedding itself)."""
    import anndata as ad
    import scanpy as sc

    adata = ad.AnnData(np.asarray(embedding, dtype=np.float32))
    sc.pp.neighbors(adata, n_neighbors=min(n_neighbors, adata.n_obs - 1), use_rep="X", random_state=seed)
    sc.tl.umap(adata, random_state=seed)
    return np.asarray(adata.obsm["X_umap"])


def embed_2d(embedding: np.ndarray, method: str = "umap", *, seed: int = 0) -> np.ndarray:
    """2-D coordinates of an embedding for plotting: ``"umap"`` (scanpy) or ``"tsne"`` (scikit-learn)."""
    if method == "umap":
        return umap_coords(embedding, seed=seed)
    if method == "tsne":
        from sklearn.manifold import TSNE

        x = np.asarray(embedding, dtype=np.float64)
        perplexity = float(min(30.0, max(2.0, (x.shape[0] - 1) / 3)))
        return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)
    msg = f"method must be 'umap' or 'tsne', got {method!r}."
    raise ValueError(msg)
