"""Reported-vs-reproduced tables and the claim verdicts of the reproducibility report.

Everything here is a pure function of data frames: the paper's reported tables (read from
``shared/paper/reported_table*.csv``) and a *run frame*, one row per run as returned by
:func:`scdmac_lib.experiments.run_many` (columns ``dataset, method, seed, ari, nmi, silhouette``),
optionally with ``sweep_param`` / ``sweep_value`` columns marking the rows of a sensitivity sweep
(see :func:`sweep_specs` and :func:`tag_sweep`). Verdicts are computed from the numbers, never typed in.

The reported side reproduces the paper's numbers (Xu et al., 2026, Tables 1-5 and the values quoted in
Section 3.3); an empty cell in the CSVs is a value lost when the paper's web page was extracted (it
was the bold best or underlined second-best entry) and stays ``NaN`` here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scdmac_lib.stats import MIN_PAIRS, paired_wilcoxon

LOST = "lost in extraction"

REPORTED_FILES = {
    1: "reported_table1_datasets.csv",
    2: "reported_table2_ari.csv",
    3: "reported_table3_nmi.csv",
    4: "reported_table4_silhouette.csv",
    5: "reported_table5_ablation.csv",
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
#: Our stand-in datasets -> the paper's columns (the extras have none).
PAPER_DATASET = {"deng": "Deng", "pollen": "Pollen", "zeisel": "Zeisel"}
SCDMAC_VARIANTS = ("scDMAC", "scDMAC-Z", "scDMAC-W", "scDMAC-P")
ABLATIONS = ("scDMAC-Z", "scDMAC-W", "scDMAC-P")

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
SEED_SD_LIMIT = 0.01  # Section 3.3: "low variance across runs (typically <0.01 in ARI)"
MIN_SEEDS_FOR_SD = 3  # an sd from two seeds says too little to test the claim
ALPHA = 0.05  # one-sided level of the paired tests
VERDICTS = ("holds", "does not hold", "cannot be tested here")
_TOL = 1e-9


# --------------------------------------------------------------------------- reported tables
def reported_dir(shared: Path | None = None) -> Path | None:
    """The folder holding the paper's CSVs, or ``None`` when this checkout has none."""
    if shared is None:
        from scdmac_lib import paths

        shared = paths.shared_dir()
    if shared is None or not (Path(shared) / "paper").is_dir():
        return None
    return Path(shared) / "paper"


def load_reported(table: int, *, shared: Path | None = None) -> pd.DataFrame:
    """One of the paper's Tables 1-5 as a frame; lost cells stay ``NaN``.

    Tables 2-4 are indexed by the paper's method name with one column per paper dataset; Table 5 is
    indexed by (variant, metric) with the metric lower-cased (``"ari"``, ``"nmi"``).
    """
    if table not in REPORTED_FILES:
        msg = f"table must be one of {sorted(REPORTED_FILES)}, got {table!r}."
        raise ValueError(msg)
    folder = reported_dir(shared)
    if folder is None:
        msg = "the paper's reported tables are not available (no shared/paper folder)."
        raise FileNotFoundError(msg)
    frame = pd.read_csv(folder / REPORTED_FILES[table])
    if table == 1:
        return frame.set_index("dataset")
    if table == 5:
        frame["metric"] = frame["metric"].str.lower()
        return frame.set_index(["variant", "metric"])
    return frame.set_index("method")


def reported_metric(metric: str, *, shared: Path | None = None) -> pd.DataFrame | None:
    """The reported table of ``metric`` (``ari``, ``nmi`` or ``silhouette``), or ``None`` if absent."""
    if metric not in METRIC_TABLE:
        msg = f"metric must be one of {sorted(METRIC_TABLE)}, got {metric!r}."
        raise ValueError(msg)
    try:
        return load_reported(METRIC_TABLE[metric], shared=shared)
    except FileNotFoundError:
        return None


def reported_ablation(metric: str, *, shared: Path | None = None) -> pd.DataFrame | None:
    """Table 5 for one metric, indexed by variant (rows like Tables 2-3), or ``None`` if absent."""
    try:
        t5 = load_reported(5, shared=shared)
    except FileNotFoundError:
        return None
    return t5.xs(metric.lower(), level="metric")


def paper_method(method: str) -> str:
    """The paper's row name for one of our methods (unchanged when it has none)."""
    return PAPER_METHOD.get(method, method)


