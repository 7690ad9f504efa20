"""The ``scdmac`` command: cluster a file, manage datasets, run specs.

``scdmac cluster IN.h5ad --n-clusters K|auto -o OUT.h5ad [--layer NAME | --use-raw] [--key-added KEY]``,
``scdmac data list|fetch|verify [NAME...]``, ``scdmac data fetch --paper`` (the paper's six datasets,
resumable, with progress bars),
``scdmac run --dataset D --method M --seed S [--set KEY=VALUE ...]`` or ``scdmac run --profile P``.
Errors print one line ``scdmac: error: ...`` and exit with status 2 (bad input) or 1 (failure).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

from scdmac_lib.checks import NotCountsWarning


def _parse_value(text: str):
    """``KEY=VALUE`` values are read as JSON when they parse (numbers, booleans, lists), else as text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            msg = f"--set takes KEY=VALUE, got {pair!r}."
            raise ValueError(msg)
        out[key.strip()] = _parse_value(value.strip())
    return out


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
    import os

    from scdmac_lib import data
    from scdmac_lib.adata_io import check_key_free, counts_matrix, result_keys
    from scdmac_lib._utils import set_threads
    from scdmac_lib.checks import check_n_clusters
    from scdmac_lib.config import make_config
    from scdmac_lib.metrics import score
    from scdmac_lib.model import scdmac

    out = Path(args.output)
    overrides = _overrides(args.set)
    make_config(2, variant=args.variant, **overrides)  # unknown keys fail before the file is read
    set_threads(args.threads)  # the whole command, scoring included; a config's n_threads wins in training
    _check_output(out)
    _check_input(Path(args.input))
    with warnings.catch_warnings():  # X may be log values beside counts: the chosen matrix is checked below
        warnings.simplefilter("ignore", NotCountsWarning)
        adata = data.read_h5ad(Path(args.input), label_key=args.label_key)  # checks labels, names, the file
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
    tmp = out.with_name(f".{out.name}.partial")
    try:
        adata.write_h5ad(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    sys.stdout.write(f"wrote {out}: obs['{keys['obs']}'], obsm['{keys['obsm']}'], uns['{keys['uns']}'] "
                     f"(k = {record['n_clusters']['n_clusters']}, clustered {record['matrix']})\n")
    return 0


def cmd_data(args) -> int:
    from scdmac_lib import data

    listed = data.list_datasets()
    if args.action == "list":
        columns = ["name", "stands_for", "role", "available", "n_cells", "n_genes", "n_types", "accession"]
        frame = listed[columns].assign(here=[data.present(n) for n in listed["name"]])
        sys.stdout.write(frame.to_string(index=False) + "\n")
        sys.stdout.write("(sources, checksums and notes: data_manifest.csv; here = on this machine)\n")
        return 0
    if args.paper:
        if args.action != "fetch" or args.names:
            msg = "--paper goes with 'scdmac data fetch' and no dataset names."
            raise ValueError(msg)
        status = data.fetch_paper(progress=not args.quiet)
        sys.stdout.write(status.to_string(index=False) + "\n")
        missing = status.loc[status["used"] == "", "dataset"].tolist()
        if missing:
            sys.stderr.write(f"scdmac: failed: no source of {', '.join(missing)} could be fetched "
                             "(see 'problems'); rerun to resume interrupted downloads.\n")
            return 1
        return 0
    own = listed["role"].isin(["stand-in", "extra"]) & listed["available"]
    names = args.names or listed.loc[own, "name"].tolist()
    for name in names:
        files = data.fetch(name, progress=not args.quiet)
        if args.action == "fetch":
            adata = data.load(name)
            check = adata.uns.get("table1_check", {}).get("differences")
            note = f"; differs from Table 1: {check}" if check else ""
            sys.stdout.write(f"{name}: {adata.n_obs} cells x {adata.n_vars} genes "
                             f"({adata.uns['value_kind']}){note}\n")
        else:
            sys.stdout.write(f"{name}: {len(files)} file(s) verified\n")
    return 0


def cmd_run(args) -> int:
    from scdmac_lib import experiments as ex
    from scdmac_lib._utils import set_threads
    from scdmac_lib.baselines import METHODS
    from scdmac_lib.profiles import get_profile

    set_threads(args.threads)  # a spec that pins n_threads keeps its own
    overrides = _overrides(args.set)
    if args.profile:
        profile = get_profile(args.profile)
        methods = args.method or list(METHODS)
        specs = ex.profile_specs(profile, methods, datasets=args.dataset or None, overrides=overrides)
    else:
        if not args.dataset or not args.method:
            msg = "scdmac run needs --dataset and --method (or --profile)."
            raise ValueError(msg)
        specs = [ex.make_spec(d, m, s, overrides) for d in args.dataset for m in args.method for s in args.seed]
    results = Path(args.results) if args.results else None
    frame = ex.run_many(specs, device=args.device, progress=not args.quiet, results=results)
    cols = ["dataset", "method", "seed", "ari", "nmi", "acc", "silhouette", "wall_s"]
    sys.stdout.write(frame[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}") + "\n")
    return 0


def _threads_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="CPU threads (default: $SCDMAC_THREADS, else the cores this process may use; "
                             "never more than those; a config's n_threads wins)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scdmac", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress messages")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("cluster", help="cluster an .h5ad file of raw counts")
    p.add_argument("input", help="input .h5ad (raw counts in X, in a layer, or in .raw)")
    p.add_argument("-k", "--n-clusters", type=_n_clusters, required=True,
                   help="number of clusters (>= 2), or 'auto': estimate it (Leiden on the kNN graph) first")
    p.add_argument("-o", "--output", required=True, help="output .h5ad (everything of the input, plus the results)")
    counts = p.add_mutually_exclusive_group()
    counts.add_argument("--layer", default=None, metavar="NAME", help="cluster layers[NAME] (raw counts) instead of X")
    counts.add_argument("--use-raw", action="store_true", help="cluster .raw.X (raw counts) instead of X")
    p.add_argument("--variant", default="scDMAC", choices=["scDMAC", "scDMAC-Z", "scDMAC-W", "scDMAC-P"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--label-key", default=None, help="obs column with known labels: print ARI/NMI")
    p.add_argument("--key-added", default="scdmac",
                   help="results go to obs['KEY_cluster'], obsm['X_KEY'], uns['KEY'] (default scdmac)")
    p.add_argument("--overwrite", action="store_true", help="replace earlier results stored under --key-added")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    _threads_option(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("data", help="list, fetch or verify the manifest's datasets")
    p.add_argument("action", choices=["list", "fetch", "verify"])
    p.add_argument("names", nargs="*", help="datasets (default: the stand-ins and extras)")
    p.add_argument("--paper", action="store_true",
                   help="fetch the paper's six datasets (a fallback source when the first fails), "
                   "resumable, into the cache; report which could not be fetched")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("run", help="run (or read from the cache) one spec or a profile's set")
    p.add_argument("--dataset", action="append", default=[])
    p.add_argument("--method", action="append", default=[])
    p.add_argument("--seed", action="append", type=int, default=None)
    p.add_argument("--profile", default=None, help="run every method on the profile's datasets and seeds")
    p.add_argument("--device", default="auto")
    p.add_argument("--results", default=None, help="results folder (default: $SCDMAC_RESULTS or <repo>/results)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    _threads_option(p)
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_run)
    return parser


def _message(err: BaseException) -> str:
    # str(KeyError("x")) is "'x'": show the message itself
    return str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)


_SHOWN: set[str] = set()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    """One line per distinct warning (the input is checked by the command and again by the stages)."""
    name = "" if issubclass(category, NotCountsWarning) else f"{category.__name__}: "
    text = f"scdmac: warning: {name}{message}"
    if text not in _SHOWN:
        _SHOWN.add(text)
        sys.stderr.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``scdmac`` command; returns the exit status.

    Exit status 0 on success, 2 for bad input (``scdmac: error: ...``), 1 for a failure while running
    (``scdmac: failed: ...``, for example a non-finite training loss), 130 when interrupted. Warnings
    are printed as ``scdmac: warning: ...`` on standard error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "seed", 0) is None:
        args.seed = [0]
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with warnings.catch_warnings():
        warnings.simplefilter("always", NotCountsWarning)
        _SHOWN.clear()
        warnings.showwarning = _show_warning
        try:
            return args.func(args)
        except (ValueError, TypeError, FileNotFoundError, KeyError) as err:
            sys.stderr.write(f"scdmac: error: {_message(err)}\n")
            return 2
        except (FloatingPointError, MemoryError, RuntimeError, ImportError, OSError) as err:
            sys.stderr.write(f"scdmac: failed: {err}\n")
            return 1
        except KeyboardInterrupt:
            sys.stderr.write("scdmac: interrupted: no partial result was kept; rerun to redo the missing work.\n")
            return 130


if __name__ == "__main__":
    sys.exit(main())
