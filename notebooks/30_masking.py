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
# # The masking stage (Eq. 9-15)
#
# The second stage of scDMAC on the [profile](#term-profile)'s walk-through dataset: the denoised
# matrix [$X_z$](#term-x-z) is corrupted (each gene shuffled across cells into $X'$, a Bernoulli mask $M$
# chooses which entries take the shuffled value, giving $X_M$), and a masked autoencoder learns an
# embedding [$Z$](#term-z) from which a mask predictor recovers $M$ and a decoder reconstructs $X_z$
# with a weighted MSE. This page shows the corruption, its statistics, the training curves, two
# label-free checks of what was learned ([mask AUC](#term-mask-auc); reconstruction error on masked vs
# kept entries), and k-means on the pretrained embedding against k-means on the PCA of the same
# denoised matrix.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
seed = 0
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
n_show_cells = 15
n_show_genes = 25

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from scdmac_lib.book import glossary, page, plots_stages, summaries
from scdmac_lib.book import takeaways as tk
from scdmac_lib.data import catalogue
from scdmac_lib.method import pipeline, preprocess
from scdmac_lib.method.config import make_config

NAME = "30_masking"
dataset = page.walkthrough_dataset(profile)  # the paper's data when present here
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=[dataset], seeds=[seed])

# %% tags=["hide-input"]
adata = catalogue.load_dataset(dataset)
k = catalogue.n_types(adata)
cfg = make_config(k, seed=seed, device=device, **{**pg.profile.config_overrides(), "n_threads": pg.threads})
p = cfg.mae.mask_ratio
display(Markdown(glossary.link_first(
    f"Dataset **{catalogue.label(dataset)}**: {adata.n_obs} cells x {adata.n_vars} genes, k = {k}; masking ratio "
    f"p = {p:g}, reconstruction weight lambda = {cfg.mae.recon_weight:g}, mask-loss weight gamma_m = "
    f"{cfg.mae.mask_loss_weight:g}.", ["stand-in", "extra"])))

# %% tags=["hide-input"]
res = pipeline.fit_scdmac(adata.X, cfg)
x_in = res.model_input  # what the masked stage read
display(Markdown(f"Fitted on `{res.device}`; stage times (s): {summaries.stage_times(res.timings)}. "
                 + ("The masked stage's input is the denoised matrix, z-scored per gene." if cfg.preprocess.scale
                    else "The masked stage's input is the denoised matrix.")))

# %% [markdown]
# ## The corruption, on a block of cells x genes
#
# $M_{ij} = 1$ marks an entry replaced by the shuffled value. Where the shuffled value happens to
# equal the original (typically a zero meeting a zero in unscaled data), masking changes nothing.

# %% tags=["hide-input"]
cells, genes = summaries.sample_block(x_in.shape, n_show_cells, n_show_genes, seed=seed)
parts = summaries.corruption_parts(x_in, p, seed=seed)
blocks = {t: v[cells][:, genes] for t, v in parts.items()}
fig, axes = plt.subplots(2, 2, figsize=(6.1, 5.0), layout="constrained")
axes = axes.ravel()
plots_stages.plot_matrix_blocks({t: v for t, v in blocks.items() if not t.startswith("M")}, axes=axes[[0, 1, 3]],
                             cmap="RdBu_r", vmin=-3, vmax=3)
plots_stages.plot_matrix_blocks({"M (1 = masked)": blocks["M (1 = masked)"]}, axes=[axes[2]], cmap="Greys",
                             shared_scale=False, vmin=0, vmax=1)
page.show_figure(fig, f"{NAME}_corruption", "A block of cells x genes: the denoised input, its gene-wise "
                 "shuffle, the mask M (black = masked) and the corrupted matrix the encoder sees.")
page.show_takeaway(tk.corruption(float(blocks["M (1 = masked)"].mean()), p))

# %% [markdown]
# ## Masking statistics
#
# The realized masked fraction against the ratio p (with its spread over genes), and the fraction of
# entries the corruption actually changes.

# %% tags=["hide-input"]
ratios = sorted({*pg.profile.mask_ratios, p})
stats = summaries.masking_statistics(x_in, ratios, seed=seed)
page.show_table(stats, "Realized masked fraction, its spread over genes and the fraction of entries "
                "changed, per masking ratio.", csv=page.save_table(stats, f"{NAME}_statistics"))
fig, ax = plt.subplots(figsize=(5, 4))
plots_stages.plot_masking_statistics(stats, ax=ax)
page.show_figure(fig, f"{NAME}_statistics", "Realized masked fraction and changed fraction of entries "
                 "against the masking ratio p.")
page.show_takeaway(tk.masking_rates(stats["p"], stats["masked_fraction"], stats["changed_given_masked"]))

