"""Tests of the reported-vs-reproduced tables, the claim verdicts and the results plots."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from scdmac_lib.book import plots_results, projection, style
from scdmac_lib.data import catalogue
from scdmac_lib.report import claims, compare, reported
from scdmac_lib.runs import execute, page_runs, specs
from scdmac_lib.runs.profiles import get_profile
from scdmac_lib.runtime import paths


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def shared(tmp_path):
    """A tiny folder of the paper's tables with one lost cell per table (the package's file format)."""
    head = "# table: {n}\n# caption: Table {n}, a test's copy.\n"
    (tmp_path / "table2_ari.csv").write_text(
        head.format(n=2) + "method,Deng,Pollen\nPCA + K-means,0.6,0.75\nscCGC,0.86,\nscDMAC,0.89,0.915\n")
    (tmp_path / "table3_nmi.csv").write_text(head.format(n=3) + "method,Deng,Pollen\nPCA + K-means,0.61,0.86\nscDMAC,0.88,\n")
    (tmp_path / "table4_silhouette.csv").write_text(head.format(n=4) + "method,Deng,Pollen\nscDMAC,,0.62\n")
    (tmp_path / "table5_ablation.csv").write_text(
        head.format(n=5) + "variant,metric,Deng,Pollen\nscDMAC-Z,ARI,0.84,0.89\nscDMAC-Z,NMI,0.83,0.91\n"
        "scDMAC,ARI,0.89,0.915\nscDMAC,NMI,0.88,0.93\n")
    (tmp_path / "table1_datasets.csv").write_text(head.format(n=1) + "dataset,cells\nDeng,268\n")
    return tmp_path


def _frame(values: dict[tuple[str, str], list[float]], metric_offsets=None) -> pd.DataFrame:
    """Run frame from {(dataset, method): [ari per seed]}; nmi = ari - 0.01, silhouette = ari / 2."""
    rows = []
    for (d, m), aris in values.items():
        for seed, a in enumerate(aris):
            rows.append({"dataset": d, "method": m, "seed": seed, "ari": a, "nmi": a - 0.01, "silhouette": a / 2})
    return pd.DataFrame(rows)


def _sweep(param: str, points: dict[float, float], dataset: str = "deng") -> pd.DataFrame:
    rows = [{"dataset": dataset, "method": "scDMAC", "seed": 0, "ari": a, "nmi": a, "silhouette": 0.1,
             "sweep_param": param, "sweep_value": v} for v, a in points.items()]
    return pd.DataFrame(rows)


def _verdict(frame: pd.DataFrame, cid: int) -> claims.Verdict:
    return next(v for v in claims.claim_verdicts(frame) if v.claim_id == cid)


# --------------------------------------------------------------------------- reported tables
def test_load_reported_keeps_lost_cells_as_nan(shared):
    t2 = reported.load_reported(2, folder=shared)
    assert t2.loc["PCA + K-means", "Deng"] == pytest.approx(0.6)
    assert math.isnan(t2.loc["scCGC", "Pollen"])
    t5 = reported.load_reported(5, folder=shared)
    assert t5.loc[("scDMAC-Z", "ari"), "Deng"] == pytest.approx(0.84)
    assert reported.reported_ablation("ARI", folder=shared).loc["scDMAC", "Pollen"] == pytest.approx(0.915)


def test_load_reported_errors(shared, tmp_path):
    with pytest.raises(ValueError, match="table must be one of"):
        reported.load_reported(9, folder=shared)
    with pytest.raises(FileNotFoundError, match="Table 2 is not at"):
        reported.load_reported(2, folder=tmp_path / "nowhere")
    assert reported.reported_metric("ari", folder=tmp_path / "nowhere") is None
    with pytest.raises(ValueError, match="metric must be one of"):
        reported.reported_metric("acc", folder=shared)


def test_the_package_holds_the_papers_tables_with_number_and_caption():
    """Every checkout shows the reported side: the tables are in the package, not beside it."""
    for n in reported.REPORTED_FILES:
        assert reported.caption(n).startswith(f"Table {n} of Xu et al. (2026)")
        assert not reported.load_reported(n).empty
    t2 = reported.load_reported(2)
    assert {"Deng", "Pollen", "Zeisel"} <= set(t2.columns)
    assert math.isnan(t2.loc["scCGC", "Chen"])
    assert set(reported.NOT_RUN) <= set(t2.index)


@pytest.mark.parametrize(("ours", "paper"), [("PCA + k-means", "PCA + K-means"), ("Leiden (Seurat-style)", "Seurat"),
                                             ("scDeepCluster-style", "scDeepCluster"), ("scziDesk-style", "scziDesk"),
                                             ("scVI + k-means", "scVI"), ("scDMAC-P", "scDMAC-P")])
def test_paper_method(ours, paper):
    assert reported.paper_method(ours) == paper


@pytest.mark.parametrize(("ours", "paper"), [("deng", "Deng"), ("pollen", "Pollen"), ("zeisel", "Zeisel"),
                                             ("pbmc10x", None), ("synth-400x300x4", None)])
def test_paper_dataset(ours, paper):
    assert catalogue.paper_column(ours) == paper


def test_reported_value_and_note(shared):
    t2 = reported.load_reported(2, folder=shared)
    assert reported.reported_value(t2, "PCA + k-means", "pollen") == pytest.approx(0.75)
    assert math.isnan(reported.reported_value(t2, "scCGC", "pollen"))
    assert reported.reported_note(t2, "scCGC", "pollen") == reported.LOST
    assert "no paper column" in reported.reported_note(t2, "scDMAC", "pbmc10x")
    assert reported.reported_note(t2, "scziDesk-style", "deng") == "method not in the paper's table"
    assert reported.reported_note(None, "scDMAC", "deng") == "reported tables not available"


# --------------------------------------------------------------------------- side-by-side
def test_side_by_side_shape_and_values(shared):
    frame = _frame({("deng", "scDMAC"): [0.8, 0.9], ("deng", "PCA + k-means"): [0.5, 0.7],
                    ("pbmc10x", "scDMAC"): [0.6, 0.6]})
    long = compare.side_by_side(frame, reported.load_reported(2, folder=shared), "ari")
    assert long.shape == (3, 11)
    assert long["kind"].tolist() == ["stand-in", "stand-in", "extra"]  # every dataset row names its kind
    row = long[(long["dataset"] == "deng") & (long["method"] == "scDMAC")].iloc[0]
    assert row["ours_mean"] == pytest.approx(0.85)
    assert row["ours_sd"] == pytest.approx(np.std([0.8, 0.9], ddof=1))
    assert row["ours_best"] == pytest.approx(0.9)
    assert row["reported"] == pytest.approx(0.89)
    assert math.isnan(long.iloc[-1]["reported"])
    extra = compare.reported_only(reported.load_reported(2, folder=shared), ["deng", "pollen"], ["scCGC"])
    assert extra["reported_note"].tolist() == ["", reported.LOST]
    assert set(extra["kind"]) == {"stand-in"}
    wide = compare.display_table(long, extra=extra)
    assert list(wide.index) == ["scDMAC", "PCA + k-means", "scCGC"]
    assert wide.loc["scDMAC", "Deng (stand-in): ours"] == "0.850 ± 0.071 (best 0.900)"
    assert wide.loc["scCGC", "Pollen (stand-in): reported"] == reported.LOST
    assert wide.loc["scCGC", "Deng (stand-in): ours"] == "not run"
    assert "why not run" in wide.columns


def test_side_by_side_without_reported_and_one_seed():
    long = compare.side_by_side(_frame({("synth-400x300x4", "scDMAC"): [0.5]}), None, "ari")
    assert math.isnan(long.loc[0, "reported"]) and math.isnan(long.loc[0, "ours_sd"])
    wide = compare.display_table(long)
    assert wide.iloc[0, 0] == "0.500 (1 seed)"
    with pytest.raises(ValueError, match="not columns"):
        compare.summarize_runs(long, "ari")


def test_win_loss_statement():
    frame = _frame({("deng", "scDMAC"): [0.8], ("deng", "PCA + k-means"): [0.9], ("pollen", "scDMAC"): [0.9],
                    ("pollen", "PCA + k-means"): [0.5], ("zeisel", "PCA + k-means"): [0.5]})
    text = compare.win_loss_statement(compare.side_by_side(frame, None, "ari"), "ari")
    assert "ranks 2 of 2 (0.800); behind PCA + k-means (0.900)" in text
    assert "is best (0.900)" in text
    assert "scDMAC was not run" in text


# --------------------------------------------------------------------------- verdicts
DATASETS7 = ("deng", "pollen", "zeisel", "worm_neuron", "mouse_bladder", "pbmc10x", "baron_human")


def _per_dataset(effects: dict[str, list[float]], datasets=DATASETS7, base: float = 0.6) -> pd.DataFrame:
    """scDMAC and other methods on ``datasets``: method -> scDMAC's lead over it on each dataset; per seed a small
    deterministic wobble (three seeds)."""
    wobble = (-0.004, 0.0, 0.004)
    values = {}
    for i, d in enumerate(datasets):
        values[(d, "scDMAC")] = [base + w for w in wobble]
        for m, leads in effects.items():
            values[(d, m)] = [base - leads[i] + w / 2 for w in wobble]
    frame = _frame(values)
    return frame.assign(silhouette_shared=frame["silhouette"])


def test_a_positive_difference_that_is_not_significant_is_inconclusive():
    """Issue 22: a positive mean difference with p above the level "did not hold"; it is inconclusive."""
    frame = _per_dataset({"PCA + k-means": [0.2, -0.15, 0.1, -0.05, 0.12, -0.08, 0.05]})
    v = _verdict(frame, 1)
    assert v.numbers["effect"] > 0 and v.numbers["low"] < 0 < v.numbers["high"]
    assert v.verdict == "inconclusive"
    assert v.numbers["n_datasets"] == 7 and v.numbers["n_seeds"] == 3
    assert v.numbers["detectable"] > v.numbers["effect"]
    assert "could detect an effect of about" in v.evidence


def test_a_consistent_lead_over_every_baseline_holds_and_a_deficit_contradicts():
    frame = _per_dataset({"PCA + k-means": [0.1] * 7, "scDeepCluster-style": [0.05, 0.06, 0.04, 0.05, 0.07, 0.05, 0.06],
                          "scDMAC-Z": [-0.2] * 7})  # ablations do not count as baselines
    v = _verdict(frame, 1)
    assert v.verdict == "holds" and list(v.details["versus"]) == ["PCA + k-means", "scDeepCluster-style"]
    assert v.numbers["compared"] == "scDMAC - scDeepCluster-style"  # the weakest comparison is the row's
    assert "best on 7 of 7" in v.evidence
    assert (v.details["outcome"] == "supports").all() and (v.details["p_holm"] < 0.05).all()
    worse = _per_dataset({"PCA + k-means": [0.1] * 7, "Leiden (Seurat-style)": [-0.05, -0.06, -0.04, -0.05, -0.07,
                                                                                -0.05, -0.06]})
    v = _verdict(worse, 1)
    assert v.verdict == "contradicted" and v.numbers["compared"] == "scDMAC - Leiden (Seurat-style)"
    assert v.numbers["high"] < 0


def test_one_dataset_with_many_seeds_cannot_make_an_across_datasets_claim_hold():
    """Issue 22: seeds of one dataset are not replicates of a claim about datasets."""
    frame = _frame({("deng", "scDMAC"): [0.9, 0.91, 0.92, 0.9, 0.93, 0.9, 0.91, 0.92],
                    ("deng", "PCA + k-means"): [0.5, 0.51, 0.5, 0.52, 0.5, 0.51, 0.5, 0.5]})
    v = _verdict(frame, 1)
    assert v.verdict == "cannot be tested here" and "Too few datasets" in v.evidence
    assert v.numbers["n_datasets"] == 1 and v.numbers["n_seeds"] == 8
    assert _verdict(_frame({("deng", "scDMAC"): [0.9]}), 1).verdict == "cannot be tested here"


def test_the_paper_implied_effect_is_compared_with_our_interval():
    frame = _per_dataset({"PCA + k-means": [0.1] * 7})
    v = _verdict(frame, 1)
    paper = reported.load_reported(2)
    implied = float((paper.loc["scDMAC"] - paper.loc["PCA + K-means"]).mean())
    assert v.numbers["reported_effect"] == pytest.approx(implied)
    assert v.numbers["reported_in_interval"] == ("yes" if v.numbers["low"] <= implied <= v.numbers["high"] else "no")
    table = claims.comparisons_table(claims.claim_verdicts(frame))
    assert set(table["reported_in_interval"]) <= {"yes", "no", ""}


def test_verdict_ablation():
    frame = _per_dataset({"scDMAC-Z": [0.1] * 7, "scDMAC-W": [0.05] * 7, "scDMAC-P": [0.2] * 7})
    assert _verdict(frame, 3).verdict == "holds"
    frame.loc[frame["method"] == "scDMAC-W", "ari"] += 0.1
    v = _verdict(frame, 3)
    assert v.verdict == "contradicted" and "vs scDMAC-W: -0.050" in v.evidence
    partial = _per_dataset({"scDMAC-Z": [0.1] * 7})
    assert "Not run: scDMAC-P, scDMAC-W" in _verdict(partial, 3).evidence
    assert _verdict(_frame({("deng", "scDMAC"): [0.9]}), 3).verdict == "cannot be tested here"


def test_claim_3_with_the_mask_aucs_leaves_sc_dmac_p_untested_at_chance_and_checks_every_dataset():
    frame = _per_dataset({"scDMAC-Z": [0.1] * 7, "scDMAC-W": [0.05] * 7, "scDMAC-P": [0.2] * 7})
    at_chance = next(v for v in claims.claim_verdicts(frame, [0.5] * 21) if v.claim_id == 3)
    assert at_chance.verdict == "cannot be tested here"
    assert "vs scDMAC-P" in at_chance.evidence and "mask predictor is at chance" in at_chance.evidence
    assert next(v for v in claims.claim_verdicts(frame, [0.8] * 21) if v.claim_id == 3).verdict == "holds"
    frame.loc[(frame["method"] == "scDMAC-W") & (frame["dataset"] == frame["dataset"].iloc[0]), "ari"] += 0.06
    one_below = next(v for v in claims.claim_verdicts(frame, [0.8] * 21) if v.claim_id == 3)
    assert one_below.verdict == "inconclusive" and "not on every dataset" in one_below.evidence
    one = _frame({("deng", "scDMAC"): [0.9, 0.8], ("deng", "scDMAC-Z"): [0.7, 0.6]})  # no interval: no crash
    assert next(v for v in claims.claim_verdicts(one, [0.5, 0.5]) if v.claim_id == 3).verdict == "cannot be tested here"


def _sweep_seeds(param: str, points: dict[float, float], seeds: int = 3, dataset: str = "deng") -> pd.DataFrame:
    """A sweep with ``seeds`` seeds per point: the point's ARI plus a small wobble shared by every point of a seed."""
    rows = [{"dataset": dataset, "method": "scDMAC", "seed": s, "ari": a + 0.01 * s + 0.002 * (s * v % 1),
             "nmi": a, "silhouette": 0.1, "sweep_param": param, "sweep_value": v}
            for v, a in points.items() for s in range(seeds)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("param", "points", "seeds", "expected"), [
    ("mae.mask_ratio", {0.1: 0.5, 0.3: 0.8, 0.5: 0.6}, 3, "holds"),
    ("mae.mask_ratio", {0.1: 0.9, 0.3: 0.8, 0.5: 0.6}, 3, "contradicted"),
    ("mae.mask_ratio", {0.1: 0.5, 0.3: 0.8, 0.5: 0.8}, 3, "holds"),  # a tie that includes the claimed point
    ("mae.mask_ratio", {0.1: 0.5, 0.3: 0.8, 0.5: 0.6}, 1, "cannot be tested here"),  # one seed
    ("mae.mask_ratio", {0.1: 0.9, 0.5: 0.6}, 3, "cannot be tested here"),  # no grid point in 0.2-0.3
    ("mae.recon_weight", {0.6: 0.5, 0.7: 0.8, 0.8: 0.6}, 3, "holds"),
    ("mae.recon_weight", {0.6: 0.5, 0.8: 0.6}, 3, "cannot be tested here"),
    ("mae.mask_loss_weight", {0.5: 0.5, 0.65: 0.5, 0.8: 0.8}, 3, "contradicted"),
    ("mae.mask_loss_weight", {0.5: 1.0, 0.65: 1.0, 0.8: 1.0}, 3, "inconclusive"),  # flat: nothing is worse
])
def test_verdict_sweeps(param, points, seeds, expected):
    cid = {"mae.mask_ratio": 4, "mae.recon_weight": 5, "mae.mask_loss_weight": 6}[param]
    main = _frame({("deng", "scDMAC"): [0.9]})
    main["sweep_param"] = None
    frame = pd.concat([main, _sweep_seeds(param, points, seeds)], ignore_index=True)
    v = _verdict(frame, cid)
    assert v.verdict == expected
    # the sweep rows never leak into the main-table claims
    assert _verdict(frame, 1).verdict == "cannot be tested here"


