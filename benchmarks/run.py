"""Performance benchmark: scDMAC's stages and its peers, end to end, with FLOP rates and peak memory.

One command::

    .venv/bin/python benchmarks/run.py [--sizes 10000 30000 100000] [--skip-scvi] [--quick]

Every case (one method on one dataset) runs in a fresh subprocess, so its peak RSS is its own; the
subprocess prints one JSON line, which the driver collects into ``results/benchmarks/benchmark.csv``
(one row per case and stage, written atomically), draws ``results/benchmarks/benchmark.png`` and
prints a table with the issue's targets and PASS/FAIL. Datasets: zeisel and worm_neuron (real) and
simulated ZINB counts of ``--sizes`` cells x 2000 genes x 10 clusters (cached as ``.h5ad`` under
``results/benchmarks/data``, simulated in their own subprocess so the simulator's memory is not
charged to any method). Methods: scDMAC (the default profile's budgets, ``--profile``), scVI + k-means (scvi-tools' default
training), the scanpy Leiden pipeline and PCA + k-means, all on the same data, device and threads.
The device is picked automatically (CUDA when available). Times exclude one-time Python imports,
for every method alike (:data:`METHOD_IMPORTS`, kept apart as ``import_s``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from scdmac_lib.runs.profiles import DEFAULT_PROFILE

HERE = Path(__file__).resolve().parent
MARK = "BENCH_JSON "
METHODS = ("scDMAC", "scVI + k-means", "Leiden (Seurat-style)", "PCA + k-means")
TRAIN_STAGES = {"denoise (ZINB AE)": "denoise", "masked autoencoder": "mae", "clustering fine-tune": "cluster"}
STAGES = ("preprocess", "denoise", "mae", "cluster")
REAL = ("zeisel", "worm_neuron")
SIM_GENES, SIM_CLUSTERS = 2000, 10
QUICK_OVERRIDES = {"zinb.train.max_steps": 30, "zinb.train.min_steps": 10, "mae.train.max_steps": 30,
                   "mae.train.min_steps": 10, "cluster.train.max_steps": 10, "cluster.train.min_steps": 10,
                   "cluster.n_init": 2}
# Modules each method imports on first use. A case imports them before its timer starts, so that no
# method's time includes one-time Python imports (torch.optim imports torch._dynamo when an optimizer
# is built); the seconds they took are kept apart as import_s.
METHOD_IMPORTS = {
    "scDMAC": ("sklearn.cluster", "sklearn.decomposition", "sklearn.metrics", "skmisc.loess", "torch._dynamo"),
    "scVI + k-means": ("scvi", "sklearn.cluster"),
    "Leiden (Seurat-style)": ("scanpy", "sklearn.decomposition"),
    "PCA + k-means": ("sklearn.cluster", "sklearn.decomposition"),
}
COLUMNS = ["dataset", "n_cells", "n_genes", "method", "profile", "stage", "status", "wall_s", "import_s", "train_s", "steps",
           "cells_per_s", "flops_per_step", "achieved_gflops", "matmul_gflops", "matmul_fraction",
           "peak_matmul_gflops", "rss_gib", "ari", "nmi", "device", "torch_threads", "quick", "note",
           "python", "torch", "scanpy", "scvi", "commit", "finished_at"]
GIB = 1024**3


# --------------------------------------------------------------------------- data


def _results_dir() -> Path:
    from scdmac_lib.runtime import paths

    return paths.results_dir() / "benchmarks"


def sim_name(n_cells: int) -> str:
    return f"sim-{n_cells}"


def sim_path(n_cells: int) -> Path:
    return _results_dir() / "data" / f"sim-{n_cells}x{SIM_GENES}x{SIM_CLUSTERS}.h5ad"


def simulate_to_file(n_cells: int) -> Path:
    """Simulate (seed 0) and write the ``.h5ad`` under a temporary name, then rename it into place."""
    from scdmac_lib.data.simulate import zinb_clusters

    path = sim_path(n_cells)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        adata = zinb_clusters(n_cells, SIM_GENES, SIM_CLUSTERS, seed=0)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        adata.write_h5ad(tmp)
        os.replace(tmp, path)
    return path


def load(name: str):
    """A real dataset (through the library's loader, else the shared ``.h5ad``) or a cached simulation."""
    import anndata as ad

    if name.startswith("sim-"):
        return ad.read_h5ad(sim_path(int(name.removeprefix("sim-"))))
    from scdmac_lib.data import (
        catalogue,  # imported here: import_s measures the methods' own imports
    )

    return catalogue.load_dataset(name)


# --------------------------------------------------------------------------- one case (child process)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    import torch

    from scdmac_lib.runtime.provenance import git_commit

    out = {"python": platform.python_version(), "torch": torch.__version__, "commit": git_commit()}
    for pkg in ("scanpy", "scvi-tools"):
        try:
            out[pkg.split("-")[0]] = version(pkg)
        except PackageNotFoundError:
            out[pkg.split("-")[0]] = ""
    return out


def profile_overrides(profile: str) -> dict:
    """A profile's training budgets for scDMAC (profiles set no thread count: that is ``--threads``)."""
    from scdmac_lib.runs.profiles import get_profile

    return get_profile(profile).config_overrides()


def _scdmac_case(x, k: int, *, quick: bool, profile: str, device: str, record: dict) -> object:
    """Fit scDMAC with the training loop timed per stage (the loop itself is not changed)."""
    import flops

    from scdmac_lib.method import denoise, devices, finetune, pipeline, pretrain, training
    from scdmac_lib.method.config import make_config

    cfg = make_config(k, device=device, **(QUICK_OVERRIDES if quick else profile_overrides(profile)))
    loops: dict[str, float] = {}
    original = training.fit
    stage_modules = (denoise, pretrain, finetune)  # each calls training.fit under its own name

    def timed_fit(*args, **kwargs):
        dev = devices.resolve_device(cfg.device)
        if dev.type == "cuda":
            import torch

            torch.cuda.synchronize(dev)
        t0 = time.perf_counter()
        out = original(*args, **kwargs)
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        loops[TRAIN_STAGES[kwargs["stage"]]] = time.perf_counter() - t0
        return out

    for module in stage_modules:
        module.fit = timed_fit
    try:
        t0 = time.perf_counter()
        res = pipeline.fit_scdmac(x, cfg)
        record["total_s"] = time.perf_counter() - t0
    finally:
        for module in stage_modules:
            module.fit = original
    record["peak_rss_gib"] = _rss_gib()  # before the reference matmuls
    n_genes = res.preprocessed.counts.shape[1]
    n_cells = x.shape[0]
    dev = devices.resolve_device(cfg.device)
    stage_names = {}
    for stage in STAGES:
        row = {"wall_s": res.timings.get(stage, float("nan"))}
        if stage != "preprocess":
            row["train_s"] = loops.get(stage, float("nan"))
            row["steps"] = len(res.history.get(stage, {}).get("loss", []))
            row["flops_per_step"] = flops.step_flops(stage, n_genes, n_cells, cfg)
            row["matmul_rate"] = flops.stage_reference_rate(stage, n_genes, cfg, device=dev, min_seconds=0.3)
        stage_names[stage] = row
    record["stages"] = stage_names
    record["n_genes_model"] = n_genes
    record["peak_rate"] = flops.peak_matmul_rate(device=dev, min_seconds=0.3)
    record["device"] = str(dev)
    return res.labels


def _rss_gib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / GIB


def import_modules(method: str) -> float:
    """Import ``method``'s modules (:data:`METHOD_IMPORTS`) and return the seconds it took."""
    import importlib.util

    t0 = time.perf_counter()
    for module in METHOD_IMPORTS.get(method, ()):
        if importlib.util.find_spec(module.partition(".")[0]) is not None:  # else the method says what is missing
            importlib.import_module(module)
    return time.perf_counter() - t0


def run_case(case: dict) -> dict:
    """Run one case in this process and return its record (the child's whole job)."""
    from scdmac_lib.evaluation import metrics
    from scdmac_lib.method.devices import resolve_device
    from scdmac_lib.runs import methods
    from scdmac_lib.runtime.threads import set_threads

    threads = set_threads(case.get("threads"))  # None: $SCDMAC_THREADS, else the cores this process may use
    record = {**case, "status": "ok", "note": case.get("note", ""), "torch_threads": threads, **_versions()}
    t0 = time.perf_counter()
    adata = load(case["dataset"])
    record["load_s"] = time.perf_counter() - t0
    record["import_s"] = import_modules(case["method"])
    truth = adata.obs["cell_type"].to_numpy()
    k = int(adata.obs["cell_type"].nunique())
    record["n_cells"], record["n_genes"] = adata.shape
    record["device"] = str(resolve_device(case["device"]))
    method = case["method"]
    if method == "scDMAC":
        labels = _scdmac_case(adata.X, k, quick=case["quick"], profile=case["profile"], device=case["device"],
                              record=record)
    else:
        kwargs = {"seed": 0}
        if method == "scVI + k-means":
            kwargs.update(device=case["device"], max_epochs=case.get("scvi_max_epochs"))
        t0 = time.perf_counter()
        out = methods.METHODS[method](adata.X, k, **kwargs)
        record["total_s"] = time.perf_counter() - t0
        record["peak_rss_gib"] = _rss_gib()
        labels = out.labels
        if method == "scVI + k-means":
            # scvi-tools' default: min(round(20000 / n_cells * 400), 400) epochs of batch 128
            epochs = case.get("scvi_max_epochs") or min(round(20_000 / adata.n_obs * 400), 400)
            record["steps"] = epochs * math.ceil(adata.n_obs / 128)
            record["note"] = (record["note"] + f" scVI epochs={epochs}").strip()
    record["ari"] = metrics.ari(truth, labels)
    record["nmi"] = metrics.nmi(truth, labels)
    record["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return record


# --------------------------------------------------------------------------- records -> table


def _nan() -> float:
    return float("nan")


def records_to_rows(records: list[dict]) -> list[dict]:
    """One row per case and stage (scDMAC) plus a ``total`` row per case, in :data:`COLUMNS` order."""
    rows = []
    for rec in records:
        base = {c: rec.get(c, "") for c in ("dataset", "method", "profile", "status", "device", "torch_threads", "note",
                                             "python", "torch", "scanpy", "scvi", "commit", "finished_at")}
        base.update(n_cells=rec.get("n_cells", _nan()), n_genes=rec.get("n_genes", _nan()),
                    quick=bool(rec.get("quick", False)), rss_gib=rec.get("peak_rss_gib", _nan()),
                    peak_matmul_gflops=rec.get("peak_rate", _nan()) / 1e9)
        n = base["n_cells"]
        for stage, st in rec.get("stages", {}).items():
            wall, train, steps = st.get("wall_s", _nan()), st.get("train_s", _nan()), st.get("steps", _nan())
            fps, ref = st.get("flops_per_step", _nan()), st.get("matmul_rate", _nan())
            achieved = fps * steps / train if train and train > 0 else _nan()
            rows.append({**base, "stage": stage, "wall_s": wall, "train_s": train, "steps": steps,
                         "cells_per_s": n / wall if wall and wall > 0 else _nan(), "flops_per_step": fps,
                         "achieved_gflops": achieved / 1e9, "matmul_gflops": ref / 1e9,
                         "matmul_fraction": achieved / ref if ref and ref > 0 else _nan(),
                         "ari": _nan(), "nmi": _nan()})
        total = rec.get("total_s", _nan())
        rows.append({**base, "stage": "total", "wall_s": total, "import_s": rec.get("import_s", _nan()),
                     "train_s": _nan(), "steps": rec.get("steps", _nan()),
                     "cells_per_s": n / total if total and total > 0 else _nan(), "flops_per_step": _nan(),
                     "achieved_gflops": _nan(), "matmul_gflops": _nan(), "matmul_fraction": _nan(),
                     "ari": rec.get("ari", _nan()), "nmi": rec.get("nmi", _nan())})
    return [{c: r.get(c, "") for c in COLUMNS} for r in rows]


def write_csv(rows: list[dict], path: Path) -> Path:
    """Write the rows to ``path`` atomically (temporary name, then ``os.replace``)."""
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    pd.DataFrame(rows, columns=COLUMNS).to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def _total(frame, dataset: str, method: str, column: str):
    sel = frame[(frame["dataset"] == dataset) & (frame["method"] == method) & (frame["stage"] == "total")
                & (frame["status"] == "ok")]
    return float(sel[column].iloc[0]) if len(sel) and column in sel else float("nan")


def _stage(frame, dataset: str, stage: str, column: str):
    sel = frame[(frame["dataset"] == dataset) & (frame["method"] == "scDMAC") & (frame["stage"] == stage)
                & (frame["status"] == "ok")]
    return float(sel[column].iloc[0]) if len(sel) else float("nan")


def evaluate_targets(frame):
    """The issue's targets as a DataFrame: target, value, threshold, verdict (PASS / FAIL / n/a)."""
    import pandas as pd

    z, big, small = "zeisel", "sim-100000", "sim-10000"
    t_z = _total(frame, z, "scDMAC", "wall_s")
    t_scvi = _total(frame, z, "scVI + k-means", "wall_s")
    t_big, t_small = _total(frame, big, "scDMAC", "wall_s"), _total(frame, small, "scDMAC", "wall_s")
    items = [
        ("scDMAC on zeisel, end to end (s)", t_z, "<= 60", t_z <= 60),
        ("scVI time / scDMAC time on zeisel", t_scvi / t_z, ">= 10", t_scvi / t_z >= 10),
        ("ARI scDMAC - ARI scVI on zeisel", _total(frame, z, "scDMAC", "ari") - _total(frame, z, "scVI + k-means", "ari"),
         ">= 0", None),
        ("scDMAC on 100k cells, end to end (s)", t_big, "< 1800", t_big < 1800),
        ("scDMAC on 100k cells, peak RSS (GiB)", _total(frame, big, "scDMAC", "rss_gib"), "< 8", None),
        ("time(100k) / time(10k)", t_big / t_small, "<= 12", t_big / t_small <= 12),
    ]
    items[2] = (*items[2][:3], items[2][1] >= 0)
    items[4] = (*items[4][:3], items[4][1] < 8)
    with_imports = ((t_scvi + _total(frame, z, "scVI + k-means", "import_s"))
                    / (t_z + _total(frame, z, "scDMAC", "import_s")))
    items.append(("for reference: that ratio with one-time imports included", with_imports, "", None))
    for stage in ("denoise", "mae", "cluster"):
        frac = _stage(frame, z, stage, "matmul_fraction")
        items.append((f"{stage} loop on zeisel: achieved / matmul rate", frac, ">= 0.5", frac >= 0.5))
    rows = [{"target": t, "value": v, "threshold": th,
             "verdict": "n/a" if v != v else "info" if ok is None else ("PASS" if ok else "FAIL")}
            for t, v, th, ok in items]
    return pd.DataFrame(rows)


def summary_table(frame):
    """Wide per-case view: seconds per stage, total, cells/s, RSS, ARI and the loops' matmul fraction."""
    ok = frame[frame["status"] == "ok"]
    tot = ok[ok["stage"] == "total"].set_index(["dataset", "method"])
    columns = ["n_cells", "wall_s", "import_s", "cells_per_s", "rss_gib", "ari"]  # import_s: absent from older CSVs
    out = tot.reindex(columns=columns).rename(columns={"wall_s": "total_s"})
    out["n_cells"] = out["n_cells"].astype(int)
    st = ok[(ok["method"] == "scDMAC") & (ok["stage"] != "total")]
    if len(st):
        secs = st.pivot_table(index=["dataset", "method"], columns="stage", values="wall_s", sort=False)
        frac = st.pivot_table(index=["dataset", "method"], columns="stage", values="matmul_fraction", sort=False)
        secs = secs.rename(columns=lambda s: f"{s}_s")
        frac = frac.rename(columns=lambda s: f"{s}_mm%").mul(100)
        out = out.join(secs).join(frac)
    return out.reset_index()


def plot(frame, path: Path | None = None):
    """Four panels: scDMAC seconds per stage, end-to-end time vs cells, peak RSS, loops' matmul fraction."""
    import matplotlib.pyplot as plt
    import numpy as np

    ok = frame[frame["status"] == "ok"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    sc = ok[(ok["method"] == "scDMAC") & (ok["stage"].isin(STAGES))]
    datasets = list(dict.fromkeys(sc["dataset"]))
    ax = axes[0, 0]
    bottom = np.zeros(len(datasets))
    for stage in STAGES:
        vals = np.array([_stage(frame, d, stage, "wall_s") for d in datasets])
        vals = np.nan_to_num(vals)
        ax.bar(datasets, vals, bottom=bottom, label=stage)
        bottom += vals
    ax.set(ylabel="seconds", title="scDMAC: wall time per stage")
    ax.legend()
    ax = axes[0, 1]
    tot = ok[ok["stage"] == "total"]
    for method, grp in tot.groupby("method", sort=False):
        grp = grp.sort_values("n_cells")
        ax.plot(grp["n_cells"], grp["wall_s"], "o-", label=method)
    ax.set(xscale="log", yscale="log", xlabel="cells", ylabel="seconds end to end", title="End-to-end time")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    for method, grp in tot.groupby("method", sort=False):
        grp = grp.sort_values("n_cells")
        ax.plot(grp["n_cells"], grp["rss_gib"], "o-", label=method)
    ax.axhline(8, color="grey", ls="--", lw=1)
    ax.set(xscale="log", xlabel="cells", ylabel="GiB", title="Peak RSS per case (target < 8 GiB at 100k)")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    width = 0.8 / 3
    for i, stage in enumerate(("denoise", "mae", "cluster")):
        vals = [_stage(frame, d, stage, "matmul_fraction") for d in datasets]
        ax.bar(np.arange(len(datasets)) + (i - 1) * width, vals, width, label=stage)
    ax.axhline(0.5, color="grey", ls="--", lw=1)
    ax.set_xticks(np.arange(len(datasets)), datasets)
    ax.set(ylabel="achieved / matmul rate", title="Training loops: share of the machine's matmul rate")
    ax.legend()
    device = ", ".join(sorted(set(map(str, ok["device"])))) if len(ok) else "?"
    threads = ", ".join(sorted({str(int(t)) for t in ok["torch_threads"].dropna()})) or "?"
    fig.suptitle(f"scDMAC performance ({device}, torch threads: {threads})")
    fig.tight_layout()
    if path is not None:
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        fig.savefig(tmp, dpi=110, format="png")
        os.replace(tmp, path)
    return fig


# --------------------------------------------------------------------------- driver


def _child(args: list[str], timeout: float, threads: int | None = None) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    if threads:  # every pool of the child (torch, OpenMP, BLAS: k-means, PCA, scVI) gets the same count
        env.update({v: str(threads) for v in ("SCDMAC_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                              "OPENBLAS_NUM_THREADS")})
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return -1, "", f"timed out after {timeout:.0f} s"
    return proc.returncode, proc.stdout, proc.stderr


def run_in_subprocess(case: dict, timeout: float) -> dict:
    """Run ``case`` in a fresh interpreter; a crash or timeout becomes a record with status ``failed``."""
    code, out, err = _child(["--case", json.dumps(case)], timeout, case.get("threads"))
    for line in out.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    tail = (err or out).strip().splitlines()[-3:]
    return {**case, "status": "failed", "note": f"exit {code}: {' | '.join(tail)}"[:300]}


def plan(args) -> list[dict]:
    """The cases to run, in order: the first real dataset, the simulated sizes, the other real ones."""
    real = list(args.datasets)
    # the first real dataset (zeisel: the headline targets), then the sizes, then the other real ones
    datasets = real[:1] + [sim_name(n) for n in args.sizes] + real[1:]
    cases = []
    for ds in datasets:
        for method in args.methods:
            case = {"dataset": ds, "method": method, "device": args.device, "quick": args.quick,
                    "profile": args.profile, "threads": args.threads}
            if method == "scVI + k-means":
                n = int(ds.removeprefix("sim-")) if ds.startswith("sim-") else 0
                if args.skip_scvi:
                    continue
                if n > args.scvi_max_cells:
                    cases.append({**case, "status": "skipped",
                                  "note": f"scVI default training not run above {args.scvi_max_cells} cells "
                                          "(--scvi-max-cells): hours on this CPU"})
                    continue
                case["scvi_max_epochs"] = args.scvi_max_epochs
            cases.append(case)
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 30_000, 100_000],
                        help="simulated cell counts (x 2000 genes)")
    parser.add_argument("--datasets", nargs="*", default=list(REAL), help="real datasets")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--skip-scvi", action="store_true", help="leave scVI out")
    parser.add_argument("--scvi-max-cells", type=int, default=5000,
                        help="run scVI only on datasets up to this many cells")
    parser.add_argument("--scvi-max-epochs", type=int, default=None,
                        help="bound scVI's epochs (default: scvi-tools' own default)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny training budgets and one 2000-cell simulation: checks the machinery")
    parser.add_argument("--profile", default=DEFAULT_PROFILE,
                        help=f"profile whose training budgets scDMAC uses (default {DEFAULT_PROFILE})")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads of every case (torch, OpenMP, BLAS); default: $SCDMAC_THREADS, "
                             "else the cores this process may use")
    parser.add_argument("--case-timeout", type=float, default=3600.0, help="seconds per case")
    parser.add_argument("--report-only", action="store_true",
                        help="rebuild the CSV, plot and tables from the last run's benchmark.jsonl")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--simulate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case is not None:  # child: one case, one JSON line
        sys.stdout.write(MARK + json.dumps(run_case(json.loads(args.case))) + "\n")
        return 0
    if args.simulate is not None:
        simulate_to_file(args.simulate)
        return 0
    if args.report_only:
        lines = (_results_dir() / "benchmark.jsonl").read_text().splitlines()
        return report([json.loads(line) for line in lines if line.strip()], _results_dir())
    if args.quick:
        args.sizes, args.datasets, args.scvi_max_epochs = [2000], [], args.scvi_max_epochs or 2
        args.scvi_max_cells = max(args.scvi_max_cells, 2000)
    out_dir = _results_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        if not sim_path(n).exists():
            code, _, err = _child(["--simulate", str(n)], args.case_timeout)
            if code != 0:
                sys.stderr.write(f"simulating {n} cells failed: {err[-500:]}\n")
                return 1
    records = []
    (out_dir / "benchmark.jsonl").write_text("")  # this run's raw records, one JSON line per case
    for case in plan(args):
        if case.get("status") == "skipped":
            records.append(case)
            continue
        t0 = time.perf_counter()
        rec = run_in_subprocess(case, args.case_timeout)
        records.append(rec)
        sys.stdout.write(f"{case['dataset']:>12} {case['method']:<22} {rec['status']:<7} "
                         f"{rec.get('total_s', float('nan')):8.1f} s  RSS {rec.get('peak_rss_gib', float('nan')):5.2f} GiB  "
                         f"ARI {rec.get('ari', float('nan')):.3f}  (case {time.perf_counter() - t0:.0f} s) "
                         f"{rec.get('note', '')}\n")
        sys.stdout.flush()
        with (out_dir / "benchmark.jsonl").open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
        write_csv(records_to_rows(records), out_dir / "benchmark.csv")  # partial results survive a stop
    return report(records, out_dir)


def report(records: list[dict], out_dir: Path) -> int:
    """Write the CSV and the plot, print the per-case table and the targets."""
    import pandas as pd

    csv = write_csv(records_to_rows(records), out_dir / "benchmark.csv")
    frame = pd.read_csv(csv)
    plot(frame, out_dir / "benchmark.png")
    ok = frame[frame["status"] == "ok"]
    first = ok.iloc[0] if len(ok) else {}
    pd.set_option("display.width", 200)
    fmt = {"float_format": lambda v: f"{v:.3g}", "index": False}
    sys.stdout.write(f"\ndevice {first.get('device', '?')}, torch threads {int(first.get('torch_threads', 0))}, "
                     f"torch {first.get('torch', '?')}, scvi-tools {first.get('scvi', '?')}, "
                     f"commit {first.get('commit', '?')}; 1024^3 fp32 matmul "
                     f"{ok['peak_matmul_gflops'].max():.0f} GFLOP/s\n\n")
    sys.stdout.write(summary_table(frame).to_string(**fmt) + "\n\n")
    skipped = frame[frame["status"] != "ok"]
    for _, row in skipped.drop_duplicates(["dataset", "method"]).iterrows():
        sys.stdout.write(f"{row['status']}: {row['method']} on {row['dataset']}: {row['note']}\n")
    sys.stdout.write("\ntargets\n" + evaluate_targets(frame).to_string(**fmt) + "\n")
    sys.stdout.write(f"\nwrote {csv} and {out_dir / 'benchmark.png'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
