"""What ``bash tools/book.sh`` prints while Snakemake builds the book: one line per step a reader understands.

Snakemake's own console output (its banner, "Select jobs to execute...", every job's block) goes to a
log file; this module reads it line by line as it is written and prints instead, for each step that
ends::

    [12/19] Tables 2 and 3: ARI and NMI ... 31 s, 96 runs from the results archive
    [3/40] train scDMAC on Zeisel (stand-in), seed 0 ... 45 s; 37 runs left to compute

It relies on the ``message`` of each rule of the ``Snakefile``, written ``ID: TEXT`` (the job's
wildcard, then what a reader is told), which Snakemake prints as ``Job N: ID: TEXT`` when the job
starts; on Snakemake's ``Finished jobid: N (Rule: R)`` and ``N of M steps done`` lines; on its ``Job
stats`` table (how many steps, how many runs); and on its ``Error in rule R:`` block, whose ``log:``
field names the failed job's log, from which the error is taken. A failed step is printed with its
error first; the log's path follows. Command line (what ``tools/book.sh`` runs)::

    python -m scdmac_lib.book.progress --log _build/logs/snakemake.log [--profile P] [--verbose] -- snakemake ...
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

JOB = re.compile(r"^Job (\d+): ([^:]+): (.*)$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: ([\w-]+)\)")
ERROR = re.compile(r"^Error in rule ([\w-]+):")
FIELD = re.compile(r"^\s+(jobid|log): (.*)$")
STATS_ROW = re.compile(r"^([\w-]+)\s+(\d+)$")
#: Rules that only gather other jobs' outputs: Snakemake counts them as steps, a reader would not.
TARGET_RULES = frozenset({"all", "runs"})
#: Rules that compute one run each (their remaining count is shown).
RUN_RULES = frozenset({"train", "classical"})
NOTHING_TO_DO = "Nothing to be done"


@dataclass
class Step:
    """A job Snakemake started: its id, what it is (``ident``: the wildcard), what the reader is told, when."""

    jobid: str
    ident: str
    text: str
    started: float


def run_text(spec, profile_settings: dict | None = None, *, most: int = 3) -> str:
    """A run as a step's line names it: method, dataset (by kind), seed, and up to ``most`` of the settings
    it changes from both the defaults and the profile's (``profile_settings``), with how many more."""
    from scdmac_lib.data import catalogue
    from scdmac_lib.method.config import flat_dict, make_config

    defaults = {**flat_dict(make_config(2)), **(profile_settings or {})}
    changed = [f"{k}={v}" for k, v in spec.overrides if k != "n_threads" and defaults.get(k, object()) != v]
    shown = ", ".join(changed[:most]) + (f" and {len(changed) - most} more" if len(changed) > most else "")
    return f"{spec.method} on {catalogue.label(spec.dataset)}, seed {spec.seed}" + (f" ({shown})" if shown else "")


def error_line(log_files: Iterable[Path]) -> str:
    """The line of a failed job's log that says what went wrong: the last line naming a failure or an
    error (the runner's ``scdmac: failed: ...``, a traceback's last line), else the last line."""
    lines = []
    for path in log_files:
        if Path(path).is_file():
            lines += [line.strip() for line in Path(path).read_text(errors="replace").splitlines() if line.strip()]
    if not lines:
        return "no log was written (see Snakemake's log)"
    marked = [line for line in lines if re.search(r"failed|error|exception", line, re.IGNORECASE)]
    return (marked or lines)[-1]