def test_a_tie_with_the_claimed_sweep_point_is_not_held_against_the_claim():
    """Issue 22: "best ARI 0.400 at 0.3, 0.5" counted as "optimum at 0.2-0.3 on 0 of 2 datasets"."""
    main = _frame({("deng", "scDMAC"): [0.9]}).assign(sweep_param=None)
    frame = pd.concat([main, _sweep_seeds("mae.mask_ratio", {0.1: 0.4, 0.3: 0.4, 0.5: 0.4})], ignore_index=True)
    v = _verdict(frame, 4)
    assert v.verdict == "inconclusive"
    assert set(v.details.loc[~v.details["worse"], "value"]) == {0.1, 0.3, 0.5}


def test_verdict_sweep_absent():
    assert _verdict(_frame({("deng", "scDMAC"): [0.9]}), 4).evidence.endswith("was not run.")


def test_verdict_seed_variance():
    assert _verdict(_frame({("deng", "scDMAC"): [0.9, 0.901, 0.9, 0.9005, 0.9]}), 7).verdict == "holds"
    v = _verdict(_frame({("deng", "scDMAC"): [0.9, 0.7, 0.8]}), 7)
    assert v.verdict == "contradicted" and "sd 0.1000" in v.evidence and v.numbers["low"] > claims.SEED_SD_LIMIT
    assert _verdict(_frame({("deng", "scDMAC"): [0.9, 0.91, 0.9]}), 7).verdict == "inconclusive"
    assert _verdict(_frame({("deng", "scDMAC"): [0.9, 0.905]}), 7).verdict == "cannot be tested here"  # 2 seeds


