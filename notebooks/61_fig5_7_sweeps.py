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
# # Figures 5-7: sensitivity to the masking ratio and the loss weights
#
# Regenerates the paper's three sensitivity studies (Xu et al., 2026, Section 3.3): the masking ratio
# p (Fig. 5; paper: best at 0.2-0.3), the weight lambda of the masked genes in the reconstruction
# loss (Fig. 6; paper: peak at 0.7) and the weight gamma_m of the mask-prediction loss (Fig. 7;
# paper: peak at 0.65). Each is a one-parameter sweep of scDMAC, all other settings at their
# defaults, over the [profile](#term-profile)'s sweep datasets and sweep seeds; ARI and NMI are means over seeds.
# The paper gives no full curves in its text, only the optimum and, for Figs. 6 and 7, the peak
# values on some datasets: these are drawn as stars for the matching [stand-in](#term-stand-in) dataset, labelled
# "reported". A sweep point equal to the default is the Table 2-3 run itself (read from the cache).

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's sweep datasets (None: the profile's)
seeds = None  # list of seeds overriding the profile's sweep seeds (None: the profile's)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["remove-input"]
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib.book import page, plots_results, tables, takeaways
from scdmac_lib.report import claims, compare, reported
from scdmac_lib.runs import execute, page_runs

NAME = "61_fig5_7_sweeps"
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=datasets, seeds=seeds)
DATASETS = list(pg.datasets)  # those of the runs the workflow plans for this page
GRIDS = page_runs.sweep_grids(pg.profile)

# %% tags=["hide-input"]
grids = pd.DataFrame({"parameter": list(GRIDS), "figure": [reported.SWEEPS[p]["figure"] for p in GRIDS],
                      "grid": [", ".join(f"{v:g}" for v in g) for g in GRIDS.values()],
                      "paper's optimum": [claims.format_range(*reported.SWEEPS[p]["optimum"]) for p in GRIDS]})
page.show_table(grids, "The three sweeps: parameter, figure, grid of this profile and the paper's optimum.")
page.show_table(compare.dataset_table(DATASETS), "The sweep datasets, and the paper datasets they stand in for.")

# %% tags=["hide-input"]
frame = execute.run_many(pg.runs, device=device)
sweeps = compare.sweep_frame(frame, pg.runs, page_runs.sweeps(pg.profile, datasets=datasets, seeds=seeds))
_ = page.save_table(sweeps.drop(columns=["overrides"]), f"{NAME}_runs")
display(Markdown(f"{len(sweeps)} sweep points from {len(pg.runs)} runs (a run at a default value is a point of "
                 f"every sweep that includes it); computed at commit(s) "
                 f"{', '.join(f'`{c[:10]}`' for c in sorted(set(sweeps['commit'])))}."))

# %% [markdown]
# ## The three sweeps
#
# Lines: our ARI and NMI (mean over seeds, sd whiskers when there are several seeds). Shaded band
# or dashed line: the paper's reported optimum. Stars: the values the paper quotes at that optimum
# for the paper dataset the stand-in replaces (reported, not ours; Fig. 7's text quotes ARI only).

# %% tags=["hide-input"]
verdicts = {v.claim_id: v for v in claims.claim_verdicts(sweeps)}
for cid, (param, grid) in zip((4, 5, 6), GRIDS.items(), strict=True):
    summ = compare.summarize_sweep(sweeps, param)
    summ_csv = page.save_table(summ, f"{NAME}_{param.split('.')[-1]}")
    info = reported.SWEEPS[param]
    display(Markdown(f"### {info['figure']}: {info['label']}"))
    fig = plots_results.plot_sweep_grid(summ, param)
    page.show_figure(fig, f"{NAME}_{param.split('.')[-1]}", f"{info['figure']}: our ARI and NMI against the "
                     f"{info['label']} on each sweep dataset, with the paper's optimum and its quoted values.",
                     takeaway=takeaways.sweep(summ, param))
    page.show_table(tables.with_dataset_labels(summ), f"{info['figure']}: mean and sd over seeds at each "
                    f"{info['label']}.", csv=summ_csv)
    v = verdicts[cid]
    display(Markdown(f"Paper: optimum at {claims.format_range(*info['optimum'])}. Here: **{v.verdict}**. {v.evidence}"))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))

