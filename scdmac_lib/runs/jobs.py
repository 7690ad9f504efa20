"""The workflow's jobs: one run, one shared denoising stage, or one dataset, each a command of its own.

The Snakefile runs (one line each in its log)::

    python -m scdmac_lib.runs.jobs run KEY --spec JSON [--device D] [--threads N]
    python -m scdmac_lib.runs.jobs stage KEY --spec JSON [--device D] [--threads N]
    python -m scdmac_lib.runs.jobs dataset NAME --out FILE

A job checks that the spec it is given still has the key the workflow planned (else the library
changed since: plan again), computes into this machine's cache, and prints one line. This module
imports no more than a job needs, so that hundreds of jobs do not each pay for the whole command line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
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
    """Compute (or read from this machine's cache) the run ``key`` whose spec is the JSON ``spec``, with
    ``threads`` CPU threads. A job's output is the cache folder, so an archived copy does not count."""
    run_spec = _checked_spec(spec, key, RunSpec.key, "run")
    set_threads(threads)
    cached = cache.load_result(run_spec)
    return cached if cached is not None else execute.run(run_spec, device=device, force=True)


def stage_job(key: str, spec: str, *, device: str = "auto", threads: int | None = None) -> Path:
    """Compute (or read) the denoising stage ``key`` of the JSON ``spec``; return its file."""
    run_spec = _checked_spec(spec, key, stage_key, "stage")
    set_threads(threads)
    stage_cache.denoise_stage(run_spec, device=device)
    return stage_cache.stage_path(run_spec)


def dataset_job(name: str, out: Path) -> dict[str, Any]:
    """Fetch, convert and cache the manifest dataset ``name``; write its shape to ``out`` (JSON)."""
    return execute.write_dataset_record(name, catalogue.load_dataset(name), Path(out))


def main(argv: list[str] | None = None) -> int:
    """Command line of the jobs (module docstring); errors are one line on stderr, exit status 2."""
    parser = argparse.ArgumentParser(prog="python -m scdmac_lib.runs.jobs", description=__doc__.splitlines()[0])
    parser.add_argument("job", choices=["run", "stage", "dataset"])
    parser.add_argument("key", help="the run's or stage's key, or the dataset's name")
    parser.add_argument("--spec", help="the run spec as JSON (run and stage jobs)")
    parser.add_argument("--out", help="JSON file recording the dataset's shape (dataset jobs)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="CPU threads (default: $SCDMAC_THREADS, else the cores this process may use)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        if args.job == "run":
            res = run_job(args.key, args.spec, device=args.device, threads=args.threads)
            sys.stdout.write(f"{args.key} {res.spec.dataset} {res.spec.method} seed {res.spec.seed}: "
                             f"ARI {res.metrics['ari']:.4f}, {res.timings.get('wall', float('nan')):.1f} s, "
                             f"{res.provenance['torch_threads']} thread(s)\n")
        elif args.job == "stage":
            path = stage_job(args.key, args.spec, device=args.device, threads=args.threads)
            sys.stdout.write(f"{args.key}: {path.name}\n")
        else:
            sys.stdout.write(json.dumps(dataset_job(args.key, Path(args.out))) + "\n")
    except ValueError as err:
        sys.stderr.write(f"scdmac-jobs: error: {err}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
