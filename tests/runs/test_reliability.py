"""Reliability: bit-identical reruns, runs killed with SIGKILL, non-finite losses, fuzzed inputs.

Real processes are started and killed here (``python -m scdmac_lib.cli``): nothing is simulated.
The cache's refusal of a hand-edited or damaged result is tested in ``tests/runs/test_run_cache.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from scdmac_lib import cli
from scdmac_lib.method import pipeline
from scdmac_lib.runs import cache, execute, specs

DATASET = "synth-200x150x3"
TINY = {"zinb.train.max_steps": 15, "zinb.train.min_steps": 5, "mae.train.max_steps": 15,
        "mae.train.min_steps": 5, "cluster.train.max_steps": 5, "cluster.train.min_steps": 5,
        "cluster.n_init": 2, "n_threads": 1}  # all 150 genes kept: no HVG step
# long enough to be killed mid-stage on a busy 2-core machine, short enough to rerun in seconds
KILLABLE = {**TINY, "zinb.train.max_steps": 60, "zinb.train.min_steps": 60, "zinb.train.patience": 10**6,
            "mae.train.max_steps": 150, "mae.train.min_steps": 150, "mae.train.patience": 10**6}


def _set_args(overrides: dict) -> list[str]:
    return [a for k, v in overrides.items() for a in ("--set", f"{k}={v}")]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "scdmac_lib.cli", *args]


def _run_argv(overrides: dict, *extra: str) -> list[str]:
    return _cli("run", "--dataset", DATASET, "--method", "scDMAC", "--seed", "0", "--device", "cpu",
                *extra, *_set_args(overrides))


def _env(results: Path) -> dict[str, str]:
    return {**os.environ, "SCDMAC_RESULTS": str(results), "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def _spec(overrides: dict) -> specs.RunSpec:
    return specs.make_spec(DATASET, "scDMAC", 0, overrides)


# --- (1) determinism --------------------------------------------------------------------------


def test_same_spec_and_seed_are_bit_identical_in_fresh_processes(tmp_path):
    roots = [tmp_path / "a", tmp_path / "b"]
    procs = [subprocess.Popen(_run_argv(TINY, "-q"), env=_env(r), cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for r in roots]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    folders = [cache.run_dir(_spec(TINY), r) for r in roots]
    for name in ("labels.npy", "embedding.npy"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    metas = [json.loads((f / "result.json").read_text()) for f in folders]
    for key in ("metrics", "diagnostics", "history", "config", "sha256", "spec"):
        assert metas[0][key] == metas[1][key], key
    stage_names = [sorted((r / "stages").glob("denoise-*.npz")) for r in roots]
    assert [p.name for p in stage_names[0]] == [p.name for p in stage_names[1]]
    with np.load(stage_names[0][0]) as one, np.load(stage_names[1][0]) as two:
        assert np.array_equal(one["denoised"], two["denoised"])


# --- (2) interruption: SIGKILL in the middle of training and of writing --------------------------


def _start(argv: list[str], results: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as fh:  # progress bars on: the stage names on stderr mark where the run is
        return subprocess.Popen(argv, env=_env(results), cwd=log.parent, stdout=subprocess.DEVNULL, stderr=fh)


def _wait_for(proc: subprocess.Popen, log: Path, pattern: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, log.read_text()):
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended (status {proc.returncode}) before {pattern!r}:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"{pattern!r} did not appear within {timeout} s")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run must have been killed, not have finished"


def _nothing_read_as_result(spec: specs.RunSpec, results: Path) -> None:
    assert not (cache.run_dir(spec, results) / "result.json").exists()
    assert cache.load_result(spec, results) is None


def test_killed_during_training_leaves_nothing_and_the_rerun_redoes_only_the_missing_work(tmp_path):
    results, spec = tmp_path / "results", _spec(KILLABLE)
    argv = _run_argv(KILLABLE)
    stage_names = results / "stages"

    # killed in the middle of the denoising stage: nothing is kept
    log = tmp_path / "first.log"
    proc = _start(argv, results, log)
    _wait_for(proc, log, r"denoise \(ZINB AE\):\s+\d+%.*\| [1-9]\d*/60")  # at least one step done
    _kill(proc)
    _nothing_read_as_result(spec, results)
    assert not list(stage_names.glob("denoise-*.npz")), "an unfinished stage must not be cached"

    # killed in the middle of the masked stage: the finished denoising stage is kept, no result
    log = tmp_path / "second.log"
    proc = _start(argv, results, log)
    _wait_for(proc, log, r"masked autoencoder:\s+\d+%.*\| [1-9]\d*/150")
    _kill(proc)
    _nothing_read_as_result(spec, results)
    (stage,) = stage_names.glob("denoise-*.npz")
    stage_stat = stage.stat()
    assert "denoise (ZINB AE)" in log.read_text()  # it was computed in this run

    # the next invocation finishes, reusing the denoising stage instead of recomputing it
    log = tmp_path / "third.log"
    proc = _start(argv, results, log)
    assert proc.wait(timeout=300) == 0, log.read_text()[-2000:]
    assert "denoise (ZINB AE)" not in log.read_text()
    assert "masked autoencoder" in log.read_text()
    assert (stage.stat().st_mtime_ns, stage.stat().st_ino) == (stage_stat.st_mtime_ns, stage_stat.st_ino)
    result = cache.load_result(spec, results)
    assert result is not None and result.labels.shape == (200,)
    assert not list((results / "runs").glob(".tmp-*"))


# A run whose writer hangs at a chosen point of the write phase (then it is killed there).
_HANGING_WRITER = """
import os, sys, time
from pathlib import Path
from scdmac_lib.runs import cache, execute, specs

