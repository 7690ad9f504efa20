"""The method study: the paper's open readings as switches, compared under a rule fixed in advance.

Every arm changes one reading of the paper (or one setting it leaves open) from a frozen baseline,
:data:`BASELINE`: the readings this project used before the study, pinned key by key, so the arms
keep their meaning (and their cached runs) after the defaults change. The rule that turns the
comparison into new defaults, :data:`RULE`, was written and committed before any arm was run;
:func:`decide` applies it as written. Arms are scored on paired runs (same datasets, same seeds),
with a Wilcoxon signed-rank test on the per-run differences to the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scdmac_lib.evaluation.stats import paired_wilcoxon
from scdmac_lib.method.config import ScDMACConfig, flat_dict
from scdmac_lib.runs import execute, specs
from scdmac_lib.runs.profiles import PAPER_BUDGET

#: The readings before the study (the defaults of commit 8697721), pinned key by key.
BASELINE: dict[str, Any] = {
    "preprocess.hvg_flavor": "seurat_v3",
    "preprocess.n_top_genes": 2000,
    "preprocess.scale": True,
    "augment.before_scaling": False,
    "zinb.scale_input": True,
    "zinb.likelihood": "zinb",
    "zinb.dropout_ridge": 0.0,
    "zinb.output": "mu",
    "mae.latent": 32,
    "mae.mask_predictor_input": "latent",
    "mae.loss_mix": "convex",
    "cluster.center_update": "adam",
    "cluster.inflation": 2.0,
    "cluster.train.lr": 1e-4,
}


#: The budget arm's training budgets: the default command's when the study was registered, the
#: paper profile's now.
FULL_BUDGET: dict[str, Any] = dict(PAPER_BUDGET)


@dataclass(frozen=True)
class Arm:
    """One reading: the keys it changes from :data:`BASELINE`, its group and its distance to the paper.

    ``paper_rank`` orders the readings of one group by how closely they follow the paper's text
    (0 = closest); ``baseline_rank`` is the same for the baseline's reading of that group.
    """

    name: str
    group: str
    changes: dict[str, Any]
    reading: str
    paper_rank: int
    baseline_rank: int
    budget: dict[str, Any] = field(default_factory=dict)  # replaces the profile's budgets when set


ARMS: tuple[Arm, ...] = (
    Arm("baseline", "baseline", {}, "the readings before the study", 0, 0),
    Arm("hvg_seurat", "gene selection", {"preprocess.hvg_flavor": "seurat"},
        "scanpy's default HVG flavor ('seurat', on log values): the paper's 'Scanpy with default parameters'", 0, 1),
    Arm("genes_1000", "gene count", {"preprocess.n_top_genes": 1000}, "1000 instead of 2000 HVGs", 0, 0),
    Arm("augment_before_scaling", "denoiser input", {"augment.before_scaling": True},
        "augment the log values, then z-score: a masked entry is zero expression, as the paper says", 0, 1),
    Arm("denoiser_unscaled", "denoiser input", {"zinb.scale_input": False},
        "the ZINB autoencoder reads the log values as they are, not z-scored per gene", 0, 1),
    Arm("mae_unscaled", "masked-stage input", {"preprocess.scale": False},
        "the masked stage reads log1p(Xz) as it is, not z-scored per gene", 0, 1),
    Arm("nb_likelihood", "likelihood", {"zinb.likelihood": "nb"},
        "negative binomial without zero inflation (Svensson 2020; scVI's NB option)", 2, 0),
    Arm("dropout_ridge", "likelihood", {"zinb.dropout_ridge": 1.0},
        "ZINB with DCA's ridge penalty on pi (lambda = 1)", 1, 0),
    Arm("zinb_mean_output", "likelihood", {"zinb.output": "zinb_mean"},
        "Xz from the ZINB mean (1 - pi) mu instead of the NB mean mu", 0, 0),
    Arm("predictor_hidden", "mask predictor", {"mae.mask_predictor_input": "hidden"},
        "the mask predictor reads the encoder's first hidden layer", 1, 0),
    Arm("predictor_input", "mask predictor", {"mae.mask_predictor_input": "input"},
        "the mask predictor reads Z and the corrupted entry itself", 1, 0),
    Arm("predictor_residual", "mask predictor", {"mae.mask_predictor_input": "residual"},
        "the mask predictor reads Z and each entry's squared distance from its expected value", 2, 0),
    Arm("eq15_additive", "Eq. 15", {"mae.loss_mix": "additive"}, "L_rec + gamma L_mask", 1, 0),
    Arm("centers_closed_form", "Eq. 17", {"cluster.center_update": "closed_form"},
        "centers set to the weighted means of Eq. 17 at every target refresh", 0, 1),
    Arm("finetune_lr_1e-3", "fine-tune", {"cluster.train.lr": 1e-3}, "fine-tune learning rate 1e-3 (10x)", 0, 0),
    Arm("inflation_1", "inflation", {"cluster.inflation": 1.0},
        "inflation exponent 1 (the text's 'default 1'), i.e. no sharpening", 0, 1),
    Arm("latent_16", "bottleneck", {"mae.latent": 16}, "a 16-dimensional Z (paper: 10-32)", 0, 0),
    Arm("full_budget", "budget", {},
        "the paper profile's budgets (the default command's when the study was registered) instead of the "
        "profile's", 0, 0, budget=FULL_BUDGET),
)


RULE = """\
**The rule (written and committed before any arm was run; applied once, as written).**

