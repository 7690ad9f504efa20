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

from scdmac_lib.book import legibility, page, plots_stages, projection, style, summaries
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
               style.plot_labelled_scatter(np.random.default_rng(0).normal(size=(10, 2)), np.arange(10) % 2),
               plots_stages.plot_cluster_sizes([0, 0, 1], [0, 2, 2], 3)):
        assert isinstance(ax, plt.Axes)


def test_multi_panel_helpers(counts):
    fig = plots_stages.plot_matrix_blocks({"a": counts[:5, :4], "b": counts[5:10, :4]})
    assert fig.axes[0].get_title() == "a"
    fig = plots_stages.plot_zinb_parameters(counts + 1, np.ones_like(counts), np.full_like(counts, 0.2))
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    log = summaries.lognormalize(counts[:, 1:])
    fig = plots_stages.plot_gene_scatter(log, log, summaries.pick_genes(counts[:, 1:], 2))
    assert len(fig.axes) == 2


def test_a_grid_wraps_to_the_column_and_its_legend_takes_the_spare_panel():
    fig, axes = style.panel_grid(5, panel=(3.0, 2.0))  # two 3-inch panels fit the column, five do not
    assert fig.get_size_inches()[0] <= style.COLUMN_INCHES
    assert (len(axes), len(fig.axes)) == (5, 6) and not fig.axes[5].get_visible()
    for i, ax in enumerate(axes):
        ax.plot([0, 1], [0, i], label=f"series {i % 2}")
    legend = style.shared_legend(fig, axes)
    assert legend.axes is fig.axes[5] and fig.axes[5].get_visible()  # in the spare panel, not on data
    assert [t.get_text() for t in legend.get_texts()] == ["series 0", "series 1"]
    fig, axes = style.panel_grid(2, panel=(3.0, 2.0), layout="constrained")
    axes[0].plot([0, 1], label="a")
    axes[1].plot([0, 1], label="b")
    assert style.shared_legend(fig, axes) in fig.legends  # no spare panel: above the panels


def test_a_legend_goes_where_it_covers_no_data():
    fig, ax = plt.subplots(figsize=(3, 2.4))
    ax.bar(np.arange(10), np.linspace(0.1, 1.0, 10), label="rising")  # the upper right is full
    ax.axhline(0.5, color="k", label="a reference line")
    legend = style.place_legend(ax, fontsize=style.SMALL)
    renderer = fig.canvas.get_renderer()
    assert legend._loc != 1 and legibility.covered(legend, renderer) == []  # not "upper right"
    fig, ax = plt.subplots(figsize=(3, 2.4))
    ax.bar(np.arange(10), np.ones(10), label="full")  # no free corner: room is made at the top
    top = ax.get_ylim()[1]
    legend = style.place_legend(ax, fontsize=style.SMALL)
    assert ax.get_ylim()[1] > top and legibility.covered(legend, fig.canvas.get_renderer()) == []


def test_legends_are_placed_again_when_the_figure_changes_under_them():
    fig, axes = plt.subplots(1, 2, figsize=(6, 2.4), layout="constrained")
    axes[0].plot([0, 1], [0, 1], label="diagonal")
    legend = style.place_legend(axes[0], fontsize=style.SMALL)
    where = legend._loc
    axes[0].plot([0, 0.3], [0.9, 0.9] if where in (2, 9) else [0.1, 0.1], "o", label="later points")  # under it?
    style.refit_legends(fig)
    renderer = fig.canvas.get_renderer()
    assert legibility.covered(axes[0].get_legend(), renderer) == []
    fig, ax = plt.subplots(figsize=(3, 2.4))
    for y in np.linspace(0, 1, 25):  # every corner and edge is full, even with room at the top
        ax.plot(np.linspace(0, 1, 25), np.full(25, y) + np.linspace(0, 0.6, 25), "o", ms=2, color="C0")
    legend = style.place_legend(ax, fontsize=style.SMALL, labels=["dots"], handles=ax.lines[:1])
    assert legend.get_bbox_to_anchor() is not None and legibility.covered(legend, fig.canvas.get_renderer()) == []


def test_a_legend_of_several_columns_reads_row_by_row():
    fig, axes = style.panel_grid(2, panel=(3.0, 2.0), layout="constrained")
    for label in "abcde":
        axes[0].plot([0, 1], label=label)
    legend = style.shared_legend(fig, axes, ncols=2)
    # matplotlib fills a legend's columns top to bottom: a, c, e | b, d reads a b / c d / e
    assert [t.get_text() for t in legend.get_texts()] == ["a", "c", "e", "b", "d"]


