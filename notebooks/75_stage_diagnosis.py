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
# # Stage by stage: where scDMAC gains and where it loses
#
# scDMAC passes each dataset through three trained stages. To see which one adds cluster structure
# and which one loses it, every scDMAC run also clusters each stage's output the same way, with
# k-means at the run's k and seed: the PCA of the log-normalized input (this is the PCA + k-means
# baseline), the PCA of the denoised matrix Xz, the pretrained embedding Z, and the fine-tuned labels.
# The runs are the Table 2-3 runs of the profile (read from the cache). Two simulated datasets with
# cluster sizes spanning 50x, one of them with marker genes that carry a fifth of their type's counts,
# test the two failure modes seen on real data; and one fit is opened up to show why a stage loses.

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
datasets = None  # list of dataset names overriding the profile's (None: the profile's)
seeds = None  # list of seeds overriding the profile's (None: the profile's)
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import Markdown, display

from scdmac_lib.book import page, style, tables
from scdmac_lib.data import catalogue, prefer_paper_data, simulate
from scdmac_lib.evaluation import diagnosis, stages
from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.method import denoise, devices, preprocess
from scdmac_lib.method.config import make_config
from scdmac_lib.runs import execute, page_runs
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import threads

style.set_style()
threads.set_threads(n_threads)
prof = get_profile(profile)
NAME = "75_stage_diagnosis"
DATASETS = list(datasets or prefer_paper_data(prof.datasets))  # the paper's data when present here
SEEDS = list(seeds or prof.seeds)
SIMS = list(simulate.PRESETS)
page.show_header(prof.name, device, datasets=DATASETS, seeds=SEEDS, note=f"simulations: {', '.join(SIMS)}")

# %% [markdown]
# ## The real datasets
#
# Mean ARI over seeds of k-means on each stage's output, and the change from each stage to the
# next (negative: the stage lost structure that the stage before it had).

# %% tags=["hide-input"]
run_specs = page_runs.specs_for(NAME, prof, datasets=DATASETS, seeds=SEEDS)  # the runs the workflow plans
results = [execute.run(s, device=device) for s in run_specs if s.dataset in DATASETS and s.method == "scDMAC"]
stage_cols = {k: v for r in results for k, v in r.metrics.items() if k.startswith("stage_")}
frame = pd.DataFrame([{"dataset": r.spec.dataset, "seed": r.spec.seed,
                       **{k: r.metrics.get(k, np.nan) for k in stage_cols},
                       "mask_auc": r.diagnostics.get("mask_auc", np.nan),
                       "smallest_cluster": r.diagnostics.get("smallest_cluster", np.nan),
                       "n_nonempty_clusters": r.diagnostics.get("n_nonempty_clusters", np.nan),
                       "smallest_type_recall": diagnosis.smallest_type_recall(
                           catalogue.load_dataset(r.spec.dataset).obs[catalogue.LABEL_KEY], r.labels)}
                      for r in results])
runs_csv = page.save_table(frame, f"{NAME}_runs")
table = stages.stage_table(frame, "ari")
table_csv = page.save_table(table, f"{NAME}_ari")
page.show_table(table.round(3), "Mean ARI over seeds of k-means on each stage's output, and the change from one "
                "stage to the next (negative: the stage lost structure).", csv=table_csv)

# %% tags=["hide-input"]
gains = table.set_index("dataset")[[c for c in table.columns if " - " in c]]
lines = []
for step in gains.columns:
    lost = gains.index[gains[step] < -0.02].tolist()
    won = gains.index[gains[step] > 0.02].tolist()
    lines.append(f"- **{step}**: gains more than 0.02 ARI on {', '.join(won) or 'no dataset'}; "
                 f"loses more than 0.02 on {', '.join(lost) or 'no dataset'}.")
display(Markdown("\n".join(lines)))

# %% [markdown]
# Label-free checks of the same runs (means over seeds): the mask predictor's AUC on fresh masks,
# the number of non-empty clusters and the smallest cluster; and, with the labels, the recall of the
# smallest annotated type under the best one-to-one matching of clusters to types.

# %% tags=["hide-input"]
checks = frame.groupby("dataset", sort=False)[["mask_auc", "n_nonempty_clusters", "smallest_cluster",
                                               "smallest_type_recall"]].mean()
