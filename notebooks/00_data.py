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

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib import data
from scdmac_lib.book import page, plots_stages, style, summaries, tables
from scdmac_lib.data import catalogue, prefer_paper_data
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import paths, threads

style.set_style()
threads.set_threads(n_threads)
prof = get_profile(profile)
NAME = "00_data"
page.show_header(prof.name, device, datasets=prof.datasets)

# %% [markdown]
# ## Table 1 as reported, beside the copies available here

# %% tags=["hide-input"]
shared = paths.shared_dir()
reported_values = None
if shared is None:
    display(Markdown("The `shared/paper` folder is absent: the paper's Table 1 cannot be shown here."))
else:
    reported_csv = shared / "paper" / "reported_table1_datasets.csv"
    reported_values = pd.read_csv(reported_csv)
    page.show_table(reported_values, "Reported by the paper (Table 1): its six benchmark datasets.", csv=reported_csv)

# %% tags=["hide-input"]
if prof.name == "paper":  # the paper profile fetches the paper's datasets when it can
    fetched = data.fetch_paper()
    missing = fetched.loc[fetched["used"] == "", "dataset"].tolist()
    display(Markdown("**Fetching the paper's datasets** (profile `paper`): "
                     + (f"could not fetch {', '.join(missing)}; their stand-ins are used or they are not run."
                        if missing else "all six were fetched.")))
    page.show_table(fetched, "What the paper profile could fetch.")

# %% tags=["hide-input"]
manifest = data.list_datasets()
manifest_csv = page.save_table(manifest, f"{NAME}_manifest")
shown = ["name", "stands_for", "role", "available", "n_cells", "n_genes", "n_types"]
page.show_table(manifest[[c for c in shown if c in manifest.columns]],
                "The manifest: every dataset this project knows about (sources and checksums in the next table, "
                "notes in the CSV).", csv=manifest_csv)

# %% [markdown]
# ## Where the paper's datasets come from, and what was verified
#
# One row per file. A `git-blob-sha1` is the file's blob id in the repository tree at the pinned
# commit, so a download is checked byte for byte against that tree; `sha256` is published (a Git
# LFS pointer, PyPI); `recorded` means no checksum is published (GEO): the sha256 is recorded on the
# first download and checked from then on, which only proves that later copies equal the first.
# A `fallback` row is tried when the paper row's source cannot be fetched. `here` says whether the
# file is on this machine (`not here`: nothing from it is used).

# %% tags=["hide-input"]
sources = data.source_table()
sources_csv = page.save_table(sources, f"{NAME}_sources")
shown = sources.drop(columns=["url", "checksum", "name", "strength", "role"]).assign(
    dataset=[d if r == "paper" else f"{d} ({r})" for d, r in zip(sources["dataset"], sources["role"])],
    file=[f.replace(".", ".\u200b") for f in sources["file"]],  # long file names may wrap after a dot
    checksum=[c if len(c) <= 16 else f"{c[:12]}…" for c in sources["checksum"]])
page.show_table(tables.text_table(shown, links={"file": [u.split(" -> ")[0] for u in sources["url"]]}),
                "Sources of the paper's datasets: each file links to its pinned URL; checksum kind, the start of "
                "the checksum and what was verified (the CSV has the URLs, checksums and what a match proves).", csv=sources_csv)

# %% [markdown]
# ## The paper's datasets on this machine, checked against Table 1
#
# For each paper dataset present here: its shape once loaded beside Table 1 (a difference is shown,
# never silently accepted), whether its values are integer counts, and how it was derived from its
# source. Absent ones are listed with the stand-in used in their place.

# %% tags=["hide-input"]
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
checks_csv = page.save_table(checks, f"{NAME}_table1_check")
n_here = int((checks["copy used"] != "").sum())
display(Markdown(f"**{n_here}** of the paper's {len(checks)} datasets are on this machine"
                 + ("." if n_here else ": every number of this book is measured on stand-ins or extras.")))
page.show_table(checks, "The paper's datasets here, against Table 1.", csv=checks_csv)

# %% tags=["hide-input"]
if reported_values is not None:
    # Here "available" means on this machine, and a fallback copy counts as the paper's.
    here = manifest.assign(available=manifest["name"].map(data.present),
                           role=manifest["role"].replace({"fallback": "paper"}))
    comparison = summaries.table1_comparison(reported_values, here)
    comparison_csv = page.save_table(comparison, NAME)
    n_paper = int((comparison["version"] == "paper").sum())
    n_stand = int((comparison["version"] == "stand-in").sum())
    n_missing = int((comparison["version"] == "not available").sum())
    display(Markdown(
        f"Of the paper's {len(reported_values)} datasets, **{n_paper}** are available in the paper's version, "
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
for name in prefer_paper_data(prof.datasets):
    adata = catalogue.load_dataset(name)
    matrices[name] = adata.X
    rows.append({"dataset": name, **summaries.count_summary(adata.X), "n_types": catalogue.n_types(adata)})
summary = pd.DataFrame(rows)
summary_csv = page.save_table(summary, f"{NAME}_sparsity")
page.show_table(summary, f"Sparsity and library sizes of the {prof.name} profile's datasets.", csv=summary_csv)

# %% tags=["hide-input"]
fig = plots_stages.plot_sparsity_library(matrices)
fig.suptitle(f"Sparsity and library size ({prof.name} profile)", y=1.02)
page.show_figure(fig, NAME, f"Fraction of zero counts and library sizes of each dataset of the {prof.name} profile.")

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
