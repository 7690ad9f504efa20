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
# # The ZINB denoising stage (Eq. 3-8)
#
# The first stage of scDMAC: a DCA-style autoencoder on the HVG counts with three output heads,
# mean $\mu$, dispersion $\theta$ and dropout probability $\pi$, trained on the zero-inflated negative
# binomial likelihood of the raw counts; its output is the denoised matrix [$X_z$](#term-x-z). This page
# shows its training curve, what it does to zeros, to the mean-variance relation and to single genes,
# and what the fitted $\mu$, $\theta$, $\pi$ look like, on the [profile](#term-profile)'s walk-through
# dataset. No labels are used.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
seed = 0
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["remove-input"]
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown, display

from scdmac_lib.book import glossary, page, plots_stages, summaries
from scdmac_lib.book import takeaways as tk
from scdmac_lib.data import catalogue
from scdmac_lib.method import denoise, devices, preprocess
from scdmac_lib.method.config import make_config

NAME = "20_denoise"
dataset = page.walkthrough_dataset(profile)  # the paper's data when present here
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=[dataset], seeds=[seed])

# %% tags=["hide-input"]
adata = catalogue.load_dataset(dataset)
cfg = make_config(catalogue.n_types(adata), seed=seed, device=device, **pg.profile.config_overrides())
dev = devices.resolve_device(cfg.device)
display(Markdown(glossary.link_first(f"Dataset **{catalogue.label(dataset)}**: {adata.n_obs} cells x {adata.n_vars} "
                                      "genes.", ["stand-in", "extra"])))

# %% tags=["hide-input"]
torch.manual_seed(cfg.seed)  # the network's initial weights, as fit_scdmac seeds them
prep = preprocess.preprocess(adata.X, cfg.preprocess, seed=cfg.seed)
den = denoise.denoise(prep, cfg, device=dev, keep_parameters=True)
n_steps = len(den.history["loss"])
display(Markdown(f"Trained for {n_steps} optimizer steps on {prep.counts.shape[1]} genes in {den.seconds:.1f} s. "
                 + tk.training_stop(n_steps, prep.counts.shape[0], cfg.zinb.train)))

# %% [markdown]
# ## Training curve (ZINB negative log-likelihood per entry)

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(6, 3.5))
loss_key = "zinb_nll" if "zinb_nll" in den.history else "loss"
plots_stages.plot_loss_curves(den.history, keys=[loss_key], ax=ax, title="ZINB autoencoder")
page.show_figure(fig, f"{NAME}_loss", "ZINB negative log-likelihood per entry over the denoiser's training steps.")
page.show_takeaway(tk.loss_trend(den.history[loss_key], "ZINB negative log-likelihood per entry"))

# %% [markdown]
# ## Zeros before and after
#
# The denoised mean $\mu$ is never exactly zero, so "zeros after denoising" is read two ways: the
# entries whose mean rounds to zero ($\mu < 0.5$), and the fitted model's probability of a zero,
# $\pi + (1-\pi)(\theta/(\theta+\mu))^\theta$, which should match the observed zeros if the model fits.

# %% tags=["hide-input"]
zeros = summaries.zero_fraction_summary(prep.counts, den.mean, den.dispersion, den.dropout)
page.show_table(zeros, "Fraction of zero entries: raw counts, and the denoised model read two ways.",
                csv=page.save_table(zeros, NAME))
fig, axes = plt.subplots(2, 1, figsize=(5.0, 6.8))
plots_stages.plot_bars(dict(zip(zeros["quantity"], zeros["fraction"], strict=True)), ax=axes[0],
                    ylabel="fraction of entries", title="zeros: raw vs denoised",
                    colors=[plots_stages.RAW_COLOR, plots_stages.HVG_COLOR, plots_stages.DENOISED_COLOR, "#e6b0aa"],
                    rotation=25)
axes[0].tick_params(axis="x", labelsize=7)
plots_stages.plot_zero_calibration(prep.counts, den.mean, den.dispersion, den.dropout, ax=axes[1])
fig.tight_layout()
page.show_figure(fig, f"{NAME}_zeros", "Zeros before and after denoising (left) and the model's zero "
                 "probability against the observed zero fraction of each gene (right).")
observed, rounded, predicted, mean_pi = zeros["fraction"]  # the rows of summaries.zero_fraction_summary, in order
page.show_takeaway(tk.zero_fit(observed, predicted, mean_pi, rounded, float(np.median(den.dispersion))))

# %% [markdown]
# ## Mean-variance relation, raw vs denoised
#
# Both matrices on the same scale: each cell's HVG values normalized to the same total and log1p
# transformed. Denoising should shrink the technical variance of lowly expressed genes.

# %% tags=["hide-input"]
raw_log = summaries.lognormalize(prep.counts, cfg.preprocess.target_sum)
fig, axes = plt.subplots(1, 2, figsize=(6.1, 3.2), sharex=True, sharey=True)
m_raw, v_raw = summaries.gene_mean_variance(raw_log)
m_den, v_den = summaries.gene_mean_variance(den.denoised)
plots_stages.plot_mean_variance(m_raw, v_raw, ax=axes[0], title="raw (log1p normalized)", poisson_line=False)
plots_stages.plot_mean_variance(m_den, v_den, ax=axes[1], color=plots_stages.DENOISED_COLOR,
                             title="denoised (log1p normalized mu)", poisson_line=False)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_mean_variance", "Gene mean against variance on the log1p-normalized "
                 "scale, raw counts (left) and the denoised mean (right).")
page.show_takeaway(tk.variance_change(float(np.median(v_raw)), float(np.median(v_den))))

# %% [markdown]
# ## A few genes, cell by cell
#
# Genes chosen across the range of zero fractions; each point is a cell (x: raw, y: denoised, both
# log1p normalized). Points on the y-axis are raw zeros the model fills in.

# %% tags=["hide-input"]
genes = summaries.pick_genes(prep.counts, 4)
names = summaries.gene_labels(adata.var_names[prep.genes], prep.counts, genes)
fig = plots_stages.plot_gene_scatter(raw_log, den.denoised, genes, names=names)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_genes", "Four genes cell by cell: raw against denoised values "
                 "(log1p normalized); points on the y-axis are raw zeros the model fills in.")
page.show_takeaway(tk.filled_zeros(*summaries.filled_zeros(raw_log, den.denoised, genes,
                                                           adata.var_names[prep.genes][genes])))

# %% [markdown]
# ## The fitted ZINB parameters

# %% tags=["hide-input"]
fig = plots_stages.plot_zinb_parameters(den.mean, den.dispersion, den.dropout)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_parameters", "Distributions of the fitted ZINB mean, dispersion "
                 "and dropout probability over all entries.")
params = summaries.zinb_parameter_quantiles(den.mean, den.dispersion, den.dropout)
page.show_table(params, "Quantiles of the fitted ZINB parameters mu, theta and pi over all entries.",
                csv=page.save_table(params, f"{NAME}_parameters"))
median, largest = params.set_index("parameter")["50%"], params.set_index("parameter")["max"]
page.show_takeaway(tk.zinb_parameters(median["mu"], median["theta"], median["pi"], largest["pi"]))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, str(dev)))
