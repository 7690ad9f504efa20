"""Fast tests of the stage walk-through plotting helpers on tiny literal or synthetic inputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from scdmac_lib.book import page, plots_stages, projection, summaries
from scdmac_lib.method.masking import corrupt


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def counts():
    rng = np.random.default_rng(0)
    x = rng.poisson(1.0, size=(30, 12)).astype(np.float32)
    x[:, 0] = 0  # one all-zero gene
    x[:, 1] += 1  # one never-zero gene
    return x


@pytest.mark.parametrize("sparse", [True, False])
def test_count_summary_and_zero_fraction(sparse):
    x = np.array([[0, 1, 2], [0, 0, 3]], dtype=np.float32)
    m = sp.csr_matrix(x) if sparse else x
    s = summaries.count_summary(m)
    assert s["zero_fraction"] == pytest.approx(0.5)
    assert (s["n_cells"], s["n_genes"], s["library_median"]) == (2, 3, 3.0)
    np.testing.assert_allclose(summaries.gene_zero_fraction(m), [1.0, 0.5, 0.0])


def test_table1_comparison_versions():
    reported_values = pd.DataFrame({"dataset": ["Pollen", "Adam"], "cells": [301, 3660], "genes": [23730, 23797],
                             "cell_types": [11, 8], "platform": ["SMARTer", "Drop-seq"]})
    manifest = pd.DataFrame({"name": ["pollen", "pbmc"], "stands_for": ["Pollen", None],
                             "role": ["stand-in", "extra"], "available": [True, True], "n_cells": [249, 4271],
                             "n_genes": [6982, 2000], "n_types": [11, 8]})
    out = summaries.table1_comparison(reported_values, manifest)
    assert list(out["version"]) == ["stand-in", "not available", "extra"]
    assert "cells 249 vs 301" in out.loc[0, "differences"]
    assert "types" not in out.loc[0, "differences"]
    assert out.loc[0, "here"] == "pollen"


def test_plot_sparsity_library_returns_figure(counts):
    fig = plots_stages.plot_sparsity_library({"a": counts, "b": sp.csr_matrix(counts)})
    assert len(fig.axes) == 2


def test_knn_helpers():
    knn = np.array([[1, 2], [0, 2], [0, 1], [0, 1]])
    agree = summaries.knn_label_agreement(knn, ["a", "a", "b", "b"])
    np.testing.assert_allclose(agree, [0.5, 0.5, 0.0, 0.0])
    np.testing.assert_array_equal(summaries.knn_in_degree(knn), [3, 3, 2, 0])
    assert summaries.chance_agreement(["a", "a", "b", "b"]) == pytest.approx(0.5)
    x = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    d = summaries.knn_cosine_distances(x, knn)
    assert d.shape == (4, 2)
    assert d[0, 0] == pytest.approx(0.0)
    assert d[0, 1] == pytest.approx(1.0)


def test_zinb_zero_probability_limits():
    mu = np.array([0.0, 1.0, 1.0])
    theta = np.array([1.0, 1.0, 1.0])
    pi = np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(summaries.zinb_zero_probability(mu, theta, pi), [1.0, 0.5, 1.0])


def test_corruption_parts_match_corrupt():
    x = torch.randn(20, 7).numpy()
    parts = summaries.corruption_parts(x, 0.3, seed=5)
    xm, mask = corrupt(torch.from_numpy(x), 0.3, torch.Generator().manual_seed(5))
    np.testing.assert_allclose(parts["X_M"], xm.numpy())
    np.testing.assert_array_equal(parts["M (1 = masked)"], mask.numpy())
    np.testing.assert_allclose(np.sort(parts["X' (genes shuffled)"], axis=0), np.sort(x, axis=0))


def test_masking_statistics_and_entropy():
    x = np.random.default_rng(0).normal(size=(200, 50))
    stats = summaries.masking_statistics(x, [0.1, 0.5], seed=0)
    np.testing.assert_allclose(stats["masked_fraction"], [0.1, 0.5], atol=0.03)
    assert (stats["changed_fraction"] <= stats["masked_fraction"] + 1e-12).all()
    assert summaries.bernoulli_entropy(0.5) == pytest.approx(np.log(2))
    assert summaries.bernoulli_entropy(0.0) == 0.0
    plots_stages.plot_masking_statistics(stats)


def test_smooth_is_trailing_mean():
    np.testing.assert_allclose(plots_stages.smooth([1, 3, 5, 7], window=2), [1, 2, 4, 6])
    assert plots_stages.smooth([], window=5).size == 0


def test_plot_loss_curves_reference_and_keys():
    fig, ax = plt.subplots()
    out = plots_stages.plot_loss_curves({"loss": [3, 2, 1], "mask_bce": [0.7, 0.65, 0.6], "empty": []},
                                     keys=["mask_bce", "empty"], ax=ax, reference={"H(p)": 0.61})
    assert out is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["mask_bce", "H(p)"]


def test_panel_helpers_return_axes(counts):
    mean, var = summaries.gene_mean_variance(counts)
    hi = np.zeros(counts.shape[1], dtype=bool)
    hi[:3] = True
    for ax in (plots_stages.plot_mean_variance(mean, var, highlight=hi),
               plots_stages.plot_size_factors(counts.sum(1) + 1, (counts.sum(1) + 1) / 10),
               plots_stages.plot_histogram([1, 2, 3]),
               plots_stages.plot_bars({"a": 0.5, "b": float("nan")}, reference=0.5, reference_label="chance"),
               plots_stages.plot_zero_calibration(counts, counts + 0.1, np.ones_like(counts), np.zeros_like(counts)),
               plots_stages.plot_assignment_heatmap(np.full((10, 3), 1 / 3), np.arange(10) % 3, n=5),
               plots_stages.plot_embedding_2d(np.random.default_rng(0).normal(size=(10, 2)), np.arange(10) % 2),
               plots_stages.plot_cluster_sizes([0, 0, 1], [0, 2, 2], 3)):
        assert isinstance(ax, plt.Axes)


def test_multi_panel_helpers(counts):
    fig = plots_stages.plot_matrix_blocks({"a": counts[:5, :4], "b": counts[5:10, :4]})
    assert fig.axes[0].get_title() == "a"
    fig = plots_stages.plot_zinb_parameters(counts + 1, np.ones_like(counts), np.full_like(counts, 0.2))
    assert len(fig.axes) == 3
    log = summaries.lognormalize(counts[:, 1:])
    fig = plots_stages.plot_gene_scatter(log, log, summaries.pick_genes(counts[:, 1:], 2))
    assert len(fig.axes) == 2


def test_axes_too_few_fails():
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="axes has 1 panels but 3 are needed"):
        plots_stages.plot_zinb_parameters(np.ones(3), np.ones(3), np.ones(3), axes=[ax])


def test_sample_sorted_and_sizes():
    labels = np.array([2, 0, 1, 0, 2, 1])
    idx = summaries.sample_sorted(labels, 4, seed=0)
    assert idx.size == 4
    assert np.all(np.diff(labels[idx]) >= 0)
    np.testing.assert_array_equal(summaries.cells_per_cluster([0, 0, 2], 4), [2, 0, 1, 0])


def test_kmeans_and_tsne_shapes():
    x = np.vstack([np.zeros((10, 3)), np.ones((10, 3)) * 5]) + np.random.default_rng(0).normal(0, 0.1, (20, 3))
    labels = summaries.kmeans_labels(x, 2, seed=0, n_pcs=2, n_init=2)
    assert np.unique(labels[:10]).size == 1
    assert labels[0] != labels[-1]
    assert projection.embed_2d(x, "tsne", seed=0).shape == (20, 2)
    with pytest.raises(ValueError, match="method must be 'umap' or 'tsne'"):
        projection.embed_2d(x, "pca")


def test_save_table_and_figure(tmp_path):
    path = page.save_table(pd.DataFrame({"a": [1]}), "t", results=tmp_path)
    assert path == tmp_path / "tables" / "t.csv"
    assert pd.read_csv(path)["a"].tolist() == [1]
    fig, _ = plt.subplots()
    assert page.save_figure(fig, "f", results=tmp_path).is_file()
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["f.png"]


def test_session_info_has_profile():
    info = page.session_info("smoke", "cpu")
    assert dict(zip(info["item"], info["value"], strict=True))["profile"] == "smoke"