page.show_table(checks.round(3).reset_index(), "Label-free checks and the smallest type's recall (means over "
                "seeds).", csv=runs_csv)

# %% [markdown]
# ## Simulated data: unequal types and dominant genes
#
# Four types of 1000, 300, 100 and 20 cells (ZINB counts from `scdmac_lib.simulate`); in
# `sim-dominant` every type also has three marker genes that carry 20 % of its cells' counts (and 1 %
# of every other cell's, as ambient RNA). scDMAC and PCA + k-means on the same data and seeds.

# %% tags=["hide-input"]
sim_specs = [s for s in run_specs if s.dataset in SIMS]
sim_rows = []
for spec in sim_specs:
    res = execute.run(spec, device=device)
    truth = catalogue.load_dataset(spec.dataset).obs[catalogue.LABEL_KEY]
    sim_rows.append({"dataset": spec.dataset, "method": spec.method, "seed": spec.seed, "ari": res.metrics["ari"],
                     **{k: v for k, v in res.metrics.items() if k.startswith("stage_") and k.endswith("_ari")},
                     "smallest_type_recall": diagnosis.smallest_type_recall(truth, res.labels),
                     "n_nonempty_clusters": res.metrics["n_clusters_found"]})
sims = pd.DataFrame(sim_rows)
sims_csv = page.save_table(sims, f"{NAME}_simulations")
sims_mean = sims.groupby(["dataset", "method"], sort=False).mean(numeric_only=True).drop(columns="seed")
page.show_table(tables.text_table(sims_mean.drop(columns="stage_final_ari", errors="ignore").reset_index()  # final = ari
                                  .rename(columns=lambda c: c.removeprefix("stage_"))),
                "Simulated data: ARI, the stage scores of scDMAC, the recall of the "
                "20-cell type and the clusters found (means over seeds).", csv=sims_csv)

# %% [markdown]
# ## Why a stage loses: one fit opened up
#
# The dataset where the denoised matrix loses the most against the log input (from the table above)
# is refitted here with the library's default likelihood and with the other one (ZINB or NB). For
# each annotated type and its five strongest marker genes: the observed contrast (log2 of mean
# expression inside / outside the type), the contrast the fitted mean keeps, and the fitted dropout
# probability pi outside and inside the type. A zero-inflation head that explains a type's absent
# markers by dropout leaves the mean smooth across types, and k-means on the denoised matrix then
# loses the type.

# %% tags=["hide-input"]
worst = table.set_index("dataset")
step = "denoised_pca - log_pca"
focus = worst[step].idxmin() if step in worst.columns and worst[step].notna().any() else DATASETS[0]
adata = catalogue.load_dataset(focus)
truth = adata.obs[catalogue.LABEL_KEY].to_numpy()
k = catalogue.n_types(adata)
base = make_config(k, seed=SEEDS[0], device=device, **prof.config_overrides())
other = "nb" if base.zinb.likelihood == "zinb" else "zinb"
dev = devices.resolve_device(device)
prep = preprocess.preprocess(adata.X, base.preprocess, seed=base.seed)
contrasts, scores = [], []
stage_labels = {"log input": stages.pca_kmeans_labels(prep.lognorm, k, seed=base.seed, n_init=base.cluster.n_init)}
stage_matrices = {"log input": prep.lognorm}
for likelihood in (base.zinb.likelihood, other):
    cfg = make_config(k, seed=SEEDS[0], device=device, **{**prof.config_overrides(), "zinb.likelihood": likelihood})
    torch.manual_seed(cfg.seed)
    den = denoise.denoise(prep, cfg, device=dev, keep_parameters=True)
    mean_scale = den.mean / prep.size_factors[:, None]
    dropout = den.dropout if likelihood == "zinb" else None
    contrasts.append(diagnosis.marker_contrast(prep.lognorm, truth, mean_scale, dropout).assign(likelihood=likelihood))
    labels = stages.pca_kmeans_labels(den.denoised, k, seed=cfg.seed, n_init=cfg.cluster.n_init)
    stage_labels[f"Xz ({likelihood})"] = labels
    stage_matrices[f"Xz ({likelihood})"] = den.denoised
    scores.append({"likelihood": likelihood, "ARI of PCA + k-means on Xz": ari(truth, labels),
                   "mean fitted pi": float(den.dropout.mean())})
