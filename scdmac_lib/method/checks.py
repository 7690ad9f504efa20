"""Input checks shared by every entry point: they name the problem and what to do about it."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp


class NotCountsWarning(UserWarning):
    """The matrix holds non-integer values, but the ZINB stage models counts."""

def _values(x) -> np.ndarray:
    return x.data if sp.issparse(x) else np.asarray(x).ravel()


def check_counts(x, *, name: str = "X") -> None:
    """Refuse a matrix that cannot be a count matrix; warn when values are not integers.

    Raises
    ------
    ValueError
        Empty matrix, NaN or infinite values, or negative values.
    """
    if x.shape[0] == 0 or x.shape[1] == 0:
        msg = f"{name} is empty (shape {x.shape}): it needs at least one cell and one gene."
        raise ValueError(msg)
    values = _values(x)
    if values.size and not np.isfinite(values).all():
        n_bad = int((~np.isfinite(values)).sum())
        msg = (
            f"{name} holds {n_bad} NaN or infinite values: scDMAC needs raw counts. "
            "Replace or drop them before clustering."
        )
        raise ValueError(msg)
    if values.size and values.min() < 0:
        msg = (
            f"{name} holds negative values (min {values.min():g}): scDMAC needs raw counts, "
            "not scaled or log-transformed data. Pass the raw count matrix."
        )
        raise ValueError(msg)
    if values.size and not np.allclose(values, np.round(values)):
        warnings.warn(
            f"{name} holds non-integer values: the ZINB denoising stage models counts. "
            "Pass raw counts if you have them; results on normalized data are not the method's.",
            NotCountsWarning,
            stacklevel=2,
        )


def check_n_clusters(n_clusters, n_cells: int) -> int:
    """Return ``n_clusters`` as an int after checking 2 <= k <= number of cells."""
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, (int, np.integer)):
        msg = f"n_clusters must be an integer, got {n_clusters!r}."
        raise TypeError(msg)
    if n_clusters < 2:
        msg = f"n_clusters must be at least 2, got {n_clusters}."
        raise ValueError(msg)
    if n_cells < 2:
        msg = f"the data hold {n_cells} cell(s): clustering needs at least 2 cells."
        raise ValueError(msg)
    if n_clusters > n_cells:
        msg = (
            f"n_clusters={n_clusters} is larger than the number of cells ({n_cells}): "
            "ask for at most as many clusters as there are cells."
        )
        raise ValueError(msg)
    return int(n_clusters)


def check_unique_names(names, *, what: str) -> None:
    """Refuse duplicate cell or gene names, which make results ambiguous."""
    index = np.asarray(names)
    uniq, counts = np.unique(index, return_counts=True)
    if (counts > 1).any():
        dups = ", ".join(map(str, uniq[counts > 1][:5]))
        axis = "obs" if what == "cell" else "var"
        msg = (
            f"duplicate {what} names ({dups}, ...): make them unique first, "
            f"for example with adata.{axis}_names_make_unique()."
        )
        raise ValueError(msg)


def check_label_key(obs, label_key: str | None) -> None:
    """Refuse a ``label_key`` that is not a column of ``obs`` (checked before any training)."""
    if label_key is not None and label_key not in obs:
        columns = ", ".join(map(repr, list(obs.columns)[:10])) or "none"
        msg = f"obs[{label_key!r}] is missing: scoring needs that label column (obs columns: {columns})."
        raise ValueError(msg)
