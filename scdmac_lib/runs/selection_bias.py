"""How optimistic the method study's choice is: its registered rule applied leaving one dataset out.

The study chose the library's defaults on the same datasets (and seeds) that the book's tables then
report, so the in-sample score of the chosen readings is optimistic. Here the rule
(:data:`scdmac_lib.runs.study.RULE`, rules 2-7 as :func:`~scdmac_lib.runs.study.decide` and
:func:`~scdmac_lib.runs.study.final_choice` apply them) sees all datasets but one; what it chooses
is scored on the one left out, from the study's stored runs alone. A fold whose choice is a
combination of arms that was never run (rule 7's runs exist only for the combination chosen on all
datasets) cannot be scored, and says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scdmac_lib.runs import study

COMBINATION = "combination"


def combination_arm(arms) -> str:
    """The study frame's arm name of the combination of ``arms`` (rule 7's own is ``"combination"``)."""
    return f"{COMBINATION}[{'+'.join(sorted(arms))}]"


def _choice(frame: pd.DataFrame, *, budget_testable: bool) -> tuple[list[str] | None, list[str], str | None]:
    """Rules 2-7 on ``frame``: the final choice, the adopted arms, and the arm whose runs score the choice
    (``"baseline"``, a single arm, the combination's arm (:func:`combination_arm`), or ``None`` when the
    combination of the adopted arms was not run)."""
    singles = _singles(frame)
    decision = study.decide(study.paired_summary(singles), budget_testable=budget_testable)
    adopted = decision.adopted
    if len(adopted) < 2:
        return list(adopted), adopted, adopted[0] if adopted else "baseline"
    combo = frame[frame["arm"] == combination_arm(adopted)]
    if combo.empty:
        return None, adopted, None
    choice = study.final_choice(study.paired_summary(pd.concat([singles, combo.assign(arm=COMBINATION)])), decision)
    if choice is None:
        return None, adopted, None
    return choice, adopted, combination_arm(choice) if len(choice) > 1 else choice[0]


def _singles(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the single arms and the baseline, not those of a combination."""
    return frame[~frame["arm"].str.startswith(COMBINATION)]


def _adopted(singles: pd.DataFrame, left: str | None, budget_testable: bool) -> list[str]:
    rest = singles if left is None else singles[singles["dataset"] != left]
    return study.decide(study.paired_summary(rest), budget_testable=budget_testable).adopted


def adopted_sets(frame: pd.DataFrame, *, budget_testable: bool = True, in_sample: bool = True) -> list[list[str]]:
    """Every set of two or more arms that rules 3-5 adopt, on all datasets (rule 7's own combination; left
    out when ``in_sample`` is false) or leaving one out, each once: the combinations whose runs rule 7 needs
    for :func:`leave_one_dataset_out`."""
    singles = _singles(frame)
    datasets = sorted(singles["dataset"].unique())
    folds = [None, *(datasets if len(datasets) > 1 else [])]  # None: all datasets (rule 7's own)
    adopted = {left: _adopted(singles, left, budget_testable) for left in folds}
    rule_7 = combination_arm(adopted[None])
    found = {}
    for arms in adopted.values():
        name = combination_arm(arms)
        if len(arms) >= 2 and (in_sample or name != rule_7):
            found.setdefault(name, list(arms))
    return list(found.values())


