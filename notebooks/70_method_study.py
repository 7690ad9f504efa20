# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Method study: the paper's open readings, compared under a rule fixed in advance
#
# The scDMAC paper (Xu et al., 2026) leaves several choices open: how genes are selected, how each
# network's input is scaled, what the mask predictor of Eq. 12 reads, how Eq. 15 mixes its two
# losses, whether Eq. 17 updates the centres in closed form, what the inflation "default 1" means,
# the size of the embedding. The methods page lists them; this page makes each one a switch and
# compares it, one change at a time, with the [readings](#term-reading) this project used before the study (the
# *baseline*), on every dataset of the [profile](#term-profile) with several seeds. The rule that turns the
# comparison into new defaults was written and committed before any [arm](#term-arm) was run; it is shown as
# registered, its decisions stay in their own column, and the changes made to it afterwards are
# dated beside it. A sensitivity analysis added after the runs (dated) asks how strong each arm's
# evidence is, with the dataset as the unit, and what the same rule decides on that evidence. Every
# number and every statement of what the study decided is computed from the stored runs.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seeds = None  # list of seeds overriding the profile's study seeds (None: the profile's)
run_missing = None  # compute runs missing from the cache (None: only on the smoke profile)
n_threads = None  # CPU threads of this kernel (None: $SCDMAC_THREADS, else the cores it may use); each run pins 1

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from scdmac_lib.book import page, style, tables
from scdmac_lib.data import catalogue
from scdmac_lib.report import compare
from scdmac_lib.runs import page_runs, study
from scdmac_lib.runtime import provenance

NAME = "70_method_study"
RUN_MISSING = page_runs.computes_missing(NAME, profile) if run_missing is None else bool(run_missing)
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=datasets, seeds=seeds,
                    computes_missing=RUN_MISSING,
                    note="every arm is scDMAC with the profile's training budgets, one CPU thread per run")

# %% tags=["hide-input"]
page.show_table(compare.dataset_table(list(pg.datasets)), "The datasets of the study and what each stands for.")
display(Markdown(study.datasets_takeaway(list(pg.datasets))))

# %% [markdown]
# ## The rule

# %% tags=["hide-input"]
display(Markdown(study.RULE))
display(Markdown(study.applied_note()))

# %% [markdown]
# ### Amendments
#
# Changes made to the rule after it was registered, each dated and with its reason. The rule above
# is shown as it was registered; where an amendment applies, the page applies the amended rule.

# %% tags=["hide-input"]
display(Markdown(study.amendments_markdown()))

# %% [markdown]
# ### Sensitivity analysis (post hoc)

# %% tags=["hide-input"]
display(Markdown(study.POST_HOC))

# %% [markdown]
# ## The arms
#
# Each arm changes the keys shown from the baseline, which pins the readings used before the study.
# [`paper rank`](#term-paper-rank) orders the readings of a group by how closely they follow the paper's text (0 =
# closest; the baseline's rank in that group beside it).

# %% tags=["hide-input"]
arms = pd.DataFrame([{"arm": a.name, "group": a.group, "change": ", ".join(f"{k} = {v}" for k, v in a.changes.items())
                      or (study.budget_text(a.budget) if a.budget else "(baseline)"),
                      "reading": a.reading, "paper rank": a.paper_rank, "baseline's rank": a.baseline_rank}
                     for a in study.ARMS])
page.show_table(arms, "The study's arms: what each changes from the baseline, and how close each reading is "
                "to the paper's text.")
display(Markdown(study.arms_takeaway()))

# %% [markdown]
# ## Results

# %% tags=["hide-input"]
pairs = page_runs.study_pairs(pg.profile, datasets=datasets, seeds=seeds)  # the runs the workflow plans
frame, missing = study.collect(pairs, run_missing=RUN_MISSING, device=device)
summary = study.paired_summary(frame) if not frame.empty else pd.DataFrame()
decision, choice, combined, combo_frame, combo_missing = None, None, summary, None, []
if not summary.empty and "baseline" in set(summary["arm"]):
    decision = study.decide(summary, budget_testable=study.budget_testable(pg.profile))
    if len(decision.adopted) > 1 and not missing:
        combo_pairs = page_runs.combination_pairs(pg.profile, decision.adopted, datasets=datasets, seeds=seeds)
        combo_frame, combo_missing = study.collect(combo_pairs, run_missing=RUN_MISSING, device=device)
        if not combo_missing:
            combined = pd.concat([summary, study.paired_summary(combo_frame).query("arm == 'combination'")],
                                 ignore_index=True)
