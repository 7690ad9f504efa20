"""Numbers the walk-through pages show: summaries of counts, the kNN graph, the ZINB fit, masking and clusters.

Plain functions returning numbers or frames (plotting lives in :mod:`scdmac_lib.book.plots_stages`). Nothing
here looks at labels except the helpers whose name says so (``knn_label_agreement``), shown as diagnostics only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from scdmac_lib.method.masking import bernoulli_mask, shuffle_genes


def dense(x) -> np.ndarray:
    return np.asarray(x.toarray() if sp.issparse(x) else x, dtype=np.float64)


def count_summary(x) -> dict[str, float]:
    """Shape, fraction of zeros and library-size quantiles of a cells x genes count matrix."""
    n_cells, n_genes = x.shape
    nnz = x.count_nonzero() if sp.issparse(x) else int(np.count_nonzero(x))
    lib = np.asarray(x.sum(axis=1)).ravel()
    return {"n_cells": int(n_cells), "n_genes": int(n_genes), "zero_fraction": 1.0 - nnz / (n_cells * n_genes),
            "library_median": float(np.median(lib)), "library_min": float(lib.min()),
            "library_max": float(lib.max())}


def library_sizes(x) -> np.ndarray:
    """Total counts per cell of a dense or sparse matrix."""
    return np.asarray(x.sum(axis=1), dtype=np.float64).ravel()


def gene_zero_fraction(x) -> np.ndarray:
    """Fraction of cells with a zero, per gene."""
    n = x.shape[0]
    nonzero = np.asarray((x != 0).sum(axis=0)).ravel() if sp.issparse(x) else np.count_nonzero(x, axis=0)
    return 1.0 - nonzero / n


def table1_comparison(reported: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 1 beside what this project can run.

    ``reported`` has columns dataset, cells, genes, cell_types, platform (the paper's Table 1);
    ``manifest`` is :func:`scdmac_lib.data.manifest.list_datasets` (name, stands_for, role, available,
    n_cells, n_genes, n_types, ...). One row per paper dataset, then one per extra dataset.
    ``version`` is ``paper`` (same data), ``stand-in`` (a reduced or different copy) or
    ``not available``; ``differences`` says how the copy differs in cells, genes and types, and
    ``notes`` carries the manifest's notes (how the copy was made) when it has them.
    """
    def _num(value):
        return None if value is None or pd.isna(value) else int(value)

    rows = []
    stands = manifest.get("stands_for", pd.Series([None] * len(manifest), index=manifest.index))
    keys = stands.fillna("").astype(str).str.lower()
    for rec in reported.itertuples(index=False):
        match = manifest[(keys == str(rec.dataset).lower()) & manifest["role"].isin(["stand-in", "paper"])]
        available = match[match["available"].astype(bool)] if len(match) else match
        row = {"dataset": rec.dataset, "platform": rec.platform, "paper_cells": int(rec.cells),
               "paper_genes": int(rec.genes), "paper_types": int(rec.cell_types)}
        if len(available) == 0:
            row.update(here="", version="not available", here_cells=None, here_genes=None, here_types=None,
                       differences="no copy could be checked here; not run")
        else:
            m = available.sort_values("role", key=lambda r: r != "paper", kind="stable").iloc[0]
            shape = (_num(m.get("n_cells")), _num(m.get("n_genes")), _num(m.get("n_types")))
            diffs = [f"{what} {here} vs {paper}" for what, here, paper in
                     zip(("cells", "genes", "types"), shape, (rec.cells, rec.genes, rec.cell_types), strict=True)
                     if here is not None and here != paper]
            version = "paper" if m["role"] == "paper" and not diffs else "stand-in"
            note = m.get("notes")
            row.update(here=m["name"], version=version, here_cells=shape[0], here_genes=shape[1],
                       here_types=shape[2], differences="; ".join(diffs) or "same shape",
                       notes="" if note is None or pd.isna(note) else str(note))
        rows.append(row)
    extras = manifest[manifest["role"] == "extra"]
    for _, m in extras.iterrows():
        rows.append({"dataset": "(extra)", "platform": "", "paper_cells": None, "paper_genes": None,
                     "paper_types": None, "here": m["name"],
                     "version": "extra" if bool(m["available"]) else "extra, not available",
                     "here_cells": _num(m.get("n_cells")), "here_genes": _num(m.get("n_genes")),
                     "here_types": _num(m.get("n_types")), "differences": "not in the paper"})
    out = pd.DataFrame(rows)
    for col in ("paper_cells", "paper_genes", "paper_types", "here_cells", "here_genes", "here_types"):
        out[col] = out[col].astype("Int64")
    return out