def test_helper_figures_fit_the_column_with_readable_text(tmp_path, counts):
    """Every multi-panel helper wraps into the column, so its smallest text shows at its own size: 12 px."""
    with matplotlib.rc_context():
        style.set_style()
        _check_helper_figures(tmp_path, counts)


def _check_helper_figures(tmp_path, counts):
    log = summaries.lognormalize(counts[:, 1:])
    figures = [plots_stages.plot_zinb_parameters(counts + 1, np.ones_like(counts), np.full_like(counts, 0.2)),
               plots_stages.plot_gene_scatter(log, log, [0, 1, 2, 3]),
               plots_stages.plot_matrix_blocks({t: counts[:5, :4] for t in "abcd"}),
               plots_stages.plot_sparsity_library({"a": counts, "b": counts})]
    for i, fig in enumerate(figures):
        record = legibility.read(page.save_figure(fig, f"f{i}", results=tmp_path).read_bytes())
        shown = min(record.width_px * style.SCREEN_DPI / style.SAVE_DPI, style.COLUMN_PX)
        assert record.displayed_text_px(shown) >= 12 - 1e-6, (i, record)
        assert record.legend_covers == ()


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


def test_kmeans_labels_separate_two_groups():
    x = np.vstack([np.zeros((10, 3)), np.ones((10, 3)) * 5]) + np.random.default_rng(0).normal(0, 0.1, (20, 3))
    labels = summaries.kmeans_labels(x, 2, seed=0, n_pcs=2, n_init=2)
    assert np.unique(labels[:10]).size == 1
    assert labels[0] != labels[-1]


# --------------------------------------------------------------------------- projection: one t-SNE, one rule
@pytest.mark.parametrize(("n_cells", "perplexity"), [(5000, 30.0), (91, 30.0), (31, 10.0), (4, 1.0), (2, 1.0)])
def test_one_perplexity_rule(n_cells, perplexity):
    assert projection.perplexity_for(n_cells) == pytest.approx(perplexity)
    assert projection.perplexity_for(1000, 50.0) == 50.0


def test_embed_2d_is_the_one_tsne_and_is_seeded():
    x = np.vstack([np.zeros((12, 3)), np.ones((12, 3)) * 5]) + np.random.default_rng(0).normal(0, 0.1, (24, 3))
    xy = projection.embed_2d(x, "tsne", seed=1)
    assert xy.shape == (24, 2)
    np.testing.assert_allclose(xy, projection.tsne(x, seed=1))
    with pytest.raises(ValueError, match=r"method must be one of \['tsne', 'umap'\], got 'pca'"):
        projection.embed_2d(x, "pca")
    with pytest.raises(ValueError, match="at least 4 rows"):
        projection.embed_2d(x[:3], "umap")


def test_subsample_keeps_all_cells_or_a_seeded_sorted_subset():
    np.testing.assert_array_equal(projection.subsample(5, 10), np.arange(5))
    idx = projection.subsample(100, 20, seed=3)
    assert idx.size == 20 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, projection.subsample(100, 20, seed=3))
    with pytest.raises(ValueError, match="max_cells must be at least 4"):
        projection.subsample(100, 2)


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


# --------------------------------------------------------------------------- the data page
def test_paper_copy_checks_name_the_stand_in_of_an_absent_copy(monkeypatch):
    monkeypatch.setattr(summaries, "prefer_paper_data", lambda names: [])  # no paper copy on this machine
    manifest = pd.DataFrame({"name": ["deng", "deng_paper", "chen_paper"], "stands_for": ["Deng", "Deng", "Chen"],
                             "role": ["stand-in", "paper", "paper"], "n_cells": [133, 268, 12089],
                             "n_genes": [17706, 22431, 23284], "n_types": [5, 6, 46]})
    checks = summaries.paper_copy_checks(manifest)
    assert checks["paper dataset"].tolist() == ["Deng", "Chen"]
    assert checks["Table 1 (cells x genes x types)"].tolist() == ["268 x 22431 x 6", "12089 x 23284 x 46"]
    assert checks["derivation"].tolist() == ["stand-in 'deng' used instead", "not run"]
    assert set(checks["here"]) == {"not here"} and set(checks["copy used"]) == {""}