class Reporter:
    """Turn Snakemake's console lines into a reader's lines (:meth:`feed`), and a closing summary (:meth:`close`).

    ``origins(name)`` says where a notebook's runs came from ("" for a page that reads none);
    ``clock`` gives the seconds a step took (the time between its start and end lines).
    """

    def __init__(self, *, origins: Callable[[str], str] | None = None, clock: Callable[[], float] = time.monotonic,
                 root: Path | None = None) -> None:
        self.origins = origins or (lambda name: "")
        self.clock = clock
        self.root = Path(root) if root is not None else Path.cwd()
        self.steps: dict[str, Step] = {}
        self.total = self.done = self.runs_total = self.runs_done = 0
        self.failures: list[tuple[str, str, list[str]]] = []  # (what, error, log files)
        self.nothing_to_do = False
        self._stats = False
        self._error: dict | None = None
        self.tail: deque[str] = deque(maxlen=12)  # Snakemake's last lines: why it stopped, when no job failed

    def feed(self, line: str) -> list[str]:
        """The reader's lines for one line of Snakemake's output (most lines give none)."""
        line = line.rstrip("\n")
        if line.strip():
            self.tail.append(line)
        out = self._end_error(line) if self._error is not None else []
        if self._error is not None:
            return out
        if line.startswith("Job stats:"):
            self._stats = True
        elif self._stats:
            self._stats_row(line)
        elif m := JOB.match(line):
            self.steps[m[1]] = Step(m[1], m[2].strip(), m[3].strip(), self.clock())
        elif m := FINISHED.match(line):
            out.append(self._finished(m[1], m[2]))
        elif m := ERROR.match(line):
            self._error = {"rule": m[1], "jobid": None, "log": []}
        elif line.startswith(NOTHING_TO_DO):
            self.nothing_to_do = True
        return [x for x in out if x]

    def _stats_row(self, line: str) -> None:
        m = STATS_ROW.match(line.strip())
        if m is None:
            return
        rule, count = m[1], int(m[2])
        if rule == "total":
            self._stats = False
        elif rule not in TARGET_RULES:
            self.total += count
            self.runs_total += count if rule in RUN_RULES else 0

    def _seconds(self, step: Step | None) -> str:
        return "" if step is None else f" ... {self.clock() - step.started:.0f} s"

    def _finished(self, jobid: str, rule: str) -> str:
        if rule in TARGET_RULES:
            return ""
        step = self.steps.pop(jobid, None)
        self.done += 1
        text = step.text if step is not None else f"{rule} (job {jobid})"
        line = f"[{self.done}/{self.total}] {text}{self._seconds(step)}"
        if rule == "notebook" and step is not None and (where := self.origins(step.ident)):
            line += f", {where}"
        if rule in RUN_RULES:
            self.runs_done += 1
            left = self.runs_total - self.runs_done
            line += f"; {left} run{'' if left == 1 else 's'} left to compute"
        return line

    def _end_error(self, line: str) -> list[str]:
        """Inside an ``Error in rule`` block: collect its job id and logs until a line ends the block."""
        if m := FIELD.match(line):
            if m[1] == "jobid":
                self._error["jobid"] = m[2].strip()
            else:
                self._error["log"] = [p.strip() for p in m[2].split("(check log")[0].split(",") if p.strip()]
            return []
        if line.startswith((" ", "\t")) or not line.strip():
            return []
        return self._failed() + self.feed(line)  # the line that ended the block is Snakemake's next

    def _failed(self) -> list[str]:
        """The reader's line for the error block just read (its step, seconds and error)."""
        block, self._error = self._error, None
        step = self.steps.pop(block["jobid"], None) if block["jobid"] else None
        what = step.text if step is not None else f"{block['rule']} (job {block['jobid']})"
        error = error_line(self.root / p for p in block["log"])
        self.failures.append((what, error, block["log"]))
        self.done += 1
        return [f"[{self.done}/{self.total}] {what}{self._seconds(step)} FAILED: {error}"]

    def close(self, code: int, log: Path) -> list[str]:
        """The closing lines: nothing to do, or each failure (its error first, then its log) and Snakemake's log."""
        out = self._failed() if self._error is not None else []  # the output ended inside an error block
        if code == 0:
            return out + (["everything was up to date: nothing to run"] if self.nothing_to_do else [])
        for what, error, logs in self.failures:
            out.append(f"FAILED: {what}: {error}")
            out += [f"  its log: {p}" for p in logs]
        if not self.failures:
            out.append(f"Snakemake stopped with status {code} outside any job; its last lines:")
            out += [f"  {line}" for line in self.tail]
        out.append(f"Snakemake's own log: {log}")
        return out


def page_origins(profile: str) -> Callable[[str], str]:
    """For a notebook name, where its runs are now: ``"96 runs from the results archive"``, ``"96 runs: 90
    from the results archive, 6 computed on this machine"`` (the cache, which this build's jobs write),
    or ``""`` when the page reads no runs. The same order as the pages read them: the cache first."""

    def origins(name: str) -> str:
        from scdmac_lib.runs import archive, cache, page_runs

        if name not in page_runs.NOTEBOOK_RUNS:
            return ""
        specs = page_runs.specs_for(name, profile)
        local = sum((cache.run_dir(s) / "result.json").is_file() for s in specs)
        archived = sum(archive.holds(s) for s in specs if not (cache.run_dir(s) / "result.json").is_file())
        missing = len(specs) - local - archived
        counted = ((archived, "from the results archive"), (local, "computed on this machine"), (missing, "missing"))
        parts = [(n, where) for n, where in counted if n]
        runs = f"{len(specs)} run{'' if len(specs) == 1 else 's'}"
        if len(parts) == 1:
            return f"{runs} {parts[0][1]}"
        return f"{runs}: " + ", ".join(f"{n} {where}" for n, where in parts)

    return origins


def run(command: list[str], *, log: Path, reporter: Reporter, verbose: bool = False, out=sys.stdout) -> int:
    """Run ``command``, its output (stdout and stderr) written to ``log`` and turned into the reader's lines."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as sink, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                 text=True, bufsize=1) as proc:
        for line in proc.stdout:
            sink.write(line)
            sink.flush()
            if verbose:
                out.write(line)
            for text in reporter.feed(line):
                out.write(text + "\n")
            out.flush()
        code = proc.wait()
    for text in reporter.close(code, log):
        out.write(text + "\n")
    out.flush()
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, required=True, help="where Snakemake's own output goes")
    parser.add_argument("--profile", default=None,
                        help="the run profile: notebooks' lines say where their runs came from")
    parser.add_argument("--verbose", action="store_true", help="print Snakemake's own output too")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the Snakemake command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    reporter = Reporter(origins=page_origins(args.profile) if args.profile else None)
    return run(command, log=args.log, reporter=reporter, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
