"""The method study's rule, on made-up run frames (no training)."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.method.config import ScDMACConfig, flat_dict, make_config
from scdmac_lib.runs import archive, page_runs, selection_bias, study
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
    assert stay.budget == "stay" and (f"full_budget is tied ({study.TIED_MEANS}): the profile's budgets stay "
                                      "(rule 6).") in stay.log
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


def test_the_rule_stays_as_registered_and_the_amendments_are_dated_beside_it():
    registered = " ".join(study.RULE.split())
    assert "the profile's budgets are raised to the default command's" in registered  # rule 6 as registered
    assert "applied once, as written" in registered  # the registered heading is never edited ...
    budget, *declined = study.AMENDMENTS
    assert budget.rule == 6 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", budget.date) and budget.reason
    assert study.budget_text(study.FULL_BUDGET) in budget.text and study.BUDGETS_SHORTENED in budget.reason
    shown = study.amendments_markdown()
    assert shown.startswith(f"- **Amendment of rule 6 ({budget.date}).**") and "*Why:*" in shown
    note = study.applied_note()  # ... so the page says what "applied once, as written" came to
    assert f"amended {len(study.AMENDMENTS)} times" in note and all(a.date in note for a in study.AMENDMENTS)


def test_every_declined_choice_is_a_dated_amendment_with_its_reason():
    """Issue 24: DECLINED overrode rule 7 without being listed with the dated amendments."""
    assert len(study.AMENDMENTS) == 1 + len(study.DECLINED)
    shown = study.amendments_markdown()
    for key, why in study.DECLINED.items():
        (amendment,) = [a for a in study.AMENDMENTS if f"`{key}`" in a.text]
        assert amendment.rule == 7 and amendment.date == study.DECLINED_DATE and why in amendment.reason
        assert f"- **Amendment of rule 7 ({study.DECLINED_DATE}).** {amendment.text}" in shown


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
    monkeypatch.setattr(selection_bias, "rule_7_specs", lambda *a, **k: [])  # no arm is stored here
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


def _spread_frame(arms: dict[str, tuple[float, float]], *, n_datasets: int = 7, n_seeds: int = 3,
                  seed: int = 0) -> pd.DataFrame:
    """Runs whose ARI is the baseline's plus, per arm, an offset and a dataset-level spread (sd) around it."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_datasets):
        level = 0.4 + 0.05 * d
        shifts = {name: offset + rng.normal(0, sd) for name, (offset, sd) in arms.items()}
        for s in range(n_seeds):
            for name in ["baseline", *arms]:
                ari = level + 0.01 * s + (shifts.get(name, 0.0) + rng.normal(0, 0.0005) if name != "baseline" else 0)
                rows.append({"arm": name, "dataset": f"d{d}", "seed": s, "ari": ari, "nmi": ari, "mask_auc": 0.5})
    return pd.DataFrame(rows)


def test_a_wide_interval_around_zero_is_undetermined_a_narrow_one_inside_the_margin_equivalent():
    """Issue 24: rule 2 calls both "tied"; only the narrow one is shown equal to the baseline."""
    frame = _spread_frame({"nb_likelihood": (0.0, 0.08), "inflation_1": (0.001, 0.002)})
    summary = study.paired_summary(frame).set_index("arm")
    assert summary.loc["nb_likelihood", "verdict"] == summary.loc["inflation_1", "verdict"] == "tied"
    effects = study.arm_effects(frame).set_index("arm")
    wide, narrow = effects.loc["nb_likelihood"], effects.loc["inflation_1"]
    assert wide["low_95"] < 0 < wide["high_95"] and wide["status"] == study.UNDETERMINED
    assert -study.DELTA < narrow["low_90"] and narrow["high_90"] < study.DELTA
    assert narrow["status"] == study.EQUIVALENT and narrow["p_equivalence"] < 0.05
    assert set(effects["status"]) <= set(study.STATUSES)
    assert effects[["n_datasets", "n_seeds", "n_pairs"]].eq([7, 3, 21]).all().all()


