"""Bioconductor expression objects, read by :mod:`scdmac_lib.data.rds`, as plain Python parts.

Two families are understood:

- ``SummarizedExperiment``, ``RangedSummarizedExperiment`` and ``SingleCellExperiment``: assays
  in the ``assays`` slot (``SimpleAssays`` since 2019, the reference class
  ``ShallowSimpleListAssays`` before), cell annotations in ``colData`` (a ``DataFrame``), gene
  names in ``NAMES`` or, for ranged objects, in the names of ``rowRanges``;
- ``ExpressionSet`` (Biobase): the matrix ``exprs`` in the ``assayData`` environment, cell
  annotations in ``phenoData@data`` and gene names in ``featureData@data``.

Assays may be base R matrices or the Matrix package's ``dgCMatrix`` / ``dgeMatrix``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from scdmac_lib.data.rds import CHAR, ENV, INT, LGL, NIL, REAL, STR, SYM, VEC, RObject

SE_CLASSES = ("SingleCellExperiment", "RangedSummarizedExperiment", "SummarizedExperiment")


ESET_CLASSES = ("ExpressionSet",)


_NULL_SLOT = "\x01NULL\x01"  # how S4 objects store a slot that holds NULL


@dataclass
class Experiment:
    """The parts of an expression object: ``assays`` are genes x cells, as R stores them."""

    r_class: str
    assays: dict[str, np.ndarray | sp.spmatrix]
    cells: pd.DataFrame  # one row per cell, indexed by cell name
    genes: list[str] | None


def r_class(obj: RObject) -> str:
    """The first entry of the object's ``class`` attribute (or its type's name)."""
    cls = obj.attributes.get("class")
    if cls is not None and cls.value:
        return str(cls.value[0].value)
    return {VEC: "list", STR: "character", INT: "integer", REAL: "numeric", NIL: "NULL"}.get(
        obj.type, f"type {obj.type}")


def strings(obj: RObject | None) -> list[str | None] | None:
    """A character vector (or a factor, or a numeric vector) as a list of ``str``; ``None`` for NULL.

    R's missing values (``NA``, also a factor's ``NA`` code and a numeric ``NaN``) stay missing: they
    become ``None``, never the string ``"NA"``.
    """
    if obj is None or obj.type == NIL or (obj.type == SYM and obj.value == _NULL_SLOT):
        return None
    if obj.type == STR:
        return [str(c.value) if c.type == CHAR and c.value is not None else None for c in obj.value]
    if r_class(obj) == "factor":
        levels = strings(obj.attributes["levels"])
        return [None if code is np.ma.masked else levels[int(code) - 1] for code in obj.value]
    values = obj.value if np.ma.isMaskedArray(obj.value) else np.ma.masked_invalid(obj.value)
    return [None if v is np.ma.masked else str(v) for v in values]


def _named(obj: RObject) -> dict[str, RObject]:
    names = strings(obj.attributes.get("names")) or []
    return dict(zip(names, obj.value, strict=True))


def _slot(obj: RObject, name: str, what: str) -> RObject:
    if name not in obj.attributes:
        msg = f"{what}: the {r_class(obj)} object has no slot {name!r}: not a layout this reader knows."
        raise ValueError(msg)
    return obj.attributes[name]


def matrix(obj: RObject, what: str) -> np.ndarray | sp.csc_matrix:
    """A base R matrix (column-major) or a ``dgCMatrix`` / ``dgeMatrix`` as numpy / scipy."""
    cls = r_class(obj)
    if cls == "dgCMatrix":
        n_rows, n_cols = (int(v) for v in _slot(obj, "Dim", what).value)
        return sp.csc_matrix((np.asarray(obj.attributes["x"].value, dtype=np.float64),
                              np.asarray(obj.attributes["i"].value), np.asarray(obj.attributes["p"].value)),
                             shape=(n_rows, n_cols))
    if cls == "dgeMatrix":
        n_rows, n_cols = (int(v) for v in _slot(obj, "Dim", what).value)
        return np.asarray(obj.attributes["x"].value, dtype=np.float64).reshape((n_rows, n_cols), order="F")
    dim = obj.attributes.get("dim")
    if obj.type not in (INT, REAL, LGL) or dim is None:
        msg = f"{what}: an assay of class {cls!r} is not supported (dense matrix or dgCMatrix expected)."
        raise ValueError(msg)
    values = obj.value
    if np.ma.is_masked(values):
        msg = f"{what}: the matrix holds missing values (NA)."
        raise ValueError(msg)
    n_rows, n_cols = (int(v) for v in dim.value)
    return np.asarray(np.ma.getdata(values), dtype=np.float64).reshape((n_rows, n_cols), order="F")


def _dimnames(obj: RObject) -> tuple[list[str] | None, list[str] | None]:
    names = obj.attributes.get("dimnames") or obj.attributes.get("Dimnames")
    if names is None or names.type != VEC:
        return None, None
    return strings(names.value[0]), strings(names.value[1])


def data_frame(obj: RObject, what: str) -> pd.DataFrame:
    """An R ``data.frame`` or S4 ``DataFrame`` (columns as strings or numbers, row names as index).

    Missing values stay missing: ``None`` in a column of strings or factor levels, ``NaN`` in a
    numeric one.
    """
    if r_class(obj) in ("DFrame", "DataFrame"):
        columns, rownames = _named(_slot(obj, "listData", what)), strings(obj.attributes.get("rownames"))
        n_rows = int(_slot(obj, "nrows", what).value[0])
    else:
        columns = _named(obj)
        row_names = obj.attributes.get("row.names")
        compact = row_names is not None and row_names.type == INT and len(row_names.value) == 2 \
            and row_names.value[0] is np.ma.masked
        rownames = None if compact else strings(row_names)
        n_rows = abs(int(row_names.value[1])) if compact else len(rownames or [])
    frame = pd.DataFrame(index=pd.Index(rownames) if rownames else pd.RangeIndex(n_rows))
    for key, column in columns.items():
        if column.type == STR or r_class(column) == "factor":
            frame[key] = strings(column)
        elif column.type in (INT, REAL, LGL) and len(column.value) == n_rows:
            frame[key] = np.ma.filled(np.asarray(column.value, dtype=np.float64), np.nan)
    return frame


def _summarized_experiment(obj: RObject, what: str) -> Experiment:
    container = _slot(obj, "assays", what)
    if ".xData" in container.attributes:  # ShallowSimpleListAssays: a reference class (environment)
        env = container.attributes[".xData"]
        # A typed field's value sits in '.->data'; 'data' is then an active binding to it.
        field = next((env.value[k] for k in (".->data", "data") if env.type == ENV and k in env.value), None)
        if field is None:
            msg = f"{what}: the old-style assay container holds no 'data' field."
            raise ValueError(msg)
        simple_list = field
    else:
        simple_list = _slot(container, "data", what)
    raw_assays = _named(_slot(simple_list, "listData", what))
    assays = {name: matrix(value, f"{what}, assay {name!r}") for name, value in raw_assays.items()}
    cells = data_frame(_slot(obj, "colData", what), what)
    genes = strings(obj.attributes.get("NAMES"))
    if genes is None and "rowRanges" in obj.attributes:
        ranges = obj.attributes["rowRanges"]
        holder = ranges.attributes.get("partitioning", ranges)  # GRangesList keep names there
        genes = strings(holder.attributes.get("NAMES"))
    if genes is None and raw_assays:
        genes = _dimnames(next(iter(raw_assays.values())))[0]
    return Experiment(r_class(obj), assays, cells, genes)


def _expression_set(obj: RObject, what: str) -> Experiment:
    env = _slot(obj, "assayData", what)
    bindings = env.value if env.type == ENV else _named(env)
    if "exprs" not in bindings:
        msg = f"{what}: the ExpressionSet's assayData holds no 'exprs' matrix (has {sorted(bindings)})."
        raise ValueError(msg)
    exprs = bindings["exprs"]
    cells = data_frame(_slot(_slot(obj, "phenoData", what), "data", what), what)
    features = data_frame(_slot(_slot(obj, "featureData", what), "data", what), what)
    genes = [str(g) for g in features.index] if len(features.index) else _dimnames(exprs)[0]
    cell_names = _dimnames(exprs)[1]
    if isinstance(cells.index, pd.RangeIndex) and cell_names:
        cells.index = pd.Index(cell_names)
    return Experiment("ExpressionSet", {"exprs": matrix(exprs, f"{what}, exprs")}, cells, genes)


def experiment(obj: RObject, what: str) -> Experiment:
    """Convert an expression object; any other class is refused with its name.

    Parameters
    ----------
    obj
        An object from :func:`scdmac_lib.data.rds.read`.
    what
        How to name the object in error messages (usually the file name).
    """
    cls = r_class(obj)
    if cls in SE_CLASSES:
        return _summarized_experiment(obj, what)
    if cls in ESET_CLASSES:
        return _expression_set(obj, what)
    msg = (f"{what} holds an R object of class {cls!r}; this reader takes a SingleCellExperiment, "
           f"SummarizedExperiment or ExpressionSet. Check that the file is the one the manifest names.")
    raise ValueError(msg)
