# Snakemake workflow at the grain of runs: datasets -> denoising stages -> runs -> notebooks -> book.
#
#   snakemake -n --config profile=paper                                 # dry run: every job it would run
#   snakemake --profile workflow/profiles/local --config profile=quick  # this machine (2 cores)
#   snakemake --profile workflow/profiles/slurm --config profile=paper  # a SLURM cluster
#   snakemake runs --profile workflow/profiles/slurm --config profile=paper  # only the runs
#
# `--config profile=...` is the project's run profile (smoke, quick, paper; default quick); Snakemake's
# own `--profile` is a folder of command-line defaults. The jobs, planned by scdmac_lib.runs.plan from
# the same functions the notebooks call for their runs:
#   dataset   one per manifest dataset the runs read: fetched, converted and cached once (on the
#             login node of a cluster), recorded in results/datasets/NAME.json;
#   denoise   one per shared denoising stage, results/stages/denoise-KEY.npz: the scDMAC variants and
#             sweep points with the same dataset, seed and preprocessing/augmentation/ZINB settings
#             read it;
#   train     one per cached run of a method that trains a network, results/runs/KEY/ (a GPU helps);
#   classical one per cached run of PCA + k-means or Leiden (CPU only);
#   notebook  one per notebook, after the runs it reads (a page that only reads its runs, the method
#             study outside smoke, waits for them only with recompute=true: `runs` computes them);
#             book after every notebook.
# Runs and stages are written atomically by the library under their content keys, so an interrupted
# workflow loses nothing and a rerun computes only what is missing. Every job gets `threads` CPU
# threads (`--config threads=N`, default 1; the SLURM profile sets them per rule) and passes them on
# with --threads, so jobs side by side never use more threads than the cores they were given.
#
# The results archive (archive/, scdmac_lib.runs.archive) holds the quick plan's runs: a run it holds
# under its current key gets no job, and the notebooks read it from there. `--config recompute=true`
# ignores the archive (SCDMAC_ARCHIVE=off for every job) and plans every run. The executed notebooks
# and the book depend on _build/profile.txt, rewritten whenever the profile (or recompute) changes, so
# a book built for one profile is never taken for another's. Run it with `--rerun-triggers mtime input`
# (the profiles in workflow/profiles and tools/book.sh do): a job's identity is its key, not its params.
import os
import sys
from pathlib import Path

from scdmac_lib.book.build import LANDING_PAGE
from scdmac_lib.book.progress import run_text
from scdmac_lib.book.runner import NOTEBOOKS
from scdmac_lib.data import catalogue
from scdmac_lib.runs import plan as runplan
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import paths

PROFILE = config.get("profile", "quick")
DEVICE = config.get("device", "auto")
THREADS = int(config.get("threads", 1))
RECOMPUTE = str(config.get("recompute", "false")).lower() in ("1", "true", "yes")
if RECOMPUTE:
    os.environ["SCDMAC_ARCHIVE"] = "off"  # inherited by every job's shell
PYTHON = sys.executable
NAMES = list(NOTEBOOKS)
PLAN = runplan.plan(PROFILE, NAMES, skip_archived=not RECOMPUTE)
PROFILE_STAMP = "_build/profile.txt"
_stamp = f"profile={PROFILE} recompute={RECOMPUTE}\n"
if not Path(PROFILE_STAMP).is_file() or Path(PROFILE_STAMP).read_text() != _stamp:
    Path(PROFILE_STAMP).parent.mkdir(parents=True, exist_ok=True)
    Path(PROFILE_STAMP).write_text(_stamp)  # newer than every executed notebook: they are rerun
# The landing page (99_summary) reads the tables of the reports, the method study and the stage diagnosis, so it runs
# after them; every other notebook waits only for the runs it reads.
REPORTS = [n for n in NAMES if (n[:1] == "9" or n in ("70_method_study", "75_stage_diagnosis")) and n != LANDING_PAGE]
PROSE = [f"book/{p}.md" for p in ("intro", "methods", "data", "reproducibility", "performance", "own-data", "rerun")]
try:  # outputs relative to the working directory when the results folder is inside it
    RESULTS = paths.results_dir().relative_to(Path.cwd()).as_posix()
except ValueError:
    RESULTS = paths.results_dir().as_posix()
TRAIN = [k for k in PLAN.runs if PLAN.trains(k)]
CLASSICAL = [k for k in PLAN.runs if not PLAN.trains(k)]
# minutes a job may take (SLURM's time limit): the paper profile trains with the full budgets
RUNTIME = {"smoke": 10, "quick": 60}.get(PROFILE, 600)


def run_file(key):
    return f"{RESULTS}/runs/{key}/result.json"


def stage_file(key):
    return f"{RESULTS}/stages/denoise-{key}.npz"


def dataset_file(name):
    return f"{RESULTS}/datasets/{name}.json"


# Every job's `message` is "ID: TEXT": tools/book.sh prints TEXT as the step's line (and finds a page's
# runs by its ID); Snakemake's own output goes to _build/logs/ (scdmac_lib.book.progress).
PROFILE_SETTINGS = get_profile(PROFILE).config_overrides()


def _alternatives(values):
    return "|".join(values) or "(?!)"  # (?!) matches nothing: a rule with no jobs