def test_table1_shapes_and_version_counts():
    reported_values = pd.DataFrame({"dataset": ["Pollen", "Adam"], "cells": [301, 3660], "genes": [23730, 23797],
                                    "cell_types": [11, 8], "platform": ["SMARTer", "Drop-seq"]})
    manifest = pd.DataFrame({"name": ["pollen", "pbmc"], "stands_for": ["Pollen", None], "role": ["stand-in", "extra"],
                             "available": [True, True], "n_cells": [249, 4271], "n_genes": [6982, 2000],
                             "n_types": [11, 8]})
    comparison = summaries.table1_comparison(reported_values, manifest)
    shapes = summaries.table1_shapes(comparison)
    assert shapes["paper dataset"].tolist() == ["Pollen", "Adam", "(extra)"]
    assert shapes["paper: cells x genes x types"].tolist() == ["301 x 23730 x 11", "3660 x 23797 x 8", ""]
    assert shapes["here: cells x genes x types"].tolist() == ["249 x 6982 x 11", "", "4271 x 2000 x 8"]
    assert summaries.version_counts(comparison) == {"paper": 0, "stand-in": 1, "not available": 1}


def test_sources_display_fits_the_column():
    sources = pd.DataFrame({"dataset": ["Deng", "Deng"], "role": ["paper", "fallback"], "file": ["a.rds", "b.h5"],
                            "checksum": ["0123456789abcdef0123", "short"],
                            "url": ["https://x/a -> mirror", "https://x/b"],
                            "name": ["deng_paper", "deng_fb"], "strength": ["", ""], "checksum_kind": ["sha256"] * 2})
    shown, urls = summaries.sources_display(sources)
    assert shown["dataset"].tolist() == ["Deng", "Deng (fallback)"]
    assert shown["checksum"].tolist() == ["0123456789ab\u2026", "short"]
    assert shown["file"].tolist() == ["a.\u200brds", "b.\u200bh5"]
    assert urls == ["https://x/a", "https://x/b"]
    assert "url" not in shown.columns and "role" not in shown.columns


def test_sparsity_table_names_each_dataset_with_its_kind():
    table, matrices = summaries.sparsity_table(["synth-40x30x3"])
    assert table["dataset"].tolist() == list(matrices) == ["synth-40x30x3 (simulated)"]
    assert table.loc[0, "n_cells"] == 40 and table.loc[0, "n_types"] == 3


def test_config_table_lists_the_drawn_settings_without_budgets():
    from scdmac_lib.method.config import make_config

    table = summaries.config_table(make_config(3, **{"mae.mask_ratio": 0.2, "mae.train.max_steps": 7}))
    assert table["setting"].str.startswith(("mae.", "zinb.")).all()
    assert not table["setting"].str.contains(".train.", regex=False).any()
    assert dict(zip(table["setting"], table["value"], strict=True))["mae.mask_ratio"] == "0.2"


# --------------------------------------------------------------------------- the preprocessing walk-through
@pytest.mark.parametrize("sparse", [True, False])
def test_normalize_total_scales_each_cell_and_leaves_an_empty_one(sparse):
    x = np.array([[1.0, 3.0], [0.0, 0.0], [2.0, 2.0]])
    out = summaries.normalize_total(sp.csr_matrix(x) if sparse else x, 100.0)
    np.testing.assert_allclose(out.toarray(), [[25.0, 75.0], [0.0, 0.0], [50.0, 50.0]])


def test_sample_block_is_sorted_seeded_and_capped():
    rows, cols = summaries.sample_block((10, 4), 5, 9, seed=1)
    assert rows.size == 5 and cols.tolist() == [0, 1, 2, 3]
    assert np.all(np.diff(rows) > 0)
    again = summaries.sample_block((10, 4), 5, 9, seed=1)
    np.testing.assert_array_equal(rows, again[0])


def test_augmentation_views_and_the_entries_they_change():
    from scdmac_lib.method.config import AugmentConfig

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 30)).astype(np.float32)
    knn = np.stack([np.roll(np.arange(40), -i) for i in (1, 2, 3)], axis=1)
    cells = np.array([0, 5, 9, 20])
    cfg = AugmentConfig()
    views = summaries.augmentation_views(x, knn, cells, cfg, seed=0)
    assert len(views) == 5 and all(v.shape == (4, 30) for v in views.values())
    np.testing.assert_array_equal(next(iter(views.values())), x[cells])
    changed = summaries.changed_fractions(views)
    assert changed["augmentation"].tolist() == list(views)[1:]
    masked = changed.loc[changed["augmentation"].str.startswith("gene masking"), "fraction of entries changed"].item()
    assert masked == pytest.approx(cfg.mask_rate, abs=0.1)
    assert changed.loc[changed["augmentation"].str.startswith("Gaussian"), "fraction of entries changed"].item() == 1.0


