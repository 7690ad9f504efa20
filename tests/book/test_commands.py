"""Running and spelling the scdmac command on a page (the quick start and the own-data page)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp

from scdmac_lib.book import commands


def test_wrap_lines_drops_empty_lines_and_indents_continuations():
    text = "short\n\n" + "word " * 30
    lines = commands.wrap_lines(text, width=40).splitlines()
    assert lines[0] == "short"
    assert all(len(line) <= 40 for line in lines)
    assert all(line.startswith("  ") for line in lines[2:])


def test_run_command_shows_the_work_folder_as_tmp(tmp_path):
    done = commands.run_command([sys.executable, "-c", "import os; print('wrote', os.path.abspath('out.h5ad'))"],
                                tmp_path)
    assert done == commands.CommandOutput(0, "wrote <tmp>/out.h5ad")


def test_run_command_fails_loudly_unless_told_not_to(tmp_path):
    argv = [sys.executable, "-c", "import sys; sys.exit('scdmac: error: bad input')"]
    with pytest.raises(RuntimeError, match="exited with status 1: scdmac: error: bad input"):
        commands.run_command(argv, tmp_path)
    assert commands.run_command(argv, tmp_path, check=False) == commands.CommandOutput(1, "scdmac: error: bad input")


def test_set_options_and_command_text():
    sets = commands.set_options({"mae.mask_ratio": 0.2, "seed": 1})
    assert sets == ["--set", "mae.mask_ratio=0.2", "--set", "seed=1"]
    text = commands.command_text("scdmac cluster", [["in.h5ad", "-k", "3"], ["-q"], sets[:2], []])
    assert text == "scdmac cluster in.h5ad -k 3 \\\n    -q \\\n    --set mae.mask_ratio=0.2"


def test_demo_budget_caps_steps_and_sets_every_stage():
    budget = commands.demo_budget({"zinb.train.max_steps": 300, "mae.train.min_steps": 20, "seed": 4}, 150)
    assert budget == {"zinb.train.max_steps": 150, "mae.train.min_steps": 20, "seed": 4,
                      "mae.train.max_steps": 150, "cluster.train.max_steps": 150}
    with pytest.raises(ValueError, match="max_steps must be a positive number of training steps, got 0"):
        commands.demo_budget({}, 0)


def test_with_counts_layer_keeps_counts_beside_log_values():
    import anndata as ad

    adata = ad.AnnData(sp.csr_matrix(np.array([[1.0, 3.0], [0.0, 0.0]], dtype=np.float32)))
    out = commands.with_counts_layer(adata, target_sum=4.0)
    np.testing.assert_array_equal(out.layers["counts"].toarray(), adata.X.toarray())
    np.testing.assert_allclose(out.X.toarray(), np.log1p([[1.0, 3.0], [0.0, 0.0]]), rtol=1e-6)
    assert sp.issparse(out.X) and adata.X[0, 1] == 3.0  # the input is left as it was
