"""Which cached runs each notebook reads, known without executing it, and the jobs that compute them.

The notebooks get their run specs from the functions of this module, and the workflow
(``Snakefile``) asks the same functions through :func:`specs_for`, so the runs the workflow
computes are the runs the notebooks read. :func:`plan` turns a profile's notebooks into jobs: one
per cached run (``results/runs/<key>/``, written by :func:`scdmac_lib.runs.execute.run`), one per
shared denoising stage (``results/stages/denoise-<key>.npz``, which every scDMAC variant and sweep
point with the same dataset, seed and preprocessing/augmentation/ZINB settings reads) and one per
manifest dataset the runs read (fetched, converted and cached once, before the runs).

A notebook that reads cached runs has an entry in :data:`NOTEBOOK_RUNS` (a function of the profile
and of the notebook's own parameters, which the notebook passes through unchanged) and calls that
function itself (the method study's notebook takes its ``(arm, spec)`` pairs from :func:`study_pairs`).

The workflow's jobs call (one line each in the Snakemake log)::

    python -m scdmac_lib.runplan run KEY --spec JSON [--device D] [--threads N]
    python -m scdmac_lib.runplan stage KEY --spec JSON [--device D] [--threads N]
    python -m scdmac_lib.runplan dataset NAME --out FILE
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scdmac_lib.data import catalogue
from scdmac_lib.runs import cache, execute, stage_cache
from scdmac_lib.runs.plan import spec_from_json, stage_key
from scdmac_lib.runs.specs import RunSpec
from scdmac_lib.runtime.threads import set_threads


def _checked_spec(text: str, key: str, key_of: Callable[[RunSpec], str | None], what: str) -> RunSpec:
    spec = spec_from_json(text)
    if key_of(spec) != key:
        msg = (f"the spec {text} has {what} key {key_of(spec)}, not {key}: the library changed since the "
               "workflow was planned; plan it again (rerun snakemake).")
        raise ValueError(msg)
    return spec


def run_job(key: str, spec: str, *, device: str = "auto", threads: int | None = None) -> cache.RunResult:
    """Compute (or read) the run ``key`` whose spec is the JSON ``spec``, with ``threads`` CPU threads."""

    run_spec = _checked_spec(spec, key, RunSpec.key, "run")
    set_threads(threads)
    return execute.run(run_spec, device=device)


def stage_job(key: str, spec: str, *, device: str = "auto", threads: int | None = None) -> Path:
    """Compute (or read) the denoising stage ``key`` of the JSON ``spec``; return its file."""

    run_spec = _checked_spec(spec, key, stage_key, "stage")
    set_threads(threads)
    stage_cache.denoise_stage(run_spec, device=device)
    return stage_cache.stage_path(run_spec)


def dataset_job(name: str, out: Path) -> dict[str, Any]:
    """Fetch, convert and cache the manifest dataset ``name``; write its shape to ``out`` (JSON)."""
    return execute.write_dataset_record(name, catalogue.load_dataset(name), Path(out))