def test_verdict_silhouette_is_decided_in_the_shared_space():
    frame = _per_dataset({"PCA + k-means": [0.1] * 7, "scDeepCluster-style": [0.2] * 7})
    assert _verdict(frame, 8).verdict == "holds"
    frame.loc[frame["method"] == "PCA + k-means", "silhouette_shared"] = 0.99
    assert _verdict(frame, 8).verdict == "contradicted"
    own_only = frame.drop(columns="silhouette_shared")  # each embedding's own silhouette ranks nothing
    assert _verdict(own_only, 8).verdict == "cannot be tested here"


def test_collapsed_runs_are_marked():
    frame = _per_dataset({"scziDesk-style": [0.3] * 7}).assign(collapsed=False)
    frame.loc[(frame["method"] == "scziDesk-style") & (frame["dataset"] == "pollen") & (frame["seed"] < 2),
              "collapsed"] = True
    assert "scziDesk-style on Pollen (stand-in) (2 of 3 seeds)" in _verdict(frame, 1).evidence
    from scdmac_lib.report import scope

    table = scope.datasets_table(frame).set_index("dataset")
    assert table.loc["pollen", "collapsed"] == "scziDesk-style 2/3" and table.loc["deng", "collapsed"] == ""


def test_claims_table_and_summary():
    frame = _frame({("deng", "scDMAC"): [0.9, 0.7, 0.8, 0.95, 0.85], ("deng", "PCA + k-means"): [0.5] * 5})
    claim_list = claims.claim_verdicts(frame)
    table = claims.claims_table(claim_list)
    assert list(table.columns) == ["claim_id", "claim", "source", "verdict", *claims.NUMBER_COLUMNS, "evidence"]
    assert set(table["verdict"]) <= set(claims.VERDICTS)
    text = claims.verdict_summary(claim_list, ["deng"])
    assert text.startswith("Of the 8 claims checked: 0 holds, 1 contradicted (claim 7), 0 inconclusive, "
                           "7 cannot be tested here (claims 1, 2, 3, 4, 5, 6, 8).")
    assert "Deng (stand-in)" in text and "none is one of the paper's datasets" in text
    with pytest.raises(ValueError, match="lacks the columns"):
        claims.claim_verdicts(frame.drop(columns="ari"))


