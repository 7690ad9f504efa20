"""The file format between the reproducibility report and the landing page (report.summary_files)."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from scdmac_lib.report import claims, compare, scope, summary_files
from scdmac_lib.runtime import provenance


def _runs() -> pd.DataFrame:
    """A run frame as run_many gives it: two tables' runs and a sweep point that repeats one of them."""
    rows = [
        ("deng", "scDMAC", 0, {}, 0.8, "archive", "abc1234def", "cuda"),
        ("deng", "scDMAC", 1, {}, 0.9, "archive", "abc1234def", "cuda"),
        ("worm_neuron", "scDMAC", 0, {}, 0.5, "computed", "fff0000aaa", "cpu"),
        ("worm_neuron", "PCA + k-means", 0, {}, 0.4, "cache", "fff0000aaa", "cpu"),
        ("deng", "scDMAC", 0, {}, 0.8, "cache", "abc1234def", "cuda"),  # the sweep's default point, read again
        ("deng", "scDMAC", 0, {"mae.mask_ratio": 0.5}, 0.7, "computed", "fff0000aaa", "cpu"),
    ]
    cols = ["dataset", "method", "seed", "overrides", "ari", "origin", "commit", "device"]
    return pd.DataFrame(rows, columns=cols).assign(nmi=lambda f: f["ari"] - 0.01, silhouette=0.2)


def _provenance(profile: str = "quick") -> summary_files.Provenance:
    return summary_files.provenance_of(_runs(), profile=profile, datasets=["deng", "worm_neuron"], seeds=[0, 1],
                                       sweep_datasets=["deng"], sweep_seeds=[0], executed_at_commit="0123456789ab")


def _tables(profile: str = "quick") -> summary_files.ReportTables:
    runs = _runs().drop(index=[4, 5]).assign(collapsed=[False, False, False, True])
    claim_list = claims.claim_verdicts(runs)
    long = compare.side_by_side(runs, None, "ari")
    lodo = pd.DataFrame([{"left_out": "deng", "adopted": "a, b", "choice": "a", "scored_arm": "a",
                          "ari_left_out": 0.5, "ari_in_sample_choice": 0.6, "ari_baseline": float("nan")}])
    facts = scope.facts_table(study_runs=pd.DataFrame(), mask_aucs=[0.5, 0.51], selection={}, scvi_note="",
                              devices=("cpu",))
    return summary_files.ReportTables(claims.claims_table(claim_list), claims.comparisons_table(claim_list),
                                      scope.datasets_table(runs), lodo, facts, summary_files.scdmac_rows(long, "ari"),
                                      _provenance(profile))


def test_provenance_counts_each_run_once_by_origin():
    prov = _provenance()
    assert (prov.n_runs, prov.from_archive, prov.from_cache, prov.computed) == (5, 2, 1, 2)
    assert prov.commits == ("abc1234def", "fff0000aaa") and prov.devices == ("cpu", "cuda")
    assert prov.row()["datasets"] == "deng worm_neuron" and prov.row()["seeds"] == "0 1"
    assert summary_files.Provenance.from_row({k: str(v) for k, v in prov.row().items()}) == prov


def test_scdmac_rows_name_each_datasets_kind():
    rows = _tables().scdmac
    assert list(rows.columns) == list(summary_files.SCDMAC_COLUMNS)
    assert rows[["dataset", "kind", "label", "metric"]].values.tolist() == [
        ["deng", "stand-in", "Deng (stand-in)", "ARI"], ["worm_neuron", "extra", "worm_neuron (extra)", "ARI"]]


