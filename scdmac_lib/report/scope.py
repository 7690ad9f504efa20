"""What the verdicts rest on, as tables the landing page reads: per dataset, and named facts of the scope.

:func:`datasets_table` says per dataset which method has the best mean ARI and which runs collapsed;
:func:`facts_table` collects the numbers the landing page's scope box states (training budgets, the
method study's budget arm, the mask predictor's AUC, the selection bias of the defaults), each with
its words. Pure functions of frames; the reproducibility report saves what they return.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.evaluation.stats import dataset_effect
from scdmac_lib.method.config import ScDMACConfig, flat_dict
from scdmac_lib.report.compare import main_rows
from scdmac_lib.runs.page_runs import SCDMAC_VARIANTS
from scdmac_lib.runs.study import FULL_BUDGET, budget_text


def datasets_table(frame: pd.DataFrame, ours: str = "scDMAC") -> pd.DataFrame:
    """Per dataset: ``ours``'s mean ARI over seeds, the best baseline and its mean, whether ``ours`` is best, and
    the runs that collapsed (``collapsed``: ``"method k/n"``; the column ``collapsed`` of ``frame``)."""
    main = main_rows(frame)
    means = main.groupby(["dataset", "method"], sort=False)["ari"].mean().unstack("method")
    baselines = [m for m in means.columns if m not in SCDMAC_VARIANTS]
    rows = []
    for d in dict.fromkeys(main["dataset"]):
        ran = means.loc[d, baselines].dropna() if baselines else pd.Series(dtype=float)
        best = ran.idxmax() if len(ran) else ""
        sub = main[main["dataset"] == d]
        flagged = sub[sub["collapsed"].eq(True)] if "collapsed" in sub else sub.iloc[0:0]
        collapsed = "; ".join(f"{m} {len(g)}/{int((sub['method'] == m).sum())}"
                              for m, g in flagged.groupby("method", sort=False))
        rows.append({"dataset": d, "kind": catalogue.kind(d), "label": catalogue.label(d),
                     "scdmac_ari": means.loc[d, ours] if ours in means.columns else np.nan,
                     "best_baseline": best, "best_baseline_ari": means.loc[d, best] if best else np.nan,
                     "scdmac_best": "yes" if best and ours in means.columns and means.loc[d, ours] > means.loc[d, best]
                     else "no",
                     "collapsed": collapsed})
    return pd.DataFrame(rows)


def _fact(name: str, value: float, text: str) -> dict[str, object]:
    return {"fact": name, "value": float(value), "text": text}


def budget_facts() -> list[dict[str, object]]:
    """The library's default training budgets, and how much longer the method study's budget arm trains."""
    config = flat_dict(ScDMACConfig(n_clusters=2))
    defaults = {k: config[k] for k in FULL_BUDGET}
    ratio = FULL_BUDGET["zinb.train.max_steps"] / defaults["zinb.train.max_steps"]
    return [_fact("budgets", defaults["zinb.train.max_steps"], budget_text(defaults)),
            _fact("budget_arm_ratio", ratio, budget_text(FULL_BUDGET))]


def budget_arm_fact(study_runs: pd.DataFrame) -> dict[str, object]:
    """The study's budget arm minus its baseline, datasets as the unit (``NaN`` when either is missing)."""
    if study_runs.empty or not {"baseline", "full_budget"} <= set(study_runs["arm"]):
        return _fact("budget_arm_effect", np.nan, "the method study's budget arm was not run")
    wide = study_runs[study_runs["arm"].isin(["baseline", "full_budget"])].pivot_table(
        index=["dataset", "seed"], columns="arm", values="ari", aggfunc="mean").dropna()
    effect = dataset_effect((wide["full_budget"] - wide["baseline"]).rename("diff").reset_index())
    low, high = effect.interval()
    return _fact("budget_arm_effect", effect.estimate,
                 f"{round(effect.estimate, 3) + 0.0:+.3f} ARI [{low:+.3f}, {high:+.3f}], {effect.n_units} datasets x "
                 f"{effect.n_replicates} seeds")


def mask_auc_fact(aucs) -> dict[str, object]:
    """The mask predictor's AUC over scDMAC's runs: mean, and range in words."""
    aucs = np.asarray(aucs, dtype=float)
    aucs = aucs[~np.isnan(aucs)]
    if aucs.size == 0:
        return _fact("mask_auc", np.nan, "no run recorded the mask predictor's AUC")
    return _fact("mask_auc", aucs.mean(), f"{aucs.min():.3f}-{aucs.max():.3f} over {aucs.size} runs")


def selection_fact(numbers: Mapping[str, float]) -> dict[str, object]:
    """The defaults' in-sample ARI minus their left-out ARI (:func:`scdmac_lib.runs.selection_bias.optimism`)."""
    if not numbers or not numbers.get("n_scored"):
        return _fact("selection_optimism", np.nan, "the method study's runs are not all stored here")
    return _fact("selection_optimism", numbers["optimism"],
                 f"in-sample {numbers['in_sample']:.3f}, left out {numbers['left_out']:.3f} (the baseline's "
                 f"{numbers['baseline']:.3f}) over the {numbers['n_scored']} of {numbers['n_datasets']} datasets "
                 f"whose left-out choice has stored runs; the rule made the all-datasets choice in "
                 f"{numbers['same_choice']} of {numbers['n_datasets']} folds")


def facts_table(*, study_runs: pd.DataFrame, mask_aucs, selection: Mapping[str, float], scvi_note: str,
                devices) -> pd.DataFrame:
    """Every named fact of the scope, one row each (``fact, value, text``)."""
    rows = [*budget_facts(), budget_arm_fact(study_runs), mask_auc_fact(mask_aucs), selection_fact(selection),
            _fact("scvi", np.nan, scvi_note), _fact("devices", np.nan, ", ".join(devices))]
    return pd.DataFrame(rows, columns=["fact", "value", "text"])
