"""What tools/book.sh prints while Snakemake builds the book: one line per step, Snakemake's output in a log."""

from __future__ import annotations

import io
import itertools
import re
import sys

import pytest

from scdmac_lib.book import progress
from scdmac_lib.runs.specs import make_spec

#: Snakemake 9's console output for a small build, as it prints it (banner and scheduling lines included).
RECORDED = """\
Assuming unrestricted shared filesystem usage.

SNAKEMAKE
=========
  Workflow ID: 8753a6ca-6752-46f1-9191-0a64b2d89eb4
  Host: vm
Building DAG of jobs...
Job stats:
job         count
--------  -------
classical       1
notebook        2
book            1
all             1
total           5

Select jobs to execute...
Execute 2 jobs...

[Mon Dec  7 17:51:26 2026]
Job 3: 5cc7640bd6cec347: compute PCA + k-means on Zeisel (stand-in), seed 0
Reason: Missing output files: results/runs/5cc7640bd6cec347/result.json
[Mon Dec  7 17:51:26 2026]
Job 2: 50_table2_3_ari_nmi: Tables 2 and 3: ARI and NMI
Reason: Input files updated by another job
[Mon Dec  7 17:51:29 2026]
Finished jobid: 3 (Rule: classical)
1 of 5 steps (20%) done
Select jobs to execute...
Job 4: 95_performance: Performance: how long it takes
[Mon Dec  7 17:51:33 2026]
Finished jobid: 2 (Rule: notebook)
2 of 5 steps (40%) done
RuleException:
CalledProcessError in file "Snakefile", line 10:
Command 'set -euo pipefail; python -m scdmac_lib.cli notebooks run 95_performance' returned non-zero exit status 1.
[Mon Dec  7 17:51:38 2026]
Error in rule notebook:
    message: 95_performance: Performance: how long it takes
    jobid: 4
    output: book/executed/95_performance.ipynb
    log: _build/logs/95_performance.log (check log file(s) for error details)
    shell:
        python -m scdmac_lib.cli notebooks run 95_performance > _build/logs/95_performance.log 2>&1
        (command exited with non-zero exit code)
Exiting because a job execution failed. Look below for error messages
Complete log(s): /somewhere/.snakemake/log/2026-12-07T175115.446151.snakemake.log
"""


def _reporter(tmp_path):
    log = tmp_path / "_build" / "logs" / "95_performance.log"
    log.parent.mkdir(parents=True)
    log.write_text("18:00 runner: running 95_performance\nscdmac: failed: notebook 95_performance failed at cell "
                   "In [3]: ValueError: no benchmark records\n[IPKernelApp] WARNING | noise\n")
    seconds = itertools.count(0, 4)  # each call of the clock: 4 s later
    origins = {"50_table2_3_ari_nmi": "96 runs from the results archive"}
    return progress.Reporter(origins=lambda name: origins.get(name, ""), clock=lambda: float(next(seconds)),
                             root=tmp_path)


def test_a_recorded_snakemake_log_becomes_one_line_per_step(tmp_path):
    reporter = _reporter(tmp_path)
    lines = [out for line in RECORDED.splitlines() for out in reporter.feed(line)]
    assert lines == [
        "[1/4] compute PCA + k-means on Zeisel (stand-in), seed 0 ... 8 s; 0 runs left to compute",
        "[2/4] Tables 2 and 3: ARI and NMI ... 12 s, 96 runs from the results archive",
        "[3/4] Performance: how long it takes ... 8 s FAILED: scdmac: failed: notebook 95_performance failed at "
        "cell In [3]: ValueError: no benchmark records",
    ]
    closing = reporter.close(1, tmp_path / "_build" / "logs" / "snakemake.log")
    assert closing[0].startswith("FAILED: Performance: how long it takes: scdmac: failed:")  # the error first
    assert closing[1:] == ["  its log: _build/logs/95_performance.log",
                           f"Snakemake's own log: {tmp_path / '_build' / 'logs' / 'snakemake.log'}"]


def test_an_up_to_date_book_and_a_failure_outside_any_job():
    done = progress.Reporter()
    for line in ("Building DAG of jobs...", "Nothing to be done (all requested files are present and up to date)."):
        assert done.feed(line) == []
    assert done.close(0, "x.log") == ["everything was up to date: nothing to run"]
    broken = progress.Reporter()
    broken.feed("SyntaxError in file Snakefile, line 3:")
    assert broken.close(1, "x.log") == ["Snakemake stopped with status 1 outside any job; its last lines:",
                                        "  SyntaxError in file Snakefile, line 3:", "Snakemake's own log: x.log"]


