"""What a saved figure says about its own legibility: its smallest text and the data its legends cover.

:func:`measure` draws a figure once through a renderer that notes every text it draws, and returns
a :class:`Record`: the smallest font in pixels of the PNG saved at ``dpi`` (points x dpi / 72), that
text, and every legend that covers data (a scatter point, a line's vertex, a bar or a value written
on the axes, in display coordinates). The matplotlib backend :data:`BACKEND`
(:mod:`scdmac_lib.book.record_backend`) writes it into a text chunk of every PNG it saves
(:func:`scdmac_lib.book.page.save_figure` saves through it, and a script the book runs can too, with
``MPLBACKEND`` set to it), and :func:`read` reads it back from a PNG's bytes: the book check (``tools/check_book.py``) divides the rendered width of the ``<img>`` by the
image's width to get the smallest text as the reader sees it.
"""

from __future__ import annotations

import io
import json
import math
import struct
from dataclasses import dataclass

import numpy as np

KEY = "scdmac:legibility"  # the PNG text chunk that holds the record (JSON)
BACKEND = "module://scdmac_lib.book.record_backend"  # matplotlib's Agg, writing the record into each PNG


@dataclass(frozen=True)
class Record:
    """A saved figure's legibility: its width and smallest font in pixels of the PNG, that font's
    text, and a description of each legend that covers data (empty when none does)."""

    width_px: int
    text_px: float
    text: str
    legend_covers: tuple[str, ...] = ()

    def displayed_text_px(self, rendered_width: float) -> float:
        """The smallest text in CSS pixels when the image is drawn ``rendered_width`` pixels wide."""
        return self.text_px * rendered_width / self.width_px


def _drawn_texts(fig) -> tuple[list[tuple[float, str]], object]:
    """(font size in points, text) of every non-empty text a draw of ``fig`` renders, and the renderer."""
    from matplotlib.backends.backend_agg import RendererAgg

    class _Recorder(RendererAgg):
        def __init__(self, width, height, dpi):
            super().__init__(width, height, dpi)
            self.texts: list[tuple[float, str]] = []

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):  # noqa: PLR0913
            if s.strip():
                self.texts.append((float(prop.get_size_in_points()), s))
            super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    width, height = fig.get_size_inches() * fig.dpi
    renderer = _Recorder(int(width), int(height), fig.dpi)
    fig.draw(renderer)
    return renderer.texts, renderer


def _in_data_coordinates(artist, ax) -> bool:
    return artist.get_transform().contains_branch(ax.transData)


def _data_points(ax) -> list[tuple[str, np.ndarray]]:
    """(label, display coordinates of points) of the data drawn in ``ax``: line vertices, scatter
    offsets, collection paths; reference lines and bands (axhline, axvspan) are not data."""
    found = []
    for line in ax.lines:
        if line.get_visible() and _in_data_coordinates(line, ax):
            xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
            found.append((line.get_label(), ax.transData.transform(xy)))
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        offsets = np.asarray(coll.get_offsets(), float)
        if len(offsets) and coll.get_offset_transform().contains_branch(ax.transData):
            found.append((coll.get_label(), coll.get_offset_transform().transform(offsets)))
        elif _in_data_coordinates(coll, ax):
            paths = [p.vertices for p in coll.get_paths() if len(p.vertices)]
            if paths:
                found.append((coll.get_label(), coll.get_transform().transform(np.concatenate(paths))))
    return found


def _data_boxes(ax, renderer) -> list[tuple[str, object]]:
    """(label, display box) of the bars, patches and texts drawn in data coordinates of ``ax``."""
    boxes = []
    for patch in ax.patches:
        if patch.get_visible() and _in_data_coordinates(patch, ax):
            boxes.append((patch.get_label(), patch.get_window_extent(renderer)))
    for text in ax.texts:
        if text.get_visible() and text.get_text().strip() and _in_data_coordinates(text, ax):
            boxes.append((repr(text.get_text()), text.get_window_extent(renderer)))
    return boxes


def _within(box, xy: np.ndarray) -> np.ndarray:
    """Which rows of the display coordinates ``xy`` (n x 2) fall inside ``box``."""
    x, y = xy[:, 0], xy[:, 1]
    return (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)


def _name(label: str, kind: str) -> str:
    return kind if not label or label.startswith("_") else f"{kind} {label!r}"


def covered(legend, renderer) -> list[str]:
    """What ``legend`` covers of the data of its figure's axes (a line per series, bar or value label)."""
    box = legend.get_window_extent(renderer)
    hits = []
    for ax in legend.figure.axes:
        if not ax.get_visible():
            continue
        frame = ax.get_window_extent(renderer)
        for label, xy in _data_points(ax):
            inside = _within(box, xy) & _within(frame, xy)
            if inside.any():
                hits.append(f"{int(inside.sum())} point(s) of {_name(label, 'a series')}")
        for label, patch_box in _data_boxes(ax, renderer):
            overlap = patch_box.intersection(patch_box, box)
            if overlap is not None and overlap.width > 1 and overlap.height > 1:
                hits.append(_name(label, "a bar or label"))
    return list(dict.fromkeys(hits))


def legend_covers(fig, renderer) -> list[str]:
    """One line per legend of ``fig`` that covers data of any of its axes (after a draw with ``renderer``)."""
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    covers = []
    for i, legend in enumerate(legends):
        hits = covered(legend, renderer) if legend.get_visible() else []
        if hits:
            covers.append(f"legend {i + 1}{_panel_of(legend)} covers {', '.join(hits)}")
    return covers


def _panel_of(legend) -> str:
    """' (of the panel TITLE)' for a legend of a titled axes, else ''."""
    ax = legend.axes
    title = ax.get_title() if ax is not None else ""
    return f" (of the panel {title!r})" if title else ""


def measure(fig, *, dpi: float, width_px: int) -> Record:
    """Draw ``fig`` once and return its :class:`Record` for a PNG of it saved at ``dpi``, ``width_px`` wide."""
    texts, renderer = _drawn_texts(fig)
    size, text = min(texts, key=lambda t: t[0]) if texts else (math.inf, "")  # no text: nothing to read
    return Record(width_px=int(width_px), text_px=size * dpi / 72, text=" ".join(text.split())[:60],
                  legend_covers=tuple(legend_covers(fig, renderer)))


def png_width(png: bytes) -> int:
    """Width in pixels from a PNG's header (the IHDR chunk)."""
    return struct.unpack(">I", png[16:20])[0]


def metadata(record: Record) -> dict[str, str]:
    """The PNG text chunk that holds ``record`` (``savefig(metadata=...)``)."""
    return {KEY: json.dumps({"width_px": record.width_px, "text_px": round(record.text_px, 2), "text": record.text,
                             "legend_covers": list(record.legend_covers)}, ensure_ascii=True)}


def read(png: bytes) -> Record | None:
    """The :class:`Record` stored in a PNG's text chunks, or ``None`` when it has none."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        raw = getattr(image, "text", {}).get(KEY)
    if raw is None:
        return None
    data = json.loads(raw)
    return Record(int(data["width_px"]), float(data["text_px"]), str(data["text"]), tuple(data["legend_covers"]))
