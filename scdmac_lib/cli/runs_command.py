"""``scdmac run`` (compute or read run specs) and ``scdmac runs ...`` (the workflow's jobs)."""

from __future__ import annotations

import sys
from pathlib import Path

from scdmac_lib.runs import archive, execute, refresh, specs, verify
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


def cmd_status(args) -> int:
    bad = archive.problems()
    for name in args.profile or ["smoke", "quick", "paper"]:
        frame = refresh.status(name)
        sys.stdout.write(f"{name}: {refresh.status_summary(frame)}\n")
        todo = frame[frame["state"] != "archived"]
        if args.verbose_list and not todo.empty:
            sys.stdout.write(todo.to_string(index=False) + "\n")
        elif not todo.empty:
            reasons = todo["reason"].value_counts()
            for reason, count in reasons.items():
                sys.stdout.write(f"  {count} {reason}\n")
    where = archive.archive_dir()
    sys.stdout.write(f"archive: {where if where is not None else 'off'}; {archive.manifest().get('runs', 0)} runs stored\n")
    if bad:
        sys.stderr.write("scdmac: failed: the archive holds damaged runs:\n" + "\n".join(f"  {b}" for b in bad) + "\n")
        return 1
    return 0


def cmd_archive(args) -> int:
    root = refresh.refresh(args.profile, partial=args.partial, by_fingerprint=args.by_fingerprint)
    info = archive.manifest(root)
    sys.stdout.write(f"wrote {root}: {info['runs']} runs ({info['embeddings']} with their embedding), "
                     f"{info['kept_from_previous_archive']} kept from the previous archive, "
                     f"{info['missing_from_plan']} of the plan not computed yet, commit {info['commit']}\n")
    return 0


def cmd_verify(args) -> int:
    set_threads(args.threads)
    frame, seed = verify.verify(args.profile, n=args.sample, seed=args.seed, device=args.device)
    sys.stdout.write(f"verify: {len(frame)} stored run(s) of the {args.profile} plan recomputed (--seed {seed})\n")
    cols = [c for c in ("dataset", "method", "seed", "labels_identical", "label_ari", "largest_metric_diff", "metric",
                        "largest_stage_diff", "stage", "stored_device", "device_now", "same_device", "seconds",
                        "verdict") if c in frame.columns]
    sys.stdout.write(frame[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}") + "\n")
    differ = frame[frame["verdict"] != "reproduced"]
    if not differ.empty:
        names = "; ".join(f"{r.dataset} {r.method} seed {r.seed} ({r.key})" for r in differ.itertuples())
        sys.stderr.write(f"scdmac: failed: {len(differ)} stored run(s) differ from what the code computes: {names}\n")
        return 1
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

    runs = sub.add_parser("runs", help="the stored runs: the archive's status, verification and refresh")
    group = runs.add_subparsers(dest="runs_command", required=True)
    status = group.add_parser("status", help="how much of each profile's plan the archive covers, what is stale; "
                                             "fails on a damaged stored run")
    status.add_argument("--profile", action="append", default=None, help="profile(s) (default: smoke, quick, paper)")
    status.add_argument("--list", dest="verbose_list", action="store_true", help="list every run not archived")
    status.set_defaults(func=cmd_status)
    verify_p = group.add_parser("verify", help="recompute stored runs at random and compare them with the archive")
    verify_p.add_argument("--sample", type=int, default=5, metavar="N", help="how many runs (default 5)")
    verify_p.add_argument("--seed", type=int, default=None, help="the sample's seed (default: a random one, printed)")
    verify_p.add_argument("--profile", default="quick")
    verify_p.add_argument("--device", default="auto")
    threads_option(verify_p)
    verify_p.set_defaults(func=cmd_verify)
    arch = group.add_parser("archive", help="rewrite the archive from this machine's runs of a profile's plan")
    arch.add_argument("--profile", default="quick")
    arch.add_argument("--partial", action="store_true",
                      help="store the runs computed so far instead of refusing when some are missing")
    arch.add_argument("--by-fingerprint", action="store_true",
                      help="accept a run recorded at a commit with uncommitted changes when its code fingerprint "
                           "equals the committed result code's (the check on the fingerprinted files only)")
    arch.set_defaults(func=cmd_archive)
