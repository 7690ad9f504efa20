"""The catalogue of bad inputs: what the ``scdmac`` command and the Python API say about each.

Every :class:`Case` creates one bad input inside a given folder and returns the ``scdmac`` argument
list that feeds it in; it records the exit status and a regular expression of the one-line message
the command must give. :func:`run_case` runs a case through :func:`scdmac_lib.cli.main` in this
process (or as a real ``python -m scdmac_lib.cli`` subprocess), :func:`run_all` runs the whole table.
The tests (``tests/cli/test_bad_input.py``) and the book page "Using scDMAC on your own data" are both
built from this one list, so the page shows what the code does, not what someone typed.

Layout inside the folder a case is given: inputs under ``in/``, outputs under ``out/`` and run
results under ``results/``; a failing case must leave ``out/`` and ``results/runs/`` empty.

Examples
--------
>>> [c.name for c in CASES][:3]
['missing_file', 'wrong_file_type', 'not_hdf5']
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scdmac_lib.api.cluster import scdmac
from scdmac_lib.cli import main
from scdmac_lib.data import canonical, convert, manifest
from scdmac_lib.data.simulate import zinb_clusters
from scdmac_lib.method.checks import NotCountsWarning
from scdmac_lib.runtime import paths

#: Training budgets of a few steps: every case runs in seconds.
TINY: dict[str, Any] = {
    "zinb.train.max_steps": 4, "zinb.train.min_steps": 2, "mae.train.max_steps": 4,
    "mae.train.min_steps": 2, "cluster.train.max_steps": 2, "cluster.train.min_steps": 1,
    "cluster.n_init": 1, "preprocess.n_top_genes": 50,
}


N_CELLS, N_GENES, N_TYPES = 40, 30, 3


def tiny_set_args(overrides: dict[str, Any] | None = None) -> list[str]:
    """``["--set", "KEY=VALUE", ...]`` for :data:`TINY` (plus ``overrides``)."""
    out: list[str] = []
    for key, value in {**TINY, **(overrides or {})}.items():
        out += ["--set", f"{key}={value}"]
    return out


def counts_adata(n_cells: int = N_CELLS, n_genes: int = N_GENES, n_types: int = N_TYPES):
    """A small simulated AnnData of raw counts (labels in ``obs["cell_type"]``)."""

    adata = zinb_clusters(n_cells, n_genes, n_types, seed=0)
    adata.X = adata.X.toarray()
    return adata


def _folders(workdir: Path) -> tuple[Path, Path]:
    inp, out = Path(workdir) / "in", Path(workdir) / "out"
    inp.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return inp, out


def _write(adata, workdir: Path, name: str = "in.h5ad") -> Path:
    inp, _ = _folders(workdir)
    path = inp / name
    adata.write_h5ad(path)
    return path


def _cluster_argv(path: Path | str, workdir: Path, k: int = N_TYPES, *extra: str) -> list[str]:
    out = Path(workdir) / "out" / "clustered.h5ad"
    return ["cluster", str(path), "-k", str(k), "-o", str(out), "-q", *tiny_set_args(), *extra]


def _negative():
    a = counts_adata()
    a.X[0, 0] = -3
    return a


def _nan():
    a = counts_adata()
    a.X[1, 2] = np.nan
    return a


def _inf():
    a = counts_adata()
    a.X[2, 3] = np.inf
    return a


def _non_integer():
    a = counts_adata()
    a.X = a.X * 0.5 + 0.25
    return a


def _zero_cells():
    a = counts_adata()
    a.X[:3] = 0
    return a


def _zero_genes():
    a = counts_adata()
    a.X[:, 1:] = 0  # only the first gene has counts
    a.X[:, 0] = 1
    return a


def _single_cell():
    return counts_adata()[:1].copy()


def _no_genes():
    return counts_adata()[:, :0].copy()


def _dup_cells():
    a = counts_adata()
    a.obs_names = ["cell_0", *a.obs_names[:-1]]
    return a


def _dup_genes():
    a = counts_adata()
    a.var_names = ["gene_0", *a.var_names[:-1]]
    return a


def _log_with_counts_layer():
    a = counts_adata()
    a.layers["counts"] = a.X.copy()
    a.X = np.log1p(a.X / a.X.sum(axis=1, keepdims=True) * 1e4)
    return a


def _log_with_raw():
    a = counts_adata()
    a.raw = a.copy()
    a.X = np.log1p(a.X / a.X.sum(axis=1, keepdims=True) * 1e4)
    return a


def _clustered_before():
    a = counts_adata()
    a.obs["scdmac_cluster"] = a.obs["cell_type"].astype(str)
    return a


def _matrix_case(builder: Callable[[], Any], k: int = N_TYPES, *extra: str) -> Callable[[Path], list[str]]:
    def make(workdir: Path) -> list[str]:
        return _cluster_argv(_write(builder(), workdir), workdir, k, *extra)

    return make


def _api_cluster(builder: Callable[[], Any], k: int = N_TYPES, **overrides: Any) -> Callable[[Path], Any]:
    def call(_workdir: Path):

        return scdmac(builder(), k, seed=0, device="cpu", **{**TINY, **overrides})

    return call


def _api_read(name: str = "in.h5ad", label_key: str | None = None) -> Callable[[Path], Any]:
    def call(workdir: Path):

        return canonical.read_h5ad(Path(workdir) / "in" / name, label_key=label_key)

    return call


def _api_load(name: str) -> Callable[[Path], Any]:
    def call(_workdir: Path):

        return convert.load(name)

    return call


def _missing_file(workdir: Path) -> list[str]:
    inp, _ = _folders(workdir)
    return _cluster_argv(inp / "in.h5ad", workdir)


def _wrong_file_type(workdir: Path) -> list[str]:
    inp, _ = _folders(workdir)
    path = inp / "in.csv"
    counts_adata().to_df().to_csv(path)
    return _cluster_argv(path, workdir)


def _not_hdf5(workdir: Path) -> list[str]:
    inp, _ = _folders(workdir)
    path = inp / "in.h5ad"
    counts_adata().to_df().to_csv(path)  # a CSV under an .h5ad name
    return _cluster_argv(path, workdir)


def _truncated(workdir: Path) -> list[str]:
    path = _write(counts_adata(), workdir)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return _cluster_argv(path, workdir)


def _checksum_env(workdir: Path) -> dict[str, str]:
    return {"SCDMAC_MIRROR": str(Path(workdir) / "mirror"), "SCDMAC_CACHE": str(Path(workdir) / "cache")}


CHECKSUM_DATASET = "pbmc10x"


def _checksum(workdir: Path) -> list[str]:
    """A mirror whose copy of the dataset's raw file has one byte changed."""

    _folders(workdir)
    mirror = Path(workdir) / "mirror"
    mirror.mkdir(exist_ok=True)
    (Path(workdir) / "cache").mkdir(exist_ok=True)
    row = manifest.list_datasets().set_index("name").loc[CHECKSUM_DATASET]
    source = paths.mirror_dir()
    filename = str(row["filename"]).split(";")[0].strip()
    original = (source / filename).read_bytes() if source and (source / filename).exists() else b"\0" * 4096
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0xFF
    (mirror / filename).write_bytes(bytes(damaged))
    return ["data", "verify", CHECKSUM_DATASET]


