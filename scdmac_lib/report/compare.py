"""Ours beside the paper's: summaries of a run frame, side-by-side and display tables, sweeps.

A *run frame* has one row per run as returned by :func:`scdmac_lib.runs.execute.run_many` (columns
``dataset, method, seed, ari, nmi, silhouette``, ...), optionally with ``sweep_param`` /
``sweep_value`` columns marking the rows of a sensitivity sweep (:func:`tag_sweep`). Every function
here is a pure function of data frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from scdmac_lib.data import catalogue, simulate
from scdmac_lib.data.manifest import list_datasets
from scdmac_lib.report.reported import (
    NOT_RUN,
    load_reported,
    paper_method,
    reported_note,
    reported_value,
)
from scdmac_lib.runs.page_runs import SCDMAC_VARIANTS
from scdmac_lib.runs.specs import RunSpec

TOL = 1e-9  # two sweep values closer than this are the same point


def summarize_runs(frame: pd.DataFrame, metrics: str | Sequence[str] = ("ari", "nmi"),
                   by: Sequence[str] = ("dataset", "method")) -> pd.DataFrame:
    """Mean, sd (ddof=1; NaN with one seed) and best of each metric over seeds, per group of ``by``.

    The one summary of runs in the project (the paper reports a best run; the book shows both).
    Columns: ``by``, then ``{metric}_mean``, ``{metric}_sd``, ``{metric}_best`` per metric, and
    ``n_seeds``. A grouping of any columns: the tables built from it for a page
    (:func:`side_by_side`) add each dataset's kind.
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if missing := [m for m in metrics if m not in frame.columns]:
        msg = f"metric(s) {missing} are not columns of the run frame ({list(frame.columns)})."
        raise ValueError(msg)
    grouped = frame.groupby(list(by), sort=False)
    parts = {}
    for m in metrics:
        parts[f"{m}_mean"] = grouped[m].mean()
        parts[f"{m}_sd"] = grouped[m].std(ddof=1)
        parts[f"{m}_best"] = grouped[m].max()
    parts["n_seeds"] = grouped["seed"].nunique() if "seed" in frame.columns else grouped[metrics[0]].count()
    return pd.DataFrame(parts).reset_index()


def side_by_side(frame: pd.DataFrame, reported: pd.DataFrame | None, metric: str) -> pd.DataFrame:
    """Long table: one row per (dataset, method) we ran, ours beside the reported value.

    Columns: ``dataset, kind, paper_dataset, method, paper_method, ours_mean, ours_sd, ours_best,
    n_seeds, reported, reported_note`` (``kind`` from :func:`scdmac_lib.data.catalogue.kind`).
    """
    summ = summarize_runs(frame, metric).rename(columns={f"{metric}_{s}": s for s in ("mean", "sd", "best")})
    rows = []
    for r in summ.itertuples(index=False):
        rows.append({"dataset": r.dataset, "kind": catalogue.kind(r.dataset),
                     "paper_dataset": catalogue.paper_column(r.dataset) or "",
                     "method": r.method, "paper_method": paper_method(r.method),
                     "ours_mean": r.mean, "ours_sd": r.sd, "ours_best": r.best, "n_seeds": int(r.n_seeds),
                     "reported": reported_value(reported, r.method, r.dataset),
                     "reported_note": reported_note(reported, r.method, r.dataset)})
    return pd.DataFrame(rows, columns=["dataset", "kind", "paper_dataset", "method", "paper_method", "ours_mean",
                                       "ours_sd", "ours_best", "n_seeds", "reported", "reported_note"])


def reported_only(reported: pd.DataFrame | None, datasets: Sequence[str],
                  methods: Iterable[str] = tuple(NOT_RUN)) -> pd.DataFrame:
    """Rows of the paper's baselines we cannot run: their reported value per dataset and why not run."""
    rows = []
    for m in methods:
        for d in datasets:
            rows.append({"dataset": d, "kind": catalogue.kind(d), "paper_dataset": catalogue.paper_column(d) or "",
                         "method": m, "paper_method": m,
                         "ours_mean": math.nan, "ours_sd": math.nan, "ours_best": math.nan, "n_seeds": 0,
                         "reported": reported_value(reported, m, d), "reported_note": reported_note(reported, m, d),
                         "not_run_reason": NOT_RUN.get(m, "not run")})
    return pd.DataFrame(rows)


