"""Compact result tables: content from the long frames, and a width that fits the book's page."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.book import tables
from scdmac_lib.report import compare, reported

#: The quick profile's size: 7 datasets x 6 methods x 3 seeds (the paper profile: 5 seeds).
DATASETS = ("deng", "pollen", "zeisel", "worm_neuron", "mouse_bladder", "pbmc10x", "baron_human")
METHODS = ("scDMAC", "PCA + k-means", "Leiden (Seurat-style)", "scDeepCluster-style", "scziDesk-style",
           "scVI + k-means")


def full_size_runs(seeds=(0, 1, 2), seed: int = 0) -> pd.DataFrame:
    """A run frame of the real size with random scores in [0.3, 0.95]."""
    rng = np.random.default_rng(seed)
    rows = [{"dataset": d, "method": m, "seed": s, "ari": rng.uniform(0.3, 0.95), "nmi": rng.uniform(0.3, 0.95)}
            for d in DATASETS for m in METHODS for s in seeds]
    return pd.DataFrame(rows)


def _reported() -> pd.DataFrame:
    methods = ["PCA + K-means", "Seurat", "scDeepCluster", "scziDesk", "scVI", *reported.NOT_RUN, "scDMAC"]
    frame = pd.DataFrame(np.linspace(0.3, 0.9, len(methods) * 6).reshape(len(methods), 6), index=methods,
                         columns=["Adam", "Deng", "Muraro", "Pollen", "Chen", "Zeisel"])
    frame.loc["scCGC", "Deng"] = np.nan
    frame.index.name = "method"
    return frame


def test_ours_table_has_datasets_as_rows_and_bolds_the_best():
    long = compare.side_by_side(full_size_runs(), _reported(), "ari")
    markup = tables.ours_table(long)
    assert markup.count("<tr>") == 1 + len(DATASETS)
    assert markup.count('<th class="rowhead">') == 1 + len(DATASETS)
    assert "Deng (stand-in)" in markup and "baron_<wbr>human" in markup  # may wrap after "_"
    assert markup.count('class="num best') == len(DATASETS)
    summary = compare.summarize_runs(full_size_runs(), "ari").rename(columns={"ari_mean": "mean", "ari_sd": "sd"})
    top = summary.sort_values("mean").groupby("dataset").tail(1).set_index("dataset")
    best_cells = re.findall(r'<td class="num best[^"]*" title="[^"]*">([0-9.]+)<span', markup)
    assert sorted(best_cells) == sorted(f"{v:.3f}" for v in top["mean"])
    sd = summary.iloc[0]["sd"]
    assert f"\u00b1{sd:.3f}" in markup
    text = tables.ours_frame(long)
    assert list(text.columns) == list(METHODS) and text.shape == (len(DATASETS), len(METHODS))


def test_ours_table_with_one_seed_shows_means_only_and_refuses_other_frames():
    long = compare.side_by_side(full_size_runs(seeds=(0,)), None, "ari")
    markup = tables.ours_table(long)
    assert "\u00b1" not in markup and "mean of 1 seed" in markup
    with pytest.raises(ValueError, match=r"lacks the columns \['ours_best', 'ours_mean'"):
        tables.ours_table(long.drop(columns=["ours_mean", "ours_best"]))


def test_reported_table_is_laid_out_like_ours_and_marks_lost_values():
    """Issue 23: the reported tables put methods in rows, ours datasets: they could not be read side by side."""
    markup = tables.reported_table(_reported(), DATASETS, METHODS)
    frame = tables.reported_frame(_reported(), DATASETS, METHODS)
    ran = [m for m in METHODS if reported.paper_method(m) in _reported().index]
    assert list(frame.columns) == [*ran, "best other (paper)", "its method"]
    assert list(frame.index) == ["Deng (stand-in)", "Pollen (stand-in)", "Zeisel (stand-in)"]
    others = _reported().drop(index=[reported.paper_method(m) for m in ran])
    assert frame.loc["Deng (stand-in)", "best other (paper)"] == others["Deng"].max()
    assert frame.loc["Deng (stand-in)", "its method"] == others["Deng"].idxmax()
    assert markup.count("<tr>") == 1 + 3 + (1 if frame.isna().to_numpy().any() else 0)  # header, datasets, note
    assert tables.reported_table(None, DATASETS) == ""
    assert tables.reported_table(_reported(), ["worm_neuron"]) == ""


def test_text_table_formats_numbers_and_links():
    frame = pd.DataFrame({"claim": ["a <b>", "c"], "p": [0.01234, np.nan], "n": [np.int64(3), np.int64(4)]})
    markup = tables.text_table(frame, links={"claim": ["page.html#claim-1", ""]})
    assert '<a href="page.html#claim-1">a &lt;b&gt;</a>' in markup
    assert '<td class="num">0.012</td>' in markup and '<td class="num"></td>' in markup
    assert '<td class="num">3</td>' in markup


def test_claims_table_links_each_verdict_and_keeps_new_columns():
    claims_frame = pd.DataFrame({"claim_id": [1, 2, 3], "claim": ["best ARI", "best NMI", "sd"],
                                 "verdict": ["holds", "inconclusive", "contradicted"],
                                 "evidence": ["long text"] * 3, "p_value": [0.01, 0.4, 0.5]})
    markup = tables.claims_table(claims_frame, evidence_page="90_reproducibility.html", drop=["evidence"])
    assert '<td class="text verdict-holds"><a href="90_reproducibility.html#claim-1">holds</a></td>' in markup
    assert '<td class="text verdict-open"><a href="90_reproducibility.html#claim-2">inconclusive</a></td>' in markup
    assert '<td class="text verdict-fails"><a href="90_reproducibility.html#claim-3">contradicted</a></td>' in markup
    assert "long text" not in markup and "<th>p_<wbr>value</th>" in markup and "0.400" in markup
    with pytest.raises(ValueError, match=r"lacks the columns \['verdict'\]"):
        tables.claims_table(claims_frame.drop(columns=["verdict"]))


def test_with_dataset_labels_names_each_dataset_with_its_kind():
    frame = pd.DataFrame({"dataset": ["deng", "synth-40x30x3"], "ari": [0.5, 0.6]})
    shown = tables.with_dataset_labels(frame)
    assert shown["dataset"].tolist() == ["Deng (stand-in)", "synth-40x30x3 (simulated)"]
    assert frame["dataset"].tolist() == ["deng", "synth-40x30x3"]  # the frame (and its CSV) keeps the names
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        tables.with_dataset_labels(pd.DataFrame({"dataset": ["nope"]}))


def test_a_cell_with_collapsed_runs_is_marked():
    long = compare.side_by_side(full_size_runs(), None, "ari").assign(collapsed=0)
    long.loc[(long["dataset"] == "pollen") & (long["method"] == "scziDesk-style"), "collapsed"] = 2
    markup = tables.ours_table(long)
    assert markup.count(f'<span class="collapsed">{tables.COLLAPSED} 2/3</span>') == 1
    assert "2 of 3 runs collapsed" in markup
    assert tables.COLLAPSED not in tables.ours_table(long.drop(columns="collapsed"))


def test_a_claims_numbers_show_the_columns_that_fit_and_keep_their_order():
    details = pd.DataFrame({"versus": ["PCA + k-means"], "effect": [0.1], "low": [-0.1], "high": [0.3], "se": [0.1],
                            "p_holm": [0.4], "n_datasets": [7], "n_seeds": [3], "outcome": ["neither"],
                            "verdict": ["inconclusive"], "loo_effect": [0.2]})
    view = tables.details_view(details)
    assert list(view.columns) == ["versus", "effect", "low", "high", "Holm p", "datasets", "seeds", "verdict"]
    sweep = pd.DataFrame({"dataset": ["Deng (stand-in)"], "value": [0.3], "gap": [-0.01], "worse": [False]})
    assert list(tables.details_view(sweep).columns) == ["dataset", "point", "gap", "worse"]