contrast = pd.concat(contrasts, ignore_index=True)
contrast_csv = page.save_table(contrast, f"{NAME}_contrast")
display(Markdown(f"Dataset: **{focus}** (seed {SEEDS[0]}, the profile's budgets)."))
page.show_table(pd.DataFrame(scores).round(3), f"{focus}: PCA + k-means on the denoised matrix under each likelihood, "
                "and the mean fitted dropout probability.")
wide = contrast.groupby("type")[["n_cells", "observed_log2_ratio"]].first()
for likelihood, g in contrast.groupby("likelihood", sort=False):
    g = g.set_index("type")
    wide[f"kept by the {likelihood} mean"] = g["fitted_log2_ratio"]
    if "dropout_outside" in g and g["dropout_outside"].notna().any():
        wide[f"pi outside ({likelihood})"] = g["dropout_outside"]
        wide[f"pi inside ({likelihood})"] = g["dropout_inside"]
page.show_table(wide.sort_values("n_cells", ascending=False).round(2).reset_index(),
                f"{focus}: marker contrast observed and kept by each fitted mean, and the fitted dropout "
                "probability of the markers outside and inside their type.", csv=contrast_csv)

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(5, 4))
for likelihood, g in contrast.groupby("likelihood", sort=False):
    ax.scatter(g["observed_log2_ratio"], g["fitted_log2_ratio"], label=likelihood, s=25, alpha=0.8)
lim = [0, max(contrast["observed_log2_ratio"].max(), contrast["fitted_log2_ratio"].max()) * 1.05]
ax.plot(lim, lim, color="grey", lw=0.8)
ax.set_xlabel("observed marker contrast (log2 in / out)")
ax.set_ylabel("contrast kept by the fitted mean")
ax.set_title(f"{focus}: one point per type")
ax.legend(title="likelihood", fontsize=8)
fig.tight_layout()
page.show_figure(fig, f"{NAME}_contrast", f"{focus}: the marker contrast each fitted mean keeps against the observed "
                 "one, one point per annotated type; points below the diagonal lost contrast.")

# %% [markdown]
# ### Are the largest types cut along a batch?
#
# A denoiser removes the noise that is independent from gene to gene and keeps everything coherent,
# batch and donor differences included; with the noise gone, such differences can become the largest
# structure inside a type, and k-means then spends clusters on cutting big types by batch. Where the
# dataset records a donor or batch per cell, this shows for its three largest types how many
# clusters hold each one, and how closely that cut follows the batch (ARI within the type). Beside
# it, a local check that needs no partition: the share of each cell's 15 nearest neighbours (in the
# PCA of each matrix) that are of its own type. A matrix whose types are still tight neighbourhoods
# but whose k-means cuts them by batch has lost nothing locally; what changed is the largest
# structure, which k-means follows.

# %% tags=["hide-input"]
batch_key = next((c for c in ("donor", "batch") if c in adata.obs), None)
if batch_key is None:
    display(Markdown(f"{focus} records no donor or batch per cell, so this check does not apply."))
else:
    purity = pd.DataFrame([{"matrix": name, "kNN type purity": diagnosis.knn_type_purity(x, truth, seed=base.seed),
                            "ARI of PCA + k-means": ari(truth, stage_labels[name])}
                           for name, x in stage_matrices.items()])
    page.show_table(purity.round(3), f"{focus}: the share of each cell's 15 nearest neighbours of its own type, "
                    "and the ARI of k-means, on each matrix.")
    cuts = pd.concat([diagnosis.split_by_batch(lab, truth, adata.obs[batch_key]).assign(clustering=name)
                      for name, lab in stage_labels.items()], ignore_index=True)
    cuts_csv = page.save_table(cuts, f"{NAME}_batch_cuts")
    page.show_table(cuts.round(3), f"{focus}: how k-means on each matrix cuts the three largest types, and how "
                    f"closely the cut follows `obs['{batch_key}']` ({adata.obs[batch_key].nunique()} values).",
                    csv=cuts_csv)

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
