"""Which cached runs each notebook reads, known without executing it, and the jobs that compute them.

The notebooks get their run specs from the functions of this module, and the workflow
(``Snakefile``) asks the same functions through :func:`specs_for`, so the runs the workflow
computes are the runs the notebooks read. :func:`plan` turns a profile's notebooks into jobs: one
per cached run (``results/runs/<key>/``, written by :func:`scdmac_lib.experiments.run`), one per
shared denoising stage (``results/stages/denoise-<key>.npz``, which every scDMAC variant and sweep
point with the same dataset, seed and preprocessing/augmentation/ZINB settings reads) and one per
manifest dataset the runs read (fetched, converted and cached once, before the runs).

A notebook that reads cached runs has an entry in :data:`NOTEBOOK_RUNS` (a function of the profile
and of the notebook's own parameters, which the notebook passes through unchanged) and calls that
function itself (the method study's notebook takes its ``(arm, spec)`` pairs from :func:`study_pairs`).

The workflow's jobs call (one line each in the Snakemake log)::

    python -m scdmac_lib.runplan run KEY --spec JSON [--device D] [--threads N]
    python -m scdmac_lib.runplan stage KEY --spec JSON [--device D] [--threads N]
    python -m scdmac_lib.runplan dataset NAME --out FILE
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scdmac_lib import experiments, simulate
from scdmac_lib.experiments import RunSpec
from scdmac_lib.profiles import Profile, get_profile

logger = logging.getLogger(__name__)

#: Methods that train no network: their runs need no GPU (every other method trains one).
CLASSICAL = ("PCA + k-means", "Leiden (Seurat-style)")


# ----------------------------------------------------------------------------- the runs of each notebook


def table_specs(profile: Profile, *, datasets: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
                include_ablations: bool = False) -> list[RunSpec]:
    """Tables 2-4: every benchmark method (and the ablations with ``include_ablations``) x datasets x seeds."""
    from scdmac_lib import report

    methods, _ = report.benchmark_methods(profile, include_ablations=include_ablations)
    return experiments.profile_specs(profile, methods, datasets=datasets, seeds=seeds)


def ablation_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                   seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """Table 5: scDMAC and its ablation variants x datasets x seeds."""
    from scdmac_lib import report

    return experiments.profile_specs(profile, ["scDMAC", *report.ABLATIONS], datasets=datasets, seeds=seeds)


def tsne_specs(profile: Profile, *, datasets: Sequence[str] | None = None, seed: int | None = None) -> list[RunSpec]:
    """Fig. 4: scDMAC on every dataset at one seed (default: the profile's first)."""
    seeds = [profile.seeds[0] if seed is None else int(seed)]
    return experiments.profile_specs(profile, ["scDMAC"], datasets=datasets, seeds=seeds)


def sweep_grids(profile: Profile) -> dict[str, tuple[float, ...]]:
    """Figs. 5-7: the swept parameter -> its grid under ``profile``."""
    return {"mae.mask_ratio": profile.mask_ratios, "mae.recon_weight": profile.recon_weights,
            "mae.mask_loss_weight": profile.mask_loss_weights}


def sweeps(profile: Profile, *, datasets: Sequence[str] | None = None,
           seeds: Sequence[int] | None = None) -> dict[str, list[tuple[float, RunSpec]]]:
    """Figs. 5-7: swept parameter -> ``(value, spec)`` pairs over the sweep datasets x seeds."""
    from scdmac_lib import report

    return {param: report.sweep_specs(profile, param, grid, datasets=datasets, seeds=seeds)
            for param, grid in sweep_grids(profile).items()}


def reproducibility_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                          seeds: Sequence[int] | None = None, sweep_datasets: Sequence[str] | None = None,
                          sweep_seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The report's runs: Tables 2-5 and Figs. 5-7."""
    main = table_specs(profile, datasets=datasets, seeds=seeds, include_ablations=True)
    swept = sweeps(profile, datasets=sweep_datasets, seeds=sweep_seeds)
    return main + [spec for pairs in swept.values() for _, spec in pairs]


def study_pairs(profile: Profile, *, datasets: Sequence[str] | None = None,
                seeds: Sequence[int] | None = None) -> list[tuple[str, RunSpec]]:
    """The method study: ``(arm name, spec)`` of every arm x the profile's datasets x its study seeds."""
    from scdmac_lib import study

    from scdmac_lib.data import prefer_paper_data

    return study.study_specs(profile, study.ARMS, datasets=datasets or prefer_paper_data(profile.datasets),
                             seeds=seeds or profile.study_seeds)


def diagnosis_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                    seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The stage diagnosis: scDMAC on the datasets, and scDMAC and PCA + k-means on the simulations."""
    real = experiments.profile_specs(profile, ["scDMAC"], datasets=datasets, seeds=seeds)
    sims = experiments.profile_specs(profile, ["scDMAC", "PCA + k-means"], datasets=list(simulate.PRESETS),
                                     seeds=seeds)
    return real + sims


def _flat_sweeps(profile: Profile, **params) -> list[RunSpec]:
    return [spec for pairs in sweeps(profile, **params).values() for _, spec in pairs]


def _study_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                 seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The study's arms, and rule 7's combination once the arms are cached (a second pass plans it)."""
    from scdmac_lib import study

    pairs = study_pairs(profile, datasets=datasets, seeds=seeds)
    combined = study.combination_specs(profile, pairs, datasets=sorted({s.dataset for _, s in pairs}),
                                       seeds=sorted({s.seed for _, s in pairs}))
    return [spec for _, spec in pairs] + combined


#: Notebook -> the function giving its run specs from ``(profile, **the notebook's parameters)``.
NOTEBOOK_RUNS: dict[str, Callable[..., list[RunSpec]]] = {
    "50_table2_3_ari_nmi": table_specs,
    "51_table4_silhouette": table_specs,
    "52_table5_ablation": ablation_specs,
    "60_fig4_tsne": tsne_specs,
    "61_fig5_7_sweeps": _flat_sweeps,
    "70_method_study": _study_specs,
    "75_stage_diagnosis": diagnosis_specs,
    "90_reproducibility": reproducibility_specs,
}


def specs_for(notebook: str, profile: Profile | str, **params: Any) -> list[RunSpec]:
    """The run specs ``notebook`` reads under ``profile`` (each once, in order; none when it reads none).

    ``params`` are the notebook's own parameters (``datasets``, ``seeds``, ...); ``None`` values and
    absent ones mean the profile's.
    """
    profile = get_profile(profile) if isinstance(profile, str) else profile
    function = NOTEBOOK_RUNS.get(notebook)
    if function is None:
        return []
    return list(dict.fromkeys(function(profile, **params)))


# ----------------------------------------------------------------------------- jobs


def is_manifest_dataset(name: str) -> bool:
    """Whether ``name`` is read from the manifest (else it is simulated on the fly)."""
    return name not in simulate.PRESETS and simulate.parse_name(name) is None


def stage_key(spec: RunSpec) -> str | None:
    """The key of the shared denoising stage ``spec`` reads, or ``None`` when it reads none."""
    path = experiments.stage_path(spec, Path())
    return None if path is None else path.stem.removeprefix("denoise-")


def spec_json(spec: RunSpec) -> str:
    """``spec`` as one line of JSON (what the jobs' command lines carry)."""
    return json.dumps(spec.as_dict(), sort_keys=True)


def spec_from_json(text: str) -> RunSpec:
    """Inverse of :func:`spec_json`."""
    d = json.loads(text)
    return experiments.make_spec(d["dataset"], d["method"], d["seed"], dict(d["overrides"]))


@dataclass(frozen=True)
class Plan:
    """The jobs of one profile's notebooks.

    ``runs``: run key -> spec; ``stages``: stage key -> the first spec that reads it (it builds the
    stage); ``run_stage``: run key -> stage key (scDMAC variants that denoise); ``datasets``: the
    manifest datasets the runs read; ``notebook_runs``: notebook -> the keys of the runs it reads.
    """

    runs: dict[str, RunSpec]
    stages: dict[str, RunSpec]
    run_stage: dict[str, str]
    datasets: tuple[str, ...]
    notebook_runs: dict[str, tuple[str, ...]]

    def trains(self, key: str) -> bool:
        """Whether run ``key`` trains a network (a GPU helps) rather than a classical method."""
        return self.runs[key].method not in CLASSICAL


def plan(profile: Profile | str, notebooks: Iterable[str]) -> Plan:
    """The run, stage and dataset jobs of ``notebooks`` under ``profile`` (at their default parameters)."""
    profile = get_profile(profile) if isinstance(profile, str) else profile
    runs: dict[str, RunSpec] = {}
    stages: dict[str, RunSpec] = {}
    run_stage: dict[str, str] = {}
    notebook_runs: dict[str, tuple[str, ...]] = {}
    for name in notebooks:
        keys = []
        for spec in specs_for(name, profile):
            key = spec.key()
            keys.append(key)
            if key in runs:
                continue
            runs[key] = spec
            stage = stage_key(spec)
            if stage is not None:
                run_stage[key] = stage
                stages.setdefault(stage, spec)
        notebook_runs[name] = tuple(keys)
    datasets = tuple(dict.fromkeys(s.dataset for s in runs.values() if is_manifest_dataset(s.dataset)))
    return Plan(runs, stages, run_stage, datasets, notebook_runs)


# ----------------------------------------------------------------------------- what the jobs run


def _checked_spec(text: str, key: str, key_of: Callable[[RunSpec], str | None], what: str) -> RunSpec:
    spec = spec_from_json(text)
    if key_of(spec) != key:
        msg = (f"the spec {text} has {what} key {key_of(spec)}, not {key}: the library changed since the "
               "workflow was planned; plan it again (rerun snakemake).")
        raise ValueError(msg)
    return spec


def run_job(key: str, spec: str, *, device: str = "auto", threads: int | None = None) -> experiments.RunResult:
    """Compute (or read) the run ``key`` whose spec is the JSON ``spec``, with ``threads`` CPU threads."""
    from scdmac_lib._utils import set_threads

    run_spec = _checked_spec(spec, key, RunSpec.key, "run")
    set_threads(threads)
    return experiments.run(run_spec, device=device)


def stage_job(key: str, spec: str, *, device: str = "auto", threads: int | None = None) -> Path:
    """Compute (or read) the denoising stage ``key`` of the JSON ``spec``; return its file."""
    from scdmac_lib._utils import set_threads

    run_spec = _checked_spec(spec, key, stage_key, "stage")
    set_threads(threads)
    experiments.denoise_stage(run_spec, device=device)
    return experiments.stage_path(run_spec)


def dataset_job(name: str, out: Path) -> dict[str, Any]:
    """Fetch, convert and cache the manifest dataset ``name``; write its shape to ``out`` (JSON)."""
    return experiments.write_dataset_record(name, experiments.load_dataset(name), Path(out))


def main(argv: list[str] | None = None) -> int:
    """Command line of the workflow's jobs (module docstring); errors are one line on stderr."""
    parser = argparse.ArgumentParser(prog="python -m scdmac_lib.runplan", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "stage"):
        p = sub.add_parser(name, help=f"compute one {'cached run' if name == 'run' else 'denoising stage'}")
        p.add_argument("key")
        p.add_argument("--spec", required=True, help="the run spec as JSON")
        p.add_argument("--device", default="auto")
        p.add_argument("--threads", type=int, default=None, metavar="N",
                       help="CPU threads (default: $SCDMAC_THREADS, else the cores this process may use)")
    p = sub.add_parser("dataset", help="fetch, convert and cache one manifest dataset")
    p.add_argument("name")
    p.add_argument("--out", required=True, help="JSON file recording the dataset's shape")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        if args.command == "run":
            res = run_job(args.key, args.spec, device=args.device, threads=args.threads)
            sys.stdout.write(f"{args.key} {res.spec.dataset} {res.spec.method} seed {res.spec.seed}: "
                             f"ARI {res.metrics['ari']:.4f}, {res.timings.get('wall', float('nan')):.1f} s, "
                             f"{res.provenance['torch_threads']} thread(s)\n")
        elif args.command == "stage":
            path = stage_job(args.key, args.spec, device=args.device, threads=args.threads)
            sys.stdout.write(f"{args.key}: {path.name}\n")
        else:
            sys.stdout.write(json.dumps(dataset_job(args.name, Path(args.out))) + "\n")
    except ValueError as err:
        sys.stderr.write(f"scdmac-runplan: error: {err}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
