"""Running a spec: read it from the run cache, or compute it (method, then scores) and cache it."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scdmac_lib.data.catalogue import LABEL_KEY, dataset_digest, is_simulated, load_dataset, n_types
from scdmac_lib.evaluation.metrics import score
from scdmac_lib.evaluation.stages import score_stages
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.runs import archive
from scdmac_lib.runs.cache import RunResult, discard, load_result, write_result
from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runs.specs import RunSpec
from scdmac_lib.runs.stage_cache import denoise_stage
from scdmac_lib.runtime import files, paths
from scdmac_lib.runtime.threads import thread_limit

logger = logging.getLogger(__name__)


def dataset_record_path(name: str, results: Path | None = None) -> Path:
    """Where the workflow's record of a loaded manifest dataset lives (``results/datasets/NAME.json``)."""
    return (results or paths.results_dir()) / "datasets" / f"{name}.json"


def write_dataset_record(name: str, adata, out: Path) -> dict[str, Any]:
    """Write the shape and number of types of a loaded dataset to ``out`` (JSON, atomically)."""
    record = {"dataset": name, "n_cells": int(adata.n_obs), "n_genes": int(adata.n_vars), "n_types": n_types(adata)}
    files.write_text(out, json.dumps(record) + "\n")
    return record


def load_run_dataset(name: str):
    """The dataset of a run (:func:`scdmac_lib.data.catalogue.load_dataset`).

    Loading a manifest dataset also leaves its record (:func:`write_dataset_record`) where the
    workflow expects it, so a run cache made outside Snakemake never makes it fetch the data again
    (and so rerun every run that reads it).
    """
    adata = load_dataset(name)
    record = dataset_record_path(name)
    if not is_simulated(name) and not record.exists():
        write_dataset_record(name, adata, record)
    return adata


#: Where the runs this process read came from: origin -> count (:data:`scdmac_lib.runs.cache.ORIGINS`).
TALLY: Counter[str] = Counter()


def stored(spec: RunSpec, results: Path | None = None, *, use_archive: bool = True) -> RunResult | None:
    """The stored result of ``spec`` (this machine's cache first, then the archive), or ``None``.

    A stored result counts only when its identity matches (checked by the cache and the archive)
    and it ran on data with the dataset's current digest.
    """
    found = load_result(spec, results)
    if found is None and use_archive:
        found = archive.read(spec)
    if found is not None and found.dataset_sha256 != dataset_digest(spec.dataset):
        logger.warning("%s %s seed %d: the stored run was computed on other data (the dataset's digest "
                       "differs); it will be recomputed", spec.dataset, spec.method, spec.seed)
        if found.origin == "cache":
            discard(spec, results)
        return None
    return found


def run(spec: RunSpec, *, device: str = "auto", progress: bool = False, results: Path | None = None,
        force: bool = False) -> RunResult:
    """Return the stored result of ``spec`` (:func:`stored`), computing and caching it first when needed.

    ``force`` computes it even when it is stored. The origin of what is returned is in
    ``result.origin`` and counted in :data:`TALLY`; a computed run logs why it was not stored.
    """
    if spec.method not in METHODS:
        msg = f"unknown method {spec.method!r}; choose one of {sorted(METHODS)}."
        raise ValueError(msg)
    if not force and (found := stored(spec, results)) is not None:
        TALLY[found.origin] += 1
        return found
    logger.info("computing %s %s seed %d (%s): %s", spec.dataset, spec.method, spec.seed, spec.key(),
                "asked to recompute" if force else archive.why_not_archived(spec))
    adata = load_run_dataset(spec.dataset)
    truth = adata.obs[LABEL_KEY].to_numpy()
    extra = {}
    t0 = time.perf_counter()
    overrides = dict(spec.overrides)
    with thread_limit(overrides.get("n_threads")) as threads:
        denoised = denoise_stage(spec, adata, device=device, progress=progress, results=results)
        if denoised is not None:
            extra["denoised"] = denoised
        out = METHODS[spec.method](adata.X, n_types(adata), seed=spec.seed, device=device,
                                   progress=progress, overrides=overrides, **extra)
    out.timings["wall"] = time.perf_counter() - t0
    metrics = {**score(truth, out.labels, out.embedding), **score_stages(out.stage_labels, truth)}
    write_result(spec, out, metrics, str(resolve_device(device)), results, threads, dataset_digest(spec.dataset))
    result = load_result(spec, results)
    assert result is not None, "a result just written must read back"
    result.origin = "computed"
    TALLY["computed"] += 1
    return result


def run_many(specs, *, device: str = "auto", progress: bool = False, results: Path | None = None):
    """Run (or read) every spec; one row per run with its metrics, timings and origin, as a DataFrame."""
    import pandas as pd

    rows = []
    for spec in specs:
        res = run(spec, device=device, progress=progress, results=results)
        rows.append({**asdict(spec), "overrides": dict(spec.overrides), **res.metrics,
                     "wall_s": res.timings.get("wall", float("nan")), "commit": res.provenance["commit"],
                     "device": res.provenance["device"], "origin": res.origin})
    return pd.DataFrame(rows)
