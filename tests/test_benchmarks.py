"""Fast tests of the performance benchmark: analytic FLOP counts and the driver's CSV and targets."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd
import pytest

from scdmac_lib.method.config import make_config
from scdmac_lib.runtime import paths

BENCH = paths.REPO_ROOT / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # run.py imports flops as a sibling module
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


flops = _load("flops")
run = _load("run")


def test_linear_flops_by_hand():
    # 10 -> 4 -> 3, batch 5: forward 2*5*10*4 + 2*5*4*3 = 400 + 120
    layers = [flops.Linear(10, 4, needs_input_grad=False), flops.Linear(4, 3)]
    assert flops.forward_flops(layers, 5) == 520
    # first layer: fwd + weight grad; second: fwd + weight grad + input grad
    assert flops.train_flops(layers, 5) == 2 * 400 + 3 * 120


def test_zinb_layers_tiny_network():
    cfg = make_config(2, **{"zinb.hidden": (4,), "zinb.bottleneck": 2})
    layers = flops.zinb_layers(6, cfg)
    assert [(lyr.n_in, lyr.n_out) for lyr in layers] == [(6, 4), (4, 2), (2, 4), (4, 6), (4, 6), (4, 6)]
    assert [lyr.needs_input_grad for lyr in layers] == [False, True, True, True, True, True]
    b = cfg.zinb.train.batch_size
    fwd = 2 * b * (6 * 4 + 4 * 2 + 2 * 4 + 3 * 4 * 6)
    assert flops.step_flops("denoise", 6, 100, cfg) == 3 * fwd - 2 * b * 6 * 4


@pytest.mark.parametrize("use_mask_predictor", [True, False])
def test_mae_and_cluster_step_flops(use_mask_predictor):
    cfg = make_config(2, **{"mae.hidden": (4,), "mae.latent": 2, "mae.use_mask_predictor": use_mask_predictor,
                            "mae.train.batch_size": 8, "cluster.train.batch_size": 8,
                            "cluster.target_update_steps": 10})
    heads = 2 if use_mask_predictor else 1
    mae = 3 * 2 * 8 * (6 * 4 + 4 * 2 + heads * 2 * 6) - 2 * 8 * 6 * 4
    assert flops.step_flops("mae", 6, 50, cfg) == mae
    enc = 3 * 2 * 8 * (6 * 4 + 4 * 2) - 2 * 8 * 6 * 4
    refresh = 2 * 50 * (6 * 4 + 4 * 2) // 10
    assert flops.step_flops("cluster", 6, 50, cfg) == mae + enc + refresh


def test_step_flops_rejects_unknown_stage():
    with pytest.raises(ValueError, match="stage must be"):
        flops.step_flops("pretrain", 6, 10, make_config(2))


def test_matmul_shapes_and_rate():
    layers = [flops.Linear(8, 4, needs_input_grad=False), flops.Linear(4, 2)]
    shapes = flops.matmul_shapes(layers, 3)
    assert shapes == [(3, 8, 4), (4, 3, 8), (3, 4, 2), (2, 3, 4), (3, 2, 4)]
    assert sum(2 * m * k * n for m, k, n in shapes) == flops.train_flops(layers, 3)
    assert flops.measure_matmul_rate([(16, 16, 16)], min_seconds=0.01, repeats=2) > 0


def _fake_records():
    stage_names = {"preprocess": {"wall_s": 2.0},
              **{s: {"wall_s": 10.0, "train_s": 8.0, "steps": 100, "flops_per_step": 4e8, "matmul_rate": 1e10}
                 for s in ("denoise", "mae", "cluster")}}
    common = {"device": "cpu", "torch_threads": 2, "commit": "abc", "quick": False, "python": "3.11"}
    return [
        {**common, "dataset": "zeisel", "method": "scDMAC", "status": "ok", "n_cells": 3000, "n_genes": 4000,
         "total_s": 32.0, "import_s": 2.0, "peak_rss_gib": 1.5, "peak_rate": 2e11, "ari": 0.8, "nmi": 0.7, "stages": stage_names},
        {**common, "dataset": "zeisel", "method": "scVI + k-means", "status": "ok", "n_cells": 3000,
         "n_genes": 4000, "total_s": 400.0, "import_s": 8.0, "peak_rss_gib": 2.0, "ari": 0.7, "nmi": 0.6, "steps": 9600},
        {"dataset": "sim-100000", "method": "scVI + k-means", "status": "skipped", "note": "bounded"},
    ]


def test_records_to_rows_and_atomic_csv(tmp_path):
    rows = run.records_to_rows(_fake_records())
    path = run.write_csv(rows, tmp_path / "benchmark.csv")
    frame = pd.read_csv(path)
    assert list(frame.columns) == run.COLUMNS
    assert not list(tmp_path.glob(".tmp-*"))
    assert len(frame) == 5 + 1 + 1  # 4 stages + total, scVI total, skipped total
    den = frame[(frame["method"] == "scDMAC") & (frame["stage"] == "denoise")].iloc[0]
    assert den["achieved_gflops"] == pytest.approx(4e8 * 100 / 8.0 / 1e9)
    assert den["matmul_fraction"] == pytest.approx(0.5)
    assert den["cells_per_s"] == pytest.approx(300.0)
    total = frame[(frame["method"] == "scDMAC") & (frame["stage"] == "total")].iloc[0]
    assert total["ari"] == pytest.approx(0.8)
    assert total["import_s"] == pytest.approx(2.0)


def test_import_modules_imports_a_methods_modules_and_skips_missing_ones(monkeypatch):
    monkeypatch.setitem(run.METHOD_IMPORTS, "fake", ("colorsys", "no_such_module_xyz"))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    seconds = run.import_modules("fake")
    assert seconds >= 0 and "colorsys" in sys.modules
    assert run.import_modules("unknown method") >= 0


def test_targets_verdicts(tmp_path):
    frame = pd.read_csv(run.write_csv(run.records_to_rows(_fake_records()), tmp_path / "b.csv"))
    targets = run.evaluate_targets(frame).set_index("target")["verdict"]
    assert targets["scDMAC on zeisel, end to end (s)"] == "PASS"
    assert targets["scVI time / scDMAC time on zeisel"] == "PASS"  # 400 / 32 = 12.5
    assert targets["ARI scDMAC - ARI scVI on zeisel"] == "PASS"
    reference = run.evaluate_targets(frame).set_index("target").loc[
        "for reference: that ratio with one-time imports included"]
    assert reference["verdict"] == "info" and reference["value"] == pytest.approx(408 / 34)
    assert targets["scDMAC on 100k cells, end to end (s)"] == "n/a"  # not in the fake run
    assert targets["denoise loop on zeisel: achieved / matmul rate"] == "PASS"  # exactly 0.5
    summary = run.summary_table(frame)
    assert {"denoise_s", "denoise_mm%", "total_s", "import_s"} <= set(summary.columns)
    older = frame.drop(columns="import_s")  # a CSV written before import_s existed still reads
    assert run.summary_table(older)["import_s"].isna().all()
    assert run.evaluate_targets(older).set_index("target").loc[
        "for reference: that ratio with one-time imports included", "verdict"] == "n/a"


threads = _load("threads")


def test_thread_benchmark_commands_are_valid_cluster_calls(tmp_path):
    from scdmac_lib.cli import build_parser

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