def test_holm_turns_a_borderline_worse_into_undetermined():
    """Issue 24: with many arms, one p-value just below 0.05 no longer counts after Holm's correction."""
    alone = _spread_frame({"latent_16": (-0.03, 0.018)}, seed=3)
    effect = study.arm_effects(alone).set_index("arm").loc["latent_16"]
    assert effect["p_two_sided"] < 0.05 and effect["effect"] <= -study.DELTA and effect["status"] == study.WORSE
    null_arms = {a.name: (0.0, 0.05) for a in study.ARMS if a.group not in ("baseline",) and a.name != "latent_16"}
    many = _spread_frame({"latent_16": (-0.03, 0.018), **null_arms}, seed=3)
    effects = study.arm_effects(many).set_index("arm")
    row = effects.loc["latent_16"]
    assert row["p_two_sided"] < 0.05 < row["p_holm"] and row["status"] == study.UNDETERMINED
    # the registered rule's Wilcoxon p-values, Holm-adjusted the same way (post hoc)
    summary = pd.DataFrame({"arm": ["baseline", "latent_16", *null_arms], "ari_diff": [0.0, -0.03, *[0.0] * 16],
                            "p_better": [np.nan, 0.98, *[0.5] * 16], "p_worse": [np.nan, 0.03, *[0.5] * 16],
                            "verdict": ["baseline", "worse", *["tied"] * 16]})
    adjusted = study.holm_verdicts(summary).set_index("arm")
    assert adjusted.loc["latent_16", "verdict"] == "tied" and adjusted.loc["latent_16", "p_worse_registered"] == 0.03
    assert adjusted.loc["latent_16", "p_worse"] == pytest.approx(min(1.0, 17 * 0.03))


def test_the_n_shown_is_the_tests_n_when_zeros_are_present():
    """Issue 24: the table showed n_pairs 21 where the Wilcoxon test used the 15 non-zero differences."""
    frame = _frame({"baseline": 0.0, "hvg_seurat": 0.02}, n_datasets=4, n_seeds=3)
    same = (frame["arm"] == "hvg_seurat") & frame["dataset"].isin(["d0", "d1"])
    base = frame[frame["arm"] == "baseline"].set_index(["dataset", "seed"])["ari"]
    frame.loc[same, "ari"] = base.reindex(list(zip(frame.loc[same, "dataset"], frame.loc[same, "seed"]))).to_numpy()
    summary = study.paired_summary(frame)
    effects = study.arm_effects(frame)
    decision = study.decide(summary)
    table = study.arms_table(summary, effects, study.holm_verdicts(summary), {study.REGISTERED: (decision, [])})
    registered = study.registered_display(table).set_index("arm").loc["hvg_seurat"]
    assert registered["n (Wilcoxon: zeros dropped)"] == 6  # 12 pairs, 6 of them zero: the rank test ranks 6
    shown = study.arms_display(table).set_index("arm").loc["hvg_seurat"]
    assert shown["n"] == "4 x 3"  # the t interval over datasets counts every pair, zeros too
    assert effects.set_index("arm").loc["hvg_seurat", "n_pairs"] == 12


def test_the_registered_decisions_stay_in_their_own_column_beside_the_post_hoc_ones():
    frame = _spread_frame({"hvg_seurat": (0.0, 0.05), "inflation_1": (0.001, 0.002), "finetune_lr_1e-3": (0.0, 0.002),
                           "latent_16": (-0.2, 0.01)})
    summary, effects = study.paired_summary(frame), study.arm_effects(frame)
    registered = study.decide(summary)
    equivalent = study.decide(study.status_verdicts(summary, effects), tie=study.EQUIVALENT)
    assert registered.adopted == ["hvg_seurat", "inflation_1"]  # both tied, both closer to the text
    assert equivalent.adopted == ["inflation_1"]  # only the one shown equivalent
    assert any("inflation_1: equivalent, and closer to the paper's text (rule 3)." == line for line in equivalent.log)
    table = study.arms_table(summary, effects, study.holm_verdicts(summary),
                             {study.REGISTERED: (registered, None),
                              study.EQUIVALENT_HOLM: (equivalent, ["inflation_1"])})
    row = table.set_index("arm").loc["hvg_seurat"]
    assert row["verdict"] == "tied" and row["status"] == study.UNDETERMINED
    assert row[f"decision ({study.REGISTERED})"] == "adopted (rule 3); combination not run (rule 7)"
    assert row[f"decision ({study.EQUIVALENT_HOLM})"] == "not adopted"
    assert table.set_index("arm").loc["inflation_1", f"decision ({study.EQUIVALENT_HOLM})"] == \
        "adopted (rule 3); chosen (rule 7)"
    assert table.set_index("arm").loc["latent_16", "status"] == study.WORSE
    shown = study.decisions_display(table)
    assert list(shown.columns) == ["arm", "rule 2 (as registered)", "rule 2 with Holm", "status",
                                   "decision: as registered", "decision: equivalent + Holm"]