def _unknown_dataset(workdir: Path) -> list[str]:
    _folders(workdir)
    return ["run", "--dataset", "no_such_dataset", "--method", "scDMAC", "--results",
            str(Path(workdir) / "results"), "-q", *tiny_set_args()]


def _unknown_config_key(workdir: Path) -> list[str]:
    return _cluster_argv(_write(counts_adata(), workdir), workdir, N_TYPES, "--set", "mae.mask_ration=0.2")


def _bad_set_syntax(workdir: Path) -> list[str]:
    return _cluster_argv(_write(counts_adata(), workdir), workdir, N_TYPES, "--set", "mae.mask_ratio")


def _missing_label(workdir: Path) -> list[str]:
    return _cluster_argv(_write(counts_adata(), workdir), workdir, N_TYPES, "--label-key", "celltype")


def _unwritable_folder() -> Path:
    """A folder this process cannot write to: a read-only folder, or ``/sys`` for root on Linux."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/sys")
    return Path("readonly")  # relative: created under the work folder by the case


def _unwritable_output(workdir: Path) -> list[str]:
    path = _write(counts_adata(), workdir)
    folder = _unwritable_folder()
    if not folder.is_absolute():
        folder = Path(workdir) / folder
        folder.mkdir(exist_ok=True)
        folder.chmod(0o555)
    return ["cluster", str(path), "-k", str(N_TYPES), "-o", str(folder / "clustered.h5ad"), "-q", *tiny_set_args()]


def _missing_output_folder(workdir: Path) -> list[str]:
    path = _write(counts_adata(), workdir)
    out = Path(workdir) / "out" / "no_such_folder" / "clustered.h5ad"
    return ["cluster", str(path), "-k", str(N_TYPES), "-o", str(out), "-q", *tiny_set_args()]


def _diverging(workdir: Path) -> list[str]:
    return _cluster_argv(_write(counts_adata(), workdir), workdir, N_TYPES, "--set", "zinb.train.lr=1e30")


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, what the command must answer, and the same through the API.

    ``make(workdir)`` writes the input and returns the ``scdmac`` argv. ``message`` is a regular
    expression of the message; the command must print it on standard error as one line
    ``scdmac: error: MESSAGE`` (exit 2), ``scdmac: failed: MESSAGE`` (exit 1) or, for a warning
    that lets the run go on, ``scdmac: warning: MESSAGE`` (exit 0). ``api(workdir)``
    (run after ``make``) feeds the same input to the Python API, which must raise ``api_error``
    (or, for a warning, emit it) with a message matching ``api_message`` (default: ``message``).
    ``env(workdir)`` gives environment variables the case needs: such a case runs as a subprocess.
    """

    name: str
    description: str
    make: Callable[[Path], list[str]]
    exit_status: int
    message: str
    api: Callable[[Path], Any] | None = None
    api_error: type[BaseException] | tuple[type[BaseException], ...] = ValueError
    api_message: str | None = None
    env: Callable[[Path], dict[str, str]] | None = None

    @property
    def line(self) -> str:
        """Regular expression of the whole ``scdmac: ...`` line on standard error."""
        kind = {0: "warning", 1: "failed"}.get(self.exit_status, "error")
        return rf"^scdmac: {kind}: (?:{self.message})"

    @property
    def fails(self) -> bool:
        """Whether the command must refuse the input (write nothing)."""
        return self.exit_status != 0


