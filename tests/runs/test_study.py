"""The method study's rule, on made-up run frames (no training)."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.method.config import make_config
from scdmac_lib.runs import archive, page_runs, study
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import paths


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
    assert "falls more than 0.01 below, so nb_likelihood alone is the choice (rule 7)" in study.combination_sentence(
        study.paired_summary(bad), decision, ["nb_likelihood"])


def test_an_untested_combination_decides_nothing():
    """Issue 18: rule 7 without the combination's runs is no choice (it used to return every adopted arm)."""
    summary = study.paired_summary(_frame({"baseline": 0.0, "nb_likelihood": 0.05, "inflation_1": 0.001}))
    decision = study.decide(summary)
    assert len(decision.adopted) == 2
    assert study.final_choice(summary, decision) is None
    assert study.choice_text(None) == "not decided (runs missing)"
    assert "lacks runs, so rule 7 is not decided (runs missing)" in study.combination_sentence(summary, decision, None)
    fates = study.arm_fates(summary, decision, None).set_index("arm")["fate"]
    assert fates["nb_likelihood"] == "adopted (rule 3); rule 7 not decided (runs missing)"
    chosen = study.chosen_values(get_profile("quick"), decision, None)
    assert {chosen[k] for k in study.BASELINE} == {study.RUNS_MISSING}
    assert chosen["zinb.train.max_steps"] == study.RUNS_MISSING  # the budget arm was not run either
    # one adopted arm needs no combination; none adopted keeps the baseline
    single = study.decide(study.paired_summary(_frame({"baseline": 0.0, "nb_likelihood": 0.05})))
    assert study.final_choice(study.paired_summary(_frame({"baseline": 0.0})), single) == ["nb_likelihood"]
    assert study.choice_text([]) == "no change: the baseline stays"


def test_without_runs_nothing_is_presented_as_the_rules_choice():
    """Issue 18: no summary or no baseline used to show the pre-study values as the rule's choice."""
    check = study.defaults_check(study.chosen_values(get_profile("quick"), None, None))
    assert set(check["chosen by the rule"]) == {study.RUNS_MISSING}
    assert set(check["matches"]) == {"not decided"}
    assert study.defaults_sentence(check) == (f"{len(check)} of {len(check)} keys are not decided by these runs, "
                                              "so nothing is compared there.")


def test_defaults_check_covers_the_budget_keys():
    quick = get_profile("quick")
    frame = _frame({"baseline": 0.0, "nb_likelihood": 0.05, "full_budget": 0.001})
    stay = study.decide(study.paired_summary(frame), budget_testable=study.budget_testable(quick))
    assert stay.budget == "stay" and "full_budget is tied: the profile's budgets stay (rule 6)." in stay.log
    check = study.defaults_check(study.chosen_values(quick, stay, ["nb_likelihood"])).set_index("key")
    assert set(study.BUDGET_KEYS) <= set(check.index) and len(check) == len(study.BASELINE) + len(study.BUDGET_KEYS)
    assert check.loc["zinb.train.max_steps", "before the study"] == study.FULL_BUDGET["zinb.train.max_steps"]
    assert (check.loc[list(study.BUDGET_KEYS), "matches"] == "yes").all()  # quick trains with the library's
    assert check.loc["zinb.likelihood", "matches"] == "no"  # the library's default is not nb
    assert study.defaults_sentence(check.reset_index()) == (
        "The library's defaults differ from the rule's choice on 3 of 20 studied keys: preprocess.hvg_flavor, "
        "zinb.likelihood, cluster.inflation.")  # no hvg or inflation arm ran, so the pre-study values stay
    raised = study.decide(study.paired_summary(_frame({"baseline": 0.0, "full_budget": 0.05})),
                          budget_testable=True)
    assert raised.budget == "raised"
    check = study.defaults_check(study.chosen_values(quick, raised, [])).set_index("key")
    assert check.loc["zinb.train.max_steps", "chosen by the rule"] == study.FULL_BUDGET["zinb.train.max_steps"]
    assert check.loc["zinb.train.max_steps", "matches"] == "no"
    assert check.loc["preprocess.hvg_flavor", "chosen by the rule"] == "seurat_v3"  # no reading adopted