if missing:
    arms_missing = sorted({name for name, _ in missing})
    display(Markdown(
        f"**{len(missing)} of {len(pairs)} runs are not stored** (arms: {', '.join(arms_missing)}). "
        f"The study is not rerun by the book build on this profile (it takes hours on a CPU). Compute them "
        f"with `{page_runs.study_command(pg.profile, datasets=datasets, seeds=seeds)}` and rebuild this page. "
        f"The tables below use the runs that are present, paired on the (dataset, seed) runs both arms have; "
        f"the rule's choice waits for every run."))
if frame.empty:
    display(Markdown("No study runs are stored yet, so there is nothing to compare."))
else:
    read = pd.concat([frame, combo_frame], ignore_index=True) if combo_frame is not None else frame
    commits = sorted(set(read["commit"]))
    planned = len(page_runs.specs_for(NAME, pg.profile, datasets=datasets, seeds=seeds))  # now the arms are stored
    shared = len(pairs) - len({spec for _, spec in pairs})  # arms that are the same run on this profile
    count = study.runs_read_text(planned, frame, combo_frame, n_opened=len(pg.runs), n_shared=shared)
    display(Markdown(f"{count}; computed at commit(s) {provenance.commits_text(commits)}; this page was executed "
                     f"at commit `{provenance.git_commit()[:10]}`."))
    runs_csv = page.save_table(frame, f"{NAME}_runs")
    display(HTML(f"Every run of the study: {page.download_link(runs_csv)}"))

# %% [markdown]
# ### Every arm against the baseline
#
# First, the registered rule's view: rule 2's verdict (*tied* means that neither one-sided Wilcoxon
# test reached p < 0.05, which is not equivalence) with its p-values and the number of differences
# the test ranked (it drops zero differences). Then the sensitivity analysis: the mean over
# datasets of each dataset's mean paired difference, its 95% and 90% t intervals, the two-sided
# p-value Holm-adjusted over all arms, the smallest difference the design could detect, the numbers
# of datasets and seeds, and the status. The CSV holds both, with NMI and the [mask AUC](#term-mask-auc).

# %% tags=["hide-input"]
effects = study.arm_effects(frame) if not summary.empty else pd.DataFrame()
holm_summary = study.holm_verdicts(summary) if not summary.empty else pd.DataFrame()
decisions = {}
if decision is not None and not missing:
    choice = study.final_choice(combined, decision)
    decisions[study.REGISTERED] = (decision, choice)
    for label, variant, tie in ((study.HOLM_ONLY, holm_summary, "tied"),
                                (study.EQUIVALENT_HOLM, study.status_verdicts(summary, effects), study.EQUIVALENT)):
        other = study.decide(variant, budget_testable=study.budget_testable(pg.profile), tie=tie)
        other_combined = summary
        if len(other.adopted) > 1:
            found, lacking = study.collect(page_runs.combination_pairs(pg.profile, other.adopted, datasets=datasets,
                                                                       seeds=seeds), run_missing=False)
            if not lacking:
                other_combined = pd.concat([summary, study.paired_summary(found).query("arm == 'combination'")],
                                           ignore_index=True)
        decisions[label] = (other, study.final_choice(other_combined, other))
if not summary.empty:
    table = study.arms_table(summary, effects, holm_summary, decisions)
    summary_csv = page.save_table(table, f"{NAME}_summary")
    page.show_table(study.registered_display(table), "Each arm against the baseline as the registered rule 2 sees "
                    f"it: Wilcoxon tests over the (dataset, seed) pairs, zero differences dropped ('tied': "
                    f"{study.TIED_MEANS}).", csv=summary_csv)
    shown = study.arms_display(table)
    page.show_table(tables.text_table(shown, classes={"status": ["num"] * len(shown)}),
                    f"Each arm against the baseline, post hoc ({study.POST_HOC_DATE}): the "
                    "mean difference with the dataset as the unit and its 95% and 90% t intervals, the Holm-adjusted "
                    "p, the detectable difference, the n the test uses (datasets x seeds) and the status.",
                    csv=summary_csv)
    display(Markdown(study.effects_takeaway(table)))