def _fmt(x: float, digits: int = 3) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def format_ours(mean: float, sd: float, best: float, n: int, digits: int = 3) -> str:
    """``mean ± sd (best b)``; only the mean when there is one seed; ``"not run"`` when none."""
    if n == 0 or math.isnan(mean):
        return "not run"
    if n < 2 or math.isnan(sd):
        return f"{mean:.{digits}f} (1 seed)"
    return f"{mean:.{digits}f} ± {sd:.{digits}f} (best {best:.{digits}f})"


def format_reported(value: float, note: str, digits: int = 4) -> str:
    """The reported number, or the reason it is empty."""
    if not math.isnan(value):
        return f"{value:.{digits}f}"
    return note or "n/a"


def display_table(long: pd.DataFrame, *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Wide, printable table: rows are methods, two columns per dataset (ours, reported).

    ``extra`` (from :func:`reported_only`) adds the reported-only rows plus a ``why not run`` column.
    """
    parts = [long] if extra is None else [long, extra]
    both = pd.concat(parts, ignore_index=True)
    datasets = list(dict.fromkeys(both["dataset"]))
    methods = list(dict.fromkeys(both["method"]))
    out = pd.DataFrame(index=pd.Index(methods, name="method"))
    for d in datasets:
        sub = both[both["dataset"] == d].set_index("method")
        label = catalogue.label(d)
        out[f"{label}: ours"] = [format_ours(sub.loc[m, "ours_mean"], sub.loc[m, "ours_sd"],
                                             sub.loc[m, "ours_best"], int(sub.loc[m, "n_seeds"]))
                                 if m in sub.index else "not run" for m in methods]
        out[f"{label}: reported"] = [format_reported(sub.loc[m, "reported"], sub.loc[m, "reported_note"])
                                     if m in sub.index else "" for m in methods]
    if extra is not None and "not_run_reason" in extra:
        reasons = extra.drop_duplicates("method").set_index("method")["not_run_reason"]
        out["why not run"] = [reasons.get(m, "") for m in methods]
    return out


def tag_sweep(frame: pd.DataFrame, param: str, values: Sequence[float]) -> pd.DataFrame:
    """``frame`` (one row per sweep spec, in order) with ``sweep_param`` and ``sweep_value`` columns."""
    if len(frame) != len(values):
        msg = f"frame has {len(frame)} rows but {len(values)} sweep values were given."
        raise ValueError(msg)
    out = frame.copy()
    out["sweep_param"] = param
    out["sweep_value"] = list(values)
    return out


def sweep_frame(frame: pd.DataFrame, specs: Sequence[RunSpec],
                sweeps: Mapping[str, Sequence[tuple[float, RunSpec]]]) -> pd.DataFrame:
    """Every sweep's runs, tagged (:func:`tag_sweep`), taken from ``frame``: one row per spec of ``specs``, in
    order (a page's runs). A run shared by several sweeps (the default value) appears once per sweep.

    ``sweeps`` maps a swept parameter to its ``(value, spec)`` pairs
    (:func:`scdmac_lib.runs.page_runs.sweeps`); each of those specs must be among ``specs``.
    """
    if len(frame) != len(specs):
        msg = f"frame has {len(frame)} rows for {len(specs)} specs: pass the run frame of exactly these specs."
        raise ValueError(msg)
    row_of = {spec: i for i, spec in enumerate(specs)}
    if missing := [spec for pairs in sweeps.values() for _, spec in pairs if spec not in row_of]:
        msg = (f"{len(missing)} sweep run(s) are not among the page's runs (first: {missing[0].dataset} "
               f"{missing[0].method} seed {missing[0].seed}): plan the sweeps with the same datasets and seeds.")
        raise ValueError(msg)
    parts = [tag_sweep(frame.iloc[[row_of[spec] for _, spec in pairs]], param, [value for value, _ in pairs])
             for param, pairs in sweeps.items()]
    return pd.concat(parts, ignore_index=True)


def summarize_sweep(frame: pd.DataFrame, param: str, metrics: Sequence[str] = ("ari", "nmi")) -> pd.DataFrame:
    """Mean and sd over seeds per (dataset, value) of one sweep; ``kind`` names what each dataset is."""
    sub = _sweep_rows(frame, param)
    if sub.empty:
        return pd.DataFrame(columns=["dataset", "kind", "sweep_value",
                                     *[f"{m}_{s}" for m in metrics for s in ("mean", "sd")]])
    g = sub.groupby(["dataset", "sweep_value"], sort=True)
    parts = {}
    for m in metrics:
        parts[f"{m}_mean"] = g[m].mean()
        parts[f"{m}_sd"] = g[m].std(ddof=1)
    parts["n_seeds"] = g["seed"].nunique()
    out = pd.DataFrame(parts).reset_index()
    out.insert(1, "kind", out["dataset"].map(catalogue.kind))
    return out


def _sweep_rows(frame: pd.DataFrame, param: str) -> pd.DataFrame:
    if "sweep_param" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["sweep_param"] == param]


def main_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if "sweep_param" not in frame.columns:
        return frame
    return frame[frame["sweep_param"].isna()]


def win_loss_statement(long: pd.DataFrame, metric: str, method: str = "scDMAC") -> str:
    """Markdown bullets, per dataset: where ``method`` ranks by mean, and whom it beats / loses to."""
    lines = []
    for d, g in long.groupby("dataset", sort=False):
        g = g.dropna(subset=["ours_mean"]).sort_values("ours_mean", ascending=False)
        if method not in set(g["method"]):
            lines.append(f"- {catalogue.label(d)}: {method} was not run.")
            continue
        ours = float(g.loc[g["method"] == method, "ours_mean"].iloc[0])
        others = g[~g["method"].isin(SCDMAC_VARIANTS)]
        above = others[others["ours_mean"] > ours]
        rank = 1 + len(above)
        if above.empty:
            text = f"{method} is best ({ours:.3f}) among the {len(others) + 1} methods run"
        else:
            losers = ", ".join(f"{r.method} ({r.ours_mean:.3f})" for r in above.itertuples())
            text = f"{method} ranks {rank} of {len(others) + 1} ({ours:.3f}); behind {losers}"
        lines.append(f"- {catalogue.label(d)}, {metric.upper()}: {text}.")
    return "\n".join(lines)


def dataset_table(datasets: Sequence[str]) -> pd.DataFrame:
    """One row per dataset: its kind, our shape, the paper column it is or stands for and that column's Table 1 shape."""
    try:
        t1 = load_reported(1)
    except FileNotFoundError:
        t1 = None
    listed = list_datasets().set_index("name")
    rows = []
    for d in datasets:
        shape = simulate.shape_of(d)
        if shape is None and d in listed.index:
            shape = tuple(listed.loc[d, c] for c in ("n_cells", "n_genes", "n_types"))
        col = catalogue.paper_column(d)
        paper_shape = ""
        if col and t1 is not None and col in t1.index:
            r = t1.loc[col]
            paper_shape = f"{r['cells']} x {r['genes']} x {r['cell_types']}"
        ours = f"{shape[0]} x {shape[1]} x {shape[2]}" if shape is not None else ""
        rows.append({"dataset": d, "kind": catalogue.kind(d), "cells x genes x types (ours)": ours,
                     "paper dataset": col or "", "cells x genes x types (paper, Table 1)": paper_shape})
    return pd.DataFrame(rows)


def reported_comparison_note(datasets: Sequence[str]) -> str:
    """How far ours and the paper's reported values compare on ``datasets``, by kind, in sentences."""
    by_kind: dict[str, list[str]] = {}
    for d in datasets:
        by_kind.setdefault(catalogue.kind(d), []).append(catalogue.label(d))
    notes = {
        "stand-in": ("a reduced stand-in for the paper's dataset of that name", "reduced stand-ins for the paper's "
                     "datasets of those names", "so ours and the reported value are not a like-for-like comparison"),
        "paper's data": ("the paper's own dataset (a public copy)", "the paper's own datasets (public copies)",
                         "so ours sits beside the value reported on the same data"),
        "extra": ("a dataset the paper does not use", "datasets the paper does not use", "with no reported value"),
        "simulated": ("simulated data", "simulated data", "with no reported value"),
    }
    out = []
    for kind in catalogue.KINDS:
        names = by_kind.get(kind)
        if names:
            one, many, then = notes[kind]
            verb, what = ("is", one) if len(names) == 1 else ("are", many)
            out.append(f"{', '.join(names)} {verb} {what}, {then}.")
    return " ".join(out)
