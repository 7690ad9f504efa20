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
# # The clustering stage (Eq. 16-23)
#
# The last stage of scDMAC on the [profile](#term-profile)'s walk-through dataset: centers start from
# k-means on the pretrained embedding [$Z$](#term-z); soft k-means weights $w_{ik}$ (Eq. 18) are sharpened by inflation (Eq. 19)
# and drive a weighted k-means loss (Eq. 16); a Student-t soft assignment $q$ (Eq. 20) is pulled
# towards its sharpened target $p$ (Eq. 21) by a KL loss (Eq. 22); encoder and centers are
# fine-tuned on the weighted sum of Eq. 23. This page shows each of these quantities, the loss
# curves, the embedding in 2-D, how the labels moved from the initial k-means to the final ones,
# and how many clusters are still in use. Labels are used only to score and to colour.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
seed = 0
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
embedding_2d = "tsne"  # "tsne" (the picture of Fig. 4) or "umap" (scanpy)
n_heatmap_cells = 300

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from scdmac_lib.book import glossary, page, plots_stages, projection, style, summaries
from scdmac_lib.book import takeaways as tk
from scdmac_lib.data import catalogue
from scdmac_lib.evaluation import metrics
from scdmac_lib.method import pipeline
from scdmac_lib.method.config import make_config

NAME = "40_clustering"
dataset = page.walkthrough_dataset(profile)  # the paper's data when present here
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=[dataset], seeds=[seed])

# %% tags=["hide-input"]
adata = catalogue.load_dataset(dataset)
k = catalogue.n_types(adata)
cfg = make_config(k, seed=seed, device=device, **{**pg.profile.config_overrides(), "n_threads": pg.threads})
cc = cfg.cluster
display(Markdown(glossary.link_first(
    f"Dataset **{catalogue.label(dataset)}**: {adata.n_obs} cells, k = {k} clusters requested. "
    f"Loss weights (Eq. 23): alpha = {cc.rec_weight:g} (reconstruction), beta = {cc.mask_weight:g} (mask), "
    f"phi = {cc.kmeans_weight:g} (weighted k-means), theta = {cc.kl_weight:g} (KL); inflation r = "
    f"{cc.inflation:g}; Student-t dof = {cc.dof:g}; labels = argmax of `{cc.label_source}`.", ["stand-in", "extra"])))

# %% tags=["hide-input"]
res = pipeline.fit_scdmac(adata.X, cfg)
clu = res.clusters
truth = adata.obs[catalogue.LABEL_KEY].to_numpy()
display(Markdown(f"Fitted on `{res.device}`; stage times (s): {summaries.stage_times(res.timings)}."))

# %% [markdown]
# ## Soft k-means weights and their inflation
#
# At the start of the fine-tune (pretrained $Z$, k-means centers) and at its end. Rows are a sample
# of cells sorted by their cluster; a sharp block diagonal means confident assignments. Inflation
# (Eq. 19) raises the weights to the power $r$ and renormalizes them; the weights after it are shown
# only where they differ from those before.

# %% tags=["hide-input"]
states = summaries.weight_states(res)
unchanged = summaries.inflation_changes_nothing(states)
kinds = {"w": 0} if unchanged else {"w before inflation": 0, f"w after inflation (r = {cc.inflation:g})": 1}
fig, axes = plt.subplots(len(kinds), len(states), figsize=(4.5 * len(states), 3.75 * len(kinds)), squeeze=False)
for col, (when, weights) in enumerate(states.items()):
    for row, (what, i) in enumerate(kinds.items()):
        plots_stages.plot_assignment_heatmap(weights[i], weights[2], ax=axes[row, col], n=n_heatmap_cells, seed=seed,
                                             title=f"{when}: {what}")
fig.tight_layout()
page.show_figure(fig, f"{NAME}_weights", "Soft k-means weights of a sample of cells at the start and at the end "
                 "of the fine-tune" + ("." if unchanged else ", before (top) and after (bottom) inflation."))
display(Markdown(tk.inflation_effect(cc.inflation, unchanged)))
confidence = summaries.weight_confidence(states, inflated=not unchanged)
page.show_table(confidence, "Mean of each cell's largest weight" + ("." if unchanged else ", before and after inflation."),
                csv=page.save_table(confidence, f"{NAME}_confidence"))
page.show_takeaway(tk.weight_confidence(*confidence.iloc[:, -1]))

# %% [markdown]
# ## Student-t assignment q and its target p (end of the fine-tune)

