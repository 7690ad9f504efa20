"""Numbers the pages show: summaries of the datasets, counts, the kNN graph, the ZINB fit, masking, clusters
and the own-data checks.

Plain functions returning numbers or frames (plotting lives in :mod:`scdmac_lib.book.plots_stages`). A frame
with one row per dataset names it with its kind (:func:`scdmac_lib.data.catalogue.label`). Nothing here
looks at labels except the helpers whose name or docstring says so (``knn_label_agreement``,
``representation_scores``, ``label_scores``), shown as diagnostics only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from scdmac_lib import data
from scdmac_lib.api.kestimate import estimate_n_clusters
from scdmac_lib.data import catalogue
from scdmac_lib.data.manifest import PAPER_ROLES
from scdmac_lib.data.paper import prefer_paper_data
from scdmac_lib.evaluation import metrics
from scdmac_lib.method import augment, clustering, finetune, preprocess
from scdmac_lib.method.config import AugmentConfig, PreprocessConfig, flat_dict, make_config, stop_reason
from scdmac_lib.method.masking import bernoulli_mask, shuffle_genes
from scdmac_lib.runs.profiles import get_profile


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


def majority_clusters(clusters, types) -> dict[str, list[str]]:
    """For each cluster, the annotated types most of whose cells it holds (a type joins the cluster holding
    the most of its cells), in order of the types' sizes; clusters that hold no type's majority are left out."""
    frame = pd.crosstab(pd.Series(np.asarray(clusters).astype(str), name="cluster"),
                        pd.Series(np.asarray(types).astype(str), name="type"))
    home = frame.idxmax(axis=0)  # type -> the cluster holding most of its cells
    order = frame.sum(axis=0).sort_values(ascending=False, kind="stable").index
    out: dict[str, list[str]] = {}
    for t in order:
        out.setdefault(str(home[t]), []).append(str(t))
    return out


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


# --------------------------------------------------------------------------- the data page (Table 1)
def _loaded_check(name: str) -> dict[str, str]:
    """Shape here, differences from Table 1, value kind and derivation of a paper copy on this machine."""
    adata = data.load(name)
    check = adata.uns["table1_check"]
    return {"here": " x ".join(str(v) for v in check["here"]), "differences": check["differences"] or "none",
            "values": adata.uns["value_kind"], "derivation": adata.uns.get("derivation", adata.uns["value_transform"])}


def _absent_check(manifest: pd.DataFrame, paper_dataset: str) -> dict[str, str]:
    """What stands in for an absent paper copy (its stand-in, or nothing: then it is not run)."""
    stand_in = manifest.loc[(manifest["role"] == "stand-in") & (manifest["stands_for"] == paper_dataset), "name"]
    in_place = f"stand-in {stand_in.iloc[0]!r} used instead" if len(stand_in) else "not run"
    return {"here": "not here", "differences": "", "values": "", "derivation": in_place}


def paper_copy_checks(manifest: pd.DataFrame) -> pd.DataFrame:
    """One row per paper dataset of ``manifest`` (:func:`scdmac_lib.data.list_datasets`): the copy used here
    (the paper's own when it is present) with its shape beside Table 1, how they differ, whether the values
    are counts and how the copy was derived; an absent one names the stand-in used in its place."""
    rows = []
    for _, row in manifest[manifest["role"] == "paper"].iterrows():
        copy = prefer_paper_data([row["name"]])
        rows.append({"paper dataset": row["stands_for"], "copy used": copy[0] if copy else "",
                     "Table 1 (cells x genes x types)": f"{row['n_cells']} x {row['n_genes']} x {row['n_types']}",
                     **(_loaded_check(copy[0]) if copy else _absent_check(manifest, row["stands_for"]))})
    return pd.DataFrame(rows)


def _shapes(comparison: pd.DataFrame, prefix: str) -> list[str]:
    cols = comparison[[f"{prefix}_{c}" for c in ("cells", "genes", "types")]]
    return [" x ".join(str(int(v)) for v in row) if row.notna().all() else "" for _, row in cols.iterrows()]


def table1_shapes(comparison: pd.DataFrame) -> pd.DataFrame:
    """:func:`table1_comparison` in the column's width: each side's shape as one ``cells x genes x types``."""
    return pd.DataFrame({"paper dataset": comparison["dataset"],
                         "paper: cells x genes x types": _shapes(comparison, "paper"),
                         "version here": comparison["version"], "copy here": comparison["here"].fillna(""),
                         "here: cells x genes x types": _shapes(comparison, "here"),
                         "differences": comparison["differences"].fillna("")})


def version_counts(comparison: pd.DataFrame) -> dict[str, int]:
    """How many of the paper's datasets are here as the paper's version, only as stand-ins, or not at all."""
    return {v: int((comparison["version"] == v).sum()) for v in ("paper", "stand-in", "not available")}


def sources_display(sources: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The source table (:func:`scdmac_lib.data.source_table`) in the column's width, and each row's URL.

    A fallback row names its role beside its dataset; file names may wrap after a dot; a long checksum
    shows its first 12 characters (the CSV has all of it).
    """
    shown = sources.drop(columns=["url", "checksum", "name", "strength", "role"]).assign(
        dataset=[d if r == "paper" else f"{d} ({r})" for d, r in zip(sources["dataset"], sources["role"], strict=True)],
        file=[f.replace(".", ".\u200b") for f in sources["file"]],
        checksum=[c if len(c) <= 16 else f"{c[:12]}\u2026" for c in sources["checksum"]])
    return shown, [u.split(" -> ")[0] for u in sources["url"]]


def sparsity_table(names: Sequence[str]) -> tuple[pd.DataFrame, dict[str, object]]:
    """Per dataset (named with its kind): :func:`count_summary` and its number of types; and the count
    matrices by the same names (for :func:`scdmac_lib.book.plots_stages.plot_sparsity_library`)."""
    rows, matrices = [], {}
    for name in names:
        adata = catalogue.load_dataset(name)
        matrices[catalogue.label(name)] = adata.X
        rows.append({"dataset": catalogue.label(name), **count_summary(adata.X), "n_types": catalogue.n_types(adata)})
    return pd.DataFrame(rows), matrices


# --------------------------------------------------------------------------- the model diagrams
def config_table(cfg, prefixes: Sequence[str] = ("mae.", "zinb.")) -> pd.DataFrame:
    """The settings of ``cfg`` whose dotted name starts with one of ``prefixes``, training budgets left out."""
    flat = flat_dict(cfg)
    rows = [(k, str(v)) for k, v in flat.items() if k.startswith(tuple(prefixes)) and ".train." not in k]
    return pd.DataFrame(rows, columns=["setting", "value"])


# --------------------------------------------------------------------------- the preprocessing walk-through
def normalize_total(counts, target_sum: float) -> sp.csr_matrix:
    """Eq. 1 on every gene: each cell scaled to ``target_sum`` counts (an empty cell stays zero)."""
    counts = preprocess.as_csr(counts)
    lib = library_sizes(counts)
    return preprocess.as_csr(counts.multiply(target_sum / np.where(lib > 0, lib, 1.0)[:, None]))


def sample_block(shape: tuple[int, int], n_rows: int, n_cols: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row and column indices of a random block of at most ``n_rows`` x ``n_cols`` (one generator)."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(shape[0], size=min(n_rows, shape[0]), replace=False))
    cols = np.sort(rng.choice(shape[1], size=min(n_cols, shape[1]), replace=False))
    return rows, cols


def augmentation_views(x: np.ndarray, knn: np.ndarray, cells: np.ndarray, cfg: AugmentConfig, *,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """The rows ``cells`` of ``x`` before and after each training augmentation, then after all three together.

    The first entry is the input; the augmentations draw from one generator seeded with ``seed`` in the
    order shown.
    """
    x_all, knn_t, idx = torch.from_numpy(np.asarray(x)), torch.from_numpy(np.asarray(knn)), torch.from_numpy(cells)
    gen = torch.Generator().manual_seed(seed)
    block = x_all[idx]
    views = {"input (z-scored log1p)": block,
             f"gene masking ({cfg.mask_rate:g})": augment.mask_genes(block, cfg.mask_rate, gen),
             f"Gaussian noise (var {cfg.noise_var:g})": augment.gaussian_noise(block, cfg.noise_var, gen),
             f"kNN swap ({cfg.swap_rate:g})": augment.neighbour_swap(block, x_all, idx, knn_t, cfg.swap_rate, gen),
             "all three (training input)": augment.augment(x_all, idx, knn_t, cfg, gen)}
    return {name: view.numpy() for name, view in views.items()}


def variance_share(variance: np.ndarray, selected: np.ndarray) -> float:
    """Fraction of the summed gene variance that the genes where ``selected`` is true hold."""
    variance = np.asarray(variance, dtype=np.float64)
    return float(variance[np.asarray(selected, dtype=bool)].sum() / variance.sum())


def skewness(values: np.ndarray) -> float:
    """Sample skewness (the third standardized moment) of ``values``."""
    from scipy.stats import skew

    return float(skew(np.asarray(values, dtype=np.float64).ravel()))


def changed_fractions(views: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Fraction of entries each view changes against the first (the input)."""
    (_, reference), *others = views.items()
    return pd.DataFrame([{"augmentation": name,
                          "fraction of entries changed": float((~np.isclose(v, reference)).mean())}
                         for name, v in others])


def knn_summary(dataset: str, knn: np.ndarray, n_genes: int, distances: np.ndarray, agreement: np.ndarray,
                chance: float) -> pd.DataFrame:
    """One row: the kNN graph of ``dataset`` (named with its kind), its mean cosine distance and the label
    agreement of neighbours (a diagnostic) against chance."""
    return pd.DataFrame([{"dataset": catalogue.label(dataset), "n_neighbors": knn.shape[1], "n_hvg": int(n_genes),
                          "mean_cosine_distance": float(np.mean(distances)),
                          "label_agreement": float(np.mean(agreement)), "chance_agreement": float(chance)}])


# --------------------------------------------------------------------------- the denoising walk-through
def zinb_parameter_quantiles(mu: np.ndarray, theta: np.ndarray, pi: np.ndarray) -> pd.DataFrame:
    """Entries, mean, sd, min, 10/50/90% quantiles and max of the fitted ZINB mean, dispersion and dropout."""
    fitted = {"mu": mu, "theta": theta, "pi": pi}
    stats = {name: pd.Series(np.asarray(v, dtype=np.float64).ravel()).describe(percentiles=[0.1, 0.5, 0.9])
             for name, v in fitted.items()}
    table = pd.DataFrame(stats).T.reset_index(names="parameter")
    return table.astype({"count": int}).rename(columns={"count": "entries", "std": "sd"})


def filled_zeros(raw: np.ndarray, denoised: np.ndarray, genes: Sequence[int],
                 names: Sequence[str]) -> tuple[dict[str, float], float, float]:
    """For the columns ``genes`` of two cells x genes matrices on one scale: the Pearson correlation of raw and
    denoised values of each gene (keyed by ``names``), and the median denoised value of the entries whose raw
    value is zero and of the others."""
    raw, denoised = np.asarray(raw)[:, genes], np.asarray(denoised)[:, genes]
    r = {str(n): float(np.corrcoef(raw[:, j], denoised[:, j])[0, 1]) for j, n in enumerate(names)}
    zero = raw == 0
    return r, float(np.median(denoised[zero])), float(np.median(denoised[~zero]))


def gene_labels(var_names: Sequence[str], counts, genes: Sequence[int]) -> list[str]:
    """``NAME (Z% zeros)`` of each of ``genes`` (columns of ``counts``, named by ``var_names``)."""
    zeros = gene_zero_fraction(counts)
    return [f"{var_names[j]} ({zeros[j]:.0%} zeros)" for j in genes]


def stage_times(timings: Mapping[str, float]) -> str:
    """``preprocess 0.1, denoise 2.3, ...`` (seconds, one decimal) in the order of ``timings``."""
    return ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in timings.items())


# --------------------------------------------------------------------------- the masking walk-through
def tail_mean(values: Sequence[float], n: int = 20) -> float:
    """Mean of the last ``n`` values (NaN when there are none): where a loss curve ended."""
    tail = np.asarray(values, dtype=np.float64)[-n:]
    return float(tail.mean()) if tail.size else float("nan")


def representation_scores(dataset: str, truth, labelings: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """ARI and NMI of label-free clusterings against the annotated types (a diagnostic), and their
    non-empty clusters; one row per clustering, the dataset named with its kind."""
    return pd.DataFrame([{"dataset": catalogue.label(dataset), "clustering": name,
                          "ari (diagnostic)": metrics.ari(truth, labels),
                          "nmi (diagnostic)": metrics.nmi(truth, labels),
                          "non-empty clusters": int(np.unique(labels).size)} for name, labels in labelings.items()])


# --------------------------------------------------------------------------- the clustering walk-through
def soft_weights(z: np.ndarray, centers: np.ndarray, temperature: float,
                 inflation: float) -> tuple[np.ndarray, np.ndarray]:
    """Soft k-means weights of the cells ``z`` on ``centers`` (Eq. 18), before and after inflation (Eq. 19)."""
    w = clustering.soft_kmeans_weights(clustering.squared_distances(torch.as_tensor(z), torch.as_tensor(centers)),
                                       temperature)
    return w.numpy(), clustering.inflate(w, inflation).numpy()


def weight_states(result) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Soft weights (before, after inflation) and labels of a fit at the start of the fine-tune (pretrained
    ``Z`` and its k-means centres) and at its end. ``result`` is a :class:`scdmac_lib.method.pipeline.ScDMACResult`."""
    cc, clu = result.config.cluster, result.clusters
    start, _ = finetune.initial_centers(result.pretrained_embedding, result.config.n_clusters, seed=result.config.seed,
                                        n_init=cc.n_init)
    at_start = soft_weights(result.pretrained_embedding, start, cc.temperature, cc.inflation)
    at_end = soft_weights(clu.embedding, clu.centers, cc.temperature, cc.inflation)
    return {"start": (*at_start, clu.initial_labels), "end": (*at_end, clu.labels)}


def weight_confidence(states: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], *,
                      inflated: bool = True) -> pd.DataFrame:
    """Mean over cells of the largest weight, before and (when ``inflated``) after inflation, per state of
    :func:`weight_states`; without ``inflated`` (an inflation that changes nothing) one column, ``mean max w``."""
    if not inflated:
        return pd.DataFrame([{"state": when, "mean max w": float(raw.max(axis=1).mean())}
                             for when, (raw, _, _) in states.items()])
    return pd.DataFrame([{"state": when, "mean max w (before inflation)": float(raw.max(axis=1).mean()),
                          "mean max w (after inflation)": float(sharp.max(axis=1).mean())}
                         for when, (raw, sharp, _) in states.items()])


def inflation_changes_nothing(states: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> bool:
    """Whether the inflated weights of every state of :func:`weight_states` equal the raw ones (inflation 1)."""
    return all(np.allclose(raw, inflated, rtol=1e-6, atol=1e-8) for raw, inflated, _ in states.values())


def term_changes(history: Mapping[str, Sequence[float]], terms: Sequence[str], window: int = 10) -> dict[str, float]:
    """Relative change of each loss term of ``history`` from the mean of its first ``window`` steps to the mean
    of its last ``window`` (at most half its steps, so that the two never overlap)."""
    out = {}
    for t in terms:
        v = np.asarray(history[t], dtype=np.float64)
        w = max(min(window, v.size // 2), 1)
        start, end = v[:w].mean(), v[-w:].mean()
        out[t] = float((end - start) / abs(start)) if start != 0 else float("nan")
    return out


def target_distribution(q: np.ndarray) -> np.ndarray:
    """The sharpened target ``p`` of a Student-t assignment ``q`` (Eq. 21)."""
    return clustering.target_distribution(torch.as_tensor(q)).numpy()


def label_scores(dataset: str, truth, labelings: Mapping[str, tuple[np.ndarray, np.ndarray]],
                 requested: int) -> pd.DataFrame:
    """ARI, NMI, silhouette and non-empty clusters of each labelling ``name -> (labels, embedding)``, against
    the annotated types, beside the number of clusters requested; the dataset named with its kind."""
    rows = []
    for name, (labels, embedding) in labelings.items():
        s = metrics.score(truth, labels, embedding)
        rows.append({"dataset": catalogue.label(dataset), "labels": name, "ari": s["ari"], "nmi": s["nmi"],
                     "silhouette": s["silhouette"], "non-empty clusters": s["n_clusters_found"],
                     "requested": requested})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the own-data page
def result_keys_table(adata, key: str = "scdmac") -> pd.DataFrame:
    """Where :func:`scdmac_lib.api.cluster.scdmac` wrote its results in ``adata``: place, key and what it holds."""
    rows = [{"where": "obs", "key": f"{key}_cluster",
             "what": f"cluster of each cell ({adata.obs[f'{key}_cluster'].nunique()} values)"},
            {"where": "obsm", "key": f"X_{key}", "what": f"embedding Z, shape {adata.obsm[f'X_{key}'].shape}"}]
    rows += [{"where": f"uns['{key}']", "key": k, "what": type(v).__name__} for k, v in adata.uns[key].items()]
    return pd.DataFrame(rows)


AUC_ABOVE_CHANCE = 0.55  # a mask AUC above this reads as "learned which entries were masked"


def diagnostics_reading(diagnostics: Mapping[str, float], n_clusters: int) -> pd.DataFrame:
    """The label-free diagnostics of a fit, each with how to read its value."""
    auc = diagnostics.get("mask_auc", float("nan"))
    return pd.DataFrame([
        {"diagnostic": "mask_auc", "value": auc,
         "reading": "above chance (0.5)" if auc > AUC_ABOVE_CHANCE else "near chance (0.5): little learned"},
        {"diagnostic": "mse_masked", "value": diagnostics["mse_masked"],
         "reading": f"{diagnostics['mse_masked'] / diagnostics['mse_kept']:.2f} x the kept-entry error"},
        {"diagnostic": "mse_kept", "value": diagnostics["mse_kept"], "reading": ""},
        {"diagnostic": "n_nonempty_clusters", "value": diagnostics["n_nonempty_clusters"],
         "reading": f"of k = {n_clusters} clusters asked for"}])


#: The configuration section whose ``train`` budget each stage of a fit's history trained with.
STAGE_SECTIONS = {"denoise": "zinb", "mae": "mae", "cluster": "cluster"}


def history_table(history: Mapping[str, Mapping[str, Sequence[float]]], *, n_obs: int | None = None,
                  config=None) -> pd.DataFrame:
    """Per training stage: its steps and its first and last loss; with the fit's cells ``n_obs`` and its
    :class:`~scdmac_lib.method.config.ScDMACConfig` ``config``, also what stopped it
    (:func:`scdmac_lib.method.config.stop_reason`, in the words of :data:`scdmac_lib.book.takeaways.STOP_WORDS`)."""
    from scdmac_lib.book.takeaways import STOP_WORDS

    rows = []
    for stage, h in history.items():
        row = {"stage": stage, "steps": len(h["loss"]), "first loss": float(h["loss"][0]),
               "last loss": float(h["loss"][-1])}
        if config is not None and n_obs is not None:
            train = getattr(config, STAGE_SECTIONS[stage]).train
            row["stopped by"] = STOP_WORDS[stop_reason(len(h["loss"]), n_obs, train)]
        rows.append(row)
    return pd.DataFrame(rows)


def k_estimate_datasets(profile: str) -> list[str]:
    """The datasets of the own-data page's k-estimate table: the smoke profile's own, else every stand-in
    and extra, and each of the paper's datasets that is here (this table downloads none of them)."""
    prof = get_profile(profile)
    if prof.name == "smoke":
        return list(prof.datasets)
    listed = data.list_datasets()
    listed = listed[listed["available"]]
    papers = listed.loc[listed["role"] == "paper", "name"].tolist()
    return listed.loc[~listed["role"].isin(PAPER_ROLES), "name"].tolist() + prefer_paper_data(papers)


def k_estimate_table(names: Sequence[str], config: PreprocessConfig | None = None, *, seed: int = 0) -> pd.DataFrame:
    """The ``-k auto`` estimate (:func:`scdmac_lib.api.kestimate.estimate_n_clusters`) on each dataset
    (named with its kind) against its number of annotated types."""
    config = config or make_config(2).preprocess
    rows = []
    for name in names:
        adata = catalogue.load_dataset(name)
        estimate = estimate_n_clusters(adata.X, config=config, seed=seed).n_clusters
        true_k = catalogue.n_types(adata)
        rows.append({"dataset": catalogue.label(name), "cells": adata.n_obs, "annotated types": true_k,
                     "estimated k": estimate, "estimate - types": estimate - true_k,
                     "estimate / types": estimate / true_k})
    return pd.DataFrame(rows)


def k_estimate_agreement(table: pd.DataFrame, tolerance: float = 0.25) -> dict[str, float]:
    """From :func:`k_estimate_table`: datasets where the estimate is exact, within ``tolerance`` (a fraction
    of the number of types), their count and the median ratio estimate / types."""
    off = table["estimate - types"].abs()
    return {"n": len(table), "exact": int((off == 0).sum()),
            "within": int((off <= tolerance * table["annotated types"]).sum()),
            "median_ratio": float(table["estimate / types"].median())}


# --------------------------------------------------------------------------- the performance page
def stage_table(timings: Mapping[str, float], history: Mapping[str, Mapping[str, Sequence[float]]],
                stages: Sequence[str]) -> pd.DataFrame:
    """Per stage of a fit: its wall time (NaN when it did not run) and its optimizer steps (0 without training)."""
    return pd.DataFrame([{"stage": s, "wall_s": float(timings.get(s, float("nan"))),
                          "steps": len(history.get(s, {}).get("loss", []))} for s in stages])


def benchmark_label(name: str) -> str:
    """A benchmark case's dataset named with its kind: the catalogue's label, or ``sim-CELLS (simulated)`` for
    the benchmark's own simulations (``benchmarks/run.py`` names them ``sim-CELLS``)."""
    if name.startswith("sim-") and name.removeprefix("sim-").isdigit():
        return f"{name} (simulated)"
    return catalogue.label(name)