1. *Data and score.* Every arm runs on every real dataset of the profile with the same seeds as the
   baseline. Its score is the mean ARI over all (dataset, seed) runs; NMI is reported, not used.
   The paired differences to the baseline (same dataset, same seed) are tested with a Wilcoxon
   signed-rank test.
2. *Better, worse, tied.* An arm is **better** when its mean ARI is at least 0.01 above the
   baseline's and the one-sided test gives p < 0.05; **worse** when it is at least 0.01 below and
   the one-sided test in that direction gives p < 0.05; otherwise **tied**.
3. *Adopted.* A better arm is adopted. A tied arm is adopted when its reading is closer to the
   paper's text than the baseline's reading of the same group (the `paper_rank` of each arm,
   fixed in the table above before the runs).
4. *One reading per group.* Of several adopted arms of one group, the one with the highest mean
   ARI is kept; arms within 0.01 of it go to the one closest to the paper's text.
5. *The mask predictor.* Eq. 12 says the predictor estimates which values were modified. If rule 3
   adopts no mask-predictor arm and the baseline's predictor has a mean mask AUC below 0.6, the
   predictor input with the highest mean AUC of at least 0.6 among the tied arms of that group is
   adopted; if there is none, the paper's reading (a linear layer on Z) stays and the page says
   that no reading lets it learn.
6. *The budget arm* is not a reading: if it is better (rule 2), the profile's budgets are raised to
   the default command's; otherwise they stay, and the study shows what they cost.
7. *The combination.* All adopted changes together are run the same way. The combination becomes
   the default when its mean ARI is at least that of the best single adopted arm minus 0.01;
   otherwise the best single adopted arm alone does.
8. No per-dataset settings, and nothing at run time looks at labels.
"""

DELTA = 0.01  # ARI margin of rule 2


ALPHA = 0.05  # one-sided significance level of rule 2


MIN_AUC = 0.6  # rule 5


def arm(name: str) -> Arm:
    """The arm called ``name``."""
    for a in ARMS:
        if a.name == name:
            return a
    msg = f"unknown study arm {name!r}; choose one of {[a.name for a in ARMS]}."
    raise ValueError(msg)


def arm_overrides(a: Arm, budget: dict[str, Any]) -> dict[str, Any]:
    """Config overrides of one arm: the pinned baseline, the arm's change, and the budgets."""
    return {**BASELINE, **a.changes, **(a.budget or budget)}


def combination(names: Sequence[str]) -> Arm:
    """The arm that makes every change of the arms ``names`` at once (rule 7)."""
    changes: dict[str, Any] = {}
    for name in names:
        changes.update(arm(name).changes)
    return Arm("combination", "combination", changes, " + ".join(names) or "no change", 0, 0)


STUDY_THREADS = 1  # every study run on one thread, so that two run side by side on two cores


def study_specs(profile, arms: Sequence[Arm], *, datasets: Sequence[str], seeds: Sequence[int]):
    """``(arm name, run spec)`` of ``arms`` x datasets x seeds (method scDMAC) with the profile's budgets."""

    budget = {k: v for k, v in profile.config_overrides().items() if k != "n_threads"}
    return [(a.name, specs.make_spec(d, "scDMAC", s, {**arm_overrides(a, budget), "n_threads": STUDY_THREADS}))
            for a in arms for d in datasets for s in seeds]