def test_a_declined_choice_says_why_and_only_while_the_default_is_the_pre_study_value(monkeypatch):
    quick = get_profile("quick")
    decision = study.decide(study.paired_summary(_frame({"baseline": 0.0, "denoiser_unscaled": 0.0,
                                                         "inflation_1": 0.0, "hvg_seurat": 0.0,
                                                         "full_budget": 0.0})),
                            budget_testable=study.budget_testable(quick))
    check = study.defaults_check(study.chosen_values(quick, decision, ["hvg_seurat", "denoiser_unscaled",
                                                                       "inflation_1"])).set_index("key")
    row = check.loc["zinb.scale_input"]
    assert (row["chosen by the rule"], row["library default now"], row["matches"]) == (False, True, "declined")
    assert row["why"] == study.DECLINED["zinb.scale_input"] and "benchmarks/known_answer.py" in row["why"]
    assert set(check.drop(index="zinb.scale_input")["matches"]) == {"yes"}
    assert (check.drop(index="zinb.scale_input")["why"] == "").all()
    assert study.defaults_sentence(check.reset_index()) == (
        f"The library declines the rule's choice for zinb.scale_input: {study.DECLINED['zinb.scale_input']}. "
        "The library's defaults are the rule's choice on every other studied key these runs decide (19 of 20).")
    # a declined key whose default is not the pre-study value either is a plain mismatch
    monkeypatch.setitem(study.BASELINE, "zinb.scale_input", "something else")
    check = study.defaults_check(study.chosen_values(quick, decision, ["inflation_1"])).set_index("key")
    assert check.loc["zinb.scale_input", "matches"] == "no"


def test_rule_6_cannot_be_tested_where_the_budget_arm_is_the_baseline():
    assert study.budget_testable(get_profile("quick")) and study.budget_testable(get_profile("smoke"))
    paper = get_profile("paper")
    assert not study.budget_testable(paper)  # FULL_BUDGET is the paper profile's own
    summary = study.paired_summary(_frame({"baseline": 0.0, "full_budget": 0.0}))
    decision = study.decide(summary, budget_testable=False)
    assert decision.budget == "cannot be tested"
    assert any("rule 6 cannot be tested here (amendment of rule 6)" in line for line in decision.log)
    fates = study.arm_fates(summary, decision, []).set_index("arm")["fate"]
    assert "rule 6 cannot be tested" in fates["full_budget"]
    chosen = study.chosen_values(paper, decision, [])
    assert {chosen[k] for k in study.BUDGET_KEYS} == {study.NOT_TESTABLE}


def test_the_rule_stays_as_registered_and_the_amendment_is_dated_beside_it():
    registered = " ".join(study.RULE.split())
    assert "the profile's budgets are raised to the default command's" in registered  # rule 6 as registered
    (amendment,) = study.AMENDMENTS
    assert amendment.rule == 6 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", amendment.date) and amendment.reason
    assert study.budget_text(study.FULL_BUDGET) in amendment.text
    shown = study.amendments_markdown()
    assert shown.startswith(f"- **Amendment of rule 6 ({amendment.date}).**") and "*Why:*" in shown


def test_arm_fates_say_what_the_rule_made_of_every_arm():
    frame = _frame({"baseline": 0.0, "nb_likelihood": 0.05, "zinb_mean_output": 0.045, "inflation_1": 0.001,
                    "finetune_lr_1e-3": 0.002, "latent_16": -0.05, "full_budget": 0.0})
    frame.loc[frame["arm"] == "full_budget", "wall_s"] = 20.0
    frame.loc[frame["arm"] == "baseline", "wall_s"] = 5.0
    summary = study.paired_summary(frame)
    decision = study.decide(summary)
    fates = study.arm_fates(summary, decision, ["zinb_mean_output"]).set_index("arm")
    assert fates.loc["zinb_mean_output", "fate"] == "adopted (rule 3); in the final choice (rule 7)"
    assert fates.loc["nb_likelihood", "fate"] == "adopted (rule 3), but zinb_mean_output is kept for its group (rule 4)"
    assert fates.loc["inflation_1", "fate"].startswith("adopted (rule 3); dropped: the combination fell below")
    assert fates.loc["finetune_lr_1e-3", "fate"].startswith("not adopted: tied, and no closer to the paper's text")
    assert fates.loc["latent_16", "fate"] == "not adopted: worse (rule 2)"
    assert fates.loc["full_budget", "fate"] == "not better: the profile's budgets stay (rule 6)"
    assert "baseline" not in fates.index
    assert study.budget_cost_sentence(frame) == ("The budget arm's runs took 20.0 s on average, the baseline's 5.0 s, "
                                                 "over the 8 (dataset, seed) runs both have (as recorded when each "
                                                 "run was computed).")
    assert study.budget_cost_sentence(frame[frame["arm"] != "full_budget"]) == ""


def test_combination_arm():
    combo = study.combination(["nb_likelihood", "inflation_1"])
    assert combo.changes == {"zinb.likelihood": "nb", "cluster.inflation": 1.0}


def test_study_specs_pin_the_baseline_and_the_budget():
    from scdmac_lib.runs.specs import resolved_config

    pairs = study.study_specs(get_profile("quick"), [study.arm("baseline"), study.arm("full_budget")],
                           datasets=["deng"], seeds=[0])
    (_, base), (_, full) = pairs
    assert resolved_config(base)["zinb.train.max_steps"] == 300  # the quick profile's: the library default
    assert dict(base.overrides)["n_threads"] == 1
    assert resolved_config(full)["zinb.train.max_steps"] == study.FULL_BUDGET["zinb.train.max_steps"] == 2000
    with pytest.raises(ValueError, match="unknown study arm"):
        study.arm("nope")


