import importlib.util

import numpy as np
import pytest
import torch

from scdmac_lib.data.simulate import zinb_clusters
from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.method.networks import MEAN
from scdmac_lib.runs import classical, methods, scvi_kmeans, zinb_baselines

FAST = {"zinb.train.max_steps": 300, "cluster.train.max_steps": 50, "cluster.n_init": 3}
#: scziDesk pretrains at its authors' learning rate, 1e-4, for 1000 epochs: 300 steps do not fit these data yet
LONGER = {"scziDesk-style": {"zinb.train.max_steps": 1000}}


@pytest.mark.parametrize("name", ["PCA + k-means", "Leiden (Seurat-style)", "scDeepCluster-style", "scziDesk-style"])
def test_baseline_returns_labels_and_embedding(adata_e2e, name):
    out = methods.METHODS[name](adata_e2e.X, 4, seed=0, overrides={**FAST, **LONGER.get(name, {})})
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


def test_sczidesk_keeps_many_small_types_in_their_own_clusters():
    # 12 types of 20 cells: the earlier soft k-means at weight 1 and lr 1e-3 shrank the latent space
    # until only 4 clusters were left; at the published weight and rate every cluster keeps cells
    adata = zinb_clusters(sizes=[20] * 12, n_genes=300, mean_library=20000.0, seed=0)
    budget = {"zinb.train.max_steps": 100, "cluster.train.max_steps": 60, "cluster.train.min_steps": 60, "cluster.n_init": 3}
    out = zinb_baselines.sczidesk(adata.X, 12, seed=0, overrides=budget)
    assert out.diagnostics["start_nonempty_clusters"] == 12
    assert np.unique(out.labels).size == 12
    assert all(n == 12 for n in out.history["cluster_checks"]["n_nonempty_clusters"])


def test_sczidesk_stops_once_its_labels_settle():
    adata = zinb_clusters(sizes=[40] * 3, n_genes=200, mean_library=20000.0, seed=0)
    out = zinb_baselines.sczidesk(adata.X, 3, seed=0, overrides={"zinb.train.max_steps": 300, "cluster.n_init": 3,
                                                                 "cluster.train.max_steps": 400})
    checks = out.history["cluster_checks"]
    assert checks["label_change"][-1] < zinb_baselines.STABLE_CHANGE
    assert out.diagnostics["finetune_steps"] == checks["at_step"][-1] < 400  # before the 400-step budget


def test_self_training_kl_matches_a_loop_over_cells_and_vanishes_for_uniform_similarities():
    z = np.array([[0.0], [1.0], [3.0]])
    expected = 0.0
    for i in range(3):  # p_i: Student-t (1 dof) similarities to the other cells, normalized; q_i: p_i^2, normalized
        p = np.array([1 / (1 + (z[i, 0] - z[j, 0]) ** 2) for j in range(3) if j != i])
        p, q = p / p.sum(), p**2 / (p**2).sum()
        expected += float(np.sum(q * np.log(q / p)))
    assert zinb_baselines.self_training_kl(torch.tensor(z)).item() == pytest.approx(expected)
    triangle = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.5, 3**0.5 / 2]])  # every cell equally similar to the others
    assert zinb_baselines.self_training_kl(triangle).item() == pytest.approx(0.0, abs=1e-7)


def test_dense_autoencoder_clips_the_mean_without_nan_gradients():
    net = zinb_baselines.DenseZINBAutoencoder(20, (16, 8), 4)
    torch.nn.init.constant_(net.mean_head.bias, 200.0)  # exp(200) overflows float32
    x, counts = torch.randn(5, 20), torch.poisson(torch.full((5, 20), 3.0))
    out = net(x, torch.ones(5))
    assert torch.allclose(out[MEAN], torch.full((5, 20), 1e6))
    net.loss(counts, out).loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
