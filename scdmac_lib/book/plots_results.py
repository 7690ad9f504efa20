"""Plots of the results notebooks: ours vs reported bars, sensitivity sweeps, 2-D embedding panels.

Each helper draws one panel on ``ax`` (a new figure when ``None``) and returns the Axes; the
``*_grid`` helpers lay out one panel per dataset and return the Figure. Colours come from
:data:`scdmac_lib.book.style.METHOD_COLORS`; call :func:`scdmac_lib.book.style.set_style` first.
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




def plot_ours_vs_reported(long: pd.DataFrame, dataset: str, *, metric: str = "ARI", ax=None):
    """Grouped bars for one dataset: per method, ours (mean, sd whiskers) beside the paper's value.

    ``long`` is a :func:`scdmac_lib.report.compare.side_by_side` table. A method with no reported value gets
    no reported bar (its reason is in the table). Returns the Axes.
    """
    ax = style.axes_or_new(ax, figsize=(5.5, 3.5))
    sub = long[long["dataset"] == dataset]
    if sub.empty:
        msg = f"dataset {dataset!r} is not in the table (datasets: {sorted(set(long['dataset']))})."
        raise ValueError(msg)
    x = np.arange(len(sub))
    width = 0.38
    colors = [style.METHOD_COLORS.get(m, "#95a5a6") for m in sub["method"]]
    sd = np.nan_to_num(sub["ours_sd"].to_numpy(dtype=float))
    ax.bar(x - width / 2, sub["ours_mean"], width, yerr=sd, color=colors, capsize=2, label="ours (mean ± sd)")
    rep = sub["reported"].to_numpy(dtype=float)
    has = ~np.isnan(rep)
    if has.any():
        ax.bar(x[has] + width / 2, rep[has], width, color="white", edgecolor=REPORTED_COLOR, hatch="///",
               label="reported (paper)")
    ax.set_xticks(x)
    ax.set_xticklabels(sub["method"], rotation=35, ha="right", fontsize=8)
    ax.set_ylabel(metric)
    ax.set_ylim(min(0.0, float(np.nanmin(sub["ours_mean"]))), 1.18)
    note = "" if has.any() else " (no reported column)"
    ax.set_title(f"{catalogue.label(dataset)}{note}", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    return ax


def plot_ours_vs_reported_grid(long: pd.DataFrame, *, metric: str = "ARI", ncols: int = 3):
    """One :func:`plot_ours_vs_reported` panel per dataset; returns the Figure."""
    datasets = list(dict.fromkeys(long["dataset"]))
    fig, axes = style.panel_grid(len(datasets), ncols=ncols, panel=(4.8, 3.8))
    for d, ax in zip(datasets, axes, strict=True):
        plot_ours_vs_reported(long, d, metric=metric, ax=ax)
    fig.tight_layout()
    return fig


def plot_scdmac_vs_reported(frame: pd.DataFrame, *, metrics: Sequence[str] = ("ARI", "NMI")):
    """One panel per metric: scDMAC's mean (sd whiskers) per dataset, the paper's value as a marker.

    ``frame`` has one row per (dataset, metric) with ``dataset, metric, ours_mean, ours_sd,
    reported`` (the reproducibility report's scDMAC table); a dataset with no paper column has no
    marker. Returns the Figure.
    """
    fig, axes = style.panel_grid(len(metrics), ncols=len(metrics), panel=(5.2, 3.6))
    for metric, ax in zip(metrics, axes, strict=True):
        sub = frame[frame["metric"].str.upper() == metric.upper()]
        x = np.arange(len(sub))
        sd = np.nan_to_num(sub["ours_sd"].to_numpy(dtype=float))
        ax.bar(x, sub["ours_mean"], 0.6, yerr=sd, capsize=3, color=style.METHOD_COLORS["scDMAC"],
               label="scDMAC, ours (mean ± sd)")
        rep = sub["reported"].to_numpy(dtype=float)
        has = ~np.isnan(rep)
        if has.any():
            ax.plot(x[has], rep[has], ls="none", marker="D", ms=7, mfc="white", mec=REPORTED_COLOR, mew=1.6,
                    label="reported by the paper")
        ax.set_xticks(x)
        ax.set_xticklabels([catalogue.label(d) for d in sub["dataset"]], rotation=35, ha="right", fontsize=8)
        ax.set_ylim(0, 1.12)
        ax.set_ylabel(metric)
        ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def plot_sweep(summary: pd.DataFrame, param: str, dataset: str, *, ax=None, label: str | None = None):
    """ARI and NMI (mean over seeds, sd whiskers) against one sweep parameter on one dataset.

    ``summary`` comes from :func:`scdmac_lib.report.compare.summarize_sweep`. The paper's reported optimum
    is a vertical line (or a band for a range), and the values the paper quotes at the optimum for
    the matching paper dataset, if any, are drawn as stars labelled "reported". Returns the Axes.
    """
    ax = style.axes_or_new(ax, figsize=(4.5, 3.4))
    sub = summary[summary["dataset"] == dataset].sort_values("sweep_value")
    styles = {"ari": ("ARI", "#c0392b", "o"), "nmi": ("NMI", "#2c3e50", "s")}
    for m, (name, color, marker) in styles.items():
        if f"{m}_mean" not in sub:
            continue
        err = np.nan_to_num(sub[f"{m}_sd"].to_numpy(dtype=float)) if f"{m}_sd" in sub else None
        ax.errorbar(sub["sweep_value"], sub[f"{m}_mean"], yerr=err, color=color, marker=marker, ms=4,
                    capsize=2, label=f"{name} (ours)")
    info = reported.SWEEPS[param]
    lo, hi = info["optimum"]
    if abs(hi - lo) < 1e-12:
        ax.axvline(lo, color=REPORTED_COLOR, ls="--", lw=1, label=f"paper's optimum ({lo:g})")
    else:
        ax.axvspan(lo, hi, color=REPORTED_COLOR, alpha=0.12, label=f"paper's optimum ({lo:g}-{hi:g})")
    peak = reported.reported_peak_points(param, dataset)
    if peak is not None:
        x0 = (lo + hi) / 2
        for value, (name, color, _) in zip(peak, styles.values(), strict=True):
            if not math.isnan(value):
                ax.plot([x0], [value], marker="*", ms=11, color=color, mec="black", mew=0.5, ls="none",
                        label=f"{name} reported ({catalogue.paper_column(dataset)}, paper)")
    ax.set_xlabel(label or info["label"])
    ax.set_ylabel("score")
    ax.set_title(catalogue.label(dataset), fontsize=10)
    ax.legend(fontsize=7)
    return ax


def plot_sweep_grid(summary: pd.DataFrame, param: str, *, ncols: int = 3):
    """One :func:`plot_sweep` panel per dataset of the sweep; returns the Figure."""
    datasets = list(dict.fromkeys(summary["dataset"]))
    fig, axes = style.panel_grid(max(1, len(datasets)), ncols=ncols, panel=(4.2, 3.4))
    for d, ax in zip(datasets, axes, strict=False):
        plot_sweep(summary, param, d, ax=ax)
    fig.suptitle(f"{reported.SWEEPS[param]['figure']}: {reported.SWEEPS[param]['label']}", fontsize=11)
    fig.tight_layout()
    return fig




def plot_embedding_panels(panels: Sequence, *, method: str = "t-SNE"):
    """Fig. 4's layout: one row per :class:`~scdmac_lib.book.projection.Panel`, coloured by the annotated
    types (left) and by the clusters with their ARI (right), each dataset named with its kind."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(max(1, len(panels)), 2, figsize=(9.5, 4.0 * max(1, len(panels))), squeeze=False)
    for p, (ax_truth, ax_clusters) in zip(panels, axes, strict=False):
        name = catalogue.label(p.dataset)
        style.plot_labelled_scatter(p.xy, p.truth, ax=ax_truth, title=f"{name}: annotated types ({method})")
        style.plot_labelled_scatter(p.xy, p.labels, ax=ax_clusters, title=f"{name}: scDMAC clusters (ARI {p.metrics['ari']:.2f})")
    fig.tight_layout()
    return fig
