import numpy as np
import pytest
import torch

from scdmac_lib.api.cluster import scdmac
from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.method.config import make_config
from scdmac_lib.method.denoise import denoise
from scdmac_lib.method.pipeline import fit_scdmac


def test_scanpy_shaped_entry_point_writes_documented_keys(adata_small, fast_overrides):
    out = scdmac(adata_small, 3, copy=True, **fast_overrides)
    assert "X_scdmac" not in adata_small.obsm  # copy=True leaves the input alone
    assert out.obsm["X_scdmac"].shape == (adata_small.n_obs, 32)
    assert out.obs["scdmac_cluster"].dtype == "category"
    uns = out.uns["scdmac"]
    assert set(uns["history"]) == {"denoise", "mae", "cluster"}
    assert uns["config"]["n_clusters"] == 3
    assert {"mask_auc", "mse_masked", "mse_kept", "n_nonempty_clusters"} <= set(uns["diagnostics"])


def test_stage_outputs_have_the_right_shapes(adata_small, fast_overrides):
    res = fit_scdmac(adata_small.X, make_config(3, **fast_overrides))
    n, g = adata_small.shape
    assert res.denoised.denoised.shape == (n, g) and res.denoised.mean is None
    full = denoise(res.preprocessed, make_config(3, **fast_overrides), device=torch.device("cpu"), keep_parameters=True)
    assert full.denoised.shape == (n, g) and np.isfinite(full.denoised).all()
    assert full.mean.shape == (n, g) and ((full.dropout >= 0) & (full.dropout <= 1)).all()
    assert res.clusters.q.shape == (n, 3) and np.allclose(res.clusters.q.sum(1), 1, atol=1e-5)
    assert res.clusters.weights.shape == (n, 3)
    for stage in ("denoise", "mae", "cluster"):
        assert np.isfinite(res.history[stage]["loss"]).all()


def test_ablation_z_skips_denoising_and_p_drops_the_mask_loss(adata_small, fast_overrides):
    z = fit_scdmac(adata_small.X, make_config(3, variant="scDMAC-Z", **fast_overrides))
    assert z.denoised is None and "denoise" not in z.history
    p = fit_scdmac(adata_small.X, make_config(3, variant="scDMAC-P", **fast_overrides))
    assert "mask_bce" not in p.history["mae"] and "mask_auc" not in p.diagnostics


def test_same_seed_same_labels_other_seed_differs(adata_small, fast_overrides):
    a = fit_scdmac(adata_small.X, make_config(3, seed=3, **fast_overrides))
    b = fit_scdmac(adata_small.X, make_config(3, seed=3, **fast_overrides))
    c = fit_scdmac(adata_small.X, make_config(3, seed=4, **fast_overrides))
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.embedding, b.embedding)
    assert not np.array_equal(a.embedding, c.embedding)


def test_end_to_end_recovers_well_separated_clusters(adata_e2e):
    budget = {"zinb.train.max_steps": 300, "mae.train.max_steps": 300, "cluster.train.max_steps": 100}
    res = fit_scdmac(adata_e2e.X, make_config(4, seed=0, **budget))
    assert ari(adata_e2e.obs["cell_type"], res.labels) > 0.9


def test_bad_inputs_are_refused(adata_small):
    x = adata_small.X.toarray()
    with pytest.raises(ValueError, match="n_clusters=500 is larger than the number of cells"):
        fit_scdmac(x, make_config(500))
    with pytest.raises(ValueError, match="n_clusters must be at least 2"):
        fit_scdmac(x, make_config(1))
    bad = x.copy()
    bad[0, 0] = -1
    with pytest.raises(ValueError, match="negative values"):
        fit_scdmac(bad, make_config(3))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        fit_scdmac(bad, make_config(3))
    empty = x.copy()
    empty[5] = 0
    with pytest.raises(ValueError, match="1 cells have no counts"):
        fit_scdmac(empty, make_config(3))


def test_non_integer_values_warn(adata_small, fast_overrides):
    from scdmac_lib.method.checks import NotCountsWarning

    with pytest.warns(NotCountsWarning, match="non-integer values"):
        fit_scdmac(adata_small.X.toarray() * 0.5, make_config(3, **fast_overrides))


def test_non_finite_loss_names_the_stage(adata_small, fast_overrides):
    with pytest.raises(FloatingPointError, match=r"masked autoencoder: the loss became .* at step 0"):
        fit_scdmac(adata_small.X, make_config(3, **{**fast_overrides, "mae.recon_weight": float("nan")}))


def test_result_survives_writing_to_h5ad(adata_small, fast_overrides, tmp_path):
    import anndata as ad

    scdmac(adata_small, 3, **fast_overrides)
    adata_small.write_h5ad(tmp_path / "out.h5ad")
    back = ad.read_h5ad(tmp_path / "out.h5ad")
    assert back.uns["scdmac"]["config"]["mae"]["hidden"].tolist() == [256, 128]


def test_weighted_mean_centers_is_eq17_and_keeps_weightless_centers():
    from scdmac_lib.method.finetune import weighted_mean_centers

    z = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])
    w = torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])
    old = torch.full((3, 2), 9.0)
    new = weighted_mean_centers(z, w, old)
    assert torch.allclose(new[0], torch.tensor([2.0 / 3.0, 0.0]))
    assert torch.allclose(new[1], torch.tensor([2.0 / 3.0, 8.0 / 3.0]))
    assert torch.equal(new[2], old[2])  # no cell weighs on it: it stays


@pytest.mark.parametrize(
    "overrides",
    [{"cluster.center_update": "closed_form"}, {"zinb.likelihood": "nb"}, {"zinb.output": "zinb_mean"},
     {"augment.before_scaling": True}, {"zinb.scale_input": False}, {"zinb.dropout_ridge": 1.0},
     {"mae.mask_predictor_input": "hidden"}, {"mae.mask_predictor_input": "input"}, {"mae.loss_mix": "additive"}],
)
def test_every_reading_switch_runs_end_to_end(adata_small, fast_overrides, overrides):
    res = fit_scdmac(adata_small.X, make_config(3, **fast_overrides, **overrides))
    assert res.labels.shape == (adata_small.n_obs,) and np.isfinite(res.embedding).all()
    assert np.isfinite(res.denoised.denoised).all()


def test_closed_form_centers_are_the_weighted_means_of_the_final_embedding_refresh(adata_small, fast_overrides):
    cfg = make_config(3, **{**fast_overrides, "cluster.center_update": "closed_form"})
    res = fit_scdmac(adata_small.X, cfg)
    assert not np.allclose(res.clusters.centers, res.clusters.initial_centers)  # they moved


def test_zinb_mean_output_downweights_dropout(adata_small, fast_overrides):
    cfg = make_config(3, **fast_overrides)
    prep = fit_scdmac(adata_small.X, cfg).preprocessed
    torch.manual_seed(0)
    mu_out = denoise(prep, cfg, device=torch.device("cpu"), keep_parameters=True)
    torch.manual_seed(0)
    ex_out = denoise(prep, make_config(3, **{**fast_overrides, "zinb.output": "zinb_mean"}),
                     device=torch.device("cpu"), keep_parameters=True)
    assert np.allclose(mu_out.mean, ex_out.mean)  # the same fit
    scale = mu_out.mean / prep.size_factors[:, None] * (1 - ex_out.dropout)
    expected = np.log1p(scale / scale.sum(1, keepdims=True) * 1e4)
    assert np.allclose(ex_out.denoised, expected, atol=1e-4)
