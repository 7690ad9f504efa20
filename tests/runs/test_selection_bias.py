"""The method study's rule applied leaving one dataset out (runs.selection_bias), on small synthetic studies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.runs import selection_bias

DATASETS = [f"d{i}" for i in range(1, 8)]


def _study(leads: dict[str, dict[str, float]]) -> pd.DataFrame:
    """A study frame: the baseline at 0.5 + 0.05 * dataset index (+0.001 * seed), each arm ahead by its lead on
    the datasets named (0 elsewhere)."""
    rows = []
    for i, d in enumerate(DATASETS):
        for seed in range(3):
            base = 0.5 + 0.05 * i + 0.001 * seed
            rows.append({"arm": "baseline", "dataset": d, "seed": seed, "ari": base, "nmi": base})
            for arm, lead in leads.items():
                rows.append({"arm": arm, "dataset": d, "seed": seed, "ari": base + lead.get(d, 0.0), "nmi": base})
    return pd.DataFrame(rows)


def test_an_arm_that_wins_through_one_dataset_is_dropped_when_that_dataset_is_left_out():
    # genes_1000 leads on d1 (+0.1) and d2 (+0.02): 6 positive pairs, mean +0.017 -> better (rule 2) on all data;
    # without d1 it has 3 non-zero pairs, too few for the test -> tied, and it is no closer to the text (rule 3)
    frame = _study({"genes_1000": {"d1": 0.1, "d2": 0.02}})
    lodo = selection_bias.leave_one_dataset_out(frame).set_index("left_out")
    assert lodo.attrs["in_sample_choice"] == "genes_1000"
    assert lodo.loc["d1", "choice"] == "no change: the baseline stays" and lodo.loc["d1", "scored_arm"] == "baseline"
    assert (lodo.drop(index="d1")["choice"] == "genes_1000").all()
    # the left-out score is the fold's choice on the dataset it never saw
    assert lodo.loc["d1", "ari_left_out"] == pytest.approx(lodo.loc["d1", "ari_baseline"])
    assert lodo.loc["d1", "ari_in_sample_choice"] == pytest.approx(lodo.loc["d1", "ari_baseline"] + 0.1)
    numbers = selection_bias.optimism(lodo.reset_index().pipe(lambda f: f.set_axis(f.columns, axis=1)))
    assert numbers["n_scored"] == 7 and numbers["same_choice"] == 6
    assert numbers["optimism"] == pytest.approx(0.1 / 7)


def test_a_fold_whose_combination_was_never_run_is_not_scored():
    # two arms better everywhere: rules 3-4 adopt both, and rule 7 needs their combination's runs
    frame = _study({"genes_1000": dict.fromkeys(DATASETS, 0.05), "latent_16": dict.fromkeys(DATASETS, 0.03)})
    sets = selection_bias.adopted_sets(frame)
    assert sets == [["genes_1000", "latent_16"]]
    lodo = selection_bias.leave_one_dataset_out(frame)
    assert lodo["ari_left_out"].isna().all() and (lodo["choice"] == "not decided (runs missing)").all()
    assert selection_bias.optimism(lodo)["n_scored"] == 0
    combo = frame[frame["arm"] == "genes_1000"].assign(
        arm=selection_bias.combination_arm(["latent_16", "genes_1000"]), ari=lambda f: f["ari"] + 0.03)
    lodo = selection_bias.leave_one_dataset_out(pd.concat([frame, combo], ignore_index=True))
    assert (lodo["choice"] == "genes_1000, latent_16").all()
    assert (lodo["scored_arm"] == "combination[genes_1000+latent_16]").all()
    assert np.allclose(lodo["ari_left_out"], lodo["ari_in_sample_choice"])  # the same choice in every fold