def _cases() -> list[Case]:

    k = N_TYPES
    return [
        Case("missing_file", "the input file does not exist", _missing_file, 2,
             r"input file \S+in\.h5ad does not exist\.$",
             _api_read(), FileNotFoundError, r"in\.h5ad"),
        Case("wrong_file_type", "a CSV file instead of an .h5ad file", _wrong_file_type, 2,
             r".*in\.csv.*\.h5ad", _api_read("in.csv"), ValueError, r"\.h5ad"),
        Case("not_hdf5", "a text file named .h5ad (not HDF5 inside)", _not_hdf5, 2,
             r".*in\.h5ad.*(HDF5|h5ad)", _api_read(), ValueError),
        Case("truncated_h5ad", "an .h5ad file cut in half (an interrupted copy)", _truncated, 2,
             r".*in\.h5ad.*(truncated|damaged|corrupt|HDF5|read)", _api_read(), ValueError),
        Case("checksum_mismatch", f"a local copy of the {CHECKSUM_DATASET} raw file with one byte changed",
             _checksum, 2, r".*(checksum|sha256|SHA256)", None, env=_checksum_env),
        Case("negative_values", "a negative value in X (scaled or log data)", _matrix_case(_negative), 2,
             r"X holds negative values \(min -3\): scDMAC needs raw counts",
             _api_cluster(_negative)),
        Case("nan_values", "a NaN in X", _matrix_case(_nan), 2,
             r"X holds 1 NaN or infinite values: scDMAC needs raw counts\.",
             _api_cluster(_nan)),
        Case("inf_values", "an infinite value in X", _matrix_case(_inf), 2,
             r"X holds 1 NaN or infinite values: scDMAC needs raw counts\.",
             _api_cluster(_inf)),
        Case("non_integer", "non-integer values (normalized data): a warning, the run goes on",
             _matrix_case(_non_integer), 0, r"X holds non-integer values",
             _api_cluster(_non_integer), NotCountsWarning),
        Case("log_values_with_counts_layer", "log-normalized X, raw counts in layers['counts'], no --layer",
             _matrix_case(_log_with_counts_layer), 2,
             r"X does not hold raw counts .*pass layer='counts' \(command line: --layer counts\)",
             _api_cluster(_log_with_counts_layer)),
        Case("log_values_with_raw", "log-normalized X, raw counts in .raw, no --use-raw",
             _matrix_case(_log_with_raw), 2,
             r"X does not hold raw counts .*pass use_raw=True \(command line: --use-raw\)",
             _api_cluster(_log_with_raw)),
        Case("missing_layer", "--layer names a layer the file does not have",
             _matrix_case(counts_adata, k, "--layer", "counts"), 2,
             r"layers\['counts'\] does not exist \(layers: none\)\.$",
             _api_cluster(counts_adata, k, layer="counts")),
        Case("use_raw_without_raw", "--use-raw on a file with no .raw",
             _matrix_case(counts_adata, k, "--use-raw"), 2,
             r"use_raw=True, but this AnnData has no \.raw", _api_cluster(counts_adata, k, use_raw=True)),
        Case("results_already_there", "the input holds an earlier run's obs['scdmac_cluster'], no --key-added",
             _matrix_case(_clustered_before), 2,
             r"this AnnData already holds results under key_added='scdmac' \(obs\['scdmac_cluster'\]\): "
             r"pass another key_added \(command line: --key-added scdmac_2\)",
             _api_cluster(_clustered_before)),
        Case("all_zero_cells", "three cells with no counts at all", _matrix_case(_zero_cells), 2,
             r"3 cells have no counts at all: remove them first", _api_cluster(_zero_cells)),
        Case("all_zero_genes", "every gene but one has no counts", _matrix_case(_zero_genes), 2,
             r"only 1 genes have any counts: clustering needs at least two\.$",
             _api_cluster(_zero_genes)),
        Case("no_genes", "a matrix with cells but zero genes", _matrix_case(_no_genes), 2,
             r"X is empty \(shape \(40, 0\)\)", _api_cluster(_no_genes)),
        Case("single_cell", "a file with a single cell", _matrix_case(_single_cell, 2), 2,
             r"the data hold 1 cell\(s\): clustering needs at least 2 cells\.$",
             _api_cluster(_single_cell, 2)),
        Case("k_above_n_cells", f"-k larger than the number of cells ({N_CELLS})",
             _matrix_case(counts_adata, N_CELLS + 10), 2,
             rf"n_clusters={N_CELLS + 10} is larger than the number of cells \({N_CELLS}\)",
             _api_cluster(counts_adata, N_CELLS + 10)),
        Case("k_below_2", "-k 1", _matrix_case(counts_adata, 1), 2,
             r"n_clusters must be at least 2, got 1\.$", _api_cluster(counts_adata, 1)),
        Case("missing_label_column", "--label-key names a column that obs does not have",
             _missing_label, 2, r"obs\['celltype'\] is missing: scoring needs that label column",
             _api_read(label_key="celltype")),
        Case("duplicate_cell_names", "two cells share a name", _matrix_case(_dup_cells), 2,
             r"duplicate cell names \(cell_0, \.\.\.\)", _api_read()),
        Case("duplicate_gene_names", "two genes share a name", _matrix_case(_dup_genes), 2,
             r"duplicate gene names \(gene_0, \.\.\.\)", _api_read()),
        Case("unknown_dataset", "scdmac run --dataset with a name the manifest does not list",
             _unknown_dataset, 2, r".*no_such_dataset",
             _api_load("no_such_dataset"), (ValueError, KeyError)),
        Case("unknown_config_key", "--set with a misspelt config key", _unknown_config_key, 2,
             r"unknown config key 'mae\.mask_ration'; valid keys are: ",
             _api_cluster(counts_adata, k, **{"mae.mask_ration": 0.2})),
        Case("bad_set_syntax", "--set without =VALUE", _bad_set_syntax, 2,
             r"--set takes KEY=VALUE, got 'mae\.mask_ratio'\.$"),
        Case("unwritable_output_folder", "-o in a folder this user cannot write to", _unwritable_output, 2,
             r"cannot write to output folder \S+: (Permission denied|Read-only file system)\.$"),
        Case("missing_output_folder", "-o in a folder that does not exist", _missing_output_folder, 2,
             r"output folder \S+no_such_folder does not exist: create it first\.$"),
        Case("diverging_training", "a learning rate so large that the loss stops being finite",
             _diverging, 1,
             r"denoise \(ZINB AE\): the loss became (nan|inf|-inf) at step \d+ \(epoch \d+\)",
             _api_cluster(counts_adata, k, **{"zinb.train.lr": 1e30}), FloatingPointError),
    ]