@pytest.mark.parametrize(("datasets", "expected"), [
    (["deng", "worm_neuron"], "The datasets are Deng (stand-in), worm_neuron (extra); none is one of the paper's "
                              "datasets, so agreement or disagreement is evidence about the method on these data"),
    (["deng_paper", "pollen_paper"], "The datasets are Deng (paper's data), Pollen (paper's data): all are the "
                                     "paper's own datasets"),
    (["deng_paper", "worm_neuron"], "Of the datasets, Deng (paper's data) is the paper's own (from public copies; "
                                    "the data page compares each with the paper's Table 1); worm_neuron (extra) is "
                                    "not, and the verdicts pool both"),
])
def test_the_summary_says_which_datasets_are_the_papers(datasets, expected):
    """Issue 18: the summary said that no dataset was the paper's, also when the paper's copies were used."""
    text = claims.verdict_summary(claims.claim_verdicts(_frame({("deng", "scDMAC"): [0.9]})), datasets)
    assert expected in text
    assert ("none is one of the paper's datasets" in text) == (datasets == ["deng", "worm_neuron"])


def test_claim_details_and_sweep_summaries_name_each_datasets_kind():
    frame = _frame({("deng", "scDMAC"): [0.9, 0.7, 0.8], ("worm_neuron", "scDMAC"): [0.5, 0.5, 0.5]})
    details = _verdict(frame, 7).details
    assert details["dataset"].tolist() == ["Deng (stand-in)", "worm_neuron (extra)"]
    assert "Deng (stand-in): sd 0.1000 [" in _verdict(frame, 7).evidence
    main = _frame({("deng", "scDMAC"): [0.9]}).assign(sweep_param=None)
    sweep = pd.concat([main, _sweep_seeds("mae.mask_ratio", {0.1: 0.5, 0.3: 0.8, 0.5: 0.6})], ignore_index=True)
    assert _verdict(sweep, 4).details["dataset"].tolist() == ["Deng (stand-in)"] * 3
    summ = compare.summarize_sweep(sweep, "mae.mask_ratio")
    assert list(summ.columns[:2]) == ["dataset", "kind"] and set(summ["kind"]) == {"stand-in"}
    assert "kind" in compare.summarize_sweep(sweep, "mae.recon_weight").columns  # empty, same columns