def test_error_line_prefers_the_line_that_names_the_failure(tmp_path):
    log = tmp_path / "job.log"
    log.write_text("Traceback (most recent call last):\n  File x\nKeyError: 'cell_type'\nwrote nothing\n")
    assert progress.error_line([log]) == "KeyError: 'cell_type'"
    assert progress.error_line([tmp_path / "absent.log"]) == "no log was written (see Snakemake's log)"


def test_run_text_names_the_run_and_only_the_settings_it_changes():
    spec = make_spec("zeisel", "scDMAC", 1, {"mae.mask_ratio": 0.2, "zinb.train.max_steps": 30, "n_threads": 1})
    named = "scDMAC on Zeisel (stand-in), seed 1"
    assert progress.run_text(spec) == f"{named} (mae.mask_ratio=0.2, zinb.train.max_steps=30)"
    assert progress.run_text(spec, {"zinb.train.max_steps": 30}) == f"{named} (mae.mask_ratio=0.2)"
    many = make_spec("zeisel", "scDMAC", 0, {"mae.mask_ratio": 0.2, "mae.latent": 8, "cluster.inflation": 3.0,
                                             "zinb.bottleneck": 16})
    assert progress.run_text(many).endswith("and 1 more)")


SNAKEFILE = """\
rule all:
    input: "_build/html/index.html"

rule dataset:
    output: "data/{dataset}.txt"
    message: "{wildcards.dataset}: dataset {wildcards.dataset} ready"
    shell: "echo ok > {output}"

rule notebook:
    input: "data/zeisel.txt"
    output: "book/executed/{name}.ipynb"
    message: "{wildcards.name}: Page {wildcards.name}"
    log: "_build/logs/{name}.log"
    shell:
        "if [ {wildcards.name} = broken ]; then "
        "echo 'scdmac: failed: notebook broken: KeyError: x' > {log}; exit 1; fi; "
        "echo ok > {output}"

rule book:
    input: expand("book/executed/{name}.ipynb", name=["a", "broken"])
    output: "_build/html/index.html"
    message: "book: the book's HTML"
    shell: "echo ok > {output}"
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_a_real_snakemake_run_prints_one_line_per_step_and_logs_the_rest(tmp_path, verbose):
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    log = tmp_path / "_build" / "logs" / "snakemake.log"
    out = io.StringIO()
    command = [sys.executable, "-m", "snakemake", "all", "--cores", "1", "--keep-going", "--snakefile",
               str(tmp_path / "Snakefile"), "--directory", str(tmp_path), "--rerun-triggers", "mtime", "input"]
    code = progress.run(command, log=log, reporter=progress.Reporter(root=tmp_path), verbose=verbose, out=out)
    console = out.getvalue().splitlines()
    steps = [line for line in console if re.match(r"\[\d+/\d+\] ", line)]
    assert code != 0
    assert [s.split(" ... ")[0] for s in steps] == ["[1/4] dataset zeisel ready", "[2/4] Page a", "[3/4] Page broken"]
    assert steps[2].endswith("FAILED: scdmac: failed: notebook broken: KeyError: x")
    assert console[-3:] == ["FAILED: Page broken: scdmac: failed: notebook broken: KeyError: x",
                            "  its log: _build/logs/broken.log", f"Snakemake's own log: {log}"]
    banner = ("Workflow ID", "Select jobs to execute", "Assuming unrestricted shared filesystem usage")
    assert all(word in log.read_text() for word in banner)  # Snakemake's own output is in its log
    assert any(word in out.getvalue() for word in banner) is verbose  # and on the console only with --verbose


def test_page_origins_counts_where_a_pages_runs_are(tmp_path, monkeypatch):
    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path))  # an empty cache: the archive holds the smoke runs or not
    origins = progress.page_origins("smoke")
    assert origins("00_data") == ""  # reads no runs
    text = origins("50_table2_3_ari_nmi")
    assert re.fullmatch(r"\d+ runs (from the results archive|missing)"
                        r"|\d+ runs: \d+ from the results archive, \d+ missing",
                        text), text


def test_book_sh_sends_snakemake_through_the_progress_lines():
    from scdmac_lib.runtime import paths

    script = (paths.REPO_ROOT / "tools" / "book.sh").read_text()
    assert "-m scdmac_lib.book.progress --log \"_build/logs/$1\"" in script
    assert ".venv/bin/snakemake all" not in script and "--quiet" not in script  # no bare Snakemake call
    assert "--verbose) verbose=(--verbose)" in script
    assert "file://$PWD/_build/html/index.html" in script  # it ends with where the book is
