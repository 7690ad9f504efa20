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
# How to cluster your own count matrix with scDMAC, from Python (`scdmac_lib.model.scdmac`) or from
# the shell (`scdmac cluster IN.h5ad -k K -o OUT.h5ad`), what to look at afterwards when you have no
# labels, and what the tool answers when the input is wrong. The demonstration runs live on a small
# simulated AnnData written to a temporary folder; the table of bad inputs at the end is produced by
# running every case of `scdmac_lib.bad_input` through the real command, not typed in.

# %% tags=["parameters"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
demo_cells, demo_genes, demo_types = 300, 200, 4  # the simulated dataset of the demonstration
demo_max_steps = 150  # cap on each stage's training steps in the demonstration (the page stays fast)

# %%
import subprocess
import sys
import tempfile
from pathlib import Path

import anndata as ad
import pandas as pd
from IPython.display import Markdown, display

from scdmac_lib import bad_input, pl_stages
from scdmac_lib.model import scdmac
from scdmac_lib.profiles import get_profile
from scdmac_lib.simulate import zinb_clusters

threads = pl_stages.limit_threads(n_threads)
prof = get_profile(profile)
NAME = "80_own_data"
budget = {k: (min(v, demo_max_steps) if k.endswith("_steps") else v) for k, v in prof.config_overrides().items()}
budget.setdefault("zinb.train.max_steps", demo_max_steps)
budget.setdefault("mae.train.max_steps", demo_max_steps)
budget.setdefault("cluster.train.max_steps", demo_max_steps)
workdir = Path(tempfile.mkdtemp(prefix="scdmac-own-data-"))
display(Markdown(
    f"Profile: **{prof.name}**, device: **{device}**. The demonstration uses the profile's training budgets "
    f"capped at {demo_max_steps} steps per stage: `{budget}`. Work folder: a fresh temporary folder."
))

# %% [markdown]
# ## What the input must be
#
# An AnnData (`.h5ad`) with **raw counts** in `X` (cells as rows, genes as columns; dense or sparse):
# not normalized, not log-transformed, not scaled. Cell and gene names must be unique. scDMAC
# normalizes, selects highly variable genes and log-transforms on its own. You choose the number of
# clusters `k` (at least 2, at most the number of cells); labels, if you have them, are only used to
# score the result afterwards.

# %%
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

# %%
result = scdmac(adata, n_clusters=demo_types, seed=0, device=device, copy=True, **budget)
keys = pd.DataFrame([
    {"where": "obs", "key": "scdmac_cluster", "what": f"cluster of each cell ({result.obs['scdmac_cluster'].nunique()} values)"},
    {"where": "obsm", "key": "X_scdmac", "what": f"embedding Z, shape {result.obsm['X_scdmac'].shape}"},
    *({"where": "uns['scdmac']", "key": key, "what": type(value).__name__} for key, value in result.uns["scdmac"].items()),
])
display(keys)

# %% [markdown]
# ## From the shell
#
# The same run as a command. `--set KEY=VALUE` changes a config field; `--label-key` scores the result
# against a label column when you have one (ARI, NMI, accuracy, silhouette are printed and stored in
# `uns["scdmac"]["metrics"]`). The output is written under a temporary name and renamed, so an
# interrupted command never leaves a half-written file.

# %%
out_path = workdir / "my_counts_clustered.h5ad"
argv = ["cluster", str(in_path), "-k", str(demo_types), "-o", str(out_path), "--device", device, "-q",
        "--threads", str(threads),
        "--label-key", "cell_type", *[a for k, v in budget.items() for a in ("--set", f"{k}={v}")]]
proc = subprocess.run([sys.executable, "-m", "scdmac_lib.cli", *argv], capture_output=True, text=True,
                      cwd=workdir, check=False)
display(Markdown(f"`scdmac cluster {in_path.name} -k {demo_types} -o {out_path.name} --label-key cell_type "
                 f"--set ...` exited with status **{proc.returncode}** and printed:"))
print((proc.stdout.strip() or proc.stderr.strip()).replace(str(workdir) + "/", ""))
clustered = ad.read_h5ad(out_path)
display(Markdown(f"Keys in the output file: obs {list(clustered.obs.columns)}, obsm {list(clustered.obsm)}, "
                 f"uns['scdmac'] {list(clustered.uns['scdmac'])}."))

# %% [markdown]
# ## What to check when you have no labels
#
# `uns["scdmac"]["diagnostics"]` holds label-free checks of the fit:
#
# - **mask_auc**: how well the mask predictor tells masked from kept entries (0.5 = chance). Near 0.5
#   means the masked stage learned little about which values were hidden.
# - **mse_masked** vs **mse_kept**: reconstruction error on masked and on kept entries. Masked entries
#   are harder, so their error is higher; a masked error far above the kept one means the model copies
#   its input rather than learning gene-gene structure.
# - **n_nonempty_clusters**: how many of the `k` clusters received cells. Fewer than `k` means some
#   clusters collapsed: try a smaller `k` or longer training.
#
# The loss curves (`uns["scdmac"]["history"]`, one per stage) should fall and flatten; a curve still
# falling at the end means the budget was too short.

# %%
diag = clustered.uns["scdmac"]["diagnostics"]
checks = pd.DataFrame([
    {"diagnostic": "mask_auc", "value": diag.get("mask_auc", float("nan")),
     "reading": "above chance (0.5)" if diag.get("mask_auc", 0.5) > 0.55 else "near chance (0.5): little learned"},
    {"diagnostic": "mse_masked", "value": diag["mse_masked"],
     "reading": f"{diag['mse_masked'] / diag['mse_kept']:.2f} x the kept-entry error"},
    {"diagnostic": "mse_kept", "value": diag["mse_kept"], "reading": ""},
    {"diagnostic": "n_nonempty_clusters", "value": diag["n_nonempty_clusters"],
     "reading": f"of k = {demo_types} clusters asked for"},
])
display(checks)
history = clustered.uns["scdmac"]["history"]
display(pd.DataFrame([{"stage": stage, "steps": len(h["loss"]), "first loss": float(h["loss"][0]),
                       "last loss": float(h["loss"][-1])} for stage, h in history.items()]))
if "metrics" in clustered.uns["scdmac"]:
    m = clustered.uns["scdmac"]["metrics"]
    display(Markdown(f"With the simulated labels (available here only because the data are simulated): "
                     f"ARI {m['ari']:.3f}, NMI {m['nmi']:.3f}, with the demonstration's short training."))

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
# (`tests/test_bad_input.py`) runs the same catalogue.

# %%
table = bad_input.run_all(workdir / "bad_input")
table["message"] = table["message"].str.replace(str(workdir), "<tmp>", regex=False)
pl_stages.save_table(table, f"{NAME}_bad_input")
n_ok = int(table["as expected"].sum())
display(Markdown(f"{len(table)} cases; {n_ok} gave the expected exit status and message."))
with pd.option_context("display.max_colwidth", None):
    display(table[["case", "what is wrong", "exit status", "message"]].style.hide(axis="index"))

# %% [markdown]
# ## Session info

# %%
display(pl_stages.session_info(profile, device))