def test_sweep_specs_reuse_default_and_tag():
    from scdmac_lib.runs.profiles import get_profile

    prof = get_profile("smoke")
    pairs = page_runs.sweep_specs(prof, "mae.mask_ratio", [0.3, 0.5])
    assert [v for v, _ in pairs] == [0.3, 0.5]
    main = [s for s in [p[1] for p in pairs] if "mae.mask_ratio" not in dict(s.overrides)]
    assert len(main) == 1  # the default value is the main-table spec
    tagged = compare.tag_sweep(pd.DataFrame({"a": [1, 2]}), "mae.mask_ratio", [0.3, 0.5])
    assert tagged["sweep_value"].tolist() == [0.3, 0.5]
    with pytest.raises(ValueError, match="param must be one of"):
        page_runs.sweep_specs(prof, "mae.nope", [0.1])
    with pytest.raises(ValueError, match="sweep values"):
        compare.tag_sweep(pd.DataFrame({"a": [1]}), "mae.mask_ratio", [0.3, 0.5])


def test_sweep_frame_tags_each_sweep_from_the_pages_runs():
    prof = get_profile("smoke")
    swept = page_runs.sweeps(prof)
    runs = tuple(page_runs.specs_for("61_fig5_7_sweeps", prof))
    frame = pd.DataFrame({"dataset": [s.dataset for s in runs], "ari": np.arange(len(runs)) / 10})
    tagged = compare.sweep_frame(frame, runs, swept)
    assert len(tagged) == sum(len(pairs) for pairs in swept.values())
    for param, pairs in swept.items():
        rows = tagged[tagged["sweep_param"] == param]
        assert rows["sweep_value"].tolist() == [v for v, _ in pairs]
        assert rows["ari"].tolist() == [runs.index(s) / 10 for _, s in pairs]
    shared = compare.sweep_frame(frame, runs, {"mae.mask_ratio": [(0.3, runs[0])], "mae.recon_weight": [(0.7, runs[0])]})
    assert shared[["sweep_param", "sweep_value", "ari"]].to_dict("list") == {
        "sweep_param": ["mae.mask_ratio", "mae.recon_weight"], "sweep_value": [0.3, 0.7], "ari": [0.0, 0.0]}
    with pytest.raises(ValueError, match="1 sweep run\\(s\\) are not among the page's runs"):
        compare.sweep_frame(frame.iloc[1:], runs[1:], {"mae.mask_ratio": [(0.1, runs[0])]})
    with pytest.raises(ValueError, match="frame has 1 rows for 2 specs"):
        compare.sweep_frame(frame.iloc[:1], runs[:2], {})


