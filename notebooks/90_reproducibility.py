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
# # Reproducibility report: the paper's claims, checked
#
# Each claim of the scDMAC paper (Xu et al., 2026, Sections 3.3-3.4) that this project can test,
# with a verdict computed from our runs: **holds**, **does not hold**, or **cannot be tested here**
# (the runs needed are absent, e.g. a sweep grid without the claimed optimum, or a single seed). The
# runs are exactly the specs of the Table 2-3, Table 4, Table 5 and Fig. 5-7 pages, so they come
# from the results archive or the run cache (anything missing is computed). Which datasets are the
# paper's own and which are stand-ins or extras, and what that makes of the verdicts, is stated
# under the verdicts. The landing page reads the tables this page saves.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seeds = None  # list of seeds overriding the profile's (None: the profile's)
sweep_datasets = None  # overrides the profile's sweep datasets (None: the profile's)
sweep_seeds = None  # overrides the profile's sweep seeds (None: the profile's)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import HTML, Markdown, display

from scdmac_lib.book import page, tables
from scdmac_lib.data import catalogue
from scdmac_lib.report import claims, compare, reported, summary_files
from scdmac_lib.runs import execute, page_runs
from scdmac_lib.runtime import provenance

NAME = "90_reproducibility"
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=datasets, seeds=seeds,
                    sweep_datasets=sweep_datasets, sweep_seeds=sweep_seeds)
# the same runs as pg.runs, kept apart: the tables' runs, and each sweep's (value, run) pairs
main_specs = page_runs.table_specs(pg.profile, datasets=datasets, seeds=seeds, include_ablations=True)
sweep_pairs = page_runs.sweeps(pg.profile, datasets=sweep_datasets, seeds=sweep_seeds)
DATASETS = list(dict.fromkeys(s.dataset for s in main_specs))
SEEDS = sorted({s.seed for s in main_specs})
SWEEP_DATASETS = list(dict.fromkeys(s.dataset for pairs in sweep_pairs.values() for _, s in pairs))
SWEEP_SEEDS = sorted({s.seed for pairs in sweep_pairs.values() for _, s in pairs})
_, scvi_note = page_runs.benchmark_methods(pg.profile)

# %% tags=["hide-input"]
main = execute.run_many(main_specs, device=device).assign(sweep_param=None, sweep_value=float("nan"))
parts = [main]
for param, pairs in sweep_pairs.items():
    runs = execute.run_many([s for _, s in pairs], device=device)
    parts.append(compare.tag_sweep(runs, param, [v for v, _ in pairs]))
frame = pd.concat(parts, ignore_index=True)
runs_csv = page.save_table(frame.drop(columns=["overrides"]), f"{NAME}_runs")
origin = summary_files.provenance_of(frame, profile=pg.profile.name, datasets=DATASETS, seeds=SEEDS,
                                     sweep_datasets=SWEEP_DATASETS, sweep_seeds=SWEEP_SEEDS,
                                     executed_at_commit=provenance.git_commit())
display(Markdown(
    f"Sweeps: {', '.join(map(catalogue.label, SWEEP_DATASETS))}, seeds {', '.join(map(str, SWEEP_SEEDS))}. "
    f"{origin.n_runs} runs, computed at commit(s) {provenance.commits_text(origin.commits)} on "
    f"{', '.join(origin.devices)} ({page.download_link(runs_csv, 'runs CSV')})."))
if scvi_note:
    display(Markdown(f"**Note:** {scvi_note}"))
page.show_table(compare.dataset_table(list(dict.fromkeys(DATASETS + SWEEP_DATASETS))),
                "The datasets of the tables and sweeps, their kind, and the paper datasets the stand-ins replace.")

# %% [markdown]
# ## Verdicts

# %% tags=["hide-input"]
verdicts = claims.claim_verdicts(frame)
claims_frame = claims.claims_table(verdicts)
scdmac = pd.concat([summary_files.scdmac_rows(compare.side_by_side(main[main["method"] == "scDMAC"],
                                                                   reported.reported_metric(m), m), m)
                    for m in ("ari", "nmi")], ignore_index=True)
# what the landing page shows (it reads these files, never its own copy of the settings)
saved = summary_files.write_report(summary_files.ReportTables(claims_frame, scdmac, origin))
page.show_table(tables.claims_table(claims_frame), "Each claim of the paper checked here, with its verdict (linked to "
                "the numbers behind it) and the evidence.", csv=saved["claims"])

# %% [markdown]
# ## Summary
#
# Generated from the verdicts above and from what kind of data each dataset is.

# %% tags=["hide-input"]
display(Markdown(claims.verdict_summary(verdicts, list(dict.fromkeys(DATASETS + SWEEP_DATASETS)))))

# %% [markdown]
# ## The numbers behind each verdict

# %% tags=["hide-input"]
for v in verdicts:
    display(HTML(f'<p id="{tables.claim_anchor(v.claim_id)}"><b>Claim {v.claim_id}</b> ({v.source}): {v.claim}. '
                 f"Verdict: <b>{v.verdict}</b>.</p>"))
    if v.details.empty:
        display(Markdown(f"_{v.evidence}_"))
    else:
        page.show_table(v.details, f"The numbers behind claim {v.claim_id}: one row per dataset (named with its "
                        "kind) or per method compared.")

# %% [markdown]
# ## scDMAC: ours beside reported
#
# The full model's mean (± sd over seeds) on each dataset beside the paper's value for the dataset
# it is or stands for (reported, Tables 2 and 3).

# %% tags=["hide-input"]
display(Markdown(compare.reported_comparison_note(DATASETS)))
shown = scdmac.drop(columns=["dataset", "kind", "paper_dataset"]).rename(columns={"label": "dataset"})
page.show_table(shown, "scDMAC on each dataset (named with its kind): our mean, sd and best seed beside the "
                "paper's reported value for the dataset it is or stands for.", csv=saved["scdmac"])

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
