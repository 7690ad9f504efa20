"""The results archive: the stored runs of the quick plan, committed beside the source.

A reader's build takes each run from here when its identity (dataset, method, seed, resolved
configuration and code fingerprint, :meth:`~scdmac_lib.runs.specs.RunSpec.identity`) matches and
the dataset it ran on has the same digest, and computes it otherwise. Layout of the folder
(``archive/`` at the repository root, or ``$SCDMAC_ARCHIVE``; ``SCDMAC_ARCHIVE=off`` ignores it)::

    ARCHIVE.json          what computed it: profile, commit, device, threads, versions, date, counts
    index.csv             one row per run: key, dataset, method, seed, overrides, ARI, NMI
    runs/<key>.json       one run: identity, spec, metrics, timings, diagnostics, thinned loss
                          histories, provenance, the dataset's digest, labels, and the sha256 of
                          all of it (and of its embedding file)
    embeddings/<key>.npy  the embedding, only for the runs a page plots (float32, no pickle)

Files are plain JSON and ``.npy``, sorted and rounded so that the same results give the same bytes,
and carry no timestamp (the date is in ``ARCHIVE.json`` alone).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scdmac_lib.runs.cache import RunResult
from scdmac_lib.runs.specs import RunSpec, make_spec
from scdmac_lib.runtime import files, paths
from scdmac_lib.runtime.files import jsonable

logger = logging.getLogger(__name__)

ARCHIVE_ENV = "SCDMAC_ARCHIVE"
FORMAT = 1
MAX_HISTORY_POINTS = 25  # per loss curve; the first and last steps are always kept (the 10 MB budget)
_OFF = {"off", "0", "false", "no", "none"}
_INDEX_COLUMNS = ("key", "dataset", "method", "seed", "overrides", "ari", "nmi")


class ArchiveError(ValueError):
    """A stored run that cannot be read, or whose content does not match its own checksums or key."""


def archive_dir() -> Path | None:
    """The archive folder in use, or ``None`` when it is switched off (``SCDMAC_ARCHIVE=off``)."""
    value = os.environ.get(ARCHIVE_ENV, "").strip()
    if value.lower() in _OFF and value:
        return None
    return Path(value).expanduser().resolve() if value else paths.REPO_ROOT / "archive"


def spec_id(spec: RunSpec) -> str:
    """The spec as one line of sorted JSON (what two stored runs of the same spec share across code versions)."""
    return json.dumps(spec.as_dict(), sort_keys=True)


def _round(value: float, digits: int = 6) -> float:
    return float(f"{value:.{digits}g}") if np.isfinite(value) else value


def thin_history(history: dict[str, dict[str, list[float]]], max_points: int = MAX_HISTORY_POINTS):
    """Each stage's loss curves at no more than ``max_points`` evenly spread steps (first and last kept),
    with the step numbers under ``"step"`` and the stage's full length under ``"n_steps"``."""
    out = {}
    for stage, curves in history.items():
        n = max((len(v) for v in curves.values()), default=0)
        steps = np.unique(np.round(np.linspace(0, n - 1, min(n, max_points))).astype(int)) if n else np.array([], int)
        thinned: dict[str, Any] = {"n_steps": n, "step": steps.tolist()}
        for name, values in curves.items():
            values = np.asarray(values, dtype=float)
            thinned[name] = [_round(values[s]) for s in steps if s < len(values)]
        out[stage] = thinned
    return out


def rethin_history(history: dict[str, dict[str, Any]], max_points: int = MAX_HISTORY_POINTS):
    """An archived (already thinned) history at no more than ``max_points`` of its stored steps per stage,
    spread evenly (first and last kept); a stage with fewer points is returned as it is."""
    out = {}
    for stage, curves in history.items():
        steps = curves.get("step", [])
        if len(steps) <= max_points:
            out[stage] = curves
            continue
        keep = np.unique(np.round(np.linspace(0, len(steps) - 1, max_points)).astype(int))
        out[stage] = {name: (values if name == "n_steps" else [values[i] for i in keep if i < len(values)])
                      for name, values in curves.items()}
    return out


