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

# %% tags=["parameters", "hide-input"]
profile = "quick"
device = "auto"
dataset = None  # the dataset to cluster (None: the profile's walk-through dataset)

# %% tags=["hide-input"]
import shutil
import subprocess
import sys
import tempfile
import textwrap
from importlib.metadata import version
from pathlib import Path

from IPython.display import Markdown, display

from scdmac_lib.book import page
from scdmac_lib.data import catalogue
from scdmac_lib.runs.profiles import get_profile

prof = get_profile(profile)
DATASET = dataset or prof.walkthrough_dataset
page.show_header(prof.name, device, datasets=[DATASET], seeds=[0])
workdir = Path(tempfile.mkdtemp(prefix="scdmac-quick-start-"))
source = catalogue.load_dataset(DATASET)
source.write_h5ad(workdir / f"{DATASET}.h5ad")
display(Markdown(f"The input: `{DATASET}.h5ad`, the local dataset **{DATASET}** ({source.n_obs} cells x "
                 f"{source.n_vars} genes, raw counts in `X`, annotated types in `obs['cell_type']`), written to "
                 "a fresh temporary folder where every command below runs."))


def run(argv: list[str]) -> None:
    """Run one command in the work folder and show its exit status and output (wrapped to the page)."""
    proc = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, check=False)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    shown = "\n".join(textwrap.fill(line, width=76, subsequent_indent="  ") for line in lines)
    display(Markdown(f"Exit status **{proc.returncode}**" + (":" if shown else ".")))
    if shown:
        print(shown)
    if proc.returncode != 0:
        msg = f"{argv[0]} exited with status {proc.returncode}"
        raise RuntimeError(msg)


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
budget = [a for key, value in prof.config_overrides().items() if key != "n_threads" for a in ("--set", f"{key}={value}")]
out_name = f"{DATASET}_scdmac.h5ad"
args = ["cluster", f"{DATASET}.h5ad", "-k", "auto", "-o", out_name, "--device", device, "-q", *budget]
options = args[6:len(args) - len(budget)]  # --device, -q: one line; each --set pair on its own
shown_args = " \\\n    ".join([" ".join(args[:6]), " ".join(options),
                                 *(" ".join(budget[i:i + 2]) for i in range(0, len(budget), 2))])
display(Markdown(f"```bash\nscdmac {shown_args}\n```"
                 + (f"\n\n(The `--set` options are the {prof.name} profile's training budgets, which keep the book "
                    "fast; a plain run uses the method's defaults.)" if budget else "")))
run([sys.executable, "-m", "scdmac_lib.cli", *args])

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
    fig = sc.pl.umap(adata, color=colors, return_fig=True)
    fig.savefig("umap.png", dpi=120, bbox_inches="tight")
    """)
(workdir / "umap_plot.py").write_text(script)
display(Markdown(f"```python\n{script}```"))
run([sys.executable, "umap_plot.py"])
page.show_png(workdir / "umap.png", f"UMAP of scDMAC's embedding of {DATASET}, coloured by scDMAC's clusters "
              "(left) and by the annotated cell types (right).")

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
