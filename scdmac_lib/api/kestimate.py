"""Estimate the number of clusters when the analyst does not know it (``--n-clusters auto``).

scDMAC, like scDeepCluster, scziDesk and DEC, needs the number of clusters k. The baselines the
paper compares with estimate it, when it is not given, by graph community detection at a default
resolution: scDeepCluster runs Louvain (resolution 0.8, 20 neighbours) on its pretrained embedding,
Seurat and scanpy run Louvain or Leiden (resolution 1.0) on a kNN graph of the principal components.
:func:`estimate_n_clusters` does the scanpy-style version before any training: Leiden (modularity
with a resolution parameter, ``leidenalg``'s RBConfiguration, seeded) on the very kNN graph scDMAC's
preprocessing builds for its neighbour swaps (cosine neighbours on the top PCs of the log-normalized
highly variable genes), made undirected. It never looks at labels.

The estimate is a starting point: graph communities at a fixed resolution split large, deep
datasets into more groups than their annotated types and merge small ones. The book's own-data page
measures how far it lands from the true number of types on every local dataset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from scdmac_lib.method.config import PreprocessConfig
from scdmac_lib.method.preprocess import preprocess

DEFAULT_RESOLUTION = 1.0  # scanpy's and Seurat's default resolution for Leiden / Louvain


@dataclass(frozen=True)
class KEstimate:
    """An estimated number of clusters and how it was obtained."""

    n_clusters: int  # communities found (at least 2: scDMAC needs k >= 2)
    n_communities: int  # communities Leiden returned (can be 1 on structureless data)
    method: str
    resolution: float
    n_neighbors: int
    seed: int

    def describe(self) -> str:
        """One sentence: the estimate and how it was obtained."""
        floor = "" if self.n_communities == self.n_clusters else (
            f" (Leiden found {self.n_communities}; scDMAC needs at least 2)")
        return (f"estimated k = {self.n_clusters}{floor}: {self.method} at resolution {self.resolution:g} "
                f"on the undirected {self.n_neighbors}-nearest-neighbour cosine graph of scDMAC's "
                f"preprocessing (seed {self.seed}), before any training")

    def as_dict(self) -> dict:
        """Plain types, for ``AnnData.uns``."""
        return asdict(self)


def leiden_communities(knn: np.ndarray, *, resolution: float = DEFAULT_RESOLUTION, seed: int = 0) -> np.ndarray:
    """Community of each cell: Leiden (RBConfiguration, ``resolution``) on the undirected kNN graph.

    ``knn`` is an (n_cells, k) array of neighbour indices (as :func:`scdmac_lib.method.preprocess.cosine_knn`
    returns); an edge joins a cell and each of its neighbours, and a pair found from both sides is
    one edge.

    Examples
    --------
    >>> import numpy as np
    >>> knn = np.array([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]])
    >>> leiden_communities(knn).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    import igraph as ig
    import leidenalg

    knn = np.asarray(knn)
    if knn.ndim != 2:
        msg = f"knn must be an (n_cells, n_neighbors) array of indices, got shape {knn.shape}."
        raise ValueError(msg)
    n = knn.shape[0]
    rows = np.repeat(np.arange(n), knn.shape[1])
    cols = knn.ravel()
    pairs = np.unique(np.sort(np.stack([rows, cols], axis=1), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    graph = ig.Graph(n=n, edges=pairs.tolist(), directed=False)
    partition = leidenalg.find_partition(graph, leidenalg.RBConfigurationVertexPartition,
                                         resolution_parameter=resolution, seed=seed)
    return np.asarray(partition.membership, dtype=np.int64)


def estimate_n_clusters(x, *, config=None, resolution: float = DEFAULT_RESOLUTION, seed: int = 0) -> KEstimate:
    """Estimate k for a cells x genes count matrix: Leiden on scDMAC's preprocessing kNN graph.

    Parameters
    ----------
    x
        Raw counts (dense or sparse), as :func:`scdmac_lib.api.cluster.scdmac` takes them.
    config
        The :class:`scdmac_lib.method.config.PreprocessConfig` whose gene selection and neighbour count
        build the graph (default: the method's defaults).
    resolution
        Leiden's resolution; larger values give more communities.
    seed
        Seed of the PCA of the kNN search and of Leiden.

    Returns
    -------
    The estimate; ``n_clusters`` is at least 2 even when Leiden finds a single community.
    """

    if not resolution > 0:
        msg = f"resolution must be positive, got {resolution!r}."
        raise ValueError(msg)
    cfg = config if config is not None else PreprocessConfig()
    prep = preprocess(x, cfg, seed=seed)
    found = int(np.unique(leiden_communities(prep.knn, resolution=resolution, seed=seed)).size)
    return KEstimate(n_clusters=max(2, found), n_communities=found, method="Leiden (leidenalg RBConfiguration)",
                     resolution=float(resolution), n_neighbors=int(prep.knn.shape[1]), seed=int(seed))
