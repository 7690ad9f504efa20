"""Which matrix of an AnnData scDMAC clusters, and where its results go back.

Analysts usually keep raw counts in ``layers["counts"]`` or ``.raw`` and log-normalized values in
``X``. :func:`counts_matrix` picks the matrix the caller names (``layer=`` / ``use_raw=``) and, when
``X`` holds non-integer values while a layer or ``.raw`` of whole counts is at hand, refuses with a
message naming the option to pass rather than silently clustering log values.
:func:`check_key_free` refuses to overwrite an earlier run's results, and :func:`result_keys` names
where a run's results go, so that a written file keeps everything its input had.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from scdmac_lib.method.checks import check_counts


def _values(x) -> np.ndarray:
    return x.data if sp.issparse(x) else np.asarray(x).ravel()


def holds_counts(x) -> bool:
    """Whether ``x`` holds only finite, non-negative whole numbers (and is not empty)."""
    values = _values(x)
    if x.shape[0] == 0 or x.shape[1] == 0 or not np.issubdtype(values.dtype, np.number):
        return False
    return bool(np.isfinite(values).all() and (values >= 0).all() and np.allclose(values, np.round(values)))


def matrix_name(*, layer: str | None = None, use_raw: bool = False) -> str:
    """How a page or a record names the chosen matrix: ``X``, ``layers['counts']`` or ``raw.X``."""
    if use_raw:
        return "raw.X"
    return "X" if layer is None else f"layers[{layer!r}]"


def _count_alternatives(adata) -> list[tuple[str, str]]:
    """(API argument, command-line option) of every layer or ``.raw`` that holds whole counts."""
    found = [(f"layer={name!r}", f"--layer {name}") for name in adata.layers if holds_counts(adata.layers[name])]
    if adata.raw is not None and holds_counts(adata.raw.X):
        found.append(("use_raw=True", "--use-raw"))
    return found


def counts_matrix(adata, *, layer: str | None = None, use_raw: bool = False):
    """The count matrix to cluster: ``X``, ``layers[layer]`` or ``raw.X``, checked.

    Parameters
    ----------
    adata
        The AnnData (cells as rows).
    layer
        Name of a layer of raw counts, or ``None`` for ``X``.
    use_raw
        Cluster ``adata.raw.X`` (its genes are ``adata.raw.var_names``).

    Returns
    -------
    The matrix (dense or sparse), cells x genes, with one row per cell of ``adata``.

    Raises
    ------
    ValueError
        Both ``layer`` and ``use_raw``; an unknown layer; ``use_raw`` without ``.raw``; a matrix that
        cannot hold counts (empty, NaN, negative); or an ``X`` that is not counts while a layer or
        ``.raw`` holds whole counts (the message says which argument to pass).

    Warns
    -----
    NotCountsWarning
        The chosen matrix holds non-integer values and nothing else in ``adata`` holds counts.
    """
    if layer is not None and use_raw:
        msg = f"pass either layer={layer!r} or use_raw=True, not both: they name two different matrices."
        raise ValueError(msg)
    if use_raw:
        if adata.raw is None:
            msg = "use_raw=True, but this AnnData has no .raw: drop the option, or pass layer= for a counts layer."
            raise ValueError(msg)
        x = adata.raw.X
    elif layer is not None:
        if layer not in adata.layers:
            known = ", ".join(repr(k) for k in adata.layers) or "none"
            msg = f"layers[{layer!r}] does not exist (layers: {known})."
            raise ValueError(msg)
        x = adata.layers[layer]
    else:
        x = adata.X
        if x is None:
            msg = "X is empty (None): pass layer= for a layer of raw counts, or use_raw=True."
            raise ValueError(msg)
        options = [] if holds_counts(x) else _count_alternatives(adata)
        if options:
            where = " or ".join(f"{api} (command line: {cli})" for api, cli in options)
            msg = (f"X does not hold raw counts (non-integer or negative values: log-normalized or scaled?), "
                   f"but counts are at hand: pass {where} to cluster them. scDMAC's ZINB stage models counts.")
            raise ValueError(msg)
    check_counts(x, name=matrix_name(layer=layer, use_raw=use_raw))
    return x


def result_keys(key_added: str) -> dict[str, str]:
    """Where a run stored under ``key_added`` writes: ``obs``, ``obsm`` and ``uns`` keys."""
    return {"obs": f"{key_added}_cluster", "obsm": f"X_{key_added}", "uns": key_added}


def check_key_free(adata, key_added: str) -> None:
    """Refuse to overwrite an earlier run's results stored under ``key_added``."""
    if not isinstance(key_added, str) or not key_added.strip():
        msg = f"key_added must be a non-empty string, got {key_added!r}."
        raise ValueError(msg)
    keys = result_keys(key_added)
    taken = [f"{slot}[{key!r}]" for slot, key in keys.items() if key in getattr(adata, slot)]
    if taken:
        msg = (f"this AnnData already holds results under key_added={key_added!r} ({', '.join(taken)}): "
               f"pass another key_added (command line: --key-added {key_added}_2) to keep both, "
               "or overwrite=True (command line: --overwrite) to replace them.")
        raise ValueError(msg)
