"""Plots and small summaries for the stage walk-through notebooks (data, preprocess, denoise, mask, cluster).

Every ``plot_*`` helper draws one panel on ``ax`` (a new figure when ``ax`` is None) and returns
the Axes; helpers that draw several panels take ``axes`` and return the Figure. The summary
functions (``count_summary``, ``table1_comparison``, ...) return plain numbers or DataFrames so
that the notebooks only call and show. Nothing here looks at labels except the helpers whose name
says so (``knn_label_agreement``), which are shown as diagnostics only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scdmac_lib.book import style
from scdmac_lib.book.style import METHOD_COLORS
from scdmac_lib.book.summaries import (
    cells_per_cluster,
    count_summary,
    dense,
    gene_zero_fraction,
    library_sizes,
    sample_sorted,
    zinb_zero_probability,
)

RAW_COLOR = "#7f8c8d"


DENOISED_COLOR = METHOD_COLORS["scDMAC"]


HVG_COLOR = METHOD_COLORS["Leiden (Seurat-style)"]




def plot_sparsity_library(matrices: Mapping[str, object], axes=None):
    """Two panels: fraction of zeros per dataset (bars) and library-size distributions (log10)."""
    fig, (ax_zero, ax_lib) = style.panel_grid(2, axes, panel=(style.COLUMN_INCHES, 2.8))  # one above the other
    names = list(matrices)
    zeros = [count_summary(matrices[n])["zero_fraction"] for n in names]
    ax_zero.bar(names, zeros, color=RAW_COLOR)
    for i, z in enumerate(zeros):
        ax_zero.text(i, z, f"{z:.2f}", ha="center", va="bottom", fontsize=style.SMALL)
    ax_zero.set_ylim(0, 1.05)
    ax_zero.set_ylabel("fraction of zeros")
    ax_zero.set_title("sparsity")
    libs = [np.log10(np.maximum(library_sizes(matrices[n]), 1.0)) for n in names]
    ax_lib.violinplot(libs, showmedians=True)
    ax_lib.set_xticks(range(1, len(names) + 1), names)
    ax_lib.set_ylabel("log10 library size")
    ax_lib.set_title("library size per cell")
    for ax in (ax_zero, ax_lib):
        ax.tick_params(axis="x", rotation=30)
    return fig


def plot_size_factors(lib: np.ndarray, size_factors: np.ndarray, ax=None):
    """Library size against size factor (a line through the median; s_i = lib_i / median)."""
    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    ax.scatter(lib, size_factors, s=8, color=RAW_COLOR, alpha=0.7)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.axvline(float(np.median(lib)), color="k", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("library size (counts per cell)")
    ax.set_ylabel("size factor $s_i$")
    ax.set_title("size factors = library size / median")
    return ax


def plot_mean_variance(
    mean: np.ndarray, var: np.ndarray, *, highlight: np.ndarray | None = None, ax=None,
    label: str = "genes", highlight_label: str = "highly variable", color: str = RAW_COLOR,
    title: str = "mean-variance", poisson_line: bool = True,
):
    """Log-log scatter of per-gene mean and variance; ``highlight`` a boolean mask of genes to colour."""
    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    keep = (mean > 0) & (var > 0)
    hi = np.zeros_like(keep) if highlight is None else np.asarray(highlight, dtype=bool)
    ax.scatter(mean[keep & ~hi], var[keep & ~hi], s=4, alpha=0.4, color=color, label=label, rasterized=True)
    if hi.any():
        ax.scatter(mean[keep & hi], var[keep & hi], s=5, alpha=0.7, color=HVG_COLOR,
                   label=f"{highlight_label} ({int(hi.sum())})", rasterized=True)
    if poisson_line and keep.any():
        grid = np.geomspace(mean[keep].min(), mean[keep].max(), 50)
        ax.plot(grid, grid, color="k", lw=0.8, ls="--", label="variance = mean")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("gene mean")
    ax.set_ylabel("gene variance")
    ax.set_title(title)
    style.place_legend(ax, fontsize=style.SMALL, markerscale=2)
    return ax


def plot_histogram(values, *, ax=None, bins: int = 30, xlabel: str = "", title: str = "",
                   color: str = RAW_COLOR, mark_mean: bool = True):
    """A histogram of ``values`` with its mean marked."""
    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    ax.hist(v, bins=bins, color=color, alpha=0.85)
    if mark_mean and v.size:
        ax.axvline(v.mean(), color="k", lw=1, ls="--", label=f"mean {v.mean():.3g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title)
    if mark_mean and v.size:
        style.place_legend(ax, fontsize=style.SMALL)
    return ax


def plot_matrix_blocks(blocks: Mapping[str, np.ndarray], axes=None, *, cmap: str = "viridis",
                       shared_scale: bool = True, vmin: float | None = None, vmax: float | None = None,
                       colorbar: bool = True):
    """Heatmaps of equally shaped cell x gene blocks side by side (one panel each), one colour scale.

    The colour bar (when ``colorbar``) is drawn beside the last panel and holds for all of them.
    """
    fig, axs = style.panel_grid(len(blocks), axes, panel=(3.0, 2.8))
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in blocks.items()}
    if shared_scale:
        stacked = np.concatenate([a.ravel() for a in arrays.values()])
        vmin = np.nanmin(stacked) if vmin is None else vmin
        vmax = np.nanmax(stacked) if vmax is None else vmax
    image = None
    for i, (ax, (title, a)) in enumerate(zip(axs, arrays.items(), strict=True)):
        image = ax.imshow(a, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("gene")
        if i == 0:
            ax.set_ylabel("cell")
        ax.grid(visible=False)
    if image is not None and colorbar:
        fig.colorbar(image, ax=axs[-1], shrink=0.8)  # on the last panel only: the others keep their width
    return fig


def smooth(values: Sequence[float], window: int = 20) -> np.ndarray:
    """Trailing moving average (the first points average what exists so far)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or window <= 1:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_loss_curves(history: Mapping[str, Sequence[float]], *, keys: Sequence[str] | None = None, ax=None,
                     window: int = 20, reference: Mapping[str, float] | None = None, log: bool = False,
                     title: str = "training loss"):
    """Per-step loss curves (raw, faint; smoothed, solid) with optional horizontal reference lines."""
    import matplotlib.pyplot as plt

    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    keys = [k for k in (keys or history) if len(history.get(k, ())) > 0]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, key in enumerate(keys):
        v = np.asarray(history[key], dtype=np.float64)
        color = colors[i % len(colors)]
        ax.plot(v, color=color, alpha=0.25, lw=0.8)
        ax.plot(smooth(v, window), color=color, lw=1.6, label=key)
    for j, (name, value) in enumerate((reference or {}).items()):
        ax.axhline(value, color="k", lw=1, ls=("--", ":", "-.")[j % 3], label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if keys or reference:
        style.place_legend(ax, fontsize=style.SMALL)
    return ax


def plot_zero_calibration(counts, mu: np.ndarray, theta: np.ndarray, pi: np.ndarray, ax=None):
    """Per gene: observed fraction of zeros against the fitted ZINB's mean P(X=0) and mu's rounding."""
    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    observed = gene_zero_fraction(counts)
    model = zinb_zero_probability(mu, theta, pi).mean(axis=0)
    rounded = (np.asarray(mu) < 0.5).mean(axis=0)
    ax.scatter(observed, model, s=5, alpha=0.5, color=DENOISED_COLOR, label="ZINB mean P(X=0)")
    ax.scatter(observed, rounded, s=5, alpha=0.5, color=HVG_COLOR, label="denoised mu < 0.5")
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--")
    ax.set_xlabel("observed zero fraction (raw)")
    ax.set_ylabel("zero fraction after denoising / model")
    ax.set_title("zeros per gene")
    style.place_legend(ax, fontsize=style.SMALL, markerscale=2)
    return ax


def plot_gene_scatter(raw: np.ndarray, denoised: np.ndarray, genes: Sequence[int], *, names=None, axes=None):
    """For each gene, each cell's raw value (x) against its denoised value (y), one panel per gene."""
    fig, axs = style.panel_grid(len(genes), axes, panel=(2.8, 2.6))
    raw, denoised = dense(raw), dense(denoised)
    for ax, j, name in zip(axs, genes, names if names is not None else genes, strict=True):
        ax.scatter(raw[:, j], denoised[:, j], s=6, alpha=0.6, color=DENOISED_COLOR)
        hi = max(raw[:, j].max(), denoised[:, j].max(), 1e-6)
        ax.plot([0, hi], [0, hi], color="k", lw=0.8, ls="--")
        ax.set_title(str(name), fontsize=9)
        ax.set_xlabel("raw (log1p norm.)")
        ax.set_ylabel("denoised")
    return fig


def plot_zinb_parameters(mu: np.ndarray, theta: np.ndarray, pi: np.ndarray, axes=None, *, bins: int = 50):
    """Histograms of log10 mu, log10 theta and pi over all cell x gene entries (three panels)."""
    fig, axs = style.panel_grid(3, axes, panel=(style.COLUMN_INCHES / 2, 2.6))
    parts = [("log10 mean $\\mu$", np.log10(np.maximum(np.asarray(mu).ravel(), 1e-8))),
             ("log10 dispersion $\\theta$", np.log10(np.maximum(np.asarray(theta).ravel(), 1e-8))),
             ("dropout $\\pi$", np.asarray(pi).ravel())]
    for ax, (label, v) in zip(axs, parts, strict=True):
        plot_histogram(v, ax=ax, bins=bins, xlabel=label, title=label.split(" ")[-1 if "pi" in label else 1],
                       color=DENOISED_COLOR)
    return fig


def plot_masking_statistics(stats: pd.DataFrame, ax=None):
    """Masked and changed fraction against the masking ratio p, with the line y = p."""
    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--", label="y = p")
    ax.errorbar(stats["p"], stats["masked_fraction"], yerr=stats["per_gene_sd"], marker="o", capsize=3,
                color=DENOISED_COLOR, label="masked fraction (+- sd over genes)")
    ax.plot(stats["p"], stats["changed_fraction"], marker="s", color=HVG_COLOR, label="entries actually changed")
    ax.set_xlabel("masking ratio p")
    ax.set_ylabel("fraction of entries")
    ax.set_title("masking statistics")
    style.place_legend(ax, fontsize=style.SMALL)
    return ax


def plot_bars(values: Mapping[str, float], *, ax=None, ylabel: str = "", title: str = "",
              colors: Sequence[str] | None = None, reference: float | None = None, reference_label: str = "",
              fmt: str = "{:.3f}", rotation: float = 15):
    """Labelled bars with their values written on top, and an optional reference line."""
    ax = style.axes_or_new(ax, figsize=(4.5, 3.5))
    names = list(values)
    heights = [float(values[n]) for n in names]
    ax.bar(names, heights, color=colors or [METHOD_COLORS.get(n, RAW_COLOR) for n in names])
    for i, h in enumerate(heights):
        if np.isfinite(h):
            ax.text(i, h, fmt.format(h), ha="center", va="bottom", fontsize=style.SMALL)
    if reference is not None:
        ax.axhline(reference, color="k", lw=1, ls="--", label=reference_label or None)
        if reference_label:
            style.place_legend(ax, fontsize=style.SMALL)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_xticks(range(len(names)), names, rotation=rotation, ha="right" if rotation else "center")
    return ax


def plot_assignment_heatmap(matrix: np.ndarray, labels, *, ax=None, title: str = "", n: int = 300,
                            seed: int = 0, cmap: str = "magma", vmax: float | None = 1.0):
    """Heatmap of a cells x clusters assignment matrix, cells sampled and sorted by ``labels``."""
    ax = style.axes_or_new(ax, figsize=(3.6, 3.6))
    idx = sample_sorted(labels, n, seed=seed)
    image = ax.imshow(np.asarray(matrix)[idx], aspect="auto", cmap=cmap, vmin=0, vmax=vmax,
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xlabel("cluster")
    ax.set_ylabel(f"cell ({idx.size}, sorted by cluster)")
    ax.set_title(title, fontsize=9)
    ax.grid(visible=False)
    return ax




def plot_cluster_sizes(initial, final, n_clusters: int, *, ax=None):
    """Cells per cluster before (initial k-means) and after the fine-tune, side by side."""
    ax = style.axes_or_new(ax, figsize=(max(4.0, 0.5 * n_clusters + 2), 3.2))
    x = np.arange(n_clusters)
    width = 0.4
    ax.bar(x - width / 2, cells_per_cluster(initial, n_clusters), width, color=RAW_COLOR, label="initial")
    ax.bar(x + width / 2, cells_per_cluster(final, n_clusters), width, color=DENOISED_COLOR, label="final")
    ax.set_xlabel("cluster")
    ax.set_ylabel("cells")
    ax.set_title("cluster sizes")
    style.place_legend(ax, fontsize=style.SMALL)
    return ax