CASES: list[Case] = _cases()


#: The documented input errors of the pipeline (``model.fit_scdmac`` / ``model.scdmac``) as
#: (exception type, message pattern): anything else raised on a count matrix is a bug.
ERROR_PATTERNS: list[tuple[type[BaseException], str]] = [
    (ValueError, r"is empty \(shape \(\d+, \d+\)\)"),
    (ValueError, r"holds \d+ NaN or infinite values"),
    (ValueError, r"holds negative values"),
    (ValueError, r"n_clusters must be at least 2"),
    (TypeError, r"n_clusters must be an integer"),
    (ValueError, r"n_clusters=\d+ is larger than the number of cells"),
    (ValueError, r"the data hold \d+ cell\(s\): clustering needs at least 2 cells"),
    (ValueError, r"\d+ cells have no counts at all"),
    (ValueError, r"only \d+ genes have any counts: clustering needs at least two"),
    (ValueError, r"unknown config key"),
    (ValueError, r"X does not hold raw counts .*but counts are at hand: pass "),
    (ValueError, r"layers\[.+\] does not exist"),
    (ValueError, r"use_raw=True, but this AnnData has no \.raw"),
    (ValueError, r"already holds results under key_added="),
    (ValueError, r"n_clusters must be an integer or 'auto'"),
]


