"""The method study: the paper's open readings as switches, compared under a rule fixed in advance.

Every arm changes one reading of the paper (or one setting it leaves open) from a frozen baseline,
:data:`BASELINE`: the readings this project used before the study, pinned key by key, so the arms
keep their meaning (and their cached runs) after the defaults change. The rule that turns the
comparison into new defaults, :data:`RULE`, was written and committed before any arm was run;
:func:`decide` and :func:`final_choice` apply it as written, with its dated amendments
(:data:`AMENDMENTS`, shown beside it, never edited into it). Arms are scored on paired runs (same
datasets, same seeds), with a Wilcoxon signed-rank test on the per-run differences to the baseline.
What the rule decided is computed from the runs (:func:`arm_fates`, :func:`combination_sentence`,
:func:`chosen_values`); nothing here states it as a constant.

Beside the registered rule, a sensitivity analysis added after the runs (:data:`POST_HOC_DATE`,
:data:`POST_HOC`): each arm's effect with the dataset as the unit (:func:`arm_effects`: t intervals,
Holm over the arms, an equivalence test at rule 2's margin) gives it one of :data:`STATUSES`, and the
same rule is applied again with Holm's correction (:func:`holm_verdicts`) and with "tied" read as
`equivalent` (:func:`status_verdicts`, ``decide(..., tie=EQUIVALENT)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.evaluation.stats import ALPHA as TWO_SIDED_ALPHA
from scdmac_lib.evaluation.stats import MIN_DATASETS, dataset_effect, equivalence_p, holm, paired_wilcoxon, wilcoxon_n
from scdmac_lib.method.config import ScDMACConfig, flat_dict, make_config
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


#: The training budgets rule 6 decides (the keys the budget arm sets).
BUDGET_KEYS: tuple[str, ...] = tuple(FULL_BUDGET)


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


def budget_text(budget: dict[str, Any]) -> str:
    """Training budgets in words: ``"at most 2000, 2000 and 500 steps for the denoiser, the masked stage and
    the fine-tune"``."""
    steps = ", ".join(str(budget[f"{stage}.train.max_steps"]) for stage in ("zinb", "mae"))
    return (f"at most {steps} and {budget['cluster.train.max_steps']} steps for the denoiser, the masked stage "
            "and the fine-tune")


@dataclass(frozen=True)
class Amendment:
    """A change of :data:`RULE` made after it was registered: dated, with its reason, shown beside the
    original text (which is never edited)."""

    date: str
    rule: int
    text: str
    reason: str


#: The commit that shortened the library's training budgets, apart from the study (rule 6 only
#: decides whether a profile's budgets are raised).
BUDGETS_SHORTENED = "757e8f6"
#: Choices of the rule the library's defaults decline, each with the check outside the study that
#: decides it and the command that measures it; each is also a dated amendment (:data:`AMENDMENTS`).
DECLINED: dict[str, str] = {
    "zinb.scale_input": ("the unscaled denoiser recovers the well-separated simulated types of the "
                         "end-to-end test less well than the scaled one "
                         "(`.venv/bin/python benchmarks/known_answer.py`)"),
}
DECLINED_DATE = "2026-12-07"  # after the quick study's runs were complete


def _declined_amendment(key: str, why: str) -> Amendment:
    arms = [a.name for a in ARMS if key in a.changes]
    return Amendment(
        DECLINED_DATE, 7,
        f"The library's defaults decline the rule's choice for `{key}` (the reading of {', '.join(arms)}) and "
        "keep its value from before the study.",
        f"Measured outside the study's runs: {why}. Rule 3 adopts a tied reading for being closer to the paper's "
        "text, and a tie on the study's datasets says nothing about data the study lacks.")


AMENDMENTS: tuple[Amendment, ...] = (
    Amendment(
        "2026-12-04", 6,
        f"Where rule 6 says 'the default command's' budgets, read the budget arm's ({budget_text(FULL_BUDGET)}). "
        "On a profile whose own budgets are the budget arm's, the budget arm changes nothing from the baseline, "
        "so rule 6 cannot be tested there: the page says so, and that profile's study decides no budget.",
        "When the rule was registered, the default command's budgets were the budget arm's. They were shortened "
        f"afterwards (commit {BUDGETS_SHORTENED}), and the paper profile took the longer ones. Read as written, "
        "rule 6 would now raise the budgets to what they already are, and on the paper profile it would compare the "
        "baseline with itself and always keep the budgets.",
    ),
    *(_declined_amendment(key, why) for key, why in DECLINED.items()),
)


def amendments_markdown() -> str:
    """The amendments of :data:`RULE` as markdown, each with its date and reason."""
    return "\n".join(f"- **Amendment of rule {a.rule} ({a.date}).** {a.text} *Why:* {a.reason}" for a in AMENDMENTS)


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
    (``arm - baseline``, paired on dataset and seed), ``n_wilcoxon`` the number of differences the test
    ranks (scipy drops the zero differences: ``n_pairs`` minus the zeros); ``verdict`` applies rule 2.
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
               "p_better": np.nan, "p_worse": np.nan, "n_wilcoxon": wilcoxon_n(diff)}
        if name != baseline:
            row["p_better"] = paired_wilcoxon(diff, "greater")
            row["p_worse"] = paired_wilcoxon(diff, "less")
        row["verdict"] = _verdict(row) if name != baseline else "baseline"
        rows.append(row)
    return pd.DataFrame(rows)


def _verdict(row) -> str:
    if row["ari_diff"] >= DELTA and row["p_better"] < ALPHA:  # NaN (too few pairs) compares False
        return "better"
    if row["ari_diff"] <= -DELTA and row["p_worse"] < ALPHA:
        return "worse"
    return "tied"


#: What rule 2's "tied" means, said wherever the word is shown: neither test reached p < 0.05.
TIED_MEANS = "no significant difference, which is not equivalence"

