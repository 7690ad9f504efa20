"""Stage-by-stage diagnosis of an scDMAC fit: where cluster structure is gained or lost.

Each stage's output is clustered the same way, by k-means with the run's ``k`` and seed: the PCA of
the log-normalized input (the PCA + k-means baseline), the PCA of the denoised matrix ``Xz``, the
pretrained embedding ``Z`` (the fine-tune's starting labels) and the fine-tuned labels themselves.
:func:`stage_labels` never reads ground truth; :func:`score_stages` scores the labels against it
when it exists. :func:`cluster_sizes` adds label-free checks of the final partition;
:func:`type_recall`, :func:`marker_contrast` and :func:`knn_type_purity` explain a loss with the
labels, after the fact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.method.preprocess import standardized_pcs


def knn_type_purity(x: np.ndarray, truth, *, seed: int, n_neighbors: int = 15, n_comps: int = 50) -> float:
    """Mean share of each cell's nearest neighbours (Euclidean, in the PCA of ``x``) of its own type.

    A local measure: it stays high when every type is still a tight neighbourhood, even where a
    global partition (k-means) cuts a type along some other axis, such as donors.
    """
    from sklearn.neighbors import NearestNeighbors

    truth = np.asarray(truth)
    k = min(n_neighbors, len(truth) - 1)
    pcs = standardized_pcs(x, n_comps, seed=seed)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(pcs).kneighbors(pcs)
    return float((truth[idx[:, 1:]] == truth[:, None]).mean())


def type_recall(truth, pred) -> dict[str, float]:
    """Recall of each true type under the best one-to-one matching of clusters to types (Hungarian).

    A type merged into a bigger type's cluster gets a recall near 0, even when all its cells share
    that cluster.
    """
    from scipy.optimize import linear_sum_assignment

    types, t = np.unique(np.asarray(truth).astype(str), return_inverse=True)
    p = np.unique(np.asarray(pred).astype(str), return_inverse=True)[1]
    table = np.zeros((p.max() + 1, t.max() + 1), dtype=np.int64)
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(-table)
    matched = dict(zip(cols, rows, strict=True))
    sizes = table.sum(axis=0)
    return {str(types[j]): float(table[matched[j], j] / sizes[j]) if j in matched else 0.0 for j in range(types.size)}


def smallest_type_recall(truth, pred) -> float:
    """:func:`type_recall` of the smallest true type."""
    names, sizes = np.unique(np.asarray(truth).astype(str), return_counts=True)
    return type_recall(truth, pred)[str(names[np.argmin(sizes)])]


def marker_contrast(lognorm: np.ndarray, truth, mean_scale: np.ndarray, dropout: np.ndarray | None, *,
                    n_markers: int = 5) -> pd.DataFrame:
    """How much of each type's marker contrast a denoiser's mean keeps, and where its dropout goes.

    For each true type, its ``n_markers`` genes of largest mean log expression inside the type minus
    outside. Per type: ``observed_log2_ratio``, the log2 ratio of mean normalized expression
    (``expm1(lognorm)``) inside / outside the type; ``fitted_log2_ratio``, the same for the fitted
    mean at unit size factor (``mean_scale``); and ``dropout_outside`` / ``dropout_inside``, the mean
    fitted dropout probability of those genes outside / inside the type. A zero-inflation head that
    explains a type's absent markers by dropout shows a high ``dropout_outside`` and a fitted ratio far
    below the observed one. Uses labels only to explain a fit, never to make one.
    """
    import pandas as pd

    truth = np.asarray(truth).astype(str)
    expr = np.expm1(lognorm)
    rows = []
    for t in np.unique(truth):
        inside = truth == t
        diff = lognorm[inside].mean(axis=0) - lognorm[~inside].mean(axis=0)
        genes = np.argsort(-diff)[:n_markers]

        def ratio(values, genes=genes, inside=inside):
            return float(np.log2((values[inside][:, genes].mean() + 1e-9) / (values[~inside][:, genes].mean() + 1e-9)))

        row = {"type": t, "n_cells": int(inside.sum()), "observed_log2_ratio": ratio(expr),
               "fitted_log2_ratio": ratio(mean_scale)}
        if dropout is not None:
            row["dropout_inside"] = float(dropout[inside][:, genes].mean())
            row["dropout_outside"] = float(dropout[~inside][:, genes].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def split_by_batch(labels, truth, batch, *, n_types: int = 3, min_share: float = 0.1) -> pd.DataFrame:
    """How a clustering splits the largest true types, and whether the split follows a batch column.

    For each of the ``n_types`` largest types: the number of clusters that hold at least
    ``min_share`` of its cells, and the ARI between cluster and batch (e.g. donor) within the
    type: near 1 when the type is cut along its batches, near 0 when the cut has nothing to do with
    them. Uses labels and batches only to explain a clustering, never to make one.
    """
    import pandas as pd


    labels, truth, batch = (np.asarray(v).astype(str) for v in (labels, truth, batch))
    names, sizes = np.unique(truth, return_counts=True)
    rows = []
    for t in names[np.argsort(-sizes)][:n_types]:
        inside = truth == t
        shares = pd.Series(labels[inside]).value_counts(normalize=True)
        rows.append({"type": t, "n_cells": int(inside.sum()), "clusters_holding_it": int((shares >= min_share).sum()),
                     "cluster_vs_batch_ari": ari(batch[inside], labels[inside])})
    return pd.DataFrame(rows)
