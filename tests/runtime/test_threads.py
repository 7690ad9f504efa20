"""The CPU thread count: explicit, enclosing, process-wide, $SCDMAC_THREADS, CPU affinity; never more than the cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from scdmac_lib import cli
from scdmac_lib.runs import execute, specs
from scdmac_lib.runtime import threads
from scdmac_lib.runtime.threads import THREADS_ENV, resolve_threads, set_threads, thread_limit


@pytest.fixture(autouse=True)
def _clean_process_state(monkeypatch):
    """Each test starts with nothing given and leaves torch's count and the process count as they were."""
    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.setattr(threads, "_process_threads", None)
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def four_cores(monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})


def test_default_is_the_cpu_affinity(four_cores):
    assert threads.available_cores() == 4
    assert resolve_threads() == 4


def test_environment_variable_then_explicit_count(four_cores, monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    assert resolve_threads() == 3
    assert resolve_threads(1) == 1  # an explicit count wins
    monkeypatch.setenv(THREADS_ENV, " ")
    assert resolve_threads() == 4  # empty: not set


def test_never_more_threads_than_cores(four_cores, monkeypatch):
    assert resolve_threads(16) == 4
    monkeypatch.setenv(THREADS_ENV, "64")
    assert resolve_threads() == 4


@pytest.mark.parametrize("bad", [0, -2, True, 1.5, "2"])
def test_bad_explicit_counts_are_refused(bad):
    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        resolve_threads(bad)


@pytest.mark.parametrize("bad", ["two", "0", "-1", "1.5"])
def test_bad_environment_values_are_refused(monkeypatch, bad):
    monkeypatch.setenv(THREADS_ENV, bad)
    with pytest.raises(ValueError, match=r"\$SCDMAC_THREADS must be a positive integer"):
        resolve_threads()


def test_enclosing_block_is_what_inner_blocks_are_given(four_cores, monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    with thread_limit(2) as outer:
        assert outer == 2 and torch.get_num_threads() == 2
        with thread_limit() as inner:  # a library call that was given nothing explicit
            assert inner == 2 and torch.get_num_threads() == 2
        with thread_limit(1) as pinned:  # a config that pins n_threads
            assert pinned == 1 and torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    assert resolve_threads() == 3


def test_thread_limit_caps_every_pool_a_run_uses_and_restores_torch():
    """In a fresh interpreter, so that the pools load inside the block as in a first run."""
    code = textwrap.dedent("""
        import json, torch
        from threadpoolctl import threadpool_info
        from scdmac_lib.runtime.threads import thread_limit
        before = torch.get_num_threads()
        with thread_limit(1):
            import sklearn.cluster  # already loaded by thread_limit: its pool is limited too
            pools = {p["filepath"].rsplit("/", 1)[-1]: p["num_threads"] for p in threadpool_info()}
            inside = torch.get_num_threads()
        print(json.dumps({"pools": pools, "inside": inside, "restored": torch.get_num_threads() == before}))
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={k: v for k, v in os.environ.items() if k != THREADS_ENV})
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["inside"] == 1 and out["restored"]
    assert len(out["pools"]) >= 3, out  # numpy's and scipy's BLAS, scikit-learn's and torch's OpenMP
    assert set(out["pools"].values()) == {1}, out


def test_set_threads_is_the_process_count_later_blocks_take(four_cores, monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "4")
    assert set_threads(2) == 2
    assert torch.get_num_threads() == 2
    with thread_limit() as count:
        assert count == 2


def test_a_run_records_the_count_it_used_and_its_key_ignores_it(tmp_path, monkeypatch):
    spec = specs.make_spec("synth-200x150x3", "PCA + k-means", 0)
    monkeypatch.setenv(THREADS_ENV, "1")
    one = execute.run(spec, results=tmp_path)
    assert one.provenance["torch_threads"] == 1
    monkeypatch.setenv(THREADS_ENV, "2")
    assert specs.make_spec("synth-200x150x3", "PCA + k-means", 0).key() == spec.key()
    assert execute.run(spec, results=tmp_path).provenance == one.provenance  # read from the cache
    pinned = specs.make_spec("synth-200x150x3", "PCA + k-means", 0, {"n_threads": 1})
    assert pinned.key() == spec.key()  # even a pinned count: it changes the speed, not the result
    assert "n_threads" not in specs.resolved_config(pinned)


def test_cli_threads_option(tmp_path, capsys):
    from scdmac_lib.data.simulate import zinb_clusters

    path = tmp_path / "counts.h5ad"
    zinb_clusters(120, 80, 3, seed=0).write_h5ad(path)
    out = tmp_path / "out.h5ad"
    args = ["cluster", str(path), "-k", "3", "-o", str(out), "-q", "--set", "zinb.train.max_steps=5",
            "--set", "mae.train.max_steps=5", "--set", "cluster.train.max_steps=3", "--set", "preprocess.n_top_genes=50"]
    assert cli.main([*args, "--threads", "0"]) == 2
    assert "n_threads must be a positive integer, got 0" in capsys.readouterr().err
    assert not out.exists()
    assert cli.main([*args, "--threads", "1"]) == 0
    assert torch.get_num_threads() == 1
    code = cli.main(["run", "--dataset", "synth-120x80x3", "--method", "PCA + k-means", "--results",
                     str(tmp_path / "results"), "--threads", "1", "-q"])
    assert code == 0
    (result,) = (tmp_path / "results" / "runs").glob("*/result.json")
    assert json.loads(result.read_text())["provenance"]["torch_threads"] == 1


def test_a_one_thread_run_stays_on_one_thread_through_scanpys_gene_selection():
    """scanpy's numba kernels (gene statistics of the 'seurat' flavor) used to raise the OpenMP count torch
    reads to every core, so a one-thread run trained on all of them, oversubscribing runs side by side."""
    import scipy.sparse as sp

    from scdmac_lib.method.config import PreprocessConfig
    from scdmac_lib.method.preprocess import select_genes

    counts = sp.csr_matrix(np.random.default_rng(0).poisson(1.0, (120, 300)).astype(np.float32))
    with thread_limit(1):
        select_genes(counts, PreprocessConfig(n_top_genes=50, hvg_flavor="seurat"))
        assert torch.get_num_threads() == 1
