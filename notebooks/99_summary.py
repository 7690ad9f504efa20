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
# # scDMAC, reproduced: what the runs show
#
# This book is the reproducible companion to scDMAC (Xu et al., 2026, Frontiers in Bioinformatics,
# doi:10.3389/fbinf.2026.1758257), a deep clustering method for single-cell RNA-seq data. This page
# says first what our runs show, then what they rest on, then the verdict on each of the paper's
# claims. Everything on it is read from the tables the [reproducibility report](90_reproducibility.ipynb),
# the [method study](70_method_study.ipynb) and the [stage diagnosis](75_stage_diagnosis.ipynb)
# computed and saved (each section names the page whose numbers it shows).

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"

# %% tags=["remove-input"]
from IPython.display import Markdown, display

from scdmac_lib.book import page, plots_results, tables, takeaways
from scdmac_lib.report import compare, headline, reconstruction, summary_files
from scdmac_lib.runs import study

report = summary_files.read_report(profile)  # refuses tables of another profile
prov = report.provenance
pg = page.open_page("99_summary", profile, device, datasets=prov.datasets, seeds=prov.seeds)

# %% tags=["hide-input"]
display(Markdown(summary_files.origin_sentence(prov, page.RECOMPUTE_COMMAND)))

# %% [markdown]
# ## What the runs show
#
# Differences are means over datasets (the unit of replication; seeds averaged within each), with
# 95% intervals, from the [reproducibility report](90_reproducibility.ipynb); the ablations are
# those of [Table 5](52_table5_ablation.ipynb).

# %% tags=["hide-input"]
display(Markdown("\n\n".join([
    headline.baselines_sentence(report.comparisons, report.claims),
    headline.best_sentence(report.datasets),
    headline.ablations_sentence(report.comparisons),
    headline.mask_sentence(*report.fact("mask_auc")),
])))
display(Markdown(headline.stage_sentence(page.saved_table("75_stage_diagnosis_reconstruction"),
                                         f"75_stage_diagnosis.html#{reconstruction.ANCHOR}")))  # links as built

# %% [markdown]
# ## What these results rest on

# %% tags=["hide-input"]
check, arms = page.saved_table("70_method_study_defaults"), page.saved_table("70_method_study_summary")
defaults = (study.undetermined_sentence(check, dict(zip(arms["arm"], arms["status"])))
            if check is not None and arms is not None and "status" in arms else
            "The method study's tables are not saved on this build, so which defaults rest on arms it leaves "
            "undetermined is not said here.")
display(Markdown("\n".join(f"> - {item}" for item in headline.scope_items(report, prov.datasets, defaults))))

# %% [markdown]
# ## Do the paper's claims hold?
#
# One row per claim the project can test, with the verdict the [reproducibility
# report](90_reproducibility.ipynb) computed by its one rule: **holds**, **contradicted**,
# **inconclusive** (these runs cannot tell; the row gives the smallest effect they could have seen)
# or **cannot be tested here**. Each verdict links to the numbers behind it.

# %% tags=["hide-input"]
display(Markdown(summary_files.verdict_sentence(summary_files.verdict_counts(report.claims), prov)))
page.show_table(tables.claims_table(tables.verdict_frame(report.claims),
                                    evidence_page=f"{summary_files.REPORT}.html"),
                "Each claim of the paper: its verdict on our runs (linked to the evidence), the deciding effect with "
                "its 95% interval, datasets x seeds, the smallest detectable effect, and the effect the paper's own "
                "tables imply (inside our interval or not).", csv=summary_files.table_path("claims"))
display(Markdown(headline.interval_note(report.claims)))

# %% [markdown]
# ## scDMAC: ours beside reported
#
# Our scDMAC (mean over seeds, sd whiskers) on each dataset, and the value the paper reports for the
# paper dataset it is or stands for. Every method, seed and metric is in
# [Tables 2 and 3](50_table2_3_ari_nmi.ipynb).

# %% tags=["hide-input"]
display(Markdown(compare.reported_comparison_note(list(prov.datasets))))
fig = plots_results.plot_scdmac_vs_reported(report.scdmac)
page.show_figure(fig, "99_summary_scdmac_vs_reported", "scDMAC's ARI and NMI on each dataset: our mean over "
                 "seeds (bars, sd whiskers) and the paper's reported value (diamonds) where the paper has one.",
                 takeaway=takeaways.scdmac_vs_reported(report.scdmac))

# %% [markdown]
# ## The datasets: what each one is

# %% tags=["hide-input"]
page.show_table(compare.dataset_table(list(prov.datasets)), "Each dataset of the tables: its kind, its size here, and "
                "the paper dataset it is or stands for with that dataset's size in the paper's Table 1.")

# %% [markdown]
# ## What else is here
#
# - [Quick start](01_quick_start.ipynb): three commands from install to a UMAP of the clusters.
# - [The method](../methods.md), stage by stage, with every [reading](#term-reading) of an unclear equation stated;
#   the executed walk-throughs of each stage follow it.
# - [Tables 2-5 and Figures 4-7](50_table2_3_ari_nmi.ipynb), regenerated beside the reported values.
# - [Using scDMAC on your own data](80_own_data.ipynb): the command on real `.h5ad` files, `-k auto`,
#   label-free diagnostics and every error message.
# - [Rerunning a page or the whole book](../rerun.md).
#
# Every page states the [profile](#term-profile) (`smoke`: synthetic data in seconds; `quick`: the default, the
# library's default training budgets; `paper`: the paper's datasets where present, five seeds,
# every sweep point and longer budgets of this project's choosing, since the paper states none),
# seeds, datasets (by kind), device and commit its numbers came from, and where its runs came from
# (the results archive, or computed), in the line under its title. Code is hidden by default: click
# "Show code cell source".

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
