"""The landing page's opening: plain sentences with numbers, generated from the report's saved tables.

Each function takes :class:`scdmac_lib.report.summary_files.ReportTables` (or one of its frames) and
returns markdown; nothing here computes a statistic, it only says what the saved tables hold, in the
order a reader needs it: what the runs show first, then the scope they were run in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from scdmac_lib.data import catalogue
from scdmac_lib.report.reconstruction import QUESTION

NEAR_ZERO = 0.01  # an ablation effect (mean over datasets) smaller than this is called near zero
CHANCE_AUC = (0.45, 0.55)  # a mask AUC inside this range is chance level


def _interval(row) -> str:
    if math.isnan(row.low):
        return f"{row.effect:+.3f} (no interval: {row.n_datasets} dataset{'s' if row.n_datasets != 1 else ''})"
    return f"{row.effect:+.3f} [{row.low:+.3f}, {row.high:+.3f}]"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _shown(row) -> str:
    """What one comparison's interval shows, in words."""
    return {"supports": "shown above zero", "opposes": "shown below zero",
            "neither": "not shown to differ from zero", "too few datasets": "not testable (too few datasets)"}[row.outcome]


def baselines_sentence(comparisons: pd.DataFrame, claims: pd.DataFrame, claim_id: int = 1) -> str:
    """scDMAC's mean ARI difference to each baseline, with its interval and what it shows."""
    sub = comparisons[comparisons["claim_id"] == claim_id]
    if sub.empty:
        return "scDMAC was not compared with any baseline on these runs."
    n_datasets, n_seeds = int(sub["n_datasets"].max()), int(sub["n_seeds"].max())
    parts = "; ".join(f"{r.versus} {_interval(r)}" for r in sub.itertuples())
    shown = sorted({_shown(r) for r in sub.itertuples()})
    verdict = claims.set_index("claim_id").loc[claim_id, "verdict"]
    return (f"**scDMAC against the baselines.** Over {_plural(n_datasets, 'dataset')} ({_plural(n_seeds, 'seed')} "
            "averaged within each), "
            f"scDMAC's ARI minus each baseline's, with 95% intervals: {parts}. Each difference is "
            f"{' or '.join(shown)} (claim {claim_id}: {verdict}).")


def best_sentence(datasets: pd.DataFrame) -> str:
    """On which datasets scDMAC has the best mean ARI, who is best elsewhere, and which runs collapsed."""
    best = datasets[datasets["scdmac_best"] == "yes"]
    others = datasets[datasets["scdmac_best"] != "yes"]
    text = (f"scDMAC has the best mean ARI on {len(best)} of {len(datasets)} datasets"
            + (f" ({', '.join(best['label'])})" if len(best) else "") + ".")
    if len(others):
        text += " Elsewhere the best is " + "; ".join(
            f"{r.best_baseline} on {r.label} ({r.best_baseline_ari:.3f} against scDMAC's {r.scdmac_ari:.3f})"
            for r in others.itertuples()) + "."
    collapsed = datasets[datasets["collapsed"] != ""]
    if len(collapsed):
        text += (" Runs that collapsed (fewer non-empty clusters than half the types; seeds out of all): "
                 + "; ".join(f"{r.collapsed} on {r.label}" for r in collapsed.itertuples()) + ".")
    return text


def ablations_sentence(comparisons: pd.DataFrame, claim_id: int = 3) -> str:
    """Which ablation changes ARI most, and which change it by less than :data:`NEAR_ZERO`."""
    rows = list(comparisons[comparisons["claim_id"] == claim_id].itertuples())
    if not rows:
        return "The ablations were not run."
    big = max(rows, key=lambda r: abs(r.effect))
    small = [r for r in rows if abs(r.effect) < NEAR_ZERO and r is not big]
    text = (f"**Ablations.** The largest change comes from {big.versus}: full scDMAC minus it, {_interval(big)} ARI, "
            f"{_shown(big)}.")
    if small:
        text += (f" The mean ARI of {', '.join(r.versus for r in small)} differs from the full model's by less than "
                 f"{NEAR_ZERO}: " + "; ".join(f"{r.versus} {_interval(r)}" for r in small) + ".")
    return text


def mask_sentence(value: float, text: str) -> str:
    """The mask predictor's AUC, and whether it is at chance."""
    if math.isnan(value):
        return ""
    lo, hi = CHANCE_AUC
    at_chance = lo <= value <= hi
    return (f"**The mask predictor** tells masked from kept entries with a mean AUC of {value:.2f} ({text})"
            + (": chance level, so it learns nothing and the scDMAC-P ablation, which removes it, tests nothing "
               "about the paper's component." if at_chance else "."))


