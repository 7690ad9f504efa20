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
# # Table 5: ablation study
#
# Regenerates the paper's ablation (Xu et al., 2026, Section 3.4, Table 5): the full scDMAC against
# scDMAC-Z (no ZINB denoising stage: the masked autoencoder runs on the log-normalized counts),
# scDMAC-W (unweighted reconstruction, lambda = 0.5) and scDMAC-P (no mask predictor), on every
# dataset of the [profile](#term-profile) over its seeds. The full-model runs are the same specs as Tables 2-3 (read
# from the cache); the [stand-ins](#term-stand-in) are reduced versions of the paper's datasets.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seeds = None  # list of seeds overriding the profile's (None: the profile's)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["remove-input"]
from IPython.display import Markdown, display

from scdmac_lib.book import page, plots_results, tables
from scdmac_lib.data import catalogue
from scdmac_lib.report import ablations, claims, compare, reported
from scdmac_lib.runs import execute, page_runs

NAME = "52_table5_ablation"
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=datasets, seeds=seeds)
DATASETS, SEEDS = list(pg.datasets), list(pg.seeds)  # those of the runs: scDMAC and its ablations
VARIANTS = ["scDMAC", *page_runs.ABLATIONS]

# %% tags=["hide-input"]
page.show_table(compare.dataset_table(DATASETS), "The datasets, and the paper datasets the stand-ins replace.")
display(Markdown(claims.data_kinds_sentence(DATASETS)))

# %% tags=["hide-input"]
frame = execute.run_many(pg.runs, device=device)
runs_csv = page.save_table(frame.drop(columns=["overrides"]), f"{NAME}_runs")
display(Markdown(f"{len(frame)} runs; every run, seed by seed: {page.download_link(runs_csv, 'runs CSV')}."))
tables_long = {}
for metric in ("ari", "nmi"):
    reported_values = reported.reported_ablation(metric)
    if reported_values is None:
        display(Markdown("**The paper's reported tables are not available in this checkout; the reported side is empty.**"))
    tables_long[metric] = compare.side_by_side(frame, reported_values, metric)
    csv = page.save_table(tables_long[metric], f"{NAME}_{metric}")
    display(Markdown(f"### Table 5, {metric.upper()}"))
    page.show_table(tables.ours_table(tables_long[metric]), f"Table 5, {metric.upper()}, ours: the full model and "
                    f"its three ablations, mean ± sd over {len(SEEDS)} seed(s) (profile {pg.profile.name}).", csv=csv)
    display(Markdown(ablations.table_takeaway(tables_long[metric], metric)))
    reported_html = tables.reported_table(reported_values, DATASETS, VARIANTS)
    if reported_html:
        page.show_table(reported_html, f"Table 5, {metric.upper()}, as reported by the paper (not measured here).")
        display(Markdown(ablations.reported_takeaway(reported_values, metric)))
if not any(catalogue.paper_column(d) for d in DATASETS):
    display(Markdown("None of these datasets has a column in the paper's tables, so there is no reported table."))

# %% tags=["hide-input"]
for metric, long in tables_long.items():
    fig = plots_results.plot_ours_vs_reported_grid(long, metric=metric.upper())
    page.show_figure(fig, f"{NAME}_{metric}", f"{metric.upper()} of scDMAC and its ablations per dataset: our mean "
                     "over seeds (sd whiskers) beside the paper's reported value, where the paper has one.")
    display(Markdown(ablations.figure_takeaway(long, metric)))

# %% [markdown]
# ## Does each component help?
#
# The paper finds the full model above every variant on every dataset. Each variant is compared with
# the full model run for run (same dataset, same seed), by the book's verdict rule: the dataset is the
# unit (seeds averaged within a dataset; the mean over datasets of the full model minus the variant,
# with a t interval), Holm's correction runs over the three variants, and "on every dataset" is
# checked dataset by dataset. Each effect is recomputed leaving each dataset out in turn, to show how
# much of it rests on one dataset. Removing the mask predictor (scDMAC-P) tests the paper's component
# only if the full model's predictor learned something: while its [mask AUC](#term-mask-auc) is at chance, that
# comparison cannot be tested here (`scdmac_lib.report.ablations`).

# %% tags=["hide-input"]
mask_auc = ablations.full_model_auc(execute.run(s, device=device) for s in pg.runs)
result = ablations.ablation_comparisons(frame, mask_auc)
ablation_csv = page.save_table(result.comparisons, f"{NAME}_verdicts")
display(Markdown(f"Verdict on the claim: **{result.verdict}**."))
if not result.comparisons.empty:
    page.show_table(ablations.comparisons_display(result.comparisons), "The full model minus each variant, with the "
                    "dataset as the unit: the mean ARI difference over datasets, its 95% interval, the Holm-adjusted "
                    "p, the smallest difference these datasets could detect, the datasets where the full model is "
                    "above, the effect without the dataset it rests on most, and the verdict.", csv=ablation_csv)
display(Markdown("\n".join(f"- {note}" for note in result.notes)))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))

