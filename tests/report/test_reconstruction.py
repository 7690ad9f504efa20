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


def _runs(cf_minus_scdmac: float, bottleneck_minus_xz: float, n_pairs: int = 6) -> pd.DataFrame:
    """scDMAC and counterfactual runs on ``n_pairs`` (dataset, seed) pairs; the differences grow a little
    from pair to pair (no ties) with the given sign and size."""
    rows = []
    for i in range(n_pairs):
        pair = {"dataset": f"synth-{100 + i}x50x2", "seed": i % 3}
        grow = 1 + 0.1 * i
        rows.append({**pair, "arm": "scDMAC", "ari": 0.5, "stage_log_pca_ari": 0.6,
                     "stage_bottleneck_ari": 0.5 + bottleneck_minus_xz * grow, "stage_denoised_pca_ari": 0.5})
        rows.append({**pair, "arm": CF, "ari": 0.5 + cf_minus_scdmac * grow})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("cf", "stages", "expected"), [
    (0.05, 0.05, "yes"),
    (0.05, 0.0, "yes"),  # the stages do not point the other way
    (-0.05, -0.05, "no"),
    (-0.05, 0.0, "no"),
    (0.05, -0.05, "the data do not decide"),  # the stages contradict the counterfactual
    (-0.05, 0.05, "the data do not decide"),
    (0.0, 0.05, "the data do not decide"),  # the counterfactual alone decides
    (0.005, 0.05, "the data do not decide"),  # consistent, but below the rule's 0.01
])
def test_the_rule_answers_from_the_counterfactual_and_the_stages(cf, stages, expected):
    answer = rc.reconstruction_answer(_runs(cf, stages))
    assert answer.answer == expected and expected in rc.ANSWERS
    assert answer.statement.startswith(f"**{expected.capitalize()}.**")


def test_the_statement_is_made_of_the_numbers():
    runs = _runs(0.05, 0.05)
    answer = rc.reconstruction_answer(runs)
    evidence = answer.evidence.set_index("comparison")
    assert list(evidence.index) == ["counterfactual", "stages", "network"]
    cf_diff = float(np.mean([0.05 * (1 + 0.1 * i) for i in range(6)]))
    assert evidence.loc["counterfactual", "mean_diff"] == pytest.approx(cf_diff)
    assert f"mean difference {cf_diff:+.3f} ARI" in answer.statement
    assert f"p = {evidence.loc['counterfactual', 'p_greater']:.3g} that it is higher" in answer.statement
    assert evidence.loc["network", "mean_diff"] < 0  # the bottleneck scores below the log input here
    assert "The bottleneck itself (the network's own change) scored lower than" in answer.statement
    assert "not the paper's method" in answer.statement


def test_too_few_pairs_do_not_decide_and_say_why():
    answer = rc.reconstruction_answer(_runs(0.2, 0.2, n_pairs=3))
    assert answer.answer == "the data do not decide"
    assert "Only 3 (dataset, seed) pairs have both scDMAC and the counterfactual; the test needs 5." in answer.statement
    assert "could not be tested against scDMAC: mean difference +0.220 ARI, sd 0.020 over 3 (dataset, seed) " \
           "pairs, too few for the test (it needs 5)." in answer.statement


def test_one_pair_is_named_in_the_singular():
    answer = rc.reconstruction_answer(_runs(0.2, 0.2, n_pairs=1))
    assert "Only 1 (dataset, seed) pair has both scDMAC and the counterfactual" in answer.statement
    assert "over 1 (dataset, seed) pair, too few" in answer.statement


def test_runs_without_the_counterfactual_do_not_decide():
    runs = _runs(0.05, 0.05)
    answer = rc.reconstruction_answer(runs[runs["arm"] == "scDMAC"])
    assert answer.answer == "the data do not decide"
    assert "could not be compared with scDMAC" in answer.statement
    with pytest.raises(ValueError, match=r"lacks the columns \['arm'\]"):
        rc.reconstruction_answer(runs.drop(columns="arm"))


def test_the_rule_statement_names_the_thresholds_the_rule_uses():
    text = rc.rule_statement()
    assert f"at least {rc.DELTA} ARI" in text and f"p < {rc.ALPHA}" in text
    assert all(a in text for a in ("*yes*", "*no*", "*the data do not decide*"))


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


def test_stage_tables_show_mean_sd_by_dataset_kind_and_the_mean_row():
    scores = rc.stage_scores_display(_summary())
    assert list(scores.columns) == ["dataset", "log input", "bottleneck", "X_z"]
    assert list(scores["dataset"]) == ["synth-40x10x2 (simulated)", "synth-50x10x2 (simulated)", diagnosis.MEAN_ROW]
    assert scores.loc[0, "log input"] == f"0.700 ± {np.std([0.8, 0.6], ddof=1):.3f}"
    assert scores.loc[1, "log input"] == "0.500"  # one seed: no sd
    changes = rc.stage_changes_display(_summary())
    assert list(changes.columns) == ["dataset", "bottleneck − log input", "X_z − bottleneck"]
    assert changes.loc[0, "bottleneck − log input"] == f"+0.150 ± {np.std([0.1, 0.2], ddof=1):.3f}"
    assert changes.loc[2, "X_z − bottleneck"] == f"{np.mean([-0.2, 0.05]):+.3f}"


def test_stage_change_lines_and_largest_loss():
    lines = rc.stage_change_lines(_summary()).splitlines()
    assert lines[0] == ("- **log input to bottleneck**: gains at least 0.01 ARI on synth-40x10x2 (simulated); "
                        "loses at least 0.01 on synth-50x10x2 (simulated).")
    assert lines[1].endswith("loses at least 0.01 on synth-40x10x2 (simulated).")
    assert rc.largest_loss(_summary(), "denoised_pca", "log_pca") == "synth-50x10x2"
    assert rc.largest_loss(_summary(), "final", "log_pca") is None


def test_arms_and_tests_tables():
    comparison = diagnosis.compare_arms(_runs(0.05, 0.0, n_pairs=3), CF, ["scDMAC"])
    arms = rc.arms_display(comparison, [CF, "scDMAC"])
    assert list(arms.columns) == ["dataset", CF, "scDMAC"]
    assert arms.iloc[-1]["dataset"] == diagnosis.MEAN_ROW and arms.iloc[-1]["scDMAC"] == "0.500"
    tests = rc.tests_display(comparison.tests)
    assert tests.loc[0, "difference"] == f"{CF} − scDMAC" and tests.loc[0, "pairs"] == 3
    assert tests.loc[0, "p (higher)"] == "untested (fewer than 5 pairs)"


def test_the_page_has_the_heading_other_pages_link_to():
    from docutils.nodes import make_id

    source = (paths.REPO_ROOT / "notebooks" / "75_stage_diagnosis.py").read_text()
    assert re.search(rf"^# ## {re.escape(rc.QUESTION)}$", source, flags=re.M)
    assert make_id(rc.QUESTION) == rc.ANCHOR


def test_the_methods_page_states_the_rule_with_its_thresholds():
    text = " ".join((paths.REPO_ROOT / "book" / "methods.md").read_text().split())
    assert f"mean difference from scDMAC is at least {rc.DELTA} ARI with p < {rc.ALPHA}" in text
    assert "reconstruction_answer" in text and "not the paper's method" in text
