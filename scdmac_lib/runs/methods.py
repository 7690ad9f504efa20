"""Baselines run by the same code on the same preprocessing as scDMAC (paper Section 3.1).

- ``pca_kmeans``: PCA of the standardized log-normalized HVGs, then k-means.
- ``leiden``: Seurat-style graph clustering (kNN on PCs, Leiden), resolution searched to give k clusters.
- ``scdeepcluster``: scDeepCluster-style (Tian et al., 2019): Gaussian-noise ZINB autoencoder, then a
  DEC KL fine-tune of the bottleneck together with the ZINB loss.
- ``sczidesk``: scziDesk-style (Chen et al., 2020): ZINB autoencoder, then a weighted soft k-means
  fine-tune together with the ZINB loss.
- ``scvi_kmeans``: scVI (scvi-tools, optional extra) with its default training, then k-means.

These are re-implementations of the published ideas on this project's modules, not the authors' code;
the book labels them "-style" wherever they are compared with the paper's reported numbers.
"""

from __future__ import annotations

from scdmac_lib.runs.classical import leiden, pca_kmeans
from scdmac_lib.runs.scdmac_method import scdmac_method
from scdmac_lib.runs.scvi_kmeans import scvi_kmeans
from scdmac_lib.runs.zinb_baselines import scdeepcluster, sczidesk

METHODS = {
    **{v: scdmac_method(v) for v in ("scDMAC", "scDMAC-Z", "scDMAC-W", "scDMAC-P")},
    "PCA + k-means": pca_kmeans,
    "Leiden (Seurat-style)": leiden,
    "scDeepCluster-style": scdeepcluster,
    "scziDesk-style": sczidesk,
    "scVI + k-means": scvi_kmeans,
}


#: Methods that train no network: their runs need no GPU (every other method trains one).
CLASSICAL = ("PCA + k-means", "Leiden (Seurat-style)")
#: The config sections each method reads (the others cannot change its result, so they are not part
#: of its runs' identity); scDMAC and its ablations read them all.
CONFIG_SECTIONS = {
    "PCA + k-means": ("preprocess",),
    "Leiden (Seurat-style)": ("preprocess",),
    "scVI + k-means": ("preprocess",),
    "scDeepCluster-style": ("preprocess", "augment", "zinb", "cluster"),
    "scziDesk-style": ("preprocess", "augment", "zinb", "cluster"),
}
