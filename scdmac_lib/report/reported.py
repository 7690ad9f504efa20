"""The paper's reported values: Tables 1-5 (kept in the package, :data:`PAPER_TABLES`) and the values
its text quotes for Figs. 5-7, with the mapping from our method names to the paper's rows.

These are facts from the paper (Xu et al., 2026), shown as reported; an empty cell is a value lost
when the paper's web page was extracted (it was the bold best or underlined second-best entry) and
stays ``NaN``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from scdmac_lib.data import catalogue

LOST = "lost in extraction"


#: The paper's tables, kept in the package (one file each, with the table's number and caption in
#: ``#`` lines above the CSV), so that every checkout shows the reported side.
PAPER_TABLES = Path(__file__).resolve().parent / "paper_tables"
REPORTED_FILES = {
    1: "table1_datasets.csv",
    2: "table2_ari.csv",
    3: "table3_nmi.csv",
    4: "table4_silhouette.csv",
    5: "table5_ablation.csv",
}


METRIC_TABLE = {"ari": 2, "nmi": 3, "silhouette": 4}


#: Our method names -> the rows of the paper's tables.
PAPER_METHOD = {
    "PCA + k-means": "PCA + K-means",
    "Leiden (Seurat-style)": "Seurat",
    "scDeepCluster-style": "scDeepCluster",
    "scziDesk-style": "scziDesk",
    "scVI + k-means": "scVI",
    "scDMAC": "scDMAC",
    "scDMAC-Z": "scDMAC-Z",
    "scDMAC-W": "scDMAC-W",
    "scDMAC-P": "scDMAC-P",
}


#: Baselines of the paper this project does not run, and why.
_NOT_RUN_REASON = "not re-implemented in this project; only the paper's reported values are shown"


NOT_RUN = dict.fromkeys(("graph-sc", "AutoClass", "scDCCA", "CellBRF", "CTEC", "scCGC"), _NOT_RUN_REASON)


#: The sensitivity sweeps of Figs. 5-7: config key, the paper's reported optimum (a closed range),
#: and the peak values the text quotes at that optimum, per paper dataset, as (ARI, NMI).
SWEEPS = {
    "mae.mask_ratio": {"figure": "Fig. 5", "label": "masking ratio", "optimum": (0.2, 0.3), "peaks": {}},
    "mae.recon_weight": {
        "figure": "Fig. 6", "label": "reconstruction weight of masked genes", "optimum": (0.7, 0.7),
        "peaks": {"Adam": (0.93494, 0.92289), "Deng": (0.88916, 0.88072), "Pollen": (0.91566, 0.93614)},
    },
    "mae.mask_loss_weight": {
        "figure": "Fig. 7", "label": "mask-prediction loss weight", "optimum": (0.65, 0.65),
        "peaks": {"Adam": (0.935, math.nan), "Deng": (0.89, math.nan), "Muraro": (0.87, math.nan),
                  "Pollen": (0.91, math.nan), "Chen": (0.88, math.nan), "Zeisel": (0.79, math.nan)},
    },
}


def _file(table: int, folder: Path | None) -> Path:
    if table not in REPORTED_FILES:
        msg = f"table must be one of {sorted(REPORTED_FILES)}, got {table!r}."
        raise ValueError(msg)
    path = Path(folder or PAPER_TABLES) / REPORTED_FILES[table]
    if not path.is_file():
        msg = f"the paper's Table {table} is not at {path}."
        raise FileNotFoundError(msg)
    return path


def caption(table: int, *, folder: Path | None = None) -> str:
    """The caption kept with the paper's Table ``table`` (the ``# caption:`` line of its file)."""
    for line in _file(table, folder).read_text().splitlines():
        if line.startswith("# caption:"):
            return line.removeprefix("# caption:").strip()
    msg = f"{REPORTED_FILES[table]} has no '# caption:' line."
    raise ValueError(msg)


def load_reported(table: int, *, folder: Path | None = None) -> pd.DataFrame:
    """One of the paper's Tables 1-5 as a frame; lost cells stay ``NaN``.

    Tables 2-4 are indexed by the paper's method name with one column per paper dataset; Table 5 is
    indexed by (variant, metric) with the metric lower-cased (``"ari"``, ``"nmi"``). ``folder``
    replaces the package's :data:`PAPER_TABLES` (tests).
    """
    frame = pd.read_csv(_file(table, folder), comment="#")
    if table == 1:
        return frame.set_index("dataset")
    if table == 5:
        frame["metric"] = frame["metric"].str.lower()
        return frame.set_index(["variant", "metric"])
    return frame.set_index("method")


def reported_metric(metric: str, *, folder: Path | None = None) -> pd.DataFrame | None:
    """The reported table of ``metric`` (``ari``, ``nmi`` or ``silhouette``), or ``None`` if absent."""
    if metric not in METRIC_TABLE:
        msg = f"metric must be one of {sorted(METRIC_TABLE)}, got {metric!r}."
        raise ValueError(msg)
    try:
        return load_reported(METRIC_TABLE[metric], folder=folder)
    except FileNotFoundError:
        return None


def reported_ablation(metric: str, *, folder: Path | None = None) -> pd.DataFrame | None:
    """Table 5 for one metric, indexed by variant (rows like Tables 2-3), or ``None`` if absent."""
    try:
        t5 = load_reported(5, folder=folder)
    except FileNotFoundError:
        return None
    return t5.xs(metric.lower(), level="metric")


def paper_method(method: str) -> str:
    """The paper's row name for one of our methods (unchanged when it has none)."""
    return PAPER_METHOD.get(method, method)


def reported_value(reported: pd.DataFrame | None, method: str, dataset: str) -> float:
    """Reported value of our ``method`` on our ``dataset``; ``NaN`` if absent, lost or not comparable."""
    col = catalogue.paper_column(dataset)
    row = paper_method(method)
    if reported is None or col is None or row not in reported.index or col not in reported.columns:
        return math.nan
    return float(reported.loc[row, col])


def reported_note(reported: pd.DataFrame | None, method: str, dataset: str) -> str:
    """Why the reported cell is empty (or ``""`` when it holds a number)."""
    col = catalogue.paper_column(dataset)
    if reported is None:
        return "reported tables not available"
    if col is None:
        return "no paper column"
    if paper_method(method) not in reported.index:
        return "method not in the paper's table"
    if math.isnan(reported_value(reported, method, dataset)):
        return LOST
    return ""


def reported_peak_points(param: str, dataset: str) -> tuple[float, float] | None:
    """The (ARI, NMI) the paper quotes at the optimum of ``param`` for our stand-in ``dataset``."""
    col = catalogue.paper_column(dataset)
    peaks: Mapping[str, tuple[float, float]] = SWEEPS[param]["peaks"]
    return peaks.get(col) if col else None