def test_the_tables_read_back_as_written_with_their_dtypes(tmp_path):
    written = _tables()
    paths = summary_files.write_report(written, tmp_path)
    assert sorted(p.name for p in paths.values()) == [
        "90_reproducibility.csv", "90_reproducibility_comparisons.csv", "90_reproducibility_datasets.csv",
        "90_reproducibility_facts.csv", "90_reproducibility_provenance.csv", "90_reproducibility_scdmac.csv",
        "90_reproducibility_selection.csv"]
    assert not list(tmp_path.glob(".*"))  # written atomically: no temporary file left
    read = summary_files.read_report("quick", tmp_path)
    assert read.provenance == written.provenance
    assert read.claims["claim_id"].dtype == "int64" and read.claims["claim_id"].tolist() == list(range(1, 9))
    pd.testing.assert_frame_equal(read.claims, written.claims.astype({"claim_id": "int64"}))
    assert set(read.claims["verdict"]) <= set(claims.VERDICTS)
    assert read.claims["n_datasets"].dtype == "int64" and read.claims["effect"].dtype == "float64"
    assert read.datasets.set_index("dataset").loc["worm_neuron", "collapsed"] == "PCA + k-means 1/1"
    assert read.selection["ari_left_out"].tolist() == [0.5]
    assert read.fact("mask_auc") == (pytest.approx(0.505), "0.500-0.510 over 2 runs")
    with pytest.raises(KeyError, match="has no 'nothing'"):
        read.fact("nothing")
    scdmac = read.scdmac.set_index("dataset")
    assert scdmac["n_seeds"].dtype == "int64" and scdmac.loc["deng", "n_seeds"] == 2
    assert scdmac.loc["worm_neuron", "paper_dataset"] == ""  # an empty text stays text, not NaN
    assert math.isnan(scdmac.loc["deng", "reported"]) and scdmac.loc["deng", "reported_note"]
    assert math.isnan(scdmac.loc["worm_neuron", "ours_sd"])  # one seed


def test_tables_of_another_profile_or_missing_ones_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"are not in .*: run it first \(.venv/bin/scdmac notebooks run "
                                                r"90_reproducibility --profile quick\)"):
        summary_files.read_report("quick", tmp_path)
    summary_files.write_report(_tables("smoke"), tmp_path)
    with pytest.raises(ValueError, match="come from the 'smoke' profile, not 'quick'"):
        summary_files.read_report("quick", tmp_path)
    assert summary_files.read_report("smoke", tmp_path).provenance.profile == "smoke"
    with pytest.raises(ValueError, match=r"lacks the columns \['kind'"):
        summary_files.write_report(dataclasses.replace(_tables(), scdmac=_tables().scdmac.drop(columns="kind")),
                                   tmp_path)
    with pytest.raises(ValueError, match="part must be one of"):
        summary_files.table_path("figures")


def test_verdicts_are_counted_in_order_and_told_in_a_sentence():
    frame = pd.DataFrame({"verdict": ["holds", "cannot be tested here", "holds", "inconclusive", "contradicted"]})
    counts = summary_files.verdict_counts(frame)
    assert list(counts.items()) == [("holds", 2), ("contradicted", 1), ("inconclusive", 1),
                                    ("cannot be tested here", 1)]
    assert summary_files.verdict_sentence(counts, _provenance()) == (
        "Of **5** claims checked here: **2** holds, **1** contradicted, **1** inconclusive and **1** cannot be tested "
        "here (profile quick, seeds 0, 1).")
    with pytest.raises(ValueError, match=r"unknown verdict\(s\) \['does not hold'\]"):
        summary_files.verdict_counts(pd.DataFrame({"verdict": ["does not hold"]}))  # the old word is gone


def test_the_landing_page_says_where_the_runs_came_from_and_how_to_recompute():
    text = summary_files.origin_sentence(_provenance(), "bash tools/book.sh quick --recompute")
    assert text.startswith("These numbers come from the reproducibility report's 5 runs: 2 read from the results "
                           "archive, 1 computed earlier on the machine that built this book, 2 computed while it was "
                           "built (computed by the result code of commit(s) `abc1234def`, `fff0000aaa` on cpu, cuda).")
    assert text.endswith("To recompute every run instead of reading the archive: "
                         "`bash tools/book.sh quick --recompute`.")


def test_commits_are_shown_short_and_once():
    commits = ["abc1234def5678", "abc1234def5678-dirty", "fff0000aaa1111"]
    assert provenance.commits_text(commits) == ("`abc1234def`, `abc1234def` with uncommitted changes, "
                                                   "`fff0000aaa`")
