"""The "-style" baselines beside the numbers their authors print: scDeepCluster (and scDCC's
scDeepCluster) and scziDesk, on the datasets the scDeepCluster and scDCC authors published.

The authors' values live in :data:`AUTHORS_FILE` (``paper_tables/baseline_authors.csv``): ``#``
lines with the table's name, caption, source and every source searched (``# searched:``), then one
row per (method, dataset, metric, source) with the value as printed, empty where the source prints
none (its ``note`` says why: drawn in a figure only, or a dataset the paper does not use).
:func:`calibration_table` puts our runs of the matching "-style" method beside each row.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from scdmac_lib.data.manifest import list_datasets
from scdmac_lib.report.reported import PAPER_TABLES
from scdmac_lib.runs.cache import RunResult
from scdmac_lib.runs.specs import resolved_config

AUTHORS_FILE = PAPER_TABLES / "baseline_authors.csv"
#: A gap (ours minus printed) larger than this, either way, is flagged and explained on the page.
GAP_FLAG = 0.1
#: The authors' method -> ours.
STYLE_OF = {"scDeepCluster": "scDeepCluster-style", "scziDesk": "scziDesk-style"}
#: Pretraining epochs of the authors' code: scDeepCluster ``--pretrain_epochs 400`` (``code/scDeepCluster.py``),
#: scziDesk ``--pretrain_epoch 1000`` (``zidpkm.py``).
AUTHORS_PRETRAIN_EPOCHS = {"scDeepCluster-style": 400, "scziDesk-style": 1000}
_COLUMNS = ("method", "dataset", "metric", "value", "source", "where", "note")
_METRICS = ("ari", "nmi")


def load_authors(path: Path | str | None = None) -> pd.DataFrame:
    """The authors' values, one row per (method, dataset, metric, source); ``value`` is NaN where none is printed."""
    path = Path(path or AUTHORS_FILE)
    frame = pd.read_csv(path, comment="#")
    if missing := [c for c in _COLUMNS if c not in frame.columns]:
        msg = f"{path.name} lacks the column(s) {missing}; it needs {list(_COLUMNS)}."
        raise ValueError(msg)
    frame["metric"] = frame["metric"].str.lower()
    if bad := sorted(set(frame["metric"]) - set(_METRICS)):
        msg = f"{path.name}: unknown metric(s) {bad}; use one of {list(_METRICS)}."
        raise ValueError(msg)
    if unknown := sorted(set(frame["method"]) - set(STYLE_OF)):
        msg = f"{path.name}: no '-style' method of ours for {unknown}; known: {sorted(STYLE_OF)}."
        raise ValueError(msg)
    frame["value"] = pd.to_numeric(frame["value"])
    return frame.fillna({c: "" for c in ("source", "where", "note")})


def searched_sources(path: Path | str | None = None) -> list[str]:
    """The ``# searched:`` lines of the authors' file: where the printed values were looked for."""
    prefix = "# searched:"
    lines = Path(path or AUTHORS_FILE).read_text().splitlines()
    return [line.removeprefix(prefix).strip() for line in lines if line.startswith(prefix)]


def calibration_table(frame: pd.DataFrame, authors: pd.DataFrame, *, gap_flag: float = GAP_FLAG) -> pd.DataFrame:
    """Ours beside each of the authors' rows.

    ``frame`` is a run frame (columns ``dataset, method, seed`` and the metrics). Columns: ``method``
    (ours), ``authors_method``, ``dataset``, ``metric``, ``ours_mean``, ``ours_sd`` (ddof 1, NaN with
    one seed), ``n_seeds``, ``printed``, ``gap`` (ours minus printed), ``flag`` (``|gap| > gap_flag``),
    ``status`` (``compared``, ``no printed value`` or ``not run here``), ``source``, ``where``, ``note``.
    """
    if missing := [c for c in ("dataset", "method", "seed", *sorted(set(authors["metric"]))) if c not in frame.columns]:
        msg = f"the run frame lacks the column(s) {missing} (it has {list(frame.columns)})."
        raise ValueError(msg)
    rows = []
    for _, row in authors.iterrows():
        ours = STYLE_OF[row["method"]]
        runs = frame.loc[(frame["method"] == ours) & (frame["dataset"] == row["dataset"]), row["metric"]].dropna()
        mean = float(runs.mean()) if len(runs) else np.nan
        sd = float(runs.std(ddof=1)) if len(runs) > 1 else np.nan
        gap = mean - row["value"]
        status = "not run here" if not len(runs) else "no printed value" if np.isnan(row["value"]) else "compared"
        rows.append({"method": ours, "authors_method": row["method"], "dataset": row["dataset"], "metric": row["metric"],
                     "ours_mean": mean, "ours_sd": sd, "n_seeds": len(runs), "printed": row["value"], "gap": gap,
                     "flag": bool(np.isfinite(gap) and abs(gap) > gap_flag), "status": status,
                     "source": row["source"], "where": row["where"], "note": row["note"]})
    return pd.DataFrame(rows)


