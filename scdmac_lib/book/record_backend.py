"""matplotlib's Agg backend, writing each saved PNG's legibility record into the file.

Use it for one save (``fig.savefig(path, backend=scdmac_lib.book.legibility.BACKEND)``, as
:func:`scdmac_lib.book.page.save_figure` does) or for a whole script the book runs
(``MPLBACKEND=module://scdmac_lib.book.record_backend``): the PNG then carries the smallest text it
draws and the data its legends cover (:func:`scdmac_lib.book.legibility.measure`), which the book
check reads.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

from scdmac_lib.book import legibility


class FigureCanvasRecording(FigureCanvasAgg):
    """Agg, whose PNGs hold the figure's :class:`~scdmac_lib.book.legibility.Record`."""

    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_ignored):
        # savefig passes dpi, facecolor, ... (already applied to the figure), which Agg's own
        # print_png is spared by matplotlib only for its own backends; inside savefig the figure has
        # the saving dpi and, with bbox_inches="tight", the cropped size
        record = legibility.measure(self.figure, dpi=self.figure.dpi, width_px=int(self.figure.bbox.width))
        super().print_png(filename_or_obj, metadata={**(metadata or {}), **legibility.metadata(record)},
                          pil_kwargs=pil_kwargs)


FigureCanvas = FigureCanvasRecording
