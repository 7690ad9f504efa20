"""Datasets: the manifest, checksummed raw files, conversion to AnnData and a verified cache.

The manifest
------------
``data_manifest.csv`` (repository root) has **one row per dataset**, columns
``name, stands_for, role, available, url, checksum, filename, reader, n_cells, n_genes,
n_types, label_key, accession, citation, fallback, verified, notes``.

- A dataset made from several raw files lists them in one row: ``filename``, ``url`` and
  ``checksum`` hold ``;``-separated lists of the same length, in the order the reader takes
  them (zeisel: data, names, labels1, labels2).
- ``url`` and ``checksum`` entries follow :mod:`scdmac_lib._sources`: a checksum is
  ``sha256:HEX``, ``git-blob-sha1:HEX`` (the file's blob id in the git tree it comes from) or
  ``recorded`` (none is published: the sha256 is recorded on first download, a weaker check); a
  file inside an archive has the url ``ARCHIVE_URL!MEMBER`` and the checksum
  ``ARCHIVE_CHECKSUM!FILE_CHECKSUM``.
- ``role`` is ``stand-in`` (a smaller public copy standing in for one of the paper's datasets,
  named in ``stands_for``), ``extra`` (not in the paper), ``paper`` (the paper's own Table 1
  dataset from a public, pinned source) or ``fallback`` (a second source of a ``paper``
  dataset, named in that row's ``fallback`` column). ``available`` is true when a public file
  with a checksum is recorded; whether it is on this machine is :func:`present`.
- ``reader`` names a function of :mod:`scdmac_lib._readers` (one per raw format).
- ``n_cells, n_genes, n_types`` are the shape :func:`load` must produce for stand-ins and
  extras; for ``paper`` and ``fallback`` rows they are the paper's Table 1, which the loaded
  data are compared with (:func:`table1_check`): a difference is recorded and shown, never
  silently accepted.
- ``verified`` says what was checked about the source and how.

The pipeline
------------
:func:`fetch` finds each raw file in the local mirror (:func:`scdmac_lib.paths.mirror_dir`,
used in place) or in ``<cache>/raw``, or downloads it there (resumable, with a progress bar),
and always checks its checksum. :func:`load` converts the files with the dataset's reader,
validates the result and caches it as ``<cache>/datasets/<name>.h5ad`` (written atomically).
The cached file records the raw files' checksums in ``uns['source']``; a cache that cannot be
read, that was built from other raw files or that fails validation is rebuilt. The cache folder
is :func:`scdmac_lib.paths.cache_dir` (environment variable ``SCDMAC_CACHE``).
:func:`prefer_paper_data` picks the paper's data in place of a stand-in when it is present.

Canonical layout
----------------
``X`` raw values, CSR float32, cells x genes; ``obs['cell_type']`` categorical labels (plus
``cell_type2`` for zeisel's level-2 subclasses and ``cell_type_coarse`` for deng's two
stages); ``var_names`` gene names or ``gene_{i}``; ``uns['dataset']`` the name;
``uns['source']`` a dict of ``filename``, ``url`` and ``checksum`` lists plus ``citation`` and
``accession``; ``uns['note']`` the manifest's notes; ``uns['value_transform']`` how stored
values became ``X``; ``uns['value_kind']`` ``"counts"`` (whole numbers) or ``"non-integer"``
(Muraro's and Pollen's sources); ``uns['table1_check']`` for the paper's datasets.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib import _sources, checks, paths
from scdmac_lib._sources import Source

if TYPE_CHECKING:
    import anndata

logger = logging.getLogger(__name__)

MANIFEST_COLUMNS = (
    "name", "stands_for", "role", "available", "url", "checksum", "filename", "reader",
    "n_cells", "n_genes", "n_types", "label_key", "accession", "citation", "fallback", "verified",
    "notes",
)
_INT_COLUMNS = ("n_cells", "n_genes", "n_types")
ROLES = ("stand-in", "extra", "paper", "fallback")
PAPER_ROLES = ("paper", "fallback")
VALUE_KINDS = ("counts", "non-integer")
#: Bump when the canonical layout or a reader changes, so older cached files are rebuilt.
LAYOUT_VERSION = 2


# --- manifest ---------------------------------------------------------------------------------


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
    for col in _INT_COLUMNS:
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


def _row(name: str) -> pd.Series:
    frame = list_datasets()
    if not isinstance(name, str) or name not in set(frame["name"]):
        known = ", ".join(frame["name"])
        msg = f"unknown dataset {name!r}: the manifest lists {known}."
        raise ValueError(msg)
    return frame.loc[frame["name"] == name].iloc[0]


def _split(value: str) -> list[str]:
    return [part.strip() for part in str(value).split(";")] if str(value).strip() else []


def _files(row: pd.Series) -> list[tuple[str, Source]]:
    """``(filename, source)`` for each raw file of one manifest row."""
    filenames, urls, sums = _split(row["filename"]), _split(row["url"]), _split(row["checksum"])
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


def _require_available(row: pd.Series) -> None:
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


# --- raw files --------------------------------------------------------------------------------


def _record_path(filename: str) -> Path:
    """Where the sha256 of a file without a published checksum is recorded on first download."""
    return paths.cache_dir() / "raw" / "recorded" / f"{filename}.sha256"


def _check(path: Path, source: Source, filename: str, what_to_do: str) -> None:
    _sources.verify(path, source.checksum, record=_record_path(filename), what_to_do=what_to_do)


def _mirror_file(mirror: Path | None, filename: str, source: Source) -> Path | None:
    """The mirror's copy of the file, or of the archive holding it (``None`` when it has neither)."""
    if mirror is None:
        return None
    if (mirror / filename).is_file():
        return mirror / filename
    if source.members and (mirror / source.archive_name).is_file():
        return mirror / source.archive_name
    return None


