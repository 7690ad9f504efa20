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


#: the width a notebook's figure gets in the book at a 1280 px window: the 752 px article column less
#: the cell output's indent (measured by tools/check_book.py)
COLUMN_PX = 672
SCREEN_DPI = 110  # a figure is shown at this many pixels per inch, in Jupyter and in the book
SAVE_DPI = 150  # the PNG's pixels per inch
COLUMN_INCHES = COLUMN_PX / SCREEN_DPI  # 6.1 in: a figure up to this wide is shown at its own size
FONT_SCALE = 0.85  # seaborn's notebook sizes x this: titles 10 pt, ticks 9 pt (15 and 14 px as shown)
SMALL = 8.0  # points: the smallest text the helpers write (12 px as shown in the column)


def set_style() -> None:
    """Seaborn's white grid with fonts sized for figures as wide as the book's column, used by every notebook."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=FONT_SCALE)
    mpl.rcParams.update({"figure.dpi": SCREEN_DPI, "savefig.dpi": SAVE_DPI, "savefig.bbox": "tight"})


def axes_or_new(ax=None, figsize=(5.0, 3.5)):
    """``ax``, or the Axes of a new figure of ``figsize`` when it is ``None``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def panel_grid(n: int, axes=None, *, ncols: int | None = None, panel=(4.0, 3.2), layout: str | None = None):
    """``(figure, n Axes)``: the given ``axes`` (flattened), or a new grid of ``panel``-sized panels whose
    unused panels are hidden, ``ncols`` to a row but no more than fit in :data:`COLUMN_INCHES` (the rest
    wrap onto further rows, so that the book shows the grid at its own size); ``layout`` is the new
    figure's layout engine (``"constrained"`` for a :func:`shared_legend`)."""
    import matplotlib.pyplot as plt

    if axes is not None:
        flat = list(np.ravel(axes))
        if len(flat) < n:
            msg = f"axes has {len(flat)} panels but {n} are needed."
            raise ValueError(msg)
        return flat[0].figure, flat[:n]
    fit = max(1, int(COLUMN_INCHES / panel[0] + 1e-9))
    ncols = max(1, min(ncols or n, n, fit))
    nrows = max(1, math.ceil(n / ncols))
    fig, grid = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False,
                             layout=layout)
    flat = list(grid.ravel())
    for extra in flat[n:]:
        extra.set_visible(False)
    return fig, flat[:n]


def _natural(value: str):
    return (0, int(value), "") if value.lstrip("-").isdigit() else (1, 0, value)


def plot_labelled_scatter(xy: np.ndarray, labels: Sequence, *, ax=None, title: str = "", point_size: float = 6.0,
                          legend: bool | str = "below", max_legend: int = 20):
    """Scatter of 2-D coordinates coloured by categorical ``labels`` (numbers in numeric order; tab10 for
    up to ten categories, tab20 above); the legend (up to ``max_legend`` entries) under the panel, in as
    many columns as fit its width (``legend="right"``: beside it; ``False``: none); returns the Axes."""
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
        if legend != "right":
            width = ax.get_position().width * ax.figure.get_size_inches()[0]
            below = -0.12 if ax.get_xlabel() else -0.02  # under the axis label, when there is one
            ax.legend(fontsize=SMALL, markerscale=1.5, loc="upper center", bbox_to_anchor=(0.5, below),
                      ncols=legend_columns(width, cats), frameon=False, handletextpad=0.2, columnspacing=0.8)
        else:
            ax.legend(fontsize=SMALL, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return ax


LEGEND_PLACES = ("upper right", "upper left", "lower right", "lower left", "center right", "center left",
                 "upper center", "lower center")


def place_legend(ax, **kwargs):
    """``ax.legend(**kwargs)`` in the first of :data:`LEGEND_PLACES` where it covers none of the figure's data
    (:func:`scdmac_lib.book.legibility.covered`); where every place covers some, the axes get 35% more
    room at the top and the places are tried again; where still every place does, the legend goes outside
    the axes, on their right. The figure is drawn first, so its layout is the one it will be saved with;
    :func:`refit_legends` places them again once the whole figure is drawn. Returns the Legend."""
    from scdmac_lib.book import legibility

    ax.figure.canvas.draw()  # apply the layout engine: positions as saved
    renderer = ax.figure.canvas.get_renderer()
    for attempt in range(2):
        if attempt:
            low, high = ax.get_ylim()
            ax.set_ylim(low, high + 0.35 * (high - low))
        for place in LEGEND_PLACES:
            legend = ax.legend(loc=place, **kwargs)
            legend.scdmac_kwargs = kwargs  # refit_legends places it again with them
            if not legibility.covered(legend, renderer):
                return legend
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)
    legend.scdmac_kwargs = kwargs
    return legend


def refit_legends(fig) -> None:
    """Place again, after a draw of the whole figure, every :func:`place_legend` legend that now covers data
    (panels drawn after it can move it: a layout engine resizes the axes)."""
    from scdmac_lib.book import legibility

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and hasattr(legend, "scdmac_kwargs") and legibility.covered(legend, renderer):
            place_legend(ax, **legend.scdmac_kwargs)


def legend_columns(width_inches: float, labels: Sequence[str]) -> int:
    """How many columns of a :data:`SMALL` legend of ``labels`` fit in ``width_inches`` (at least one)."""
    entry_pt = 0.62 * SMALL * max(len(str(label)) for label in labels) + 24  # marker, gap and text
    return max(1, min(len(labels), int(width_inches * 72 // entry_pt)))


def shared_legend(fig, axes, *, extra=(), ncols: int | None = None):
    """One legend for the labelled artists of ``axes`` (each label once, then the ``extra`` (handle,
    label) pairs), where it covers no data: in the spare panel of a grid that has one (a hidden
    :func:`panel_grid` panel, one entry to a line), else above the panels (a constrained layout),
    ``ncols`` entries to a row (default: as many of the longest as fit the figure's width)."""
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    for handle, label in extra:
        entries.setdefault(label, handle)
    if not entries:
        return None
    spare = [ax for ax in fig.axes if not ax.get_visible()]
    if spare:
        spare[-1].set_visible(True)
        spare[-1].set_axis_off()
        return spare[-1].legend(list(entries.values()), list(entries), loc="center", fontsize=SMALL, frameon=False)
    longest = max(len(label) for label in entries)
    fit = max(1, int(fig.get_size_inches()[0] * 72 / (0.62 * SMALL * max(longest, 8) + 30)))
    ncols = min(ncols or fit, len(entries))
    order = _row_major(list(entries), ncols)
    return fig.legend([entries[k] for k in order], order, loc="outside upper center", fontsize=SMALL, ncols=ncols,
                      frameon=False)


def _row_major(items: list, ncols: int) -> list:
    """``items`` reordered so that a legend, which fills its ``ncols`` columns top to bottom, reads them
    left to right, row by row."""
    nrows = math.ceil(len(items) / ncols)
    return [items[r * ncols + c] for c in range(ncols) for r in range(nrows) if r * ncols + c < len(items)]
