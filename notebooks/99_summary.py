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
# # scDMAC, reproduced: the results first
#
# This book is the reproducible companion to scDMAC (Xu et al., 2026, Frontiers in Bioinformatics,
# doi:10.3389/fbinf.2026.1758257), a deep clustering method for single-cell RNA-seq data. Below:
# whether each claim of the paper holds on our runs, scDMAC's scores beside the paper's reported
# ones, and which datasets are stand-ins for the paper's. Everything on this page is read from the
# tables the reproducibility report computed and saved, so it shows exactly that report's verdicts;
# every number links to the page where it was computed.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib.book import page, plots_results, style, tables
from scdmac_lib.report import claims, compare
from scdmac_lib.runtime import paths

style.set_style()
REPORT = "90_reproducibility"
folder = paths.results_dir() / "tables"
missing = [f"{REPORT}{part}.csv" for part in ("", "_provenance", "_scdmac") if not (folder / f"{REPORT}{part}.csv").is_file()]
if missing:
    msg = (f"the reproducibility report's tables {missing} are not in {paths.display_path(folder)}: run it first "
           f"(python -m scdmac_lib.notebooks run {REPORT} --profile {profile}).")
    raise FileNotFoundError(msg)
prov = pd.read_csv(folder / f"{REPORT}_provenance.csv", dtype=str, keep_default_na=False).iloc[0]
if prov["profile"] != profile:
    msg = (f"the reproducibility report's tables on disk come from the {prov['profile']!r} profile, not {profile!r}: "
           f"run python -m scdmac_lib.notebooks run {REPORT} --profile {profile} first.")
    raise ValueError(msg)
claims_frame = pd.read_csv(folder / f"{REPORT}.csv")
scdmac = pd.read_csv(folder / f"{REPORT}_scdmac.csv")
DATASETS = prov["datasets"].split()
SEEDS = [int(s) for s in prov["seeds"].split()]
page.show_header(prov["profile"], device, datasets=DATASETS, seeds=SEEDS,
                 note=f"{prov['n_runs']} runs on {prov['devices']}, computed at commit(s) "
                      + ", ".join(c[:10] for c in prov["commits"].split()))

# %% [markdown]
# ## Do the paper's claims hold?
#
# One row per claim the project can test, with the verdict the [reproducibility
# report](90_reproducibility.ipynb) computed from our runs; each verdict links to the numbers behind it.

# %% tags=["hide-input"]
counts = claims_frame["verdict"].value_counts()
n_hold, n_not, n_untested = (int(counts.get(v, 0)) for v in claims.VERDICTS)
display(Markdown(
    f"Of **{len(claims_frame)}** claims checked, **{n_hold}** {'holds' if n_hold == 1 else 'hold'} here, **{n_not}** "
    f"{'does' if n_not == 1 else 'do'} not hold, and **{n_untested}** cannot be tested with these runs "
    f"(profile {prov['profile']}, seeds {', '.join(map(str, SEEDS))})."))
page.show_table(tables.claims_table(claims_frame, evidence_page=f"{REPORT}.html", drop=["evidence"]),
                "Each claim of the paper and its verdict on our runs (the verdict links to the evidence).",
                csv=folder / f"{REPORT}.csv")

# %% [markdown]
# ## scDMAC: ours beside reported
#
# Our scDMAC (mean over seeds, sd whiskers) on each dataset, and the value the paper reports for the
# paper dataset a stand-in replaces. The other datasets have no paper column. The two are not a
# like-for-like comparison: a stand-in is a reduced version of the paper's dataset. Every method,
# seed and metric is in [Tables 2 and 3](50_table2_3_ari_nmi.ipynb).

# %% tags=["hide-input"]
fig = plots_results.plot_scdmac_vs_reported(scdmac)
page.show_figure(fig, "99_summary_scdmac_vs_reported", "scDMAC's ARI and NMI on each dataset: our mean over "
                 "seeds (bars, sd whiskers) and the paper's reported value (diamonds) where the paper has one.")

# %% [markdown]
# ## The datasets: stand-ins and extras

# %% tags=["hide-input"]
page.show_table(compare.dataset_table(DATASETS), "Each dataset of the tables: its size here, and the paper dataset a "
                "stand-in replaces with that dataset's size in the paper's Table 1.")

# %% [markdown]
# ## What else is here
#
# - [Quick start](01_quick_start.ipynb): three commands from install to a UMAP of the clusters.
# - [The method](../methods.md), stage by stage, with every reading of an unclear equation stated;
#   the executed walk-throughs of each stage follow it.
# - [Tables 2-5 and Figures 4-7](50_table2_3_ari_nmi.ipynb), regenerated beside the reported values.
# - [Using scDMAC on your own data](80_own_data.ipynb): the command on real `.h5ad` files, `-k auto`,
#   label-free diagnostics and every error message.
# - [Rerunning a page or the whole book](../rerun.md).
#
# Every page states the profile (`smoke`: synthetic data in seconds; `quick`: the default, minutes
# on a laptop CPU; `paper`: the paper's settings), seeds, datasets, device and commit its numbers
# came from, in the line under its title. Code is hidden by default: click "Show code cell source".

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
