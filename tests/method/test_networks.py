import pytest
import torch

from scdmac_lib.method.networks import (
    DISPERSION,
    DROPOUT_LOGITS,
    LATENT,
    MASK_LOGITS,
    MEAN,
    RECONSTRUCTION,
    MaskedAutoencoder,
    ZINBAutoencoder,
)


def test_zinb_autoencoder_shapes_and_size_factors():
    torch.manual_seed(0)
    ae = ZINBAutoencoder(30, (16,), 4)
    x, sf = torch.randn(8, 30), torch.linspace(0.5, 2.0, 8)
    out = ae(x, sf)
    assert out[LATENT].shape == (8, 4)
    for key in (MEAN, DISPERSION, DROPOUT_LOGITS):
        assert out[key].shape == (8, 30)
    assert (out[MEAN] > 0).all() and (out[DISPERSION] > 0).all()
    ratio = out[MEAN] / ae(x, torch.ones(8))[MEAN]
    assert torch.allclose(ratio, sf.unsqueeze(1).expand(8, 30), rtol=1e-5)
    loss = ae.loss(torch.poisson(torch.ones(8, 30)), out)
    assert torch.isfinite(loss.loss) and "zinb_nll" in loss.parts


def test_mae_shapes_and_loss_parts():
    mae = MaskedAutoencoder(30, (16,), 5)
    out = mae(torch.randn(8, 30))
    assert out[LATENT].shape == (8, 5) and out[MASK_LOGITS].shape == (8, 30)
    assert out[RECONSTRUCTION].shape == (8, 30)
    mask = (torch.rand(8, 30) < 0.3).float()
    loss = mae.loss(torch.randn(8, 30), mask, out, recon_weight=0.7, mask_loss_weight=0.65)
    assert set(loss.parts) == {"reconstruction", "mask_bce"} and torch.isfinite(loss.loss)


def test_without_mask_predictor_decoder_sees_z_only():
    mae = MaskedAutoencoder(30, (16,), 5, use_mask_predictor=False)
    out = mae(torch.randn(8, 30))
    assert MASK_LOGITS not in out and mae.decoder.in_features == 5 and mae.mask_gain is None
    loss = mae.loss(torch.randn(8, 30), torch.zeros(8, 30), out, recon_weight=0.7, mask_loss_weight=0.65)
    assert set(loss.parts) == {"reconstruction"}


@pytest.mark.parametrize(("lam", "expected"), [(0.7, 0.7), (0.5, 0.5)])
def test_reconstruction_weights_masked_entries_by_lambda(lam, expected):
    mae = MaskedAutoencoder(4, (4,), 2, use_mask_predictor=False)
    x = torch.zeros(1, 4)
    out = {RECONSTRUCTION: torch.tensor([[1.0, 1.0, 0.0, 0.0]])}
    only_masked = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    rec, _ = mae.loss_terms(x, only_masked, out, recon_weight=lam)
    assert rec.item() == pytest.approx((expected + (1 - expected)) / 4)
    rec_unmasked_error, _ = mae.loss_terms(x, torch.tensor([[0.0, 1.0, 1.0, 1.0]]), out, recon_weight=lam)
    assert rec_unmasked_error.item() == pytest.approx((1 - expected + expected) / 4)


def test_residual_mask_predictor_sees_each_entrys_surprise():
    mae = MaskedAutoencoder(30, (16,), 5, mask_predictor_input="residual")
    x = torch.randn(8, 30)
    base = mae(x)[MASK_LOGITS]
    with torch.no_grad():
        mae.residual_scale.fill_(5.0)
    bumped = x.clone()
    bumped[0, 3] += 10.0  # one wildly off entry
    logits = mae(bumped)[MASK_LOGITS]
    assert base.shape == (8, 30)
    assert logits[0, 3] - mae(x)[MASK_LOGITS][0, 3] > 1.0


def test_nb_likelihood_has_no_dropout_head_and_matches_scipy():
    from scipy import stats

    from scdmac_lib.method.networks import NB_DROPOUT_LOGIT

    torch.manual_seed(0)
    ae = ZINBAutoencoder(6, (8,), 3, likelihood="nb")
    assert ae.dropout_head is None
    out = ae(torch.randn(5, 6), torch.ones(5))
    assert (out[DROPOUT_LOGITS] == NB_DROPOUT_LOGIT).all()
    counts = torch.tensor([[0.0, 1, 3, 0, 7, 2]] * 5)
    mu, theta = out[MEAN].double(), out[DISPERSION].double()
    expected = -stats.nbinom.logpmf(counts.numpy(), theta.detach().numpy(),
                                    (theta / (theta + mu)).detach().numpy()).mean()
    assert ae.loss(counts, out).loss.item() == pytest.approx(expected, rel=1e-4)


def test_dropout_ridge_adds_mean_squared_dropout():
    torch.manual_seed(0)
    ae = ZINBAutoencoder(6, (8,), 3)
    out = ae(torch.randn(5, 6), torch.ones(5))
    counts = torch.poisson(torch.ones(5, 6))
    plain = ae.loss(counts, out).loss
    ridged = ae.loss(counts, out, dropout_ridge=2.0)
    pi2 = torch.sigmoid(out[DROPOUT_LOGITS]).square().mean()
    assert ridged.loss.item() == pytest.approx((plain + 2.0 * pi2).item(), rel=1e-6)
    assert ridged.parts["dropout_ridge"] == pytest.approx(pi2.item())


@pytest.mark.parametrize(("source", "width"), [("latent", 5), ("hidden", 16), ("input", 5), ("residual", 5)])
def test_mask_predictor_reads_its_input(source, width):
    torch.manual_seed(0)
    mae = MaskedAutoencoder(30, (16,), 5, dropout=0.1, mask_predictor_input=source)
    assert mae.mask_predictor.in_features == width
    mae.eval()
    x = torch.randn(8, 30)
    out = mae(x)
    assert out[MASK_LOGITS].shape == (8, 30) and out[LATENT].shape == (8, 5)
    assert torch.allclose(out[LATENT], mae.embed(x))  # the split encoder computes the same Z
    if source == "input":  # the corrupted entry itself moves its own logit, and only that one
        with torch.no_grad():
            mae.input_gain.fill_(2.0)
        bumped = x.clone()
        bumped[0, 3] += 1.0
        delta = mae(bumped)[MASK_LOGITS] - mae(x)[MASK_LOGITS]
        changed_by_entry = delta[0, 3] - (mae.mask_predictor(mae.embed(bumped)) - mae.mask_predictor(mae.embed(x)))[0, 3]
        assert changed_by_entry.item() == pytest.approx(2.0, abs=1e-4)


def test_hidden_mask_predictor_needs_a_hidden_layer():
    with pytest.raises(ValueError, match="needs at least one hidden encoder layer"):
        MaskedAutoencoder(30, (), 5, mask_predictor_input="hidden")


@pytest.mark.parametrize(("mix", "rec_weight"), [("convex", 0.35), ("additive", 1.0)])
def test_eq15_loss_mix(mix, rec_weight):
    mae = MaskedAutoencoder(30, (16,), 5)
    x, mask = torch.randn(8, 30), (torch.rand(8, 30) < 0.3).float()
    out = mae(x)
    rec, bce = mae.loss_terms(x, mask, out, recon_weight=0.7)
    total = mae.loss(x, mask, out, recon_weight=0.7, mask_loss_weight=0.65, loss_mix=mix).loss
    assert total.item() == pytest.approx((rec_weight * rec + 0.65 * bce).item(), rel=1e-6)
