"""Scores of stored labels in one space shared by every method (report.shared_space)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from scdmac_lib.data.catalogue import LABEL_KEY, load_dataset
from scdmac_lib.report import shared_space
from scdmac_lib.runs.specs import make_spec

DATASET = "synth-400x300x4"


@pytest.fixture(autouse=True)
def results(tmp_path, monkeypatch):
    """A results folder of the test's own, and no space remembered from another test."""
    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path))
    shared_space.shared_space.cache_clear()
    return tmp_path


def _result(method: str, labels) -> SimpleNamespace:
    return SimpleNamespace(spec=make_spec(DATASET, method, 0, {}), labels=np.asarray(labels))


def test_every_method_is_scored_in_one_space_and_a_collapse_is_marked():
    truth = load_dataset(DATASET).obs[LABEL_KEY].astype("category").cat.codes.to_numpy()
    space, n_types = shared_space.shared_space(DATASET)
    assert space.shape == (400, 50) and n_types == 4
    scores = shared_space.label_scores([_result("scDMAC", truth), _result("PCA + k-means", np.zeros(400, int)),
                                        _result("scziDesk-style", np.arange(400) % 2)]).set_index("method")
    assert scores.loc["scDMAC", "silhouette_shared"] > scores.loc["scziDesk-style", "silhouette_shared"]
    assert np.isnan(scores.loc["PCA + k-means", "silhouette_shared"])  # one cluster: no silhouette
    assert scores["collapsed"].tolist() == [False, True, False]  # 1 of 4 collapsed; 2 of 4 is half
    assert scores["n_found"].tolist() == [4, 1, 2]


def test_the_space_is_computed_once_per_dataset_content(results, monkeypatch):
    first, n_types = shared_space.shared_space(DATASET)
    assert len(list((results / "shared_space").glob(f"{DATASET}-*.npz"))) == 1
    shared_space.shared_space.cache_clear()
    monkeypatch.setattr(shared_space, "_compute", lambda name: pytest.fail("recomputed a stored space"))
    again, again_types = shared_space.shared_space(DATASET)
    np.testing.assert_array_equal(again, first)
    assert again_types == n_types


def test_labels_of_other_data_are_refused():
    with pytest.raises(ValueError, match="3 stored labels for 400 cells"):
        shared_space.label_scores([_result("scDMAC", [0, 1, 2])])


@pytest.mark.parametrize(("found", "types", "expected"), [(5, 11, True), (6, 11, False), (2, 4, False), (1, 4, True)])
def test_collapsed(found, types, expected):
    assert shared_space.collapsed(found, types) is expected
