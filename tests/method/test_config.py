import pytest

from scdmac_lib.method.config import VARIANTS, TrainConfig, config_keys, from_dict, make_config, stop_reason, to_dict
from scdmac_lib.runs.profiles import PROFILES, get_profile


def test_variants_switch_what_they_should():
    full = make_config(3)
    assert make_config(3, variant="scDMAC-Z").denoise is False and full.denoise is True
    assert make_config(3, variant="scDMAC-W").mae.recon_weight == 0.5 != full.mae.recon_weight
    assert make_config(3, variant="scDMAC-P").mae.use_mask_predictor is False
    assert set(VARIANTS) == {"scDMAC", "scDMAC-Z", "scDMAC-W", "scDMAC-P"}


def test_paper_sweep_parameters_are_config_fields():
    cfg = make_config(3, **{"mae.mask_ratio": 0.5, "mae.recon_weight": 0.8, "mae.mask_loss_weight": 0.6})
    assert (cfg.mae.mask_ratio, cfg.mae.recon_weight, cfg.mae.mask_loss_weight) == (0.5, 0.8, 0.6)


def test_unknown_key_fails_with_the_valid_keys():
    with pytest.raises(ValueError, match=r"unknown config key 'mae.mask_rate'.*mae.mask_ratio"):
        make_config(3, **{"mae.mask_rate": 0.2})


def test_unknown_variant_fails():
    with pytest.raises(ValueError, match="unknown variant 'scDMAC-X'"):
        make_config(3, variant="scDMAC-X")


def test_round_trip_through_dict():
    cfg = make_config(4, variant="scDMAC-P", **{"zinb.hidden": [32, 16]})
    assert cfg.zinb.hidden == (32, 16)
    assert from_dict(to_dict(cfg)) == cfg
    assert "cluster.train.lr" in config_keys()


def test_profiles_build_valid_configs():
    for name in PROFILES:
        make_config(3, **get_profile(name).config_overrides())
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        get_profile("fast")


@pytest.mark.parametrize("n_obs", [1, 7, 249, 256, 257, 5000])
@pytest.mark.parametrize(("epochs", "min_steps", "max_steps"), [(100, 100, 300), (30, 100, 100), (2, 5, 50), (3, 1, 4)])
def test_the_budget_stop_reason_uses_matches_training(n_obs, epochs, min_steps, max_steps):
    from scdmac_lib.method.training import step_budget

    cfg = TrainConfig(epochs=epochs, min_steps=min_steps, max_steps=max_steps)
    budget = step_budget(n_obs, cfg)
    assert stop_reason(budget, n_obs, cfg) != "plateau"
    if budget > 1:
        assert stop_reason(budget - 1, n_obs, cfg) == "plateau"
    with pytest.raises(ValueError, match="exceed the budget"):
        stop_reason(budget + 1, n_obs, cfg)


def _fit_steps(n_obs: int, cfg, losses) -> int:
    """Steps :func:`scdmac_lib.method.training.fit` runs on a step function returning ``losses(step)``."""
    import torch

    from scdmac_lib.method.networks import LossOutput
    from scdmac_lib.method.training import fit

    weight = torch.zeros(1, requires_grad=True)
    history = fit([weight], lambda idx, step: LossOutput(weight.sum() * 0 + losses(step)), n_obs=n_obs, cfg=cfg,
                  generator=torch.Generator().manual_seed(0), stage="test")
    return len(history["loss"])


@pytest.mark.parametrize(("n_obs", "cfg", "losses", "reason"), [
    (249, TrainConfig(epochs=5, min_steps=1, max_steps=50, patience=100), lambda s: 1.0 / (s + 1), "epochs"),
    (600, TrainConfig(batch_size=100, epochs=5, min_steps=1, max_steps=12, patience=100), lambda s: 1.0 / (s + 1),
     "max_steps"),
    (249, TrainConfig(epochs=2, min_steps=9, max_steps=50, patience=100), lambda s: 1.0 / (s + 1), "min_steps"),
    (249, TrainConfig(epochs=40, min_steps=1, max_steps=50, patience=5), lambda s: 1.0, "plateau"),
    (249, TrainConfig(epochs=100, min_steps=100, max_steps=300, patience=200), lambda s: 1.0, "epochs"),
])
def test_stop_reason_agrees_with_what_fit_does(n_obs, cfg, losses, reason):
    n_steps = _fit_steps(n_obs, cfg, losses)
    assert stop_reason(n_steps, n_obs, cfg) == reason


def test_stop_reason_refuses_an_empty_run():
    with pytest.raises(ValueError, match="at least one cell and one step"):
        stop_reason(0, 10, TrainConfig())