@contextmanager
def _deleted_on_error(part: Path) -> Iterator[None]:
    """Delete ``part`` when the block fails: a file that failed a check is never kept."""
    try:
        yield
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _unpack(archive: Path, filename: str, source: Source, raw_dir: Path) -> Path:
    """Verify an archive, extract the file from it, verify the file, then give it its final name."""
    _sources.verify(archive, source.archive_checksum, what_to_do=(
        f"{archive} is not the published archive: delete it and fetch again."))
    target = raw_dir / filename
    part = target.with_name(target.name + ".part")
    with _deleted_on_error(part):
        _sources.extract_member(archive, source.members, target)
        _check(part, source, filename, "The archive's member is not the published file: report it "
               "rather than changing the manifest.")
        os.replace(part, target)
    return target


def _download(filename: str, source: Source, raw_dir: Path, *, progress: bool) -> Path:
    """Download one raw file (or its archive) into ``raw_dir``, verified; resumable."""
    landing = raw_dir / (source.archive_name if source.members else filename)
    part = _sources.download(source.url, landing, progress=progress)
    with _deleted_on_error(part):
        if _sources.looks_like_html(part):
            msg = (f"the server sent an HTML page instead of {landing.name} ({source.url}): the URL "
                   "is wrong or the file has moved; nothing was kept.")
            raise ValueError(msg)
        if not source.members:
            _check(part, source, filename, f"The file at {source.url} is not the published one; "
                   "nothing was kept. Report it rather than changing the checksum.")
            os.replace(part, landing)
            return landing
        _sources.verify(part, source.archive_checksum, what_to_do=(
            f"The archive at {source.url} is not the published one; nothing was kept."))
        os.replace(part, landing)
    try:
        return _unpack(landing, filename, source, raw_dir)
    finally:
        landing.unlink(missing_ok=True)  # the verified member is kept, not the whole archive


def _fetch_one(filename: str, source: Source, *, progress: bool) -> Path:
    mirror = paths.mirror_dir()
    raw_dir = paths.cache_dir() / "raw"
    found = _mirror_file(mirror, filename, source)
    if found is not None and found.name == filename:
        _check(found, source, filename, (
            f"The local mirror ({mirror}, SCDMAC_MIRROR) holds a different or damaged copy: "
            "replace it with the published file or unset SCDMAC_MIRROR."))
        return found
    if (raw_dir / filename).is_file():
        path = raw_dir / filename
        _check(path, source, filename, f"The cached copy is damaged or out of date: delete {path} "
               "and fetch again.")
        return path
    raw_dir.mkdir(parents=True, exist_ok=True)
    if found is not None:  # the mirror holds the archive
        return _unpack(found, filename, source, raw_dir)
    logger.info("downloading %s from %s", filename, source.url)
    return _download(filename, source, raw_dir, progress=progress)