def documented_error(err: BaseException) -> str | None:
    """The pattern of :data:`ERROR_PATTERNS` that ``err`` matches, or ``None`` (an undocumented error)."""
    for kind, pattern in ERROR_PATTERNS:
        if isinstance(err, kind) and re.search(pattern, str(err)):
            return pattern
    return None


def get_case(name: str) -> Case:
    """The case called ``name``."""
    for case in CASES:
        if case.name == name:
            return case
    msg = f"unknown case {name!r}; choose one of {[c.name for c in CASES]}."
    raise ValueError(msg)


def _scdmac_lines(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if line.startswith("scdmac: "))


def run_case(case: Case, workdir: Path | str, *, subprocess_run: bool = False, timeout: float = 300) -> dict:
    """Make the case's input in ``workdir`` and run ``scdmac`` on it; return what the user sees.

    Runs :func:`scdmac_lib.cli.main` in this process, capturing standard error, unless
    ``subprocess_run`` is true or the case needs environment variables: then it runs
    ``python -m scdmac_lib.cli`` in a fresh process. Returns ``dict(name, argv, exit_status,
    message)`` where ``message`` holds the ``scdmac: ...`` lines of standard error.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    argv = case.make(workdir)
    if subprocess_run or case.env is not None:
        env = {**os.environ, **(case.env(workdir) if case.env else {}), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
        proc = subprocess.run([sys.executable, "-m", "scdmac_lib.cli", *argv], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        status, stderr = proc.returncode, proc.stderr
    else:

        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse usage errors
                status = exc.code if isinstance(exc.code, int) else 1
        stderr = err.getvalue()
    return {"name": case.name, "argv": argv, "exit_status": status, "message": _scdmac_lines(stderr) or stderr.strip()}


def matches(case: Case, outcome: dict) -> bool:
    """Whether an outcome has the case's exit status and message."""
    return outcome["exit_status"] == case.exit_status and re.search(case.line, outcome["message"], re.M) is not None


def run_all(workdir: Path | str, cases: list[Case] | None = None):
    """Run every case (each in its own subfolder of ``workdir``); one row per case, as a DataFrame.

    Columns: case, what is wrong, exit status, expected exit status, message, as expected.
    """
    import pandas as pd

    rows = []
    for case in cases or CASES:
        outcome = run_case(case, Path(workdir) / case.name)
        rows.append({"case": case.name, "what is wrong": case.description, "exit status": outcome["exit_status"],
                     "expected exit status": case.exit_status, "message": outcome["message"],
                     "as expected": matches(case, outcome)})
    return pd.DataFrame(rows)
