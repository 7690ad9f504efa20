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
# uses them in place of the [stand-ins](#term-stand-in) and labels them "paper's data"; otherwise the
# stand-ins are used and labelled as such. Labelled datasets the paper does not use are run beside
# them as [extras](#term-extra). Then, for the datasets of the chosen [profile](#term-profile), a
# picture of sparsity (fraction of zero counts) and of the library-size distribution. The paper's numbers are those of
# its Table 1 as kept in the package (`scdmac_lib/report/paper_tables`) and labelled "paper".

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["remove-input"]
from IPython.display import Markdown, display

from scdmac_lib import data
from scdmac_lib.book import page, plots_stages, summaries, tables
from scdmac_lib.book import takeaways as tk
from scdmac_lib.report import reported

NAME = "00_data"
fetched = data.fetch_paper() if profile == "paper" else None  # the paper profile fetches the paper's data first
DATASETS = page.profile_datasets(profile)  # the paper's data in place of a stand-in when present here
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=DATASETS)

# %% [markdown]
# ## Table 1 as reported, beside the copies available here

# %% tags=["hide-input"]
reported_values = reported.load_reported(1).reset_index()
page.show_table(reported_values, reported.caption(1), csv=page.save_table(reported_values, f"{NAME}_reported"))

# %% tags=["hide-input"]
if fetched is not None:
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
sources_shown, source_urls = summaries.sources_display(sources)
page.show_table(tables.text_table(sources_shown, links={"file": source_urls}),
                "Sources of the paper's datasets: each file links to its pinned URL; checksum kind, the start of "
                "the checksum and what was verified (the CSV has the URLs, checksums and what a match proves).",
                csv=page.save_table(sources, f"{NAME}_sources"))

# %% [markdown]
# ## The paper's datasets on this machine, checked against Table 1
#
# For each paper dataset present here: its shape once loaded beside Table 1 (a difference is shown,
# never silently accepted), whether its values are integer counts, and how it was derived from its
# source. Absent ones are listed with the stand-in used in their place.

# %% tags=["hide-input"]
checks = summaries.paper_copy_checks(manifest)
n_here = int((checks["copy used"] != "").sum())
display(Markdown(f"**{n_here}** of the paper's {len(checks)} datasets are on this machine"
                 + ("." if n_here else ": every number of this book is measured on stand-ins or extras.")))
page.show_table(checks, "The paper's datasets here, against Table 1.",
                csv=page.save_table(checks, f"{NAME}_table1_check"))

# %% tags=["hide-input"]
# Here "available" means on this machine, and a fallback copy counts as the paper's.
here = manifest.assign(available=manifest["name"].map(data.present),
                       role=manifest["role"].replace({"fallback": "paper"}))
comparison = summaries.table1_comparison(reported_values, here)
counts = summaries.version_counts(comparison)
display(Markdown(
    f"Of the paper's {len(reported_values)} datasets, **{counts['paper']}** are available in the paper's version, "
    f"**{counts['stand-in']}** only as stand-ins (reduced or re-derived copies: numbers measured on them are "
    f"not the paper's numbers), and **{counts['not available']}** are not available and are not run."))
page.show_table(summaries.table1_shapes(comparison), "Each paper dataset beside the copy this project runs, and how "
                "they differ (platforms and notes in the CSV).", csv=page.save_table(comparison, NAME))

# %% [markdown]
# ## Sparsity and library sizes of this profile's datasets

# %% tags=["hide-input"]
summary, matrices = summaries.sparsity_table(pg.datasets)
page.show_table(summary, f"Sparsity and library sizes of the {pg.profile.name} profile's datasets.",
                csv=page.save_table(summary, f"{NAME}_sparsity"))

# %% tags=["hide-input"]
fig = plots_stages.plot_sparsity_library(matrices)
fig.suptitle(f"Sparsity and library size ({pg.profile.name} profile)", y=1.02)
page.show_figure(fig, NAME, "Fraction of zero counts and library sizes of each dataset of the "
                 f"{pg.profile.name} profile.")
page.show_takeaway(tk.sparsity(list(summary["dataset"]), summary["zero_fraction"], summary["library_median"]))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
