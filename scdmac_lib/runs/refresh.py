"""What the archive covers of a profile's plan, and rewriting it from this machine's runs.

:func:`status` gives each planned run's state (``archived``, ``stale`` with what changed, or
``missing``); :func:`refresh` rewrites the archive with every run of the plan, taking each from the
cache or keeping its still-valid archived copy, and refuses (naming them) when some are neither,
unless asked for a partial archive (the runs computed so far; ``ARCHIVE.json`` counts the rest).

The archive records runs of committed code only: :func:`refresh` refuses while the result code
(:func:`~scdmac_lib.runs.fingerprint.result_code_paths`) has uncommitted changes, and refuses a run
whose recorded commit is dirty. Runs recorded before a commit was marked dirty only for result-code
changes carry the whole worktree's mark; ``by_fingerprint`` accepts such a run on the fingerprinted
files alone: its identity holds the fingerprint of the code that computed it, which must equal that
of the committed result code, and its ``commit`` becomes that commit (the recorded one is kept under
``recorded_commit``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from scdmac_lib.data.catalogue import dataset_digest
from scdmac_lib.runs import archive
from scdmac_lib.runs.cache import RunResult, load_result
from scdmac_lib.runs.fingerprint import method_fingerprint, result_code_paths
from scdmac_lib.runs.page_runs import embedding_specs, profile_plan
from scdmac_lib.runs.profiles import Profile, get_profile
from scdmac_lib.runs.specs import RunSpec
from scdmac_lib.runtime.provenance import changed_files, git_commit, versions


def status(profile: Profile | str, root: Path | None = None) -> pd.DataFrame:
    """One row per run of ``profile``'s plan: key, dataset, method, seed, ``state`` and ``reason``."""
    rows = []
    for spec in profile_plan(profile):
        held = archive.holds(spec, root)
        rows.append({"key": spec.key(), "dataset": spec.dataset, "method": spec.method, "seed": spec.seed,
                     "state": "archived" if held else ("stale" if "stale" in (why := archive.why_not_archived(spec, root))
                                                        else "missing"),
                     "reason": "" if held else why})
    return pd.DataFrame(rows, columns=["key", "dataset", "method", "seed", "state", "reason"])


def status_summary(frame: pd.DataFrame) -> str:
    """``"549 runs planned: 540 archived, 9 stale, 0 missing"`` from a :func:`status` frame."""
    counts = frame["state"].value_counts()
    return (f"{len(frame)} runs planned: " + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("archived", "stale", "missing")))


def _collect(specs: Sequence[RunSpec], results: Path | None) -> tuple[list[RunResult], list[RunSpec]]:
    found, missing = [], []
    for spec in specs:
        res = load_result(spec, results) or archive.read(spec)
        (found if res is not None else missing).append(res if res is not None else spec)
    return found, missing


def _committed_code() -> str:
    """The commit whose result code the runs must have been computed by; refuses uncommitted result code."""
    code = result_code_paths()
    if changed := changed_files(code):
        msg = (f"the result code has uncommitted changes ({', '.join(changed)}): commit them first, so that every "
               "archived run names the commit whose code computed it.")
        raise ValueError(msg)
    return git_commit(code)


def _attributed(found: list[RunResult], commit: str, *, by_fingerprint: bool) -> list[RunResult]:
    """``found`` with the dirty-commit runs refused, or (``by_fingerprint``) attributed to ``commit``."""
    dirty = [r for r in found if str(r.provenance.get("commit", "")).endswith("-dirty")]
    if dirty and not by_fingerprint:
        names = "; ".join(f"{r.spec.dataset} {r.spec.method} seed {r.spec.seed}" for r in dirty[:5])
        msg = (f"{len(dirty)} run(s) were recorded at a commit with uncommitted changes ({names}"
               f"{' ...' if len(dirty) > 5 else ''}): recompute them at a clean commit, or accept them on the "
               "fingerprinted files alone (--by-fingerprint: their code fingerprint equals the committed result "
               "code's).")
        raise ValueError(msg)
    for r in dirty:  # read back only when its stored identity, code fingerprint included, equals the spec's now
        r.provenance = {**r.provenance, "recorded_commit": r.provenance["commit"], "commit": commit}
    return found


def refresh(profile: Profile | str = "quick", *, results: Path | None = None, root: Path | None = None,
            device: str = "", partial: bool = False, by_fingerprint: bool = False) -> Path:
    """Rewrite the archive with every run of ``profile``'s plan (see the module docstring); return its folder.

    The embeddings of :func:`~scdmac_lib.runs.page_runs.embedding_specs` must come from this
    machine's cache (the archive keeps no other). Raises ``ValueError`` listing what is missing, or
    with ``partial`` leaves it out and records how many runs that is (``missing_from_plan``).
    """
    profile = get_profile(profile) if isinstance(profile, str) else profile
    commit = _committed_code()
    specs = profile_plan(profile)
    found, missing = _collect(specs, results)
    need_embedding = {s.key() for s in embedding_specs(profile)}
    no_embedding = {r.spec.key() for r in found if r.spec.key() in need_embedding and r.embedding is None}
    missing += [r.spec for r in found if r.spec.key() in no_embedding]
    if partial:
        found = [r for r in found if r.spec.key() not in no_embedding]
    elif missing:
        names = "; ".join(f"{s.dataset} {s.method} seed {s.seed}" for s in missing[:8])
        msg = (f"{len(missing)} run(s) of the {profile.name} plan are neither in this machine's cache nor in the "
               f"archive (or lack the embedding a page plots): {names}{' ...' if len(missing) > 8 else ''}. "
               f"Compute them first (bash tools/book.sh {profile.name} --recompute).")
        raise ValueError(msg)
    stale = [r for r in found if r.dataset_sha256 != dataset_digest(r.spec.dataset)]
    if stale:
        msg = f"{len(stale)} stored run(s) ran on other data than the datasets here now; recompute them."
        raise ValueError(msg)
    found = _attributed(found, commit, by_fingerprint=by_fingerprint)
    computed = [r for r in found if r.origin != "archive"]
    devices = sorted({r.provenance.get("device", "") for r in computed}) or [device or "unchanged"]
    threads = sorted({int(r.provenance.get("torch_threads", 0)) for r in computed})
    manifest = {"profile": profile.name, "commit": commit, "device": ", ".join(devices),
                "threads_per_run": threads, "date": time.strftime("%Y-%m-%d", time.gmtime()),
                "versions": versions(), "code": {m: method_fingerprint(m) for m in sorted({s.method for s in specs})},
                "kept_from_previous_archive": len(found) - len(computed), "missing_from_plan": len(missing)}
    return archive.write(found, embeddings_for=need_embedding, manifest=manifest,
                         root=root or archive.archive_dir())
