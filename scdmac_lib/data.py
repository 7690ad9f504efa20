"""Datasets: the manifest, checksummed raw files, conversion to AnnData and a verified cache.

The manifest
------------
``data_manifest.csv`` (repository root) has **one row per dataset**, columns
``name, stands_for, role, available, url, sha256, filename, reader, n_cells, n_genes,
n_types, label_key, accession, citation, notes``.

- A dataset made from several raw files lists them in one row: ``filename``, ``url`` and
  ``sha256`` hold ``;``-separated lists of the same length, in the order the reader takes
  them (zeisel: data, names, labels1, labels2).
- ``role`` is ``stand-in`` (a smaller public copy standing in for one of the paper's datasets,
  named in ``stands_for``), ``extra`` (not in the paper) or ``paper`` (the paper's own Table 1
  dataset, with the paper's shape; ``available`` is false and ``url``/``sha256`` are empty).
- ``reader`` names a function of :mod:`scdmac_lib._readers` (one per raw format).
- ``n_cells, n_genes, n_types`` are the shape :func:`load` must produce (for ``paper`` rows:
  the shape the paper reports).

The pipeline
------------
:func:`fetch` finds each raw file in the local mirror (:func:`scdmac_lib.paths.mirror_dir`,
used in place) or downloads it with pooch into ``<cache>/raw``, and always checks its sha256.
:func:`load` converts the files with the dataset's reader, validates the result and caches it
as ``<cache>/datasets/<name>.h5ad`` (written atomically). The cached file records the raw
files' sha256 in ``uns['source']``; a cache that cannot be read, that was built from other raw
files or that fails validation is rebuilt. The cache folder is :func:`scdmac_lib.paths.cache_dir`
(environment variable ``SCDMAC_CACHE``).

Canonical layout
----------------
``X`` raw counts, CSR float32, cells x genes; ``obs['cell_type']`` categorical labels (plus
``cell_type2`` for zeisel's level-2 subclasses and ``cell_type_coarse`` for deng's two
stages); ``var_names`` gene names or ``gene_{i}``; ``uns['dataset']`` the name;
``uns['source']`` a dict of ``filename``, ``url`` and ``sha256`` lists plus ``citation`` and
``accession``; ``uns['note']`` the manifest's notes; ``uns['value_transform']`` how stored
values became counts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib import checks, paths

if TYPE_CHECKING:
    import anndata

logger = logging.getLogger(__name__)

MANIFEST_COLUMNS = (
    "name", "stands_for", "role", "available", "url", "sha256", "filename", "reader",
    "n_cells", "n_genes", "n_types", "label_key", "accession", "citation", "notes",
)
_INT_COLUMNS = ("n_cells", "n_genes", "n_types")
_ROLES = ("stand-in", "extra", "paper")
#: Bump when the canonical layout or a reader changes, so older cached files are rebuilt.
LAYOUT_VERSION = 1


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


def _files(row: pd.Series) -> list[tuple[str, str, str]]:
    """``(filename, url, sha256)`` for each raw file of one manifest row."""
    filenames, urls, hashes = _split(row["filename"]), _split(row["url"]), _split(row["sha256"])
    if not filenames or not (len(filenames) == len(urls) == len(hashes)):
        msg = (
            f"manifest row {row['name']!r}: filename, url and sha256 must list the same number of "
            f"';'-separated entries (got {len(filenames)}, {len(urls)}, {len(hashes)})."
        )
        raise ValueError(msg)
    return list(zip(filenames, urls, hashes, strict=True))


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


def sha256sum(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str, *, what_to_do: str) -> None:
    actual = sha256sum(path)
    if actual != expected.lower():
        msg = (
            f"sha256 checksum mismatch for {path.name} ({path}): "
            f"expected {expected}, got {actual}. {what_to_do}"
        )
        raise ValueError(msg)


def _download(url: str, sha256: str, filename: str, folder: Path) -> Path:
    import pooch

    try:
        return Path(pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename, path=folder,
                                   progressbar=False))
    except ValueError as err:  # pooch's own hash mismatch on the downloaded bytes
        msg = (
            f"sha256 checksum mismatch for {filename} downloaded from {url}: expected {sha256} "
            f"({err}). The file at the URL has changed; report it rather than updating the hash."
        )
        raise ValueError(msg) from err
    except Exception as err:  # noqa: BLE001 - any network failure becomes one clear error
        msg = (
            f"could not download {filename} from {url} ({type(err).__name__}: {err}). Check the "
            f"network, or set SCDMAC_MIRROR to a folder holding {filename}."
        )
        raise OSError(msg) from err


def fetch(name: str) -> list[Path]:
    """Local, checksum-verified paths of one dataset's raw files, in manifest order.

    Each file is taken from the local mirror (:func:`scdmac_lib.paths.mirror_dir`) when it holds
    the file, used in place; otherwise from ``<cache>/raw`` when already downloaded; otherwise it
    is downloaded from the manifest's URL with pooch into ``<cache>/raw``. The sha256 is checked
    every time.

    Parameters
    ----------
    name
        A dataset name of :func:`list_datasets`.

    Returns
    -------
    One path per raw file.

    Raises
    ------
    ValueError
        Unknown or unavailable dataset, or a file whose sha256 is not the manifest's.
    OSError
        A download failed.
    """
    row = _row(name)
    _require_available(row)
    mirror = paths.mirror_dir()
    raw_dir = paths.cache_dir() / "raw"
    out = []
    for filename, url, sha256 in _files(row):
        if mirror is not None and (mirror / filename).is_file():
            path = mirror / filename
            _verify(path, sha256, what_to_do=(
                f"The local mirror ({mirror}, SCDMAC_MIRROR) holds a different or damaged copy: "
                "replace it with the published file or unset SCDMAC_MIRROR."))
        elif (raw_dir / filename).is_file():
            path = raw_dir / filename
            _verify(path, sha256, what_to_do=(
                f"The cached copy is damaged or out of date: delete {path} and fetch again."))
        else:
            logger.info("downloading %s for dataset %s from %s", filename, name, url)
            raw_dir.mkdir(parents=True, exist_ok=True)
            path = _download(url, sha256, filename, raw_dir)
            _verify(path, sha256, what_to_do=f"Delete {path} and fetch again.")
        out.append(path)
    return out


# --- conversion and cache ---------------------------------------------------------------------


def _cache_path(name: str) -> Path:
    return paths.cache_dir() / "datasets" / f"{name}.h5ad"


def _source(row: pd.Series) -> dict:
    filenames, urls, hashes = zip(*_files(row), strict=True)
    return {"filename": list(filenames), "url": list(urls), "sha256": list(hashes),
            "accession": row["accession"], "citation": row["citation"],
            "layout_version": LAYOUT_VERSION}


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
    recorded = [str(h) for h in np.atleast_1d(source.get("sha256", []))]
    if recorded != expected["sha256"] or int(source.get("layout_version", -1)) != LAYOUT_VERSION:
        logger.warning("cached %s was built from other raw files or an older layout; rebuilding it",
                       path.name)
        return None
    try:
        _check_against_manifest(adata, row)
    except ValueError as err:
        logger.warning("cached %s fails validation (%s); rebuilding it", path.name, err)
        return None
    adata.uns["source"] = {**source, **{k: [str(v) for v in np.atleast_1d(source[k])]
                                        for k in ("filename", "url", "sha256")}}
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


def _check_against_manifest(adata: anndata.AnnData, row: pd.Series) -> None:
    validate(adata, label_key=row["label_key"] or "cell_type")
    key = row["label_key"] or "cell_type"
    shape = (adata.n_obs, adata.n_vars, adata.obs[key].nunique())
    expected = tuple(int(row[c]) for c in _INT_COLUMNS)
    if shape != expected:
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
    AnnData with raw counts in ``X`` (CSR float32, cells x genes), labels in
    ``obs['cell_type']`` and provenance in ``uns`` (see the module docstring).

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

    Checks: ``X`` is a CSR float32 matrix of non-negative whole numbers (cells x genes), cell
    and gene names are unique, and ``obs[label_key]`` is a categorical column of strings with
    no missing values.

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
    if x.nnz and not np.array_equal(x.data, np.round(x.data)):
        msg = "X holds non-integer values: the canonical layout holds raw counts."
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


__all__ = ["fetch", "list_datasets", "load", "read_h5ad", "sha256sum", "validate"]
