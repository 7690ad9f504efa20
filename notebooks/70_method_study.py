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
# compares it, one change at a time, with the readings this project used before the study (the
# *baseline*), on every dataset of the profile with several seeds. The rule that turns the
# comparison into new defaults was written and committed before any arm was run, and is applied
# here as written (with one dated amendment, shown beside it). Every number and every statement of
# what the study decided is computed from the stored runs.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seeds = None  # list of seeds overriding the profile's study seeds (None: the profile's)
run_missing = None  # compute runs missing from the cache (None: only on the smoke profile)
n_threads = None  # CPU threads of this kernel (None: $SCDMAC_THREADS, else the cores it may use); each run pins 1

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from scdmac_lib.book import page, style
from scdmac_lib.data import catalogue
from scdmac_lib.report import compare
from scdmac_lib.runs import page_runs, study
from scdmac_lib.runtime import provenance

NAME = "70_method_study"
RUN_MISSING = page_runs.computes_missing(NAME, profile) if run_missing is None else bool(run_missing)
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=datasets, seeds=seeds,
                    computes_missing=RUN_MISSING,
                    note="every arm is scDMAC with the profile's training budgets, one CPU thread per run")
page.show_table(compare.dataset_table(list(pg.datasets)), "The datasets of the study and what each stands for.")

# %% [markdown]
# ## The rule

# %% tags=["hide-input"]
display(Markdown(study.RULE))

# %% [markdown]
# ### Amendments
#
# Changes made to the rule after it was registered, each dated and with its reason. The rule above
# is shown as it was registered; where an amendment applies, the page applies the amended rule.

# %% tags=["hide-input"]
display(Markdown(study.amendments_markdown()))

# %% [markdown]
# ## The arms
#
# Each arm changes the keys shown from the baseline, which pins the readings used before the study.
# `paper rank` orders the readings of a group by how closely they follow the paper's text (0 =
# closest; the baseline's rank in that group beside it).

# %% tags=["hide-input"]
arms = pd.DataFrame([{"arm": a.name, "group": a.group, "change": ", ".join(f"{k} = {v}" for k, v in a.changes.items())
                      or (study.budget_text(a.budget) if a.budget else "(baseline)"),
                      "reading": a.reading, "paper rank": a.paper_rank, "baseline's rank": a.baseline_rank}
                     for a in study.ARMS])
page.show_table(arms, "The study's arms: what each changes from the baseline, and how close each reading is "
                "to the paper's text.")

# %% [markdown]
# ## Results

# %% tags=["hide-input"]
pairs = page_runs.study_pairs(pg.profile, datasets=datasets, seeds=seeds)  # the runs the workflow plans
frame, missing = study.collect(pairs, run_missing=RUN_MISSING, device=device)
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
    commits = sorted(set(frame["commit"]))
    display(Markdown(f"{len(frame)} runs, computed at commit(s) {provenance.commits_text(commits)}; "
                     f"this page was executed at commit `{provenance.git_commit()[:10]}`."))
    runs_csv = page.save_table(frame, f"{NAME}_runs")
    display(HTML(f"Every run of the study: {page.download_link(runs_csv)}"))

# %% [markdown]
# ### Every arm against the baseline
#
# Mean and sd of ARI (mean NMI) over all (dataset, seed) runs; `ari_diff` is the mean paired difference
# to the baseline; `p_better` / `p_worse` are one-sided Wilcoxon signed-rank p-values of those
# differences; `mask_auc` is the mask predictor's AUC on fresh masks (0.5 = it learned nothing).

# %% tags=["hide-input"]
summary = study.paired_summary(frame) if not frame.empty else pd.DataFrame()
shown = ["arm", "verdict", "ari_mean", "ari_sd", "ari_diff", "p_better", "p_worse", "nmi_mean", "mask_auc",
         "n_pairs"]  # nmi_diff and the rest are in the CSV
if not summary.empty:
    summary_csv = page.save_table(summary, f"{NAME}_summary")
    page.show_table(summary[shown].round(3), "Each arm against the baseline over all (dataset, seed) runs: mean and "
                    "sd of ARI, the mean paired difference, the one-sided Wilcoxon p-values, NMI and the mask "
                    "predictor's AUC.", csv=summary_csv)

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