def collect(pairs, *, run_missing: bool, device: str = "auto") -> tuple[pd.DataFrame, list]:
    """Study rows of ``(arm name, spec)`` pairs from the stored runs (cache or archive); missing runs are
    computed when ``run_missing``, else returned (as pairs) so a page can say what is missing and how to get it.
    """
    rows, missing = [], []
    for name, spec in pairs:
        res = execute.run(spec, device=device) if run_missing else execute.stored(spec)
        if res is None:
            missing.append((name, spec))
        else:
            rows.append(run_row(name, res))
    return (runs_frame(rows) if rows else pd.DataFrame()), missing


def combination_specs(profile, pairs, *, datasets: Sequence[str], seeds: Sequence[int]) -> list:
    """Rule 7's runs of the arms ``pairs`` adopt, once all of them are cached (the rule needs them), else none."""
    frame, missing = collect(pairs, run_missing=False)
    if missing or frame.empty:
        return []
    adopted = decide(paired_summary(frame)).adopted
    if len(adopted) < 2:
        return []
    return [spec for _, spec in study_specs(profile, [combination(adopted)], datasets=datasets, seeds=seeds)]


def chosen_changes(names: Sequence[str]) -> dict[str, Any]:
    """The config values the chosen arms set (the new defaults of the studied keys)."""
    return {**BASELINE, **combination(names).changes}


def defaults_check(names: Sequence[str]) -> pd.DataFrame:
    """Every studied key: the baseline's value, the study's choice, and the library's default now."""

    now = flat_dict(ScDMACConfig(n_clusters=2))
    chosen = chosen_changes(names)
    return pd.DataFrame([{"key": k, "before the study": BASELINE[k], "chosen by the rule": chosen[k],
                          "library default now": now[k], "matches": now[k] == chosen[k]} for k in BASELINE])


def run_row(arm_name: str, result) -> dict[str, Any]:
    """One study run as a flat row: scores, stage scores, label-free diagnostics, time, commit."""
    stages = {k: v for k, v in result.metrics.items() if k.startswith("stage_")}
    diag = result.diagnostics
    return {"arm": arm_name, "dataset": result.spec.dataset, "seed": result.spec.seed,
            "ari": result.metrics["ari"], "nmi": result.metrics["nmi"], **stages,
            "mask_auc": diag.get("mask_auc", np.nan), "smallest_cluster": diag.get("smallest_cluster", np.nan),
            "n_nonempty_clusters": diag.get("n_nonempty_clusters", np.nan),
            "wall_s": result.timings.get("wall", np.nan), "commit": result.provenance.get("commit", "")}


