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
# # Figure 4: t-SNE of the scDMAC embedding
#
# Regenerates the paper's visualization (Xu et al., 2026, Section 3.3, Fig. 4): a two-dimensional
# t-SNE (scikit-learn, fixed random state) of scDMAC's final embedding on each dataset of the
# [profile](#term-profile), coloured once by the ground-truth cell types and once by scDMAC's clusters. The
# embeddings are those of the cached Table 2-3 runs (the profile's first seed); t-SNE is only a
# picture of the embedding, and distances between far-apart groups in it carry little meaning.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seed = None  # which run's embedding to show (None: the profile's first seed)
tsne_random_state = 0
max_cells = 5000  # t-SNE on at most this many cells (a fixed random subset beyond it)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["remove-input"]
from IPython.display import display

from scdmac_lib.book import page, plots_results, projection, takeaways
from scdmac_lib.data import catalogue

NAME = "60_fig4_tsne"
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=datasets, seed=seed,
                    note=f"t-SNE random state {tsne_random_state}")

# %% tags=["hide-input"]
panels = projection.run_panels(pg.runs, device=device, method="tsne", max_cells=max_cells, seed=tsne_random_state)
summary = projection.panel_table(panels)
page.show_table(summary, "The runs shown: scores of scDMAC's clusters on each dataset (one seed).",
                csv=page.save_table(summary, NAME))

# %% tags=["hide-input"]
for p in panels:  # one figure per dataset, so that each shows at the column's width
    fig = plots_results.plot_embedding_pair(p, method="t-SNE")
    page.show_figure(fig, f"{NAME}_{p.dataset}", f"Fig. 4, {catalogue.label(p.dataset)}: t-SNE of scDMAC's final "
                     "embedding, coloured by the annotated types (left) and by scDMAC's clusters (right).",
                     takeaway=takeaways.embedding(p))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))

