"""Tests of the calibration of the "-style" baselines against their authors' printed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.report import calibration

HEAD = "# table: baseline authors\n# caption: a test's copy.\n# searched: the first place\n# searched: the second place\n"


@pytest.fixture
def authors_file(tmp_path):
    path = tmp_path / "authors.csv"
    path.write_text(HEAD + "method,dataset,metric,value,source,where,note\n"
                    "scDeepCluster,pbmc10x,ARI,0.78,README,example,one run\n"
                    "scDeepCluster,pbmc10x,nmi,0.77,README,example,one run\n"
                    "scDeepCluster,worm_neuron,ari,,Paper,Fig. 3,bar chart only\n"
                    "scziDesk,mouse_bladder,ari,0.70,Paper,Table 9,\n")
    return path


def _frame():
    rows = [("pbmc10x", "scDeepCluster-style", s, a, n) for s, a, n in ((0, 0.80, 0.78), (1, 0.82, 0.80), (2, 0.84, 0.79))]
    rows += [("worm_neuron", "scDeepCluster-style", s, 0.4, 0.6) for s in (0, 1)]
    rows += [("pbmc10x", "scziDesk-style", 0, 0.1, 0.2)]
    return pd.DataFrame(rows, columns=["dataset", "method", "seed", "ari", "nmi"])


def test_ours_beside_printed_with_gap_and_flag(authors_file):
    table = calibration.calibration_table(_frame(), calibration.load_authors(authors_file))
    ari = table[(table.dataset == "pbmc10x") & (table.metric == "ari")].iloc[0]
    assert ari["method"] == "scDeepCluster-style" and ari["n_seeds"] == 3
    assert ari["ours_mean"] == pytest.approx(0.82) and ari["ours_sd"] == pytest.approx(0.02)
    assert ari["gap"] == pytest.approx(0.04) and not ari["flag"] and ari["status"] == "compared"


def test_a_gap_over_the_threshold_is_flagged_either_way(authors_file):
    authors = calibration.load_authors(authors_file)
    low = calibration.calibration_table(_frame().assign(ari=lambda f: f.ari - 0.2), authors)
    high = calibration.calibration_table(_frame().assign(ari=lambda f: f.ari + 0.2), authors)
    for table, sign in ((low, -1), (high, 1)):
        row = table[(table.dataset == "pbmc10x") & (table.metric == "ari")].iloc[0]
        assert row["flag"] and math.copysign(1, row["gap"]) == sign
    nmi = high[(high.dataset == "pbmc10x") & (high.metric == "nmi")].iloc[0]
    assert not nmi["flag"]  # only the ARI moved


def test_missing_printed_values_and_missing_runs_are_marked_not_flagged(authors_file):
    table = calibration.calibration_table(_frame(), calibration.load_authors(authors_file)).set_index(["dataset", "metric"])
    worm = table.loc[("worm_neuron", "ari")]
    assert worm["status"] == "no printed value" and math.isnan(worm["gap"]) and not worm["flag"]
    assert worm["ours_mean"] == pytest.approx(0.4) and worm["note"] == "bar chart only"
    bladder = table.loc[("mouse_bladder", "ari")]
    assert bladder["status"] == "not run here" and bladder["n_seeds"] == 0 and not bladder["flag"]


def test_one_seed_has_no_sd(authors_file):
    authors = calibration.load_authors(authors_file)
    one = _frame().query("seed == 0")
    row = calibration.calibration_table(one, authors).iloc[0]
    assert row["n_seeds"] == 1 and math.isnan(row["ours_sd"])


def test_sources_searched_are_read_from_the_file(authors_file):
    assert calibration.searched_sources(authors_file) == ["the first place", "the second place"]


@pytest.mark.parametrize(("line", "match"), [
    ("method,dataset,metric,value\n", "lacks the column"),
    ("method,dataset,metric,value,source,where,note\nscDeepCluster,pbmc10x,silhouette,0.5,a,b,c\n", "unknown metric"),
    ("method,dataset,metric,value,source,where,note\nDESC,pbmc10x,ari,0.5,a,b,c\n", "no '-style' method"),
])
def test_bad_files_say_what_is_wrong(tmp_path, line, match):
    path = tmp_path / "bad.csv"
    path.write_text(HEAD + line)
    with pytest.raises(ValueError, match=match):
        calibration.load_authors(path)


def test_a_run_frame_without_the_metric_is_refused(authors_file):
    with pytest.raises(ValueError, match="lacks the column"):
        calibration.calibration_table(_frame().drop(columns="nmi"), calibration.load_authors(authors_file))


def test_the_package_file_reads_and_cites_every_row():
    authors = calibration.load_authors()
    assert set(authors["dataset"]) == {"worm_neuron", "mouse_bladder", "pbmc10x"}
    assert (authors["source"] != "").all() and (authors["where"] != "").all()
    assert (authors.loc[authors["value"].isna(), "note"] != "").all()  # every empty value says why
    assert calibration.searched_sources()


def _result(dataset, method, seed, *, cells, found, pretrain, finetune):
    from scdmac_lib.runs.cache import RunResult
    from scdmac_lib.runs.specs import make_spec

    return RunResult(make_spec(dataset, method, seed), {"n_clusters_found": found}, {},
                     {"pretrain_steps": pretrain, "finetune_steps": finetune}, {}, {}, np.zeros(cells, int), None)


def test_training_given_counts_epochs_and_clusters_found_over_seeds():
    results = [_result("pollen", "scziDesk-style", s, cells=249, found=f, pretrain=300, finetune=t)
               for s, f, t in ((0, 11, 20), (1, 10, 100), (2, 11, 40))]
    results += [_result("pbmc10x", "scDeepCluster-style", 0, cells=4271, found=8, pretrain=300, finetune=100),
                _result("pbmc10x", "scDMAC", 0, cells=4271, found=8, pretrain=300, finetune=100)]
    table = calibration.training_given(results).set_index(["dataset", "method"])
    assert list(table.index) == [("pollen", "scziDesk-style"), ("pbmc10x", "scDeepCluster-style")]  # scDMAC left out
    pollen = table.loc[("pollen", "scziDesk-style")]
    assert pollen["pretrain_epochs"] == pytest.approx(300) and pollen["authors_epochs"] == 1000
    assert pollen["clusters_found"] == "10-11" and pollen["finetune_steps"] == "20-100" and pollen["types"] == 11
    pbmc = table.loc[("pbmc10x", "scDeepCluster-style")]
    assert pbmc["pretrain_epochs"] == pytest.approx(300 * 256 / 4271) and pbmc["clusters_found"] == "8"


def test_views_and_explanations_of_flagged_gaps(authors_file):
    authors = calibration.load_authors(authors_file)
    table = calibration.calibration_table(_frame().assign(ari=lambda f: f.ari - 0.3), authors)
    compared = calibration.compared_view(table)
    assert list(compared["metric"]) == ["ARI", "NMI"] and list(table.loc[table["status"] == "compared", "flag"]) == [True, False]
    assert compared["mean ± sd"].iloc[0] == "0.520 ± 0.020 (3 seeds)"
    unprinted = calibration.unprinted_view(table)
    assert list(unprinted["datasets"]) == ["worm_neuron"]  # mouse_bladder has a printed value (not run)
    given = calibration.training_given([_result("pbmc10x", "scDeepCluster-style", s, cells=4271, found=8,
                                                pretrain=300, finetune=100) for s in (0, 1, 2)])
    (sentence,) = calibration.gap_explanations(table, given)
    assert "gap -0.260" in sentence and "18 epochs of its 4271 cells" in sentence and "trains 400" in sentence
