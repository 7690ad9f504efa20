"""Fast tests of the benchmarks: whole-process timing, the stored records and what the page computes from them."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from scdmac_lib.runtime import paths

BENCH = paths.REPO_ROOT / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # run.py imports records and flops as sibling modules
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


flops = _load("flops")
run = _load("run")
records = _load("records")


def test_matmul_rate():
    assert flops.measure_matmul_rate([(16, 16, 16)], min_seconds=0.01, repeats=2) > 0


def test_timed_process_measures_the_childs_own_time_memory_and_failure():
    grow = "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.2)"
    done = run.timed_process([sys.executable, "-c", grow], timeout=60)
    assert done["exit_code"] == 0 and not done["timed_out"]
    assert done["wall_s"] >= 0.2 and done["cpu_s"] > 0
    assert 0.28 <= done["peak_rss_gib"] < 2  # the child's 300 MiB, not this test process's memory
    failed = run.timed_process([sys.executable, "-c", "import sys; sys.exit('no such file')"], timeout=60)
    assert failed["exit_code"] == 1 and "no such file" in failed["output_tail"]


def test_a_failed_cases_output_keeps_no_machine_path():
    scratch = str(Path(tempfile.gettempdir()) / "abc")
    text = f"File {sys.prefix}/lib/x.py\n{paths.REPO_ROOT}/scdmac_lib/a.py\n{scratch}/out.h5ad: KeyError"
    assert run.without_machine_paths(text, {scratch: "<tmp>"}) == (
        "File <venv>/lib/x.py\n./scdmac_lib/a.py\n<tmp>/out.h5ad: KeyError")


def test_timed_process_stops_a_process_at_its_timeout():
    done = run.timed_process([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert done["timed_out"] and done["wall_s"] < 20


def test_command_lines():
    argv = run.command_argv("scdmac", BENCH / "x.h5ad", 7, BENCH / "out.h5ad")
    assert argv[1:4] == ["-m", "scdmac_lib.cli", "cluster"] and argv[argv.index("-k") + 1] == "7"
    assert "--set" not in argv  # the default command: no setting changed
    assert records.shown_command("scdmac", "x.h5ad", 7) == "scdmac cluster x.h5ad -k 7 -o out.h5ad -q"
    with pytest.raises(ValueError, match="command must be one of"):
        run.command_argv("seurat", BENCH / "x.h5ad", 7, BENCH / "out.h5ad")


def test_scanpy_pipeline_clusters_a_file(tmp_path, adata_e2e):
    leiden = _load("scanpy_leiden")
    path = tmp_path / "in.h5ad"
    adata_e2e.write_h5ad(path)
    assert leiden.main([str(path), str(tmp_path / "out.h5ad")]) == 0
    labels, clusters, stages = run.clusters_of("scanpy", tmp_path / "out.h5ad")
    assert len(labels) == len(clusters) > 300 and stages == {}


def _record(name, command, wall, rss, *, cpu_model="CPU X", cores=2, at="2026-12-07T10:00:00Z", load=0.5,
            stages=None, status="ok"):
    n = int(name.removeprefix("sim-")) if name.startswith("sim-") else 3005
    result = {"status": status, "wall_s": wall, "cpu_s": wall * 1.5, "peak_rss_gib": rss, "exit_code": 0,
              "ari": 0.8, "nmi": 0.7, "n_clusters": 9, "n_cells_clustered": n, "stages": stages or {}}
    return {"schema": records.SCHEMA,
            "case": {"input": name, "kind": "simulated" if name.startswith("sim-") else "real", "command": command,
                     "command_line": records.shown_command(command, f"{name}.h5ad", 7), "n_cells": n,
                     "n_genes": 2000, "n_types": 7},
            "result": result,
            "machine": {"cores": cores, "logical_cpus": cores, "cpu_model": cpu_model, "memory_gib": 16.0,
                        "device": "cpu", "system": "Linux x86_64", "scdmac_threads": "",
                        "versions": {"python": "3.11.7", "torch": "2.13.0", "scanpy": "1.11.5"}},
            "conditions": {"before": {"matmul_gflops": 190.0, "load_1min": load, "at": at},
                           "after": {"matmul_gflops": 185.0, "load_1min": load + 0.5, "at": at},
                           "commit": "abc1234def99"}}


def _stages(total):
    return {"preprocess": {"seconds": 0.1 * total, "steps": 0}, "denoise": {"seconds": 0.3 * total, "steps": 300},
            "mae": {"seconds": 0.3 * total, "steps": 300}, "cluster": {"seconds": 0.2 * total, "steps": 100}}


def _stored(folder, *, other_machine_for=None):
    recs = [_record("zeisel", "scdmac", 100.0, 1.2, stages=_stages(100.0)), _record("zeisel", "scanpy", 20.0, 0.5)]
    for n, t_sc, t_lei in ((1000, 50.0, 5.0), (10_000, 80.0, 20.0), (100_000, 400.0, 200.0)):
        recs.append(_record(f"sim-{n}", "scdmac", t_sc, n / 20_000, stages=_stages(t_sc), load=3.5))
        machine = {"cpu_model": "CPU Y", "at": "2026-12-08T10:00:00Z"} if other_machine_for == n else {}
        recs.append(_record(f"sim-{n}", "scanpy", t_lei, n / 50_000, **machine))
    for rec in recs:
        records.write_record(rec, folder)
    return records.load_frame(folder)


def test_records_are_written_atomically_and_read_back(tmp_path):
    frame = _stored(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == ["sim-1000.scanpy.json", "sim-1000.scdmac.json"]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    assert list(frame["input"][:2]) == ["zeisel", "zeisel"] and frame["machine"].unique().tolist() == ["A"]
    assert frame.loc[frame["input"] == "zeisel", "denoise_steps"].max() == 300


def test_an_empty_results_folder_names_the_command_that_fills_it(tmp_path):
    with pytest.raises(ValueError, match="run `.venv/bin/python benchmarks/run.py`"):
        records.load_frame(tmp_path)
    records.write_record({**_record("zeisel", "scdmac", 1.0, 1.0), "schema": 0}, tmp_path)
    with pytest.raises(ValueError, match="has schema 0, not 1"):
        records.load_records(tmp_path)


def test_ratios_only_between_commands_measured_on_one_machine(tmp_path):
    frame = _stored(tmp_path, other_machine_for=10_000)
    assert frame["machine"].nunique() == 2
    table = records.comparison(frame).set_index("input")
    assert table.loc["zeisel", "time ratio"] == pytest.approx(5.0)
    assert table.loc["sim-100000", "memory ratio"] == pytest.approx(2.5)
    assert math.isnan(table.loc["sim-10000", "time ratio"]) and table.loc["sim-10000", "machine"] == "A, B"
    machines = records.machines(frame)
    assert machines["machine"].tolist() == ["A", "B"] and machines["cases"].tolist() == [7, 1]
    assert machines.loc[0, "load average"] == "0.5-4.0"


def test_targets_and_sentences_come_from_the_records(tmp_path):
    frame = _stored(tmp_path)
    verdicts = records.targets(frame).set_index("target")
    on_zeisel = "scDMAC default command on Zeisel (stand-in), whole process (s)"
    assert verdicts.loc[on_zeisel, "verdict"] == "FAIL"  # 100 > 60
    assert verdicts.loc["scDMAC on sim-100000 (simulated), peak memory (GiB)", "verdict"] == "PASS"  # 5 GiB
    growth = "scDMAC time on sim-100000 (simulated) / on sim-10000 (simulated)"
    assert verdicts.loc[growth, "value"] == pytest.approx(5.0)
    travels = verdicts.loc["scDMAC time / scanpy time on Zeisel (stand-in) (the figure that travels)"]
    assert travels["verdict"] == "info" and travels["value"] == pytest.approx(5.0)
    assert records.targets(frame[frame["input"] != "sim-100000"]).set_index("target").loc[
        "scDMAC on sim-100000 (simulated), whole process (s)", "verdict"] == "n/a"
    text = records.comparison_sentence(records.comparison(frame))
    assert "On Zeisel (stand-in), 3,005 cells, the default command took 100 s, 5.0 times scanpy's" in text
    assert "from 10.0 at 1,000 cells to 2.0 at 100,000 cells" in text
    assert "(20 s; in CPU seconds 150 against 30, 5.0 times)" in text
    scaling = records.scaling_sentence(frame)
    assert "scDMAC default command, 50 s to 400 s (8.0 times) and 0.05 to 5.00 GiB peak memory" in scaling
    assert "stages run the same optimizer steps at every size (300, 300, 100) and take 80% of its time" in scaling
    frame.loc[frame["input"] == "sim-1000", "mae_steps"] = 200
    assert "run 600 to 700 optimizer steps in all" in records.scaling_sentence(frame)
    assert records.stage_sentence(records.stage_shares(frame)) == (
        "Of the default command's 100 s on Zeisel (stand-in): preprocessing 10%, denoising 30%, the masked stage 30%, "
        "clustering 20%, start-up, reading and writing the files 10%.")
    busy = records.machine_sentence(records.machines(frame))
    assert "load average reached 4.0 on 2 cores" in busy and "at commit abc1234def" in busy


def test_the_stored_results_cover_what_the_page_shows():
    """The performance page reads benchmarks/performance/ (committed): both commands on Zeisel and on
    simulations from 1k to 100k cells, each with the machine and conditions it ran under."""
    frame = records.load_frame()
    ok = frame[frame["status"] == "ok"]
    for command in records.COMMANDS:
        mine = ok[ok["command"] == command]
        assert "zeisel" in set(mine["input"]), command
        sims = mine.loc[mine["kind"] == "simulated", "n_cells"]
        assert sims.min() <= 1000 and sims.max() >= 100_000, command
    assert not records.comparison(frame)["time ratio"].isna().any()
    for rec in records.load_records():
        assert rec["machine"]["cpu_model"] and rec["machine"]["cores"] >= 1 and rec["machine"]["versions"]["torch"]
        assert rec["conditions"]["before"]["matmul_gflops"] > 0 and rec["conditions"]["commit"]
        json.dumps(rec)  # plain JSON


def test_the_plot_has_both_commands(tmp_path):
    import matplotlib.pyplot as plt

    frame = _stored(tmp_path)
    fig = records.plot_scaling(frame)
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert [ax.get_legend() for ax in fig.axes] == [None, None] and len(fig.legends) == 1  # outside the data
    fig.canvas.draw()
    assert "100,000" in [t.get_text() for t in fig.axes[0].get_xticklabels()]
    plt.close(fig)
    with pytest.raises(ValueError, match="no simulated case is stored"):
        records.plot_scaling(frame[frame["kind"] == "real"])


threads = _load("threads")


def test_thread_benchmark_commands_are_valid_cluster_calls(tmp_path):
    from scdmac_lib.cli import build_parser
    from scdmac_lib.method.config import make_config

    given = threads.command(tmp_path / "in.h5ad", 4, tmp_path / "out.h5ad", 1, threads.BUDGET)
    default = threads.command(tmp_path / "in.h5ad", 4, tmp_path / "out.h5ad", None, threads.BUDGET)
    assert given[given.index("--threads") + 1] == "1" and "--threads" not in default
    args = build_parser().parse_args(given[given.index("cluster"):])
    overrides = dict(pair.split("=") for pair in args.set)
    make_config(4, **{k: int(v) for k, v in overrides.items()})  # every budget key exists


def test_thread_benchmark_waits_for_every_process_and_reports_failures(tmp_path):
    write = "import sys, time; time.sleep(0.3); open(sys.argv[1], 'w').close()"
    files = [tmp_path / "a", tmp_path / "b"]
    threads.started_together([[sys.executable, "-c", write, str(f)] for f in files])
    assert all(f.exists() for f in files)
    with pytest.raises(RuntimeError, match="exited with 3: boom"):
        threads.started_together([[sys.executable, "-c", "pass"],
                                  [sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"]])


def test_known_answer_summary_pairs_seeds_against_the_first_value():
    known = _load("known_answer")
    frame = pd.DataFrame({"key": "zinb.scale_input", "value": [True] * 6 + [False] * 6,
                          "seed": list(range(6)) * 2, "ari": [1.0] * 6 + [0.8, 0.7, 0.9, 0.8, 0.75, 0.85]})
    text = known.summarise(frame)
    assert "False - True: mean -0.200, sd 0.071, 6 pairs, two-sided Wilcoxon p = 0.0312" in text
    assert text.splitlines()[0].split() == ["mean", "std", "count"]


@pytest.mark.slow
def test_the_performance_page_fills_every_section_from_the_stored_records(tmp_path):
    """Issue 23: on a fresh clone the page said "No benchmark results yet" and its "Per case" and "Targets"
    sections were empty. It reads the committed records now: every section shows something."""
    import nbformat

    from scdmac_lib.book import runner

    executed = runner.run_notebook("95_performance", profile="smoke", executed_dir=tmp_path / "executed")
    nb = nbformat.read(executed, as_version=4)
    sections: dict[str, int] = {}
    current = None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            current = cell.source.splitlines()[0].removeprefix("## ")
            sections[current] = 0
        elif cell.cell_type == "code" and current is not None:
            sections[current] += len(cell.get("outputs", []))
    assert {"Per case", "Targets"} <= set(sections)
    assert all(sections.values()), sections
    text = json.dumps(nb)
    assert "No benchmark results yet" not in text and "Traceback" not in text
