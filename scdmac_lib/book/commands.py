"""Running the ``scdmac`` command on a page (the quick start, the own-data page), and showing it.

:func:`run_command` runs one command in a work folder and returns its exit status and its output
wrapped to the article column; :func:`set_options` and :func:`command_text` spell a command as a
reader would type it; :func:`demo_budget` caps a profile's training budgets for a live demonstration;
:func:`with_counts_layer` makes the layout most analysts' files have (log values in ``X``, counts in a
layer).
"""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WIDTH = 76  # characters of a printed line that fit the article column
STAGE_BUDGETS = ("zinb.train.max_steps", "mae.train.max_steps", "cluster.train.max_steps")


@dataclass(frozen=True)
class CommandOutput:
    """A finished command: its exit status and its non-empty output lines, wrapped to :data:`WIDTH`."""

    returncode: int
    output: str


def wrap_lines(text: str, width: int = WIDTH) -> str:
    """The non-empty lines of ``text``, each wrapped to ``width`` characters (continuations indented)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(textwrap.fill(line, width=width, subsequent_indent="  ") for line in lines)


def run_command(argv: Sequence[str], cwd: Path, *, check: bool = True) -> CommandOutput:
    """Run ``argv`` in ``cwd``; its stdout then stderr, wrapped, with ``cwd`` written as ``<tmp>``.

    With ``check``, a non-zero exit status raises ``RuntimeError`` (the page must not show a failed
    command as if it had worked).
    """
    proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, check=False)
    text = (proc.stdout + proc.stderr).replace(str(cwd), "<tmp>")
    if check and proc.returncode != 0:
        msg = f"{argv[0]} exited with status {proc.returncode}: {wrap_lines(text)[-2000:]}"
        raise RuntimeError(msg)
    return CommandOutput(proc.returncode, wrap_lines(text))


def set_options(overrides: Mapping[str, Any]) -> list[str]:
    """``--set KEY=VALUE`` for each config override (the command's spelling of ``**overrides``)."""
    return [word for key, value in overrides.items() for word in ("--set", f"{key}={value}")]


def command_text(program: str, lines: Sequence[Sequence[str]]) -> str:
    """A shell command over several lines: ``program`` and the first group, then one group per line."""
    groups = [" ".join(group) for group in lines if group]
    return " \\\n    ".join([f"{program} {groups[0]}" if groups else program, *groups[1:]])


def demo_budget(overrides: Mapping[str, Any], max_steps: int) -> dict[str, Any]:
    """``overrides`` with every ``*_steps`` budget capped at ``max_steps``, and each stage's step budget set
    (to ``max_steps``) when the overrides leave it at the method's default."""
    if max_steps < 1:
        msg = f"max_steps must be a positive number of training steps, got {max_steps}."
        raise ValueError(msg)
    budget = {k: (min(v, max_steps) if k.endswith("_steps") else v) for k, v in overrides.items()}
    for key in STAGE_BUDGETS:
        budget.setdefault(key, max_steps)
    return budget


def with_counts_layer(adata, *, target_sum: float = 1e4):
    """A copy of ``adata`` (raw counts in a sparse ``X``) with the counts in ``layers["counts"]`` and
    ``log1p`` of the counts normalized to ``target_sum`` in ``X``."""
    out = adata.copy()
    out.layers["counts"] = out.X.copy()
    totals = np.asarray(out.X.sum(axis=1)).ravel()
    out.X = out.X.multiply(target_sum / np.where(totals > 0, totals, 1.0)[:, None]).tocsr().log1p()
    return out
