"""Checks of the canonical layout, and reading a user's own ``.h5ad`` file."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib.method import checks

if TYPE_CHECKING:
    import anndata

VALUE_KINDS = ("counts", "non-integer")


def read_h5ad(path: str | os.PathLike[str], *, label_key: str | None = None) -> anndata.AnnData:
    """Read a user's own ``.h5ad`` file and check it can be clustered.

    Parameters
    ----------
    path
        The ``.h5ad`` file.
    label_key
        A column of ``obs`` that must exist (ground-truth labels for scoring), or ``None``.

    Returns
    -------
    The AnnData, unchanged.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Not an HDF5/``.h5ad`` file or a truncated one, a missing ``label_key``, duplicate cell
        or gene names, or a matrix that cannot hold counts (empty, NaN, negative).

    Warns
    -----
    NotCountsWarning
        ``X`` holds non-integer values.
    """
    import anndata
    import h5py

    path = Path(path)
    if not path.exists():
        msg = f"input file {path} does not exist."
        raise FileNotFoundError(msg)
    if path.is_dir():
        msg = f"the input {path} is a folder: give an .h5ad file."
        raise ValueError(msg)
    if not h5py.is_hdf5(path):
        msg = (
            f"{path} is not a readable .h5ad file (truncated or wrong format?): it is not HDF5 "
            "inside. Save the data with adata.write_h5ad(...)."
        )
        raise ValueError(msg)
    try:
        with warnings.catch_warnings():  # duplicate names are refused below with a clearer message
            warnings.filterwarnings("ignore", r"(Observation|Variable) names are not unique",
                                    UserWarning)
            adata = anndata.read_h5ad(path)
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as err:
        msg = (f"{path} is not a readable .h5ad file (truncated or wrong format?): "
               f"{type(err).__name__}: {err}")
        raise ValueError(msg) from None
    checks.check_label_key(adata.obs, label_key)
    checks.check_unique_names(adata.obs_names, what="cell")
    checks.check_unique_names(adata.var_names, what="gene")
    checks.check_counts(adata.X)
    return adata


def validate(adata: anndata.AnnData, *, label_key: str = "cell_type") -> None:
    """Check the canonical layout; raise ``ValueError`` naming the first problem.

    Checks: ``X`` is a CSR float32 matrix of non-negative whole numbers (cells x genes), or of
    non-negative values when ``uns['value_kind']`` is ``"non-integer"`` (a source that publishes no
    integer counts); cell and gene names are unique; ``obs[label_key]`` is a categorical column
    of strings with no missing values.

    Parameters
    ----------
    adata
        The dataset.
    label_key
        The label column of ``obs``.

    Examples
    --------
    >>> import anndata, numpy as np, pandas as pd, scipy.sparse as sp
    >>> a = anndata.AnnData(sp.csr_matrix(np.ones((2, 3), dtype=np.float32)),
    ...                     obs=pd.DataFrame({"cell_type": pd.Categorical(["a", "b"])},
    ...                                      index=["c0", "c1"]))
    >>> validate(a)
    """
    import scipy.sparse as sp

    x = adata.X
    if not (sp.issparse(x) and x.format == "csr"):
        msg = f"X must be a CSR sparse matrix, got {type(x).__name__}."
        raise ValueError(msg)
    if x.dtype != np.float32:
        msg = f"X must be float32, got {x.dtype}."
        raise ValueError(msg)
    with warnings.catch_warnings():  # non-integer values are an error here, raised just below
        warnings.simplefilter("ignore", checks.NotCountsWarning)
        checks.check_counts(x)
    declared = adata.uns.get("value_kind", "counts")
    if declared not in VALUE_KINDS:
        msg = f"uns['value_kind'] must be one of {list(VALUE_KINDS)}, got {declared!r}."
        raise ValueError(msg)
    if declared == "counts" and x.nnz and not np.array_equal(x.data, np.round(x.data)):
        msg = ("X holds non-integer values: the canonical layout holds raw counts (a source without "
               "integer counts must say so with uns['value_kind'] = 'non-integer').")
        raise ValueError(msg)
    checks.check_unique_names(adata.obs_names, what="cell")
    checks.check_unique_names(adata.var_names, what="gene")
    checks.check_label_key(adata.obs, label_key)
    labels = adata.obs[label_key]
    if not isinstance(labels.dtype, pd.CategoricalDtype):
        msg = f"obs[{label_key!r}] must be categorical, got {labels.dtype}."
        raise ValueError(msg)
    if labels.isna().any():
        msg = f"obs[{label_key!r}] has {int(labels.isna().sum())} missing labels."
        raise ValueError(msg)
    if not all(isinstance(c, str) for c in labels.cat.categories):
        msg = f"obs[{label_key!r}] categories must be strings."
        raise ValueError(msg)


def content_digest(adata: anndata.AnnData, *, label_key: str = "cell_type") -> str:
    """sha256 of what a run reads from a dataset: the counts (values, positions, shape), the cell and
    gene names and the labels. Two datasets with the same digest give the same runs."""
    import hashlib

    import scipy.sparse as sp

    x = sp.csr_matrix(adata.X)
    x.sort_indices()
    h = hashlib.sha256()
    h.update(np.asarray(x.shape, dtype=np.int64).tobytes())
    for part in (x.indptr.astype(np.int64), x.indices.astype(np.int64), x.data.astype(np.float32)):
        h.update(part.tobytes())
    for names in (adata.obs_names, adata.var_names, adata.obs[label_key].astype(str)):
        h.update("\n".join(map(str, names)).encode())
        h.update(b"\x00")
    return h.hexdigest()
