"""The stage diagnosis's question (report.reconstruction): the rule's answers, the statement, the page's tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.evaluation import diagnosis
from scdmac_lib.report import reconstruction as rc
from scdmac_lib.runs import page_runs
from scdmac_lib.runs.cache import RunResult
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runs.specs import make_spec
from scdmac_lib.runtime import paths

CF = rc.COUNTERFACTUAL_ARM


def _runs(cf_minus_scdmac, bottleneck_minus_xz: float, n_datasets: int = 6, n_seeds: int = 1) -> pd.DataFrame:
    """scDMAC and counterfactual runs on ``n_datasets`` x ``n_seeds``; the differences grow a little from
    dataset to dataset (no ties) with the given sign and size. ``cf_minus_scdmac`` may be a list: one
    difference per dataset."""
    rows = []
    for i in range(n_datasets):
        grow = 1 + 0.1 * i
        cf = cf_minus_scdmac[i] if isinstance(cf_minus_scdmac, list) else cf_minus_scdmac * grow
        for seed in range(n_seeds):
            pair = {"dataset": f"synth-{100 + i}x50x2", "seed": seed}
            jitter = 0.002 * seed
            rows.append({**pair, "arm": "scDMAC", "ari": 0.5, "stage_log_pca_ari": 0.6,
                         "stage_bottleneck_ari": 0.5 + bottleneck_minus_xz * grow, "stage_denoised_pca_ari": 0.5})
            rows.append({**pair, "arm": CF, "ari": 0.5 + cf + jitter})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("cf", "stages", "expected"), [
    (0.05, 0.05, "yes"),
    (0.05, 0.0, "yes"),  # the stages do not point the other way
    (-0.05, -0.05, "no"),
    (-0.05, 0.0, "no"),
    (0.05, -0.05, "the data do not decide"),  # the stages contradict the counterfactual
    (-0.05, 0.05, "the data do not decide"),
    (0.0, 0.05, "the data do not decide"),  # the counterfactual alone decides
    (0.005, 0.05, "yes"),  # small but consistent on every dataset: the revised rule has no margin
])
def test_the_rule_answers_from_the_counterfactual_and_the_stages(cf, stages, expected):
    answer = rc.reconstruction_answer(_runs(cf, stages))
    assert answer.answer == expected and expected in rc.ANSWERS
    assert answer.statement.startswith(f"**{expected.capitalize()}.**")


def test_a_counterfactual_whose_sign_differs_by_dataset_depends_on_the_dataset():
    """Issue 24: "the data do not decide" hid a difference that goes one way on some datasets, the other on others."""
    runs = _runs([0.10, 0.12, 0.11, -0.10, -0.12, -0.11], 0.0, n_seeds=3)
    answer = rc.reconstruction_answer(runs)
    assert answer.answer == rc.DEPENDS
    cf = answer.evidence.set_index("comparison").loc["counterfactual"]
    assert cf["het_p"] < 0.05 and cf["low"] < 0 < cf["high"]
    assert "higher on synth-100x50x2 (simulated), synth-101x50x2 (simulated), synth-102x50x2 (simulated)" in \
        answer.statement
    assert "lower on synth-103x50x2 (simulated), synth-104x50x2 (simulated), synth-105x50x2 (simulated)" in \
        answer.statement
    assert rc.first_rule_answer(runs) == rc.UNDECIDED  # the first rule had no such answer


def test_the_statement_is_made_of_the_numbers():
    runs = _runs(0.05, 0.05)
    answer = rc.reconstruction_answer(runs)
    evidence = answer.evidence.set_index("comparison")
    assert list(evidence.index) == ["counterfactual", "stages", "network"]
    cf_diff = float(np.mean([0.05 * (1 + 0.1 * i) for i in range(6)]))
    assert evidence.loc["counterfactual", "effect"] == pytest.approx(cf_diff)
    low, high = evidence.loc["counterfactual", ["low", "high"]]
    assert f"{cf_diff:+.3f} ARI across 6 datasets x 1 seeds, 95% interval [{low:+.3f}, {high:+.3f}]" in answer.statement
    assert evidence.loc["network", "effect"] < 0  # the bottleneck scores below the log input here
    assert "The bottleneck itself (the network's own change) minus PCA + k-means on the log input" in answer.statement
    assert "not the paper's method" in answer.statement
    assert "heterogeneity untested (one seed per dataset)" in answer.statement


def test_too_few_datasets_do_not_decide_and_say_why():
    answer = rc.reconstruction_answer(_runs(0.2, 0.2, n_datasets=2, n_seeds=3))
    assert answer.answer == rc.UNDECIDED
    assert "The counterfactual ran beside scDMAC on 2 dataset(s); the rule needs 3." in answer.statement


def test_runs_without_the_counterfactual_do_not_decide():
    runs = _runs(0.05, 0.05)
    answer = rc.reconstruction_answer(runs[runs["arm"] == "scDMAC"])
    assert answer.answer == rc.UNDECIDED
    assert "could not be compared with scDMAC" in answer.statement
    with pytest.raises(ValueError, match=r"lacks the columns \['arm'\]"):
        rc.reconstruction_answer(runs.drop(columns="arm"))


def test_the_first_rule_is_kept_beside_the_revision():
    assert rc.first_rule_answer(_runs(0.05, 0.05)) == rc.YES
    assert rc.first_rule_answer(_runs(0.005, 0.05)) == rc.UNDECIDED  # below the first rule's 0.01
    text = rc.first_rule_sentence(_runs(0.005, 0.05))
    assert f"at least {rc.DELTA} ARI with p < {rc.ALPHA}), answers *the data do not decide*" in text
    assert f"revised on {rc.REVISED}" in text


def test_the_rule_statement_names_every_answer_and_its_date():
    text = rc.rule_statement()
    assert f"revised {rc.REVISED}" in text and "p < 0.05" in text
    assert all(f"*{a}*" in text for a in rc.ANSWERS)


def test_arm_of_tells_the_counterfactual_from_the_paper_method():
    overrides = {**get_profile("smoke").config_overrides(), **page_runs.COUNTERFACTUAL}
    assert rc.arm_of(make_spec("deng", "scDMAC", 0, overrides)) == CF
    assert rc.arm_of(make_spec("deng", "scDMAC", 0, get_profile("smoke").config_overrides())) == "scDMAC"
    arms = {rc.arm_of(s) for s in page_runs.diagnosis_specs(get_profile("smoke"))}
    assert arms == {"scDMAC", "scziDesk-style", CF, "PCA + k-means"}


def test_run_frame_has_one_row_per_run_with_arm_stages_and_checks():
    truth = np.array(["a"] * 4 + ["b"] * 2)
    spec = make_spec("synth-6x10x2", "scDMAC", 1, page_runs.COUNTERFACTUAL)
    result = RunResult(spec=spec, metrics={"ari": 0.4, "n_clusters_found": 2, "stage_final_ari": 0.4}, timings={},
                       diagnostics={"mask_auc": 0.7}, history={}, provenance={},
                       labels=np.array([0, 0, 0, 0, 0, 1]), embedding=None)
    frame = rc.run_frame([result], {"synth-6x10x2": truth})
    row = frame.iloc[0]
    assert (row["dataset"], row["seed"], row["method"], row["arm"]) == ("synth-6x10x2", 1, "scDMAC", CF)
    assert row["stage_final_ari"] == 0.4 and row["mask_auc"] == 0.7 and np.isnan(row["smallest_cluster"])
    assert row["n_clusters_found"] == 2 and "nmi" not in frame.columns
    assert row["smallest_type_recall"] == pytest.approx(0.5)


def _summary():
    runs = pd.DataFrame({"dataset": ["synth-40x10x2", "synth-40x10x2", "synth-50x10x2"], "seed": [0, 1, 0],
                         "stage_log_pca_ari": [0.8, 0.6, 0.5], "stage_bottleneck_ari": [0.9, 0.8, 0.3],
                         "stage_denoised_pca_ari": [0.7, 0.6, 0.35]})
    return diagnosis.stage_summary(runs)


def test_stage_scores_show_mean_sd_by_dataset_kind_and_the_mean_row():
    scores = rc.stage_scores_display(_summary())
    assert list(scores.columns) == ["dataset", "log input", "bottleneck", "X_z"]
    assert list(scores["dataset"]) == ["synth-40x10x2 (simulated)", "synth-50x10x2 (simulated)", diagnosis.MEAN_ROW]
    assert scores.loc[0, "log input"] == f"0.700 ± {np.std([0.8, 0.6], ddof=1):.3f}"
    assert scores.loc[1, "log input"] == "0.500"  # one seed: no sd
    assert rc.largest_loss(_summary(), "denoised_pca", "log_pca") == "synth-50x10x2"
    assert rc.largest_loss(_summary(), "final", "log_pca") is None


def _step_runs() -> pd.DataFrame:
    """Three datasets x three seeds: X_z -> Z gains on "up" (every seed), changes 0, 0, +0.10 on "flat"."""
    changes = {"synth-40x10x2": [0.10, 0.11, 0.12], "synth-50x10x2": [0.0, 0.0, 0.10], "synth-60x10x2": [-0.2] * 3}
    return pd.DataFrame([{"dataset": d, "seed": s, "stage_log_pca_ari": 0.5, "stage_denoised_pca_ari": 0.6,
                          "stage_pretrained_z_ari": 0.6 + c} for d, values in changes.items()
                         for s, c in enumerate(values)])


def test_a_gain_or_loss_is_labelled_only_where_its_interval_excludes_zero():
    """Issue 24: a "gain" from seed differences 0, 0 and +0.10 was labelled; its interval includes 0."""
    changes = rc.stage_changes_display(_step_runs())
    assert list(changes.columns) == ["dataset", "X_z − log input", "Z − X_z"]
    cells = changes.set_index("dataset")["Z − X_z"]
    assert cells["synth-40x10x2 (simulated)"].endswith(" gain")
    assert not cells["synth-50x10x2 (simulated)"].endswith(("gain", "loss"))  # mean +0.033, interval includes 0
    assert cells["synth-50x10x2 (simulated)"].startswith("+0.033 [")
    assert cells["synth-60x10x2 (simulated)"] == "-0.200 [-0.20, -0.20] loss"  # no spread over seeds
    assert not cells[diagnosis.MEAN_ROW].endswith(("gain", "loss"))
    lines = rc.stage_change_lines(_step_runs()).splitlines()
    assert lines[1].startswith("- **Z − X_z**: ")
    assert lines[1].endswith("Gains on synth-40x10x2 (simulated); loses on synth-60x10x2 (simulated) (95% intervals "
                             "over seeds).")


def test_arms_and_tests_tables():
    comparison = diagnosis.compare_arms(_runs(0.05, 0.0, n_datasets=3, n_seeds=3), CF, ["scDMAC"])
    arms = rc.arms_display(comparison, [CF, "scDMAC"])
    assert list(arms.columns) == ["dataset", CF, "scDMAC"]
    assert arms.iloc[-1]["dataset"] == diagnosis.MEAN_ROW and arms.iloc[-1]["scDMAC"] == "0.500"
    tests = rc.tests_display(comparison.tests)
    assert tests.loc[0, "difference"] == f"{CF} − scDMAC" and tests.loc[0, "n"] == "3 x 3"
    assert tests.loc[0, "mean [95%]"].endswith(" gain")
    assert tests.loc[0, "higher on"].startswith("synth-100x50x2 (simulated)") and tests.loc[0, "lower on"] == ""
    assert "the interval across datasets lies above 0" in rc.tests_takeaway(comparison.tests)


def test_the_page_has_the_heading_other_pages_link_to():
    from docutils.nodes import make_id

    source = (paths.REPO_ROOT / "notebooks" / "75_stage_diagnosis.py").read_text()
    assert re.search(rf"^# ## {re.escape(rc.QUESTION)}$", source, flags=re.M)
    assert make_id(rc.QUESTION) == rc.ANCHOR


def test_the_methods_page_states_the_rule_and_its_revision():
    text = " ".join((paths.REPO_ROOT / "book" / "methods.md").read_text().split())
    assert f"*{rc.DEPENDS}*" in text and f"revised on {rc.REVISED}" in text
    assert "reconstruction_answer" in text and "not the paper's method" in text


def test_the_mechanism_is_a_hypothesis_with_numbers_for_and_against():
    """Issue 24: the mechanism was stated as fact from one seed of one dataset."""
    rows = []
    for likelihood, kept in (("zinb", [3.0, 1.0, 2.0, 0.5]), ("nb", [2.5, 1.5, 1.0, 1.0])):
        for t, (n, k) in enumerate(zip([100, 50, 10, 3], kept, strict=True)):
            rows.append({"type": f"t{t}", "n_cells": n, "observed_log2_ratio": 4.0, "fitted_log2_ratio": k,
                         "dropout_inside": 0.1 if likelihood == "zinb" else np.nan,
                         "dropout_outside": 0.6 if likelihood == "zinb" else np.nan, "likelihood": likelihood})
    text = rc.contrast_hypothesis(pd.DataFrame(rows), "Deng (stand-in)")
    assert text.startswith("*Hypothesis, not a finding* (one seed of one dataset, Deng (stand-in)")
    assert "higher outside their type than inside in 4 of 4 types" in text
    assert ("ZINB's mean keeps less contrast than NB's in 2 of 4 types. *Against it:* NB's keeps less in the "
            "other 2") in text
    assert "which includes 0: no difference is shown." in text
    notebook = (paths.REPO_ROOT / "notebooks" / "75_stage_diagnosis.py").read_text()
    assert "k-means on the denoised matrix then\n# loses the type." not in notebook
