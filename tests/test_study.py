"""The method study's rule, on made-up run frames (no training)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.method.config import make_config
from scdmac_lib.runs import study


def _frame(arms: dict[str, float], *, n_datasets: int = 4, n_seeds: int = 2, auc: dict[str, float] | None = None,
           noise: float = 0.002) -> pd.DataFrame:
    """Runs whose ARI is a per-(dataset, seed) level plus the arm's offset and a little noise."""
    rng = np.random.default_rng(0)
    rows = []
    for d in range(n_datasets):
        for s in range(n_seeds):
            level = 0.5 + 0.05 * d + 0.01 * s
            for name, offset in arms.items():
                ari = level + offset + rng.normal(0, noise)
                rows.append({"arm": name, "dataset": f"d{d}", "seed": s, "ari": ari, "nmi": ari,
                             "mask_auc": (auc or {}).get(name, 0.5)})
    return pd.DataFrame(rows)


def test_every_arm_builds_a_valid_config_and_pins_the_baseline():
    for a in study.ARMS:
        cfg = make_config(3, **study.arm_overrides(a, {}))
        assert cfg.n_clusters == 3
    assert set(study.BASELINE) >= {k for a in study.ARMS for k in a.changes}
    assert len({a.name for a in study.ARMS}) == len(study.ARMS)


def test_paired_summary_verdicts():
    summary = study.paired_summary(_frame({"baseline": 0.0, "nb_likelihood": 0.05, "latent_16": -0.05,
                                        "inflation_1": 0.003})).set_index("arm")
    assert summary.loc["nb_likelihood", "verdict"] == "better"
    assert summary.loc["latent_16", "verdict"] == "worse"
    assert summary.loc["inflation_1", "verdict"] == "tied"
    assert summary.loc["nb_likelihood", "ari_diff"] == pytest.approx(0.05, abs=0.005)
    assert summary.loc["nb_likelihood", "p_better"] < 0.05 < summary.loc["nb_likelihood", "p_worse"]


def test_too_few_pairs_is_a_tie():
    summary = study.paired_summary(_frame({"baseline": 0.0, "nb_likelihood": 0.1}, n_datasets=2, n_seeds=1))
    assert summary.set_index("arm").loc["nb_likelihood", "verdict"] == "tied"


def test_decide_adopts_better_arms_and_paper_closer_ties_one_per_group():
    frame = _frame({"baseline": 0.0, "nb_likelihood": 0.05, "zinb_mean_output": 0.045,  # same group
                    "inflation_1": 0.001,  # tied, closer to the paper: adopted
                    "finetune_lr_1e-3": 0.002,  # tied, as close as the baseline: not adopted
                    "latent_16": -0.05})  # worse
    decision = study.decide(study.paired_summary(frame))
    # the two likelihood arms are within 0.01: the one closest to the paper's text is kept
    assert set(decision.adopted) == {"zinb_mean_output", "inflation_1"}
    assert any("rule 4" in line for line in decision.log)


def test_decide_picks_a_learning_mask_predictor_when_tied():
    frame = _frame({"baseline": 0.0, "predictor_hidden": 0.001, "predictor_residual": -0.002},
                   auc={"predictor_residual": 0.75, "predictor_hidden": 0.52})
    decision = study.decide(study.paired_summary(frame))
    assert decision.adopted == ["predictor_residual"]
    silent = study.decide(study.paired_summary(_frame({"baseline": 0.0, "predictor_hidden": 0.001})))
    assert silent.adopted == [] and any("reaches an AUC of 0.6" in line for line in silent.log)


def test_final_choice_keeps_the_combination_only_when_it_holds_up():
    frame = _frame({"baseline": 0.0, "nb_likelihood": 0.05, "inflation_1": 0.001})
    decision = study.decide(study.paired_summary(frame))
    good = pd.concat([frame, _frame({"baseline": 0.0, "combination": 0.048}).query("arm == 'combination'")])
    assert study.final_choice(study.paired_summary(good), decision) == decision.adopted
    bad = pd.concat([frame, _frame({"baseline": 0.0, "combination": -0.1}).query("arm == 'combination'")])
    assert study.final_choice(study.paired_summary(bad), decision) == ["nb_likelihood"]


def test_combination_and_defaults_check():
    combo = study.combination(["nb_likelihood", "inflation_1"])
    assert combo.changes == {"zinb.likelihood": "nb", "cluster.inflation": 1.0}
    check = study.defaults_check(["hvg_seurat"]).set_index("key")
    assert check["matches"].all()  # the library's defaults are the study's choice (rule 7: hvg_seurat alone)
    assert not study.defaults_check([]).set_index("key").loc["preprocess.hvg_flavor", "matches"]
    assert not study.defaults_check(["nb_likelihood"]).set_index("key").loc["zinb.likelihood", "matches"]


def test_study_specs_pin_the_baseline_and_the_budget():
    from scdmac_lib.runs.profiles import get_profile
    from scdmac_lib.runs.specs import resolved_config

    pairs = study.study_specs(get_profile("quick"), [study.arm("baseline"), study.arm("full_budget")],
                           datasets=["deng"], seeds=[0])
    (_, base), (_, full) = pairs
    assert resolved_config(base)["zinb.train.max_steps"] == 300  # the quick profile's: the library default
    assert dict(base.overrides)["n_threads"] == 1
    assert resolved_config(full)["zinb.train.max_steps"] == study.FULL_BUDGET["zinb.train.max_steps"] == 2000
    with pytest.raises(ValueError, match="unknown study arm"):
        study.arm("nope")
