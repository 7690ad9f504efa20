"""Raw files of a manifest dataset: from the local mirror, the cache, or a verified, resumable download."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scdmac_lib.data import sources
from scdmac_lib.data.manifest import converted_path, manifest_row, raw_files, require_available
from scdmac_lib.data.sources import Source
from scdmac_lib.runtime import paths

logger = logging.getLogger(__name__)


def record_path(filename: str) -> Path:
    """Where the sha256 of a file without a published checksum is recorded on first download."""
    return paths.cache_dir() / "raw" / "recorded" / f"{filename}.sha256"


def _check(path: Path, source: Source, filename: str, what_to_do: str) -> None:
    sources.verify(path, source.checksum, record=record_path(filename), what_to_do=what_to_do)


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
    sources.verify(archive, source.archive_checksum, what_to_do=(
        f"{archive} is not the published archive: delete it and fetch again."))
    target = raw_dir / filename
    part = target.with_name(target.name + ".part")
    with _deleted_on_error(part):
        sources.extract_member(archive, source.members, target)
        _check(part, source, filename, "The archive's member is not the published file: report it "
               "rather than changing the manifest.")
        os.replace(part, target)
    return target


def _download(filename: str, source: Source, raw_dir: Path, *, progress: bool) -> Path:
    """Download one raw file (or its archive) into ``raw_dir``, verified; resumable."""
    landing = raw_dir / (source.archive_name if source.members else filename)
    unpublished = (source.archive_checksum or source.checksum).kind == "recorded"
    part = sources.download(source.url, landing, progress=progress, need_size=unpublished)
    with _deleted_on_error(part):
        if sources.looks_like_html(part):
            msg = (f"the server sent an HTML page instead of {landing.name} ({source.url}): the URL "
                   "is wrong or the file has moved; nothing was kept.")
            raise ValueError(msg)
        if not source.members:
            _check(part, source, filename, f"The file at {source.url} is not the published one; "
                   "nothing was kept. Report it rather than changing the checksum.")
            os.replace(part, landing)
            return landing
        sources.verify(part, source.archive_checksum, what_to_do=(
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

    Each file is taken from the local mirror (:func:`scdmac_lib.runtime.paths.mirror_dir`) when it holds
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
    row = manifest_row(name)
    require_available(row)
    return [_fetch_one(filename, source, progress=progress) for filename, source in raw_files(row)]


def present(name: str) -> bool:
    """Whether a dataset can be loaded without the network: converted in the cache, or every raw
    file (or its archive) in the mirror or in ``<cache>/raw``. Checksums are checked by :func:`load`."""
    row = manifest_row(name)
    if not row["available"]:
        return False
    if converted_path(name).is_file():
        return True
    mirror, raw_dir = paths.mirror_dir(), paths.cache_dir() / "raw"
    return all(_mirror_file(mirror, f, s) is not None or (raw_dir / f).is_file() for f, s in raw_files(row))


def where_is(name: str, filename: str, source: Source) -> str:
    found = _mirror_file(paths.mirror_dir(), filename, source)
    if found is not None:
        return "mirror" if found.name == filename else "mirror (archive)"
    if (paths.cache_dir() / "raw" / filename).is_file():
        return "cache"
    return "cache (converted)" if converted_path(name).is_file() else "not here"
