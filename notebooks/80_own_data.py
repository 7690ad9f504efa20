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
# # Using scDMAC on your own data
#
# How to cluster your own count matrix with scDMAC, from Python (`scdmac_lib.api.cluster.scdmac`) or from
# the shell (`scdmac cluster IN.h5ad -k K -o OUT.h5ad`), where your counts can live (`X`, a layer,
# `.raw`), what to do when you do not know the number of clusters (`-k auto`, and how far its
# estimate lands from the true number of types on the local datasets), what to look at afterwards
# when you have no labels, and what the tool answers when the input is wrong. The demonstration runs
# live on a small simulated AnnData written to a temporary folder; the k-estimate table is measured
# on the real datasets; the table of bad inputs at the end is produced by running every case of
# `scdmac_lib.bad_input` through the real command, not typed in.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
demo_cells, demo_genes, demo_types = 300, 200, 4  # the simulated dataset of the demonstration
demo_max_steps = 150  # cap on each stage's training steps in the demonstration (the page stays fast)
k_datasets = None  # datasets of the k-estimate table (None: every local dataset; the smoke profile: its own)

# %% tags=["remove-input"]
import sys
import tempfile
from pathlib import Path

import anndata as ad
from IPython.display import Markdown, display

from scdmac_lib.api.cluster import scdmac
from scdmac_lib.api.kestimate import DEFAULT_RESOLUTION
from scdmac_lib.book import commands, glossary, page, summaries
from scdmac_lib.book import takeaways as tk
from scdmac_lib.cli import bad_input
from scdmac_lib.data.simulate import zinb_clusters
from scdmac_lib.method.config import from_dict, make_config

NAME = "80_own_data"
K_DATASETS = list(k_datasets or summaries.k_estimate_datasets(profile))
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=K_DATASETS, seeds=[0],
                    note="demonstration: a simulated dataset; k estimates: the datasets listed")
budget = commands.demo_budget(pg.profile.config_overrides(), demo_max_steps)
workdir = Path(tempfile.mkdtemp(prefix="scdmac-own-data-"))

# %% tags=["hide-input"]
display(Markdown(glossary.link_first(
    f"The demonstration uses the profile's training budgets capped at {demo_max_steps} steps per stage: "
    f"`{budget}`. Work folder: a fresh temporary folder.", ["profile"])))

# %% [markdown]
# ## What the input must be
#
# An AnnData (`.h5ad`) with **raw counts** (cells as rows, genes as columns; dense or sparse): not
# normalized, not log-transformed, not scaled. Cell and gene names must be unique. scDMAC
# normalizes, selects highly variable genes and log-transforms on its own. The counts can be in `X`,
# in a layer (`--layer counts`, `layer="counts"`) or in `.raw` (`--use-raw`, `use_raw=True`): most
# analysts keep log values in `X` and raw counts beside them, and when `X` is not counts but a
# layer or `.raw` is, the command refuses and names the option to pass. You choose the number of
# clusters `k` (at least 2, at most the number of cells) or let it be estimated (`-k auto`, below);
# labels, if you have them, are only used to score the result afterwards. The output file keeps
# everything the input had (layers, `.raw`, `obsm`, `uns`, every `obs` column) and adds the results
# under `--key-added` (default `scdmac`); an earlier run's results under the same key are refused
# unless you pass `--overwrite`.

# %% tags=["hide-input"]
adata = zinb_clusters(demo_cells, demo_genes, demo_types, seed=0)
in_path = workdir / "my_counts.h5ad"
adata.write_h5ad(in_path)
display(Markdown(f"Demonstration input: a simulated AnnData of {adata.n_obs} cells x {adata.n_vars} genes with "
                 f"{adata.obs['cell_type'].nunique()} types, written to `{in_path.name}`."))
adata

# %% [markdown]
# ## From Python
#
# `scdmac(adata, n_clusters=k)` works in place (or returns a copy with `copy=True`) and writes the
# results under documented keys. Any config field can be changed with dotted keys, for example
# `**{"mae.mask_ratio": 0.2}`; an unknown key is refused.

# %% tags=["hide-input"]
result = scdmac(adata, n_clusters=demo_types, seed=0, device=device, copy=True, **budget)
page.show_table(summaries.result_keys_table(result), "Where scdmac() writes its results in the AnnData.")

# %% [markdown]
# ## From the shell
#
# The same run as a command. `--set KEY=VALUE` changes a config field; `--label-key` scores the result
# against a label column when you have one (ARI, NMI, accuracy, silhouette are printed and stored in
# `uns["scdmac"]["metrics"]`). The output is written under a temporary name and renamed, so an
# interrupted command never leaves a half-written file. Here the input keeps its counts in
# `layers["counts"]` and log values in `X`, as most analysts' files do, so the command is given
# `--layer counts`.

# %% tags=["hide-input"]
layered = commands.with_counts_layer(adata)
layered.write_h5ad(workdir / "my_log_and_counts.h5ad")
argv = ["cluster", "my_log_and_counts.h5ad", "-k", str(demo_types), "-o", "my_counts_clustered.h5ad", "--layer",
        "counts", "--device", device, "-q", "--threads", str(pg.threads), "--label-key", "cell_type",
        *commands.set_options(budget)]
done = commands.run_command([sys.executable, "-m", "scdmac_lib.cli", *argv], workdir, check=False)
display(Markdown(f"`scdmac cluster my_log_and_counts.h5ad -k {demo_types} -o my_counts_clustered.h5ad --layer counts "
                 f"--label-key cell_type --set ...` exited with status **{done.returncode}** and printed:"))