POST_HOC_DATE = "2026-12-07"  # the sensitivity analysis below was added on this day, after the runs
BETTER, WORSE, EQUIVALENT, UNDETERMINED = "better", "worse", "equivalent", "undetermined"
STATUSES = (BETTER, WORSE, EQUIVALENT, UNDETERMINED)
EQUIVALENCE_LEVEL = 0.90  # the interval that must lie inside +-DELTA (TOST at 0.05 on each side)

POST_HOC = f"""\
**Sensitivity analysis (post hoc, added {POST_HOC_DATE}, after the runs were seen; the rule above is
not changed by it).** Each arm's effect is the mean over datasets of its mean paired ARI difference
to the baseline (seeds averaged within a dataset: the dataset is the unit, as for the book's
verdicts), with a hierarchical bootstrap standard error and Student's t intervals on one degree of
freedom fewer than there are datasets. Test and margin are about the same quantity, the mean
difference: the t-test's p-values (two-sided) are Holm-adjusted over all the arms, and the margin
of rule 2 ({DELTA} ARI) bounds the same mean. Every difference counts, zeros included (no rank test
drops them), so the n shown is the test's n. Each arm gets a status:

- **{BETTER}** / **{WORSE}**: the Holm-adjusted p is below {TWO_SIDED_ALPHA} and the mean difference is at
  least {DELTA} above / below zero (rule 2's margin);
- **{EQUIVALENT}**: the {EQUIVALENCE_LEVEL:.0%} interval lies inside ±{DELTA} (two one-sided tests at the
  margin, each at {TWO_SIDED_ALPHA});
- **{UNDETERMINED}**: none of these: the runs can tell the arm neither apart from the baseline nor
  equal to it.

The detectable difference is the smallest true mean difference these datasets would detect with
80% power (two-sided, {TWO_SIDED_ALPHA}, before Holm). The same rule is then applied twice more: with Holm's
correction of its own Wilcoxon p-values (over the arms, in each direction), and with "tied" read as
`{EQUIVALENT}` (rules 3 and 5 adopt only arms shown equivalent) and the statuses' Holm-corrected
`{BETTER}` and `{WORSE}`. Their decisions stand beside the registered ones; none of them changes a default.
"""


def arm_effects(frame: pd.DataFrame, baseline: str = "baseline", *, margin: float = DELTA) -> pd.DataFrame:
    """Each arm's ARI effect against ``baseline`` with the dataset as the unit, and its status (:data:`POST_HOC`).

    ``frame`` as for :func:`paired_summary`. One row per arm other than ``baseline`` (in the frame's
    order): ``effect`` (mean over datasets of the per-dataset mean difference ``arm - baseline``),
    ``low_90``/``high_90`` and ``low_95``/``high_95`` (t intervals), ``p_two_sided``, ``p_holm``
    (Holm over the arms with at least :data:`~scdmac_lib.evaluation.stats.MIN_DATASETS` datasets),
    ``p_equivalence`` (TOST at ``margin``), ``detectable`` (80% power), ``n_datasets``, ``n_seeds``,
    ``n_pairs`` (every paired run counts, zeros included) and ``status`` (one of :data:`STATUSES`).
    """
    base = frame[frame["arm"] == baseline].set_index(["dataset", "seed"])["ari"]
    rows = []
    for name, g in frame.groupby("arm", sort=False):
        if name == baseline:
            continue
        diff = (g.set_index(["dataset", "seed"])["ari"] - base).dropna().rename("diff").reset_index()
        if diff.empty:
            continue
        eff = dataset_effect(diff)
        (low_90, high_90), (low_95, high_95) = eff.interval(EQUIVALENCE_LEVEL), eff.interval()
        rows.append({"arm": name, "effect": eff.estimate, "low_90": low_90, "high_90": high_90, "low_95": low_95,
                     "high_95": high_95, "p_two_sided": eff.p_value(), "p_equivalence": equivalence_p(eff, margin),
                     "detectable": eff.detectable(), "n_datasets": eff.n_units, "n_seeds": eff.n_replicates,
                     "n_pairs": len(diff)})
    columns = ["arm", "effect", "low_90", "high_90", "low_95", "high_95", "p_two_sided", "p_holm", "p_equivalence",
               "detectable", "n_datasets", "n_seeds", "n_pairs", "status"]
    table = pd.DataFrame(rows, columns=[c for c in columns if c not in ("p_holm", "status")])
    enough = table["n_datasets"] >= MIN_DATASETS
    table["p_holm"] = np.nan
    if enough.any():
        table.loc[enough, "p_holm"] = holm(table.loc[enough, "p_two_sided"].to_numpy())
    table["status"] = [status_of(r, margin) for _, r in table.iterrows()]
    return table[columns]


def status_of(row, margin: float = DELTA) -> str:
    """The status (:data:`STATUSES`) of one row of :func:`arm_effects`."""
    if row["p_holm"] < TWO_SIDED_ALPHA and abs(row["effect"]) >= margin:  # NaN compares False
        return BETTER if row["effect"] > 0 else WORSE
    if -margin < row["low_90"] and row["high_90"] < margin:
        return EQUIVALENT
    return UNDETERMINED