# %% [markdown]
# ### Per dataset (mean ARI over seeds)

# %% tags=["hide-input"]
if not frame.empty:
    per_dataset = frame.pivot_table(index="arm", columns="dataset", values="ari", aggfunc="mean")
    per_dataset = per_dataset.reindex([a.name for a in study.ARMS if a.name in per_dataset.index])
    per_dataset_csv = page.save_table(per_dataset.reset_index(), f"{NAME}_per_dataset")
    page.show_table(per_dataset.rename(columns=catalogue.label).round(3).reset_index(),
                    "Mean ARI over seeds of each arm on each dataset (named with its kind).", csv=per_dataset_csv)

# %% [markdown]
# ## The rule, applied

# %% tags=["hide-input"]
decision, choice, combined = None, None, summary
if summary.empty or "baseline" not in set(summary["arm"]):
    display(Markdown("The baseline's runs are missing, so the rule cannot be applied: nothing is chosen."))
else:
    decision = study.decide(summary, budget_testable=study.budget_testable(pg.profile))
    if missing:
        display(Markdown(f"On the runs present ({len(missing)} of {len(pairs)} missing), rules 3-6 would give:"))
    display(Markdown("\n".join(f"- {line}" for line in decision.log)))
    if len(decision.adopted) > 1 and not missing:
        combo_pairs = page_runs.combination_pairs(pg.profile, decision.adopted, datasets=datasets, seeds=seeds)
        combo_frame, combo_missing = study.collect(combo_pairs, run_missing=RUN_MISSING, device=device)
        if combo_missing:
            command = page_runs.study_command(pg.profile, datasets=datasets, seeds=seeds, combination=decision.adopted)
            display(Markdown(f"**{len(combo_missing)} of the combination's {len(combo_pairs)} runs are not stored.** "
                             f"Compute them with `{command}`."))
        else:
            combined = pd.concat([summary, study.paired_summary(combo_frame).query("arm == 'combination'")],
                                 ignore_index=True)
            page.show_table(combined.query("arm == 'combination'")[shown].round(3),
                            f"The combination of the adopted arms ({study.combination(decision.adopted).reading}) "
                            "against the baseline.")
    if missing:
        decision = None  # rules 3-6 on some of the runs are no decision
    else:
        choice = study.final_choice(combined, decision)
    display(Markdown(f"**Chosen (rule 7):** {study.choice_text(choice)}."))

# %% [markdown]
# ## What the study decided
#
# Each arm's verdict (rule 2) and what the rule made of it, the combination (rule 7) and the
# training budgets (rule 6), in words generated from the runs above. The methods page describes
# the readings; what the study decided about them is stated here only.

# %% tags=["hide-input"]
if decision is None:
    display(Markdown(f"Nothing: {study.RUNS_MISSING}."))
else:
    fates = study.arm_fates(summary, decision, choice)
    fates_csv = page.save_table(fates, f"{NAME}_decision")
    page.show_table(fates.round(3), "Every arm's verdict against the baseline, its mean paired ARI difference, and "
                    "what the rule made of it.", csv=fates_csv)
    sentences = [study.combination_sentence(combined, decision, choice), study.budget_cost_sentence(frame)]
    display(Markdown(" ".join(s for s in sentences if s)))

# %% [markdown]
# ## The library's defaults against the choice
#
# Each studied key, the training budgets included: its value before the study, the value the rule
# chose, and the library's default at the commit this page was executed at. A choice the library
# declines (`study.DECLINED`) keeps its value from before the study, for a reason measured outside
# the study's runs; the sentence below the table gives it, with the command that measures it.

# %% tags=["hide-input"]
check = study.defaults_check(study.chosen_values(pg.profile, decision, choice))
check_csv = page.save_table(check, f"{NAME}_defaults")
page.show_table(check.drop(columns="why").astype(str), "Each studied key before the study, as the rule chose it, "
                "and the library's default now (why a choice is declined: below the table).", csv=check_csv)
display(Markdown(study.defaults_sentence(check)))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
