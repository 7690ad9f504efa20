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
# # Preprocessing walk-through (Section 2, Eq. 1-2)
#
# Each preprocessing step of scDMAC on the profile's walk-through dataset: library sizes and size
# factors, normalization to a common total (Eq. 1), highly variable gene (HVG) selection, log1p
# (Eq. 2), the cosine kNN graph used for neighbour swaps, and the three training augmentations
# (gene masking, Gaussian noise, kNN swap) shown on a few cells. Labels appear only in one clearly
# marked diagnostic (how often kNN neighbours share a label); nothing is fitted on them.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
n_show_cells = 12  # cells in the augmentation heatmaps
n_show_genes = 25  # genes in the augmentation heatmaps

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import Markdown, display

from scdmac_lib.book import page, plots_stages, style, summaries
from scdmac_lib.data import catalogue, prefer_paper_data
from scdmac_lib.method import augment, preprocess
from scdmac_lib.method.config import make_config
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import threads

style.set_style()
threads.set_threads(n_threads)
prof = get_profile(profile)
NAME = "10_preprocess"
dataset = prefer_paper_data([prof.walkthrough_dataset])[0]  # the paper's data when present here
adata = catalogue.load_dataset(dataset)
k = catalogue.n_types(adata)
cfg = make_config(k, seed=0, **prof.config_overrides())
page.show_header(prof.name, device, datasets=[dataset], seeds=[cfg.seed])
display(Markdown(
    f"Dataset **{dataset}**: {adata.n_obs} cells x {adata.n_vars} genes, "
    f"{k} labelled types. Settings: target sum {cfg.preprocess.target_sum:g}, "
    f"{cfg.preprocess.n_top_genes} HVGs (flavor `{cfg.preprocess.hvg_flavor}`), "
    f"k = {cfg.preprocess.n_neighbors} cosine neighbours."
))

# %% tags=["hide-input"]
prep = preprocess.preprocess(adata.X, cfg.preprocess, seed=cfg.seed)
counts_all = preprocess.as_csr(adata.X)
lib = preprocess.library_sizes(counts_all)

# %% [markdown]
# ## Library sizes and size factors
#
# The size factor of cell $i$ is its library size divided by the median library size; it scales the
# ZINB mean of the denoising stage (Eq. 5).

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
plots_stages.plot_histogram(np.log10(lib), ax=axes[0], xlabel="log10 library size", title="library sizes")
plots_stages.plot_size_factors(lib, prep.size_factors, ax=axes[1])
fig.tight_layout()
page.show_figure(fig, f"{NAME}_size_factors",
                 "Library sizes (left) and the size factor of each cell against its library size (right).")
display(Markdown(
    f"Library sizes range from {lib.min():,.0f} to {lib.max():,.0f} (median {np.median(lib):,.0f}); "
    f"size factors from {prep.size_factors.min():.2f} to {prep.size_factors.max():.2f}."
))

# %% [markdown]
# ## Normalization (Eq. 1) and highly variable genes
#
# Each cell is scaled to a total of $s_0$ counts. The mean-variance plot is on this normalized
# scale; the HVGs chosen by scanpy are highlighted.

# %% tags=["hide-input"]
normalized = preprocess.as_csr(counts_all.multiply(cfg.preprocess.target_sum / lib[:, None]))
mean, var = summaries.gene_mean_variance(normalized)
is_hvg = np.isin(np.arange(adata.n_vars), prep.genes)
fig, ax = plt.subplots(figsize=(5, 4))
plots_stages.plot_mean_variance(mean, var, highlight=is_hvg, ax=ax, title="normalized counts: mean vs variance")
page.show_figure(fig, f"{NAME}_hvg", "Mean against variance of every gene after normalization, "
                 "the selected highly variable genes highlighted.")
totals = np.asarray(normalized.sum(axis=1)).ravel()
display(Markdown(
    f"{int(is_hvg.sum())} of {adata.n_vars} genes kept as HVGs. After normalization every cell sums to "
    f"{totals.min():,.0f}-{totals.max():,.0f} (all genes)."
))

# %% [markdown]
# ## log1p (Eq. 2)

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
hvg_norm = normalized[:, prep.genes].toarray()
plots_stages.plot_histogram(hvg_norm[hvg_norm > 0], ax=axes[0], bins=50, xlabel="normalized value (non-zero)",
                         title="before log1p")