phase, results, overrides = sys.argv[1], Path(sys.argv[2]), eval(sys.argv[3])

def hang():
    sys.stdout.write("HANGING\\n")
    sys.stdout.flush()
    time.sleep(600)

if phase == "arrays_saved":  # labels.npy and embedding.npy saved, result.json not yet written
    real_provenance = cache.provenance
    cache.provenance = lambda *args: (hang(), real_provenance(*args))[1]
else:  # every file written, the folder (or the stage .npz) not yet renamed into place
    real_replace = os.replace
    target = "runs" if phase == "before_rename" else "stages"
    def replace(src, dst):
        if Path(dst).parent.name == target:
            hang()
        return real_replace(src, dst)
    os.replace = replace
execute.run(specs.make_spec(sys.argv[4], "scDMAC", 0, overrides), device="cpu", results=results)
"""


def _hang_and_kill(phase: str, results: Path, cwd: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _HANGING_WRITER, phase, str(results), repr(TINY), DATASET],
                            env=_env(results), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # blocks until the writer hangs (or the process ends)
    if line.strip() != "HANGING":
        proc.wait(timeout=60)
        pytest.fail(f"the writer did not reach {phase}: {proc.stderr.read()[-2000:]}")
    _kill(proc)
    proc.stdout.close()
    proc.stderr.close()


def test_killed_while_writing_leaves_nothing_that_reads_as_complete(tmp_path):
    results, spec = tmp_path / "results", _spec(TINY)
    # 1. killed with the denoising stage written under its temporary name, not yet renamed
    _hang_and_kill("stage_before_rename", results, tmp_path)
    assert list((results / "stages").glob(".*.partial.npz")), "the half-written stage file is there ..."
    assert not list((results / "stages").glob("denoise-*.npz")), "... and not under the name that is read"
    _nothing_read_as_result(spec, results)
    # 2. killed with labels.npy and embedding.npy saved, result.json not yet written
    _hang_and_kill("arrays_saved", results, tmp_path)
    (leftover,) = (results / "runs").glob(".tmp-*")
    assert (leftover / "labels.npy").exists() and not (leftover / "result.json").exists()
    _nothing_read_as_result(spec, results)
    # 3. killed with every file written into the temporary folder, before the rename into place
    _hang_and_kill("before_rename", results, tmp_path)
    assert sum((p / "result.json").exists() for p in (results / "runs").glob(".tmp-*")) == 1
    _nothing_read_as_result(spec, results)
    # the next invocation completes and its result reads back; the leftovers were never read
    rerun = execute.run(spec, device="cpu", results=results)
    assert rerun.labels.shape == (200,)
    assert cache.load_result(spec, results) is not None


# --- (4) a non-finite loss through the command ---------------------------------------------------


def test_command_reports_a_non_finite_loss_with_stage_and_step(tmp_path):
    results = tmp_path / "results"
    proc = subprocess.run(_run_argv({**TINY, "zinb.train.lr": 1e30}, "-q"), env=_env(results), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"scdmac: failed: denoise \(ZINB AE\): the loss became (nan|inf|-inf) at step \d+ "
                        r"\(epoch \d+\)\. Lower the learning rate \(1e\+30\) or check the input for extreme "
                        r"values\.", last), last
    assert "Traceback" not in proc.stderr
    assert not (results / "runs").exists() or not any((results / "runs").iterdir())
    assert not list((results / "stages").glob("*.npz")) if (results / "stages").exists() else True


@pytest.mark.parametrize("error", [MemoryError, torch.OutOfMemoryError])
def test_out_of_memory_names_the_stage_the_size_and_what_to_lower(error, monkeypatch, tmp_path):
    from scdmac_lib.data.simulate import zinb_clusters
    from scdmac_lib.method.config import make_config

    def exhausted(*_args, **_kwargs):
        raise error("cannot allocate")

    monkeypatch.setattr(pipeline, "train_mae", exhausted)
    adata = zinb_clusters(60, 40, 3, seed=0)
    with pytest.raises(MemoryError, match=r"ran out of memory in the mae stage on cpu \(60 cells x 40 genes; .*"
                                          r"Lower preprocess\.n_top_genes \(now 2000\)"):
        pipeline.fit_scdmac(adata.X, make_config(3, device="cpu", **TINY))
    path = tmp_path / "in.h5ad"
    adata.write_h5ad(path)
    code = cli.main(["cluster", str(path), "-k", "3", "-o", str(tmp_path / "out.h5ad"), "--device", "cpu", "-q"])
    assert code == 1
    assert not (tmp_path / "out.h5ad").exists()


# --- (5) fuzzing the whole pipeline ----------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

FUZZ = {"zinb.train.max_steps": 3, "zinb.train.min_steps": 1, "mae.train.max_steps": 3, "mae.train.min_steps": 1,
        "cluster.train.max_steps": 2, "cluster.train.min_steps": 1, "cluster.n_init": 1}


@st.composite
def count_matrices(draw):
    n_cells = draw(st.integers(2, 30))
    n_genes = draw(st.integers(1, 20))
    x = draw(hnp.arrays(np.int64, (n_cells, n_genes), elements=st.integers(0, 50)))
    zero_rows = draw(st.lists(st.integers(0, n_cells - 1), max_size=3))
    zero_cols = draw(st.lists(st.integers(0, n_genes - 1), max_size=3))
    x[zero_rows] = 0
    x[:, zero_cols] = 0
    if draw(st.booleans()):  # sparse-ish: most entries zero, as in real data
        x[draw(hnp.arrays(bool, x.shape))] = 0
    return x.astype(np.float32)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=count_matrices(), k=st.integers(1, 6))
def test_pipeline_returns_labels_or_a_documented_error(x, k):
    from scdmac_lib.cli.bad_input import documented_error
    from scdmac_lib.method.config import make_config
    from scdmac_lib.method.pipeline import fit_scdmac

    cfg = make_config(k, seed=0, device="cpu", **FUZZ)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fit_scdmac(x, cfg)
        except (ValueError, TypeError) as err:
            assert documented_error(err) is not None, f"undocumented {type(err).__name__}: {err}"
            return
    labels = np.asarray(result.labels)
    assert labels.shape == (x.shape[0],)
    assert labels.min() >= 0 and labels.max() < k
    assert np.isfinite(result.embedding).all()
    unexpected = [w for w in caught if not _expected_warning(w)]
    assert not unexpected, [f"{w.category.__name__}: {w.message}" for w in unexpected]


def _expected_warning(w) -> bool:
    """k-means on fewer distinct points than clusters warns (and still returns k labels)."""
    from sklearn.exceptions import ConvergenceWarning

    return issubclass(w.category, (ConvergenceWarning, DeprecationWarning, FutureWarning))
