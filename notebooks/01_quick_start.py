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
# # Quick start: from install to a UMAP of the clusters
#
# Three commands take you from a fresh checkout to a UMAP coloured by scDMAC's clusters: install,
# cluster an `.h5ad` file of raw counts (here one of the local datasets, and without telling it the
# number of clusters), and plot. This page ran exactly these commands when the book was built; their
# output is below each one.

# %% tags=["parameters", "remove-input"]
profile = "quick"
device = "auto"
n_threads = None  # CPU threads (None: $SCDMAC_THREADS, else the cores this kernel may use)
dataset = None  # the dataset to cluster (None: the profile's walk-through dataset)

# %% tags=["remove-input"]
import os
import shutil
import sys
import tempfile
import textwrap
from importlib.metadata import version
from pathlib import Path

from IPython.display import Markdown, display

import anndata as ad

from scdmac_lib.book import commands, glossary, legibility, page, summaries
from scdmac_lib.book import takeaways as tk
from scdmac_lib.data import catalogue
from scdmac_lib.evaluation import metrics

NAME = "01_quick_start"
DATASET = dataset or page.walkthrough_dataset(profile, paper_data=False)
pg = page.open_page(NAME, profile, device, n_threads=n_threads, datasets=[DATASET], seeds=[0])
workdir = Path(tempfile.mkdtemp(prefix="scdmac-quick-start-"))


def show_run(argv: list[str]) -> None:
    """Run one command in the work folder and show its exit status and output."""
    done = commands.run_command(argv, workdir)
    display(Markdown(f"Exit status **{done.returncode}**" + (":" if done.output else ".")))
    if done.output:
        print(done.output)


# %% tags=["hide-input"]
source = catalogue.load_dataset(DATASET)
source.write_h5ad(workdir / f"{DATASET}.h5ad")
display(Markdown(glossary.link_first(
    f"The input: `{DATASET}.h5ad`, the local dataset **{catalogue.label(DATASET)}** ({source.n_obs} cells x "
    f"{source.n_vars} genes, raw counts in `X`, annotated types in `obs['cell_type']`), written to a fresh "
    "temporary folder where every command below runs.", ["stand-in", "extra"])))


# %% [markdown]
# ## 1. Install
#
# In the repository (Python 3.11, Linux; `torch==2.13.0` on the same line keeps pip from pulling a
# multi-gigabyte CUDA build on a CPU machine):
#
# ```bash
# python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 -e .
# ```
#
# This page did not reinstall; it checked the installation it ran in:

# %% tags=["hide-input"]
entry = Path(sys.executable).with_name("scdmac")
display(Markdown(f"`scdmac-companion` {version('scdmac-companion')} is installed (torch {version('torch')}, "
                 f"scanpy {version('scanpy')}); the `scdmac` command "
                 + ("is installed beside the interpreter." if entry.exists() or shutil.which("scdmac")
                    else "is not on the PATH here, so the page runs it as `python -m scdmac_lib.cli`.")))

# %% [markdown]
# ## 2. Cluster
#
# `-k auto` estimates the number of clusters first (Leiden on the kNN graph scDMAC builds; see the
# own-data page for how close it lands); give `-k K` when you know it. Counts kept in a layer or in
# `.raw` are chosen with `--layer NAME` or `--use-raw`.

# %% tags=["hide-input"]
budget = {key: value for key, value in pg.profile.config_overrides().items() if key != "n_threads"}
out_name = f"{DATASET}_scdmac.h5ad"
inputs = [f"{DATASET}.h5ad", "-k", "auto", "-o", out_name]
options = ["--device", device, "-q"]
sets = commands.set_options(budget)
shown = commands.command_text("scdmac cluster", [inputs, options, *(sets[i:i + 2] for i in range(0, len(sets), 2))])
display(Markdown(f"```bash\n{shown}\n```"
                 + (glossary.link_first(f"\n\n(The `--set` options are the {pg.profile.name} profile's training "
                                        "budgets, which keep the book fast; a plain run uses the method's defaults.)",
                                        ["profile"]) if budget else "")))
show_run([sys.executable, "-m", "scdmac_lib.cli", "cluster", *inputs, *options, *sets])

# %% [markdown]
# ## 3. Plot
#
# The clustered file holds the embedding in `obsm["X_scdmac"]` and the clusters in
# `obs["scdmac_cluster"]`; scanpy draws the UMAP of the embedding (a script, run as `python umap_plot.py`):

# %% tags=["hide-input"]
script = textwrap.dedent(f"""\
    import scanpy as sc

    adata = sc.read_h5ad("{out_name}")
    sc.pp.neighbors(adata, use_rep="X_scdmac", random_state=0)
    sc.tl.umap(adata, random_state=0)
    colors = ["scdmac_cluster", "cell_type"]
    fig = sc.pl.umap(adata, color=colors, ncols=1, return_fig=True)
    fig.savefig("umap.png", dpi=120, bbox_inches="tight")
    """)
(workdir / "umap_plot.py").write_text(script)
display(Markdown(f"```python\n{script}```"))
os.environ["MPLBACKEND"] = legibility.BACKEND  # the script's PNG records its smallest text, for the book's check
show_run([sys.executable, "umap_plot.py"])
page.show_png(workdir / "umap.png", f"UMAP of scDMAC's embedding of {catalogue.label(DATASET)}, coloured by "
              "scDMAC's clusters (top) and by the annotated cell types (bottom).")
clustered = ad.read_h5ad(workdir / out_name)
found, types = clustered.obs["scdmac_cluster"], clustered.obs[catalogue.LABEL_KEY]
page.show_takeaway(tk.clusters_against_types(found.nunique(), types.nunique(), metrics.ari(types, found),
                                             summaries.majority_clusters(found, types),
                                             estimated=inputs[inputs.index("-k") + 1] == "auto"))

# %% [markdown]
# ## Next
#
# The same from Python is `scdmac_lib.api.cluster.scdmac(adata, "auto")`; what to check when you have no
# labels, and every message the command gives on bad input, are on the own-data page. The results
# of the paper's comparison are on the landing page and in the reproducibility report.

# %% [markdown]
# ## Session info

# %% tags=["hide-input"]
shutil.rmtree(workdir, ignore_errors=True)
display(page.session_info(profile, device))
