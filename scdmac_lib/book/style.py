"""What every figure shares: the palette, the matplotlib settings, the axes and grid helpers and the
labelled scatter (one of each, used by :mod:`~scdmac_lib.book.plots_results` and
:mod:`~scdmac_lib.book.plots_stages`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

METHOD_COLORS = {
    "scDMAC": "#c0392b",
    "scDMAC-Z": "#e67e22",
    "scDMAC-W": "#f1c40f",
    "scDMAC-P": "#d35400",
    "PCA + k-means": "#7f8c8d",
    "Leiden (Seurat-style)": "#2980b9",
    "scDeepCluster-style": "#27ae60",
    "scziDesk-style": "#8e44ad",
    "scVI + k-means": "#16a085",
    "reported": "#34495e",
}


def set_style() -> None:
    """Seaborn's white grid with readable fonts, used by every notebook."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "savefig.bbox": "tight"})


def axes_or_new(ax=None, figsize=(5.0, 3.5)):
    """``ax``, or the Axes of a new figure of ``figsize`` when it is ``None``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def panel_grid(n: int, axes=None, *, ncols: int | None = None, panel=(4.0, 3.2)):
    """``(figure, n Axes)``: the given ``axes`` (flattened), or a new grid of ``ncols`` columns whose
    unused panels are hidden."""
    import matplotlib.pyplot as plt

    if axes is not None:
        flat = list(np.ravel(axes))
        if len(flat) < n:
            msg = f"axes has {len(flat)} panels but {n} are needed."
            raise ValueError(msg)
        return flat[0].figure, flat[:n]
    ncols = max(1, min(ncols or n, n))
    nrows = max(1, math.ceil(n / ncols))
    fig, grid = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False)
    flat = list(grid.ravel())
    for extra in flat[n:]:
        extra.set_visible(False)
    return fig, flat[:n]


def _natural(value: str):
    return (0, int(value), "") if value.lstrip("-").isdigit() else (1, 0, value)


def plot_labelled_scatter(xy: np.ndarray, labels: Sequence, *, ax=None, title: str = "", point_size: float = 6.0,
                          legend: bool = True, max_legend: int = 20):
    """Scatter of 2-D coordinates coloured by categorical ``labels`` (numbers in numeric order; tab10 for
    up to ten categories, tab20 above); the legend beside the panel; returns the Axes."""
    import matplotlib.pyplot as plt

    ax = axes_or_new(ax, figsize=(4.2, 3.8))
    labels = np.asarray(labels).astype(str)
    cats = sorted(set(labels), key=_natural)
    cmap = plt.get_cmap("tab20" if len(cats) > 10 else "tab10")
    for i, cat in enumerate(cats):
        sel = labels == cat
        ax.scatter(xy[sel, 0], xy[sel, 1], s=point_size, color=cmap(i % cmap.N), label=cat, alpha=0.8, linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    if legend and len(cats) <= max_legend:
        ax.legend(fontsize=6, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return ax