# --------------------------------------------------------------------------- plots
def test_plot_ours_vs_reported(shared):
    frame = _frame({("deng", "scDMAC"): [0.8, 0.9], ("deng", "PCA + k-means"): [0.5, 0.7],
                    ("synth-400x300x4", "scDMAC"): [0.6]})
    long = compare.side_by_side(frame, reported.load_reported(2, folder=shared), "ari")
    ax = plots_results.plot_ours_vs_reported(long, "deng")
    assert len(ax.patches) == 4
    fig = plots_results.plot_ours_vs_reported_grid(long)
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    with pytest.raises(ValueError, match="not in the table"):
        plots_results.plot_ours_vs_reported(long, "zeisel")
    plt.close("all")


def test_plot_sweep():
    frame = pd.concat([_sweep("mae.recon_weight", {0.6: 0.5, 0.7: 0.8}, "deng"),
                       _sweep("mae.recon_weight", {0.6: 0.5, 0.7: 0.8}, "pbmc10x")])
    summ = compare.summarize_sweep(frame, "mae.recon_weight")
    ax = plots_results.plot_sweep(summ, "mae.recon_weight", "deng")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "ARI reported by the paper" in labels and ax.get_title() == "Deng (stand-in)"
    fig = plots_results.plot_sweep_grid(summ, "mae.recon_weight")
    assert [ax.get_title() for ax in fig.axes] == ["Deng (stand-in)", "pbmc10x (extra)"]
    assert [ax.get_legend() for ax in fig.axes] == [None, None] and len(fig.legends) == 1  # one legend, above
    ax = plots_results.plot_sweep(compare.summarize_sweep(frame, "mae.recon_weight"), "mae.recon_weight", "pbmc10x")
    assert not any("reported by the paper" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close("all")


def test_tsne_and_embedding_panel():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (15, 5)), rng.normal(6, 1, (15, 5))])
    xy = projection.tsne(x, seed=0)
    assert xy.shape == (30, 2)
    np.testing.assert_allclose(xy, projection.tsne(x, seed=0))
    ax = style.plot_labelled_scatter(xy, ["a"] * 15 + ["b"] * 15, title="t")
    assert len(ax.collections) == 2
    with pytest.raises(ValueError, match="at least 4 rows"):
        projection.tsne(x[:2])
    plt.close("all")