# %% tags=["hide-input"]
if not summary.empty:
    base = frame[frame["arm"] == "baseline"].set_index(["dataset", "seed"])["ari"]
    diffs = frame[frame["arm"] != "baseline"].assign(
        diff=lambda f: f["ari"].to_numpy() - base.reindex(list(zip(f["dataset"], f["seed"]))).to_numpy())
    order = [a.name for a in study.ARMS if a.name in set(diffs["arm"])]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(order) + 1.2))
    for i, name in enumerate(order):
        d = diffs[diffs["arm"] == name]
        ax.scatter(d["diff"], [i] * len(d), s=12, alpha=0.6, color=style.METHOD_COLORS.get("scDMAC", "C0"))
        ax.plot([d["diff"].mean()], [i], marker="|", markersize=14, color="black")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.set_xlabel("ARI of the arm minus ARI of the baseline (same dataset and seed)")
    ax.set_title(f"Each dot one (dataset, seed) run; bar: the mean (profile {pg.profile.name})")
    fig.tight_layout()
    page.show_figure(fig, NAME, "Paired ARI differences of every arm to the baseline: one dot per (dataset, "
                     "seed) run, the bar at the mean; right of zero the arm did better.")
    display(Markdown(study.differences_takeaway(frame)))

# %% [markdown]
# ### Per dataset (mean ARI over seeds)

# %% tags=["hide-input"]
if not frame.empty:
    per_dataset = frame.pivot_table(index="arm", columns="dataset", values="ari", aggfunc="mean")
    per_dataset = per_dataset.reindex([a.name for a in study.ARMS if a.name in per_dataset.index])
    per_dataset_csv = page.save_table(per_dataset.reset_index(), f"{NAME}_per_dataset")
    page.show_table(per_dataset.rename(columns=catalogue.label).round(3).reset_index(),
                    "Mean ARI over seeds of each arm on each dataset (named with its kind).", csv=per_dataset_csv)
    display(Markdown(study.per_dataset_takeaway(per_dataset.rename(columns=catalogue.label))))

# %% [markdown]
# ## The rule, applied (as registered)

# %% tags=["hide-input"]
if decision is None:
    display(Markdown("The baseline's runs are missing, so the rule cannot be applied: nothing is chosen."))
else:
    if missing:
        display(Markdown(f"On the runs present ({len(missing)} of {len(pairs)} missing), rules 3-6 would give:"))
    display(Markdown("\n".join(f"- {line}" for line in decision.log)))
    if combo_missing:
        command = page_runs.study_command(pg.profile, datasets=datasets, seeds=seeds, combination=decision.adopted)
        display(Markdown(f"**{len(combo_missing)} of the combination's {len(combo_pairs)} runs are not stored.** "
                         f"Compute them with `{command}`."))
    elif combo_frame is not None:
        shown = ["arm", "verdict", "ari_mean", "ari_sd", "ari_diff", "p_better", "p_worse", "n_wilcoxon", "nmi_mean"]
        page.show_table(combined.query("arm == 'combination'")[shown].round(3),
                        f"The combination of the adopted arms ({study.combination(decision.adopted).reading}) "
                        f"against the baseline (rule 2 as registered, 'tied': {study.TIED_MEANS}; n_wilcoxon: the "
                        "differences the test ranked).")
    if missing:
        decision = None  # rules 3-6 on some of the runs are no decision
    display(Markdown(f"**Chosen (rule 7):** {study.choice_text(choice)}."))

# %% [markdown]
# ## What the study decided
#
# Each arm's verdict (rule 2, as registered) and what the rule made of it, the combination (rule 7)
# and the training budgets (rule 6), in words generated from the runs above. The methods page
# describes the readings; what the study decided about them is stated here only.

# %% tags=["hide-input"]
if decision is None:
    display(Markdown(f"Nothing: {study.RUNS_MISSING}."))