def _content_sha256(entry: dict[str, Any]) -> str:
    """sha256 of an entry's canonical JSON without its own checksum (any edit of any field changes it)."""
    body = {k: v for k, v in entry.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def to_entry(result: RunResult, *, embedding_file: str | None) -> dict[str, Any]:
    """The archive's JSON of one run (see the module docstring)."""
    prov = {k: v for k, v in result.provenance.items() if k != "finished_at"}
    history = rethin_history(result.history) if result.origin == "archive" else thin_history(result.history)
    entry = jsonable({
        "format": FORMAT, "key": result.spec.key(), "identity": result.spec.identity(), "spec": result.spec.as_dict(),
        "dataset_sha256": result.dataset_sha256,
        "metrics": {k: _round(v) for k, v in sorted(result.metrics.items())},
        "timings": {k: round(v, 1) for k, v in sorted(result.timings.items())},
        "diagnostics": {k: _round(v) for k, v in sorted(result.diagnostics.items())},
        "history": history, "config": result.config, "provenance": prov,
        "labels": [int(v) for v in np.asarray(result.labels)], "embedding": embedding_file,
    })
    entry["embedding_sha256"] = None
    return entry


def _dump(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"


def read_entry(path: Path) -> dict[str, Any]:
    """One stored run's JSON, checked: it parses, its format is known, its key is the hash of its
    identity, and its content matches its checksum. Raises :class:`ArchiveError` naming the problem."""
    try:
        entry = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"{path.name}: cannot be read as JSON ({err})"
        raise ArchiveError(msg) from None
    try:
        if entry["format"] != FORMAT:
            msg = f"{path.name}: archive format {entry['format']!r}, this code reads {FORMAT}"
            raise ArchiveError(msg)
        key = hashlib.sha256(json.dumps(entry["identity"], sort_keys=True, default=list).encode()).hexdigest()[:16]
        if key != entry["key"] or path.stem != key:
            msg = f"{path.name}: its identity hashes to {key}, not to its key {entry['key']} (edited by hand?)"
            raise ArchiveError(msg)
        if _content_sha256(entry) != entry["sha256"]:
            msg = f"{path.name}: its content does not match its sha256 (damaged or edited)"
            raise ArchiveError(msg)
        make_spec(**{**entry["spec"], "overrides": dict(entry["spec"]["overrides"])})
    except (KeyError, TypeError) as err:
        msg = f"{path.name}: a field is missing or malformed ({err!r})"
        raise ArchiveError(msg) from None
    return entry


def _result(spec: RunSpec, entry: dict[str, Any], root: Path) -> RunResult:
    embedding = None
    if entry["embedding"]:
        path = root / entry["embedding"]
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["embedding_sha256"]:
            msg = f"{entry['embedding']}: the embedding does not match its sha256 (damaged or edited)"
            raise ArchiveError(msg)
        embedding = np.load(path, allow_pickle=False)
        if len(embedding) != len(entry["labels"]):
            msg = f"{entry['embedding']}: {len(embedding)} rows for {len(entry['labels'])} cells"
            raise ArchiveError(msg)
    return RunResult(spec, entry["metrics"], entry["timings"], entry["diagnostics"], entry["history"],
                     entry["provenance"], np.asarray(entry["labels"], dtype=np.int64), embedding, entry["config"],
                     entry["dataset_sha256"], origin="archive")


def read(spec: RunSpec, root: Path | None = None) -> RunResult | None:
    """The archived run of ``spec`` (its current key), or ``None`` when the archive has none (or is off).

    A stored run that fails its checks is reported (logged) and treated as absent: the build
    computes it; ``scdmac runs status`` fails on it.
    """
    root = root or archive_dir()
    if root is None:
        return None
    path = root / "runs" / f"{spec.key()}.json"
    if not path.is_file():
        return None
    try:
        return _result(spec, read_entry(path), root)
    except (ArchiveError, OSError, ValueError) as err:
        logger.warning("ignoring the archived run %s: %s", path.name, err)
        return None


def holds(spec: RunSpec, root: Path | None = None) -> bool:
    """Whether the archive has a file for ``spec``'s current key (its content is checked when read)."""
    root = root or archive_dir()
    return root is not None and (root / "runs" / f"{spec.key()}.json").is_file()


@functools.cache
def _index(root: Path) -> dict[str, str]:
    """spec id -> key of every stored run (read from ``index.csv`` once per process)."""
    path = root / "index.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {json.dumps({"dataset": r["dataset"], "method": r["method"], "seed": int(r["seed"]),
                        "overrides": json.loads(r["overrides"])}, sort_keys=True): r["key"] for r in rows}


def why_not_archived(spec: RunSpec, root: Path | None = None) -> str:
    """Why the archive does not serve ``spec``: off, missing, or stale (and what changed)."""
    root = root or archive_dir()
    if root is None:
        return f"the archive is off (${ARCHIVE_ENV})"
    stored_key = _index(root).get(spec_id(spec))
    if stored_key is None:
        return "not in the archive"
    if stored_key == spec.key():
        return "in the archive but unreadable or computed on other data"
    try:
        stored = read_entry(root / "runs" / f"{stored_key}.json")["identity"]
    except ArchiveError as err:
        return f"the archived copy is damaged ({err})"
    now = spec.identity()
    changed = [what for what, k in (("code", "code"), ("configuration", "config"), ("schema", "schema"))
               if stored.get(k) != now.get(k)]
    detail = ""
    if "configuration" in changed:
        keys = sorted(k for k in set(stored["config"]) | set(now["config"]) if stored["config"].get(k) != now["config"].get(k))
        detail = f" ({', '.join(keys[:4])}{', ...' if len(keys) > 4 else ''})"
    return f"stale: the {' and '.join(changed) or 'identity'}{detail} changed since it was archived"