def gene_mean_variance(x, *, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene mean and variance across cells (of ``log1p(x)`` when ``log``)."""
    d = dense(x)
    if log:
        d = np.log1p(d)
    return d.mean(axis=0), d.var(axis=0)


def knn_label_agreement(knn: np.ndarray, labels) -> np.ndarray:
    """Per cell, the fraction of its kNN neighbours sharing its label (a diagnostic only)."""
    codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)[1]
    if knn.shape[1] == 0:
        return np.full(len(codes), np.nan)
    return (codes[knn] == codes[:, None]).mean(axis=1)


def knn_cosine_distances(x: np.ndarray, knn: np.ndarray) -> np.ndarray:
    """Cosine distance of each cell to each of its neighbours, (n, k), on the rows of ``x``."""
    x = np.asarray(x, dtype=np.float64)
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return 1.0 - np.einsum("ig,ikg->ik", unit, unit[knn])


def knn_in_degree(knn: np.ndarray) -> np.ndarray:
    """How many times each cell is somebody's neighbour (the out-degree is k for every cell)."""
    return np.bincount(knn.ravel(), minlength=knn.shape[0])


def zinb_zero_probability(mu: np.ndarray, theta: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """P(X = 0) under ZINB(mu, theta, pi): ``pi + (1 - pi) * (theta / (theta + mu))^theta``."""
    mu, theta, pi = (np.asarray(a, dtype=np.float64) for a in (mu, theta, pi))
    nb_zero = np.exp(theta * (np.log(theta) - np.log(theta + mu)))
    return pi + (1.0 - pi) * nb_zero


def zero_fraction_summary(counts, mu: np.ndarray, theta: np.ndarray, pi: np.ndarray) -> pd.DataFrame:
    """Overall fraction of zeros: observed, the denoised mean rounded, and the fitted model's P(0)."""
    raw = gene_zero_fraction(counts).mean()
    rows = [("raw counts: observed zeros", raw),
            ("denoised mean mu < 0.5 (rounds to 0)", float((np.asarray(mu) < 0.5).mean())),
            ("ZINB model: mean P(X=0)", float(zinb_zero_probability(mu, theta, pi).mean())),
            ("ZINB model: mean dropout pi", float(np.asarray(pi).mean()))]
    return pd.DataFrame(rows, columns=["quantity", "fraction"])


def bernoulli_entropy(p: float) -> float:
    """Entropy of Bernoulli(p) in nats: the BCE of a predictor that only knows the masking rate."""
    if p <= 0 or p >= 1:
        return 0.0
    return float(-(p * math.log(p) + (1 - p) * math.log(1 - p)))


def corruption_parts(x, p: float, seed: int = 0) -> dict[str, np.ndarray]:
    """The pieces of Eq. 9-10 on ``x`` (cells x genes): ``X_z``, shuffled ``X'``, ``M`` and ``X_M``.

    Draws the mask then the shuffle from one generator in the order :func:`scdmac_lib.method.masking.corrupt`
    does, so ``X_M`` equals ``corrupt(x, p, torch.Generator().manual_seed(seed))[0]``.
    """
    import torch


    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    gen = torch.Generator().manual_seed(seed)
    mask = bernoulli_mask(tuple(xt.shape), p, gen)
    shuffled = shuffle_genes(xt, gen)
    xm = torch.lerp(xt, shuffled, mask)
    return {"X_z": xt.numpy(), "X' (genes shuffled)": shuffled.numpy(), "M (1 = masked)": mask.numpy(),
            "X_M": xm.numpy()}


def masking_statistics(x, ratios: Sequence[float], seed: int = 0) -> pd.DataFrame:
    """For each masking ratio p: the drawn fraction of masked entries (M = 1), the spread of the
    per-gene fraction, and the fraction of entries actually changed (a masked entry can receive
    its own value back, e.g. a zero shuffled onto a zero)."""
    rows = []
    for i, p in enumerate(ratios):
        parts = corruption_parts(x, p, seed + i)
        mask = parts["M (1 = masked)"].astype(np.float64)
        changed = ~np.isclose(parts["X_M"], parts["X_z"])
        per_gene = mask.mean(axis=0)
        rows.append({"p": float(p), "masked_fraction": float(mask.mean()), "per_gene_sd": float(per_gene.std()),
                     "changed_fraction": float(changed.mean()),
                     "changed_given_masked": float(changed[mask > 0].mean()) if mask.any() else float("nan")})
    return pd.DataFrame(rows)


def kmeans_labels(x: np.ndarray, n_clusters: int, *, seed: int = 0, n_pcs: int | None = None,
                  n_init: int = 20) -> np.ndarray:
    """k-means labels of ``x`` (after PCA to ``n_pcs`` components when given), label-free."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    x = np.asarray(x, dtype=np.float64)
    if n_pcs is not None:
        n_comp = min(n_pcs, x.shape[0] - 1, x.shape[1])
        x = PCA(n_components=n_comp, random_state=seed).fit_transform(x)
    return KMeans(n_clusters, n_init=n_init, random_state=seed).fit_predict(x)


def sample_sorted(labels, n: int = 300, *, seed: int = 0) -> np.ndarray:
    """Row indices of a random sample of at most ``n`` cells, sorted by label (stable)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    idx = rng.choice(labels.size, size=min(n, labels.size), replace=False)
    return idx[np.argsort(labels[idx], kind="stable")]


def cells_per_cluster(labels, n_clusters: int) -> np.ndarray:
    """Cells per cluster 0..n_clusters-1 (empty clusters count 0)."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_clusters)


def chance_agreement(labels) -> float:
    """Neighbour label agreement expected from random neighbours: sum of squared class proportions."""
    _, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
    frac = counts / counts.sum()
    return float((frac**2).sum())


def lognormalize(counts, target_sum: float = 1e4) -> np.ndarray:
    """``log1p(x / row total * target_sum)``, dense: the denoised matrix's own scale for raw counts."""
    d = dense(counts)
    total = d.sum(axis=1, keepdims=True)
    return np.log1p(d / np.where(total > 0, total, 1.0) * target_sum)


def pick_genes(counts, n: int = 4) -> np.ndarray:
    """``n`` genes spread over the range of zero fractions (from mostly expressed to mostly zero)."""
    zeros = gene_zero_fraction(counts)
    order = np.argsort(zeros, kind="stable")
    positions = np.linspace(0, order.size - 1, n + 2)[1:-1].round().astype(int)
    return order[np.unique(positions)]
