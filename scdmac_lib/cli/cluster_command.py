"""``scdmac cluster``: cluster an ``.h5ad`` file of raw counts and write the results beside its contents."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from scdmac_lib.api.cluster import scdmac
from scdmac_lib.api.matrices import check_key_free, counts_matrix, result_keys
from scdmac_lib.data.canonical import read_h5ad
from scdmac_lib.evaluation.metrics import score
from scdmac_lib.method.checks import NotCountsWarning, check_n_clusters
from scdmac_lib.method.config import VARIANTS, make_config
from scdmac_lib.runtime.files import atomic_path
from scdmac_lib.runtime.options import parse_assignments
from scdmac_lib.runtime.threads import set_threads


def _check_output(path: Path) -> None:
    """Refuse an output that cannot be written, before any training starts."""
    if path.suffix != ".h5ad":
        msg = f"the output must be an .h5ad file, got {str(path)!r}."
        raise ValueError(msg)
    if path.is_dir():
        msg = f"the output {path} is a folder: give a file name ending in .h5ad."
        raise ValueError(msg)
    folder = path.resolve().parent
    if not folder.is_dir():
        msg = f"output folder {folder} does not exist: create it first."
        raise ValueError(msg)
    probe = folder / f".scdmac-write-test-{path.name}"
    try:
        probe.touch()
        probe.unlink()
    except OSError as err:
        msg = f"cannot write to output folder {folder}: {err.strerror}."
        raise ValueError(msg) from None


def _check_input(path: Path) -> None:
    """The command reads .h5ad files only (the rest is checked by :func:`scdmac_lib.data.read_h5ad`)."""
    if path.suffix != ".h5ad" and not path.is_dir():
        msg = (f"the input {path} is not an .h5ad file: convert it first, for example "
               "anndata.read_csv(path).write_h5ad('counts.h5ad') (cells as rows).")
        raise ValueError(msg)


def _n_clusters(text: str) -> int | str:
    """``--n-clusters``: an integer, or ``auto`` to estimate k."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        msg = f"--n-clusters takes an integer or 'auto', got {text!r}."
        raise argparse.ArgumentTypeError(msg) from None


def cmd_cluster(args) -> int:
    out = Path(args.output)
    overrides = parse_assignments(args.set)
    make_config(2, variant=args.variant, **overrides)  # unknown keys fail before the file is read
    set_threads(args.threads)  # the whole command, scoring included; a config's n_threads wins in training
    _check_output(out)
    _check_input(Path(args.input))
    with warnings.catch_warnings():  # X may be log values beside counts: the chosen matrix is checked below
        warnings.simplefilter("ignore", NotCountsWarning)
        adata = read_h5ad(Path(args.input), label_key=args.label_key)  # checks labels, names, the file
    if not args.overwrite:
        check_key_free(adata, args.key_added)
    counts_matrix(adata, layer=args.layer, use_raw=args.use_raw)  # refuses log values when counts are at hand
    if args.n_clusters != "auto":
        check_n_clusters(args.n_clusters, adata.n_obs)
    scdmac(adata, args.n_clusters, variant=args.variant, seed=args.seed, device=args.device, layer=args.layer,
           use_raw=args.use_raw, key_added=args.key_added, overwrite=args.overwrite, progress=not args.quiet,
           **overrides)
    keys = result_keys(args.key_added)
    record = adata.uns[keys["uns"]]
    if record["n_clusters"]["source"] == "estimated":
        sys.stdout.write(f"{record['n_clusters']['description']}\n")
    if args.label_key:
        metrics = score(adata.obs[args.label_key].to_numpy(), adata.obs[keys["obs"]].to_numpy(),
                        adata.obsm[keys["obsm"]])
        record["metrics"] = metrics
        sys.stdout.write(json.dumps(metrics) + "\n")
    with atomic_path(out) as tmp:
        adata.write_h5ad(tmp)
    sys.stdout.write(f"wrote {out}: obs['{keys['obs']}'], obsm['{keys['obsm']}'], uns['{keys['uns']}'] "
                     f"(k = {record['n_clusters']['n_clusters']}, clustered {record['matrix']})\n")
    return 0


def add_parser(sub, threads_option) -> None:
    """Register ``scdmac cluster``."""
    p = sub.add_parser("cluster", help="cluster an .h5ad file of raw counts")
    p.add_argument("input", help="input .h5ad (raw counts in X, in a layer, or in .raw)")
    p.add_argument("-k", "--n-clusters", type=_n_clusters, required=True,
                   help="number of clusters (>= 2), or 'auto': estimate it (Leiden on the kNN graph) first")
    p.add_argument("-o", "--output", required=True, help="output .h5ad (everything of the input, plus the results)")
    counts = p.add_mutually_exclusive_group()
    counts.add_argument("--layer", default=None, metavar="NAME", help="cluster layers[NAME] (raw counts) instead of X")
    counts.add_argument("--use-raw", action="store_true", help="cluster .raw.X (raw counts) instead of X")
    p.add_argument("--variant", default="scDMAC", choices=list(VARIANTS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--label-key", default=None, help="obs column with known labels: print ARI/NMI")
    p.add_argument("--key-added", default="scdmac",
                   help="results go to obs['KEY_cluster'], obsm['X_KEY'], uns['KEY'] (default scdmac)")
    p.add_argument("--overwrite", action="store_true", help="replace earlier results stored under --key-added")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    threads_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_cluster)
