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
# # Table 1: the datasets
#
# The paper's Table 1 (six benchmark datasets) beside what this project can actually run: for each
# paper dataset, whether the copy here is the paper's version, a reduced stand-in, or missing, and how
# it differs. Then, for the datasets of the chosen profile, a picture of sparsity (fraction of zero
# counts) and of the library-size distribution. The paper's numbers are read from
# `shared/paper/reported_table1_datasets.csv` and labelled "paper".

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
n_threads = 1  # CPU threads for torch, k-means and BLAS (None = library defaults); 1 is fastest for small data

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib import data, experiments, page, paths, pl, pl_stages
from scdmac_lib.profiles import get_profile

pl.set_style()
pl_stages.limit_threads(n_threads)
prof = get_profile(profile)
NAME = "00_data"
page.show_header(prof.name, device, datasets=prof.datasets)

# %% [markdown]
# ## Table 1 as reported, beside the copies available here

# %% tags=["hide-input"]
shared = paths.shared_dir()
reported = None
if shared is None:
    display(Markdown("The `shared/paper` folder is absent: the paper's Table 1 cannot be shown here."))
else:
    reported_csv = shared / "paper" / "reported_table1_datasets.csv"
    reported = pd.read_csv(reported_csv)
    page.show_table(reported, "Reported by the paper (Table 1): its six benchmark datasets.", csv=reported_csv)

# %% tags=["hide-input"]
manifest = data.list_datasets()
manifest_csv = pl_stages.save_table(manifest, f"{NAME}_manifest")
shown = ["name", "stands_for", "role", "available", "n_cells", "n_genes", "n_types"]
page.show_table(manifest[[c for c in shown if c in manifest.columns]],
                "The manifest: every dataset this project knows about (sources, checksums and notes in the CSV).",
                csv=manifest_csv)

# %% tags=["hide-input"]
if reported is not None:
    comparison = pl_stages.table1_comparison(reported, manifest)
    comparison_csv = pl_stages.save_table(comparison, NAME)
    n_paper = int((comparison["version"] == "paper").sum())
    n_stand = int((comparison["version"] == "stand-in").sum())
    n_missing = int((comparison["version"] == "not available").sum())
    display(Markdown(
        f"Of the paper's {len(reported)} datasets, **{n_paper}** are available in the paper's version, "
        f"**{n_stand}** only as stand-ins (reduced or re-derived copies: numbers measured on them are "
        f"not the paper's numbers), and **{n_missing}** are not available and are not run."
    ))
    def shape(frame, prefix):
        cols = [f"{prefix}_{c}" for c in ("cells", "genes", "types")]
        return [" x ".join(str(int(v)) for v in row) if row.notna().all() else "" for _, row in frame[cols].iterrows()]

    compact = pd.DataFrame({"dataset": comparison["dataset"], "paper: cells x genes x types": shape(comparison, "paper"),
                            "version here": comparison["version"], "copy here": comparison["here"].fillna(""),
                            "here: cells x genes x types": shape(comparison, "here"),
                            "differences": comparison["differences"].fillna("")})
    page.show_table(compact, "Each paper dataset beside the copy this project runs, and how they differ "
                    "(platforms and notes in the CSV).", csv=comparison_csv)

# %% [markdown]
# ## Sparsity and library sizes of this profile's datasets

# %% tags=["hide-input"]
matrices, rows = {}, []
for name in prof.datasets:
    adata = experiments.load_dataset(name)
    matrices[name] = adata.X
    rows.append({"dataset": name, **pl_stages.count_summary(adata.X), "n_types": experiments.n_types(adata)})
summary = pd.DataFrame(rows)
summary_csv = pl_stages.save_table(summary, f"{NAME}_sparsity")
page.show_table(summary, f"Sparsity and library sizes of the {prof.name} profile's datasets.", csv=summary_csv)

# %% tags=["hide-input"]
fig = pl_stages.plot_sparsity_library(matrices)
fig.suptitle(f"Sparsity and library size ({prof.name} profile)", y=1.02)
page.show_figure(fig, NAME, f"Fraction of zero counts and library sizes of each dataset of the {prof.name} profile.")

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(pl_stages.session_info(profile, device))
