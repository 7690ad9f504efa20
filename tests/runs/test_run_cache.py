import json

import numpy as np
import pytest

from scdmac_lib.data import catalogue, simulate
from scdmac_lib.report import compare
from scdmac_lib.runs import cache, execute, specs

SMOKE = {"zinb.train.max_steps": 20, "zinb.train.min_steps": 5, "mae.train.max_steps": 20,
         "mae.train.min_steps": 5, "cluster.train.max_steps": 10, "cluster.train.min_steps": 5,
         "preprocess.n_top_genes": 100}


@pytest.fixture
def spec():
    return specs.make_spec("synth-200x150x3", "scDMAC", 0, SMOKE)


def test_spec_key_is_stable_and_sensitive():
    a = specs.make_spec("d", "scDMAC", 0, {"mae.mask_ratio": 0.2})
    assert a.key() == specs.make_spec("d", "scDMAC", 0, {"mae.mask_ratio": 0.2}).key()
    assert a.key() != specs.make_spec("d", "scDMAC", 1, {"mae.mask_ratio": 0.2}).key()
    assert a.key() != specs.make_spec("d", "scDMAC", 0, {"mae.mask_ratio": 0.3}).key()


def test_run_writes_then_reads_back(tmp_path, spec):
    first = execute.run(spec, results=tmp_path)
    folder = cache.run_dir(spec, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["embedding.npy", "labels.npy", "result.json"]
    assert not list(folder.parent.glob(".tmp-*"))
    meta = json.loads((folder / "result.json").read_text())
    assert meta["provenance"]["device"] == "cpu" and "commit" in meta["provenance"]
    second = execute.run(spec, results=tmp_path)
    assert np.array_equal(first.labels, second.labels)
    assert second.metrics == first.metrics


@pytest.mark.parametrize("damage", ["truncate_npy", "edit_json", "bad_json", "old_schema"])
def test_damaged_results_are_recomputed(tmp_path, spec, damage, caplog):
    execute.run(spec, results=tmp_path)
    folder = cache.run_dir(spec, tmp_path)
    meta_path = folder / "result.json"
    if damage == "truncate_npy":
        data = (folder / "labels.npy").read_bytes()
        (folder / "labels.npy").write_bytes(data[: len(data) // 2])
    elif damage == "edit_json":
        meta = json.loads(meta_path.read_text())
        meta["identity"]["seed"] = 7  # a result of another run under this key
        meta_path.write_text(json.dumps(meta))
    elif damage == "bad_json":
        meta_path.write_text(meta_path.read_text()[:40])
    else:
        meta = json.loads(meta_path.read_text())
        meta["schema"] = 0
        meta_path.write_text(json.dumps(meta))
    assert cache.load_result(spec, tmp_path) is None
    assert "discarding the cached result" in caplog.text
    assert execute.run(spec, results=tmp_path).labels.shape == (200,)


def test_leftover_temp_folder_is_not_a_result(tmp_path, spec):
    (tmp_path / "runs" / f".tmp-{spec.key()}-dead").mkdir(parents=True)
    assert cache.load_result(spec, tmp_path) is None


def test_unknown_method_and_missing_labels():
    with pytest.raises(ValueError, match="unknown method 'kmeans'"):
        execute.run(specs.make_spec("synth-50x20x2", "kmeans"))
    adata = catalogue.load_dataset("synth-50x20x2")
    del adata.obs["cell_type"]
    with pytest.raises(ValueError, match=r"obs\['cell_type'\] is missing"):
        catalogue.n_types(adata)


def test_summarize_reports_mean_sd_and_best():
    import pandas as pd

    frame = pd.DataFrame({"dataset": ["d"] * 3, "method": ["m"] * 3, "seed": [0, 1, 2],
                          "ari": [0.5, 0.7, 0.9], "nmi": [0.1, 0.2, 0.3]})
    row = compare.summarize_runs(frame).iloc[0]
    assert row["ari_mean"] == pytest.approx(0.7) and row["ari_sd"] == pytest.approx(0.2)
    assert row["ari_best"] == pytest.approx(0.9) and row["n_seeds"] == 3


def test_shared_denoising_stage_gives_the_same_result_as_a_direct_fit(tmp_path, spec):
    from scdmac_lib.method.config import make_config
    from scdmac_lib.method.pipeline import fit_scdmac

    cached = execute.run(spec, results=tmp_path)
    assert len(list((tmp_path / "stages").glob("denoise-*.npz"))) == 1
    adata = catalogue.load_dataset(spec.dataset)
    direct = fit_scdmac(adata.X, make_config(3, seed=0, **dict(spec.overrides)))
    assert np.array_equal(cached.labels, direct.labels)
    other = execute.run(specs.make_spec(spec.dataset, "scDMAC-W", 0, dict(spec.overrides)), results=tmp_path)
    assert len(list((tmp_path / "stages").glob("denoise-*.npz"))) == 1  # reused, not recomputed
    assert other.labels.shape == cached.labels.shape
    assert other.timings["denoise"] == cached.timings["denoise"] > 0  # the shared stage's own time


def test_specs_that_spell_the_same_config_share_one_result(tmp_path):
    from scdmac_lib.method.config import ScDMACConfig

    default_ratio = ScDMACConfig(n_clusters=2).mae.mask_ratio
    plain = specs.make_spec("synth-200x150x3", "scDMAC", 0, {"n_threads": 1})
    pinned = specs.make_spec("synth-200x150x3", "scDMAC", 0, {"n_threads": 2, "mae.mask_ratio": default_ratio})
    other = specs.make_spec("synth-200x150x3", "scDMAC", 0, {"mae.mask_ratio": default_ratio + 0.1})
    assert plain.key() == pinned.key() != other.key()
    assert specs.make_spec("synth-200x150x3", "scDMAC-P", 0).key() != specs.make_spec("synth-200x150x3", "scDMAC", 0).key()


def test_loading_a_manifest_dataset_leaves_the_workflow_record(tmp_path, monkeypatch):
    """A cache made by the notebooks is one the workflow sees as fetched (no dataset job, no rerun)."""

    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path))
    monkeypatch.setattr(catalogue, "load", lambda name: simulate.from_name("synth-60x40x3"))
    execute.load_run_dataset("zeisel")
    record = json.loads(execute.dataset_record_path("zeisel").read_text())
    assert record == {"dataset": "zeisel", "n_cells": 60, "n_genes": 40, "n_types": 3}
    execute.load_run_dataset("synth-60x40x3")  # simulated: nothing to fetch, no record
    assert sorted(p.name for p in (tmp_path / "datasets").iterdir()) == ["zeisel.json"]
