"""The results archive: stored runs are reused only while they are still true, damage is detected,
and a sample recomputes to what is stored."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from scdmac_lib import cli
from scdmac_lib.data import catalogue
from scdmac_lib.runs import archive, execute, fingerprint, refresh, specs, verify
from scdmac_lib.runs.cache import load_result

TINY = {"zinb.train.max_steps": 6, "zinb.train.min_steps": 3, "mae.train.max_steps": 6, "mae.train.min_steps": 3,
        "cluster.train.max_steps": 3, "cluster.train.min_steps": 2, "preprocess.n_top_genes": 60, "cluster.n_init": 2}
DATASET = "synth-120x80x3"


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """Two runs computed once into a results folder, and archived."""
    where = tmp_path_factory.mktemp("store")
    runs = [specs.make_spec(DATASET, m, 0, TINY) for m in ("scDMAC", "PCA + k-means")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCDMAC_RESULTS", str(where / "results"))
        results = [execute.run(s) for s in runs]
    archive.write(results, embeddings_for={runs[0].key()}, manifest={"profile": "test"}, root=where / "archive")
    return where, runs, results


@pytest.fixture
def store(computed, tmp_path, monkeypatch):
    """A fresh copy of the computed results folder and archive, in use (SCDMAC_RESULTS, SCDMAC_ARCHIVE)."""
    where, runs, results = computed
    shutil.copytree(where, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv(archive.ARCHIVE_ENV, str(tmp_path / "archive"))
    archive._index.cache_clear()
    return tmp_path, runs, results


def _entry_path(root, spec):
    return root / "archive" / "runs" / f"{spec.key()}.json"


def test_an_archived_run_reads_back_as_it_was_computed(store):
    root, runs, results = store
    for spec, computed in zip(runs, results, strict=True):
        back = archive.read(spec)
        assert back.origin == "archive"
        np.testing.assert_array_equal(back.labels, computed.labels)
        assert back.metrics["ari"] == pytest.approx(computed.metrics["ari"], abs=1e-6)
        assert back.dataset_sha256 == catalogue.dataset_digest(DATASET)
    assert archive.read(runs[0]).embedding.shape == results[0].embedding.shape
    assert archive.read(runs[1]).embedding is None  # no page plots it
    assert not archive.problems()


def test_the_same_results_give_the_same_bytes(store, tmp_path):
    root, runs, results = store
    again = tmp_path / "again"
    archive.write(results, embeddings_for={runs[0].key()}, manifest={"profile": "test"}, root=again)
    for path in sorted((root / "archive").rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (again / path.relative_to(root / "archive")).read_bytes(), path.name
    entry = json.loads(_entry_path(root, runs[0]).read_text())
    assert "finished_at" not in entry["provenance"]  # no timestamp inside a run's file
    assert max(len(v) for v in entry["history"]["mae"].values() if isinstance(v, list)) <= archive.MAX_HISTORY_POINTS


def test_the_cache_comes_first_then_the_archive_and_off_means_off(store, monkeypatch):
    root, runs, _ = store
    assert execute.run(runs[0]).origin == "cache"  # computed on this machine: read from its cache
    (root / "results" / "runs" / runs[0].key() / "result.json").unlink()
    assert execute.run(runs[0]).origin == "archive"
    monkeypatch.setenv(archive.ARCHIVE_ENV, "off")
    assert execute.run(runs[0]).origin == "computed"
    assert "the archive is off" in archive.why_not_archived(runs[0])


@pytest.mark.parametrize("damage", ["edit_metric", "edit_label", "edit_identity", "truncate", "embedding"])
def test_a_damaged_stored_run_is_detected_ignored_and_reported(store, damage, capsys):
    root, runs, _ = store
    path = _entry_path(root, runs[0])
    entry = json.loads(path.read_text())
    if damage == "edit_metric":
        entry["metrics"]["ari"] = 0.99
    elif damage == "edit_label":
        entry["labels"][0] = (entry["labels"][0] + 1) % 3
    elif damage == "edit_identity":
        entry["identity"]["seed"] = 5
    if damage == "truncate":
        path.write_text(path.read_text()[:100])
    elif damage == "embedding":
        emb = root / "archive" / entry["embedding"]
        np.save(emb, np.zeros((120, 32), dtype=np.float32))
    else:
        path.write_text(json.dumps(entry))
    assert archive.read(runs[0]) is None  # the build computes it instead
    assert archive.problems(), damage
    assert cli.main(["runs", "status", "--profile", "smoke"]) == 1
    assert "damaged" in capsys.readouterr().err


def test_a_changed_default_or_changed_code_makes_a_stored_run_stale(store, monkeypatch):
    root, runs, _ = store
    changed = specs.make_spec(DATASET, "scDMAC", 0, {**TINY, "mae.mask_ratio": 0.25})  # as if the default moved
    monkeypatch.setattr(archive, "spec_id", lambda spec: json.dumps(runs[0].as_dict(), sort_keys=True))
    assert not archive.holds(changed)
    assert archive.why_not_archived(changed) == "stale: the configuration (mae.mask_ratio) changed since it was archived"
    monkeypatch.setattr(fingerprint, "method_fingerprint", lambda method: "0" * 16)
    monkeypatch.setattr(specs, "method_fingerprint", lambda method: "0" * 16)
    assert not archive.holds(runs[0])
    assert archive.why_not_archived(runs[0]) == "stale: the code changed since it was archived"


def test_a_run_on_other_data_is_recomputed(store, monkeypatch, caplog):
    root, runs, _ = store
    monkeypatch.setattr(execute, "dataset_digest", lambda name: "f" * 64)
    assert execute.stored(runs[1]) is None
    assert "computed on other data" in caplog.text


def test_verify_recomputes_a_sample_and_names_a_run_that_differs(store, monkeypatch):
    root, runs, _ = store
    monkeypatch.setattr(verify, "profile_plan", lambda profile: runs)
    frame, seed = verify.verify("smoke", n=2, seed=3)
    assert set(frame["verdict"]) == {"reproduced"} and frame["labels_identical"].all()
    assert set(frame["method"]) == {"scDMAC", "PCA + k-means"}  # a classical and a trained method
    assert verify.verify("smoke", n=2, seed=3)[0]["key"].tolist() == frame["key"].tolist()  # the seed picks them
    # a stored result that is not what the code computes (checksums made to match) is named
    path = _entry_path(root, runs[1])
    entry = json.loads(path.read_text())
    entry["labels"] = [(v + 1) % 3 if i % 4 == 0 else v for i, v in enumerate(entry["labels"])]
    entry["sha256"] = archive._content_sha256(entry)
    path.write_text(json.dumps(entry))
    frame, _ = verify.verify("smoke", n=2, seed=3)
    assert frame.set_index("method").loc["PCA + k-means", "verdict"] == "DIFFERS"
    # computed on another CPU model (or one not recorded): the metrics must agree, the labels are reported
    del entry["provenance"]["cpu"]
    entry["sha256"] = archive._content_sha256(entry)
    path.write_text(json.dumps(entry))
    row = verify.verify("smoke", n=2, seed=3)[0].set_index("method").loc["PCA + k-means"]
    assert row["verdict"] == "reproduced" and not row["same_device"] and row["label_ari"] < 0.99


def _drifted(result, **changes):
    """``result`` with metrics moved by ``changes`` (metric name: amount)."""
    metrics = {**result.metrics, **{k: result.metrics[k] + v for k, v in changes.items()}}
    return dataclasses.replace(result, metrics=metrics)


def test_verify_judges_the_stage_diagnostics_only_on_the_cpu_that_computed_the_run(computed, monkeypatch):
    scdmac = computed[2][0]
    stage = next(k for k in scdmac.metrics if k.startswith("stage_") and k.endswith("_ari"))
    moved = _drifted(scdmac, **{stage: 0.08})  # another k-means optimum of an intermediate matrix
    monkeypatch.setattr(verify, "cpu_identity", lambda: "CPU B; avx avx2 avx512f")
    elsewhere = verify.compare(scdmac, moved, "cpu")  # computed on this machine's CPU, checked on another
    assert elsewhere["verdict"] == "reproduced" and not elsewhere["same_device"]
    assert elsewhere["stage"] == stage and elsewhere["largest_stage_diff"] == pytest.approx(0.08)
    assert verify.compare(scdmac, _drifted(scdmac, ari=0.05), "cpu")["verdict"] == "DIFFERS"  # the run's own
    monkeypatch.setattr(verify, "cpu_identity", lambda: scdmac.provenance["cpu"])
    here = verify.compare(scdmac, moved, "cpu")
    assert here["same_device"] and here["verdict"] == "DIFFERS"


@pytest.fixture
def clean_code(monkeypatch):
    """The result code has no uncommitted changes and runs are recorded at a clean commit (as on a fresh clone)."""
    monkeypatch.setattr(refresh, "changed_files", lambda paths: [])
    monkeypatch.setattr(refresh, "git_commit", lambda paths=None: "c0ffee0000")


def test_refresh_rewrites_the_archive_from_the_plan_and_refuses_what_is_missing(store, monkeypatch, clean_code):
    root, runs, _ = store
    monkeypatch.setattr(refresh, "profile_plan", lambda profile: runs)
    monkeypatch.setattr(refresh, "embedding_specs", lambda profile: runs[:1])
    refresh.refresh("smoke")
    assert archive.manifest()["runs"] == 2 and archive.manifest()["profile"] == "smoke"
    assert load_result(runs[0]) is not None
    missing = specs.make_spec(DATASET, "scDMAC", 1, TINY)
    monkeypatch.setattr(refresh, "profile_plan", lambda profile: [*runs, missing])
    with pytest.raises(ValueError, match=r"1 run\(s\) of the smoke plan are neither"):
        refresh.refresh("smoke")
    assert archive.manifest()["runs"] == 2  # the refused refresh left the archive as it was


def test_a_partial_refresh_stores_what_is_computed_and_counts_the_rest(store, monkeypatch, clean_code):
    root, runs, _ = store
    missing = specs.make_spec(DATASET, "scDMAC", 1, TINY)
    monkeypatch.setattr(refresh, "profile_plan", lambda profile: [*runs, missing])
    monkeypatch.setattr(refresh, "embedding_specs", lambda profile: runs[:1])
    refresh.refresh("smoke", partial=True)
    assert archive.manifest()["runs"] == 2 and archive.manifest()["missing_from_plan"] == 1
    assert archive.holds(runs[0]) and archive.holds(runs[1]) and not archive.holds(missing)
    status = refresh.status("smoke").set_index("key")["state"]
    assert status[missing.key()] == "missing" and status[runs[0].key()] == "archived"


def test_the_archive_refuses_uncommitted_result_code(store, monkeypatch):
    """Issue 22: archived runs must name the commit whose code computed them."""
    root, runs, _ = store
    monkeypatch.setattr(refresh, "profile_plan", lambda profile: runs)
    monkeypatch.setattr(refresh, "changed_files", lambda paths: ["scdmac_lib/method/zinb.py"])
    with pytest.raises(ValueError, match=r"the result code has uncommitted changes \(scdmac_lib/method/zinb.py\)"):
        refresh.refresh("smoke")


def test_a_run_recorded_at_a_dirty_commit_is_refused_unless_its_fingerprint_vouches(store, monkeypatch, clean_code):
    root, runs, _ = store
    monkeypatch.setattr(refresh, "profile_plan", lambda profile: runs)
    monkeypatch.setattr(refresh, "embedding_specs", lambda profile: runs[:1])
    collect = refresh._collect

    def dirty_first(specs_, results):
        found, missing = collect(specs_, results)
        found[0].provenance = {**found[0].provenance, "commit": "abc1234def-dirty"}
        return found, missing

    monkeypatch.setattr(refresh, "_collect", dirty_first)
    with pytest.raises(ValueError, match=r"1 run\(s\) were recorded at a commit with uncommitted changes .*--by-finger"):
        refresh.refresh("smoke")
    refresh.refresh("smoke", by_fingerprint=True)
    entry = json.loads(_entry_path(root, runs[0]).read_text())
    assert entry["provenance"]["commit"] == "c0ffee0000" and entry["provenance"]["recorded_commit"] == "abc1234def-dirty"
    assert archive.manifest()["commit"] == "c0ffee0000" and not archive.problems()


def test_a_run_is_dirty_only_when_its_result_code_is(monkeypatch):
    from scdmac_lib.runtime import provenance

    code = fingerprint.result_code_paths()
    assert any(p.name == "zinb.py" for p in code) and not any(p.name == "claims.py" for p in code)
    monkeypatch.setattr(provenance, "changed_files", lambda paths=None: [] if paths is not None else ["README.md"])
    assert not provenance.git_commit(code).endswith("-dirty") and provenance.git_commit().endswith("-dirty")


def test_a_rewritten_archive_keeps_at_most_the_budgeted_history():
    stored = {"mae": {"n_steps": 300, "step": list(range(0, 300, 6)), "loss": [float(i) for i in range(50)]}}
    out = archive.rethin_history(stored, 25)["mae"]
    assert len(out["step"]) == len(out["loss"]) == 25 and out["n_steps"] == 300
    assert out["step"][0] == 0 and out["step"][-1] == 294
    assert archive.rethin_history({"z": {"n_steps": 3, "step": [0, 1, 2], "loss": [1.0, 2.0, 3.0]}}, 25)["z"]["step"] == [0, 1, 2]
