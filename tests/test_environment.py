"""The ways to install the project name the same packages, and the requirements say why they cap."""

from __future__ import annotations

import re
import tomllib

import yaml

from scdmac_lib.runtime import paths

ROOT = paths.REPO_ROOT


def _setup_line() -> list[str]:
    (line,) = re.findall(r"^line='([^']+)'", (ROOT / "tools" / "setup.sh").read_text(), re.M)
    return line.split()


def test_environment_yml_installs_what_the_test_and_book_commands_install():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert [p for p in pip if not p.startswith("--")] == ["torch==2.13.0", "-e .[book,test]"]
    assert _setup_line() == ["torch==2.13.0", "-e", ".[book,test]"]
    assert "python=3.11" in env["dependencies"]


def test_the_readme_commands_go_through_the_setup_script():
    for script in ("test.sh", "book.sh"):
        assert "bash tools/setup.sh" in (ROOT / "tools" / script).read_text(), script
    readme = (ROOT / "README.md").read_text()
    assert "bash tools/book.sh" in readme and "bash tools/test.sh" in readme
    assert "bash tools/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_every_upper_cap_names_the_break_beside_it():
    text = (ROOT / "pyproject.toml").read_text()
    deps = tomllib.loads(text)["project"]
    lines = text.splitlines()
    for requirement in deps["dependencies"] + [r for extra in deps["optional-dependencies"].values() for r in extra]:
        if "<" not in requirement.split(";")[0]:
            continue
        i = next(n for n, line in enumerate(lines) if requirement in line)
        context = " ".join(lines[max(0, i - 3): i + 1])
        assert "#" in context, f"{requirement}: an upper cap needs the break it avoids written beside it"
