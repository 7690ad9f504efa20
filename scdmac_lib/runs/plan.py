"""The workflow's jobs for a profile's pages, known without executing them.

:func:`plan` turns the runs the pages read (:func:`scdmac_lib.runs.page_runs.specs_for`, the same
functions the notebooks call) into jobs: one per run (``results/runs/<key>/``, written by
:func:`scdmac_lib.runs.execute.run`), one per shared denoising stage (``results/stages/denoise-<key>.npz``,
read by every scDMAC variant and sweep point with the same dataset, seed and
preprocessing/augmentation/ZINB settings) and one per manifest dataset the runs read (fetched,
converted and cached once, before the runs). Runs the results archive holds can be left out
(``skip_archived``): the pages read them from there. The jobs themselves are
:mod:`scdmac_lib.runs.jobs`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scdmac_lib.data import simulate
from scdmac_lib.runs import archive, specs, stage_cache
from scdmac_lib.runs.methods import CLASSICAL
from scdmac_lib.runs.page_runs import computes_missing, specs_for
from scdmac_lib.runs.profiles import Profile, get_profile
from scdmac_lib.runs.specs import RunSpec


def is_manifest_dataset(name: str) -> bool:
    """Whether ``name`` is read from the manifest (else it is simulated on the fly)."""
    return name not in simulate.PRESETS and simulate.parse_name(name) is None


def stage_key(spec: RunSpec) -> str | None:
    """The key of the shared denoising stage ``spec`` reads, or ``None`` when it reads none."""
    path = stage_cache.stage_path(spec, Path())
    return None if path is None else path.stem.removeprefix("denoise-")


def spec_json(spec: RunSpec) -> str:
    """``spec`` as one line of JSON (what the jobs' command lines carry)."""
    return json.dumps(spec.as_dict(), sort_keys=True)


def spec_from_json(text: str) -> RunSpec:
    """Inverse of :func:`spec_json`."""
    d = json.loads(text)
    return specs.make_spec(d["dataset"], d["method"], d["seed"], dict(d["overrides"]))


@dataclass(frozen=True)
class Plan:
    """The jobs of one profile's notebooks.

    ``runs``: run key -> spec; ``stages``: stage key -> the first spec that reads it (it builds the
    stage); ``run_stage``: run key -> stage key (scDMAC variants that denoise); ``datasets``: the
    manifest datasets the runs read; ``notebook_runs``: notebook -> the keys of the runs it reads;
    ``reads_only``: the notebooks that only read their runs under this profile (the book does not wait
    for them; the ``runs`` target computes them).
    """

    runs: dict[str, RunSpec]
    stages: dict[str, RunSpec]
    run_stage: dict[str, str]
    datasets: tuple[str, ...]
    notebook_runs: dict[str, tuple[str, ...]]
    reads_only: frozenset[str] = frozenset()

    def trains(self, key: str) -> bool:
        """Whether run ``key`` trains a network (a GPU helps) rather than a classical method."""
        return self.runs[key].method not in CLASSICAL


def plan(profile: Profile | str, notebooks: Iterable[str], *, skip_archived: bool = False) -> Plan:
    """The run, stage and dataset jobs of ``notebooks`` under ``profile`` (at their default parameters).

    With ``skip_archived`` the runs the results archive holds (under their current key) get no job,
    and the notebooks do not wait for them: they read them from the archive. The datasets are those
    of every run the pages read, archived or not (the pages load them, and check each stored run
    against its dataset's digest).
    """
    profile = get_profile(profile) if isinstance(profile, str) else profile
    runs: dict[str, RunSpec] = {}
    stages: dict[str, RunSpec] = {}
    run_stage: dict[str, str] = {}
    notebook_runs: dict[str, tuple[str, ...]] = {}
    read: dict[str, None] = {}  # every dataset a page reads, in order
    for name in notebooks:
        keys = []
        for spec in specs_for(name, profile):
            read.setdefault(spec.dataset)
            key = spec.key()
            if skip_archived and archive.holds(spec):
                continue
            keys.append(key)
            if key in runs:
                continue
            runs[key] = spec
            stage = stage_key(spec)
            if stage is not None:
                run_stage[key] = stage
                stages.setdefault(stage, spec)
        notebook_runs[name] = tuple(keys)
    datasets = tuple(d for d in read if is_manifest_dataset(d))
    reads_only = frozenset(n for n in notebook_runs if not computes_missing(n, profile))
    return Plan(runs, stages, run_stage, datasets, notebook_runs, reads_only)
