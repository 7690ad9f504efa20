"""What the reader should see in a figure: one or two sentences computed from the numbers it shows.

Each function takes what the figure's helper draws and returns plain text for
:func:`scdmac_lib.book.page.show_figure`'s ``takeaway``: the diagrams' from the configuration they are
drawn from (:mod:`scdmac_lib.book.diagrams`), the bar grids' from the
:func:`scdmac_lib.report.compare.side_by_side` table, the sweeps' from
:func:`scdmac_lib.report.compare.summarize_sweep`, Fig. 4's from a
:class:`~scdmac_lib.book.projection.Panel`. No number in them is typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.report import reported

if TYPE_CHECKING:
    from scdmac_lib.book.projection import Panel
    from scdmac_lib.method.config import ScDMACConfig

TIE = 1e-9  # two sweep points whose mean scores differ by less are tied


def _names(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _range(values) -> str:
    lo, hi = float(np.min(values)), float(np.max(values))
    return f"{lo:.2f}" if round(lo, 2) == round(hi, 2) else f"{lo:.2f} to {hi:.2f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------- Figs. 1-3
def flowchart(cfg: ScDMACConfig) -> str:
    """Fig. 1: what each trained stage turns the data into, with the sizes of ``cfg``."""
    pp, ma = cfg.preprocess, cfg.mae
    first = (f"the ZINB autoencoder turns the {pp.n_top_genes} selected genes into the denoised X_z"
             if cfg.denoise else f"X_z is the log-normalized matrix of the {pp.n_top_genes} selected genes (no denoising)")
    return (f"Three stages run one after the other: {first}, the masked autoencoder compresses X_z to "
            f"Z, {ma.latent} numbers per cell, and the fine-tune groups Z into k = {cfg.n_clusters} clusters.")


def zinb_diagram(cfg: ScDMACConfig) -> str:
    """Fig. 2: that X_z is the fitted mean over all genes, not the bottleneck."""
    zi, n_genes = cfg.zinb, cfg.preprocess.n_top_genes
    return (f"The denoised X_z keeps all {n_genes} genes: it is the fitted mean \u03bc of each count, not the "
            f"{zi.bottleneck}-dimensional bottleneck; the dispersion \u03b8 and the dropout \u03c0 enter only "
            "the likelihood the autoencoder is trained on.")


def mae_diagram(cfg: ScDMACConfig) -> str:
    """Fig. 3: how much is masked and how the two losses are weighed."""
    ma = cfg.mae
    text = (f"Each epoch a fresh {ma.mask_ratio:.0%} of the entries of X_z are replaced by values shuffled from "
            f"other cells; the reconstruction weighs its errors {ma.recon_weight:g} on those entries against "
            f"{1 - ma.recon_weight:g} on the others")
    if not ma.use_mask_predictor:
        return text + ", and there is no mask predictor (scDMAC-P)."
    return (text + f", and the mask predictor's cross-entropy counts {ma.mask_loss_weight:g} of the loss "
            f"against {1 - ma.mask_loss_weight:g} for the reconstruction.")


# --------------------------------------------------------------------------- Tables 2-4
def ours_vs_reported(long: pd.DataFrame, metric: str, *, method: str = "scDMAC") -> str:
    """Where ``method`` has the best mean of the methods shown, and how ours compare with the paper's values.

    ``long`` is a :func:`scdmac_lib.report.compare.side_by_side` table (the bar grid's input).
    """
    if long.empty or method not in set(long["method"]):
        msg = f"the table has no rows of {method!r} (methods: {sorted(set(long['method']))})."
        raise ValueError(msg)
    datasets = list(dict.fromkeys(long["dataset"]))
    best = long.loc[long.groupby("dataset", sort=False)["ours_mean"].idxmax()]
    wins = [catalogue.label(d) for d in best.loc[best["method"] == method, "dataset"]]
    text = (f"{method} has the highest mean {metric} of the {long['method'].nunique()} methods on {len(wins)} "
            f"of {len(datasets)} datasets" + (f" ({_names(wins)})." if wins else "."))
    paired = long.dropna(subset=["reported"])
    if paired.empty:
        return text + " The paper reports no value for these datasets."
    ours = paired[paired["method"] == method]
    others = paired[paired["method"] != method]
    if not ours.empty:
        gap = ours["ours_mean"] - ours["reported"]
        text += (f" Where the paper reports a value ({_count(len(ours), 'dataset')}), our {method} is below it on "
                 f"{int((gap < 0).sum())} of {len(ours)} (ours minus reported: {_range(gap)})")
    if not others.empty:
        below_others = int((others["ours_mean"] < others["reported"]).sum())
        text += ", and " if not ours.empty else " Where the paper reports a value, "
        text += f"ours is below the paper's value for {below_others} of the {len(others)} other method-dataset pairs."
    else:
        text += "."
    return text


# --------------------------------------------------------------------------- Figs. 5-7
def sweep(summary: pd.DataFrame, param: str, *, metric: str = "ari") -> str:
    """Where our ``metric`` peaks on each dataset of one sweep against the paper's optimum, how much it moves,
    and how far the values the paper quotes at its optimum (the stars) lie from ours there."""
    info = reported.SWEEPS[param]
    lo, hi = info["optimum"]
    name = metric.upper()
    peaks, flat, inside, spans, gaps = [], [], 0, [], []
    for dataset, sub in summary.groupby("dataset", sort=False):
        means = sub.set_index("sweep_value")[f"{metric}_mean"].dropna()
        if means.empty:
            continue
        at_optimum = means[(means.index >= lo - TIE) & (means.index <= hi + TIE)]
        quoted = reported.reported_peak_points(param, dataset)
        value = None if quoted is None else dict(zip(("ari", "nmi"), quoted, strict=True)).get(metric)
        if value is not None and not np.isnan(value) and not at_optimum.empty:
            gaps.append(f"{value - at_optimum.max():+.2f} on {catalogue.label(dataset)}")
        spans.append(means.max() - means.min())
        if spans[-1] < TIE:
            flat.append(catalogue.label(dataset))
            continue
        top = means[means >= means.max() - TIE].index
        inside += bool(((top >= lo - TIE) & (top <= hi + TIE)).any())
        peaks.append(f"{' and '.join(f'{v:g}' for v in top)} on {catalogue.label(dataset)}")
    if not spans:
        msg = f"the sweep summary of {param} has no {metric}_mean values."
        raise ValueError(msg)
    optimum = f"{lo:g}" if abs(hi - lo) < TIE else f"{lo:g}-{hi:g}"
    where = []
    if peaks:
        where.append(f"highest at {info['label']} {'; '.join(peaks)}")
    if flat:
        where.append(f"the same at every value on {_names(flat)}")
    text = (f"Our {name} is {', and '.join(where)}; the paper's optimum is {optimum}"
            + (f" (the peak falls there on {inside} of {len(peaks)})." if peaks else ".")
            + f" Across the grid our {name} moves by at most {max(spans):.3f} on a dataset")
    if gaps:
        text += f"; the paper's quoted {name} at its optimum (stars) minus ours there: {'; '.join(gaps)}"
    return text + "."


# --------------------------------------------------------------------------- Fig. 4
def embedding(panel: Panel) -> str:
    """Fig. 4 for one dataset: clusters against types, how whole each annotated type stays, which types share
    a cluster."""
    truth = pd.Series(np.asarray(panel.truth).astype(str))
    clusters = pd.Series(np.asarray(panel.labels).astype(str))
    table = pd.crosstab(truth, clusters)
    kept = table.max(axis=1) / table.sum(axis=1)  # each type: the share of its cells in its main cluster
    split = kept.idxmin()
    main = table.idxmax(axis=1)  # each type's main cluster
    shared = [sorted(main.index[main == c]) for c in main.unique() if (main == c).sum() > 1]
    text = (f"scDMAC finds {clusters.nunique()} clusters for {truth.nunique()} annotated types (ARI "
            f"{panel.metrics['ari']:.2f}). Each type keeps a median {kept.median():.0%} of its cells in one cluster "
            f"(the most split, {split!r}, keeps {kept[split]:.0%})")
    if not shared:
        return text + ", and no two types share their main cluster."
    largest = _names([repr(t) for t in max(shared, key=len)])
    if len(shared) == 1:
        return text + f"; {largest} share their main cluster."
    return text + f"; {len(shared)} clusters are the main cluster of two or more types, e.g. {largest}."