wildcard_constraints:
    name=_alternatives(NAMES),
    stage="[0-9a-f]{16}",
    dataset=_alternatives(PLAN.datasets),


rule all:
    input:
        "_build/html/index.html",


rule runs:
    input:
        [run_file(k) for k in PLAN.runs],


rule dataset:
    output:
        f"{RESULTS}/datasets/{{dataset}}.json",
    params:
        label=lambda w: catalogue.label(w.dataset),
    message:
        "{wildcards.dataset}: dataset {params.label} ready"
    threads: 1
    localrule: True  # downloads need the network, which a cluster's login node has
    log:
        f"{RESULTS}/logs/datasets/{{dataset}}.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.runs.jobs dataset {wildcards.dataset:q} --out {output:q} > {log:q} 2>&1"


def data_of(spec):
    return [ancient(dataset_file(spec.dataset))] if spec.dataset in PLAN.datasets else []


rule denoise:
    input:
        lambda w: data_of(PLAN.stages[w.stage]),
    output:
        f"{RESULTS}/stages/denoise-{{stage}}.npz",
    params:
        spec=lambda w: runplan.spec_json(PLAN.stages[w.stage]),
        device=DEVICE,
        what=lambda w: run_text(PLAN.stages[w.stage], PROFILE_SETTINGS),
    message:
        "{wildcards.stage}: shared denoising stage of {params.what}"
    threads: THREADS
    resources:
        runtime=RUNTIME,
        mem_mb=8000,
    log:
        f"{RESULTS}/logs/stages/{{stage}}.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.runs.jobs stage {wildcards.stage} --spec {params.spec:q} "
        "--device {params.device} --threads {threads} > {log:q} 2>&1"


def run_inputs(wildcards):
    inputs = data_of(PLAN.runs[wildcards.key])
    stage = PLAN.run_stage.get(wildcards.key)
    if stage is not None:
        inputs.append(ancient(stage_file(stage)))  # the run's identity is its key, not file times
    return inputs


rule train:
    input:
        run_inputs,
    output:
        f"{RESULTS}/runs/{{key}}/result.json",
    wildcard_constraints:
        key=_alternatives(TRAIN),
    params:
        spec=lambda w: runplan.spec_json(PLAN.runs[w.key]),
        device=DEVICE,
        what=lambda w: run_text(PLAN.runs[w.key], PROFILE_SETTINGS),
    message:
        "{wildcards.key}: train {params.what}"
    threads: THREADS
    resources:
        runtime=RUNTIME,
        mem_mb=8000,
    log:
        f"{RESULTS}/logs/runs/{{key}}.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.runs.jobs run {wildcards.key} --spec {params.spec:q} "
        "--device {params.device} --threads {threads} > {log:q} 2>&1"


rule classical:
    input:
        run_inputs,
    output:
        f"{RESULTS}/runs/{{key}}/result.json",
    wildcard_constraints:
        key=_alternatives(CLASSICAL),
    params:
        spec=lambda w: runplan.spec_json(PLAN.runs[w.key]),
        what=lambda w: run_text(PLAN.runs[w.key], PROFILE_SETTINGS),
    message:
        "{wildcards.key}: compute {params.what}"
    threads: THREADS
    resources:
        runtime=min(RUNTIME, 60),
        mem_mb=8000,
    log:
        f"{RESULTS}/logs/runs/{{key}}.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.runs.jobs run {wildcards.key} --spec {params.spec:q} "
        "--device cpu --threads {threads} > {log:q} 2>&1"


def notebook_inputs(wildcards):
    keys = PLAN.notebook_runs.get(wildcards.name, ())
    if wildcards.name in PLAN.reads_only and not RECOMPUTE:
        keys = ()  # the page shows what is there; `snakemake runs` (or recompute=true) computes the rest
    inputs = ([f"notebooks/{wildcards.name}.py", PROFILE_STAMP] + [ancient(run_file(k)) for k in dict.fromkeys(keys)]
              + [ancient(dataset_file(d)) for d in PLAN.datasets])
    if wildcards.name == LANDING_PAGE:
        inputs += [f"book/executed/{n}.ipynb" for n in REPORTS]
    return inputs


rule notebook:
    input:
        notebook_inputs,
    output:
        "book/executed/{name}.ipynb",
    params:
        profile=PROFILE,
        device=DEVICE,
        title=lambda w: NOTEBOOKS[w.name]["paper_item"],
    message:
        "{wildcards.name}: {params.title}"
    threads: THREADS
    resources:
        runtime=RUNTIME,
        mem_mb=8000,
    log:
        "_build/logs/{name}.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.cli notebooks run {wildcards.name} --profile {params.profile} "
        "--device {params.device} --threads {threads} > {log:q} 2>&1"


rule book:
    input:
        notebooks=expand("book/executed/{name}.ipynb", name=NAMES),
        prose=[p for p in PROSE if Path(p).exists()],
        config="_config.yml",
        stamp=PROFILE_STAMP,
    output:
        "_build/html/index.html",
    message:
        "book: the book's HTML (Jupyter Book)"
    threads: 1
    localrule: True
    log:
        "_build/logs/book.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.cli notebooks book > {log:q} 2>&1"