def paper_dataset(dataset: str) -> str | None:
    """The paper's column for one of our datasets, or ``None`` (extras and synthetic data)."""
    return PAPER_DATASET.get(dataset) or _paper_data().get(dataset)


@functools.cache
def _paper_data() -> dict[str, str]:
    """The manifest's copies of the paper's own datasets (roles paper, fallback) -> the paper's column."""
    from scdmac_lib import data

    frame = data.list_datasets()
    own = frame[frame["role"].isin(data.PAPER_ROLES)]
    return dict(zip(own["name"], own["stands_for"], strict=True))


def reported_value(reported: pd.DataFrame | None, method: str, dataset: str) -> float:
    """Reported value of our ``method`` on our ``dataset``; ``NaN`` if absent, lost or not comparable."""
    col = paper_dataset(dataset)
    row = paper_method(method)
    if reported is None or col is None or row not in reported.index or col not in reported.columns:
        return math.nan
    return float(reported.loc[row, col])


def reported_note(reported: pd.DataFrame | None, method: str, dataset: str) -> str:
    """Why the reported cell is empty (or ``""`` when it holds a number)."""
    col = paper_dataset(dataset)
    if reported is None:
        return "reported tables not available"
    if col is None:
        return "no paper column"
    if paper_method(method) not in reported.index:
        return "method not in the paper's table"
    if math.isnan(reported_value(reported, method, dataset)):
        return LOST
    return ""