def fetch(name: str, *, progress: bool = False) -> list[Path]:
    """Local, checksum-verified paths of one dataset's raw files, in manifest order.

    Each file is taken from the local mirror (:func:`scdmac_lib.paths.mirror_dir`) when it holds
    the file (or the archive it is a member of), used in place; otherwise from ``<cache>/raw``
    when already downloaded; otherwise it is downloaded from the manifest's URL into
    ``<cache>/raw`` (resuming an interrupted download). The checksum is checked every time; a
    file that fails it is never given its final name.

    Parameters
    ----------
    name
        A dataset name of :func:`list_datasets`.
    progress
        Show a progress bar while downloading.

    Returns
    -------
    One path per raw file.

    Raises
    ------
    ValueError
        Unknown or unavailable dataset, a checksum mismatch, or an HTML page instead of the file.
    OSError
        A download failed or stopped early (run again to resume).
    """
    row = _row(name)
    _require_available(row)
    return [_fetch_one(filename, source, progress=progress) for filename, source in _files(row)]


def present(name: str) -> bool:
    """Whether a dataset can be loaded without the network: converted in the cache, or every raw
    file (or its archive) in the mirror or in ``<cache>/raw``. Checksums are checked by :func:`load`."""
    row = _row(name)
    if not row["available"]:
        return False
    if _cache_path(name).is_file():
        return True
    mirror, raw_dir = paths.mirror_dir(), paths.cache_dir() / "raw"
    return all(_mirror_file(mirror, f, s) is not None or (raw_dir / f).is_file() for f, s in _files(row))


# --- conversion and cache ---------------------------------------------------------------------


def _cache_path(name: str) -> Path:
    return paths.cache_dir() / "datasets" / f"{name}.h5ad"


