"""Getting one raw file: checksums of three kinds, resumable downloads and members of archives.

A manifest entry names, for each raw file, a **source** and a **checksum**:

- source ``URL`` (the file itself) or ``URL!MEMBER[!MEMBER...]`` (a member of a zip archive,
  nested archives separated by ``!``; wheels are zip archives);
- checksum ``sha256:HEX``, ``git-blob-sha1:HEX`` (the blob id of the file in the git tree it
  comes from: ``sha1(b"blob <size>\0" + data)``) or ``recorded`` (no checksum is published: the
  sha256 is recorded on first download and checked from then on, a weaker guarantee). For a
  member of an archive the entry is ``ARCHIVE_CHECKSUM!FILE_CHECKSUM``: the downloaded archive is
  checked first, then the extracted file.

Downloads go to ``NAME.part`` beside the target and resume from there with an HTTP range request
when interrupted; a file is renamed to its final name only after its checksum matched, so nothing
half-written or unverified is ever read back. A download whose content fails its checksum is
deleted (resuming it would only repeat the error). A resumed reply is appended only when its
``Content-Range`` starts where the ``.part`` file ends; otherwise the download starts again from
zero. A file with a ``recorded`` checksum is downloaded only when the server announces its size:
without a size a cut-off download could not be told from the whole file, and its sha256 would be
recorded as the truth.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import NoReturn

logger = logging.getLogger(__name__)


CHECKSUM_KINDS = ("sha256", "git-blob-sha1", "recorded")


_BLOCK = 1 << 20


_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head")


_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)")


@dataclass(frozen=True)
class Checksum:
    """One expected checksum: ``kind`` is one of :data:`CHECKSUM_KINDS`; ``value`` is hex (or "")."""

    kind: str
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> Checksum:
        """Parse ``sha256:HEX``, ``git-blob-sha1:HEX`` or ``recorded``."""
        kind, _, value = text.strip().partition(":")
        lengths = {"sha256": 64, "git-blob-sha1": 40}
        if kind == "recorded" and not value:
            return cls("recorded")
        if kind not in lengths or len(value) != lengths[kind] or not _is_hex(value):
            msg = (f"checksum {text!r} is not one of 'sha256:<64 hex digits>', "
                   "'git-blob-sha1:<40 hex digits>' or 'recorded'.")
            raise ValueError(msg)
        return cls(kind, value.lower())

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


@dataclass(frozen=True)
class Source:
    """Where one raw file comes from and how it is checked."""

    url: str
    members: tuple[str, ...]  # path of the file inside the archive at ``url`` (nested: several)
    checksum: Checksum  # of the file itself
    archive_checksum: Checksum | None  # of the archive at ``url`` (None when url is the file)

    @classmethod
    def parse(cls, url_entry: str, checksum_entry: str) -> Source:
        """Build a source from the manifest's ``url`` and ``checksum`` entries of one file."""
        url, *members = (part.strip() for part in url_entry.split("!"))
        checksums = [Checksum.parse(part) for part in checksum_entry.split("!")]
        if len(checksums) != (2 if members else 1):
            msg = (f"source {url_entry!r} needs {'two checksums (archive!file)' if members else 'one checksum'}, "
                   f"got {checksum_entry!r}.")
            raise ValueError(msg)
        if members and checksums[0].kind == "recorded":
            msg = f"source {url_entry!r}: the archive needs a published checksum, not 'recorded'."
            raise ValueError(msg)
        return cls(url, tuple(members), checksums[-1], checksums[0] if members else None)

    @property
    def archive_name(self) -> str:
        """The file name the URL downloads to."""
        return self.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


def digest(path: Path, kind: str) -> str:
    """Hex digest of a file: ``sha256`` (also used for ``recorded``) or ``git-blob-sha1``."""
    path = Path(path)
    if kind == "git-blob-sha1":
        hasher = hashlib.sha1(f"blob {path.stat().st_size}\0".encode(), usedforsecurity=False)
    else:
        hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            hasher.update(block)
    return hasher.hexdigest()


