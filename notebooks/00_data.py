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

# %% tags=["parameters"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib import data, experiments, paths, pl, pl_stages
from scdmac_lib.profiles import get_profile

pl.set_style()
pl_stages.limit_threads(n_threads)
prof = get_profile(profile)
NAME = "00_data"
display(Markdown(f"Profile: **{prof.name}**; datasets of this profile: {', '.join(prof.datasets)}."))

# %% [markdown]
# ## Table 1 as reported, beside the copies available here

# %%
shared = paths.shared_dir()
reported = None
if shared is None:
    display(Markdown("The `shared/paper` folder is absent: the paper's Table 1 cannot be shown here."))
else:
    reported = pd.read_csv(shared / "paper" / "reported_table1_datasets.csv")
    display(Markdown("**Reported** (paper, Table 1):"))
    display(reported)

# %%
manifest = data.list_datasets()
display(Markdown("**Manifest** (every dataset this project knows about):"))
display(manifest)

# %%
if reported is not None:
    comparison = pl_stages.table1_comparison(reported, manifest)
    pl_stages.save_table(comparison, NAME)
    n_paper = int((comparison["version"] == "paper").sum())
    n_stand = int((comparison["version"] == "stand-in").sum())
    n_missing = int((comparison["version"] == "not available").sum())
    display(Markdown(
        f"Of the paper's {len(reported)} datasets, **{n_paper}** are available in the paper's version, "
        f"**{n_stand}** only as stand-ins (reduced or re-derived copies: numbers measured on them are "
        f"not the paper's numbers), and **{n_missing}** are not available and are not run."
    ))
    display(comparison)

# %% [markdown]
# ## Sparsity and library sizes of this profile's datasets

# %%
matrices, rows = {}, []
for name in prof.datasets:
    adata = experiments.load_dataset(name)
    matrices[name] = adata.X
    rows.append({"dataset": name, **pl_stages.count_summary(adata.X), "n_types": experiments.n_types(adata)})
summary = pd.DataFrame(rows)
pl_stages.save_table(summary, f"{NAME}_sparsity")
display(summary.round(3))

# %%
fig = pl_stages.plot_sparsity_library(matrices)
fig.suptitle(f"Sparsity and library size ({prof.name} profile)", y=1.02)
pl_stages.save_figure(fig, NAME)
plt.show()

# %% [markdown]
# ## Session info

# %%
display(pl_stages.session_info(profile, device))