# %% [markdown]
# ## Training curves of the masked autoencoder
#
# The mask predictor's binary cross-entropy is drawn against the entropy of Bernoulli(p): a predictor
# that only knows the masking rate reaches exactly that value, so a curve that stays on the line has
# learned nothing about which entries were masked.

# %% tags=["hide-input"]
hist = res.history["mae"]
h_p = summaries.bernoulli_entropy(p)
fig, axes = plt.subplots(2, 1, figsize=(6.1, 5.6))
plots_stages.plot_loss_curves(hist, keys=["reconstruction"], ax=axes[0], title="weighted reconstruction MSE")
if "mask_bce" in hist:
    plots_stages.plot_loss_curves(hist, keys=["mask_bce"], ax=axes[1], title="mask predictor BCE",
                               reference={f"entropy of Bernoulli({p:g}) = {h_p:.3f}": h_p})
else:
    axes[1].set_visible(False)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_training", "Training curves of the masked autoencoder: weighted "
                 "reconstruction error (left) and the mask predictor's cross-entropy against the prior-only value (right).")
display(Markdown(f"{len(hist['loss'])} optimizer steps. "
                 + tk.training_stop(len(hist["loss"]), x_in.shape[0], cfg.mae.train)))
page.show_takeaway(tk.mask_bce(summaries.tail_mean(hist["mask_bce"], 20), h_p) if "mask_bce" in hist
                   else tk.loss_trend(hist["reconstruction"], "weighted reconstruction error"))

# %% [markdown]
# ## Label-free diagnostics of the masked stage
#
# On a fresh mask: the mask predictor's AUC (0.5 = chance) and the reconstruction error on the masked
# entries against the kept ones (from `model.mae_diagnostics`).

# %% tags=["hide-input"]
diag = res.diagnostics
fig, axes = plt.subplots(1, 2, figsize=(6.1, 3.0))
plots_stages.plot_bars({"masked entries": diag["mse_masked"], "kept entries": diag["mse_kept"]}, ax=axes[0],
                    colors=[plots_stages.DENOISED_COLOR, plots_stages.RAW_COLOR], ylabel="MSE",
                    title="reconstruction error")
plots_stages.plot_bars({"mask predictor": diag.get("mask_auc", float("nan"))}, ax=axes[1], ylabel="AUC",
                    title="mask predictor AUC", colors=[plots_stages.DENOISED_COLOR], reference=0.5,
                    reference_label="chance")
axes[1].set_ylim(0, 1.05)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_diagnostics", "Label-free diagnostics on a fresh mask: reconstruction "
                 "error on masked and kept entries (left) and the mask predictor's AUC (right).")
page.show_takeaway(tk.mae_diagnostics(diag.get("mask_auc", float("nan")), diag["mse_masked"], diag["mse_kept"]))

# %% [markdown]
# ## k-means on the pretrained embedding vs on the PCA of the denoised matrix
#
# Both clusterings are label-free (k-means with k set in the config). The ARI and NMI against the
# annotated types are shown **as a diagnostic only**: does the masked stage add information to the
# denoised matrix it starts from? The PCA of the raw log-normalized matrix is shown as a further
# reference.

# %% tags=["hide-input"]
truth = adata.obs[catalogue.LABEL_KEY].to_numpy()
comparison = summaries.representation_scores(dataset, truth, {
    "k-means on pretrained Z": summaries.kmeans_labels(res.pretrained_embedding, k, seed=seed),
    "k-means on PCA(denoised)": summaries.kmeans_labels(x_in, k, seed=seed, n_pcs=50),
    "k-means on PCA(raw log1p)": summaries.kmeans_labels(preprocess.standardize(res.preprocessed.lognorm), k,
                                                         seed=seed, n_pcs=50),
})
page.show_table(comparison, "k-means on three representations, scored against the annotated types "
                "(diagnostic only).", csv=page.save_table(comparison, NAME))
fig, ax = plt.subplots(figsize=(6, 3.6))
plots_stages.plot_bars(dict(zip(comparison["clustering"], comparison["ari (diagnostic)"], strict=True)), ax=ax,
                    colors=[plots_stages.DENOISED_COLOR, plots_stages.HVG_COLOR, plots_stages.RAW_COLOR],
                    ylabel="ARI vs annotated types", title="diagnostic: ARI of label-free k-means")
page.show_figure(fig, NAME, "ARI of label-free k-means on the pretrained embedding, the PCA of the "
                 "denoised matrix and the PCA of the raw log values (diagnostic).")
ari_z, ari_denoised, ari_raw = comparison["ari (diagnostic)"]  # the rows above, in order
page.show_takeaway(tk.representation_gain(ari_z, ari_denoised, ari_raw)
                   + f" (Profile {pg.profile.name}, seed {seed}, one run: a diagnostic, not a benchmark.)")

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, res.device))
