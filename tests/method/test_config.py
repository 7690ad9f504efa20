import pytest

from scdmac_lib.method.config import VARIANTS, config_keys, from_dict, make_config, to_dict
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
