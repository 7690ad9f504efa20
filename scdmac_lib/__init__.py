"""scDMAC companion: the method (Xu et al., 2026) and the machinery that reproduces the paper.

The few names an analyst needs are here, as ``sc.pp.*`` is in scanpy::

    import scdmac_lib as sd
    sd.scdmac(adata, n_clusters=8)              # cluster an AnnData of raw counts
    sd.estimate_n_clusters(adata.X)             # when k is not known
    sd.fit_scdmac(x, sd.make_config(8))         # the pipeline on a count matrix

The package is layered; each layer imports only from the layers above it in this list:
``runtime`` (paths, threads, atomic writes), ``method`` (the paper: one file per stage),
``data`` (manifest, sources, readers, catalogue), ``api`` (the AnnData entry points),
``evaluation`` (metrics, statistics, stage diagnosis), ``runs`` (baselines, profiles, the run
cache and archive, the run plan, the study), ``report`` (reported values, comparisons, claims),
``book`` (page helpers, plots, tables, the papermill runner) and ``cli`` (the ``scdmac`` command).
``tests/test_layers.py`` keeps it so.
"""

from __future__ import annotations

__version__ = "0.1.0"

_PUBLIC = {
    "scdmac": "scdmac_lib.api.cluster",
    "estimate_n_clusters": "scdmac_lib.api.kestimate",
    "fit_scdmac": "scdmac_lib.method.pipeline",
    "make_config": "scdmac_lib.method.config",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    """The public names, imported on first use (``import scdmac_lib`` stays fast: no torch)."""
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    msg = f"module 'scdmac_lib' has no attribute {name!r}"
    raise AttributeError(msg)
