"""The landing page's opening sentences, generated from the report's saved tables (report.headline)."""

from __future__ import annotations

import math

import pandas as pd

from scdmac_lib.report import headline


def _comparisons() -> pd.DataFrame:
    rows = [(1, "PCA + k-means", 0.038, -0.07, 0.14, "neither"), (1, "Leiden (Seurat-style)", 0.072, -0.1, 0.24, "neither"),
            (3, "scDMAC-Z", 0.110, -0.085, 0.304, "neither"), (3, "scDMAC-W", 0.001, -0.008, 0.011, "neither"),
            (3, "scDMAC-P", -0.005, -0.067, 0.056, "neither")]
    frame = pd.DataFrame(rows, columns=["claim_id", "versus", "effect", "low", "high", "outcome"])
    return frame.assign(n_datasets=7, n_seeds=3)


def test_an_effect_without_an_interval_says_why():
    one = _comparisons().assign(n_datasets=1, low=float("nan"), high=float("nan"), outcome="too few datasets")
    text = headline.baselines_sentence(one, pd.DataFrame({"claim_id": [1], "verdict": ["cannot be tested here"]}))
    assert "Over 1 dataset (3 seeds averaged within each)" in text
    assert "PCA + k-means +0.038 (no interval: 1 dataset)" in text and "nan" not in text


def test_the_baselines_sentence_gives_every_difference_with_its_interval():
    claims = pd.DataFrame({"claim_id": [1], "verdict": ["inconclusive"]})
    text = headline.baselines_sentence(_comparisons(), claims)
    assert "Over 7 datasets (3 seeds averaged within each)" in text
    assert "PCA + k-means +0.038 [-0.070, +0.140]; Leiden (Seurat-style) +0.072 [-0.100, +0.240]" in text
    assert text.endswith("Each difference is not shown to differ from zero (claim 1: inconclusive).")


def test_the_ablations_sentence_names_the_one_that_matters_and_those_near_zero():
    text = headline.ablations_sentence(_comparisons())
    assert "The largest change comes from scDMAC-Z: full scDMAC minus it, +0.110 [-0.085, +0.304] ARI" in text
    assert "The mean ARI of scDMAC-W, scDMAC-P differs from the full model's by less than 0.01" in text


def test_best_and_collapsed_and_mask_sentences():
    datasets = pd.DataFrame({"label": ["Pollen (stand-in)", "Deng (stand-in)"], "scdmac_best": ["yes", "no"],
                             "best_baseline": ["PCA + k-means", "scDeepCluster-style"],
                             "best_baseline_ari": [0.7, 0.5], "scdmac_ari": [0.8, 0.3],
                             "collapsed": ["scziDesk-style 3/3", ""]})
    text = headline.best_sentence(datasets)
    assert text.startswith("scDMAC has the best mean ARI on 1 of 2 datasets (Pollen (stand-in)).")
    assert "scDeepCluster-style on Deng (stand-in) (0.500 against scDMAC's 0.300)" in text
    assert "scziDesk-style 3/3 on Pollen (stand-in)" in text
    assert "chance level" in headline.mask_sentence(0.5, "0.499-0.501 over 21 runs")
    assert "chance" not in headline.mask_sentence(0.8, "0.7-0.9 over 21 runs")
    assert headline.mask_sentence(math.nan, "") == ""


def test_the_stage_sentence_reads_the_saved_answer_and_its_heterogeneity():
    evidence = pd.DataFrame({"comparison": ["counterfactual", "stages"], "effect": [-0.012, 0.0],
                             "low": [-0.09, -0.05], "high": [0.066, 0.05], "n_datasets": [7, 7],
                             "het_p": [0.001, 0.4], "higher": ["deng", ""], "lower": ["pollen, zeisel", ""],
                             "answer": ["depends on the dataset"] * 2})
    text = headline.stage_sentence(evidence, "75_stage_diagnosis.html#a")
    assert "answers *depends on the dataset*" in text and "(75_stage_diagnosis.html#a)" in text
    assert "-0.012 ARI over 7 datasets, 95% interval [-0.090, +0.066]" in text
    assert "the difference differs (one-way ANOVA p = 0.001)" in text
    assert "shown higher on Deng (stand-in), lower on Pollen (stand-in), Zeisel (stand-in)" in text
    assert "not saved" in headline.stage_sentence(None, "x") and "not saved" in headline.stage_sentence(
        evidence.drop(columns="answer"), "x")


def test_an_interval_that_excludes_zero_under_an_inconclusive_verdict_is_explained():
    claims = pd.DataFrame({"claim_id": [1, 8, 7], "verdict": ["inconclusive", "inconclusive", "contradicted"],
                           "low": [-0.1, -0.21, 0.07], "high": [0.1, -0.01, 0.8]})
    note = headline.interval_note(claims)
    assert note.startswith("The interval shown for claim 8 excludes zero, yet the verdict is inconclusive")
    assert headline.interval_note(claims.iloc[[0, 2]]) == ""
