"""Shared fixtures: small synthetic count matrices (cached, handed out as copies)."""

from __future__ import annotations

import functools

import pytest


@functools.cache
def _synthetic(n_cells: int, n_genes: int, n_clusters: int, seed: int):
    from scdmac_lib.data.simulate import zinb_clusters

    return zinb_clusters(n_cells, n_genes, n_clusters, seed=seed)


@pytest.fixture
def adata_small():
    """240 cells x 120 genes x 3 well-separated clusters of ZINB counts."""
    return _synthetic(240, 120, 3, 0).copy()


@pytest.fixture
def adata_e2e():
    """400 cells x 300 genes x 4 clusters: the tiny end-to-end dataset."""
    return _synthetic(400, 300, 4, 0).copy()


FAST = {
    "zinb.train.max_steps": 40, "zinb.train.min_steps": 10, "mae.train.max_steps": 40,
    "mae.train.min_steps": 10, "cluster.train.max_steps": 20, "cluster.train.min_steps": 5,
    "cluster.n_init": 3,
}


@pytest.fixture
def fast_overrides():
    """Training budgets of a few steps, for shape and plumbing tests."""
    return dict(FAST)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``internet`` run only when asked for (``pytest -m internet``): CI never does."""
    if "internet" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="downloads the real sources: run with -m internet")
    for item in items:
        if "internet" in item.keywords:
            item.add_marker(skip)
