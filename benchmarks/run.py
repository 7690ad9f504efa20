"""Performance benchmark: scDMAC's default command against scanpy's Leiden pipeline, as whole processes.

One command, which rewrites the stored results the book's performance page reads::

    .venv/bin/python benchmarks/run.py [--sizes 1000 3000 10000 30000 100000] [--datasets zeisel]

Input files: each real dataset of ``--datasets`` (through :func:`scdmac_lib.data.catalogue.load_dataset`)
and ZINB count matrices simulated with :func:`scdmac_lib.data.simulate.zinb_clusters` (seed 0,
:data:`SIM_GENES` genes, :data:`SIM_CLUSTERS` clusters, ``--sizes`` cells), written once as ``.h5ad``
under ``results/benchmarks/data/`` (simulated in a process of their own). On every file, one after
the other, it runs two commands (:data:`COMMANDS`), each as a process of its own:

- ``scdmac cluster FILE -k K -o OUT``: scDMAC's default command, every setting at its default, ``K``
  the file's number of labelled cell types;
- ``benchmarks/scanpy_leiden.py FILE OUT``: scanpy's Leiden pipeline (its quickstart's steps).

Each is timed from its start to its exit (Python's start-up, imports, reading and writing the files
included), with its peak resident memory and CPU seconds (``os.wait4``: that child's own usage), and
the ARI / NMI of its clusters against the file's labels; scDMAC's output also gives the seconds and
optimizer steps of each of its stages. Beside every case the record keeps the machine (cores, CPU
model, memory, device, library versions), the fp32 matmul rate measured just before the case, the
1-minute load average before and after it (other work on the machine slows every process; the ratio
of two commands measured side by side is the figure that travels), the commit and the time.

Each case is written, as soon as it ends, to ``benchmarks/performance/FILE.COMMAND.json`` (atomically; a
stopped run keeps the cases it finished). The performance page (``notebooks/95_performance.py``) reads
those files through :mod:`records`; the book never reruns the benchmark.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import records

HERE = Path(__file__).resolve().parent
SIM_GENES, SIM_CLUSTERS = 2000, 10
DEFAULT_SIZES = (1000, 3000, 10_000, 30_000, 100_000)
DEFAULT_DATASETS = ("zeisel",)
LABEL_KEY = "cell_type"
GIB = 1024**3


# --------------------------------------------------------------------------- input files


def _data_dir() -> Path:
    from scdmac_lib.runtime import paths

    return paths.results_dir() / "benchmarks" / "data"


def sim_name(n_cells: int) -> str:
    return f"sim-{n_cells}"


def input_path(name: str) -> Path:
    """Where the benchmark keeps the ``.h5ad`` of a real dataset or simulation ``name``."""
    if name.startswith("sim-"):
        return _data_dir() / f"{name}x{SIM_GENES}x{SIM_CLUSTERS}.h5ad"
    return _data_dir() / f"{name}.h5ad"


def write_input(name: str) -> Path:
    """Write the ``.h5ad`` of ``name`` (a simulation ``sim-CELLS`` or a catalogue dataset) once."""
    from scdmac_lib.runtime.files import atomic_path

    path = input_path(name)
    if path.exists():
        return path
    if name.startswith("sim-"):
        from scdmac_lib.data.simulate import zinb_clusters

        adata = zinb_clusters(int(name.removeprefix("sim-")), SIM_GENES, SIM_CLUSTERS, seed=0)
    else:
        from scdmac_lib.data import catalogue

        adata = catalogue.load_dataset(name)
    with atomic_path(path) as tmp:
        adata.write_h5ad(tmp)
    return path


# --------------------------------------------------------------------------- one whole process


def timed_process(argv: list[str], *, timeout: float, env: dict | None = None) -> dict:
    """Run ``argv`` to its end; its wall seconds, CPU seconds, peak RSS (GiB), exit code and output tail.

    The child's resource usage comes from ``os.wait4`` (its own, and that of the children it waited
    for), so nothing else on the machine, and nothing of this process, is counted.
    """
    with tempfile.TemporaryFile(mode="w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        log.seek(0)
        tail = log.read()[-2000:]
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_gib": usage.ru_maxrss * scale / GIB,
            "exit_code": code, "timed_out": wall >= timeout and code != 0, "output_tail": tail}


def without_machine_paths(text: str, named: dict[str, str]) -> str:
    """``text`` with this machine's folders replaced by names (``named``, the environment, the repository):
    a stored record holds no absolute path."""
    from scdmac_lib.runtime import paths

    for folder, name in {**named, sys.prefix: "<venv>", str(paths.REPO_ROOT): "."}.items():
        text = text.replace(folder, name)
    return text


def command_argv(command: str, path: Path, n_types: int, out: Path) -> list[str]:
    """The command line of ``command`` (a key of :data:`records.COMMANDS`) on ``path``."""
    if command == "scdmac":
        return [sys.executable, "-m", "scdmac_lib.cli", "cluster", str(path), "-k", str(n_types), "-o", str(out), "-q"]
    if command == "scanpy":
        return [sys.executable, str(HERE / "scanpy_leiden.py"), str(path), str(out)]
    msg = f"command must be one of {list(records.COMMANDS)}, got {command!r}."
    raise ValueError(msg)


def clusters_of(command: str, out: Path) -> tuple[object, object, dict]:
    """The labels and clusters of the cells a command's output holds, and scDMAC's stage record."""
    import anndata as ad

    adata = ad.read_h5ad(out)
    if command == "scdmac":
        uns = adata.uns["scdmac"]
        stages = {stage: {"seconds": float(uns["timings"][stage]),
                          "steps": len(uns["history"].get(stage, {}).get("loss", []))}
                  for stage in records.STAGES if stage in uns["timings"]}
        return adata.obs[LABEL_KEY].to_numpy(), adata.obs["scdmac_cluster"].to_numpy(), stages
    return adata.obs[LABEL_KEY].to_numpy(), adata.obs["leiden"].to_numpy(), {}


# --------------------------------------------------------------------------- the machine


def machine() -> dict:
    """What the numbers depend on: cores, CPU, memory, the device the default command picks, versions."""
    import torch

    from scdmac_lib.method.devices import resolve_device
    from scdmac_lib.runtime.provenance import cpu_model, versions
    from scdmac_lib.runtime.threads import available_cores

    device = str(resolve_device("auto"))
    if device.startswith("cuda"):
        device += f" ({torch.cuda.get_device_name(0)})"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB if hasattr(os, "sysconf") else float("nan")
    return {"cores": available_cores(), "logical_cpus": os.cpu_count(), "cpu_model": cpu_model(),
            "memory_gib": round(memory, 1), "device": device, "system": f"{platform.system()} {platform.machine()}",
            "scdmac_threads": os.environ.get("SCDMAC_THREADS", ""), "versions": versions()}


def conditions_now() -> dict:
    """The fp32 matmul rate (1024^3, every thread) and the 1-minute load average, measured now."""
    import flops

    return {"matmul_gflops": flops.peak_matmul_rate(min_seconds=0.5) / 1e9, "load_1min": os.getloadavg()[0],
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


# --------------------------------------------------------------------------- driver


def run_case(name: str, command: str, *, box: dict, timeout: float) -> dict:
    """Run ``command`` on input ``name`` as a whole process; the case's record (:mod:`records`)."""
    import anndata as ad

    from scdmac_lib.evaluation import metrics
    from scdmac_lib.runtime.provenance import git_commit

    path = input_path(name)
    adata = ad.read_h5ad(path, backed="r")  # the labels, without reading the counts
    n_cells, n_genes = adata.shape
    n_types = int(adata.obs[LABEL_KEY].nunique())
    adata.file.close()
    case = {"input": name, "kind": "simulated" if name.startswith("sim-") else "real", "command": command,
            "n_cells": n_cells, "n_genes": n_genes, "n_types": n_types}
    before = conditions_now()
    with tempfile.TemporaryDirectory(prefix="scdmac-bench-") as tmp:
        out = Path(tmp) / "out.h5ad"
        argv = command_argv(command, path, n_types, out)
        case["command_line"] = records.shown_command(command, path.name, n_types)
        result = timed_process(argv, timeout=timeout)
        after = conditions_now()
        if result["exit_code"] == 0:
            truth, labels, stages = clusters_of(command, out)
            result.update(status="ok", n_cells_clustered=len(labels), n_clusters=len(set(labels)),
                          ari=metrics.ari(truth, labels), nmi=metrics.nmi(truth, labels), stages=stages)
            del result["output_tail"]
        else:
            result["status"] = "timed out" if result["timed_out"] else "failed"
            result["output_tail"] = without_machine_paths(result["output_tail"],
                                                          {tmp: "<tmp>", str(path.parent): "<data>"})
    return {"schema": records.SCHEMA, "case": case, "result": result, "machine": box,
            "conditions": {"before": before, "after": after, "commit": git_commit()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES),
                        help=f"cells of the simulated inputs (x {SIM_GENES} genes, {SIM_CLUSTERS} clusters)")
    parser.add_argument("--datasets", nargs="*", default=list(DEFAULT_DATASETS), help="real datasets (catalogue names)")
    parser.add_argument("--commands", nargs="+", default=list(records.COMMANDS), choices=list(records.COMMANDS))
    parser.add_argument("--out", type=Path, default=records.RESULTS, help="folder of the stored results")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds one process may take")
    parser.add_argument("--simulate", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.simulate is not None:  # child: write one input file
        write_input(args.simulate)
        return 0
    if any(n < 100 for n in args.sizes):
        parser.error(f"--sizes: every simulated input needs at least 100 cells, got {args.sizes}")
    names = [*args.datasets, *(sim_name(n) for n in sorted(args.sizes))]
    for name in names:
        if not input_path(name).exists():  # in a process of its own: its memory is nobody's
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--simulate", name], check=True)
    box = machine()
    sys.stdout.write(f"{box['cores']} cores, {box['cpu_model']}, {box['memory_gib']} GiB, device {box['device']}; "
                     f"writing {len(names) * len(args.commands)} cases to {records.shown_path(args.out)}\n")
    for name in names:
        for command in args.commands:
            record = run_case(name, command, box=box, timeout=args.timeout)
            path = records.write_record(record, args.out)
            res, cond = record["result"], record["conditions"]
            sys.stdout.write(f"{name:>12} {records.COMMANDS[command]:<32} {res['status']:<9} {res['wall_s']:8.1f} s "
                             f"{res['peak_rss_gib']:6.2f} GiB  ARI {res.get('ari', float('nan')):.3f}  load "
                             f"{cond['before']['load_1min']:.1f}->{cond['after']['load_1min']:.1f}  "
                             f"matmul {cond['before']['matmul_gflops']:.0f} GFLOP/s  -> {path.name}\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