def training_given(results: Iterable[RunResult]) -> pd.DataFrame:
    """What the "-style" runs trained, beside what their authors train: one row per (dataset, method).

    Columns: ``dataset``, ``method``, ``cells``, ``types`` (from the manifest; NaN for simulated
    data), ``clusters_found`` (``min-max`` over seeds), ``pretrain_steps``, ``pretrain_epochs`` (steps
    times the batch over the cells), ``authors_epochs`` (:data:`AUTHORS_PRETRAIN_EPOCHS`) and
    ``finetune_steps`` (``min-max`` over seeds). Runs of other methods are left out.
    """
    types = list_datasets().set_index("name")["n_types"]
    rows = []
    for res in results:
        if res.spec.method not in AUTHORS_PRETRAIN_EPOCHS:
            continue
        cells = len(res.labels)
        batch = min(int(resolved_config(res.spec)["zinb.train.batch_size"]), cells)
        steps = res.diagnostics.get("pretrain_steps", np.nan)
        rows.append({"dataset": res.spec.dataset, "method": res.spec.method, "cells": cells,
                     "types": types.get(res.spec.dataset, np.nan), "found": res.metrics["n_clusters_found"],
                     "pretrain_steps": steps, "pretrain_epochs": steps * batch / cells,
                     "authors_epochs": AUTHORS_PRETRAIN_EPOCHS[res.spec.method],
                     "finetune": res.diagnostics.get("finetune_steps", np.nan)})
    if not rows:
        return pd.DataFrame(columns=["dataset", "method", "cells", "types", "clusters_found", "pretrain_steps",
                                     "pretrain_epochs", "authors_epochs", "finetune_steps"])

    def span(values: pd.Series) -> str:
        values = values.dropna()
        if values.empty:
            return ""
        lo, hi = int(values.min()), int(values.max())
        return str(lo) if lo == hi else f"{lo}-{hi}"

    grouped = pd.DataFrame(rows).groupby(["dataset", "method"], sort=False)
    out = grouped.agg(cells=("cells", "first"), types=("types", "first"), pretrain_steps=("pretrain_steps", "mean"),
                      pretrain_epochs=("pretrain_epochs", "mean"), authors_epochs=("authors_epochs", "first"))
    out.insert(3, "clusters_found", grouped["found"].agg(span))
    out["finetune_steps"] = grouped["finetune"].agg(span)
    return out.reset_index()


def _ours_text(row) -> str:
    if not row["n_seeds"]:
        return "not run"
    sd = "" if np.isnan(row["ours_sd"]) else f" ± {row['ours_sd']:.3f}"
    return f"{row['ours_mean']:.3f}{sd} ({row['n_seeds']} seed{'s' if row['n_seeds'] != 1 else ''})"


def compared_view(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`calibration_table` with a printed value, as a page shows them (whether a gap
    exceeds :data:`GAP_FLAG` is in the CSV's ``flag`` and said under the table)."""
    rows = table[table["status"] == "compared"]
    return pd.DataFrame({"ours": rows["method"], "dataset": rows["dataset"], "metric": rows["metric"].str.upper(),
                         "mean ± sd": [_ours_text(r) for _, r in rows.iterrows()], "printed": rows["printed"],
                         "gap": rows["gap"], "source": rows["source"] + ", " + rows["where"]})


def unprinted_view(table: pd.DataFrame) -> pd.DataFrame:
    """The rows without a printed value, one line per (authors' method, source, where, note) with its datasets."""
    rows = table[table["printed"].isna()]
    grouped = rows.groupby(["authors_method", "source", "where", "note"], sort=False)
    return grouped.agg(datasets=("dataset", lambda d: ", ".join(dict.fromkeys(d)))).reset_index()[
        ["authors_method", "datasets", "source", "where", "note"]]


def gap_explanations(table: pd.DataFrame, given: pd.DataFrame) -> list[str]:
    """One sentence per flagged row: the gap and what our runs trained against what the authors train."""
    given = given.set_index(["dataset", "method"])
    out = []
    for _, row in table[table["flag"]].iterrows():
        text = (f"{row['method']} on {row['dataset']}, {row['metric'].upper()}: ours {row['ours_mean']:.3f}, "
                f"printed {row['printed']:.3f} ({row['source']}, {row['where']}), gap {row['gap']:+.3f}.")
        if (row["dataset"], row["method"]) in given.index:
            g = given.loc[(row["dataset"], row["method"])]
            text += (f" Our runs pretrain {g['pretrain_steps']:.0f} steps, {g['pretrain_epochs']:.0f} epochs of its "
                     f"{g['cells']} cells, where the authors' code trains {g['authors_epochs']}; they found "
                     f"{g['clusters_found']} clusters for {g['types']:.0f} types.")
        out.append(text)
    return out