def test_knn_summary_names_the_dataset_kind():
    knn = np.array([[1, 2], [0, 2], [0, 1]])
    table = summaries.knn_summary("synth-40x30x3", knn, 20, np.array([[0.1, 0.3]] * 3), np.array([1.0, 0.5, 0.0]), 0.4)
    assert table.to_dict("records") == [{"dataset": "synth-40x30x3 (simulated)", "n_neighbors": 2, "n_hvg": 20,
                                         "mean_cosine_distance": pytest.approx(0.2), "label_agreement": 0.5,
                                         "chance_agreement": 0.4}]


# --------------------------------------------------------------------------- the denoising and masking walk-throughs
def test_zinb_parameter_quantiles():
    mu = np.arange(1.0, 11.0).reshape(2, 5)
    table = summaries.zinb_parameter_quantiles(mu, np.ones((2, 5)), np.full((2, 5), 0.2))
    assert table["parameter"].tolist() == ["mu", "theta", "pi"]
    assert table["entries"].tolist() == [10, 10, 10]
    assert table.loc[0, "50%"] == pytest.approx(5.5) and table.loc[2, "max"] == pytest.approx(0.2)
    assert {"mean", "sd", "min", "10%", "90%"} <= set(table.columns)


def test_gene_labels_stage_times_and_tail_mean():
    counts = np.array([[0, 1], [0, 2], [3, 0], [0, 4]])
    assert summaries.gene_labels(["g0", "g1"], counts, [1, 0]) == ["g1 (25% zeros)", "g0 (75% zeros)"]
    assert summaries.stage_times({"preprocess": 0.04, "denoise": 2.26}) == "preprocess 0.0, denoise 2.3"
    assert summaries.tail_mean([1, 2, 3, 4], 2) == 3.5
    assert np.isnan(summaries.tail_mean([], 20))


def test_representation_and_label_scores_name_the_dataset_kind():
    truth = np.array(["a", "a", "b", "b"])
    table = summaries.representation_scores("synth-40x30x3", truth, {"perfect": np.array([1, 1, 0, 0]),
                                                                     "one": np.zeros(4, int)})
    assert table["dataset"].unique().tolist() == ["synth-40x30x3 (simulated)"]
    assert table["ari (diagnostic)"].tolist() == [1.0, 0.0] and table["non-empty clusters"].tolist() == [2, 1]
    emb = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    scores = summaries.label_scores("synth-40x30x3", truth, {"final": (np.array([0, 0, 1, 1]), emb)}, requested=2)
    row = scores.iloc[0]
    assert (row["dataset"], row["labels"], row["ari"], row["non-empty clusters"], row["requested"]) == (
        "synth-40x30x3 (simulated)", "final", 1.0, 2, 2)
    assert row["silhouette"] > 0.9


