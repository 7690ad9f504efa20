"""Estimating k: Leiden on the preprocessing's kNN graph, before any training."""

from __future__ import annotations

import numpy as np
import pytest

from scdmac_lib.api.kestimate import estimate_n_clusters, leiden_communities
from scdmac_lib.method.config import PreprocessConfig


def test_leiden_separates_two_cliques_and_is_seeded():
    knn = np.array([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]])
    labels = leiden_communities(knn)
    assert labels[:3].tolist() == [labels[0]] * 3
    assert labels[3:].tolist() == [labels[3]] * 3
    assert labels[0] != labels[3]
    ring = np.array([[(i - 1) % 30, (i + 1) % 30] for i in range(30)])
    assert np.array_equal(leiden_communities(ring, seed=4), leiden_communities(ring, seed=4))


def test_leiden_refuses_a_flat_index_array():
    with pytest.raises(ValueError, match=r"knn must be an \(n_cells, n_neighbors\) array"):
        leiden_communities(np.arange(6))


def test_estimate_finds_the_simulated_types(adata_e2e):
    est = estimate_n_clusters(adata_e2e.X, config=PreprocessConfig(n_top_genes=200))
    assert est.n_clusters == adata_e2e.obs["cell_type"].nunique() == 4
    assert est.n_neighbors == 15 and est.resolution == 1.0
    text = est.describe()
    assert text.startswith("estimated k = 4: Leiden") and "before any training" in text
    assert est.as_dict()["n_clusters"] == 4


def test_higher_resolution_gives_at_least_as_many_clusters(adata_e2e):
    low = estimate_n_clusters(adata_e2e.X, config=PreprocessConfig(n_top_genes=200), resolution=0.2)
    high = estimate_n_clusters(adata_e2e.X, config=PreprocessConfig(n_top_genes=200), resolution=3.0)
    assert low.n_clusters <= 4 <= high.n_clusters
    assert high.n_communities > low.n_communities


def test_estimate_refuses_a_non_positive_resolution(adata_small):
    with pytest.raises(ValueError, match="resolution must be positive, got 0"):
        estimate_n_clusters(adata_small.X, resolution=0)