def runs_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Study rows as a frame in arm order (as :data:`ARMS`), then dataset and seed."""
    frame = pd.DataFrame(list(rows))
    order = {a.name: i for i, a in enumerate(ARMS)}
    rank = frame["arm"].map(order).fillna(len(order))
    return frame.assign(_rank=rank).sort_values(["_rank", "dataset", "seed"]).drop(columns="_rank").reset_index(drop=True)


def paired_summary(frame: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """One row per arm: mean and sd of ARI and NMI, mean mask AUC, and the paired test against ``baseline``.

    ``frame`` has one row per run with columns ``arm, dataset, seed, ari, nmi`` (and ``mask_auc``).
    ``p_better`` / ``p_worse`` are one-sided Wilcoxon signed-rank p-values of the ARI differences
    (``arm - baseline``, paired on dataset and seed); ``verdict`` applies rule 2.
    """
    base = frame[frame["arm"] == baseline].set_index(["dataset", "seed"])
    rows = []
    for name, g in frame.groupby("arm", sort=False):
        paired = g.set_index(["dataset", "seed"]).join(base[["ari", "nmi"]], rsuffix="_base", how="inner")
        diff = paired["ari"] - paired["ari_base"]
        row = {"arm": name, "n_runs": len(g), "ari_mean": g["ari"].mean(), "ari_sd": g["ari"].std(ddof=1),
               "nmi_mean": g["nmi"].mean(), "nmi_sd": g["nmi"].std(ddof=1),
               "mask_auc": g["mask_auc"].mean() if "mask_auc" in g else np.nan,
               "n_pairs": len(diff), "ari_diff": diff.mean(), "nmi_diff": (paired["nmi"] - paired["nmi_base"]).mean(),
               "p_better": np.nan, "p_worse": np.nan}
        if name != baseline:
            row["p_better"] = paired_wilcoxon(diff, "greater")
            row["p_worse"] = paired_wilcoxon(diff, "less")
        row["verdict"] = _verdict(row) if name != baseline else "baseline"
        rows.append(row)
    return pd.DataFrame(rows)


def _verdict(row: dict) -> str:
    if row["ari_diff"] >= DELTA and row["p_better"] < ALPHA:  # NaN (too few pairs) compares False
        return "better"
    if row["ari_diff"] <= -DELTA and row["p_worse"] < ALPHA:
        return "worse"
    return "tied"


@dataclass
class Decision:
    """What the rule chose, and why, step by step."""

    adopted: list[str]
    log: list[str]
    raise_budget: bool


def decide(summary: pd.DataFrame) -> Decision:
    """Apply rules 3-6 of :data:`RULE` to :func:`paired_summary`'s table (single arms only)."""
    table = summary.set_index("arm")
    log: list[str] = []
    adopted_by_group: dict[str, list[Arm]] = {}
    for a in ARMS:
        if a.name not in table.index or a.group in ("baseline", "budget"):
            continue
        verdict = table.loc[a.name, "verdict"]
        closer = a.paper_rank < a.baseline_rank
        if verdict == "better" or (verdict == "tied" and closer):
            why = "better than the baseline" if verdict == "better" else "tied, and closer to the paper's text"
            log.append(f"{a.name}: {why} (rule 3).")
            adopted_by_group.setdefault(a.group, []).append(a)
    adopted = []
    for group, arms in adopted_by_group.items():
        best = max(table.loc[a.name, "ari_mean"] for a in arms)
        near = [a for a in arms if table.loc[a.name, "ari_mean"] >= best - DELTA]
        keep = min(near, key=lambda a: (a.paper_rank, -table.loc[a.name, "ari_mean"]))
        if len(arms) > 1:
            log.append(f"{group}: {keep.name} kept of {', '.join(a.name for a in arms)} (rule 4).")
        adopted.append(keep.name)
    predictors = [a for a in ARMS if a.group == "mask predictor" and a.name in table.index]
    base_auc = table.loc["baseline", "mask_auc"] if "baseline" in table.index else np.nan
    if predictors and not any(a.group == "mask predictor" for a in map(arm, adopted)):
        if np.isnan(base_auc) or base_auc < MIN_AUC:
            learners = [a for a in predictors if table.loc[a.name, "verdict"] == "tied"
                        and table.loc[a.name, "mask_auc"] >= MIN_AUC]
            if learners:
                pick = max(learners, key=lambda a: table.loc[a.name, "mask_auc"])
                adopted.append(pick.name)
                log.append(f"{pick.name}: the tied predictor with the highest mask AUC "
                           f"({table.loc[pick.name, 'mask_auc']:.2f}) (rule 5).")
            else:
                log.append("No tied mask-predictor reading reaches an AUC of 0.6: the paper's reading stays (rule 5).")
    raise_budget = "full_budget" in table.index and table.loc["full_budget", "verdict"] == "better"
    if "full_budget" in table.index:
        log.append(f"full_budget is {table.loc['full_budget', 'verdict']}: the profile's budgets "
                   f"{'are raised' if raise_budget else 'stay'} (rule 6).")
    return Decision(adopted, log, raise_budget)


def final_choice(summary: pd.DataFrame, decision: Decision) -> list[str]:
    """Rule 7: the combination when it holds up (its row is ``"combination"``), else the best single arm."""
    table = summary.set_index("arm")
    if not decision.adopted:
        return []
    if "combination" not in table.index or len(decision.adopted) == 1:
        return list(decision.adopted)
    best_single = max(decision.adopted, key=lambda n: table.loc[n, "ari_mean"])
    if table.loc["combination", "ari_mean"] >= table.loc[best_single, "ari_mean"] - DELTA:
        return list(decision.adopted)
    return [best_single]
