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
# # Figures 1-3: the model diagrams
#
# Regenerates the paper's three schematic figures (Xu et al., 2026, Section 2): Fig. 1, the
# scDMAC pipeline (preprocessing, augmentation, ZINB denoising, shuffle + Bernoulli corruption,
# masked autoencoder with mask predictor, weighted soft k-means with Student-t self-training);
# Fig. 2, the ZINB denoising autoencoder with its three output heads; Fig. 3, the masked autoencoder,
# its mask predictor and its two losses. Unlike the paper's drawings these are drawn from this
# project's actual configuration (`scdmac_lib.config`) with the chosen [profile](#term-profile)'s overrides, so every
# layer size and loss weight written on a box is the one the other notebooks train with.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
n_clusters = 10  # k written on the flowchart (a config field: the paper sets it to the number of cell types)
variant = "scDMAC"  # or an ablation: "scDMAC-Z", "scDMAC-W", "scDMAC-P"

# %% tags=["remove-input"]
from IPython.display import Markdown, display

from scdmac_lib.book import diagrams, page, summaries, takeaways
from scdmac_lib.method.config import make_config

NAME = "05_model_diagrams"
pg = page.open_page(NAME, profile, device, n_threads=n_threads, note=f"variant {variant}, k = {n_clusters}")
overrides = pg.profile.config_overrides()
cfg = make_config(n_clusters, variant=variant, **overrides)

# %% tags=["hide-input"]
display(Markdown("Config overrides of the profile: "
                 + (", ".join(f"`{k} = {v}`" for k, v in overrides.items()) or "none") + "."))

# %% [markdown]
# ## Fig. 1: the pipeline
#
# Each box carries the settings of its stage. The three trained stages (denoising, masked
# autoencoder, clustering fine-tune) run one after the other; the clustering stage fine-tunes the
# masked autoencoder's encoder together with the cluster centers.

# %% tags=["hide-input"]
fig = diagrams.flowchart(cfg)
page.show_figure(fig, "fig1_flowchart", "Fig. 1: the scDMAC pipeline, each box with the settings of its stage.",
                 takeaway=takeaways.flowchart(cfg))

# %% [markdown]
# ## Fig. 2: the ZINB denoising autoencoder (Eq. 3-8)
#
# A DCA-style autoencoder on the (augmented) counts of the selected genes. The last decoder layer $D$
# feeds three heads: the mean $\mu_i = s_i \exp(D W_\mu)$, the dispersion $\theta = \exp(D W_\theta)$
# and the dropout probability $\pi = \operatorname{sigmoid}(D W_\pi)$; the loss is the ZINB negative
# log-likelihood of the raw counts.

# %% tags=["hide-input"]
fig = diagrams.zinb_diagram(cfg)
page.show_figure(fig, "fig2_zinb_autoencoder",
                 "Fig. 2: the ZINB denoising autoencoder with its mean, dispersion and dropout heads.",
                 takeaway=takeaways.zinb_diagram(cfg))

# %% [markdown]
# ## Fig. 3: the masked autoencoder and the mask predictor (Eq. 9-15)
#
# The denoised matrix [$X_z$](#term-x-z) is corrupted to $X_M = M \odot X' + (1 - M) \odot X_z$ with $X'$ the
# gene-wise shuffled matrix and $M_{ij} \sim \mathrm{Bernoulli}(p)$. The loss mixes the weighted
# reconstruction error and the mask predictor's binary cross-entropy:
#
# $$\mathcal{L} = (1 - \gamma_m)\,\mathcal{L}_{\mathrm{rec}} + \gamma_m\,\mathcal{L}_{\mathrm{mask}},$$
#
# $$\mathcal{L}_{\mathrm{rec}} = \frac{1}{nd}\sum_{ij} W_{ij}\,(X_{z,ij} - \hat X_{ij})^2,
# \qquad W_{ij} = \begin{cases}\lambda & M_{ij} = 1\\ 1 - \lambda & M_{ij} = 0.\end{cases}$$

# %% tags=["hide-input"]
fig = diagrams.mae_diagram(cfg)
page.show_figure(fig, "fig3_masked_autoencoder",
                 "Fig. 3: the masked autoencoder, its mask predictor and the decoder's inputs.",
                 takeaway=takeaways.mae_diagram(cfg))

# %% tags=["hide-input"] mystnb={"markdown_format": "myst"}
mc = cfg.mae
display(Markdown(
    f"With this configuration: masking ratio $p = {mc.mask_ratio:g}$, "
    f"$\\lambda = {mc.recon_weight:g}$, $\\gamma_m = {mc.mask_loss_weight:g}$, "
    f"latent size {mc.latent}, encoder {' → '.join(str(h) for h in mc.hidden)}."
))
settings = summaries.config_table(cfg, prefixes=("mae.", "zinb."))
page.show_table(settings, "Settings of the masked autoencoder and of the ZINB autoencoder drawn above "
                "(training budgets left out).", csv=page.save_table(settings, f"{NAME}_settings"))

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