def test_the_defaults_table_does_not_credit_rule_6_with_the_budget_change_and_names_undetermined_arms():
    quick = get_profile("quick")
    frame = _spread_frame({"hvg_seurat": (0.0, 0.05), "inflation_1": (0.0, 0.05), "full_budget": (0.0, 0.05),
                           "nb_likelihood": (0.001, 0.002)})
    summary, effects = study.paired_summary(frame), study.arm_effects(frame)
    decision = study.decide(summary, budget_testable=study.budget_testable(quick))
    statuses = dict(zip(effects["arm"], effects["status"], strict=True))
    check = study.defaults_check(study.chosen_values(quick, decision, ["hvg_seurat", "inflation_1"]),
                                 statuses=statuses).set_index("key")
    budget = check.loc["zinb.train.max_steps"]
    assert budget["before the study"] != budget["library default now"]
    assert "not the study" in budget["changed by"] and study.BUDGETS_SHORTENED in budget["changed by"]
    assert check.loc["cluster.inflation", "changed by"] == "the study's rule"
    assert check.loc["zinb.likelihood", "changed by"] == "unchanged"
    assert check.loc["cluster.inflation", "status of its arms"] == "inflation_1: undetermined"
    shown = study.defaults_display(check.reset_index()).set_index("key")
    assert shown.loc["mae.mask_predictor_input", "status of its arms"] == "not run"  # 3 arms, none run
    assert shown.loc["cluster.inflation", "status of its arms"] == "undetermined"
    sentence = study.undetermined_sentence(check.reset_index(), statuses)
    assert ("rest on arms whose status is undetermined: preprocess.hvg_flavor (hvg_seurat), cluster.inflation "
            "(inflation_1).") in sentence
    assert "The budgets: full_budget is undetermined." in sentence
    nothing = study.decide(study.status_verdicts(summary, effects), tie=study.EQUIVALENT)
    post_hoc = study.chosen_values(quick, nothing, study.final_choice(summary, nothing))
    check = study.defaults_check(study.chosen_values(quick, decision, ["hvg_seurat", "inflation_1"]),
                                 post_hoc=post_hoc)
    assert study.post_hoc_defaults_sentence(check).endswith(
        "would choose other values than the library's defaults on 2 keys: preprocess.hvg_flavor = seurat_v3, "
        "cluster.inflation = 2.0 (it changes no default).")


def test_the_shipped_default_is_measured_or_said_unmeasured():
    shipped = study.shipped_arm()
    now = flat_dict(ScDMACConfig(n_clusters=2))
    assert shipped.changes == {k: now[k] for k in study.BASELINE if now[k] != study.BASELINE[k]}
    rule_7 = [a.name for a in study.ARMS if set(a.changes) & (set(shipped.changes) | set(study.DECLINED))]
    unmeasured = study.shipped_sentence(None, rule_7, n_missing=21, n_runs=21, command="make it")
    assert "It was not measured against the baseline: 21 of its 21 runs are not stored" in unmeasured
    if study.DECLINED and any(k in study.combination(rule_7).changes for k in study.DECLINED):
        assert "not the combination rule 7 tested" in unmeasured and "since it declines" in unmeasured
    frame = _spread_frame({"shipped_default": (0.001, 0.002)})
    effects = study.arm_effects(frame)
    measured = study.shipped_sentence(effects, None)
    assert "Against the baseline on the same 21 (dataset, seed) runs: +0.00" in measured and "equivalent" in measured


def test_the_page_states_one_run_count():
    """Issue 23: the study page said "399 runs" under its title and "378 runs" in its Results."""
    frame = _frame({"baseline": 0.0, "nb_likelihood": 0.05}, n_datasets=2, n_seeds=2)
    combo = _frame({"baseline": 0.0, "combination": 0.05}, n_datasets=2, n_seeds=2)
    text = study.runs_read_text(12, frame, combo)
    assert text == ("12 runs (the count in the line under the title): 8 of the baseline and its 1 arms; 4 of rule 7's "
                    "combination")
    assert study.runs_read_text(10, frame).endswith("8 of the baseline and its 1 arms; 2 not stored")
    assert study.runs_read_text(12, frame, combo, n_opened=12).startswith("12 runs (the count in the line under")
    assert study.runs_read_text(12, frame, combo, n_opened=8).startswith(
        "12 runs (8 in the line under the title, planned before this page computed the study's arms")
    assert "7 of the baseline and its 1 arms (1 of them read for two arms" in study.runs_read_text(11, frame, combo,
                                                                                                   n_shared=1)
    with pytest.raises(ValueError, match="reads 12 runs but plans 8"):
        study.runs_read_text(8, frame, combo)
    quick = get_profile("quick")
    pairs = page_runs.study_pairs(quick)
    archived = _archived_frame(pairs)
    if archived is None:
        pytest.skip("the results archive does not hold the quick profile's study runs")
    decision = study.decide(study.paired_summary(archived))
    combo_frame = _archived_frame(page_runs.combination_pairs(quick, decision.adopted)) if len(
        decision.adopted) > 1 else None
    planned = len(page_runs.specs_for("70_method_study", quick))  # the count of the line under the title
    assert study.runs_read_text(planned, archived, combo_frame).startswith(f"{planned} runs")
    assert "not stored" not in study.runs_read_text(planned, archived, combo_frame)
