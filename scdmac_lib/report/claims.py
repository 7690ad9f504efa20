"""The paper's claims this project checks, each with a verdict computed from a run frame.

Every verdict is one of :data:`scdmac_lib.report.verdicts.VERDICTS`, given by the one rule of
:data:`scdmac_lib.report.verdicts.RULE`: comparisons of methods across datasets take the dataset as
the unit (:func:`scdmac_lib.report.verdicts.compare`); sweep optima are decided within each dataset
over seeds; the seed-variance claim bounds each dataset's sd. Verdicts are computed from the
numbers, never typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.evaluation.stats import ALPHA, POWER, holm, paired_t, sd_above_p, sd_below_p, sd_interval
from scdmac_lib.report import ablations, verdicts
from scdmac_lib.report.compare import TOL, main_rows
from scdmac_lib.report.reported import SWEEPS, load_reported, paper_method
from scdmac_lib.report.verdicts import CONTRADICTED, HOLDS, INCONCLUSIVE, UNTESTABLE, VERDICTS
from scdmac_lib.runs.page_runs import ABLATIONS, SCDMAC_VARIANTS

SEED_SD_LIMIT = 0.01  # Section 3.3: "low variance across runs (typically <0.01 in ARI)"
MIN_SEEDS_FOR_SD = 3  # an sd from two seeds says too little to test the claim
#: The baselines of claim 8 (the paper's Table 4 compares scDMAC with these two of ours).
SILHOUETTE_BASELINES = ("PCA + k-means", "scDeepCluster-style")
#: The silhouette claim 8 is decided on: every method's labels in one space (:mod:`scdmac_lib.report.shared_space`).
SHARED_SILHOUETTE = "silhouette_shared"

__all__ = ["VERDICTS", "Verdict", "claim_verdicts", "claims_table", "comparisons_table", "verdict_summary"]


@dataclass(frozen=True)
class Verdict:
    """One claim's verdict, the numbers of its row, and per-comparison or per-dataset details.

    ``numbers`` holds the row's ``compared`` (the comparison the row reports), ``effect``, ``low``,
    ``high``, ``n_datasets``, ``n_seeds``, ``detectable``, ``reported_effect`` and ``reported_in_interval``.
    """

    claim_id: int
    claim: str
    source: str
    verdict: str
    evidence: str
    details: pd.DataFrame
    numbers: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "claim": self.claim, "source": self.source, "verdict": self.verdict,
                **{k: self.numbers.get(k, _EMPTY[k]) for k in NUMBER_COLUMNS}, "evidence": self.evidence}


#: The columns of a claim's row between its verdict and its evidence, with their empty values.
_EMPTY: dict[str, Any] = {"compared": "", "effect": np.nan, "low": np.nan, "high": np.nan, "n_datasets": 0,
                          "n_seeds": 0, "detectable": np.nan, "reported_effect": np.nan, "reported_in_interval": ""}
NUMBER_COLUMNS = tuple(_EMPTY)


def _yes_no(value) -> str:
    return "" if value is None or pd.isna(value) else ("yes" if bool(value) else "no")


def _numbers_of(row: pd.Series, compared: str) -> dict[str, Any]:
    return {"compared": compared, "effect": row["effect"], "low": row["low"], "high": row["high"],
            "n_datasets": int(row["n_datasets"]), "n_seeds": int(row["n_seeds"]), "detectable": row["detectable"],
            "reported_effect": row.get("reported_effect", np.nan),
            "reported_in_interval": _yes_no(row.get("reported_in_interval"))}


def _comparison_text(r) -> str:
    if pd.isna(r.low):  # fewer datasets than an interval needs
        return f"vs {r.versus}: {r.effect:+.3f} (no interval), {r.n_datasets} datasets x {r.n_seeds} seeds"
    text = (f"vs {r.versus}: {r.effect:+.3f} [{r.low:+.3f}, {r.high:+.3f}], Holm p = {r.p_holm:.2g}, "
            f"{r.n_datasets} datasets x {r.n_seeds} seeds")
    if "reported_effect" in r._fields and not pd.isna(r.reported_effect) and not pd.isna(r.reported_in_interval):
        inside = "inside" if r.reported_in_interval else "outside"
        text += f"; the paper's {r.reported_effect:+.3f} ({r.reported_n} of its datasets) is {inside} it"
    return text


def _comparison_verdict(det: pd.DataFrame, what: str) -> tuple[str, str, dict[str, Any]]:
    """Verdict, evidence and row numbers of a claim made of comparisons (:func:`verdicts.compare`)."""
    if det.empty:
        return UNTESTABLE, f"Needs scDMAC and {what} on the same datasets and seeds.", {}
    verdict = verdicts.verdict_of(det)
    deciding = verdicts.deciding_row(det)
    numbers = _numbers_of(deciding, f"scDMAC - {deciding['versus']}")
    if verdict == UNTESTABLE:
        return verdict, (f"Too few datasets: at most {int(det['n_datasets'].max())}, and an effect across datasets "
                         f"needs {verdicts.MIN_DATASETS}."), numbers
    lead = {HOLDS: "Every comparison excludes zero in the claimed direction",
            CONTRADICTED: "The runs show the opposite for at least one comparison",
            INCONCLUSIVE: (f"Not every comparison excludes zero; against {deciding['versus']} these runs could "
                           f"detect an effect of about {deciding['detectable']:.3f} ({100 * POWER:.0f}% power)")}[verdict]
    body = "; ".join(_comparison_text(r) for r in det.itertuples())
    return verdict, (f"{lead}. Mean over datasets of scDMAC minus {what} (95% interval; seeds averaged within "
                     f"each dataset): {body}."), numbers


def implied_effects(metric: str, others: Sequence[str], *, ours: str = "scDMAC") -> dict[str, tuple[float, int]]:
    """The effect the paper's tables imply for ``ours - other``: its mean over the paper's datasets where both
    values were reported, with their number (Tables 2-4 by ``metric``; Table 5 for the ablation variants)."""
    out = {}
    for other in others:
        table = _reported_table(metric, other)
        if table is None or paper_method(ours) not in table.index or paper_method(other) not in table.index:
            continue
        diff = (table.loc[paper_method(ours)] - table.loc[paper_method(other)]).dropna()
        if not diff.empty:
            out[other] = (float(diff.mean()), int(diff.size))
    return out


def _reported_table(metric: str, method: str) -> pd.DataFrame | None:
    try:
        if method in ABLATIONS:
            return load_reported(5).xs(metric, level="metric")
        number = {"ari": 2, "nmi": 3, "silhouette": 4, SHARED_SILHOUETTE: 4}[metric]
        return load_reported(number)
    except (FileNotFoundError, KeyError):
        return None


def _collapsed_note(main: pd.DataFrame, methods: Sequence[str]) -> str:
    """Which runs of ``methods`` collapsed (fewer non-empty clusters than half the types), when the frame says."""
    if "collapsed" not in main.columns:
        return ""
    sub = main[main["method"].isin(methods) & main["collapsed"].eq(True)]
    if sub.empty:
        return " No run of these methods collapsed (found fewer clusters than half the types)."
    parts = [f"{m} on {catalogue.label(d)} ({len(g)} of {int((main['method'].eq(m) & main['dataset'].eq(d)).sum())} "
             "seeds)" for (m, d), g in sub.groupby(["method", "dataset"], sort=False)]
    return f" Runs that collapsed (fewer non-empty clusters than half the types): {'; '.join(parts)}."


def _best_vs_baselines(frame: pd.DataFrame, metric: str) -> tuple[str, str, pd.DataFrame, dict[str, Any]]:
    main = main_rows(frame)
    if metric not in main.columns:
        return UNTESTABLE, f"No {metric} column in the run frame.", pd.DataFrame(), {}
    baselines = [m for m in dict.fromkeys(main["method"]) if m not in SCDMAC_VARIANTS]
    det = verdicts.compare(main, metric, "scDMAC", baselines, reported=implied_effects(metric, baselines))
    verdict, evidence, numbers = _comparison_verdict(det, "each baseline")
    means = main.groupby(["dataset", "method"])[metric].mean().unstack("method")
    if "scDMAC" in means.columns and baselines:
        base = means[[b for b in baselines if b in means.columns]].max(axis=1)
        best = (means["scDMAC"] > base).dropna()
        evidence += f" Per dataset (means over seeds) scDMAC is best on {int(best.sum())} of {len(best)}."
    return verdict, evidence + _collapsed_note(main, baselines), det, numbers


def _ablation(frame: pd.DataFrame, mask_aucs=None, metric: str = "ari") -> tuple[str, str, pd.DataFrame, dict[str, Any]]:
    """Claim 3 by :func:`~scdmac_lib.report.ablations.ablation_comparisons` (higher across datasets and on every
    dataset; scDMAC-P untestable while the mask predictor is at chance) when the full model's mask AUCs are given,
    else by the comparisons alone."""
    main = main_rows(frame)
    reported = implied_effects(metric, ABLATIONS)
    aucs = np.asarray([] if mask_aucs is None else mask_aucs, dtype=float)
    if not np.isfinite(aucs).any():
        det = verdicts.compare(main, metric, "scDMAC", ABLATIONS, reported=reported)
        verdict, evidence, numbers = _comparison_verdict(det, "each ablation variant")
    else:
        result = ablations.ablation_comparisons(main, aucs[np.isfinite(aucs)], metric=metric, reported=reported)
        det, verdict = result.comparisons, result.verdict
        if det.empty:
            return verdict, result.notes[0], det, {}
        deciding = det[det["verdict"] == verdict].iloc[0]
        numbers = _numbers_of(deciding, f"scDMAC - {deciding['versus']}")
        evidence = ("Per variant (scDMAC minus it; a variant counts only if scDMAC is higher across datasets and on "
                    "every dataset): " + "; ".join(f"{_comparison_text(r)}: {r.verdict} ({r.reason})"
                                                   for r in det.itertuples()) + ".")
    missing = sorted(set(ABLATIONS) - set(det["versus"] if not det.empty else []))
    if missing and not det.empty:
        evidence += f" Not run: {', '.join(missing)}."
    return verdict, evidence, det, numbers


def format_range(lo: float, hi: float) -> str:
    """``"0.2-0.3"`` for a range, ``"0.7"`` for a single value."""
    return f"{lo:g}" if abs(lo - hi) < TOL else f"{lo:g}-{hi:g}"


def sweep_points(frame: pd.DataFrame, param: str) -> pd.DataFrame:
    """Every (dataset, sweep point) against the dataset's best point, paired over seeds.

    Columns: ``dataset, value, mean, best_value, gap`` (point minus best, mean over seeds), ``low, high``
    (95% t interval of the gap), ``p_worse`` (one-sided paired t-test that the point is below the best),
    ``p_holm`` (Holm over every point of the sweep), ``worse`` (``p_holm`` below the level), ``claimed``
    (inside the paper's optimum), ``detectable`` (the gap these seeds would detect with 80% power), ``n_seeds``.
    """
    from scipy.stats import t

    lo, hi = SWEEPS[param]["optimum"]
    sub = frame[frame["sweep_param"] == param] if "sweep_param" in frame.columns else frame.iloc[0:0]
    rows = []
    for d, g in sub.groupby("dataset", sort=False):
        wide = g.pivot_table(index="seed", columns="sweep_value", values="ari", aggfunc="mean").dropna()
        if wide.empty:
            continue
        best = float(wide.mean().idxmax())
        for value in wide.columns:
            gap = wide[value] - wide[best]
            n = len(gap)
            se = gap.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            quantile = t.ppf(1 - ALPHA / 2, n - 1) if n > 1 else np.nan
            rows.append({"dataset": d, "value": float(value), "mean": float(wide[value].mean()), "best_value": best,
                         "gap": float(gap.mean()), "low": gap.mean() - quantile * se, "high": gap.mean() + quantile * se,
                         "detectable": (quantile + t.ppf(POWER, n - 1)) * se if n > 1 else np.nan,
                         "p_worse": np.nan if value == best else paired_t(-gap, "greater"),
                         "claimed": bool(lo - TOL <= value <= hi + TOL), "n_seeds": n})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["p_holm"] = holm(out["p_worse"].to_numpy())
    out["worse"] = out["p_holm"] < ALPHA
    return out


def _sweep_optimum(frame: pd.DataFrame, param: str) -> tuple[str, str, pd.DataFrame, dict[str, Any]]:
    lo, hi = SWEEPS[param]["optimum"]
    claimed_range = format_range(lo, hi)
    points = sweep_points(frame, param)
    if points.empty:
        return UNTESTABLE, f"The {SWEEPS[param]['label']} sweep was not run.", points, {}
    if not points["claimed"].any() or points["claimed"].all():
        grid = ", ".join(f"{v:g}" for v in sorted(points["value"].unique()))
        return (UNTESTABLE, f"The sweep grid ({grid}) needs a point at {claimed_range} and one outside it.",
                points, {})
    n_seeds = int(points["n_seeds"].min())
    if n_seeds < 2:
        return (UNTESTABLE, "The sweep ran one seed per point: whether one point is better than another cannot "
                "be told from seed noise.", points, {})
    per_dataset = []
    for d, g in points.groupby("dataset", sort=False):
        inside, outside = g[g["claimed"]], g[~g["claimed"]]
        per_dataset.append({"dataset": d, "claimed_in_optimum": bool((~inside["worse"]).any()),
                            "claimed_worse": bool(inside["worse"].all()), "outside_worse": bool(outside["worse"].any()),
                            "optimum": ", ".join(f"{v:g}" for v in g.loc[~g["worse"], "value"])})
    per = pd.DataFrame(per_dataset)
    if per["claimed_worse"].any():
        verdict = CONTRADICTED
    elif per["claimed_in_optimum"].all() and per["outside_worse"].any():
        verdict = HOLDS
    else:
        verdict = INCONCLUSIVE
    # the row: the best claimed point of each dataset, on the dataset where it falls furthest below the best
    claimed = points[points["claimed"]].sort_values("gap").groupby("dataset", sort=False).tail(1)
    worst = claimed.sort_values("gap").iloc[0]
    numbers = {"compared": f"{SWEEPS[param]['label']} {worst['value']:g} - best ({catalogue.label(worst['dataset'])})",
               "effect": worst["gap"], "low": worst["low"], "high": worst["high"],
               "n_datasets": int(points["dataset"].nunique()), "n_seeds": n_seeds, "detectable": worst["detectable"]}
    ev = "; ".join(f"{catalogue.label(r.dataset)}: points not significantly worse than the best: {r.optimum}"
                   for r in per.itertuples())
    lead = {HOLDS: f"A point at {claimed_range} is in the optimum on every dataset, and a point outside it is "
                   "significantly worse somewhere",
            CONTRADICTED: f"Every point at {claimed_range} is significantly worse than the best on some dataset",
            INCONCLUSIVE: f"The optimum (the points not significantly worse than the best, Holm-corrected paired "
                          f"t-tests over {n_seeds} seeds) does not single out {claimed_range}"}[verdict]
    return verdict, f"{lead}. {ev}.", points.assign(dataset=points["dataset"].map(catalogue.label)), numbers


def _seed_variance(frame: pd.DataFrame) -> tuple[str, str, pd.DataFrame, dict[str, Any]]:
    main = main_rows(frame)
    sub = main[main["method"] == "scDMAC"]
    rows = []
    for d, g in sub.groupby("dataset", sort=False):
        values = g["ari"].to_numpy(dtype=float)
        low, high = sd_interval(values)
        rows.append({"dataset": d, "sd": float(np.std(values, ddof=1)) if len(values) > 1 else np.nan,
                     "low": low, "high": high, "n_seeds": len(values),
                     "p_above": sd_above_p(values, SEED_SD_LIMIT), "p_below": sd_below_p(values, SEED_SD_LIMIT)})
    det = pd.DataFrame(rows)
    if det.empty or (det["n_seeds"] < MIN_SEEDS_FOR_SD).all():
        return (UNTESTABLE, f"Needs scDMAC runs with at least {MIN_SEEDS_FOR_SD} seeds on a dataset.",
                pd.DataFrame(), {})
    det = det[det["n_seeds"] >= MIN_SEEDS_FOR_SD].reset_index(drop=True)
    det["above"] = holm(det["p_above"].to_numpy()) < ALPHA
    det["below"] = holm(det["p_below"].to_numpy()) < ALPHA
    verdict = CONTRADICTED if det["above"].any() else HOLDS if det["below"].all() else INCONCLUSIVE
    worst = det.loc[det["sd"].idxmax()]
    numbers = {"compared": f"largest sd over seeds ({catalogue.label(worst['dataset'])})", "effect": worst["sd"],
               "low": worst["low"], "high": worst["high"], "n_datasets": len(det), "n_seeds": int(det["n_seeds"].max())}
    ev = "; ".join(f"{catalogue.label(r.dataset)}: sd {r.sd:.4f} [{r.low:.4f}, {r.high:.4f}]" for r in det.itertuples())
    lead = (f"The sd over seeds is shown above {SEED_SD_LIMIT} on {int(det['above'].sum())} of {len(det)} datasets and "
            f"below it on {int(det['below'].sum())} (chi-square tests, Holm over datasets; 95% intervals)")
    return verdict, f"{lead}: {ev}.", det.assign(dataset=det["dataset"].map(catalogue.label)), numbers


def _silhouette(frame: pd.DataFrame) -> tuple[str, str, pd.DataFrame, dict[str, Any]]:
    main = main_rows(frame)
    if SHARED_SILHOUETTE not in main.columns:
        return (UNTESTABLE, "No silhouette in a space shared by the methods: each embedding's own silhouette is on "
                "its own scale and does not rank methods.", pd.DataFrame(), {})
    det = verdicts.compare(main, SHARED_SILHOUETTE, "scDMAC", SILHOUETTE_BASELINES,
                           reported=implied_effects("silhouette", SILHOUETTE_BASELINES))
    verdict, evidence, numbers = _comparison_verdict(det, "the baseline, on the silhouette of each method's "
                                                     "labels in one space shared by all methods (the PCA of the "
                                                     "standardized log input, where PCA + k-means is at home)")
    return verdict, evidence + _collapsed_note(main, ["scDMAC", *SILHOUETTE_BASELINES]), det, numbers


CLAIMS = (
    (1, "scDMAC has a higher ARI than every baseline run here", "Section 3.3, Table 2"),
    (2, "scDMAC has a higher NMI than every baseline run here", "Section 3.3, Table 3"),
    (3, "Ablations: full scDMAC has a higher ARI than scDMAC-Z, -W and -P", "Section 3.4, Table 5"),
    (4, "The best masking ratio lies in 0.2-0.3", "Section 3.3, Fig. 5"),
    (5, "The best reconstruction weight of masked genes is 0.7", "Section 3.3, Fig. 6"),
    (6, "The best mask-prediction loss weight is 0.65", "Section 3.3, Fig. 7"),
    (7, f"Seed-to-seed variation of scDMAC's ARI is below {SEED_SD_LIMIT} (sd over seeds)", "Section 3.3"),
    (8, "scDMAC's clusters are better separated (silhouette) than those of PCA + k-means and scDeepCluster-style",
     "Section 3.3, Table 4"),
)


def claim_verdicts(frame: pd.DataFrame, mask_aucs=None) -> list[Verdict]:
    """Every claim of the paper this project checks, with a verdict by :data:`scdmac_lib.report.verdicts.RULE`.

    ``frame`` is a run frame (``dataset, method, seed, ari``, ...); rows with a non-null ``sweep_param``
    are sweep runs and count only for claims 4-6; claim 8 needs :data:`SHARED_SILHOUETTE`, and the
    column ``collapsed`` (when present) marks runs that found fewer clusters than half the types.
    ``mask_aucs``, the full model's mask AUCs (one per run), lets claim 3 leave scDMAC-P untested while the
    mask predictor is at chance.
    """
    needed = {"dataset", "method", "seed", "ari"}
    if missing := needed - set(frame.columns):
        msg = f"the run frame lacks the columns {sorted(missing)}."
        raise ValueError(msg)
    results = {
        1: _best_vs_baselines(frame, "ari"),
        2: _best_vs_baselines(frame, "nmi"),
        3: _ablation(frame, mask_aucs),
        4: _sweep_optimum(frame, "mae.mask_ratio"),
        5: _sweep_optimum(frame, "mae.recon_weight"),
        6: _sweep_optimum(frame, "mae.mask_loss_weight"),
        7: _seed_variance(frame),
        8: _silhouette(frame),
    }
    out = []
    for cid, text, source in CLAIMS:
        verdict, evidence, details, numbers = results[cid]
        assert verdict in VERDICTS, verdict
        out.append(Verdict(cid, text, source, verdict, evidence, details, numbers))
    return out


def claims_table(claim_list: Sequence[Verdict]) -> pd.DataFrame:
    """The verdicts as one row per claim: verdict, the deciding comparison's numbers, evidence."""
    columns = ["claim_id", "claim", "source", "verdict", *NUMBER_COLUMNS, "evidence"]
    return pd.DataFrame([v.row() for v in claim_list], columns=columns)


def comparisons_table(claim_list: Sequence[Verdict]) -> pd.DataFrame:
    """Every comparison of the claims made of comparisons (1-3, 8), one row each, with its claim's id."""
    parts = [v.details.assign(claim_id=v.claim_id) for v in claim_list
             if not v.details.empty and "versus" in v.details.columns]
    if not parts:
        return pd.DataFrame(columns=["claim_id", "versus"])
    table = pd.concat(parts, ignore_index=True)
    if "reported_in_interval" in table.columns:
        table["reported_in_interval"] = table["reported_in_interval"].map(_yes_no)
    return table[["claim_id", *[c for c in table.columns if c != "claim_id"]]]


def verdict_summary(claim_list: Sequence[Verdict], datasets: Sequence[str] | None = None) -> str:
    """A plain-language (markdown) paragraph generated from the verdicts."""
    by = {k: [v for v in claim_list if v.verdict == k] for k in VERDICTS}

    def _n(k: str) -> str:
        ids = ", ".join(str(v.claim_id) for v in by[k])
        n = len(by[k])
        return f"{n} {k}" + (f" (claim{'s' if n > 1 else ''} {ids})" if n else "")

    parts = [f"Of the {len(claim_list)} claims checked: {', '.join(_n(k) for k in VERDICTS)}."]
    if datasets is not None:
        parts.append(data_kinds_sentence(datasets))
    for v in by[CONTRADICTED]:
        parts.append(f"Claim {v.claim_id} (\"{v.claim}\") is contradicted: {v.evidence.split('. ')[0]}.")
    return " ".join(parts)


def _labels(datasets: Sequence[str]) -> str:
    return ", ".join(catalogue.label(d) for d in datasets)


def data_kinds_sentence(datasets: Sequence[str]) -> str:
    """Which of ``datasets`` are the paper's own data (:mod:`scdmac_lib.data.catalogue`), in one sentence,
    and what that makes of the verdicts."""
    paper = [d for d in datasets if catalogue.kind(d) == "paper's data"]
    others = [d for d in datasets if d not in paper]
    source = "from public copies; the data page compares each with the paper's Table 1"
    not_paper = ("agreement or disagreement is evidence about the method on these data, not a re-measurement "
                 "of the paper's numbers")
    if not paper:
        return f"The datasets are {_labels(others)}; none is one of the paper's datasets, so {not_paper}."
    if not others:
        return (f"The datasets are {_labels(paper)}: all are the paper's own datasets ({source}), so the "
                f"verdicts test the claims on the paper's data.")
    return (f"Of the datasets, {_labels(paper)} {'is' if len(paper) == 1 else 'are'} the paper's own ({source}); "
            f"{_labels(others)} {'is' if len(others) == 1 else 'are'} not, and the verdicts pool both, so "
            f"{not_paper}.")