def _load_study_command():
    path = paths.REPO_ROOT / "benchmarks" / "study.py"
    spec = importlib.util.spec_from_file_location("bench_study", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("datasets", "seeds"), [(None, None), (["pollen", "worm_neuron"], [1])])
def test_the_command_the_page_gives_computes_the_runs_the_page_reads(monkeypatch, datasets, seeds):
    """Issue 18: with the paper's data present, benchmarks/study.py used to run the stand-ins the page never reads."""
    paper_copies = {"deng": "deng_paper", "pollen": "pollen_paper"}
    monkeypatch.setattr(page_runs, "prefer_paper_data", lambda names: [paper_copies.get(n, n) for n in names])
    monkeypatch.setattr(study, "combination_specs", lambda *a, **k: [])  # no arm is stored here
    bench = _load_study_command()
    quick = get_profile("quick")
    page_pairs = page_runs.study_pairs(quick, datasets=datasets, seeds=seeds)
    command = page_runs.study_command(quick, datasets=datasets, seeds=seeds).split()
    assert command[:2] == [".venv/bin/python", page_runs.STUDY_SCRIPT]
    assert bench.planned_pairs(bench.parse_args(command[2:])) == page_pairs
    assert [s for _, s in page_pairs] == page_runs.specs_for("70_method_study", quick, datasets=datasets, seeds=seeds)
    if datasets is None:
        assert {s.dataset for _, s in page_pairs} >= {"deng_paper", "pollen_paper"}
    combo = ["hvg_seurat", "inflation_1"]
    command = page_runs.study_command(quick, datasets=datasets, seeds=seeds, combination=combo).split()
    assert bench.planned_pairs(bench.parse_args(command[2:])) == page_runs.combination_pairs(
        quick, combo, datasets=datasets, seeds=seeds)
    some = bench.planned_pairs(bench.parse_args(["--profile", "quick", "--arms", "baseline", "latent_16"]))
    assert {name for name, _ in some} == {"baseline", "latent_16"}
    with pytest.raises(ValueError, match="unknown study arm"):
        bench.planned_pairs(bench.parse_args(["--arms", "nope"]))


def _archived_frame(pairs) -> pd.DataFrame | None:
    """The study rows of ``pairs`` from the committed results archive, or ``None`` when one is not there."""
    found = [(name, archive.read(spec)) for name, spec in pairs]
    if any(result is None for _, result in found):
        return None
    return study.runs_frame([study.run_row(name, result) for name, result in found])


def test_the_library_defaults_are_the_rules_choice_on_the_archived_quick_study():
    """The decision comes from the runs: the quick profile's study, read from the results archive."""
    quick = get_profile("quick")
    frame = _archived_frame(page_runs.study_pairs(quick))
    if frame is None:
        pytest.skip("the results archive does not hold the quick profile's study runs")
    summary = study.paired_summary(frame)
    decision = study.decide(summary, budget_testable=study.budget_testable(quick))
    if len(decision.adopted) > 1:
        combo = _archived_frame(page_runs.combination_pairs(quick, decision.adopted))
        if combo is None:
            pytest.skip("the results archive does not hold rule 7's combination runs")
        summary = pd.concat([summary, study.paired_summary(combo).query("arm == 'combination'")], ignore_index=True)
    choice = study.final_choice(summary, decision)
    check = study.defaults_check(study.chosen_values(quick, decision, choice))
    assert check["matches"].isin(["yes", "declined"]).all(), check[check["matches"] != "yes"].to_string()
    assert set(check.loc[check["matches"] == "declined", "key"]) <= set(study.DECLINED)


OUTCOME_WORDS = ("tied", "adopted", "dropped", "found", "did not", "better", "worse", "collapsed", "chosen",
                 "no gain", "became", "settled", "kept")


def test_the_methods_page_leaves_the_studys_outcome_to_the_study_page():
    """Every statement of what the study decided is generated on its page; the methods page points there."""
    text = " ".join((paths.REPO_ROOT / "book" / "methods.md").read_text().split())
    sentences = re.split(r"(?<=[.;])\s+", text)
    about_study = [s for s in sentences if "study" in s.lower()]
    assert about_study  # the page does describe the study
    stating = [s for s in about_study if any(re.search(rf"\b{w}\b", s.lower()) for w in OUTCOME_WORDS)]
    assert stating == []
    assert 'section "What the study decided" of the page "Method study"' in text
    notebook = (paths.REPO_ROOT / "notebooks" / "70_method_study.py").read_text()
    assert "# ## What the study decided" in notebook and "study.arm_fates(" in notebook
