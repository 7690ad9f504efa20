"""The runs each page of the book reads, known without executing it.

The notebooks get their run specs from these functions, and the workflow (``Snakefile``, through
:mod:`scdmac_lib.runs.plan`) asks the same functions through :func:`specs_for`, so the runs the
workflow computes (and the archive stores) are the runs the pages read.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from scdmac_lib.data import simulate
from scdmac_lib.data.paper import prefer_paper_data
from scdmac_lib.method.config import VARIANTS, flat_dict, make_config
from scdmac_lib.runs import selection_bias, specs, study
from scdmac_lib.runs.methods import METHODS
from scdmac_lib.runs.profiles import Profile, get_profile
from scdmac_lib.runs.specs import RunSpec

SCDMAC_VARIANTS = tuple(VARIANTS)  # scDMAC and its ablations
ABLATIONS = tuple(v for v in VARIANTS if v != "scDMAC")  # Table 5
#: The sensitivity sweeps of Figs. 5-7 (their grids are the profile's).
SWEPT = ("mae.mask_ratio", "mae.recon_weight", "mae.mask_loss_weight")


def benchmark_methods(profile, *, include_ablations: bool = False) -> tuple[list[str], str]:
    """The methods of Tables 2-4 (and 5 with ``include_ablations``), and a note on what was left out.

    scVI runs only on profiles with ``include_scvi`` (its default training takes tens of minutes per
    dataset on a CPU) and needs the optional scvi-tools; otherwise it is dropped and the note says
    why. The notebooks share this list so that they request the same run specs (and hit the cache).
    """
    methods = [m for m in METHODS if include_ablations or m not in ABLATIONS]
    note = ""
    if not profile.include_scvi:
        methods.remove("scVI + k-means")
        note = (f"scVI + k-means is not run on the {profile.name!r} profile: its default training takes "
                "tens of minutes per dataset on a CPU. The 'paper' profile runs it.")
    elif importlib.util.find_spec("scvi") is None:
        methods.remove("scVI + k-means")
        note = "scVI + k-means was not run: scvi-tools is not installed (pip install -e '.[baselines]')."
    return methods, note


def sweep_specs(profile, param: str, values: Iterable[float], *, datasets: Sequence[str] | None = None,
                seeds: Sequence[int] | None = None) -> list[tuple[float, Any]]:
    """(value, spec) pairs of a scDMAC sweep of ``param`` over the profile's sweep datasets x seeds.

    A value equal to the configuration default adds no override, so that point is the same spec as
    the main-table scDMAC run and comes from its cache.
    """

    if param not in SWEPT:
        msg = f"param must be one of {list(SWEPT)}, got {param!r}."
        raise ValueError(msg)
    default = flat_dict(make_config(2))[param]
    out = []
    for v in values:
        extra = {} if abs(float(v) - float(default)) < 1e-9 else {param: float(v)}
        point = specs.profile_specs(profile, ["scDMAC"], datasets=datasets or profile.sweep_datasets,
                                    seeds=seeds or profile.sweep_seeds, overrides=extra)
        out.extend((float(v), s) for s in point)
    return out


def table_specs(profile: Profile, *, datasets: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
                include_ablations: bool = False) -> list[RunSpec]:
    """Tables 2-4: every benchmark method (and the ablations with ``include_ablations``) x datasets x seeds."""

    methods, _ = benchmark_methods(profile, include_ablations=include_ablations)
    return specs.profile_specs(profile, methods, datasets=datasets, seeds=seeds)


def ablation_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                   seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """Table 5: scDMAC and its ablation variants x datasets x seeds."""

    return specs.profile_specs(profile, ["scDMAC", *ABLATIONS], datasets=datasets, seeds=seeds)


def tsne_specs(profile: Profile, *, datasets: Sequence[str] | None = None, seed: int | None = None) -> list[RunSpec]:
    """Fig. 4: scDMAC on every dataset at one seed (default: the profile's first)."""
    seeds = [profile.seeds[0] if seed is None else int(seed)]
    return specs.profile_specs(profile, ["scDMAC"], datasets=datasets, seeds=seeds)


def sweep_grids(profile: Profile) -> dict[str, tuple[float, ...]]:
    """Figs. 5-7: the swept parameter -> its grid under ``profile``."""
    return {"mae.mask_ratio": profile.mask_ratios, "mae.recon_weight": profile.recon_weights,
            "mae.mask_loss_weight": profile.mask_loss_weights}


def sweeps(profile: Profile, *, datasets: Sequence[str] | None = None,
           seeds: Sequence[int] | None = None) -> dict[str, list[tuple[float, RunSpec]]]:
    """Figs. 5-7: swept parameter -> ``(value, spec)`` pairs over the sweep datasets x seeds."""

    return {param: sweep_specs(profile, param, grid, datasets=datasets, seeds=seeds)
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

    return study.study_specs(profile, study.ARMS, datasets=datasets or prefer_paper_data(profile.datasets),
                             seeds=seeds or profile.study_seeds)


def combination_pairs(profile: Profile, names: Sequence[str], *, datasets: Sequence[str] | None = None,
                      seeds: Sequence[int] | None = None) -> list[tuple[str, RunSpec]]:
    """Rule 7's runs: ``(arm name, spec)`` of the baseline and the combination of the arms ``names`` on the
    datasets and seeds of :func:`study_pairs`."""

    return study.study_specs(profile, [study.arm("baseline"), study.combination(names)],
                             datasets=datasets or prefer_paper_data(profile.datasets),
                             seeds=seeds or profile.study_seeds)


STUDY_SCRIPT = "benchmarks/study.py"  # computes the study's runs in parallel workers


def study_command(profile: Profile, *, datasets: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
                  combination: Sequence[str] | None = None) -> str:
    """The command that computes :func:`study_pairs` (or, with ``combination``, :func:`combination_pairs`)
    for these datasets and seeds (``None``: the profile's, as for those functions)."""

    parts = [".venv/bin/python", STUDY_SCRIPT, "--profile", profile.name]
    if datasets:
        parts += ["--datasets", *datasets]
    if seeds:
        parts += ["--seeds", *map(str, seeds)]
    if combination is not None:
        parts += ["--combination", *combination]
    return " ".join(parts)


#: The stage diagnosis's counterfactual, NOT the paper's method: the masked stage reads the ZINB
#: autoencoder's bottleneck instead of X_z (shown only on the diagnosis page, never a default).
COUNTERFACTUAL = {"mae.input": "zinb_bottleneck"}


def counterfactual_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                         seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """scDMAC with :data:`COUNTERFACTUAL` on the profile's datasets and seeds."""
    return specs.profile_specs(profile, ["scDMAC"], datasets=datasets, seeds=seeds, overrides=COUNTERFACTUAL)


def diagnosis_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                    seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The stage diagnosis: scDMAC, scziDesk-style and the counterfactual on the datasets, and scDMAC and
    PCA + k-means on the simulations."""
    real = specs.profile_specs(profile, ["scDMAC", "scziDesk-style"], datasets=datasets, seeds=seeds)
    counterfactual = counterfactual_specs(profile, datasets=datasets, seeds=seeds)
    sims = specs.profile_specs(profile, ["scDMAC", "PCA + k-means"], datasets=list(simulate.PRESETS), seeds=seeds)
    return real + counterfactual + sims


def _flat_sweeps(profile: Profile, **params) -> list[RunSpec]:
    return [spec for pairs in sweeps(profile, **params).values() for _, spec in pairs]


def _study_specs(profile: Profile, *, datasets: Sequence[str] | None = None,
                 seeds: Sequence[int] | None = None) -> list[RunSpec]:
    """The study's arms and, once they are cached (a second pass plans them), rule 7's combination and the
    combinations the rule adopts leaving one dataset out (:mod:`scdmac_lib.runs.selection_bias`)."""

    pairs = study_pairs(profile, datasets=datasets, seeds=seeds)
    combined = selection_bias.combination_specs(profile, pairs, datasets=sorted({s.dataset for _, s in pairs}),
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


#: Pages that only read their runs outside the smoke profile: the method study's hundreds of runs are
#: computed by the workflow's ``runs`` target (or :data:`STUDY_SCRIPT`), not by building the book.
READS_ONLY = ("70_method_study",)


def computes_missing(notebook: str, profile: Profile | str) -> bool:
    """Whether ``notebook`` computes the runs it lacks under ``profile`` (else it shows them as missing)."""
    name = profile if isinstance(profile, str) else profile.name
    return notebook not in READS_ONLY or name == "smoke"


def embedding_specs(profile: Profile | str) -> list[RunSpec]:
    """The runs whose embedding a page plots (the archive stores theirs): Fig. 4's."""
    return specs_for("60_fig4_tsne", profile)


def profile_plan(profile: Profile | str) -> list[RunSpec]:
    """Every run any page reads under ``profile``, each once (the archive holds the quick profile's).

    Once means once per run key: two pages may spell one run's overrides differently.
    """
    by_key = {}
    for spec in (s for name in NOTEBOOK_RUNS for s in specs_for(name, profile)):
        by_key.setdefault(spec.key(), spec)
    return list(by_key.values())


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