# %% tags=["hide-input"]
q = clu.q
p = summaries.target_distribution(q)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
plots_stages.plot_assignment_heatmap(q, clu.labels, ax=axes[0], n=n_heatmap_cells, seed=seed, title="q (Student-t)")
plots_stages.plot_assignment_heatmap(p, clu.labels, ax=axes[1], n=n_heatmap_cells, seed=seed, title="target p = q^2 / f")
fig.tight_layout()
page.show_figure(fig, f"{NAME}_q_p", "The Student-t soft assignment q and its sharpened target p "
                 "for a sample of cells, at the end of the fine-tune.")
page.show_takeaway(tk.q_and_p(float(q.max(axis=1).mean()), float(p.max(axis=1).mean())))

# %% [markdown]
# ## Loss curves of the fine-tune
#
# Each term of Eq. 23, unweighted, per optimizer step (faint) and smoothed (solid).

# %% tags=["hide-input"]
hist = res.history["cluster"]
terms = [t for t in ("loss", "reconstruction", "mask_bce", "weighted_kmeans", "kl") if t in hist]
fig, axes = style.panel_grid(len(terms), panel=(style.COLUMN_INCHES / 2, 2.4))
for ax, term in zip(np.ravel(axes), terms, strict=True):
    plots_stages.plot_loss_curves(hist, keys=[term], ax=ax, title=term, window=10)
    ax.get_legend().remove()
fig.tight_layout()
page.show_figure(fig, f"{NAME}_losses", "Each term of the fine-tune's loss (Eq. 23), unweighted, "
                 "per optimizer step and smoothed.")
display(Markdown(f"{len(hist['loss'])} optimizer steps. " + tk.training_stop(len(hist["loss"]), adata.n_obs, cc.train)))
page.show_takeaway(tk.loss_terms(summaries.term_changes(hist, terms)))

# %% [markdown]
# ## The embedding in 2-D
#
# The pretrained and the final embedding, coloured by the annotated type and by the cluster labels
# (initial k-means labels on the pretrained one, final labels on the final one).

# %% tags=["hide-input"]
coords_pre = projection.embed_2d(res.pretrained_embedding, embedding_2d, seed=seed)
coords_fin = projection.embed_2d(clu.embedding, embedding_2d, seed=seed)
fig, axes = plt.subplots(2, 2, figsize=(6.1, 8.0))
for ax in axes.ravel():
    ax.set_xlabel(f"{embedding_2d} 1")
    ax.set_ylabel(f"{embedding_2d} 2")
style.plot_labelled_scatter(coords_pre, truth, ax=axes[0, 0], point_size=8.0, title="pretrained Z: annotated type")
style.plot_labelled_scatter(coords_pre, clu.initial_labels, ax=axes[0, 1], point_size=8.0, title="pretrained Z: initial k-means")
style.plot_labelled_scatter(coords_fin, truth, ax=axes[1, 0], point_size=8.0, title="final Z: annotated type")
style.plot_labelled_scatter(coords_fin, clu.labels, ax=axes[1, 1], point_size=8.0, title="final Z: scDMAC clusters")
fig.tight_layout()
page.show_figure(fig, NAME, f"The pretrained and the final embedding in 2-D ({embedding_2d}), coloured "
                 "by annotated type and by cluster.")
scores = summaries.label_scores(dataset, truth, {
    "initial (k-means on pretrained Z)": (clu.initial_labels, res.pretrained_embedding),
    "final (after fine-tune)": (clu.labels, clu.embedding)}, requested=k)
(ari_initial, ari_final), (sil_initial, sil_final) = scores["ari"], scores["silhouette"]
page.show_takeaway(tk.fine_tune(ari_initial, ari_final, sil_initial, sil_final)
                   + f" (Profile {pg.profile.name}, seed {seed}, one run.)")

# %% [markdown]
# ## Initial vs final labels

# %% tags=["hide-input"]
page.show_table(scores, "Initial and final labels scored against the annotated types.",
                csv=page.save_table(scores, NAME))
page.show_takeaway(tk.labels_moved(metrics.ari(clu.initial_labels, clu.labels), int(scores["non-empty clusters"].iloc[1]), k))

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(max(4, 0.5 * k + 2), 3.2))
plots_stages.plot_cluster_sizes(clu.initial_labels, clu.labels, k, ax=ax)
page.show_figure(fig, f"{NAME}_sizes", "Cluster sizes of the initial k-means labels and of the final labels.")
page.show_takeaway(tk.cluster_sizes(summaries.cells_per_cluster(clu.initial_labels, k),
                                    summaries.cells_per_cluster(clu.labels, k), k))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, res.device))
