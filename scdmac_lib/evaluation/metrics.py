"""Clustering scores: ARI, NMI, accuracy (Hungarian matching) and silhouette of an embedding."""

from __future__ import annotations

import numpy as np


def _codes(labels) -> np.ndarray:
    return np.unique(np.asarray(labels).astype(str), return_inverse=True)[1]


def ari(truth, pred) -> float:
    """Adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(_codes(truth), _codes(pred)))


def nmi(truth, pred) -> float:
    """Normalized mutual information (arithmetic normalization, scikit-learn's default)."""
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(_codes(truth), _codes(pred)))


def accuracy(truth, pred) -> float:
    """Best one-to-one matching of clusters to classes (Hungarian algorithm), as a fraction."""
    from scipy.optimize import linear_sum_assignment

    t, p = _codes(truth), _codes(pred)
    table = np.zeros((p.max() + 1, t.max() + 1), dtype=np.int64)
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / t.size)


def silhouette(embedding: np.ndarray, pred, *, max_cells: int = 5000, seed: int = 0) -> float:
    """Silhouette of the embedding under the predicted clusters (on at most ``max_cells`` cells)."""
    from sklearn.metrics import silhouette_score

    p = _codes(pred)
    if np.unique(p).size < 2:
        return float("nan")
    sample = min(max_cells, p.size)
    return float(silhouette_score(embedding, p, sample_size=sample, random_state=seed))


def score(truth, pred, embedding: np.ndarray | None = None) -> dict[str, float]:
    """All metrics at once; silhouette only when an embedding is given."""
    if len(truth) != len(pred):
        msg = f"truth has {len(truth)} labels but pred has {len(pred)}."
        raise ValueError(msg)
    out = {"ari": ari(truth, pred), "nmi": nmi(truth, pred), "acc": accuracy(truth, pred),
           "n_clusters_found": int(np.unique(_codes(pred)).size)}
    if embedding is not None:
        out["silhouette"] = silhouette(embedding, pred)
    return out