def leave_one_dataset_out(frame: pd.DataFrame, *, budget_testable: bool = True) -> pd.DataFrame:
    """One row per dataset left out: what the rule chose on the others, and the chosen arm's ARI on it.

    ``frame`` is the study's run frame (:func:`study_frame`: ``arm, dataset, seed, ari``, with ``mask_auc``;
    the runs of each combination under :func:`combination_arm`). Columns: ``left_out``, ``adopted``,
    ``choice``, ``scored_arm``, ``ari_left_out`` (the scored arm's mean over seeds on the left-out dataset;
    ``NaN`` when no stored run scores it), ``ari_in_sample_choice`` (the all-datasets choice's ARI there) and
    ``ari_baseline``; ``attrs["in_sample_choice"]`` is the all-datasets choice in words.
    """
    full_choice, _, full_arm = _choice(frame, budget_testable=budget_testable)
    means = frame.groupby(["arm", "dataset"])["ari"].mean()
    datasets = sorted(frame["dataset"].unique())
    rows = []
    for left in datasets if len(datasets) > 1 else []:  # with one dataset there is nothing to leave out
        choice, adopted, arm = _choice(frame[frame["dataset"] != left], budget_testable=budget_testable)
        rows.append({"left_out": left, "adopted": ", ".join(adopted) or "none",
                     "choice": study.choice_text(choice), "scored_arm": arm or "",
                     "ari_left_out": means.get((arm, left), np.nan) if arm else np.nan,
                     "ari_in_sample_choice": means.get((full_arm, left), np.nan) if full_arm else np.nan,
                     "ari_baseline": means.get(("baseline", left), np.nan)})
    out = pd.DataFrame(rows, columns=["left_out", "adopted", "choice", "scored_arm", "ari_left_out",
                                      "ari_in_sample_choice", "ari_baseline"])
    out.attrs["in_sample_choice"] = study.choice_text(full_choice)
    return out


def optimism(lodo: pd.DataFrame) -> dict[str, float]:
    """The in-sample and left-out estimates of the chosen defaults' ARI (means over the scored datasets),
    their difference, the baseline's mean over the same datasets, how many datasets were scored, and in how
    many folds the rule made the all-datasets choice."""
    scored = lodo.dropna(subset=["ari_left_out", "ari_in_sample_choice"])
    n = len(scored)

    def mean(values) -> float:
        return float(values.mean()) if n else np.nan

    return {"in_sample": mean(scored["ari_in_sample_choice"]), "left_out": mean(scored["ari_left_out"]),
            "optimism": mean(scored["ari_in_sample_choice"] - scored["ari_left_out"]),
            "baseline": mean(scored["ari_baseline"]), "n_scored": n, "n_datasets": len(lodo),
            "same_choice": int((lodo["choice"] == lodo.attrs.get("in_sample_choice")).sum())}


def combination_specs(profile, pairs, *, datasets, seeds, in_sample: bool = True) -> list:
    """The runs of every combination :func:`adopted_sets` finds (without rule 7's own unless ``in_sample``),
    once the single arms ``pairs`` are all stored (else none: a second pass of the workflow plans them, as it
    does rule 7's)."""
    frame, missing = study.collect(pairs, run_missing=False)
    if missing or frame.empty:
        return []
    testable = study.budget_testable(profile)
    return [spec for arms in adopted_sets(frame, budget_testable=testable, in_sample=in_sample)
            for _, spec in study.study_specs(profile, [study.combination(arms)], datasets=datasets, seeds=seeds)]


def rule_7_specs(profile, pairs, *, datasets, seeds) -> list:
    """Rule 7's runs: the combination the rules adopt on all datasets, once the arms ``pairs`` are stored."""
    frame, missing = study.collect(pairs, run_missing=False)
    if missing or frame.empty:
        return []
    adopted = _adopted(_singles(frame), None, study.budget_testable(profile))
    if len(adopted) < 2:
        return []
    return [spec for _, spec in study.study_specs(profile, [study.combination(adopted)], datasets=datasets,
                                                  seeds=seeds)]


def study_frame(profile, pairs) -> pd.DataFrame:
    """The study's stored runs (``pairs``: :func:`scdmac_lib.runs.page_runs.study_pairs`), with the stored runs
    of every combination of :func:`adopted_sets` under :func:`combination_arm`; no run is computed. Empty when
    a single arm's run is missing; a missing combination leaves its folds unscored."""
    frame, missing = study.collect(pairs, run_missing=False)
    if missing or frame.empty:
        return pd.DataFrame()
    datasets, seeds = sorted({s.dataset for _, s in pairs}), sorted({s.seed for _, s in pairs})
    parts = [frame]
    for arms in adopted_sets(frame, budget_testable=study.budget_testable(profile)):
        combo = study.study_specs(profile, [study.combination(arms)], datasets=datasets, seeds=seeds)
        rows, missing = study.collect(combo, run_missing=False)
        if not missing and not rows.empty:
            parts.append(rows.assign(arm=combination_arm(arms)))
    return pd.concat(parts, ignore_index=True)