else:
    fates = study.arm_fates(summary, decision, choice)
    fates_csv = page.save_table(fates, f"{NAME}_decision")
    page.show_table(fates.rename(columns={"verdict": "rule 2 (as registered)"}).round(3),
                    f"Every arm's verdict against the baseline as registered ('tied': {study.TIED_MEANS}), its mean "
                    "paired ARI difference, and what the registered rule made of it.", csv=fates_csv)
    sentences = [study.combination_sentence(combined, decision, choice), study.budget_cost_sentence(frame)]
    display(Markdown(" ".join(s for s in sentences if s)))

# %% [markdown]
# ## The rule applied again, post hoc
#
# The decisions as registered, and beside them what the same rule decides with Holm's correction
# of its own tests, and with "tied" read as `equivalent` (the sensitivity analysis above; added
# after the runs were seen, dated, and changing no default). Rule 7 can only be applied where the
# combination of a column's adopted arms was run.

# %% tags=["hide-input"]
if len(decisions) > 1:
    shown = study.decisions_display(table)
    page.show_table(tables.text_table(shown, classes={"status": ["num"] * len(shown)}),
                    "Each arm's rule 2 verdict as registered ('tied': "
                    f"{study.TIED_MEANS}), with Holm's correction, and its status; then what the rule decides as "
                    f"registered and in the two post hoc ways ({study.POST_HOC_DATE}), rules 3-7.", csv=summary_csv)
    display(Markdown(study.post_hoc_sentence(decisions)))
else:
    display(Markdown(f"Nothing to compare: {study.RUNS_MISSING}."))

# %% [markdown]
# ## The library's defaults against the choice
#
# Each studied key, the training budgets included: its value before the study, the value the rule
# chose (as registered), the library's default at the commit this page was executed at, what
# changed it, and the status of the arms that change it; the choice of the post hoc reading is
# in the sentences below the table. A choice the library declines (`study.DECLINED`, a dated amendment of rule 7) keeps its value
# from before the study, for a reason measured outside the study's runs; the sentences below the
# table give it, with the command that measures it.

# %% tags=["hide-input"]
statuses = dict(zip(effects["arm"], effects["status"])) if not effects.empty else None
post_hoc = (study.chosen_values(pg.profile, *decisions[study.EQUIVALENT_HOLM]) if study.EQUIVALENT_HOLM in decisions
            else None)
check = study.defaults_check(study.chosen_values(pg.profile, decision, choice), statuses=statuses, post_hoc=post_hoc)
check_csv = page.save_table(check, f"{NAME}_defaults")
shown = study.defaults_display(check)
page.show_table(tables.text_table(shown, classes={c: ["num"] * len(shown) for c in (
    "before the study", "default now", "status of its arms") if c in shown}), "Each studied key before the study, as the rule chose it (as "
                "registered), the library's default now, what changed it, and the status of the arms that change "
                "it (per arm in the CSV; the post hoc choice, and why a choice is declined: below the table).",
                csv=check_csv)
sentences = [study.defaults_sentence(check), study.budget_change_sentence(check),
             study.post_hoc_defaults_sentence(check)]
if statuses is not None:
    sentences.append(study.undetermined_sentence(check, statuses))
display(Markdown(" ".join(s for s in sentences if s)))

# %% [markdown]
# ### The default the library ships, against the baseline

# %% tags=["hide-input"]
if decision is not None:
    study_datasets, study_seeds = sorted({s.dataset for _, s in pairs}), sorted({s.seed for _, s in pairs})
    shipped_pairs = study.study_specs(pg.profile, [study.shipped_arm()], datasets=study_datasets, seeds=study_seeds)
    shipped_frame, shipped_missing = study.collect(shipped_pairs, run_missing=False)
    tables_keys = {s.key() for s in page_runs.specs_for("50_table2_3_ari_nmi", pg.profile)}
    same = all(s.key() in tables_keys for _, s in shipped_pairs)
    note = (f"These {len(shipped_pairs)} runs are Tables 2-3's scDMAC runs (the same configuration, datasets and "
            "seeds), read from the store beside the study's." if same else "")
    shipped_effects = (None if shipped_missing else
                       study.arm_effects(pd.concat([frame[frame["arm"] == "baseline"], shipped_frame])))
    display(Markdown(study.shipped_sentence(shipped_effects, choice, n_missing=len(shipped_missing),
                                            n_runs=len(shipped_pairs), note=note)))
else:
    display(Markdown(f"Not compared: {study.RUNS_MISSING}."))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