# --------------------------------------------------------------------------- side-by-side tables
def summarize_runs(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean, sd (ddof=1; NaN with one seed), best and number of seeds of ``metric`` per dataset x method."""
    if metric not in frame.columns:
        msg = f"metric {metric!r} is not a column of the run frame ({list(frame.columns)})."
        raise ValueError(msg)
    g = frame.groupby(["dataset", "method"], sort=False)[metric]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "best": g.max(), "n_seeds": g.count()})
    return out.reset_index()


def side_by_side(frame: pd.DataFrame, reported: pd.DataFrame | None, metric: str) -> pd.DataFrame:
    """Long table: one row per (dataset, method) we ran, ours beside the reported value.

    Columns: ``dataset, paper_dataset, method, paper_method, ours_mean, ours_sd, ours_best, n_seeds,
    reported, reported_note``.
    """
    summ = summarize_runs(frame, metric)
    rows = []
    for r in summ.itertuples(index=False):
        rows.append({"dataset": r.dataset, "paper_dataset": paper_dataset(r.dataset) or "",
                     "method": r.method, "paper_method": paper_method(r.method),
                     "ours_mean": r.mean, "ours_sd": r.sd, "ours_best": r.best, "n_seeds": int(r.n_seeds),
                     "reported": reported_value(reported, r.method, r.dataset),
                     "reported_note": reported_note(reported, r.method, r.dataset)})
    return pd.DataFrame(rows, columns=["dataset", "paper_dataset", "method", "paper_method", "ours_mean",
                                       "ours_sd", "ours_best", "n_seeds", "reported", "reported_note"])


def reported_only(reported: pd.DataFrame | None, datasets: Sequence[str],
                  methods: Iterable[str] = tuple(NOT_RUN)) -> pd.DataFrame:
    """Rows of the paper's baselines we cannot run: their reported value per dataset and why not run."""
    rows = []
    for m in methods:
        for d in datasets:
            rows.append({"dataset": d, "paper_dataset": paper_dataset(d) or "", "method": m, "paper_method": m,
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
        label = stand_in_label(d)
        out[f"{label}: ours"] = [format_ours(sub.loc[m, "ours_mean"], sub.loc[m, "ours_sd"],
                                             sub.loc[m, "ours_best"], int(sub.loc[m, "n_seeds"]))
                                 if m in sub.index else "not run" for m in methods]
        out[f"{label}: reported"] = [format_reported(sub.loc[m, "reported"], sub.loc[m, "reported_note"])
                                     if m in sub.index else "" for m in methods]
    if extra is not None and "not_run_reason" in extra:
        reasons = extra.drop_duplicates("method").set_index("method")["not_run_reason"]
        out["why not run"] = [reasons.get(m, "") for m in methods]
    return out


def stand_in_label(dataset: str) -> str:
    """``"Deng (stand-in)"`` for a stand-in, ``"Deng (paper's data)"`` for the paper's own copy, the
    plain name for extras and synthetic data."""
    col = paper_dataset(dataset)
    if dataset in _paper_data():
        return f"{col} (paper's data)"
    return f"{col} (stand-in)" if col else dataset


# --------------------------------------------------------------------------- sweeps
def sweep_specs(profile, param: str, values: Iterable[float], *, datasets: Sequence[str] | None = None,
                seeds: Sequence[int] | None = None) -> list[tuple[float, Any]]:
    """(value, spec) pairs of a scDMAC sweep of ``param`` over the profile's sweep datasets x seeds.

    A value equal to the configuration default adds no override, so that point is the same spec as
    the main-table scDMAC run and comes from its cache.
    """
    from scdmac_lib import experiments
    from scdmac_lib.config import flat_dict, make_config

    if param not in SWEEPS:
        msg = f"param must be one of {sorted(SWEEPS)}, got {param!r}."
        raise ValueError(msg)
    default = flat_dict(make_config(2))[param]
    out = []
    for v in values:
        extra = {} if abs(float(v) - float(default)) < _TOL else {param: float(v)}
        specs = experiments.profile_specs(profile, ["scDMAC"], datasets=datasets or profile.sweep_datasets,
                                          seeds=seeds or profile.sweep_seeds, overrides=extra)
        out.extend((float(v), s) for s in specs)
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


def summarize_sweep(frame: pd.DataFrame, param: str, metrics: Sequence[str] = ("ari", "nmi")) -> pd.DataFrame:
    """Mean and sd over seeds per (dataset, value) of one sweep."""
    sub = _sweep_rows(frame, param)
    if sub.empty:
        return pd.DataFrame(columns=["dataset", "sweep_value", *[f"{m}_{s}" for m in metrics for s in ("mean", "sd")]])
    g = sub.groupby(["dataset", "sweep_value"], sort=True)
    parts = {}
    for m in metrics:
        parts[f"{m}_mean"] = g[m].mean()
        parts[f"{m}_sd"] = g[m].std(ddof=1)
    parts["n_seeds"] = g["seed"].nunique()
    return pd.DataFrame(parts).reset_index()


def _sweep_rows(frame: pd.DataFrame, param: str) -> pd.DataFrame:
    if "sweep_param" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["sweep_param"] == param]


def _main_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if "sweep_param" not in frame.columns:
        return frame
    return frame[frame["sweep_param"].isna()]


# --------------------------------------------------------------------------- claims
@dataclass(frozen=True)
class Verdict:
    """One claim's verdict, the numbers behind it, and per-dataset details."""

    claim_id: int
    claim: str
    source: str
    verdict: str
    evidence: str
    details: pd.DataFrame

    def row(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "claim": self.claim, "source": self.source,
                "verdict": self.verdict, "evidence": self.evidence}


def _overall(per_dataset: Sequence[bool]) -> str:
    return "holds" if all(per_dataset) else "does not hold"


def _count(ok: Sequence[bool]) -> str:
    return f"{sum(ok)} of {len(ok)} datasets"


def _paired(main: pd.DataFrame, metric: str, others: Sequence[str], ours: str = "scDMAC") -> pd.DataFrame:
    """``ours`` against each of ``others``, paired on (dataset, seed): mean difference and one-sided p."""
    wide = main.pivot_table(index=["dataset", "seed"], columns="method", values=metric, aggfunc="mean")
    rows = []
    for other in others:
        if ours not in wide.columns or other not in wide.columns:
            continue
        diff = (wide[ours] - wide[other]).dropna()
        if diff.empty:
            continue
        p = paired_wilcoxon(diff, "greater")
        rows.append({"versus": other, "n_pairs": len(diff), "mean_diff": float(diff.mean()), "p_value": p,
                     "holds": bool(diff.mean() > 0 and p < ALPHA)})
    return pd.DataFrame(rows)


def _paired_verdict(det: pd.DataFrame, what: str) -> tuple[str, str]:
    """Verdict and evidence of a paired comparison table from :func:`_paired`."""
    if det.empty:
        return "cannot be tested here", f"Needs scDMAC and {what} on the same datasets and seeds"
    testable = det[det["n_pairs"] >= MIN_PAIRS]
    if testable.empty:
        return ("cannot be tested here",
                f"Too few paired runs for a test (at most {int(det['n_pairs'].max())} (dataset, seed) pairs; "
                f"a one-sided Wilcoxon test needs {MIN_PAIRS})")
    ev = "; ".join(f"vs {r.versus}: {r.mean_diff:+.3f} (p = {r.p_value:.3g}, {r.n_pairs} pairs)"
                   for r in testable.itertuples())
    untested = sorted(set(det["versus"]) - set(testable["versus"]))
    note = f" Too few pairs to test: {', '.join(untested)}." if untested else ""
    return (_overall(testable["holds"]),
            f"Mean paired difference of scDMAC minus {what}, one-sided Wilcoxon signed-rank test over "
            f"(dataset, seed) pairs, holding when p < {ALPHA}: {ev}.{note}")


def _best_vs_baselines(frame: pd.DataFrame, metric: str) -> tuple[str, str, pd.DataFrame]:
    main = _main_rows(frame)
    if metric not in main.columns:
        return "cannot be tested here", f"No {metric} column in the run frame", pd.DataFrame()
    baselines = [m for m in dict.fromkeys(main["method"]) if m not in SCDMAC_VARIANTS]
    det = _paired(main, metric, baselines)
    verdict, evidence = _paired_verdict(det, "each baseline")
    means = main.groupby(["dataset", "method"])[metric].mean().unstack("method")
    if "scDMAC" in means.columns and baselines:
        base = means[[b for b in baselines if b in means.columns]].max(axis=1)
        best = (means["scDMAC"] > base).dropna()
        evidence += f" Per dataset (means over seeds) scDMAC is best on {int(best.sum())} of {len(best)}."
    return verdict, evidence, det


def _ablation(frame: pd.DataFrame, metric: str = "ari") -> tuple[str, str, pd.DataFrame]:
    det = _paired(_main_rows(frame), metric, ABLATIONS)
    verdict, evidence = _paired_verdict(det, "each ablation variant")
    missing = sorted(set(ABLATIONS) - set(det["versus"] if not det.empty else []))
    if missing and not det.empty:
        evidence += f" Not run: {', '.join(missing)}."
    return verdict, evidence, det


def _sweep_optimum(frame: pd.DataFrame, param: str) -> tuple[str, str, pd.DataFrame]:
    lo, hi = SWEEPS[param]["optimum"]
    summ = summarize_sweep(frame, param, metrics=("ari",))
    if summ.empty:
        return "cannot be tested here", f"The {SWEEPS[param]['label']} sweep was not run", pd.DataFrame()
    values = np.sort(summ["sweep_value"].unique())
    inside = values[(values >= lo - _TOL) & (values <= hi + _TOL)]
    if inside.size == 0 or inside.size == values.size:
        grid = ", ".join(f"{v:g}" for v in values)
        return ("cannot be tested here",
                f"The sweep grid ({grid}) needs a point at {format_range(lo, hi)} and one outside it", pd.DataFrame())
    rows, flat = [], []
    for d, g in summ.groupby("dataset", sort=False):
        best = g["ari_mean"].max()
        argmax = g.loc[(g["ari_mean"] - best).abs() <= _TOL, "sweep_value"].tolist()
        if len(argmax) == len(g):  # a flat curve (e.g. saturated at ARI 1) has no optimum to locate
            flat.append(d)
            continue
        rows.append({"dataset": d, "argmax": ", ".join(f"{v:g}" for v in argmax), "best_ari": float(best),
                     "n_values": int(len(g)),
                     "holds": all(lo - _TOL <= v <= hi + _TOL for v in argmax)})
    det = pd.DataFrame(rows)
    flat_note = f" Flat curve (no optimum to locate) on: {', '.join(flat)}." if flat else ""
    if det.empty:
        return "cannot be tested here", f"ARI does not vary over the grid on any dataset.{flat_note}", det
    ev = "; ".join(f"{r.dataset}: best ARI {r.best_ari:.3f} at {r.argmax}" for r in det.itertuples())
    return (_overall(det["holds"]),
            f"Optimum at {format_range(lo, hi)} on {_count(det['holds'])}. {ev}.{flat_note}", det)


def format_range(lo: float, hi: float) -> str:
    """``"0.2-0.3"`` for a range, ``"0.7"`` for a single value."""
    return f"{lo:g}" if abs(lo - hi) < _TOL else f"{lo:g}-{hi:g}"


def _seed_variance(frame: pd.DataFrame) -> tuple[str, str, pd.DataFrame]:
    main = _main_rows(frame)
    sub = main[main["method"] == "scDMAC"]
    g = sub.groupby("dataset", sort=False)["ari"]
    det = pd.DataFrame({"sd": g.std(ddof=1), "n_seeds": g.count()}).reset_index()
    det = det[det["n_seeds"] >= MIN_SEEDS_FOR_SD]
    if det.empty:
        return ("cannot be tested here",
                f"Needs scDMAC runs with at least {MIN_SEEDS_FOR_SD} seeds on a dataset", pd.DataFrame())
    det["holds"] = det["sd"] < SEED_SD_LIMIT
    ev = "; ".join(f"{r.dataset}: sd {r.sd:.4f} over {r.n_seeds} seeds" for r in det.itertuples())
    return _overall(det["holds"]), f"Sd of ARI below {SEED_SD_LIMIT} on {_count(det['holds'])}. {ev}", det


def _silhouette(frame: pd.DataFrame, against: Sequence[str] = ("PCA + k-means", "scDeepCluster-style")):
    main = _main_rows(frame)
    if "silhouette" not in main.columns:
        return "cannot be tested here", "No silhouette column in the run frame", pd.DataFrame()
    det = _paired(main, "silhouette", against)
    verdict, evidence = _paired_verdict(det, "the baseline's silhouette")
    return verdict, evidence, det


CLAIMS = (
    (1, "scDMAC has a higher ARI than every baseline run here", "Section 3.3, Table 2"),
    (2, "scDMAC has a higher NMI than every baseline run here", "Section 3.3, Table 3"),
    (3, "Ablations: full scDMAC has a higher ARI than scDMAC-Z, -W and -P", "Section 3.4, Table 5"),
    (4, "The best masking ratio lies in 0.2-0.3", "Section 3.3, Fig. 5"),
    (5, "The best reconstruction weight of masked genes is 0.7", "Section 3.3, Fig. 6"),
    (6, "The best mask-prediction loss weight is 0.65", "Section 3.3, Fig. 7"),
    (7, f"Seed-to-seed variation of scDMAC's ARI is below {SEED_SD_LIMIT} (sd over seeds)", "Section 3.3"),
    (8, "scDMAC's embedding has a higher silhouette than PCA + k-means and scDeepCluster-style",
     "Section 3.3, Table 4"),
)


def claim_verdicts(frame: pd.DataFrame) -> list[Verdict]:
    """Every claim of the paper this project checks, with a computed verdict and its numbers.

    ``frame`` is a run frame (see the module docstring); rows with a non-null ``sweep_param`` are
    sweep runs and count only for claims 4-6. Comparisons of two methods (claims 1-3, 8) are paired
    on (dataset, seed) and hold when a one-sided Wilcoxon signed-rank test gives p < 0.05 against
    every method compared; sweep optima (4-6) and the seed sd (7) hold when they hold on every
    dataset where they can be tested.
    """
    needed = {"dataset", "method", "seed", "ari"}
    if missing := needed - set(frame.columns):
        msg = f"the run frame lacks the columns {sorted(missing)}."
        raise ValueError(msg)
    results = {
        1: _best_vs_baselines(frame, "ari"),
        2: _best_vs_baselines(frame, "nmi"),
        3: _ablation(frame),
        4: _sweep_optimum(frame, "mae.mask_ratio"),
        5: _sweep_optimum(frame, "mae.recon_weight"),
        6: _sweep_optimum(frame, "mae.mask_loss_weight"),
        7: _seed_variance(frame),
        8: _silhouette(frame),
    }
    out = []
    for cid, text, source in CLAIMS:
        verdict, evidence, details = results[cid]
        assert verdict in VERDICTS, verdict
        out.append(Verdict(cid, text, source, verdict, evidence, details))
    return out


def claims_table(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """The verdicts as one row per claim."""
    return pd.DataFrame([v.row() for v in verdicts], columns=["claim_id", "claim", "source", "verdict", "evidence"])


def verdict_summary(verdicts: Sequence[Verdict], datasets: Sequence[str] | None = None) -> str:
    """A plain-language (markdown) paragraph generated from the verdicts."""
    by = {k: [v for v in verdicts if v.verdict == k] for k in VERDICTS}

    def _n(k: str, singular: str, plural: str) -> str:
        ids = ", ".join(str(v.claim_id) for v in by[k])
        n = len(by[k])
        return f"{n} {singular if n == 1 else plural}" + (f" (claim{'s' if n > 1 else ''} {ids})" if n else "")

    untestable = "cannot be tested with these runs"
    parts = [f"Of the {len(verdicts)} claims checked, {_n('holds', 'holds here', 'hold here')}, "
             f"{_n('does not hold', 'does not hold', 'do not hold')}, and "
             f"{_n('cannot be tested here', untestable, untestable)}."]
    if datasets is not None:
        labels = ", ".join(stand_in_label(d) for d in datasets)
        parts.append(f"The datasets are {labels}; none is one of the paper's datasets at its full size, so "
                     f"agreement or disagreement is evidence about the method, not a re-measurement of the "
                     f"paper's numbers.")
    for v in by["does not hold"]:
        parts.append(f"Claim {v.claim_id} (\"{v.claim}\") does not hold: {v.evidence.split('. ')[0]}.")
    return " ".join(parts)


def win_loss_statement(long: pd.DataFrame, metric: str, method: str = "scDMAC") -> str:
    """Markdown bullets, per dataset: where ``method`` ranks by mean, and whom it beats / loses to."""
    lines = []
    for d, g in long.groupby("dataset", sort=False):
        g = g.dropna(subset=["ours_mean"]).sort_values("ours_mean", ascending=False)
        if method not in set(g["method"]):
            lines.append(f"- {stand_in_label(d)}: {method} was not run.")
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
        lines.append(f"- {stand_in_label(d)}, {metric.upper()}: {text}.")
    return "\n".join(lines)


def reported_peak_points(param: str, dataset: str) -> tuple[float, float] | None:
    """The (ARI, NMI) the paper quotes at the optimum of ``param`` for our stand-in ``dataset``."""
    col = paper_dataset(dataset)
    peaks: Mapping[str, tuple[float, float]] = SWEEPS[param]["peaks"]
    return peaks.get(col) if col else None


# --------------------------------------------------------------------------- what the notebooks run
def benchmark_methods(profile, *, include_ablations: bool = False) -> tuple[list[str], str]:
    """The methods of Tables 2-4 (and 5 with ``include_ablations``), and a note on what was left out.

    scVI runs only on profiles with ``include_scvi`` (its default training takes tens of minutes per
    dataset on a CPU) and needs the optional scvi-tools; otherwise it is dropped and the note says
    why. The notebooks share this list so that they request the same run specs (and hit the cache).
    """
    import importlib.util

    from scdmac_lib.baselines import METHODS

    methods = [m for m in METHODS if include_ablations or m not in ABLATIONS]
    note = ""
    if not profile.include_scvi:
        methods.remove("scVI + k-means")
        note = (f"scVI + k-means is not run on the {profile.name!r} profile: its default training takes "
                "tens of minutes per dataset on a CPU. The 'paper' profile runs it.")
    elif importlib.util.find_spec("scvi") is None:
        methods.remove("scVI + k-means")
        note = "scVI + k-means was not run: scvi-tools is not installed (pip install -e '.[baselines]')."
    return methods, note


def dataset_table(datasets: Sequence[str], *, shared: Path | None = None) -> pd.DataFrame:
    """One row per dataset: our shape, the paper column it stands in for and that column's Table 1 shape."""
    from scdmac_lib import simulate

    try:
        t1 = load_reported(1, shared=shared)
    except FileNotFoundError:
        t1 = None
    manifest = None
    try:
        from scdmac_lib import data

        manifest = data.list_datasets().set_index("name")
    except Exception:  # noqa: BLE001 - the manifest is optional here: shapes are then left empty
        manifest = None
    rows = []
    for d in datasets:
        shape = simulate.shape_of(d)
        if shape is None and manifest is not None and d in manifest.index:
            shape = tuple(manifest.loc[d, c] for c in ("n_cells", "n_genes", "n_types"))
        col = paper_dataset(d)
        paper_shape = ""
        if col and t1 is not None and col in t1.index:
            r = t1.loc[col]
            paper_shape = f"{r['cells']} x {r['genes']} x {r['cell_types']}"
        ours = f"{shape[0]} x {shape[1]} x {shape[2]}" if shape is not None else ""
        kind = ("synthetic" if simulate.shape_of(d) is not None else "paper's data" if d in _paper_data()
                else "stand-in" if col else "extra (no paper column)")
        rows.append({"dataset": d, "role": kind, "cells x genes x types (ours)": ours,
                     "paper dataset": col or "", "cells x genes x types (paper, Table 1)": paper_shape})
    return pd.DataFrame(rows)
