"""The method study (scdmac_lib.runs.study): every arm on every dataset and seed, then the rule's choice.

Runs come from the shared run cache, so a stopped study resumes where it stopped and the book's
study page reads the same runs: the (arm, spec) pairs are those of
``scdmac_lib.runs.page_runs.study_pairs`` (and ``combination_pairs``), which the page and the
workflow use too (the paper's data in place of a stand-in when present). Each worker process takes
one (dataset, seed) at a time and runs every arm on it, so arms that share the denoising stage
compute it once. Usage::

    .venv/bin/python benchmarks/study.py [--profile quick] [--seeds 0 1 2] [--workers 2]
    .venv/bin/python benchmarks/study.py --combination nb_likelihood inflation_1   # rule 7's run

Writes ``results/study/study.csv`` (one row per run) and prints the paired summary and the decision.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from scdmac_lib.runs import execute, page_runs, study
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import paths


def run_task(run_specs) -> list[dict]:
    """Run (or read) one worker's specs; one row per run."""

    rows = []
    for name, spec in run_specs:
        res = execute.run(spec, device="cpu")
        rows.append(study.run_row(name, res))
    return rows


def parse_args(argv=None) -> argparse.Namespace:
    """The command line (``--profile``, ``--seeds``, ``--datasets``, ``--arms``, ``--combination``, ``--workers``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: the profile's study seeds")
    parser.add_argument("--datasets", nargs="+", default=None,
                        help="default: the profile's datasets (the paper's data in place of a stand-in when present)")
    parser.add_argument("--arms", nargs="+", default=None, help="default: every arm")
    parser.add_argument("--combination", nargs="*", default=None, help="run rule 7's combination of these arms")
    parser.add_argument("--workers", type=int, default=2)
    return parser.parse_args(argv)


def planned_pairs(args: argparse.Namespace) -> list:
    """The ``(arm name, spec)`` pairs the command runs: the study page's (``page_runs.study_pairs``), or rule
    7's (``page_runs.combination_pairs``) with ``--combination``; ``--arms`` keeps those arms only."""
    profile = get_profile(args.profile)
    if args.combination is not None:
        return page_runs.combination_pairs(profile, args.combination, datasets=args.datasets, seeds=args.seeds)
    pairs = page_runs.study_pairs(profile, datasets=args.datasets, seeds=args.seeds)
    keep = {study.arm(a).name for a in args.arms} if args.arms else None  # an unknown arm fails here
    return [(name, spec) for name, spec in pairs if keep is None or name in keep]


def main(argv=None) -> int:
    args = parse_args(argv)
    profile = get_profile(args.profile)
    run_specs = planned_pairs(args)
    datasets = list(dict.fromkeys(spec.dataset for _, spec in run_specs))
    seeds = sorted({spec.seed for _, spec in run_specs})
    tasks: dict[tuple[str, int], list] = {}
    for name, spec in run_specs:
        tasks.setdefault((spec.dataset, spec.seed), []).append((name, spec))
    order = sorted(tasks, key=lambda t: (t[1], datasets.index(t[0])))  # every dataset at seed 0 first
    t0 = time.perf_counter()
    rows = []
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_task, tasks[t]): t for t in order}
        for fut in as_completed(futures):
            rows += fut.result()
            dataset, seed = futures[fut]
            sys.stdout.write(f"[{time.perf_counter() - t0:7.0f} s] {dataset} seed {seed}: "
                             f"{len(tasks[(dataset, seed)])} runs\n")
            sys.stdout.flush()
    frame = study.runs_frame(rows)
    out = paths.results_dir() / "study"
    out.mkdir(parents=True, exist_ok=True)
    name = "combination.csv" if args.combination is not None else "study.csv"
    tmp = out / f".{name}.tmp"
    frame.to_csv(tmp, index=False)
    os.replace(tmp, out / name)
    summary = study.paired_summary(frame)
    fmt = {"index": False, "float_format": lambda v: f"{v:.3f}"}
    sys.stdout.write(f"\nprofile {profile.name}, seeds {seeds}, datasets {datasets}\n\n")
    sys.stdout.write(summary.to_string(**fmt) + "\n\n")
    if args.combination is None:
        decision = study.decide(summary, budget_testable=study.budget_testable(profile))
        sys.stdout.write("\n".join(decision.log) + f"\nadopted: {decision.adopted}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
