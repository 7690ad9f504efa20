# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Performance: where scDMAC's time goes, and how it compares
#
# Not a paper item: this page shows the project's performance benchmark (`benchmarks/run.py`). Per
# stage of scDMAC (preprocess, denoise, masked AE, clustering) it gives the wall time, the optimizer
# steps, cells per second and the achieved fp32 FLOP rate of the training loops as a fraction of this
# machine's own matrix-multiply rate (measured in the same process, at the same layer shapes); end to
# end it compares scDMAC with scVI + k-means (scvi-tools' default training), the scanpy Leiden
# pipeline and PCA + k-means on Zeisel (stand-in: 3005 cells x 4000 genes), worm_neuron and simulated
# ZINB count matrices, with each case's peak memory (RSS, each case in its own process). Times
# exclude one-time Python imports for every method alike (column `import_s`; the targets table also
# gives the scVI ratio with them included). The numbers are read from `results/benchmarks/benchmark.csv`, written by one command; the book never
# reruns the benchmark. The targets below are the project's, computed from the CSV.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
benchmark_csv = None  # path of the benchmark CSV (None: results/benchmarks/benchmark.csv)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["hide-input"]
import importlib.util
import sys
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib.book import page, summaries
from scdmac_lib.data import catalogue
from scdmac_lib.runtime import paths

NAME = "95_performance"
DATASET = page.walkthrough_dataset(profile, paper_data=False)  # of the fallback measurement
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=[DATASET], seeds=[0],
                    note="the profile sets only the fallback measurement; the benchmark's own CSV is read as it is")
BENCH = paths.REPO_ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))  # the benchmark's own modules: its table, plot and targets logic
_spec = importlib.util.spec_from_file_location("benchmark_run", BENCH / "run.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)
import flops  # noqa: E402  (benchmarks/flops.py)

CSV = paths.results_dir() / "benchmarks" / "benchmark.csv" if benchmark_csv is None else Path(benchmark_csv)
COMMAND = ".venv/bin/python benchmarks/run.py"
display(Markdown(f"Benchmark CSV: `{paths.display_path(CSV)}`."))

# %% tags=["hide-input"]
have = CSV.exists()
if have:
    frame = pd.read_csv(CSV)
    ok = frame[frame["status"] == "ok"]
    quick = bool(ok["quick"].any()) if len(ok) else False
    first = ok.iloc[0]
    display(Markdown(
        f"Measured on **{first['device']}** with **{int(first['torch_threads'])}** torch threads; torch "
        f"{first['torch']}, scanpy {first['scanpy']}, scvi-tools {first['scvi'] or 'not installed'}; commit "
        f"`{first['commit']}`; finished {ok['finished_at'].max()}. Largest-square fp32 matmul rate of this "
        f"machine: **{ok['peak_matmul_gflops'].max():.0f} GFLOP/s**."
        + ("\n\n**This CSV came from `--quick` (tiny training budgets): its times are not the method's.**"
           if quick else "")))
else:
    display(Markdown(
        f"**No benchmark results yet** (`{paths.display_path(CSV)}` is absent). Produce them with\n\n"
        f"```\n{COMMAND}\n```\n\n(all sizes, about half an hour to an hour on a 2-core CPU; add `--skip-scvi` to "
        f"leave scVI out, `--sizes 10000` for fewer simulated sizes, or `--quick` to check the machinery in two "
        f"minutes), then re-execute this notebook. Below, a tiny measurement in this kernel instead."))

# %% [markdown]
# ## Per case: seconds per stage, throughput, memory, accuracy
#
# `*_s` are scDMAC's stage wall times, `*_mm%` the training loops' achieved FLOP rate (analytic
# matmul FLOPs per step x steps / loop seconds) as a percentage of the rate of the same matrix
# multiplies run bare. Baselines have only an end-to-end time. Skipped or failed cases are listed
# with the reason.

# %% tags=["hide-input"]
if have:
    summary = bench.summary_table(frame)
    summary_csv = page.save_table(summary, NAME)
    summary["dataset"] = summary["dataset"].map(summaries.benchmark_label)  # shown with its kind
    per_stage = [c for c in summary.columns if c.endswith(("_s", "_mm%")) and c not in ("total_s", "import_s")]
    overview = summary[[c for c in summary.columns if c not in per_stage]]
    page.show_table(overview, "Every case end to end: cells, seconds, throughput, peak memory and ARI.", csv=summary_csv)
    if per_stage:
        stage_names = summary.loc[summary["method"] == "scDMAC", ["dataset", *per_stage]]
        page.show_table(stage_names, "scDMAC per stage: seconds, and the training loops' matmul rate as a percentage "
                        "of the bare matmul rate.", csv=summary_csv)
    for _, row in frame[frame["status"] != "ok"].drop_duplicates(["dataset", "method"]).iterrows():
        on = summaries.benchmark_label(row["dataset"])
        display(Markdown(f"- {row['status']}: {row['method']} on {on}: {row['note']}"))

# %% tags=["hide-input"]
if have:
    fig = bench.plot(frame)
    page.show_figure(fig, NAME, "scDMAC's seconds per stage, end-to-end time against the number of cells for "
                     "every method, peak memory, and the loops' matmul fraction.")

# %% [markdown]
# ## Targets
#
# PASS / FAIL is computed here from the CSV; `n/a` means the run that decides it is not in the CSV
# (for example scVI skipped, or the 100k size not run); `info` rows are shown for reference and are
# not targets.

# %% tags=["hide-input"]
if have:
    targets = bench.evaluate_targets(frame)
    page.show_table(targets, "Each performance target, its measured value and verdict.",
                    csv=page.save_table(targets, f"{NAME}_targets"))
    n_fail = int((targets["verdict"] == "FAIL").sum())
    n_pass = int((targets["verdict"] == "PASS").sum())
    n_targets = int((targets["verdict"] != "info").sum())
    display(Markdown(f"**{n_pass} of {n_targets} targets pass, {n_fail} fail.**"))

# %% [markdown]
# ## Fallback: a tiny measurement in this kernel
#
# Only when there is no CSV: the matmul rate at the denoising stage's layer shapes, and one scDMAC
# fit on the profile's walk-through dataset with the profile's budgets, timed per stage.

# %% tags=["hide-input"]
if not have:
    from scdmac_lib.method.config import make_config
    from scdmac_lib.method.devices import resolve_device
    from scdmac_lib.method.pipeline import fit_scdmac

    adata = catalogue.load_dataset(DATASET)
    cfg = make_config(catalogue.n_types(adata), device=device, **pg.profile.config_overrides())
    res = fit_scdmac(adata.X, cfg)
    n_genes = res.preprocessed.counts.shape[1]
    stages = summaries.stage_table(res.timings, res.history, bench.STAGES)
    stages["matmul GFLOP/step"] = [flops.step_flops(s, n_genes, adata.n_obs, cfg) / 1e9 if s != "preprocess" else None
                                   for s in stages["stage"]]
    display(Markdown(f"scDMAC on {catalogue.label(DATASET)} ({adata.n_obs} cells), profile budgets: "
                     f"{stages['wall_s'].sum():.1f} s over its stages."))
    page.show_table(stages, "Fallback measurement: scDMAC's seconds, steps and matmul work per stage.")
    rate = flops.stage_reference_rate("denoise", n_genes, cfg, device=resolve_device(device), min_seconds=0.1)
    display(Markdown(f"Matmul rate at the denoising stage's shapes here: {rate / 1e9:.1f} GFLOP/s."))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
