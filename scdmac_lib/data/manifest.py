"""The dataset manifest (``data_manifest.csv``): one row per dataset, read and checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scdmac_lib.data.sources import Source
from scdmac_lib.runtime import paths

MANIFEST_COLUMNS = (
    "name", "stands_for", "role", "available", "url", "checksum", "filename", "reader",
    "n_cells", "n_genes", "n_types", "label_key", "accession", "citation", "fallback", "verified",
    "notes",
)


INT_COLUMNS = ("n_cells", "n_genes", "n_types")


ROLES = ("stand-in", "extra", "paper", "fallback")


PAPER_ROLES = ("paper", "fallback")


def list_datasets() -> pd.DataFrame:
    """Return the dataset manifest, one row per dataset.

    Returns
    -------
    DataFrame with the columns of ``data_manifest.csv`` (see the module docstring):
    ``available`` is boolean, ``n_cells``, ``n_genes`` and ``n_types`` are integers and the
    text columns hold ``""`` where empty. Multi-file datasets keep ``;``-separated lists in
    ``filename``, ``url`` and ``sha256``.

    Examples
    --------
    >>> from scdmac_lib import data
    >>> frame = data.list_datasets()
    >>> frame.loc[frame["available"], "name"].tolist()[:3]
    ['zeisel', 'pollen', 'deng']
    """
    path = paths.manifest_path()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in MANIFEST_COLUMNS if c not in frame.columns]
    if missing:
        msg = f"{path.name} lacks the column(s) {missing}."
        raise ValueError(msg)
    if frame["name"].duplicated().any():
        dups = frame.loc[frame["name"].duplicated(), "name"].tolist()
        msg = f"{path.name} lists these dataset names more than once: {dups}."
        raise ValueError(msg)
    flags = {"true": True, "false": False}
    frame["available"] = frame["available"].str.strip().str.lower().map(flags)
    if frame["available"].isna().any():
        msg = f"{path.name}: the 'available' column must hold true or false."
        raise ValueError(msg)
    frame["available"] = frame["available"].astype(bool)
    for col in INT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col]).astype("int64")
    unknown = sorted(set(frame["role"]) - set(ROLES))
    if unknown:
        msg = f"{path.name}: unknown role(s) {unknown}; use one of {list(ROLES)}."
        raise ValueError(msg)
    bad = sorted(set(frame["fallback"]) - set(frame["name"]) - {""})
    if bad:
        msg = f"{path.name}: the fallback column names no dataset of the manifest: {bad}."
        raise ValueError(msg)
    return frame[list(MANIFEST_COLUMNS)]


def manifest_row(name: str) -> pd.Series:
    frame = list_datasets()
    if not isinstance(name, str) or name not in set(frame["name"]):
        known = ", ".join(frame["name"])
        msg = f"unknown dataset {name!r}: the manifest lists {known}."
        raise ValueError(msg)
    return frame.loc[frame["name"] == name].iloc[0]


def split_list(value: str) -> list[str]:
    return [part.strip() for part in str(value).split(";")] if str(value).strip() else []


def raw_files(row: pd.Series) -> list[tuple[str, Source]]:
    """``(filename, source)`` for each raw file of one manifest row."""
    filenames, urls, sums = split_list(row["filename"]), split_list(row["url"]), split_list(row["checksum"])
    if not filenames or not (len(filenames) == len(urls) == len(sums)):
        msg = (
            f"manifest row {row['name']!r}: filename, url and checksum must list the same number "
            f"of ';'-separated entries (got {len(filenames)}, {len(urls)}, {len(sums)})."
        )
        raise ValueError(msg)
    try:
        return [(f, Source.parse(u, c)) for f, u, c in zip(filenames, urls, sums, strict=True)]
    except ValueError as err:
        msg = f"manifest row {row['name']!r}: {err}"
        raise ValueError(msg) from None


def require_available(row: pd.Series) -> None:
    if not row["available"]:
        msg = (
            f"dataset {row['name']!r} is not available: the manifest records no public file with "
            f"a checksum for it. {row['notes']}".rstrip()
        )
        frame = list_datasets()
        same = frame["available"] & (frame["stands_for"] == row["stands_for"])
        stand_in = frame.loc[same, "name"].tolist()
        if row["stands_for"] and stand_in:
            msg += f" Use the stand-in {stand_in[0]!r} instead, and say it is not the paper's data."
        raise ValueError(msg)


def converted_path(name: str) -> Path:
    """Where the converted (canonical AnnData) copy of dataset ``name`` is cached."""
    return paths.cache_dir() / "datasets" / f"{name}.h5ad"


def raw_dir() -> Path:
    """Where downloaded raw files are kept (``<cache>/raw``)."""
    return paths.cache_dir() / "raw"
