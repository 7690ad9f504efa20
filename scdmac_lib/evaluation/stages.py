"""Stage-by-stage diagnosis of an scDMAC fit: where cluster structure is gained or lost.

Each stage's output is clustered the same way, by k-means with the run's ``k``, seed and restarts:
the PCA of the log-normalized input (exactly the PCA + k-means baseline), the ZINB autoencoder's
bottleneck (what scziDesk clusters), the PCA of the denoised matrix ``X_z`` (the masked stage's
input), the pretrained embedding ``Z`` (the fine-tune's starting labels) and the fine-tuned labels
themselves. :func:`stage_labels` never reads ground truth; :func:`score_stages` scores the labels
against it when it exists. :mod:`scdmac_lib.evaluation.diagnosis` explains a loss with the labels,
after the fact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib.evaluation.metrics import ari, nmi
from scdmac_lib.method.preprocess import standardized_pcs

if TYPE_CHECKING:
    from scdmac_lib.method.pipeline import ScDMACResult

#: Stage keys in pipeline order, with the words a page shows for them.
STAGES = {
    "log_pca": "log input (PCA + k-means)",
    "bottleneck": "ZINB bottleneck (k-means)",
    "denoised_pca": "denoised Xz (PCA + k-means)",
    "pretrained_z": "pretrained Z (k-means)",
    "final": "fine-tuned labels",
}


def kmeans_labels(points: np.ndarray, n_clusters: int, *, seed: int, n_init: int = 20) -> np.ndarray:
    """k-means (scikit-learn, ``n_init`` restarts, seeded) on the rows of ``points``."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters, n_init=n_init, random_state=seed).fit_predict(points)


def pca_kmeans_labels(x: np.ndarray, n_clusters: int, *, seed: int, n_comps: int = 50, n_init: int = 20) -> np.ndarray:
    """k-means on the top principal components of the gene-standardized matrix ``x`` (cells x genes).

    On the log-normalized input this is exactly the PCA + k-means baseline
    (:func:`scdmac_lib.runs.classical.pca_kmeans`).
    """
    return kmeans_labels(standardized_pcs(x, n_comps, seed=seed), n_clusters, seed=seed, n_init=n_init)


def stage_labels(result: ScDMACResult) -> dict[str, np.ndarray]:
    """k-means labels of every stage's output, keyed as :data:`STAGES` (no ground truth is read).

    The bottleneck and denoised stages are absent for scDMAC-Z (no denoising). ``pretrained_z`` is
    the k-means the fine-tune starts from (same ``k``, seed and restarts).
    """
    cfg = result.config
    out = {"log_pca": pca_kmeans_labels(result.preprocessed.lognorm, cfg.n_clusters, seed=cfg.seed,
                                        n_init=cfg.cluster.n_init)}
    if result.denoised is not None and result.denoised.bottleneck is not None:
        out["bottleneck"] = kmeans_labels(result.denoised.bottleneck, cfg.n_clusters, seed=cfg.seed,
                                          n_init=cfg.cluster.n_init)
    if result.denoised is not None:
        out["denoised_pca"] = pca_kmeans_labels(result.denoised.denoised, cfg.n_clusters, seed=cfg.seed,
                                                n_init=cfg.cluster.n_init)
    out["pretrained_z"] = np.asarray(result.clusters.initial_labels)
    out["final"] = np.asarray(result.labels)
    return out


def score_stages(labels: dict[str, np.ndarray], truth) -> dict[str, float]:
    """Flat ``{"stage_<key>_ari": ..., "stage_<key>_nmi": ...}`` of every stage against ``truth``."""

    out = {}
    for key, pred in labels.items():
        out[f"stage_{key}_ari"] = ari(truth, pred)
        out[f"stage_{key}_nmi"] = nmi(truth, pred)
    return out


def stage_table(frame: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """Mean of each stage's score per dataset from a run frame with ``stage_<key>_<metric>`` columns.

    One row per dataset, one column per stage present (pipeline order), plus the change from each
    stage to the next (``"<stage> - <previous>"``), so a page can say which stage gains and which loses.
    """
    import pandas as pd

    cols = {key: f"stage_{key}_{metric}" for key in STAGES if f"stage_{key}_{metric}" in frame.columns}
    if not cols:
        return pd.DataFrame()
    means = frame.groupby("dataset", sort=False)[list(cols.values())].mean()
    means.columns = list(cols)
    keys = list(cols)
    for prev, cur in zip(keys[:-1], keys[1:], strict=True):
        means[f"{cur} - {prev}"] = means[cur] - means[prev]
    return means.reset_index()