def test_run_panels_project_a_stored_run_and_name_the_dataset_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("SCDMAC_ARCHIVE", "off")
    spec = specs.make_spec("synth-60x40x3", "PCA + k-means", 0)
    (panel,) = projection.run_panels([spec], device="cpu", max_cells=25, seed=0)
    stored = execute.stored(spec)
    shown = projection.subsample(60, 25, seed=0)
    assert panel.xy.shape == (25, 2)
    np.testing.assert_array_equal(panel.labels, stored.labels[shown])
    assert list(panel.truth) == list(catalogue.load_dataset("synth-60x40x3").obs["cell_type"].to_numpy()[shown])
    table = projection.panel_table([panel])
    assert table.to_dict("records") == [{"dataset": "synth-60x40x3 (simulated)", "cells shown": 25,
                                         "ARI": stored.metrics["ari"], "NMI": stored.metrics["nmi"],
                                         "silhouette": stored.metrics["silhouette"]}]
    fig = plots_results.plot_embedding_pair(panel)
    assert fig.get_suptitle() == "synth-60x40x3 (simulated): t-SNE of scDMAC's embedding"
    n_clusters = len(set(panel.labels))
    assert [ax.get_title() for ax in fig.axes] == [
        "annotated types (3)", f"scDMAC clusters ({n_clusters}), ARI {stored.metrics['ari']:.2f}"]
    plt.close("all")


@pytest.mark.skipif(paths.shared_dir() is None, reason="no shared/ folder beside the checkout to compare with")
def test_the_package_tables_equal_the_shared_copies_value_for_value():
    for n, name in reported.REPORTED_FILES.items():
        (theirs,) = (paths.shared_dir() / "paper").glob(f"reported_table{n}_*.csv")
        pd.testing.assert_frame_equal(pd.read_csv(reported.PAPER_TABLES / name, comment="#"), pd.read_csv(theirs))