print(done.output)
out_path = workdir / "my_counts_clustered.h5ad"
clustered = ad.read_h5ad(out_path)
display(Markdown(f"Keys in the output file: layers {list(clustered.layers)}, obs {list(clustered.obs.columns)}, "
                 f"obsm {list(clustered.obsm)}, uns['scdmac'] {list(clustered.uns['scdmac'])}; clustered matrix: "
                 f"`{clustered.uns['scdmac']['matrix']}`."))

# %% [markdown]
# ## What to check when you have no labels
#
# `uns["scdmac"]["diagnostics"]` holds label-free checks of the fit:
#
# - **mask_auc** (the [mask AUC](#term-mask-auc)): how well the mask predictor tells masked from kept
#   entries (0.5 = chance). Near 0.5 means the masked stage learned little about which values were hidden.
# - **mse_masked** vs **mse_kept**: reconstruction error on masked and on kept entries. Masked entries
#   are harder, so their error is higher; a masked error far above the kept one means the model copies
#   its input rather than learning gene-gene structure.
# - **n_nonempty_clusters**: how many of the `k` clusters received cells. Fewer than `k` means some
#   clusters collapsed: try a smaller `k` or longer training.
#
# The loss curves (`uns["scdmac"]["history"]`, one per stage) should fall and flatten; a curve still
# falling at the end means the budget was too short.

# %% tags=["hide-input"]
checks = summaries.diagnostics_reading(clustered.uns["scdmac"]["diagnostics"], demo_types)
page.show_table(checks, "The label-free diagnostics of the run above, and how to read them.")
history = summaries.history_table(clustered.uns["scdmac"]["history"], n_obs=clustered.n_obs,
                                  config=from_dict(clustered.uns["scdmac"]["config"]))
page.show_table(history, "Training steps, first and last loss of each stage of the run above, and what stopped it.")
page.show_takeaway(tk.stages_stopped(dict(zip(history["stage"], history["stopped by"], strict=True))))
if "metrics" in clustered.uns["scdmac"]:
    m = clustered.uns["scdmac"]["metrics"]
    display(Markdown(f"With the simulated labels (available here only because the data are simulated): "
                     f"ARI {m['ari']:.3f}, NMI {m['nmi']:.3f}, with the demonstration's short training."))

# %% [markdown]
# ## When you do not know k: `-k auto`
#
# scDMAC needs the number of clusters. With `-k auto` (`n_clusters="auto"`) it is estimated first,
# the way the baselines of the paper do when k is not given: graph community detection at a
# default resolution (scDeepCluster runs Louvain at resolution 0.8 on its pretrained embedding;
# Seurat and scanpy run Louvain or Leiden at resolution 1 on a kNN graph). Here: Leiden at resolution
# 1 on the cosine kNN graph scDMAC's preprocessing builds, before any training, never looking at
# labels. The command prints the estimate and how it was obtained, and stores both in
# `uns[key]["n_clusters"]`. The table measures the estimate on every local dataset against the
# number of annotated types (the k the benchmark pages give every method).

# %% tags=["hide-input"]
k_table = summaries.k_estimate_table(K_DATASETS, make_config(2, **pg.profile.config_overrides()).preprocess)
k_csv = page.save_table(k_table, f"{NAME}_k_estimate")
page.show_table(k_table, f"The estimate of -k auto (Leiden, resolution {DEFAULT_RESOLUTION:g}, on the "
                "preprocessing's kNN graph) against the number of annotated types of each dataset.", csv=k_csv)
tolerance = 0.25  # "close" = within this fraction of the number of types
agreement = summaries.k_estimate_agreement(k_table, tolerance=tolerance)
page.show_takeaway((
    f"The estimate matches the number of annotated types on {agreement['exact']} of {agreement['n']} datasets and "
    f"lands within {tolerance:.0%} of it on {agreement['within']}; the median ratio estimate / types is "
    f"{agreement['median_ratio']:.2f}. Annotated types are themselves a choice of granularity, so a different k is "
    "not necessarily wrong; but treat the estimate as a starting point, look at the clusters, and set `-k` yourself "
    "when you know better."))

# %% [markdown]
# ## When the input is wrong
#
# Every case below was just run through `scdmac_lib.cli.main` (the `scdmac` command) in a fresh
# temporary folder; the checksum case runs as a separate `python -m scdmac_lib.cli` process because it
# needs its own data-cache folders. Bad input gives one line `scdmac: error: ...` and exit status 2;
# a failure while running (such as a diverging loss) gives `scdmac: failed: ...` and status 1; a
# warning lets the run go on (status 0). A refused input writes nothing: no output file, no partial
# file, no cached result. The same messages come from the Python API as `ValueError` or `TypeError`
# (`FileNotFoundError` for a missing file, `FloatingPointError` for a diverging loss). The test suite
# (`tests/cli/test_bad_input.py`) runs the same catalogue.

# %% tags=["hide-input"]
table = bad_input.run_all(workdir / "bad_input")
table["message"] = table["message"].str.replace(str(workdir), "<tmp>", regex=False)
bad_csv = page.save_table(table, f"{NAME}_bad_input")
n_ok = int(table["as expected"].sum())
display(Markdown(f"{len(table)} cases; {n_ok} gave the expected exit status and message."))
page.show_table(table[["case", "what is wrong", "exit status", "message"]],
                "Every bad input of the catalogue, run through the scdmac command: exit status and message.",
                csv=bad_csv)

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
display(page.session_info(profile, device))
