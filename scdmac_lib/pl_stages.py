"""Plots and small summaries for the stage walk-through notebooks (data, preprocess, denoise, mask, cluster).

Every ``plot_*`` helper draws one panel on ``ax`` (a new figure when ``ax`` is None) and returns
the Axes; helpers that draw several panels take ``axes`` and return the Figure. The summary
functions (``count_summary``, ``table1_comparison``, ...) return plain numbers or DataFrames so
that the notebooks only call and show. Nothing here looks at labels except the helpers whose name
says so (``knn_label_agreement``), which are shown as diagnostics only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from scdmac_lib.pl import METHOD_COLORS

RAW_COLOR = "#7f8c8d"
DENOISED_COLOR = METHOD_COLORS["scDMAC"]
HVG_COLOR = METHOD_COLORS["Leiden (Seurat-style)"]


def _ax(ax=None, figsize=(4.5, 3.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _axes(axes, n: int, *, ncols: int | None = None, panel=(3.6, 3.0)):
    """``axes`` as a flat list of ``n`` Axes (a new figure when None) and their figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        ncols = ncols or n
        nrows = math.ceil(n / ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False)
        flat = list(grid.ravel())
        for extra in flat[n:]:
            extra.set_visible(False)
        return fig, flat[:n]
    flat = list(np.ravel(axes))
    if len(flat) < n:
        msg = f"axes has {len(flat)} panels but {n} are needed."
        raise ValueError(msg)
    return flat[0].figure, flat[:n]


def _dense(x) -> np.ndarray:
    return np.asarray(x.toarray() if sp.issparse(x) else x, dtype=np.float64)


