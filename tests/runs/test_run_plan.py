"""The runs each notebook reads, the workflow's jobs, and the Snakemake DAG built from them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from scdmac_lib.book.runner import NOTEBOOKS
from scdmac_lib.data import prefer_paper_data
from scdmac_lib.runs import cache, execute, jobs, page_runs, specs
from scdmac_lib.runs import plan as runplan
from scdmac_lib.runs.profiles import PROFILES, get_profile
from scdmac_lib.runtime import paths


def test_registered_notebooks_exist():
    assert set(page_runs.NOTEBOOK_RUNS) <= set(NOTEBOOKS)
    assert page_runs.specs_for("05_model_diagrams", "smoke") == []  # reads no cached run


def test_notebook_parameters_narrow_the_specs():
    prof = get_profile("quick")
    one = page_runs.specs_for("50_table2_3_ari_nmi", prof, datasets=["pollen"], seeds=[1])
    assert {(s.dataset, s.seed) for s in one} == {("pollen", 1)}
    assert page_runs.specs_for("60_fig4_tsne", prof, seed=2)[0].seed == 2
    assert set(page_runs.specs_for("51_table4_silhouette", prof)) == set(page_runs.specs_for("50_table2_3_ari_nmi", prof))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_plan_shares_one_denoising_stage_per_dataset_and_seed(profile):
    prof = get_profile(profile)
    job_plan = runplan.plan(prof, NOTEBOOKS)
    assert len(job_plan.runs) == len({s.key() for s in job_plan.runs.values()})
    # every scDMAC variant and sweep point of a (dataset, seed) reads the same stage; scDMAC-Z and the
    # baselines read none
    for key, spec in job_plan.runs.items():
        has_stage = key in job_plan.run_stage
        assert has_stage == (spec.method in ("scDMAC", "scDMAC-W", "scDMAC-P")), spec
    # the method study's arms (and its combinations left one dataset out) change the denoising stage on
    # purpose; every other run shares it
    study_runs = {s.key() for s in page_runs.left_out_combination_specs(prof)}
    book = {k for name, keys in job_plan.notebook_runs.items() if name != "70_method_study" for k in keys
            if job_plan.runs[k].key() not in study_runs}
    pairs = {(job_plan.runs[k].dataset, job_plan.runs[k].seed) for k in book if k in job_plan.run_stage}
    assert len({job_plan.run_stage[k] for k in book if k in job_plan.run_stage}) == len(pairs)
    assert set(job_plan.run_stage.values()) == set(job_plan.stages)
    for name, keys in job_plan.notebook_runs.items():
        assert set(keys) <= set(job_plan.runs), name
    expected = prefer_paper_data(prof.datasets + prof.sweep_datasets)  # the paper's data only when present
    assert set(job_plan.datasets) == {d for d in expected if runplan.is_manifest_dataset(d)}


def test_stage_key_is_the_file_the_run_writes(tmp_path):
    overrides = {"zinb.train.max_steps": 5, "zinb.train.min_steps": 5, "mae.train.max_steps": 5,
                 "mae.train.min_steps": 5, "cluster.train.max_steps": 3, "cluster.train.min_steps": 3,
                 "preprocess.n_top_genes": 50}
    spec = specs.make_spec("synth-120x80x3", "scDMAC-P", 0, overrides)
    execute.run(spec, results=tmp_path)
    (stage,) = (tmp_path / "stages").glob("denoise-*.npz")
    assert stage.name == f"denoise-{runplan.stage_key(spec)}.npz"
    assert runplan.stage_key(specs.make_spec("synth-120x80x3", "scDMAC-Z", 0, overrides)) is None


def test_specs_survive_the_command_line_as_json():
    job_plan = runplan.plan("paper", NOTEBOOKS)
    for key, spec in job_plan.runs.items():
        back = runplan.spec_from_json(runplan.spec_json(spec))
        assert back == spec and back.key() == key
    spec = next(iter(job_plan.runs.values()))
    with pytest.raises(ValueError, match="the library changed since the workflow was planned"):
        jobs.run_job("0" * 16, runplan.spec_json(spec))


def _workdir(tmp_path):
    """A working directory for the workflow: the notebook sources, the book's pages and its config."""
    for folder in ("notebooks", "book"):
        shutil.copytree(paths.REPO_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("executed"))
    shutil.copy(paths.REPO_ROOT / "_config.yml", tmp_path)
    return tmp_path