def _index_csv(entries: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_INDEX_COLUMNS)
    for e in entries:
        s = e["spec"]
        writer.writerow([e["key"], s["dataset"], s["method"], s["seed"], json.dumps(s["overrides"]),
                         e["metrics"].get("ari", ""), e["metrics"].get("nmi", "")])
    return buffer.getvalue()


def write(results: Sequence[RunResult], *, embeddings_for: Iterable[str], manifest: dict[str, Any],
          root: Path | None = None) -> Path:
    """Replace the archive at ``root`` with ``results`` (atomically: the old one stays until the new one is whole).

    ``embeddings_for`` are the keys whose embedding is stored; ``manifest`` is written to
    ``ARCHIVE.json`` with the counts added.
    """
    root = Path(root) if root is not None else paths.REPO_ROOT / "archive"
    want = set(embeddings_for)
    entries = []
    with files.atomic_folder(root) as tmp:
        (tmp / "runs").mkdir()
        (tmp / "embeddings").mkdir()
        for res in sorted(results, key=lambda r: (r.spec.dataset, r.spec.method, r.spec.seed, r.spec.key())):
            key = res.spec.key()
            emb = None
            if key in want:
                if res.embedding is None:
                    msg = f"run {key} ({res.spec.dataset}, {res.spec.method}) has no embedding to archive"
                    raise ValueError(msg)
                emb = f"embeddings/{key}.npy"
                np.save(tmp / emb, np.asarray(res.embedding, dtype=np.float32))
            entry = to_entry(res, embedding_file=emb)
            if emb is not None:
                entry["embedding_sha256"] = hashlib.sha256((tmp / emb).read_bytes()).hexdigest()
            entry["sha256"] = _content_sha256(entry)
            (tmp / "runs" / f"{key}.json").write_text(_dump(entry))
            entries.append(entry)
        (tmp / "index.csv").write_text(_index_csv(entries))
        counts = {"runs": len(entries), "embeddings": sum(e["embedding"] is not None for e in entries)}
        (tmp / "ARCHIVE.json").write_text(json.dumps({"format": FORMAT, **manifest, **counts}, indent=1, sort_keys=True) + "\n")
        (tmp / "README.md").write_text(README)
    _index.cache_clear()
    return root


def manifest(root: Path | None = None) -> dict[str, Any]:
    """``ARCHIVE.json`` of the archive (empty when there is none)."""
    root = root or archive_dir()
    path = None if root is None else root / "ARCHIVE.json"
    return json.loads(path.read_text()) if path is not None and path.is_file() else {}


def problems(root: Path | None = None) -> list[str]:
    """Every stored run that is corrupt or whose identity cannot be read, and index rows without a run."""
    root = root or archive_dir()
    if root is None or not root.is_dir():
        return []
    out = []
    keys = set()
    for path in sorted((root / "runs").glob("*.json")):
        try:
            entry = read_entry(path)
            keys.add(entry["key"])
            emb = root / entry["embedding"] if entry["embedding"] else None
            if emb is not None and not emb.is_file():
                out.append(f"{path.name}: its embedding file {entry['embedding']} is missing")
            elif emb is not None and hashlib.sha256(emb.read_bytes()).hexdigest() != entry["embedding_sha256"]:
                out.append(f"{entry['embedding']}: the embedding does not match its sha256 (damaged or edited)")
        except ArchiveError as err:
            out.append(str(err))
    out += [f"index.csv lists {k}, which has no readable run file" for k in sorted(set(_index(root).values()) - keys)]
    return out


README = """\
# The results archive

The stored results of every run the quick book reads, so that the book builds in minutes from a
fresh clone. Written by `scdmac runs archive` (or `bash tools/book.sh quick --recompute
--refresh-archive`); read by the book build, which uses a stored run only when its identity (dataset,
method, seed, resolved configuration and code fingerprint) equals the one the code computes now and
the dataset has the same digest, and computes it otherwise.

- `ARCHIVE.json`: profile, commit, device, threads, library versions and date of the computation.
- `index.csv`: one row per run (key, dataset, method, seed, overrides, ARI, NMI).
- `runs/<key>.json`: one run: identity, spec, metrics, timings (0.1 s), diagnostics, loss histories
  thinned to at most 25 points per curve, provenance, the dataset's digest, the labels, and the
  sha256 of all of it (and of the embedding file), so that any edit shows.
- `embeddings/<key>.npy`: the embedding (float32, `numpy.load(..., allow_pickle=False)`), only for
  the runs a page plots.

`scdmac runs status` says how much of each profile's plan this covers and what is stale;
`scdmac runs verify --sample N` recomputes N stored runs at random and compares them. Every refresh
adds its size to the repository's history: refresh rarely (when the method's code changes), never
for a change that leaves the runs' identities as they are.
"""
