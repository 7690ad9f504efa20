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
# Each preprocessing step of scDMAC on the [profile](#term-profile)'s walk-through dataset: library sizes and size
# factors, normalization to a common total (Eq. 1), highly variable gene (HVG) selection, log1p
# (Eq. 2), the cosine kNN graph used for neighbour swaps, and the three training augmentations
# (gene masking, Gaussian noise, kNN swap) shown on a few cells. Labels appear only in one clearly
# marked diagnostic (how often kNN neighbours share a label); nothing is fitted on them.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
n_show_cells = 12  # cells in the augmentation heatmaps
n_show_genes = 25  # genes in the augmentation heatmaps

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from scdmac_lib.book import glossary, page, plots_stages, summaries
from scdmac_lib.book import takeaways as tk
from scdmac_lib.data import catalogue
from scdmac_lib.method import preprocess
from scdmac_lib.method.config import make_config

NAME = "10_preprocess"
SEED = 0
dataset = page.walkthrough_dataset(profile)  # the paper's data when present here
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=[dataset], seeds=[SEED])

# %% tags=["hide-input"]
adata = catalogue.load_dataset(dataset)
k = catalogue.n_types(adata)
cfg = make_config(k, seed=SEED, **pg.profile.config_overrides())
display(Markdown(glossary.link_first(
    f"Dataset **{catalogue.label(dataset)}**: {adata.n_obs} cells x {adata.n_vars} genes, "
    f"{k} labelled types. Settings: target sum {cfg.preprocess.target_sum:g}, "
    f"{cfg.preprocess.n_top_genes} HVGs (flavor `{cfg.preprocess.hvg_flavor}`), "
    f"k = {cfg.preprocess.n_neighbors} cosine neighbours.", ["stand-in", "extra"])))

# %% tags=["hide-input"]
prep = preprocess.preprocess(adata.X, cfg.preprocess, seed=cfg.seed)
lib = summaries.library_sizes(adata.X)

# %% [markdown]
# ## Library sizes and size factors
#
# The size factor of cell $i$ is its library size divided by the median library size; it scales the
# ZINB mean of the denoising stage (Eq. 5).

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(6.1, 3.0))
plots_stages.plot_histogram(np.log10(lib), ax=axes[0], xlabel="log10 library size", title="library sizes")
plots_stages.plot_size_factors(lib, prep.size_factors, ax=axes[1])
fig.tight_layout()
page.show_figure(fig, f"{NAME}_size_factors",
                 "Library sizes (left) and the size factor of each cell against its library size (right).")
page.show_takeaway(tk.library_range(lib, prep.size_factors))

# %% [markdown]
# ## Normalization (Eq. 1) and highly variable genes
#
# Each cell is scaled to a total of $s_0$ counts. The mean-variance plot is on this normalized
# scale; the HVGs chosen by scanpy are highlighted.

# %% tags=["hide-input"]
normalized = summaries.normalize_total(adata.X, cfg.preprocess.target_sum)
mean, var = summaries.gene_mean_variance(normalized)
is_hvg = np.isin(np.arange(adata.n_vars), prep.genes)
fig, ax = plt.subplots(figsize=(5, 4))
plots_stages.plot_mean_variance(mean, var, highlight=is_hvg, ax=ax, title="normalized counts: mean vs variance")
page.show_figure(fig, f"{NAME}_hvg", "Mean against variance of every gene after normalization, "
                 "the selected highly variable genes highlighted.")
totals = np.asarray(normalized.sum(axis=1)).ravel()
display(Markdown(f"After normalization every cell sums to {totals.min():,.0f}-{totals.max():,.0f} (all genes)."))
page.show_takeaway(tk.hvg_share(int(is_hvg.sum()), adata.n_vars, summaries.variance_share(var, is_hvg)))

# %% [markdown]
# ## log1p (Eq. 2)

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(6.1, 3.0))
hvg_norm = normalized[:, prep.genes].toarray()
plots_stages.plot_histogram(hvg_norm[hvg_norm > 0], ax=axes[0], bins=50, xlabel="normalized value (non-zero)",
                         title="before log1p")
plots_stages.plot_histogram(prep.lognorm[prep.lognorm > 0], ax=axes[1], bins=50, xlabel="log1p(normalized)",
                         title="after log1p")
fig.tight_layout()
page.show_figure(fig, f"{NAME}_log1p", "Non-zero normalized values of the selected genes before and after log1p.")
page.show_takeaway(tk.log_skew(summaries.skewness(hvg_norm[hvg_norm > 0]),
                               summaries.skewness(prep.lognorm[prep.lognorm > 0])))

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
fig, axes = plt.subplots(3, 1, figsize=(6.1, 7.2))
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
knn_table = summaries.knn_summary(dataset, prep.knn, prep.genes.size, dist, agreement, chance)
page.show_table(knn_table, "Summary of the kNN graph, with the label agreement of neighbours against chance.",
                csv=page.save_table(knn_table, NAME))
page.show_takeaway(tk.knn_agreement(float(np.mean(agreement)), chance, prep.knn.shape[1]))

# %% [markdown]
# ## The three augmentations on a few cells
#
# The denoising stage trains on augmented copies of the z-scored log1p input: a fraction of the
# entries set to zero, Gaussian noise, and a fraction of the entries swapped with a random kNN
# neighbour's values, at the rates of the configuration (in each panel's title). Shown on a block
# of cells x genes (same colour scale).

# %% tags=["hide-input"]
x_all = preprocess.standardize(prep.lognorm)
cells, genes = summaries.sample_block(x_all.shape, n_show_cells, n_show_genes, seed=cfg.seed)
views = summaries.augmentation_views(x_all, prep.knn, cells, cfg.augment, seed=cfg.seed)
fig = plots_stages.plot_matrix_blocks({t: v[:, genes] for t, v in views.items()}, cmap="RdBu_r", vmin=-3, vmax=3)
page.show_figure(fig, f"{NAME}_augment", "The same block of cells x genes before and after each training "
                 "augmentation, and after all three together (one colour scale).")
changed = summaries.changed_fractions(views)
page.show_table(changed, "Fraction of the block's entries each augmentation changes (all genes of the cells shown).",
                csv=page.save_table(changed, f"{NAME}_augment"))
page.show_takeaway(tk.augmentation_changes(dict(zip(changed["augmentation"], changed["fraction of entries changed"],
                                                    strict=True)), cfg.augment.swap_rate))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