# --------------------------------------------------------------------------- the clustering walk-through
def test_soft_weights_are_rows_of_probabilities_and_inflation_sharpens_them():
    z = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 4.0]], dtype=np.float32)
    centers = np.array([[0.0, 0.0], [4.0, 4.0]], dtype=np.float32)
    raw, inflated = summaries.soft_weights(z, centers, temperature=1.0, inflation=2.0)
    np.testing.assert_allclose(raw.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(inflated.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(inflated.max(axis=1) >= raw.max(axis=1) - 1e-7)
    q = np.array([[0.6, 0.4], [0.5, 0.5]])
    p = summaries.target_distribution(q)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0, 0] > q[0, 0]


def test_weight_states_at_the_start_and_end_of_the_fine_tune():
    from types import SimpleNamespace

    from scdmac_lib.method.config import make_config

    rng = np.random.default_rng(0)
    z = np.vstack([rng.normal(0, 0.1, (10, 2)), rng.normal(5, 0.1, (10, 2))]).astype(np.float32)
    labels = np.repeat([0, 1], 10)
    clusters = SimpleNamespace(embedding=z, centers=np.array([[0, 0], [5, 5]], np.float32), labels=labels,
                               initial_labels=labels[::-1].copy())
    result = SimpleNamespace(config=make_config(2, seed=0), pretrained_embedding=z, clusters=clusters)
    states = summaries.weight_states(result)
    assert list(states) == ["start", "end"]
    assert states["start"][0].shape == (20, 2)
    np.testing.assert_array_equal(states["start"][2], clusters.initial_labels)
    np.testing.assert_array_equal(states["end"][2], labels)
    confidence = summaries.weight_confidence(states)
    assert confidence["state"].tolist() == ["start", "end"]
    assert (confidence["mean max w (after inflation)"] >= confidence["mean max w (before inflation)"] - 1e-7).all()


# --------------------------------------------------------------------------- the own-data page
def test_result_keys_diagnostics_and_history_tables():
    import anndata as ad

    adata = ad.AnnData(np.ones((3, 2), dtype=np.float32))
    adata.obs["scdmac_cluster"] = pd.Categorical(["0", "1", "1"])
    adata.obsm["X_scdmac"] = np.zeros((3, 4))
    adata.uns["scdmac"] = {"config": {}, "device": "cpu"}
    keys = summaries.result_keys_table(adata)
    assert keys["key"].tolist() == ["scdmac_cluster", "X_scdmac", "config", "device"]
    assert keys["what"].tolist()[:2] == ["cluster of each cell (2 values)", "embedding Z, shape (3, 4)"]
    reading = summaries.diagnostics_reading({"mask_auc": 0.9, "mse_masked": 2.0, "mse_kept": 1.0,
                                             "n_nonempty_clusters": 3}, 4)
    assert reading["reading"].tolist() == ["above chance (0.5)", "2.00 x the kept-entry error", "",
                                           "of k = 4 clusters asked for"]
    assert summaries.diagnostics_reading({"mse_masked": 1.0, "mse_kept": 1.0, "n_nonempty_clusters": 2},
                                         2).loc[0, "reading"] == "near chance (0.5): little learned"
    history = summaries.history_table({"denoise": {"loss": [3.0, 2.0, 1.5]}, "mae": {"loss": [1.0]}})
    assert history.to_dict("records") == [{"stage": "denoise", "steps": 3, "first loss": 3.0, "last loss": 1.5},
                                          {"stage": "mae", "steps": 1, "first loss": 1.0, "last loss": 1.0}]


def test_k_estimate_table_and_agreement():
    from scdmac_lib.method.config import make_config

    assert summaries.k_estimate_datasets("smoke") == ["synth-400x300x4"]
    table = summaries.k_estimate_table(["synth-200x100x3"], make_config(2, **{"preprocess.n_top_genes": 80}).preprocess)
    row = table.iloc[0]
    assert row["dataset"] == "synth-200x100x3 (simulated)" and row["cells"] == 200 and row["annotated types"] == 3
    assert row["estimate - types"] == row["estimated k"] - 3
    literal = pd.DataFrame({"annotated types": [4, 8, 10], "estimate - types": [0, 2, -5],
                            "estimate / types": [1.0, 1.25, 0.5]})
    assert summaries.k_estimate_agreement(literal) == {"n": 3, "exact": 1, "within": 2, "median_ratio": 1.0}


def test_stage_table_and_benchmark_labels():
    table = summaries.stage_table({"preprocess": 0.5, "denoise": 2.0}, {"denoise": {"loss": [1, 2, 3]}},
                                  ("preprocess", "denoise", "mae"))
    assert table["steps"].tolist() == [0, 3, 0]
    assert table["wall_s"].tolist()[:2] == [0.5, 2.0] and np.isnan(table["wall_s"].iloc[2])
    assert summaries.benchmark_label("sim-10000") == "sim-10000 (simulated)"
    assert summaries.benchmark_label("zeisel") == "Zeisel (stand-in)"


def test_k_estimate_datasets_take_only_the_papers_data_that_is_here(monkeypatch):
    """A machine without the paper's copies (or internet) still builds the own-data page."""
    from scdmac_lib.data import paper

    monkeypatch.setattr(paper, "present", lambda name: False)
    names = summaries.k_estimate_datasets("quick")
    assert {"zeisel", "pollen", "deng", "baron_human"} <= set(names)
    assert not [n for n in names if n.endswith("_paper") or "_paper_" in n]
    monkeypatch.setattr(paper, "present", lambda name: name == "adam_paper_sczag")
    assert [n for n in summaries.k_estimate_datasets("quick") if "adam" in n] == ["adam_paper_sczag"]