def holm_verdicts(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`paired_summary` with rule 2 applied to Holm-adjusted p-values (post hoc).

    ``p_better`` and ``p_worse`` are each adjusted over the arms (the baseline aside), the verdict
    recomputed from them; the registered p-values stay in ``p_better_registered`` and
    ``p_worse_registered``.
    """
    out = summary.copy()
    arms = out["arm"] != "baseline"
    for side in ("p_better", "p_worse"):
        out[f"{side}_registered"] = out[side]
        out.loc[arms, side] = holm(out.loc[arms, side].to_numpy())
    out.loc[arms, "verdict"] = [_verdict(r) for _, r in out[arms].iterrows()]
    return out


def status_verdicts(summary: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """:func:`paired_summary` whose verdicts are the arms' statuses (:func:`arm_effects`), for
    ``decide(..., tie=EQUIVALENT)``: "tied" read as `equivalent`, with Holm's correction."""
    status = effects.set_index("arm")["status"]
    out = summary.copy()
    arms = out["arm"] != "baseline"
    out.loc[arms, "verdict"] = out.loc[arms, "arm"].map(status).fillna(UNDETERMINED)
    return out


@dataclass
class Decision:
    """What rules 3-6 chose, and why, step by step.

    ``candidates`` are the arms rule 3 adopts, ``adopted`` those kept (rules 4 and 5; rule 7 combines
    them), ``adopted_by`` the rule that adopted each kept arm, and ``budget`` rule 6's ruling (one of
    :data:`BUDGET_RULINGS`).
    """

    adopted: list[str]
    log: list[str]
    budget: str
    candidates: list[str] = field(default_factory=list)
    adopted_by: dict[str, int] = field(default_factory=dict)


#: Rule 6's rulings: the budget arm is better; it is not; it changes nothing on this profile
#: (amendment of rule 6); it was not run.
BUDGET_RULINGS = ("raised", "stay", "cannot be tested", "not run")


def _tie_words(tie: str) -> str:
    return f"tied ({TIED_MEANS})" if tie == "tied" else tie


def decide(summary: pd.DataFrame, *, budget_testable: bool = True, tie: str = "tied") -> Decision:
    """Apply rules 3-6 of :data:`RULE` to :func:`paired_summary`'s table (single arms only).

    ``budget_testable`` is :func:`budget_testable` of the profile the runs come from (rule 6 as
    amended, :data:`AMENDMENTS`). ``tie`` is the verdict rules 3 and 5 read as "tied": ``"tied"`` as
    registered, :data:`EQUIVALENT` for the sensitivity analysis (:func:`status_verdicts`).
    """
    table = summary.set_index("arm")
    log: list[str] = []
    adopted_by_group: dict[str, list[Arm]] = {}
    for a in ARMS:
        if a.name not in table.index or a.group in ("baseline", "budget"):
            continue
        verdict = table.loc[a.name, "verdict"]
        closer = a.paper_rank < a.baseline_rank
        if verdict == "better" or (verdict == tie and closer):
            why = ("better than the baseline" if verdict == "better"
                   else f"{_tie_words(tie)}, and closer to the paper's text")
            log.append(f"{a.name}: {why} (rule 3).")
            adopted_by_group.setdefault(a.group, []).append(a)
    candidates = [a.name for arms in adopted_by_group.values() for a in arms]
    adopted = []
    for group, arms in adopted_by_group.items():
        best = max(table.loc[a.name, "ari_mean"] for a in arms)
        near = [a for a in arms if table.loc[a.name, "ari_mean"] >= best - DELTA]
        keep = min(near, key=lambda a: (a.paper_rank, -table.loc[a.name, "ari_mean"]))
        if len(arms) > 1:
            log.append(f"{group}: {keep.name} kept of {', '.join(a.name for a in arms)} (rule 4).")
        adopted.append(keep.name)
    adopted_by = dict.fromkeys(adopted, 3)
    predictors = [a for a in ARMS if a.group == "mask predictor" and a.name in table.index]
    base_auc = table.loc["baseline", "mask_auc"] if "baseline" in table.index else np.nan
    if predictors and not any(a.group == "mask predictor" for a in map(arm, adopted)):
        if np.isnan(base_auc) or base_auc < MIN_AUC:
            learners = [a for a in predictors if table.loc[a.name, "verdict"] == tie
                        and table.loc[a.name, "mask_auc"] >= MIN_AUC]
            if learners:
                pick = max(learners, key=lambda a: table.loc[a.name, "mask_auc"])
                adopted.append(pick.name)
                adopted_by[pick.name] = 5
                log.append(f"{pick.name}: the {tie} predictor with the highest mask AUC "
                           f"({table.loc[pick.name, 'mask_auc']:.2f}) (rule 5).")
            else:
                log.append(f"No {tie} mask-predictor reading reaches an AUC of {MIN_AUC}: the paper's reading "
                           "stays (rule 5).")
    budget, line = _budget_ruling(table, budget_testable=budget_testable)
    log.append(line)
    return Decision(adopted, log, budget, candidates, adopted_by)


def _budget_ruling(table: pd.DataFrame, *, budget_testable: bool) -> tuple[str, str]:
    """Rule 6 (as amended): the ruling and its line of the log."""
    if "full_budget" not in table.index:
        return "not run", "full_budget was not run: rule 6 decides nothing."
    if not budget_testable:
        return "cannot be tested", ("full_budget changes nothing on this profile (its budgets are the budget "
                                    "arm's): rule 6 cannot be tested here (amendment of rule 6).")
    verdict = table.loc["full_budget", "verdict"]
    if verdict == "better":
        return "raised", "full_budget is better: the profile's budgets are raised to the budget arm's (rule 6)."
    words = f"tied ({TIED_MEANS})" if verdict == "tied" else verdict
    return "stay", f"full_budget is {words}: the profile's budgets stay (rule 6)."


def run_budget(profile, a: Arm) -> dict[str, Any]:
    """The training budgets (:data:`BUDGET_KEYS`) arm ``a`` trains with on ``profile``."""
    ((_, spec),) = study_specs(profile, [a], datasets=profile.datasets[:1], seeds=profile.study_seeds[:1])
    config = flat_dict(make_config(2, **dict(spec.overrides)))
    return {k: config[k] for k in BUDGET_KEYS}


def budget_testable(profile) -> bool:
    """Whether rule 6 can be tested on ``profile``: the budget arm trains with other budgets than the baseline."""
    return run_budget(profile, arm("full_budget")) != run_budget(profile, arm("baseline"))


def final_choice(summary: pd.DataFrame, decision: Decision) -> list[str] | None:
    """Rule 7: the combination when it holds up (its row is ``"combination"``), else the best single arm.

    ``None`` when rule 7 cannot be applied: two or more arms are adopted and the combination's
    runs are missing from ``summary``.
    """
    table = summary.set_index("arm")
    if len(decision.adopted) < 2:
        return list(decision.adopted)
    if "combination" not in table.index:
        return None
    best_single = max(decision.adopted, key=lambda n: table.loc[n, "ari_mean"])
    if table.loc["combination", "ari_mean"] >= table.loc[best_single, "ari_mean"] - DELTA:
        return list(decision.adopted)
    return [best_single]


RUNS_MISSING = "not decided (runs missing)"  # what is shown for a choice whose runs are missing
NOT_TESTABLE = "not decided (rule 6 cannot be tested on this profile)"


def choice_text(choice: Sequence[str] | None) -> str:
    """Rule 7's choice in words: the arms, ``"no change: the baseline stays"``, or :data:`RUNS_MISSING`."""
    if choice is None:
        return RUNS_MISSING
    return ", ".join(choice) if choice else "no change: the baseline stays"


def chosen_values(profile, decision: Decision | None, choice: Sequence[str] | None) -> dict[str, Any]:
    """Every studied key (:data:`BASELINE` and :data:`BUDGET_KEYS`) -> the value the rule chose.

    The readings come from rule 7's ``choice``, the budgets from rule 6 in ``decision`` (the budget
    arm's when raised, the ones the profile's baseline trained with when they stay). A key the runs do
    not decide maps to :data:`RUNS_MISSING` (no ``choice``, or no ``decision``) or :data:`NOT_TESTABLE`.
    """
    readings = ({**BASELINE, **combination(choice).changes} if choice is not None
                else dict.fromkeys(BASELINE, RUNS_MISSING))
    ruling = decision.budget if decision is not None else "not run"
    if ruling == "raised":
        budget = dict(FULL_BUDGET)
    elif ruling == "stay":
        budget = run_budget(profile, arm("baseline"))
    else:
        budget = dict.fromkeys(BUDGET_KEYS, NOT_TESTABLE if ruling == "cannot be tested" else RUNS_MISSING)
    return {**readings, **budget}


def defaults_check(chosen: dict[str, Any], *, statuses: Mapping[str, str] | None = None,
                   post_hoc: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every studied key: its value before the study, the rule's choice (:func:`chosen_values`) and the
    library's default now; ``matches`` is ``"yes"``, ``"no"``, ``"declined"`` (a choice of
    :data:`DECLINED`: the default stays as before the study, ``why`` says why) or ``"not decided"``;
    ``changed by`` says what changed a default (the budgets were shortened apart from the study).

    Before the study the budgets were the budget arm's (:data:`FULL_BUDGET`: the default command's then).
    With ``statuses`` (arm -> status, :func:`arm_effects`) a column gives the status of every arm that
    changes the key; with ``post_hoc`` (:func:`chosen_values` of the sensitivity analysis' decision)
    a column gives that choice.
    """
    now = flat_dict(ScDMACConfig(n_clusters=2))
    before = {**BASELINE, **FULL_BUDGET}

    def matches(k: str) -> str:
        if chosen[k] in (RUNS_MISSING, NOT_TESTABLE):
            return "not decided"
        if now[k] == chosen[k]:
            return "yes"
        return "declined" if k in DECLINED and now[k] == before[k] else "no"

    rows = []
    for k in before:
        row = {"key": k, "before the study": before[k], "chosen by the rule": chosen[k]}
        if post_hoc is not None:
            row[f"post hoc choice ({POST_HOC_DATE})"] = post_hoc[k]
        row["library default now"], row["matches"] = now[k], matches(k)
        row["changed by"] = _changed_by(k, before[k], now[k], chosen[k])
        if statuses is not None:
            row["status of its arms"] = "; ".join(f"{a.name}: {statuses.get(a.name, 'not run')}"
                                                  for a in key_arms(k))
        rows.append(row)
    return pd.DataFrame([{**r, "why": DECLINED[r["key"]] if r["matches"] == "declined" else ""} for r in rows])


def key_arms(key: str) -> list[Arm]:
    """The arms that change ``key`` (a key of :data:`BASELINE` or :data:`BUDGET_KEYS`)."""
    return [a for a in ARMS if key in a.changes or key in a.budget]


def _changed_by(key: str, before: Any, now: Any, chosen: Any) -> str:
    if now == before:
        return "unchanged"
    if key in BUDGET_KEYS:
        return f"not the study (commit {BUDGETS_SHORTENED})"
    if chosen in (RUNS_MISSING, NOT_TESTABLE):
        return "not decided by these runs"
    return "the study's rule" if now == chosen else "not the study's rule"


def budget_change_sentence(check: pd.DataFrame) -> str:
    """Why the budget keys of :func:`defaults_check` changed, when they did: not by rule 6."""
    budgets = check[check["key"].isin(BUDGET_KEYS)]
    changed = budgets[budgets["changed by"] != "unchanged"]
    if changed.empty:
        return ""
    steps = ", ".join(f"{r['key']} {r['before the study']} -> {r['library default now']}"
                      for _, r in changed.iterrows())
    return (f"The training budgets changed apart from the study ({steps}): the library's budgets were shortened "
            f"in commit {BUDGETS_SHORTENED}. Rule 6 decides only whether a profile's budgets are raised to the budget "
            "arm's; its ruling is in the last row of the table of decisions above.")


def post_hoc_defaults_sentence(check: pd.DataFrame) -> str:
    """Where the post hoc choice (the column ``post hoc choice (<date>)`` of :func:`defaults_check`)
    differs from the library's defaults, in one sentence."""
    column = f"post hoc choice ({POST_HOC_DATE})"
    if column not in check.columns:
        return ""
    undecided = check[column].isin([RUNS_MISSING, NOT_TESTABLE])
    if undecided.all():
        return f"The post hoc reading ({EQUIVALENT_HOLM}) decides no key: {RUNS_MISSING}."
    differ = check[~undecided & (check[column].astype(str) != check["library default now"].astype(str))]
    if differ.empty:
        return f"The post hoc reading ({EQUIVALENT_HOLM}) would choose the library's defaults on every key it decides."
    keys = ", ".join(f"{r['key']} = {r[column]}" for _, r in differ.iterrows())
    return (f"The post hoc reading ({EQUIVALENT_HOLM}) would choose other values than the library's defaults on "
            f"{len(differ)} keys: {keys} (it changes no default).")


def defaults_display(check: pd.DataFrame) -> pd.DataFrame:
    """:func:`defaults_check` as the page shows it: the post hoc choice and the reasons are left to the
    sentences below it (:func:`post_hoc_defaults_sentence`, :func:`defaults_sentence`)."""
    shown = check.drop(columns=[c for c in check.columns if c == "why" or c.startswith("post hoc choice")])
    if "status of its arms" in shown.columns:
        shown["status of its arms"] = shown["status of its arms"].map(_statuses_text)
    return shown.rename(columns={"library default now": "default now"}).astype(str)


def _statuses_text(text: str) -> str:
    """``"a: undetermined; b: worse"`` -> ``"undetermined / worse"``: the distinct statuses (per arm in the CSV)."""
    return " / ".join(dict.fromkeys(part.split(": ", 1)[-1] for part in text.split("; ")))


def datasets_takeaway(datasets: Sequence[str]) -> str:
    """What the study's decisions rest on: its datasets, by kind (:mod:`scdmac_lib.data.catalogue`)."""
    kinds = pd.Series([catalogue.kind(d) for d in datasets]).value_counts()
    tally = ", ".join(f"{n} {kind}{'s' if n != 1 and not kind.endswith('data') else ''}" for kind, n in kinds.items())
    return (f"The study's decisions rest on these {len(datasets)} datasets alone ({tally}); the book's tables then "
            "score the chosen defaults on the same datasets, so those scores are not independent of the choice.")


def undetermined_sentence(check: pd.DataFrame, statuses: Mapping[str, str]) -> str:
    """Which library defaults rest on arms whose status is :data:`UNDETERMINED`, from :func:`defaults_check`."""
    now = flat_dict(ScDMACConfig(n_clusters=2))
    readings = check[check["key"].isin(list(BASELINE))]
    changed = readings[readings["library default now"].astype(str) != readings["before the study"].astype(str)]
    resting = {k: [a.name for a in key_arms(k) if a.changes.get(k) == now[k] and statuses.get(a.name) == UNDETERMINED]
               for k in changed["key"]}
    resting = {k: v for k, v in resting.items() if v}
    if resting:
        listed = ", ".join(f"{k} ({' and '.join(v)})" for k, v in resting.items())
        parts = [f"The library's defaults that depart from the readings before the study rest on arms whose status "
                 f"is {UNDETERMINED}: {listed}. The runs show these readings neither better than the ones they "
                 "replaced nor equivalent to them."]
    elif len(changed):
        parts = [f"No library default that departs from the readings before the study rests on an arm whose status "
                 f"is {UNDETERMINED}."]
    else:
        parts = ["No library default departs from the readings before the study."]
    kept = readings[~readings["key"].isin(changed["key"])]["key"]
    alternatives = [a.name for k in kept for a in key_arms(k)]
    counts = pd.Series([statuses.get(n, "not run") for n in alternatives]).value_counts()
    if alternatives:
        tally = ", ".join(f"{int(counts.get(w, 0))} {w}" for w in STATUSES if counts.get(w, 0))
        parts.append(f"The {len(kept)} readings kept from before the study were compared with {len(alternatives)} "
                     f"alternatives: {tally}.")
    budget_arms = [a for a in ARMS if a.budget]
    if budget_arms:
        parts.append("The budgets: " + ", ".join(f"{a.name} is {statuses.get(a.name, 'not run')}"
                                                  for a in budget_arms) + ".")
    return " ".join(parts)


def arm_fates(summary: pd.DataFrame, decision: Decision, choice: Sequence[str] | None) -> pd.DataFrame:
    """One row per arm of ``summary`` (the baseline and the combination aside): its group, verdict (rule 2),
    mean paired ARI difference to the baseline and what the rule made of it, in words."""
    table = summary.set_index("arm")
    rows = [{"arm": a.name, "group": a.group, "verdict": table.loc[a.name, "verdict"],
             "ari_diff": table.loc[a.name, "ari_diff"], "fate": _fate(a, table, decision, choice)}
            for a in ARMS if a.name in table.index and a.group != "baseline"]
    return pd.DataFrame(rows, columns=["arm", "group", "verdict", "ari_diff", "fate"])


_BUDGET_FATES = {
    "raised": "the profile's budgets are raised to this arm's (rule 6)",
    "stay": "not better: the profile's budgets stay (rule 6)",
    "cannot be tested": "the same budgets as the baseline on this profile: rule 6 cannot be tested (amendment)",
}


def _fate(a: Arm, table: pd.DataFrame, decision: Decision, choice: Sequence[str] | None) -> str:
    """What the rule made of one arm, in words."""
    if a.group == "budget":
        return _BUDGET_FATES[decision.budget]
    if a.name in decision.adopted:
        how = f"adopted (rule {decision.adopted_by[a.name]})"
        if choice is None:
            return f"{how}; rule 7 {RUNS_MISSING}"
        if a.name in choice:
            return f"{how}; in the final choice (rule 7)"
        return f"{how}; dropped: the combination fell below the best single arm, {', '.join(choice)} (rule 7)"
    if a.name in decision.candidates:
        kept = next(n for n in decision.adopted if arm(n).group == a.group)
        return f"adopted (rule 3), but {kept} is kept for its group (rule 4)"
    if table.loc[a.name, "verdict"] == "tied":
        return "not adopted: tied, and no closer to the paper's text than the baseline (rule 3)"
    return f"not adopted: {table.loc[a.name, 'verdict']} (rule 2)"


def combination_sentence(summary: pd.DataFrame, decision: Decision, choice: Sequence[str] | None) -> str:
    """Rule 7 in one sentence, with the numbers it compared."""
    adopted = decision.adopted
    if not adopted:
        return "No arm is adopted, so there is nothing to combine: the baseline's readings stay (rule 7)."
    if len(adopted) == 1:
        return f"One arm is adopted ({adopted[0]}), so there is nothing to combine: it is the choice (rule 7)."
    if choice is None:
        return (f"The combination of the adopted arms ({', '.join(adopted)}) lacks runs, so rule 7 is "
                f"{RUNS_MISSING}.")
    table = summary.set_index("arm")
    best = max(adopted, key=lambda n: table.loc[n, "ari_mean"])
    combo, single = table.loc["combination", "ari_mean"], table.loc[best, "ari_mean"]
    holds = list(choice) == list(adopted)
    return (f"The combination of the adopted arms ({', '.join(adopted)}) has a mean ARI of {combo:.3f}, the best "
            f"single adopted arm ({best}) {single:.3f}: the combination "
            + (f"holds up (within {DELTA} or above), so it is the choice (rule 7)." if holds
               else f"falls more than {DELTA} below, so {best} alone is the choice (rule 7)."))


def budget_cost_sentence(frame: pd.DataFrame) -> str:
    """What the budget arm's budgets cost (rule 6): mean run time of the budget arm and of the baseline
    over the (dataset, seed) runs both have; empty when either is missing."""
    pairs = frame[frame["arm"].isin(["baseline", "full_budget"])].pivot_table(
        index=["dataset", "seed"], columns="arm", values="wall_s", aggfunc="mean").dropna()
    if pairs.empty or {"baseline", "full_budget"} - set(pairs.columns):
        return ""
    return (f"The budget arm's runs took {pairs['full_budget'].mean():.1f} s on average, the baseline's "
            f"{pairs['baseline'].mean():.1f} s, over the {len(pairs)} (dataset, seed) runs both have "
            "(as recorded when each run was computed).")


def defaults_sentence(check: pd.DataFrame) -> str:
    """What :func:`defaults_check`'s table says, in one or two sentences."""
    counts = check["matches"].value_counts()
    differ = check.loc[check["matches"] == "no", "key"].tolist()
    declined = check[check["matches"] == "declined"]
    undecided = int(counts.get("not decided", 0))
    parts = [f"The library declines the rule's choice for {row.key}: {row.why}." for row in declined.itertuples()]
    if differ:
        parts.append(f"The library's defaults differ from the rule's choice on {len(differ)} of {len(check)} "
                     f"studied keys: {', '.join(differ)}.")
    elif undecided + len(declined) < len(check):
        others = " other" if len(declined) else ""
        parts.append(f"The library's defaults are the rule's choice on every{others} studied key these runs "
                     f"decide ({len(check) - undecided - len(declined)} of {len(check)}).")
    if undecided:
        parts.append(f"{undecided} of {len(check)} keys are not decided by these runs, so nothing is compared there.")
    return " ".join(parts)


def decision_text(name: str, decision: Decision, choice: Sequence[str] | None) -> str:
    """What one way of applying the rule made of arm ``name``, in a few words (rules 3-7)."""
    a = arm(name)
    if a.group == "budget":
        return {"raised": "budgets raised (rule 6)", "stay": "budgets stay (rule 6)",
                "cannot be tested": "rule 6 cannot be tested", "not run": "not run"}[decision.budget]
    if name in decision.adopted:
        text = f"adopted (rule {decision.adopted_by[name]})"
        if choice is None:
            return f"{text}; combination not run (rule 7)"
        return f"{text}; " + ("chosen (rule 7)" if name in choice else "dropped (rule 7)")
    if name in decision.candidates:
        return "adopted (rule 3), not kept (rule 4)"
    return "not adopted"


#: The columns of :func:`arms_table` that hold each way of applying the rule (keys of its ``decisions``).
REGISTERED = "as registered"
HOLM_ONLY = f"post hoc {POST_HOC_DATE}, Holm"
EQUIVALENT_HOLM = f"post hoc {POST_HOC_DATE}, equivalent + Holm"


def arms_table(summary: pd.DataFrame, effects: pd.DataFrame, holm: pd.DataFrame,
               decisions: Mapping[str, tuple[Decision, Sequence[str] | None]]) -> pd.DataFrame:
    """One row per arm of ``summary`` (:func:`paired_summary`; the baseline first, the combination aside):
    the registered columns (rule 2's ``verdict`` and its Wilcoxon p-values with their ``n_wilcoxon``),
    the post hoc effect, intervals and ``status`` (:func:`arm_effects`), rule 2 with Holm's correction
    (``verdict_holm``, from :func:`holm_verdicts`) and, per way of applying the rule in ``decisions``
    (label -> (decision, rule 7's choice)), a column ``decision (<label>)`` (:func:`decision_text`).
    """
    table = summary[summary["arm"] != "combination"].merge(effects.drop(columns="n_pairs"), on="arm", how="left")
    table = table.merge(holm[["arm", "verdict"]].rename(columns={"verdict": "verdict_holm"}), on="arm", how="left")
    table.insert(1, "group", [arm(n).group if n in {a.name for a in ARMS} else "" for n in table["arm"]])
    for label, (decision, choice) in decisions.items():
        table[f"decision ({label})"] = ["" if n == "baseline" else decision_text(n, decision, choice)
                                        for n in table["arm"]]
    return table


def _readings(changes: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in changes.items()) or "the baseline's readings"


def shipped_arm() -> Arm:
    """The library's default readings as an arm: every key of :data:`BASELINE` whose default differs from it."""
    now = flat_dict(ScDMACConfig(n_clusters=2))
    changes = {k: now[k] for k in BASELINE if now[k] != BASELINE[k]}
    return Arm("shipped_default", "shipped default", changes, f"the library's default readings ({_readings(changes)})",
               0, 0)


def shipped_sentence(effects: pd.DataFrame | None, choice: Sequence[str] | None, *, n_missing: int = 0,
                     n_runs: int = 0, command: str = "", note: str = "") -> str:
    """The library's default readings against the baseline (``effects``: :func:`arm_effects` of the runs of
    :func:`shipped_arm` and the baseline, or ``None`` when ``n_missing`` of its ``n_runs`` runs are not
    stored), beside rule 7's ``choice``; ``note`` (where the runs come from) is appended."""
    shipped = shipped_arm().changes
    head = f"The library ships {_readings(shipped)}"
    if choice is None:
        head += "; rule 7's choice is not decided, so the two are not compared."
    elif combination(choice).changes == shipped:
        head += ": the combination rule 7 chose."
    else:
        combo = combination(choice).changes
        declined = [k for k in combo if k in DECLINED and combo[k] != shipped.get(k, BASELINE[k])]
        head += (f": not the combination rule 7 tested ({_readings(combo)})"
                 + (f", since it declines {', '.join(declined)} (amendment of rule 7)." if declined else "."))
    if effects is None or effects.empty:
        text = (f"{head} It was not measured against the baseline: {n_missing} of its {n_runs} runs are not stored"
                + (f" (compute them with `{command}`)." if command else "."))
    else:
        row = effects.iloc[0]
        text = (f"{head} Against the baseline on the same {int(row['n_pairs'])} (dataset, seed) runs: "
                f"{row['effect']:+.3f} ARI, 95% interval [{row['low_95']:+.3f}, {row['high_95']:+.3f}], 90% interval "
                f"[{row['low_90']:+.3f}, {row['high_90']:+.3f}] over {int(row['n_datasets'])} datasets: "
                f"{row['status']} (one comparison, outside the arms' Holm family; p = {row['p_two_sided']:.2g}).")
    return f"{text} {note}".strip()


def runs_read_text(n_page: int, frame: pd.DataFrame, combination_frame: pd.DataFrame | None = None, *,
                   n_opened: int | None = None, n_shared: int = 0) -> str:
    """The page's one run count: ``n_page`` (the runs the page plans, as in the line under the title), split
    into the arms' runs (``frame``) and rule 7's combination runs (the ``"combination"`` rows of
    ``combination_frame``), and those not stored. A split that adds up to more than ``n_page`` is a page that
    counts two ways. ``n_opened``, the count of the line under the title, differs from ``n_page`` only when
    the page computed the arms itself (rule 7's combination is planned once they are stored): then it says so.
    ``n_shared`` counts the arms' rows that are the same run as another arm's (an arm whose change is the
    baseline's value on this profile): read once per arm, counted once."""
    n_arms = len(frame) - n_shared
    n_combo = 0 if combination_frame is None or combination_frame.empty else int(
        (combination_frame["arm"] == "combination").sum())
    n_missing = n_page - n_arms - n_combo
    if n_missing < 0:
        msg = (f"the page reads {n_arms + n_combo} runs but plans {n_page}: count them from the same specs "
               "(page_runs.specs_for).")
        raise ValueError(msg)
    arms = frame["arm"].nunique() - int("baseline" in set(frame["arm"])) if n_arms else 0
    parts = [f"{n_arms} of the baseline and its {arms} arms"
             + (f" ({n_shared} of them read for two arms: the same run on this profile)" if n_shared else "")]
    if n_combo:
        parts.append(f"{n_combo} of rule 7's combination")
    if n_missing:
        parts.append(f"{n_missing} not stored")
    where = ("the count in the line under the title" if n_opened in (None, n_page) else
             f"{n_opened} in the line under the title, planned before this page computed the study's arms; rule "
             "7's combination is planned once they are stored")
    return f"{n_page} runs ({where}): " + "; ".join(parts)


def arms_takeaway() -> str:
    """What the table of :data:`ARMS` shows, in one sentence."""
    arms = [a for a in ARMS if a.group != "baseline"]
    closer = [a.name for a in arms if a.paper_rank < a.baseline_rank]
    groups = {a.group for a in arms}
    return (f"{len(arms)} arms in {len(groups)} groups, each one change from the baseline; {len(closer)} of them "
            f"({', '.join(closer)}) read the paper's text more closely than the baseline does (a lower paper rank), "
            "so rule 3 adopts them on a tie.")


def effects_takeaway(table: pd.DataFrame) -> str:
    """What :func:`arms_table` shows, in two sentences: rule 2's verdicts beside the statuses, and the
    smallest differences the design could detect."""
    arms = table[table["arm"] != "baseline"]
    registered = arms["verdict"].value_counts()
    status = arms["status"].value_counts()
    said = ", ".join(f"{int(registered.get(w, 0))} {w}" for w in ("better", "worse", "tied"))
    now = ", ".join(f"{int(status.get(w, 0))} {w}" for w in STATUSES)
    det = arms["detectable"].dropna()
    text = (f"Of the {len(arms)} arms, the registered rule 2 calls {said} ('tied': {TIED_MEANS}); with the "
            f"dataset as the unit and Holm's correction they are {now}.")
    if not det.empty:
        text += (f" The smallest mean difference these {int(arms['n_datasets'].max())} datasets would detect "
                 f"with 80% power is {det.min():.3f} to {det.max():.3f} ARI (median {det.median():.3f}), "
                 f"{det.median() / DELTA:.0f} times the margin of {DELTA}.")
    return text


def differences_takeaway(frame: pd.DataFrame) -> str:
    """What the figure of paired differences shows: how far single runs move, against the arms' means."""
    base = frame[frame["arm"] == "baseline"].set_index(["dataset", "seed"])["ari"].rename("base")
    rows = frame[~frame["arm"].isin(["baseline", "combination"])]
    diff = rows.join(base, on=["dataset", "seed"]).assign(diff=lambda f: f["ari"] - f["base"]).dropna(subset=["diff"])
    if diff.empty:
        return ""
    means = diff.groupby("arm")["diff"].mean()
    spread = diff.groupby("arm")["diff"].std(ddof=1)
    far = diff.loc[diff["diff"].abs().idxmax()]
    wider = int((spread > means.abs()).sum())
    return (f"Single runs move up to {abs(far['diff']):.3f} ARI from the baseline ({far['arm']} on {far['dataset']}, "
            f"seed {far['seed']}), while the arms' mean differences lie between {means.min():+.3f} and "
            f"{means.max():+.3f}; for {wider} of {len(means)} arms the sd of the differences is larger than their "
            "mean: run-to-run and dataset-to-dataset spread, not the arm, dominates most comparisons.")


def per_dataset_takeaway(per_dataset: pd.DataFrame) -> str:
    """What the per-dataset table (arms x datasets, mean ARI) shows: the spread between datasets, and the
    largest change an arm makes on one dataset."""
    if "baseline" not in per_dataset.index:
        return ""
    base = per_dataset.loc["baseline"]
    change = per_dataset.drop(index="baseline") - base
    arm_name, dataset = change.stack().abs().idxmax()
    return (f"The baseline's mean ARI runs from {base.min():.3f} ({base.idxmin()}) to {base.max():.3f} "
            f"({base.idxmax()}) across datasets; the largest change an arm makes on one dataset is {arm_name} "
            f"on {dataset} ({change.loc[arm_name, dataset]:+.3f}).")


def post_hoc_sentence(decisions: Mapping[str, tuple[Decision, Sequence[str] | None]]) -> str:
    """What each way of applying the rule adopts and chooses (rules 3-7), one sentence each."""
    parts = []
    for label, (decision, choice) in decisions.items():
        adopted = ", ".join(decision.adopted) or "no arm"
        parts.append(f"*{label}*: adopts {adopted}; rule 7: {choice_text(choice)}.")
    return " ".join(parts)


def applied_note() -> str:
    """How the registered rule was applied, generated from :data:`AMENDMENTS` (the rule's own heading says
    "applied once, as written"; this says what that came to)."""
    rules = ", ".join(f"rule {a.rule} ({a.date})" for a in AMENDMENTS)
    return (f"The rule's heading, as registered, says it is applied once, as written. It was applied once, as "
            f"amended {len(AMENDMENTS)} time{'s' if len(AMENDMENTS) != 1 else ''} afterwards ({rules}; below, "
            f"each with its reason), and a sensitivity analysis added on {POST_HOC_DATE} applies it again post "
            f"hoc beside it, without changing any decision. Its **tied** means {TIED_MEANS}: neither one-sided "
            f"test reached p < {ALPHA}; which arms are shown equivalent to the baseline, the sensitivity analysis says.")


def _interval(low: float, high: float) -> str:
    return "" if np.isnan(low) else f"[{low:+.3f}, {high:+.3f}]"


def registered_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`arms_table`'s registered columns as the page shows them (the baseline aside): rule 2's
    verdict, the mean paired difference, its Wilcoxon p-values and the n that test ranks."""
    table = table[table["arm"] != "baseline"]
    return pd.DataFrame({
        "arm": table["arm"],
        "rule 2 (as registered)": table["verdict"],
        "mean difference": table["ari_diff"].map(lambda v: f"{v:+.3f}"),
        "p better / worse (Wilcoxon)": [f"{b:.2g} / {w:.2g}" for b, w in zip(table["p_better"], table["p_worse"],
                                                                          strict=True)],
        "n (Wilcoxon: zeros dropped)": table["n_wilcoxon"].astype(int),
    }).reset_index(drop=True)


def arms_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`arms_table`'s post hoc columns as the page shows them (the baseline aside): the mean difference
    over datasets with its 95% interval, the 90% interval, the Holm-adjusted p, the detectable
    difference, the n (``n``: datasets x seeds; every pair counts) and the status."""
    table = table[table["arm"] != "baseline"]
    return pd.DataFrame({
        "arm": table["arm"],
        "mean [95%]": [f"{e:+.3f} {_interval(lo, hi)}" for e, lo, hi in zip(
            table["effect"], table["low_95"], table["high_95"], strict=True)],
        "90%": [_interval(lo, hi) for lo, hi in zip(table["low_90"], table["high_90"], strict=True)],
        "p (Holm)": table["p_holm"].map(lambda p: "" if np.isnan(p) else f"{p:.2g}"),
        "detectable": table["detectable"].map(lambda v: f"{v:.3f}"),
        "n": [f"{int(d)} x {int(s)}" for d, s in zip(table["n_datasets"], table["n_seeds"], strict=True)],
        "status": table["status"],
    }).reset_index(drop=True)


def decisions_display(table: pd.DataFrame) -> pd.DataFrame:
    """The decisions of :func:`arms_table` side by side (the baseline aside): rule 2 as registered and
    the status, then each way of applying the rule."""
    table = table[table["arm"] != "baseline"]
    decisions = [c for c in table.columns if c.startswith("decision (")]
    names = {c: "decision: " + c.removeprefix("decision (").removesuffix(")").replace(f"post hoc {POST_HOC_DATE}, ", "")
             for c in decisions}
    return table[["arm", "verdict", "verdict_holm", "status", *decisions]].rename(
        columns={"verdict": "rule 2 (as registered)", "verdict_holm": "rule 2 with Holm", **names}).reset_index(drop=True)