# ----------------------------------------------------------------------------------------- data
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
    ``manifest`` is :func:`scdmac_lib.data.list_datasets` (name, stands_for, role, available,
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


def plot_sparsity_library(matrices: Mapping[str, object], axes=None):
    """Two panels: fraction of zeros per dataset (bars) and library-size distributions (log10)."""
    fig, (ax_zero, ax_lib) = _axes(axes, 2, panel=(max(3.6, 0.9 * len(matrices) + 1.5), 3.2))
    names = list(matrices)
    zeros = [count_summary(matrices[n])["zero_fraction"] for n in names]
    ax_zero.bar(names, zeros, color=RAW_COLOR)
    for i, z in enumerate(zeros):
        ax_zero.text(i, z, f"{z:.2f}", ha="center", va="bottom", fontsize=8)
    ax_zero.set_ylim(0, 1.05)
    ax_zero.set_ylabel("fraction of zeros")
    ax_zero.set_title("sparsity")
    libs = [np.log10(np.maximum(library_sizes(matrices[n]), 1.0)) for n in names]
    ax_lib.violinplot(libs, showmedians=True)
    ax_lib.set_xticks(range(1, len(names) + 1), names)
    ax_lib.set_ylabel("log10 library size")
    ax_lib.set_title("library size per cell")
    for ax in (ax_zero, ax_lib):
        ax.tick_params(axis="x", rotation=30)
    return fig


# ----------------------------------------------------------------------------------- preprocess
def plot_size_factors(lib: np.ndarray, size_factors: np.ndarray, ax=None):
    """Library size against size factor (a line through the median; s_i = lib_i / median)."""
    ax = _ax(ax)
    ax.scatter(lib, size_factors, s=8, color=RAW_COLOR, alpha=0.7)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.axvline(float(np.median(lib)), color="k", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("library size (counts per cell)")
    ax.set_ylabel("size factor $s_i$")
    ax.set_title("size factors = library size / median")
    return ax


def gene_mean_variance(x, *, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene mean and variance across cells (of ``log1p(x)`` when ``log``)."""
    d = _dense(x)
    if log:
        d = np.log1p(d)
    return d.mean(axis=0), d.var(axis=0)


def plot_mean_variance(
    mean: np.ndarray, var: np.ndarray, *, highlight: np.ndarray | None = None, ax=None,
    label: str = "genes", highlight_label: str = "highly variable", color: str = RAW_COLOR,
    title: str = "mean-variance", poisson_line: bool = True,
):
    """Log-log scatter of per-gene mean and variance; ``highlight`` a boolean mask of genes to colour."""
    ax = _ax(ax)
    keep = (mean > 0) & (var > 0)
    hi = np.zeros_like(keep) if highlight is None else np.asarray(highlight, dtype=bool)
    ax.scatter(mean[keep & ~hi], var[keep & ~hi], s=4, alpha=0.4, color=color, label=label, rasterized=True)
    if hi.any():
        ax.scatter(mean[keep & hi], var[keep & hi], s=5, alpha=0.7, color=HVG_COLOR,
                   label=f"{highlight_label} ({int(hi.sum())})", rasterized=True)
    if poisson_line and keep.any():
        grid = np.geomspace(mean[keep].min(), mean[keep].max(), 50)
        ax.plot(grid, grid, color="k", lw=0.8, ls="--", label="variance = mean")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("gene mean")
    ax.set_ylabel("gene variance")
    ax.set_title(title)
    ax.legend(fontsize=7, markerscale=2)
    return ax


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


def plot_histogram(values, *, ax=None, bins: int = 30, xlabel: str = "", title: str = "",
                   color: str = RAW_COLOR, mark_mean: bool = True):
    """A histogram of ``values`` with its mean marked."""
    ax = _ax(ax)
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    ax.hist(v, bins=bins, color=color, alpha=0.85)
    if mark_mean and v.size:
        ax.axvline(v.mean(), color="k", lw=1, ls="--", label=f"mean {v.mean():.3g}")
        ax.legend(fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title)
    return ax


def plot_matrix_blocks(blocks: Mapping[str, np.ndarray], axes=None, *, cmap: str = "viridis",
                       shared_scale: bool = True, vmin: float | None = None, vmax: float | None = None,
                       colorbar: bool = True):
    """Heatmaps of equally shaped cell x gene blocks side by side (one panel each), one colour scale.

    The colour bar (when ``colorbar``) is drawn beside the last panel and holds for all of them.
    """
    fig, axs = _axes(axes, len(blocks), panel=(3.0, 2.8))
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in blocks.items()}
    if shared_scale:
        stacked = np.concatenate([a.ravel() for a in arrays.values()])
        vmin = np.nanmin(stacked) if vmin is None else vmin
        vmax = np.nanmax(stacked) if vmax is None else vmax
    image = None
    for i, (ax, (title, a)) in enumerate(zip(axs, arrays.items(), strict=True)):
        image = ax.imshow(a, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("gene")
        if i == 0:
            ax.set_ylabel("cell")
        ax.grid(visible=False)
    if image is not None and colorbar:
        fig.colorbar(image, ax=axs[-1], shrink=0.8)  # on the last panel only: the others keep their width
    return fig


# -------------------------------------------------------------------------------------- training
def smooth(values: Sequence[float], window: int = 20) -> np.ndarray:
    """Trailing moving average (the first points average what exists so far)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or window <= 1:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_loss_curves(history: Mapping[str, Sequence[float]], *, keys: Sequence[str] | None = None, ax=None,
                     window: int = 20, reference: Mapping[str, float] | None = None, log: bool = False,
                     title: str = "training loss"):
    """Per-step loss curves (raw, faint; smoothed, solid) with optional horizontal reference lines."""
    import matplotlib.pyplot as plt

    ax = _ax(ax)
    keys = [k for k in (keys or history) if len(history.get(k, ())) > 0]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, key in enumerate(keys):
        v = np.asarray(history[key], dtype=np.float64)
        color = colors[i % len(colors)]
        ax.plot(v, color=color, alpha=0.25, lw=0.8)
        ax.plot(smooth(v, window), color=color, lw=1.6, label=key)
    for j, (name, value) in enumerate((reference or {}).items()):
        ax.axhline(value, color="k", lw=1, ls=("--", ":", "-.")[j % 3], label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if keys or reference:
        ax.legend(fontsize=7)
    return ax


# --------------------------------------------------------------------------------------- denoise
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


def plot_zero_calibration(counts, mu: np.ndarray, theta: np.ndarray, pi: np.ndarray, ax=None):
    """Per gene: observed fraction of zeros against the fitted ZINB's mean P(X=0) and mu's rounding."""
    ax = _ax(ax)
    observed = gene_zero_fraction(counts)
    model = zinb_zero_probability(mu, theta, pi).mean(axis=0)
    rounded = (np.asarray(mu) < 0.5).mean(axis=0)
    ax.scatter(observed, model, s=5, alpha=0.5, color=DENOISED_COLOR, label="ZINB mean P(X=0)")
    ax.scatter(observed, rounded, s=5, alpha=0.5, color=HVG_COLOR, label="denoised mu < 0.5")
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--")
    ax.set_xlabel("observed zero fraction (raw)")
    ax.set_ylabel("zero fraction after denoising / model")
    ax.set_title("zeros per gene")
    ax.legend(fontsize=7, markerscale=2)
    return ax


def plot_gene_scatter(raw: np.ndarray, denoised: np.ndarray, genes: Sequence[int], *, names=None, axes=None):
    """For each gene, each cell's raw value (x) against its denoised value (y), one panel per gene."""
    fig, axs = _axes(axes, len(genes), panel=(2.8, 2.6))
    raw, denoised = _dense(raw), _dense(denoised)
    for ax, j, name in zip(axs, genes, names if names is not None else genes, strict=True):
        ax.scatter(raw[:, j], denoised[:, j], s=6, alpha=0.6, color=DENOISED_COLOR)
        hi = max(raw[:, j].max(), denoised[:, j].max(), 1e-6)
        ax.plot([0, hi], [0, hi], color="k", lw=0.8, ls="--")
        ax.set_title(str(name), fontsize=9)
        ax.set_xlabel("raw (log1p norm.)")
        ax.set_ylabel("denoised")
    return fig


def plot_zinb_parameters(mu: np.ndarray, theta: np.ndarray, pi: np.ndarray, axes=None, *, bins: int = 50):
    """Histograms of log10 mu, log10 theta and pi over all cell x gene entries (three panels)."""
    fig, axs = _axes(axes, 3)
    parts = [("log10 mean $\\mu$", np.log10(np.maximum(np.asarray(mu).ravel(), 1e-8))),
             ("log10 dispersion $\\theta$", np.log10(np.maximum(np.asarray(theta).ravel(), 1e-8))),
             ("dropout $\\pi$", np.asarray(pi).ravel())]
    for ax, (label, v) in zip(axs, parts, strict=True):
        plot_histogram(v, ax=ax, bins=bins, xlabel=label, title=label.split(" ")[-1 if "pi" in label else 1],
                       color=DENOISED_COLOR)
    return fig


# ---------------------------------------------------------------------------------------- masking
def bernoulli_entropy(p: float) -> float:
    """Entropy of Bernoulli(p) in nats: the BCE of a predictor that only knows the masking rate."""
    if p <= 0 or p >= 1:
        return 0.0
    return float(-(p * math.log(p) + (1 - p) * math.log(1 - p)))


def corruption_parts(x, p: float, seed: int = 0) -> dict[str, np.ndarray]:
    """The pieces of Eq. 9-10 on ``x`` (cells x genes): ``X_z``, shuffled ``X'``, ``M`` and ``X_M``.

    Draws the mask then the shuffle from one generator in the order :func:`scdmac_lib.masking.corrupt`
    does, so ``X_M`` equals ``corrupt(x, p, torch.Generator().manual_seed(seed))[0]``.
    """
    import torch

    from scdmac_lib.masking import bernoulli_mask, shuffle_genes

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


def plot_masking_statistics(stats: pd.DataFrame, ax=None):
    """Masked and changed fraction against the masking ratio p, with the line y = p."""
    ax = _ax(ax)
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--", label="y = p")
    ax.errorbar(stats["p"], stats["masked_fraction"], yerr=stats["per_gene_sd"], marker="o", capsize=3,
                color=DENOISED_COLOR, label="masked fraction (+- sd over genes)")
    ax.plot(stats["p"], stats["changed_fraction"], marker="s", color=HVG_COLOR, label="entries actually changed")
    ax.set_xlabel("masking ratio p")
    ax.set_ylabel("fraction of entries")
    ax.set_title("masking statistics")
    ax.legend(fontsize=7)
    return ax


def plot_bars(values: Mapping[str, float], *, ax=None, ylabel: str = "", title: str = "",
              colors: Sequence[str] | None = None, reference: float | None = None, reference_label: str = "",
              fmt: str = "{:.3f}", rotation: float = 15):
    """Labelled bars with their values written on top, and an optional reference line."""
    ax = _ax(ax)
    names = list(values)
    heights = [float(values[n]) for n in names]
    ax.bar(names, heights, color=colors or [METHOD_COLORS.get(n, RAW_COLOR) for n in names])
    for i, h in enumerate(heights):
        if np.isfinite(h):
            ax.text(i, h, fmt.format(h), ha="center", va="bottom", fontsize=8)
    if reference is not None:
        ax.axhline(reference, color="k", lw=1, ls="--", label=reference_label or None)
        if reference_label:
            ax.legend(fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_xticks(range(len(names)), names, rotation=rotation, ha="right" if rotation else "center")
    return ax


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


# -------------------------------------------------------------------------------------- clustering
def sample_sorted(labels, n: int = 300, *, seed: int = 0) -> np.ndarray:
    """Row indices of a random sample of at most ``n`` cells, sorted by label (stable)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    idx = rng.choice(labels.size, size=min(n, labels.size), replace=False)
    return idx[np.argsort(labels[idx], kind="stable")]


def plot_assignment_heatmap(matrix: np.ndarray, labels, *, ax=None, title: str = "", n: int = 300,
                            seed: int = 0, cmap: str = "magma", vmax: float | None = 1.0):
    """Heatmap of a cells x clusters assignment matrix, cells sampled and sorted by ``labels``."""
    ax = _ax(ax, figsize=(3.6, 3.6))
    idx = sample_sorted(labels, n, seed=seed)
    image = ax.imshow(np.asarray(matrix)[idx], aspect="auto", cmap=cmap, vmin=0, vmax=vmax,
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xlabel("cluster")
    ax.set_ylabel(f"cell ({idx.size}, sorted by cluster)")
    ax.set_title(title, fontsize=9)
    ax.grid(visible=False)
    return ax


def umap_coords(embedding: np.ndarray, *, seed: int = 0, n_neighbors: int = 15) -> np.ndarray:
    """2-D UMAP of an embedding through scanpy (neighbours on the embedding itself)."""
    import anndata as ad
    import scanpy as sc

    adata = ad.AnnData(np.asarray(embedding, dtype=np.float32))
    sc.pp.neighbors(adata, n_neighbors=min(n_neighbors, adata.n_obs - 1), use_rep="X", random_state=seed)
    sc.tl.umap(adata, random_state=seed)
    return np.asarray(adata.obsm["X_umap"])


def plot_embedding_2d(coords: np.ndarray, labels, *, ax=None, title: str = "", s: float = 8.0,
                      legend: bool = True, max_legend: int = 20):
    """Scatter of 2-D coordinates coloured by categorical ``labels``."""
    import matplotlib.pyplot as plt

    ax = _ax(ax, figsize=(4.2, 3.8))
    labels = np.asarray(labels).astype(str)
    def _natural(value: str):
        return (0, int(value), "") if value.lstrip("-").isdigit() else (1, 0, value)

    cats = sorted(set(labels), key=_natural)
    cmap = plt.get_cmap("tab20" if len(cats) > 10 else "tab10")
    for i, cat in enumerate(cats):
        sel = labels == cat
        ax.scatter(coords[sel, 0], coords[sel, 1], s=s, color=cmap(i % cmap.N), label=cat, alpha=0.8,
                   linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    if legend and len(cats) <= max_legend:
        ax.legend(fontsize=6, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return ax


def cluster_sizes(labels, n_clusters: int) -> np.ndarray:
    """Cells per cluster 0..n_clusters-1 (empty clusters count 0)."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_clusters)


# ------------------------------------------------------------------------------------ notebook io
def save_table(frame: pd.DataFrame, name: str, *, results=None):
    """Write ``frame`` to ``results/tables/NAME.csv`` atomically (temp name, then rename); return the path."""
    import os
    import uuid
    from pathlib import Path

    from scdmac_lib import paths

    folder = Path(results or paths.results_dir()) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{name}.csv"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    frame.to_csv(tmp, index=False)
    os.replace(tmp, final)
    return final


def save_figure(fig, name: str, *, results=None):
    """Save ``fig`` to ``results/figures/NAME.png`` (temp name, then rename); return the path."""
    import os
    import uuid
    from pathlib import Path

    from scdmac_lib import paths

    folder = Path(results or paths.results_dir()) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{name}.png"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.png"
    fig.savefig(tmp)
    os.replace(tmp, final)
    return final


def session_info(profile: str, device: str) -> pd.DataFrame:
    """Versions, commit, profile and device of this notebook's kernel, as a two-column table."""
    import platform
    from importlib.metadata import version

    import torch

    from scdmac_lib.experiments import git_commit

    rows = {"python": platform.python_version(), "torch": torch.__version__, "scanpy": version("scanpy"),
            "numpy": np.__version__, "commit": git_commit(), "profile": profile, "device": device}
    return pd.DataFrame({"item": list(rows), "value": list(rows.values())})


def knn_space(lognorm: np.ndarray, *, n_pcs: int = 50, seed: int = 0) -> np.ndarray:
    """The space :func:`scdmac_lib.pp.cosine_knn` searches: top PCs of the z-scored log-normalized matrix."""
    from sklearn.decomposition import PCA

    from scdmac_lib.pp import standardize

    n_comp = min(n_pcs, lognorm.shape[0] - 1, lognorm.shape[1])
    return PCA(n_components=n_comp, random_state=seed).fit_transform(standardize(lognorm))


def chance_agreement(labels) -> float:
    """Neighbour label agreement expected from random neighbours: sum of squared class proportions."""
    _, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
    frac = counts / counts.sum()
    return float((frac**2).sum())


def lognormalize(counts, target_sum: float = 1e4) -> np.ndarray:
    """``log1p(x / row total * target_sum)``, dense: the denoised matrix's own scale for raw counts."""
    d = _dense(counts)
    total = d.sum(axis=1, keepdims=True)
    return np.log1p(d / np.where(total > 0, total, 1.0) * target_sum)


def pick_genes(counts, n: int = 4) -> np.ndarray:
    """``n`` genes spread over the range of zero fractions (from mostly expressed to mostly zero)."""
    zeros = gene_zero_fraction(counts)
    order = np.argsort(zeros, kind="stable")
    positions = np.linspace(0, order.size - 1, n + 2)[1:-1].round().astype(int)
    return order[np.unique(positions)]


def limit_threads(n_threads: int | None = None) -> int:
    """Set this kernel's CPU threads (torch, OpenMP/BLAS pools) and return the count.

    ``None`` takes what the kernel was given: ``$SCDMAC_THREADS``, else the cores it may use (see
    :func:`scdmac_lib._utils.resolve_threads`); the runs computed in the kernel use the same count.
    """
    from scdmac_lib._utils import set_threads

    return set_threads(n_threads)


def embed_2d(embedding: np.ndarray, method: str = "umap", *, seed: int = 0) -> np.ndarray:
    """2-D coordinates of an embedding for plotting: ``"umap"`` (scanpy) or ``"tsne"`` (scikit-learn)."""
    if method == "umap":
        return umap_coords(embedding, seed=seed)
    if method == "tsne":
        from sklearn.manifold import TSNE

        x = np.asarray(embedding, dtype=np.float64)
        perplexity = float(min(30.0, max(2.0, (x.shape[0] - 1) / 3)))
        return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)
    msg = f"method must be 'umap' or 'tsne', got {method!r}."
    raise ValueError(msg)


def plot_cluster_sizes(initial, final, n_clusters: int, *, ax=None):
    """Cells per cluster before (initial k-means) and after the fine-tune, side by side."""
    ax = _ax(ax, figsize=(max(4.0, 0.5 * n_clusters + 2), 3.2))
    x = np.arange(n_clusters)
    width = 0.4
    ax.bar(x - width / 2, cluster_sizes(initial, n_clusters), width, color=RAW_COLOR, label="initial")
    ax.bar(x + width / 2, cluster_sizes(final, n_clusters), width, color=DENOISED_COLOR, label="final")
    ax.set_xlabel("cluster")
    ax.set_ylabel("cells")
    ax.set_title("cluster sizes")
    ax.legend(fontsize=7)
    return ax
