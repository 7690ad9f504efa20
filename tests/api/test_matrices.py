"""Choosing the count matrix of an AnnData, and writing results back without losing anything."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from scdmac_lib.api import matrices
from scdmac_lib.cli import main
from scdmac_lib.cli.bad_input import TINY, tiny_set_args
from scdmac_lib.method.checks import NotCountsWarning


def _analyst_file(adata):
    """The layout most analysts have: log values in X, counts in a layer and in .raw, PCA, categories."""
    counts = sp.csr_matrix(adata.X)
    out = ad.AnnData(counts.copy(), obs=adata.obs.copy(), var=adata.var.copy())
    out.raw = out.copy()
    out.layers["counts"] = counts.copy()
    lognorm = sp.csr_matrix(np.log1p(counts.multiply(1e4 / counts.sum(axis=1)).toarray()))
    out.X = lognorm
    out.layers["lognorm"] = lognorm.copy()
    out.obsm["X_pca"] = np.random.default_rng(0).normal(size=(out.n_obs, 5))
    out.obs["batch"] = pd.Categorical(np.where(np.arange(out.n_obs) % 2, "b1", "b2"))
    out.uns["study"] = {"name": "round trip", "year": 2026}
    return out


def test_counts_matrix_picks_x_a_layer_or_raw(adata_small):
    a = _analyst_file(adata_small)
    assert matrices.counts_matrix(a, layer="counts") is a.layers["counts"]
    assert (matrices.counts_matrix(a, use_raw=True) != a.layers["counts"]).nnz == 0
    plain = ad.AnnData(a.layers["counts"].copy())
    assert matrices.counts_matrix(plain) is plain.X


def test_log_values_are_refused_when_counts_are_at_hand(adata_small):
    a = _analyst_file(adata_small)
    with pytest.raises(ValueError, match=r"X does not hold raw counts .*pass layer='counts' \(command line: "
                                         r"--layer counts\) or use_raw=True \(command line: --use-raw\)"):
        matrices.counts_matrix(a)
    del a.layers["counts"]
    with pytest.raises(ValueError, match=r"pass use_raw=True \(command line: --use-raw\) to cluster them"):
        matrices.counts_matrix(a)
    del a.raw
    with pytest.warns(NotCountsWarning, match="X holds non-integer values"):
        matrices.counts_matrix(a)  # nothing better at hand: a warning, as before


def test_counts_matrix_refuses_bad_choices(adata_small):
    a = _analyst_file(adata_small)
    with pytest.raises(ValueError, match="pass either layer='counts' or use_raw=True, not both"):
        matrices.counts_matrix(a, layer="counts", use_raw=True)
    with pytest.raises(ValueError, match=r"layers\['count'\] does not exist \(layers: 'counts', 'lognorm'\)"):
        matrices.counts_matrix(a, layer="count")
    with pytest.warns(NotCountsWarning, match=r"layers\['lognorm'\] holds non-integer values"):
        matrices.counts_matrix(a, layer="lognorm")
    del a.raw
    with pytest.raises(ValueError, match=r"use_raw=True, but this AnnData has no \.raw"):
        matrices.counts_matrix(a, use_raw=True)


def test_check_key_free(adata_small):
    adata_small.obsm["X_run1"] = np.zeros((adata_small.n_obs, 2))
    matrices.check_key_free(adata_small, "scdmac")
    with pytest.raises(ValueError, match=r"already holds results under key_added='run1' \(obsm\['X_run1'\]\): "
                                         r"pass another key_added \(command line: --key-added run1_2\)"):
        matrices.check_key_free(adata_small, "run1")
    with pytest.raises(ValueError, match="key_added must be a non-empty string"):
        matrices.check_key_free(adata_small, " ")


def _same(a, b) -> bool:
    a = a.toarray() if sp.issparse(a) else np.asarray(a)
    b = b.toarray() if sp.issparse(b) else np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b)


def test_command_round_trip_keeps_everything_and_adds_two_runs(adata_small, tmp_path, capsys):
    original = _analyst_file(adata_small)
    src, first, second = tmp_path / "in.h5ad", tmp_path / "first.h5ad", tmp_path / "second.h5ad"
    original.write_h5ad(src)
    args = ["-q", *tiny_set_args()]

    assert main(["cluster", str(src), "-k", "3", "-o", str(first), "--layer", "counts", *args]) == 0
    assert "k = 3, clustered layers['counts']" in capsys.readouterr().out
    assert main(["cluster", str(first), "-k", "3", "-o", str(second), "--use-raw", *args]) == 2
    assert "already holds results under key_added='scdmac'" in capsys.readouterr().err
    assert not second.exists()
    assert main(["cluster", str(first), "-k", "auto", "-o", str(second), "--use-raw", "--key-added", "run2",
                 *args]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("estimated k = ") and "Leiden" in printed

    out = ad.read_h5ad(second)
    assert list(out.obs_names) == list(original.obs_names)
    assert list(out.var_names) == list(original.var_names)
    assert _same(out.X, original.X)
    assert set(out.layers) == {"counts", "lognorm"}
    assert all(_same(out.layers[k], original.layers[k]) for k in out.layers)
    assert _same(out.raw.X, original.raw.X) and list(out.raw.var_names) == list(original.raw.var_names)
    assert np.array_equal(out.obsm["X_pca"], original.obsm["X_pca"])
    for col in ("batch", "cell_type"):
        assert isinstance(out.obs[col].dtype, pd.CategoricalDtype)
        assert out.obs[col].astype(str).tolist() == original.obs[col].astype(str).tolist()
    assert out.uns["study"]["name"] == "round trip" and out.uns["study"]["year"] == 2026

    for key, matrix in (("scdmac", "layers['counts']"), ("run2", "raw.X")):
        assert out.obsm[f"X_{key}"].shape[0] == out.n_obs
        assert isinstance(out.obs[f"{key}_cluster"].dtype, pd.CategoricalDtype)
        assert out.uns[key]["matrix"] == matrix
        assert {"config", "history", "diagnostics", "timings", "device", "n_clusters"} <= set(out.uns[key])
    assert out.uns["scdmac"]["n_clusters"]["source"] == "given"
    estimate = out.uns["run2"]["n_clusters"]
    assert estimate["source"] == "estimated"
    assert estimate["n_clusters"] == out.obs["run2_cluster"].cat.categories.size >= 2
    assert out.uns["run2"]["config"]["n_clusters"] == estimate["n_clusters"]


def test_api_auto_k_and_overwrite(adata_e2e):
    from scdmac_lib.api.cluster import scdmac

    scdmac(adata_e2e, "auto", device="cpu", **{**TINY, "preprocess.n_top_genes": 200})
    record = adata_e2e.uns["scdmac"]["n_clusters"]
    assert record["source"] == "estimated" and record["n_clusters"] == 4
    with pytest.raises(ValueError, match="already holds results"):
        scdmac(adata_e2e, 3, device="cpu", **TINY)
    scdmac(adata_e2e, 3, device="cpu", overwrite=True, **TINY)
    assert adata_e2e.uns["scdmac"]["n_clusters"] == {"source": "given", "n_clusters": 3}
    with pytest.raises(ValueError, match="n_clusters must be an integer or 'auto', got 'many'"):
        scdmac(adata_e2e, "many", device="cpu", overwrite=True, **TINY)
    assert matrices.result_keys("run") == {"obs": "run_cluster", "obsm": "X_run", "uns": "run"}
