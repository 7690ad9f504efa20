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
# paper dataset, where its public copy comes from and how it is checked, whether that copy is on this
# machine, and, when it is, how it compares with Table 1 once loaded. When the paper's data are
# present (`scdmac data fetch --paper` puts them in the cache) every table and figure of the book
# uses them in place of the stand-ins and labels them "paper's data"; otherwise the stand-ins are
# used and labelled as such. Then, for the datasets of the chosen profile, a picture of sparsity
# (fraction of zero counts) and of the library-size distribution. The paper's numbers are read from
# `shared/paper/reported_table1_datasets.csv` and labelled "paper".

# %% tags=["parameters"]
profile = "quick"
device = "auto"
n_threads = 1  # CPU threads for torch, k-means and BLAS (None = library defaults); 1 is fastest for small data

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib import data, experiments, paths, pl, pl_stages
from scdmac_lib.data import prefer_paper_data
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
if prof.name == "paper":  # the paper profile fetches the paper's datasets when it can
    fetched = data.fetch_paper()
    missing = fetched.loc[fetched["used"] == "", "dataset"].tolist()
    display(Markdown("**Fetching the paper's datasets** (profile `paper`): "
                     + (f"could not fetch {', '.join(missing)}; their stand-ins are used or they are not run."
                        if missing else "all six were fetched.")))
    display(fetched)

# %%
manifest = data.list_datasets()
display(Markdown("**Manifest** (every dataset this project knows about; sources and checksums in the next table):"))
display(manifest.drop(columns=["url", "checksum", "verified"]))

# %% [markdown]
# ## Where the paper's datasets come from, and what was verified
#
# One row per file. A `git-blob-sha1` is the file's blob id in the repository tree at the pinned
# commit, so a download is checked byte for byte against that tree; `sha256` is published (a Git
# LFS pointer, PyPI); `recorded` means no checksum is published (GEO): the sha256 is recorded on the
# first download and checked from then on, which only proves that later copies equal the first.
# A `fallback` row is tried when the paper row's source cannot be fetched. `here` says whether the
# file is on this machine (`not here`: nothing from it is used).

# %%
sources = data.source_table()
pl_stages.save_table(sources, f"{NAME}_sources")
with pd.option_context("display.max_colwidth", None):  # URLs and checksums in full
    display(sources)

# %% [markdown]
# ## The paper's datasets on this machine, checked against Table 1
#
# For each paper dataset present here: its shape once loaded beside Table 1 (a difference is shown,
# never silently accepted), whether its values are integer counts, and how it was derived from its
# source. Absent ones are listed with the stand-in used in their place.

# %%
checks = []
for _, row in manifest[manifest["role"] == "paper"].iterrows():
    copy = prefer_paper_data([row["name"]])
    stand_in = manifest.loc[(manifest["role"] == "stand-in") & (manifest["stands_for"] == row["stands_for"]), "name"]
    record = {"dataset": row["stands_for"], "copy used": copy[0] if copy else "",
              "Table 1 (cells x genes x types)": f"{row['n_cells']} x {row['n_genes']} x {row['n_types']}"}
    if copy:
        adata = data.load(copy[0])
        check = adata.uns["table1_check"]
        record.update({"here": " x ".join(str(v) for v in check["here"]),
                       "differences": check["differences"] or "none", "values": adata.uns["value_kind"],
                       "derivation": adata.uns.get("derivation", adata.uns["value_transform"])})
    else:
        in_place = f"stand-in {stand_in.iloc[0]!r} used instead" if len(stand_in) else "not run"
        record.update({"here": "not here", "differences": "", "values": "", "derivation": in_place})
    checks.append(record)
checks = pd.DataFrame(checks)
pl_stages.save_table(checks, f"{NAME}_table1_check")
n_here = int((checks["copy used"] != "").sum())
display(Markdown(f"**{n_here}** of the paper's {len(checks)} datasets are on this machine"
                 + ("." if n_here else ": every number of this book is measured on stand-ins or extras.")))
with pd.option_context("display.max_colwidth", None):
    display(checks)

# %%
if reported is not None:
    # Here "available" means on this machine, and a fallback copy counts as the paper's.
    here = manifest.assign(available=manifest["name"].map(data.present),
                           role=manifest["role"].replace({"fallback": "paper"}))
    comparison = pl_stages.table1_comparison(reported, here)
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
for name in prefer_paper_data(prof.datasets):
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
