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
# # Table 4: silhouette of the embeddings
#
# Regenerates the paper's internal-validation table (Xu et al., 2026, Section 3.3, Table 4): the
# silhouette coefficient of each method's embedding under its own predicted clusters (no labels).
# The runs are the same specs as the Table 2-3 notebook, so they come from the run cache. The paper
# reports PCA + K-means, scDeepCluster, scDCCA and scDMAC; we show every method we run, beside the
# reported values where the paper has them (stand-in datasets only). Silhouettes of different
# embeddings (PCA, autoencoder bottlenecks of different sizes) are not on a common scale: read them
# as a property of each embedding, not as a ranking of clusterings.

# %% tags=["parameters"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seeds = None  # list of seeds overriding the profile's (None: the profile's)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from scdmac_lib import experiments, pl, pl_results, pl_stages, report, runplan
from scdmac_lib.profiles import get_profile

pl.set_style()
pl_stages.limit_threads(n_threads)
prof = get_profile(profile)
NAME = "51_table4_silhouette"
DATASETS = list(datasets or prof.datasets)
SEEDS = list(seeds or prof.seeds)
_, scvi_note = report.benchmark_methods(prof)
display(Markdown(f"Profile: **{prof.name}**; datasets: {', '.join(DATASETS)}; seeds: {SEEDS}; device: `{device}`."))
if scvi_note:
    display(Markdown(f"**Note:** {scvi_note}"))
display(report.dataset_table(DATASETS))

# %%
specs = runplan.specs_for(NAME, prof, datasets=DATASETS, seeds=SEEDS)  # the specs of Tables 2-3
frame = experiments.run_many(specs, device=device)
reported = report.reported_metric("silhouette")
if reported is None:
    display(Markdown("**The paper's reported tables are not available in this checkout; the reported side is empty.**"))
long = report.side_by_side(frame, reported, "silhouette")
_ = pl_stages.save_table(long, NAME)
paper_cols = [d for d in DATASETS if report.paper_dataset(d)]
extra = report.reported_only(reported, paper_cols, ["scDCCA"]) if paper_cols and reported is not None else None
display(Markdown(f"### Table 4: silhouette (profile {prof.name}; ours: mean ± sd over seeds, best in brackets)"))
display(report.display_table(long, extra=extra))
if not paper_cols:
    display(Markdown("None of these datasets has a column in the paper's tables, so the reported side is empty."))

# %%
fig = pl_results.plot_ours_vs_reported_grid(long, metric="silhouette")
pl_stages.save_figure(fig, NAME)
plt.show()

# %% [markdown]
# ## scDMAC against PCA + k-means and scDeepCluster-style
#
# The paper states that scDMAC's silhouette is above both on every dataset. Computed here:

# %%
v8 = next(v for v in report.claim_verdicts(frame) if v.claim_id == 8)
display(Markdown(f"Verdict: **{v8.verdict}**. {v8.evidence}"))

# %% [markdown]
# ## Session info

# %%
display(pl_stages.session_info(profile, device))