def _job_counts(output: str) -> dict[str, int]:
    if "Job stats:" not in output:
        assert "Nothing to be done" in output, output[-2000:]
        return {}
    table = output[output.index("Job stats:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_paper_profile_dag_dry_run(tmp_path):
    """The whole paper-profile DAG plans without cycles: one job per run, stage, dataset and notebook."""
    env = {**os.environ, "SCDMAC_RESULTS": str(tmp_path / "results")}
    proc = subprocess.run([sys.executable, "-m", "snakemake", "all", "runs", "-n", "--forceall", "--nolock",
                           "--quiet", "rules",
                           "--snakefile", str(paths.REPO_ROOT / "Snakefile"), "--directory", str(_workdir(tmp_path)),
                           "--config", "profile=paper"], env=env, capture_output=True, text=True, check=False,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    counts = _job_counts(proc.stdout + proc.stderr)
    prof = get_profile("paper")
    job_plan = runplan.plan(prof, NOTEBOOKS, skip_archived=True)  # a run the archive holds gets no job
    assert counts["dataset"] == len(job_plan.datasets)
    assert counts["denoise"] == len(job_plan.stages)
    assert counts["classical"] == sum(not job_plan.trains(k) for k in job_plan.runs) > 0
    assert counts["train"] == sum(job_plan.trains(k) for k in job_plan.runs)
    assert counts["notebook"] == len(NOTEBOOKS)
    assert counts["book"] == counts["all"] == counts["runs"] == 1
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total")


@pytest.mark.slow
def test_smoke_runs_through_snakemake_then_only_what_is_missing(tmp_path, monkeypatch):
    """A real local run of every smoke run and stage; a rerun plans nothing, a lost run is redone alone."""
    results = tmp_path / "results"
    monkeypatch.setenv("SCDMAC_RESULTS", str(results))  # the plan below reads the study's runs from there
    env = {**os.environ, "SCDMAC_RESULTS": str(results)}
    cmd = [sys.executable, "-m", "snakemake", "runs", "--snakefile", str(paths.REPO_ROOT / "Snakefile"),
           "--directory", str(tmp_path), "--cores", "2", "--config", "profile=smoke"]

    def snakemake(*extra):
        proc = subprocess.run([*cmd, *extra], env=env, capture_output=True, text=True, check=False, timeout=1800)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout + proc.stderr

    snakemake()
    snakemake()  # the second pass: the study's combination run, planned once its arms are cached
    job_plan = runplan.plan("smoke", NOTEBOOKS)
    for spec in job_plan.runs.values():
        res = cache.load_result(spec, results)
        assert res is not None, spec
        assert res.provenance["torch_threads"] == 1  # the job's thread count (Snakemake's default 1)
    assert sorted(p.name for p in (results / "stages").iterdir()) == [f"denoise-{k}.npz" for k in sorted(job_plan.stages)]
    assert "Nothing to be done" in snakemake("-n")
    lost = next(k for k, s in job_plan.runs.items() if s.method == "PCA + k-means")
    (results / "runs" / lost / "result.json").unlink()
    assert _job_counts(snakemake("-n", "--quiet", "rules")) == {"classical": 1, "runs": 1, "total": 2}


@pytest.mark.slow
def test_a_book_built_for_one_profile_is_never_taken_for_another(tmp_path, monkeypatch):
    """After a smoke book, the quick profile plans its runs (those the archive lacks) and every page again."""
    _workdir(tmp_path)
    (tmp_path / "archive").mkdir()
    monkeypatch.setenv("SCDMAC_ARCHIVE", str(tmp_path / "archive"))  # an empty archive: every run is planned
    monkeypatch.setenv("SCDMAC_RESULTS", str(tmp_path / "results"))  # the plans below and the workflow's alike
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "snakemake", "all", "-n", "--nolock", "--quiet", "rules", "--snakefile",
           str(paths.REPO_ROOT / "Snakefile"), "--directory", str(tmp_path), "--cores", "2"]

    def dry_run(profile, *config):
        proc = subprocess.run([*cmd, "--config", f"profile={profile}", *config], env=env, capture_output=True,
                              text=True, check=False, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        return _job_counts(proc.stdout + proc.stderr)

    dry_run("smoke")  # writes the profile stamp
    time.sleep(1.1)
    smoke = runplan.plan("smoke", NOTEBOOKS, skip_archived=True)  # a smoke book, as if built: every output there
    for key in smoke.runs:
        (tmp_path / "results" / "runs" / key).mkdir(parents=True)
        (tmp_path / "results" / "runs" / key / "result.json").write_text("{}")
    for name in NOTEBOOKS:
        (tmp_path / "book" / "executed").mkdir(exist_ok=True)
        (tmp_path / "book" / "executed" / f"{name}.ipynb").write_text("{}")
    (tmp_path / "_build" / "html").mkdir(parents=True)
    (tmp_path / "_build" / "html" / "index.html").write_text("<html></html>")
    assert dry_run("smoke") == {}, "the smoke book is complete: nothing to do"
    quick = dry_run("quick")
    planned = runplan.plan("quick", NOTEBOOKS, skip_archived=True)
    assert quick.get("notebook") == len(NOTEBOOKS) and quick.get("book") == 1
    # the book computes what its pages compute; the method study's page only reads its runs
    computed = {k for name, keys in planned.notebook_runs.items() if name not in planned.reads_only for k in keys}
    assert planned.reads_only == {"70_method_study"}
    assert quick.get("train", 0) + quick.get("classical", 0) == len(computed) < len(planned.runs)
    everything = dry_run("quick", "recompute=true")
    assert everything.get("train", 0) + everything.get("classical", 0) == len(runplan.plan("quick", NOTEBOOKS).runs)


def test_the_method_study_page_only_reads_its_runs_outside_smoke():
    assert page_runs.computes_missing("70_method_study", "smoke")
    assert not page_runs.computes_missing("70_method_study", "quick")
    assert not page_runs.computes_missing("70_method_study", get_profile("paper"))
    assert page_runs.computes_missing("50_table2_3_ari_nmi", "quick")
    assert runplan.plan("smoke", NOTEBOOKS).reads_only == frozenset()


def test_the_profile_plan_holds_each_run_once():
    """Two pages may spell one run's overrides differently: the plan (and the archive's count) has it once."""
    plan = page_runs.profile_plan("quick")
    keys = [s.key() for s in plan]
    assert len(keys) == len(set(keys))
    assert set(keys) == {s.key() for name in page_runs.NOTEBOOK_RUNS for s in page_runs.specs_for(name, "quick")}


def test_every_way_the_project_runs_snakemake_leaves_out_the_params_trigger():
    """Runs are named by their keys; Snakemake's params trigger (a stage's params name the first run
    that reads it) reran stages and then planned none of the runs that read them."""
    book_sh = (paths.REPO_ROOT / "tools" / "book.sh").read_text()
    assert "--rerun-triggers mtime input" in book_sh
    for name in ("local", "slurm"):
        config = yaml.safe_load((paths.REPO_ROOT / "workflow" / "profiles" / name / "config.yaml").read_text())
        assert config["rerun-triggers"] == ["mtime", "input"], name
