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
# profile, coloured once by the ground-truth cell types and once by scDMAC's clusters. The
# embeddings are those of the cached Table 2-3 runs (the profile's first seed); t-SNE is only a
# picture of the embedding, and distances between far-apart groups in it carry little meaning.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seed = None  # which run's embedding to show (None: the profile's first seed)
tsne_random_state = 0
max_cells = 5000  # t-SNE on at most this many cells (a fixed random subset beyond it)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from scdmac_lib.book import page, plots_results, projection, style
from scdmac_lib.data import catalogue, prefer_paper_data
from scdmac_lib.runs import execute, page_runs
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import threads

style.set_style()
threads.set_threads(n_threads)
prof = get_profile(profile)
NAME = "60_fig4_tsne"
DATASETS = list(datasets or prefer_paper_data(prof.datasets))  # the paper's data when present here
SEED = prof.seeds[0] if seed is None else int(seed)
page.show_header(prof.name, device, datasets=DATASETS, seeds=[SEED], note=f"t-SNE random state {tsne_random_state}")

# %% tags=["hide-input"]
run_specs = page_runs.specs_for(NAME, prof, datasets=DATASETS, seed=SEED)  # Tables 2-3 specs
panels = []
for spec in run_specs:
    res = execute.run(spec, device=device)
    truth = catalogue.load_dataset(spec.dataset).obs[catalogue.LABEL_KEY].to_numpy()
    idx = np.arange(len(truth))
    if len(idx) > max_cells:
        idx = np.sort(np.random.default_rng(tsne_random_state).choice(len(idx), max_cells, replace=False))
    xy = projection.tsne(res.embedding[idx], random_state=tsne_random_state)
    panels.append((spec.dataset, xy, truth[idx], res.labels[idx], res.metrics))
rows = [{"dataset": d, "cells shown": len(xy), "ARI": m["ari"], "NMI": m["nmi"], "silhouette": m.get("silhouette")}
        for d, xy, _, _, m in panels]
summary = pd.DataFrame(rows)
page.show_table(summary, "The runs shown: scores of scDMAC's clusters on each dataset (one seed).",
                csv=page.save_table(summary, NAME))

# %% tags=["hide-input"]
fig, axes = plt.subplots(len(panels), 2, figsize=(9.5, 4.0 * len(panels)), squeeze=False)
for (d, xy, truth, labels, m), (ax_t, ax_c) in zip(panels, axes, strict=True):
    label = catalogue.label(d)
    plots_results.plot_embedding(xy, truth, ax=ax_t, title=f"{label}: ground truth")
    plots_results.plot_embedding(xy, labels, ax=ax_c, title=f"{label}: scDMAC clusters (ARI {m['ari']:.2f})")
fig.tight_layout()
page.show_figure(fig, NAME, "Fig. 4: t-SNE of scDMAC's final embedding on each dataset, coloured by "
                 "the annotated types (left) and by scDMAC's clusters (right).")

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))

