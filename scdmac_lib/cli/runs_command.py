"""``scdmac run`` (compute or read run specs) and ``scdmac runs ...`` (the workflow's jobs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scdmac_lib.runs import execute, jobs, specs
from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime.options import parse_assignments
from scdmac_lib.runtime.threads import set_threads


def cmd_run(args) -> int:
    set_threads(args.threads)  # a spec that pins n_threads keeps its own
    overrides = parse_assignments(args.set)
    if args.profile:
        profile = get_profile(args.profile)
        methods = args.method or list(METHODS)
        run_specs = specs.profile_specs(profile, methods, datasets=args.dataset or None, overrides=overrides)
    else:
        if not args.dataset or not args.method:
            msg = "scdmac run needs --dataset and --method (or --profile)."
            raise ValueError(msg)
        seeds = args.seed or [0]
        run_specs = [specs.make_spec(d, m, s, overrides) for d in args.dataset for m in args.method for s in seeds]
    results = Path(args.results) if args.results else None
    frame = execute.run_many(run_specs, device=args.device, progress=not args.quiet, results=results)
    cols = ["dataset", "method", "seed", "ari", "nmi", "acc", "silhouette", "wall_s"]
    sys.stdout.write(frame[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}") + "\n")
    return 0


def cmd_job(args) -> int:
    if args.job == "run":
        res = jobs.run_job(args.key, args.spec, device=args.device, threads=args.threads)
        sys.stdout.write(f"{args.key} {res.spec.dataset} {res.spec.method} seed {res.spec.seed}: "
                         f"ARI {res.metrics['ari']:.4f}, {res.timings.get('wall', float('nan')):.1f} s, "
                         f"{res.provenance['torch_threads']} thread(s)\n")
    elif args.job == "stage":
        path = jobs.stage_job(args.key, args.spec, device=args.device, threads=args.threads)
        sys.stdout.write(f"{args.key}: {path.name}\n")
    else:
        sys.stdout.write(json.dumps(jobs.dataset_job(args.key, Path(args.out))) + "\n")
    return 0


def add_parsers(sub, threads_option) -> None:
    """Register ``scdmac run`` and ``scdmac runs``."""
    p = sub.add_parser("run", help="run (or read from the cache) one spec or a profile's set")
    p.add_argument("--dataset", action="append", default=[])
    p.add_argument("--method", action="append", default=[])
    p.add_argument("--seed", action="append", type=int, default=None)
    p.add_argument("--profile", default=None, help="run every method on the profile's datasets and seeds")
    p.add_argument("--device", default="auto")
    p.add_argument("--results", default=None, help="results folder (default: $SCDMAC_RESULTS or <repo>/results)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    threads_option(p)
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_run)

    runs = sub.add_parser("runs", help="the run store: the workflow's jobs")
    group = runs.add_subparsers(dest="runs_command", required=True)
    job = group.add_parser("job", help="one job of the workflow (Snakefile): a run, a denoising stage or a dataset")
    job.add_argument("job", choices=["run", "stage", "dataset"])
    job.add_argument("key", help="the run's or stage's key, or the dataset's name")
    job.add_argument("--spec", help="the run spec as JSON (run and stage jobs)")
    job.add_argument("--out", help="JSON file recording the dataset's shape (dataset jobs)")
    job.add_argument("--device", default="auto")
    threads_option(job)
    job.set_defaults(func=cmd_job)