def verify(path: Path, checksum: Checksum, *, record: Path | None = None, what_to_do: str = "") -> str:
    """Check ``path`` against ``checksum``; return the digest that was checked.

    For ``recorded``, the sha256 kept in the file ``record`` is the expected value; when there is
    no record yet, the file's sha256 is written there (first download) and returned.

    Raises
    ------
    ValueError
        A mismatch: the message names the file, the kind, both values and ``what_to_do``.
    """
    path = Path(path)
    kind = "sha256" if checksum.kind == "recorded" else checksum.kind
    actual = digest(path, kind)
    expected = checksum.value
    if checksum.kind == "recorded":
        if record is None:
            msg = f"{path.name}: a 'recorded' checksum needs a place to keep the record."
            raise ValueError(msg)
        if not record.is_file():
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(actual + "\n")
            logger.warning("no checksum is published for %s: recorded its sha256 %s in %s",
                           path.name, actual, record)
            return actual
        expected = record.read_text().strip()
    if actual != expected:
        where = f" (recorded on first download in {record})" if checksum.kind == "recorded" else ""
        msg = (f"{kind} checksum mismatch for {path.name} ({path}): expected {expected}{where}, "
               f"got {actual}. {what_to_do}").rstrip()
        raise ValueError(msg)
    return actual


def looks_like_html(path: Path) -> bool:
    """Whether a file starts like an HTML or XML page (a server's error page saved as data)."""
    with Path(path).open("rb") as handle:
        head = handle.read(512).lstrip().lower()
    return head.startswith(_HTML_STARTS)


def content_range(header: str | None) -> tuple[int | None, int | None]:
    """First byte and total size given by a ``Content-Range`` header; ``None`` for what it does not give.

    Examples
    --------
    >>> content_range("bytes 100-199/1000"), content_range("bytes 100-199/*"), content_range("bytes */1000")
    ((100, 1000), (100, None), (None, 1000))
    """
    match = _CONTENT_RANGE.fullmatch((header or "").strip())
    if match is None:
        return None, None
    first, total = match.groups()
    return (int(first) if first else None), (int(total) if total.isdigit() else None)


def _announced_size(headers, start: int) -> int | None:
    """The whole file's size as a reply announces it: the total of its ``Content-Range``, else
    ``start`` plus its ``Content-Length``; ``None`` when it announces neither."""
    total = content_range(headers.get("Content-Range"))[1]
    length = (headers.get("Content-Length") or "").strip()
    if total is None and length.isdigit():
        total = start + int(length)
    return total


def _open(url: str, have: int, timeout: float):
    """The server's reply to a request for ``url`` from byte ``have`` on (``HTTPError`` if it fails)."""
    request = urllib.request.Request(url, headers={"User-Agent": "scdmac-companion"})  # noqa: S310
    if have:
        request.add_header("Range", f"bytes={have}-")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - https from the manifest


def _receive(response, part: Path, *, start: int, total: int | None, url: str, progress: bool) -> None:
    """Write the body of ``response`` into ``part``: appended after byte ``start``, or from zero."""
    from tqdm.auto import tqdm

    name, written = part.name.removesuffix(".part"), start
    with part.open("ab" if start else "wb") as handle, tqdm(
        total=total, initial=start, unit="B", unit_scale=True, desc=name, disable=not progress, leave=False,
    ) as bar:
        try:
            for block in iter(lambda: response.read(_BLOCK), b""):
                handle.write(block)
                written += len(block)
                bar.update(len(block))
        except (OSError, TimeoutError) as err:
            msg = (f"the download of {name} from {url} stopped at {written} bytes ({err}); "
                   "run the fetch again to resume it.")
            raise OSError(msg) from None
    if total is not None and written < total:
        msg = (f"the download of {name} from {url} is truncated: {written} of {total} bytes "
               "arrived; run the fetch again to resume it.")
        raise OSError(msg)


def _misplaced(response, have: int) -> str | None:
    """Why a partial reply (206) does not continue a ``.part`` file of ``have`` bytes; ``None`` when
    it does, or when the reply is the whole file (200)."""
    header = response.headers.get("Content-Range")
    if response.status != HTTPStatus.PARTIAL_CONTENT or content_range(header)[0] == have:
        return None
    return f"asked for the bytes from {have} on, the server sent {header or 'no Content-Range'}"


def _not_whole(headers, have: int, *, need_size: bool) -> str | None:
    """Why a ``.part`` file of ``have`` bytes is not the whole file when the server has nothing left
    to send (416); ``None`` when it is, or when the size is unknown and a published checksum will tell."""
    size = content_range(headers.get("Content-Range"))[1]
    if size == have or (size is None and not need_size):
        return None
    if size is None:
        return "the server does not say how large the file is"
    return f"the server says the file has {size} bytes, not {have}"


