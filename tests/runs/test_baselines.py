import importlib.util

import numpy as np
import pytest

from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.runs import classical, methods, scvi_kmeans

FAST = {"zinb.train.max_steps": 300, "cluster.train.max_steps": 50, "cluster.n_init": 3}


@pytest.mark.parametrize("name", ["PCA + k-means", "Leiden (Seurat-style)", "scDeepCluster-style", "scziDesk-style"])
def test_baseline_returns_labels_and_embedding(adata_e2e, name):
    out = methods.METHODS[name](adata_e2e.X, 4, seed=0, overrides=FAST)
    assert out.labels.shape == (adata_e2e.n_obs,) and out.embedding.shape[0] == adata_e2e.n_obs
    assert np.unique(out.labels).size >= 2
    assert ari(adata_e2e.obs["cell_type"], out.labels) > 0.5


def test_leiden_searches_the_resolution_to_hit_k(adata_e2e):
    out = classical.leiden(adata_e2e.X, 4, seed=0)
    assert out.diagnostics["n_clusters_found"] == 4


def test_scdmac_variants_are_methods():
    assert {"scDMAC", "scDMAC-Z", "scDMAC-W", "scDMAC-P"} <= set(methods.METHODS)


@pytest.mark.skipif(importlib.util.find_spec("scvi") is not None, reason="scvi-tools is installed")
def test_scvi_without_the_extra_says_how_to_install(adata_small):
    with pytest.raises(ImportError, match=r"pip install -e '\.\[baselines\]'"):
        scvi_kmeans.scvi_kmeans(adata_small.X, 3)
