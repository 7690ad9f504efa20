"""Two ``scdmac cluster`` runs at once against one alone: do they cost more than sharing the cores?

Each repeat, on one simulated count matrix written to a temporary ``.h5ad`` (same input, same
budgets, device cpu), times three cases end to end (process start, imports and writing included):

* ``one alone``: one process, with what it is given by default (``$SCDMAC_THREADS`` unset, so every
  core it may use);
* ``two, each given its share``: two processes started at once, each with ``--threads`` = half the
  cores (what Snakemake does with ``--cores C`` and jobs of ``C / 2`` threads);
* ``two, each taking every core``: two started at once with nothing given, so both take every core;
* ``one alone`` again, so that a load that drifts during the repeat shows (the ratios use the mean).

Sharing the cores alone makes two runs at once take twice as long as one; more than that is the
cost of oversubscription. The ratios are measured in the same repeat, beside the machine's fp32
matmul rate and load average (other work on the machine distorts absolute times). Usage::

    .venv/bin/python benchmarks/threads.py [--repeats 3] [--cells 1000] [--genes 500] [--clusters 6]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Training budgets of every case: small, so that a repeat takes minutes on 2 cores.
BUDGET = ("zinb.train.max_steps=150", "zinb.train.min_steps=50", "mae.train.max_steps=150",
          "mae.train.min_steps=50", "cluster.train.max_steps=40", "cluster.train.min_steps=20")


def write_input(folder: Path, n_cells: int, n_genes: int, n_clusters: int) -> Path:
    """A simulated count matrix (:func:`scdmac_lib.data.simulate.zinb_clusters`, seed 0) as ``.h5ad``."""
    from scdmac_lib.data.simulate import zinb_clusters

    path = folder / f"sim-{n_cells}x{n_genes}x{n_clusters}.h5ad"
    zinb_clusters(n_cells, n_genes, n_clusters, seed=0).write_h5ad(path)
    return path


def command(path: Path, k: int, out: Path, threads: int | None, budget: tuple[str, ...]) -> list[str]:
    """The ``scdmac cluster`` command line of one case."""
    cmd = [sys.executable, "-m", "scdmac_lib.cli", "cluster", str(path), "-k", str(k), "-o", str(out),
           "-q", "--device", "cpu"]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    for pair in budget:
        cmd += ["--set", pair]
    return cmd


def started_together(commands: list[list[str]]) -> float:
    """Start every command at once; seconds until the last one has finished (each must succeed)."""
    env = {k: v for k, v in os.environ.items() if k != "SCDMAC_THREADS"}  # the default: nothing given
    start = time.perf_counter()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in commands]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            msg = f"{' '.join(proc.args[:5])} ... exited with {proc.returncode}: {err.strip()[-500:]}"
            raise RuntimeError(msg)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--genes", type=int, default=500)
    parser.add_argument("--clusters", type=int, default=6)
    args = parser.parse_args(argv)

    import flops  # benchmarks/flops.py, beside this file

    from scdmac_lib.runtime.threads import available_cores, set_threads

    cores = available_cores()
    if cores < 2:
        sys.stderr.write("threads.py needs at least 2 cores to run two processes side by side.\n")
        return 1
    half = cores // 2
    threads = set_threads()
    rate = flops.peak_matmul_rate(min_seconds=0.5) / 1e9
    sys.stdout.write(f"{cores} cores; 1024^3 fp32 matmul {rate:.0f} GFLOP/s ({threads} threads); input "
                     f"{args.cells} cells x {args.genes} genes, k = {args.clusters}; budgets {' '.join(BUDGET)}\n")
    with tempfile.TemporaryDirectory(prefix="scdmac-threads-") as tmp:
        folder = Path(tmp)
        path = write_input(folder, args.cells, args.genes, args.clusters)

        def case(n: int, per_process: int | None) -> float:
            return started_together([command(path, args.clusters, folder / f"out{i}.h5ad", per_process, BUDGET)
                                     for i in range(n)])

        case(1, None)  # warm-up: file caches, numba's compiled functions
        header = (f"{'repeat':>6} {'load':>11} {'one alone s':>14} {'two, share s':>13} {'ratio':>6} "
                  f"{'two, all cores s':>17} {'ratio':>6}\n")
        sys.stdout.write(header)
        for repeat in range(1, args.repeats + 1):
            load_before = os.getloadavg()[0]
            first = case(1, None)
            shared = case(2, half)
            greedy = case(2, None)
            last = case(1, None)  # one alone again: the ratios use the mean, as the load drifts
            one = (first + last) / 2
            sys.stdout.write(f"{repeat:>6} {load_before:>5.1f}-{os.getloadavg()[0]:<5.1f} {first:>6.1f}/{last:<7.1f} "
                             f"{shared:>13.1f} {shared / one:>6.2f} {greedy:>17.1f} {greedy / one:>6.2f}\n")
            sys.stdout.flush()
    sys.stdout.write(f"(load: 1-minute load average before and after the repeat; one alone: before/after the pairs, "
                     f"the ratios divide by their mean; two: started at once, time until both finished; 'share': "
                     f"each --threads {half}; 'all cores': nothing given, each takes {cores}. Sharing the cores "
                     f"alone gives a ratio of 2.)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
