"""Conversion of a dataset's raw files to the canonical AnnData, and the verified cache of converted files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib.data.canonical import validate
from scdmac_lib.data.manifest import (
    INT_COLUMNS,
    PAPER_ROLES,
    converted_path,
    manifest_row,
    require_available,
    split_list,
)
from scdmac_lib.data.readers import READERS
from scdmac_lib.data.retrieve import fetch
from scdmac_lib.runtime.files import atomic_path

if TYPE_CHECKING:
    import anndata

#: Bump when the canonical layout or a reader changes, so older cached files are rebuilt.
LAYOUT_VERSION = 2


logger = logging.getLogger(__name__)


def _source(row: pd.Series) -> dict:
    return {"filename": split_list(row["filename"]), "url": split_list(row["url"]),
            "checksum": split_list(row["checksum"]), "accession": row["accession"],
            "citation": row["citation"], "layout_version": LAYOUT_VERSION}


def _read_cached(path: Path, row: pd.Series) -> anndata.AnnData | None:
    """Return the cached dataset, or ``None`` (logging why) when it must be rebuilt."""
    import anndata

    if not path.is_file():
        return None
    try:
        adata = anndata.read_h5ad(path)
    except Exception as err:  # noqa: BLE001 - any read failure means: rebuild from the raw files
        logger.warning("cached %s is unreadable (%s: %s); rebuilding it",
                       path.name, type(err).__name__, err)
        return None
    source = adata.uns.get("source", {})
    expected = _source(row)
    if not isinstance(source, dict):
        source = {}
    recorded = [str(h) for h in np.atleast_1d(source.get("checksum", []))]
    if recorded != expected["checksum"] or int(source.get("layout_version", -1)) != LAYOUT_VERSION:
        logger.warning("cached %s was built from other raw files or an older layout; rebuilding it",
                       path.name)
        return None
    try:
        _check_against_manifest(adata, row)
    except ValueError as err:
        logger.warning("cached %s fails validation (%s); rebuilding it", path.name, err)
        return None
    adata.uns["source"] = {**source, **{k: [str(v) for v in np.atleast_1d(source[k])]
                                        for k in ("filename", "url", "checksum")}}
    adata.uns["source"]["layout_version"] = int(source["layout_version"])
    return adata


def _convert(row: pd.Series, files: list[Path]) -> anndata.AnnData:

    reader = READERS.get(row["reader"])
    if reader is None:
        msg = (f"manifest row {row['name']!r} names an unknown reader {row['reader']!r} "
               f"(known: {sorted(READERS)}).")
        raise ValueError(msg)
    logger.info("converting %s with reader %s", row["name"], row["reader"])
    adata = reader(files)
    adata.uns["dataset"] = str(row["name"])
    adata.uns["source"] = _source(row)
    adata.uns["note"] = str(row["notes"])
    return adata


def table1_check(adata: anndata.AnnData, row: pd.Series) -> dict:
    """Cells, genes and types of a loaded dataset beside the manifest's (for paper rows: Table 1).

    Returns
    -------
    ``{"here": [cells, genes, types], "expected": [...], "differences": "cells 299 vs 301; ..."}``
    (``differences`` is ``""`` when all three agree).
    """
    key = row["label_key"] or "cell_type"
    here = [int(adata.n_obs), int(adata.n_vars), int(adata.obs[key].nunique())]
    expected = [int(row[c]) for c in INT_COLUMNS]
    diffs = [f"{what} {h} vs {e}" for what, h, e in zip(("cells", "genes", "types"), here, expected,
                                                          strict=True) if h != e]
    return {"here": here, "expected": expected, "differences": "; ".join(diffs)}


def _check_against_manifest(adata: anndata.AnnData, row: pd.Series) -> None:
    validate(adata, label_key=row["label_key"] or "cell_type")
    check = table1_check(adata, row)
    if row["role"] in PAPER_ROLES:  # the paper's data: a difference from Table 1 is shown, not fatal
        adata.uns["table1_check"] = check
        if check["differences"]:
            logger.warning("dataset %s differs from the paper's Table 1: %s", row["name"],
                           check["differences"])
        return
    shape, expected = check["here"], check["expected"]
    if check["differences"]:
        msg = (
            f"dataset {row['name']!r} has {shape[0]} cells x {shape[1]} genes x {shape[2]} types, "
            f"but the manifest says {expected[0]} x {expected[1]} x {expected[2]}."
        )
        raise ValueError(msg)


def load(name: str) -> anndata.AnnData:
    """Load one dataset in the canonical layout, converting and caching it on first use.

    How each file was made is documented with its reader in :mod:`scdmac_lib.data.readers`
    and summarised in the manifest's ``notes``.

    Parameters
    ----------
    name
        A dataset name of :func:`list_datasets` whose ``available`` is true.

    Returns
    -------
    AnnData with raw values in ``X`` (CSR float32, cells x genes; whole-number counts unless
    ``uns['value_kind']`` is ``"non-integer"``), labels in ``obs['cell_type']`` and provenance in
    ``uns`` (see the module docstring). For the paper's datasets, ``uns['table1_check']`` holds
    the comparison with Table 1.

    Raises
    ------
    ValueError
        Unknown or unavailable dataset, or a raw file whose checksum is wrong.

    Examples
    --------
    >>> from scdmac_lib import data
    >>> adata = data.load("pbmc10x")  # doctest: +SKIP
    >>> adata.shape  # doctest: +SKIP
    (4271, 2000)
    """
    row = manifest_row(name)
    require_available(row)
    path = converted_path(name)
    cached = _read_cached(path, row)
    if cached is not None:
        logger.debug("using cached %s", path)
        return cached
    adata = _convert(row, fetch(name))
    _check_against_manifest(adata, row)
    with atomic_path(path) as tmp:
        adata.write_h5ad(tmp)
    logger.info("cached %s (%d cells x %d genes) at %s", name, adata.n_obs, adata.n_vars, path)
    return adata