def stage_sentence(evidence: pd.DataFrame | None, link: str) -> str:
    """The stage diagnosis's answer and its counterfactual (``evidence``: the diagnosis page's saved
    reconstruction table, one row per comparison, with the ``answer``), linked to the answer (``link``)."""
    if evidence is None or evidence.empty or "answer" not in evidence.columns:
        return (f"**Where scDMAC loses.** The [stage diagnosis]({link}) asks \"{QUESTION}\"; its table is not saved "
                "on this build, so no answer is given here.")
    cf = evidence.set_index("comparison").loc["counterfactual"]

    def labels(text) -> str:
        names = [n for n in str(text).split(", ") if n and n != "nan"]
        return ", ".join(catalogue.label(n) for n in names) or "none"

    if math.isnan(cf["low"]):
        numbers = f"{cf['effect']:+.3f} ARI on {int(cf['n_datasets'])} dataset, too few for an interval"
    else:
        numbers = (f"{cf['effect']:+.3f} ARI over {int(cf['n_datasets'])} datasets, 95% interval [{cf['low']:+.3f}, "
                   f"{cf['high']:+.3f}]; between datasets the difference "
                   + ("differs" if cf["het_p"] < 0.05 else "is not shown to differ")
                   + f" (one-way ANOVA p = {cf['het_p']:.2g}); shown higher on {labels(cf['higher'])}, lower on "
                   f"{labels(cf['lower'])}")
    return (f"**Where scDMAC loses.** The [stage diagnosis]({link}) asks \"{QUESTION}\" and answers "
            f"*{evidence['answer'].iloc[0]}*. Letting the masked stage read the ZINB bottleneck instead of the "
            f"reconstruction X_z changes scDMAC's ARI by {numbers}.")


def selection_sentence(value: float, text: str) -> str:
    """How optimistic the defaults' in-sample ARI is (leave one dataset out)."""
    if math.isnan(value):
        return f"The defaults were chosen on these datasets; {text}, so how much that flatters them is not measured."
    return (f"The defaults were chosen on these same datasets. Applying the method study's rule leaving one dataset "
            f"out, their ARI is {text}: in-sample minus left-out {value:+.3f}.")


def scope_items(tables, datasets: Sequence[str], defaults: str = "") -> list[str]:
    """The scope box: what every verdict of the book rests on, one item each (``defaults``: which of the
    library's defaults rest on arms the method study leaves undetermined)."""
    budgets = tables.fact("budgets")[1]
    ratio, full = tables.fact("budget_arm_ratio")
    arm_value, arm_text = tables.fact("budget_arm_effect")
    kinds = {}
    for d in datasets:
        kinds.setdefault(catalogue.kind(d), []).append(catalogue.label(d))
    items = [f"Training budgets: the library's defaults, {budgets}; the paper states no epochs, steps, batch size "
             "or learning rate."]
    if not math.isnan(arm_value):
        items.append(f"Training {ratio:.1f}x longer ({full}) in the method study's budget arm changed the mean by "
                     f"{arm_text}.")
    items.append(f"Computed on: {tables.fact('devices')[1]}.")
    data = "Data: " + "; ".join(f"{kind}: {', '.join(names)}" for kind, names in kinds.items()) + "."
    if "paper's data" not in kinds:
        data += " None is one of the paper's datasets, so no number here re-measures the paper's."
    items.append(data)
    if scvi := tables.fact("scvi")[1]:
        items.append(scvi)
    items.append(selection_sentence(*tables.fact("selection_optimism")))
    if defaults:
        items.append(defaults)
    return items


def interval_note(claims: pd.DataFrame) -> str:
    """Why a claim whose 95% interval excludes zero can still be inconclusive (Holm over its comparisons)."""
    excludes = (claims["low"] > 0) | (claims["high"] < 0)
    odd = claims[excludes & (claims["verdict"] == "inconclusive")]
    if odd.empty:
        return ""
    ids = ", ".join(str(int(c)) for c in odd["claim_id"])
    return (f"The interval shown for claim{'s' if len(odd) > 1 else ''} {ids} excludes zero, yet the verdict is "
            "inconclusive: each interval is that of one comparison, and a claim that makes several (one per "
            "baseline or variant) is decided on Holm-adjusted p-values, given with its numbers in the "
            "reproducibility report.")
