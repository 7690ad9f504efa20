"""Running a spec: read it from the run cache, or compute it (method, then scores) and cache it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scdmac_lib.data.catalogue import LABEL_KEY, is_simulated, load_dataset, n_types
from scdmac_lib.evaluation.metrics import score
from scdmac_lib.evaluation.stages import score_stages
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.runs.cache import RunResult, load_result, write_result
from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runs.specs import RunSpec
from scdmac_lib.runs.stage_cache import denoise_stage
from scdmac_lib.runtime import files, paths
from scdmac_lib.runtime.threads import thread_limit


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


def run(spec: RunSpec, *, device: str = "auto", progress: bool = False, results: Path | None = None,
        force: bool = False) -> RunResult:
    """Return the cached result of ``spec``, computing and caching it first when needed."""
    if spec.method not in METHODS:
        msg = f"unknown method {spec.method!r}; choose one of {sorted(METHODS)}."
        raise ValueError(msg)
    if not force and (cached := load_result(spec, results)) is not None:
        return cached
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
    write_result(spec, out, metrics, str(resolve_device(device)), results, threads)
    result = load_result(spec, results)
    assert result is not None, "a result just written must read back"
    return result


def run_many(specs, *, device: str = "auto", progress: bool = False, results: Path | None = None):
    """Run (or read) every spec; one row per run with its metrics and timings, as a DataFrame."""
    import pandas as pd

    rows = []
    for spec in specs:
        res = run(spec, device=device, progress=progress, results=results)
        rows.append({**asdict(spec), "overrides": dict(spec.overrides), **res.metrics,
                     "wall_s": res.timings.get("wall", float("nan")), "commit": res.provenance["commit"],
                     "device": res.provenance["device"]})
    return pd.DataFrame(rows)
