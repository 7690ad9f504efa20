"""Plots of the results notebooks: ours vs reported bars, sensitivity sweeps, 2-D embedding panels.

Each helper draws one panel on ``ax`` (a new figure when ``None``) and returns the Axes; the
``*_grid`` helpers lay out one panel per dataset, two to a row, with one legend above the panels
(:func:`scdmac_lib.book.style.shared_legend`), and return the Figure. Every figure fits the book's
article column (:data:`scdmac_lib.book.style.COLUMN_INCHES`) so that its text shows at its own size,
and no legend sits on data. Colours come from :data:`scdmac_lib.book.style.METHOD_COLORS`; call
:func:`scdmac_lib.book.style.set_style` first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scdmac_lib.book import style
from scdmac_lib.data import catalogue
from scdmac_lib.report import reported

REPORTED_COLOR = style.METHOD_COLORS["reported"]
REPORTED_LABEL = "reported by the paper"
PANEL = (style.COLUMN_INCHES / 2, 2.2)  # two panels to a row of the column
TITLE = 10  # points: panel titles


def _reported_handle():
    from matplotlib.patches import Patch

    return Patch(facecolor="white", edgecolor=REPORTED_COLOR, hatch="///", label=REPORTED_LABEL)


def plot_ours_vs_reported(long: pd.DataFrame, dataset: str, *, metric: str = "ARI", ax=None, labels: bool = True):
    """Bars for one dataset: per method, ours (mean, sd whiskers) and the paper's value beside it (hatched).

    ``long`` is a :func:`scdmac_lib.report.compare.side_by_side` table. A method with no reported value gets
    no reported bar (its reason is in the table). ``labels``: the method names under the bars (a grid
    writes them under its lowest panels only). Returns the Axes.
    """
    ax = style.axes_or_new(ax, figsize=PANEL)
    sub = long[long["dataset"] == dataset]
    if sub.empty:
        msg = f"dataset {dataset!r} is not in the table (datasets: {sorted(set(long['dataset']))})."
        raise ValueError(msg)
    x = np.arange(len(sub))
    width = 0.4
    sd = np.nan_to_num(sub["ours_sd"].to_numpy(dtype=float))
    for xi, method, mean, err in zip(x, sub["method"], sub["ours_mean"], sd, strict=True):
        ax.bar(xi - width / 2, mean, width, yerr=err, color=style.METHOD_COLORS.get(method, "#95a5a6"), capsize=2,
               error_kw={"lw": 0.8}, label=method)
    rep = sub["reported"].to_numpy(dtype=float)
    has = ~np.isnan(rep)
    if has.any():
        ax.bar(x[has] + width / 2, rep[has], width, color="white", edgecolor=REPORTED_COLOR, hatch="///",
               label=REPORTED_LABEL)
    ax.set_xticks(x, list(sub["method"]) if labels else [""] * len(x), rotation=35, ha="right", fontsize=style.SMALL)
    ax.grid(axis="x", visible=False)
    ax.tick_params(axis="y", labelsize=style.SMALL)
    ax.set_ylabel(metric, fontsize=style.SMALL + 1)
    top = np.nanmax(np.concatenate([sub["ours_mean"].to_numpy(float) + sd, rep, [1.0]]))
    ax.set_ylim(min(0.0, float(np.nanmin(sub["ours_mean"]))), 1.05 * top)
    note = "" if has.any() else ": no paper value"
    ax.set_title(f"{catalogue.label(dataset)}{note}", fontsize=TITLE)
    return ax


def plot_ours_vs_reported_grid(long: pd.DataFrame, *, metric: str = "ARI", ncols: int = 2):
    """One :func:`plot_ours_vs_reported` panel per dataset, the methods named under the panels of the last
    row and in one legend (in the spare panel, or above); returns the Figure."""
    datasets = list(dict.fromkeys(long["dataset"]))
    fig, axes = style.panel_grid(len(datasets), ncols=ncols, panel=PANEL, layout="constrained")
    per_row = sum(1 for ax in fig.axes if ax.get_subplotspec().rowspan.start == 0)
    last_row = len(datasets) - (len(datasets) % per_row or per_row)
    for i, (d, ax) in enumerate(zip(datasets, axes, strict=True)):
        plot_ours_vs_reported(long, d, metric=metric, ax=ax, labels=i >= last_row)
    style.shared_legend(fig, axes, extra=[(_reported_handle(), REPORTED_LABEL)], ncols=3)
    return fig


def plot_scdmac_vs_reported(frame: pd.DataFrame, *, metrics: Sequence[str] = ("ARI", "NMI")):
    """One panel per metric: scDMAC's mean (sd whiskers) per dataset, the paper's value as a marker.

    ``frame`` has one row per (dataset, metric) with ``dataset, metric, ours_mean, ours_sd,
    reported`` (the reproducibility report's scDMAC table); a dataset with no paper column has no
    marker. One legend above the panels. Returns the Figure.
    """
    fig, axes = style.panel_grid(len(metrics), ncols=len(metrics), panel=(PANEL[0], 2.9), layout="constrained")
    for metric, ax in zip(metrics, axes, strict=True):
        sub = frame[frame["metric"].str.upper() == metric.upper()]
        x = np.arange(len(sub))
        sd = np.nan_to_num(sub["ours_sd"].to_numpy(dtype=float))
        ax.bar(x, sub["ours_mean"], 0.6, yerr=sd, capsize=3, color=style.METHOD_COLORS["scDMAC"],
               label="scDMAC, ours (mean ± sd)")
        rep = sub["reported"].to_numpy(dtype=float)
        has = ~np.isnan(rep)
        if has.any():
            ax.plot(x[has], rep[has], ls="none", marker="D", ms=6, mfc="white", mec=REPORTED_COLOR, mew=1.6,
                    label=REPORTED_LABEL)
        ax.set_xticks(x, [catalogue.label(d) for d in sub["dataset"]], rotation=40, ha="right", fontsize=style.SMALL)
        ax.grid(axis="x", visible=False)
        ax.tick_params(axis="y", labelsize=style.SMALL)
        ax.set_ylim(0, 1.05)
        ax.set_title(metric, fontsize=TITLE)
    style.shared_legend(fig, axes)
    return fig


_SWEEP_STYLES = {"ari": ("ARI", "#c0392b", "o"), "nmi": ("NMI", "#2c3e50", "s")}


def plot_sweep(summary: pd.DataFrame, param: str, dataset: str, *, ax=None, label: str | None = None,
               legend: bool = True):
    """ARI and NMI (mean over seeds, sd whiskers) against one sweep parameter on one dataset.

    ``summary`` comes from :func:`scdmac_lib.report.compare.summarize_sweep`. The paper's reported optimum
    is a vertical line (or a band for a range), and the values the paper quotes at the optimum for
    the matching paper dataset, if any, are drawn as stars labelled "reported". ``legend``: a legend
    beside the panel (a grid draws one for all its panels instead). Returns the Axes.
    """
    ax = style.axes_or_new(ax, figsize=PANEL)
    sub = summary[summary["dataset"] == dataset].sort_values("sweep_value")
    for m, (name, color, marker) in _SWEEP_STYLES.items():
        if f"{m}_mean" not in sub:
            continue
        ax.plot(sub["sweep_value"], sub[f"{m}_mean"], color=color, marker=marker, ms=4, label=f"{name} (ours)")
        if f"{m}_sd" in sub:
            ax.errorbar(sub["sweep_value"], sub[f"{m}_mean"], yerr=np.nan_to_num(sub[f"{m}_sd"].to_numpy(dtype=float)),
                        fmt="none", ecolor=color, capsize=2)
    info = reported.SWEEPS[param]
    lo, hi = info["optimum"]
    if abs(hi - lo) < 1e-12:
        ax.axvline(lo, color=REPORTED_COLOR, ls="--", lw=1, label=f"paper's optimum ({lo:g})")
    else:
        ax.axvspan(lo, hi, color=REPORTED_COLOR, alpha=0.12, label=f"paper's optimum ({lo:g}-{hi:g})")
    peak = reported.reported_peak_points(param, dataset)
    if peak is not None:
        x0 = (lo + hi) / 2
        for value, (name, color, _) in zip(peak, _SWEEP_STYLES.values(), strict=True):
            if not math.isnan(value):
                ax.plot([x0], [value], marker="*", ms=11, color=color, mec="black", mew=0.5, ls="none",
                        label=f"{name} {REPORTED_LABEL}")
    ax.set_xlabel(label or info["label"], fontsize=style.SMALL + 1)
    ax.set_ylabel("score", fontsize=style.SMALL + 1)
    ax.tick_params(labelsize=style.SMALL)
    ax.margins(y=0.12)  # room for the stars' tips at the top
    ax.set_title(catalogue.label(dataset), fontsize=TITLE)
    if legend:
        ax.legend(fontsize=style.SMALL, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return ax


def plot_sweep_grid(summary: pd.DataFrame, param: str, *, ncols: int = 2):
    """One :func:`plot_sweep` panel per dataset of the sweep, one legend for them (in the spare panel, or
    above); returns the Figure (the page's heading and the caption name the figure)."""
    datasets = list(dict.fromkeys(summary["dataset"]))
    fig, axes = style.panel_grid(max(1, len(datasets)), ncols=ncols, panel=PANEL, layout="constrained")
    for d, ax in zip(datasets, axes, strict=False):
        plot_sweep(summary, param, d, ax=ax, legend=False)
    style.shared_legend(fig, axes[:len(datasets)])
    return fig


def plot_embedding_pair(panel, *, method: str = "t-SNE"):
    """Fig. 4 for one dataset: a :class:`~scdmac_lib.book.projection.Panel` coloured by the annotated types
    (left) and by scDMAC's clusters (right), two square panels as wide as the column, each legend under
    its panel (the figure as tall as the longer legend needs); returns the Figure."""
    import matplotlib.pyplot as plt

    side = style.COLUMN_INCHES / 2 - 0.15
    truth, labels = np.asarray(panel.truth).astype(str), np.asarray(panel.labels).astype(str)
    rows = max(math.ceil(len(set(v)) / style.legend_columns(side, sorted(set(v)))) for v in (truth, labels))
    fig, (ax_truth, ax_clusters) = plt.subplots(1, 2, figsize=(style.COLUMN_INCHES, side + 0.7 + 0.2 * rows),
                                                layout="constrained")
    for ax, values, title in ((ax_truth, truth, f"annotated types ({len(set(truth))})"),
                              (ax_clusters, labels, f"scDMAC clusters ({len(set(labels))}), "
                                                    f"ARI {panel.metrics['ari']:.2f}")):
        ax.set_box_aspect(1)
        style.plot_labelled_scatter(panel.xy, values, ax=ax, title=title, legend="below")
    fig.suptitle(f"{catalogue.label(panel.dataset)}: {method} of scDMAC's embedding", fontsize=TITLE + 1)
    return fig