def _source(row: pd.Series) -> dict:
    return {"filename": _split(row["filename"]), "url": _split(row["url"]),
            "checksum": _split(row["checksum"]), "accession": row["accession"],
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


def _write_atomic(adata: anndata.AnnData, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.partial.h5ad")
    try:
        adata.write_h5ad(tmp)
        tmp.replace(path)  # atomic on one file system: readers never see a partial file
    finally:
        tmp.unlink(missing_ok=True)


def _convert(row: pd.Series, files: list[Path]) -> anndata.AnnData:
    from scdmac_lib._readers import READERS

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
    expected = [int(row[c]) for c in _INT_COLUMNS]
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

    How each file was made is documented with its reader in :mod:`scdmac_lib._readers`
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
    row = _row(name)
    _require_available(row)
    path = _cache_path(name)
    cached = _read_cached(path, row)
    if cached is not None:
        logger.debug("using cached %s", path)
        return cached
    adata = _convert(row, fetch(name))
    _check_against_manifest(adata, row)
    _write_atomic(adata, path)
    logger.info("cached %s (%d cells x %d genes) at %s", name, adata.n_obs, adata.n_vars, path)
    return adata


# --- the paper's datasets ---------------------------------------------------------------------


def _present_copy(name: str) -> str | None:
    """The present copy of one paper dataset: itself, else its fallback, else ``None``."""
    row = _row(name)
    for candidate in (name, row["fallback"]):
        if candidate and present(candidate):
            return candidate
    return None


def prefer_paper_data(names: Iterable[str]) -> list[str]:
    """The datasets to run: the paper's own data in place of a stand-in whenever it is present.

    A stand-in (role ``stand-in``) is replaced by its paper dataset, or that one's fallback, when
    that is :func:`present`; a paper dataset named directly is kept when present (or replaced by
    its present fallback) and dropped when absent; any other name (extras, ``synth-...``) is kept.
    Nothing is downloaded here (see :func:`fetch_paper`).

    Examples
    --------
    >>> from scdmac_lib import data
    >>> data.prefer_paper_data(["deng", "pbmc10x"])  # doctest: +SKIP
    ['deng_paper', 'pbmc10x']
    """
    frame = list_datasets().set_index("name")
    out: list[str] = []
    for name in names:
        role = frame.at[name, "role"] if name in frame.index else None
        chosen: str | None = name
        if role == "stand-in":
            same = (frame["role"] == "paper") & (frame["stands_for"] == frame.at[name, "stands_for"])
            paper = frame.index[same]
            chosen = (_present_copy(paper[0]) if len(paper) else None) or name
        elif role in PAPER_ROLES:
            chosen = _present_copy(name)
        if chosen is not None and chosen not in out:
            out.append(chosen)
    return out


def fetch_paper(*, progress: bool = False) -> pd.DataFrame:
    """Fetch, convert and check each of the paper's datasets (its fallback when the first fails).

    Returns
    -------
    One row per paper dataset: ``dataset`` (the paper's name), ``used`` (the manifest row that
    was loaded, ``""`` when none could be), ``value_kind``, ``table1_differences`` and ``problems``
    (why a source could not be used; empty when the first one worked).
    """
    rows = []
    for _, row in list_datasets().query("role == 'paper'").iterrows():
        record = {"dataset": row["stands_for"], "used": "", "value_kind": "", "table1_differences": "",
                  "problems": ""}
        problems = []
        for candidate in (row["name"], row["fallback"]):
            if not candidate:
                continue
            try:
                fetch(candidate, progress=progress)
                adata = load(candidate)
            except (OSError, ValueError) as err:
                problems.append(f"{candidate}: {err}")
                continue
            record.update(used=candidate, value_kind=adata.uns.get("value_kind", ""),
                          table1_differences=adata.uns["table1_check"]["differences"] or "none")
            break
        record["problems"] = " | ".join(problems)
        rows.append(record)
    return pd.DataFrame(rows)


def _where(name: str, filename: str, source: Source) -> str:
    found = _mirror_file(paths.mirror_dir(), filename, source)
    if found is not None:
        return "mirror" if found.name == filename else "mirror (archive)"
    if (paths.cache_dir() / "raw" / filename).is_file():
        return "cache"
    return "cache (converted)" if _cache_path(name).is_file() else "not here"


def source_table(roles: Iterable[str] = PAPER_ROLES) -> pd.DataFrame:
    """One row per raw file of the datasets with these roles: where it comes from and how it is checked.

    Columns: ``dataset`` (the paper's name), ``name`` (manifest row), ``role``, ``file``, ``url``,
    ``checksum_kind`` (``sha256``, ``git-blob-sha1`` or ``recorded``; archive members show both
    levels), ``checksum``, ``strength`` (what a match proves), ``verified`` (what was checked about
    the source) and ``here`` (``mirror``, ``cache`` or ``not here``).
    """
    strength = {"sha256": "exact: published sha256", "git-blob-sha1": "exact: git blob id of the pinned tree",
                "recorded": "weaker: none published; sha256 recorded on first download"}
    rows = []
    frame = list_datasets()
    for _, row in frame[frame["role"].isin(list(roles))].iterrows():
        for filename, source in _files(row):
            kinds = ([f"{source.archive_checksum.kind} (archive)"] if source.archive_checksum else [])
            record = _record_path(filename)
            value = (record.read_text().strip() + " (recorded here)"
                     if source.checksum.kind == "recorded" and record.is_file() else source.checksum.value)
            rows.append({
                "dataset": row["stands_for"] or row["name"], "name": row["name"], "role": row["role"],
                "file": filename, "url": source.url + "".join(f" -> {m}" for m in source.members),
                "checksum_kind": " + ".join([*kinds, source.checksum.kind]),
                "checksum": value or "(none yet)", "strength": strength[source.checksum.kind],
                "verified": row["verified"], "here": _where(row["name"], filename, source),
            })
    return pd.DataFrame(rows)


# --- user files and validation ----------------------------------------------------------------


def read_h5ad(path: str | os.PathLike[str], *, label_key: str | None = None) -> anndata.AnnData:
    """Read a user's own ``.h5ad`` file and check it can be clustered.

    Parameters
    ----------
    path
        The ``.h5ad`` file.
    label_key
        A column of ``obs`` that must exist (ground-truth labels for scoring), or ``None``.

    Returns
    -------
    The AnnData, unchanged.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Not an HDF5/``.h5ad`` file or a truncated one, a missing ``label_key``, duplicate cell
        or gene names, or a matrix that cannot hold counts (empty, NaN, negative).

    Warns
    -----
    NotCountsWarning
        ``X`` holds non-integer values.
    """
    import anndata
    import h5py

    path = Path(path)
    if not path.exists():
        msg = f"input file {path} does not exist."
        raise FileNotFoundError(msg)
    if path.is_dir():
        msg = f"the input {path} is a folder: give an .h5ad file."
        raise ValueError(msg)
    if not h5py.is_hdf5(path):
        msg = (
            f"{path} is not a readable .h5ad file (truncated or wrong format?): it is not HDF5 "
            "inside. Save the data with adata.write_h5ad(...)."
        )
        raise ValueError(msg)
    try:
        with warnings.catch_warnings():  # duplicate names are refused below with a clearer message
            warnings.filterwarnings("ignore", r"(Observation|Variable) names are not unique",
                                    UserWarning)
            adata = anndata.read_h5ad(path)
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as err:
        msg = (f"{path} is not a readable .h5ad file (truncated or wrong format?): "
               f"{type(err).__name__}: {err}")
        raise ValueError(msg) from None
    checks.check_label_key(adata.obs, label_key)
    checks.check_unique_names(adata.obs_names, what="cell")
    checks.check_unique_names(adata.var_names, what="gene")
    checks.check_counts(adata.X)
    return adata


def validate(adata: anndata.AnnData, *, label_key: str = "cell_type") -> None:
    """Check the canonical layout; raise ``ValueError`` naming the first problem.

    Checks: ``X`` is a CSR float32 matrix of non-negative whole numbers (cells x genes), or of
    non-negative values when ``uns['value_kind']`` is ``"non-integer"`` (a source that publishes no
    integer counts); cell and gene names are unique; ``obs[label_key]`` is a categorical column
    of strings with no missing values.

    Parameters
    ----------
    adata
        The dataset.
    label_key
        The label column of ``obs``.

    Examples
    --------
    >>> import anndata, numpy as np, pandas as pd, scipy.sparse as sp
    >>> a = anndata.AnnData(sp.csr_matrix(np.ones((2, 3), dtype=np.float32)),
    ...                     obs=pd.DataFrame({"cell_type": pd.Categorical(["a", "b"])},
    ...                                      index=["c0", "c1"]))
    >>> validate(a)
    """
    import scipy.sparse as sp

    x = adata.X
    if not (sp.issparse(x) and x.format == "csr"):
        msg = f"X must be a CSR sparse matrix, got {type(x).__name__}."
        raise ValueError(msg)
    if x.dtype != np.float32:
        msg = f"X must be float32, got {x.dtype}."
        raise ValueError(msg)
    with warnings.catch_warnings():  # non-integer values are an error here, raised just below
        warnings.simplefilter("ignore", checks.NotCountsWarning)
        checks.check_counts(x)
    declared = adata.uns.get("value_kind", "counts")
    if declared not in VALUE_KINDS:
        msg = f"uns['value_kind'] must be one of {list(VALUE_KINDS)}, got {declared!r}."
        raise ValueError(msg)
    if declared == "counts" and x.nnz and not np.array_equal(x.data, np.round(x.data)):
        msg = ("X holds non-integer values: the canonical layout holds raw counts (a source without "
               "integer counts must say so with uns['value_kind'] = 'non-integer').")
        raise ValueError(msg)
    checks.check_unique_names(adata.obs_names, what="cell")
    checks.check_unique_names(adata.var_names, what="gene")
    checks.check_label_key(adata.obs, label_key)
    labels = adata.obs[label_key]
    if not isinstance(labels.dtype, pd.CategoricalDtype):
        msg = f"obs[{label_key!r}] must be categorical, got {labels.dtype}."
        raise ValueError(msg)
    if labels.isna().any():
        msg = f"obs[{label_key!r}] has {int(labels.isna().sum())} missing labels."
        raise ValueError(msg)
    if not all(isinstance(c, str) for c in labels.cat.categories):
        msg = f"obs[{label_key!r}] categories must be strings."
        raise ValueError(msg)


__all__ = ["fetch", "fetch_paper", "list_datasets", "load", "prefer_paper_data", "present", "read_h5ad",
           "source_table", "table1_check", "validate"]