def _refuse_unknown_size(url: str, part: Path) -> NoReturn:
    """Delete ``part`` and fail: the reply announces no size, and the file has no published checksum."""
    part.unlink(missing_ok=True)
    msg = (f"the server of {url} does not announce the size of {part.name.removesuffix('.part')} and no "
           "checksum is published for it, so a cut-off download could not be told from the whole file: "
           "nothing was kept and no checksum was recorded. Download the file by hand, check that it is "
           "whole, and place it in the local mirror (SCDMAC_MIRROR), or put its published sha256 in the "
           "manifest's checksum column in place of 'recorded'.")
    raise OSError(msg)


def _restart(url: str, target: Path, why: str, **options) -> Path:
    """Delete the ``.part`` file, which the server's reply does not continue, and download from zero."""
    logger.warning("%s: %s; downloading it again from the start", target.name, why)
    target.with_name(target.name + ".part").unlink(missing_ok=True)
    return download(url, target, **options)


def download(url: str, target: Path, *, progress: bool = True, timeout: float = 60,
             need_size: bool = False) -> Path:
    """Download ``url`` into ``target.part``, resuming a partial download; return the ``.part`` path.

    The caller verifies the ``.part`` file and renames it. A resumed reply (206) is appended only
    when its ``Content-Range`` starts where the ``.part`` file ends; a server that ignores the range
    request, or answers it from another byte, makes the download start again from zero.

    Parameters
    ----------
    url, target
        What to download, and its final path (the ``.part`` file sits beside it).
    progress, timeout
        Show a progress bar; seconds to wait for the server.
    need_size
        Refuse a reply that announces no size (no ``Content-Length``, no total in ``Content-Range``):
        set for a file with no published checksum, whose cut-off download could not be detected.

    Raises
    ------
    OSError
        The server refused the request, or the connection ended before the announced size
        (the ``.part`` file is kept, so running the command again resumes), or ``need_size`` and
        the reply announces no size (nothing is kept).
    """
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.is_file() else 0
    options = {"progress": progress, "timeout": timeout, "need_size": need_size}
    try:
        response = _open(url, have, timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # nothing left to send
            why = _not_whole(err.headers, have, need_size=need_size)
            return part if why is None else _restart(url, target, why, **options)
        msg = f"could not download {target.name} from {url} (HTTP {err.code} {err.reason})."
        raise OSError(msg) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        msg = f"could not download {target.name} from {url} ({reason})."
        raise OSError(msg) from None
    with response:
        misplaced = _misplaced(response, have)
        if misplaced is None:
            start = have if response.status == HTTPStatus.PARTIAL_CONTENT else 0
            total = _announced_size(response.headers, start)
            if total is None and need_size:
                _refuse_unknown_size(url, part)
            _receive(response, part, start=start, total=total, url=url, progress=progress)
            return part
    if not have:
        msg = f"could not download {target.name} from {url}: {misplaced}; nothing was kept."
        raise OSError(msg)
    return _restart(url, target, misplaced, **options)


def extract_member(archive: Path, members: tuple[str, ...], target: Path) -> Path:
    """Extract ``members`` (a path through nested zip archives) into ``target.part``; return it."""
    part = target.with_name(target.name + ".part")
    current, temporaries = archive, []
    try:
        for depth, member in enumerate(members):
            try:
                zipped = zipfile.ZipFile(current)
            except zipfile.BadZipFile:
                msg = f"{current.name} is not a zip archive, so it has no member {member!r}."
                raise ValueError(msg) from None
            with zipped:
                if member not in zipped.namelist():
                    names = ", ".join(zipped.namelist()[:8])
                    msg = (f"the archive {current.name} has no member {member!r} "
                           f"(it holds {names}{', ...' if len(zipped.namelist()) > 8 else ''}).")
                    raise ValueError(msg)
                last = depth == len(members) - 1
                out = part if last else target.with_name(f".{target.name}.level{depth}.zip")
                if not last:
                    temporaries.append(out)
                with zipped.open(member) as source, out.open("wb") as sink:
                    shutil.copyfileobj(source, sink, _BLOCK)
            current = out
    finally:
        for path in temporaries:
            path.unlink(missing_ok=True)
    return part
