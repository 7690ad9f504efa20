# Snakemake workflow: every notebook -> book/executed/NAME.ipynb -> the book (_build/html/index.html).
#
#   snakemake -n --config profile=quick                               # dry run
#   snakemake --profile workflow/profiles/local --config profile=quick # 2 cores, this machine
#   snakemake --profile workflow/profiles/slurm --config profile=paper # SLURM (see that profile)
#
# `--config profile=...` picks the project's run profile (smoke, quick, paper; default quick); it is
# a parameter of every notebook job, so changing it reruns them. Snakemake's own `--profile` is a
# folder of command-line defaults. The notebooks come from scdmac_lib.notebooks.NOTEBOOKS (every
# notebooks/*.py in file-name order), so a new notebook joins the workflow without editing this file.
# Trained runs are cached under results/runs (by the library), so a rerun only computes what is missing.
import sys
from pathlib import Path

from scdmac_lib.notebooks import LANDING_PAGE, NOTEBOOKS

PROFILE = config.get("profile", "quick")
DEVICE = config.get("device", "auto")
PYTHON = sys.executable
NAMES = list(NOTEBOOKS)
# Report notebooks (90_..., 95_..., 99_...) summarize the others, so they run after them; the landing
# page (99_summary) reads the reproducibility report's tables, so it also runs after the other
# reports; the rest are independent (they share the run cache, whose writes are atomic).
REPORTS = [n for n in NAMES if n[:1] == "9"]
WORK = [n for n in NAMES if n not in REPORTS]
PROSE = [f"book/{p}.md" for p in ("intro", "methods", "data", "reproducibility", "performance", "own-data", "rerun")]

wildcard_constraints:
    name="|".join(NAMES),


rule all:
    input:
        "_build/html/index.html",


def notebook_inputs(wildcards):
    inputs = [f"notebooks/{wildcards.name}.py"]
    if wildcards.name in REPORTS:
        inputs += [f"book/executed/{n}.ipynb" for n in WORK]
    if wildcards.name == LANDING_PAGE:
        inputs += [f"book/executed/{n}.ipynb" for n in REPORTS if n != LANDING_PAGE]
    return inputs


rule notebook:
    input:
        notebook_inputs,
    output:
        "book/executed/{name}.ipynb",
    params:
        profile=PROFILE,
        device=DEVICE,
    threads: 1
    resources:
        runtime=lambda wildcards: 600 if PROFILE == "paper" else 60,  # minutes (used by SLURM)
        mem_mb=8000,
    log:
        "_build/logs/{name}.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.notebooks run {wildcards.name} --profile {params.profile} "
        "--device {params.device} > {log:q} 2>&1"


rule book:
    input:
        notebooks=expand("book/executed/{name}.ipynb", name=NAMES),
        prose=[p for p in PROSE if Path(p).exists()],
        config="_config.yml",
    output:
        "_build/html/index.html",
    threads: 1
    localrule: True
    log:
        "_build/logs/book.log",
    shell:
        "{PYTHON:q} -m scdmac_lib.notebooks book > {log:q} 2>&1"