plots_stages.plot_histogram(prep.lognorm[prep.lognorm > 0], ax=axes[1], bins=50, xlabel="log1p(normalized)",
                         title="after log1p")
fig.tight_layout()
page.show_figure(fig, f"{NAME}_log1p", "Non-zero normalized values of the selected genes before and after log1p.")

# %% [markdown]
# ## Cosine kNN graph
#
# Neighbours are found by cosine distance on the top principal components of the z-scored log1p
# matrix. The label agreement below is a diagnostic only (the graph never sees labels): the fraction
# of each cell's neighbours that share its annotated type, against what random neighbours would give.

# %% tags=["hide-input"]
space = preprocess.standardized_pcs(prep.lognorm, seed=cfg.seed)
dist = summaries.knn_cosine_distances(space, prep.knn)
agreement = summaries.knn_label_agreement(prep.knn, adata.obs["cell_type"])
chance = summaries.chance_agreement(adata.obs["cell_type"])
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
plots_stages.plot_histogram(dist, ax=axes[0], xlabel="cosine distance to a neighbour", title="neighbour distances")
plots_stages.plot_histogram(summaries.knn_in_degree(prep.knn), ax=axes[1], bins=20,
                         xlabel="times chosen as a neighbour", title=f"in-degree (out-degree = {prep.knn.shape[1]})")
plots_stages.plot_histogram(agreement, ax=axes[2], bins=np.linspace(0, 1, 21), xlabel="fraction of neighbours of the same type",
                         title="label agreement (diagnostic)")
axes[2].axvline(chance, color="r", ls=":", label=f"random neighbours {chance:.2f}")
axes[2].legend(fontsize=7)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_knn", "The cosine kNN graph: distances to neighbours, how often each cell is "
                 "chosen as a neighbour, and how often neighbours share a label (diagnostic only).")
knn_table = pd.DataFrame([{"dataset": dataset, "n_neighbors": prep.knn.shape[1], "n_hvg": int(prep.genes.size),
                           "mean_cosine_distance": float(dist.mean()), "label_agreement": float(agreement.mean()),
                           "chance_agreement": chance}])
page.show_table(knn_table, "Summary of the kNN graph, with the label agreement of neighbours against chance.",
                csv=page.save_table(knn_table, NAME))

# %% [markdown]
# ## The three augmentations on a few cells
#
# The denoising stage trains on augmented copies of the z-scored log1p input: 10% of entries set to
# zero, Gaussian noise of variance 0.6, and 20% of entries swapped with a random kNN neighbour's
# values. Shown on a block of cells x genes (same colour scale).

# %% tags=["hide-input"]
x_all = torch.from_numpy(preprocess.standardize(prep.lognorm))
knn_t = torch.from_numpy(prep.knn)
rng = np.random.default_rng(cfg.seed)
cells = torch.from_numpy(np.sort(rng.choice(adata.n_obs, size=min(n_show_cells, adata.n_obs), replace=False)))
genes = np.sort(rng.choice(x_all.shape[1], size=min(n_show_genes, x_all.shape[1]), replace=False))
gen = torch.Generator().manual_seed(cfg.seed)
block = x_all[cells]
ac = cfg.augment
views = {
    "input (z-scored log1p)": block,
    f"gene masking ({ac.mask_rate:g})": augment.mask_genes(block, ac.mask_rate, gen),
    f"Gaussian noise (var {ac.noise_var:g})": augment.gaussian_noise(block, ac.noise_var, gen),
    f"kNN swap ({ac.swap_rate:g})": augment.neighbour_swap(block, x_all, cells, knn_t, ac.swap_rate, gen),
    "all three (training input)": augment.augment(x_all, cells, knn_t, ac, gen),
}
fig = plots_stages.plot_matrix_blocks({t: v.numpy()[:, genes] for t, v in views.items()}, cmap="RdBu_r",
                                   vmin=-3, vmax=3)
page.show_figure(fig, f"{NAME}_augment", "The same block of cells x genes before and after each training "
                 "augmentation, and after all three together (one colour scale).")
changed = pd.DataFrame([{"augmentation": t, "fraction of entries changed": float((~np.isclose(v.numpy(), block.numpy())).mean())}
                        for t, v in list(views.items())[1:]])
display(changed.round(3))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
