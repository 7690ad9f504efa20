"""Named profiles: whole sets of settings for the book's runs.

``smoke`` runs in seconds on synthetic data (for tests); ``quick`` (the default) uses the library's
default training budgets (300/300/100 steps, as ``scdmac cluster``), three seeds for the tables and
for the sweeps (so that paired tests over seeds can decide a sweep's optimum and the seed-variance
claim can run) and three points per sweep; ``paper`` runs the paper's datasets (where present) with
the longer budgets of :data:`PAPER_BUDGET`, five seeds and every sweep point (hours on a CPU, fast on
a GPU). The paper states no training budget at all (no epochs, steps, batch size or learning rate):
no profile is "the paper's settings", and ``paper`` is named for its datasets and grids.

No profile sets the CPU thread count: a run uses what its process was given
(:func:`scdmac_lib.runtime.threads.resolve_threads`), so it is not part of the runs' cache keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scdmac_lib.data import catalogue
from scdmac_lib.data.manifest import list_datasets

#: The paper's Table 1 in its order; a name that is a stand-in becomes the paper's data when that is
#: present, and a paper dataset without a stand-in is run only when present
#: (:func:`scdmac_lib.data.paper.prefer_paper_data`).
PAPER_TABLE1 = ("adam_paper", "deng", "muraro_paper", "pollen", "chen_paper", "zeisel")
#: The stand-ins (in the paper's order) and the extra datasets (in the manifest's), by their kind in
#: the dataset catalogue: the manifest is the one place that says which dataset is which.
STAND_INS = tuple(d for d in PAPER_TABLE1 if catalogue.kind(d) == "stand-in")
EXTRAS = tuple(d for d in list_datasets()["name"] if catalogue.kind(d) == "extra")
SMOKE_DATASET = "synth-400x300x4"


@dataclass(frozen=True)
class Profile:
    """Settings shared by every notebook of one book build."""

    name: str
    datasets: tuple[str, ...]  # datasets of Tables 2-5 and Fig. 4
    seeds: tuple[int, ...]  # seeds of every table (mean and sd over them)
    overrides: tuple[tuple[str, Any], ...]  # config overrides (training budgets; never the thread count)
    sweep_datasets: tuple[str, ...]  # datasets of Figs. 5-7
    sweep_seeds: tuple[int, ...]
    mask_ratios: tuple[float, ...]  # Fig. 5 (paper: 0.1 to 0.8)
    recon_weights: tuple[float, ...]  # Fig. 6 (paper: 0.6 to 0.9)
    mask_loss_weights: tuple[float, ...]  # Fig. 7 (paper: 0.5 to 0.8)
    walkthrough_dataset: str  # dataset of the stage walk-through notebooks
    include_scvi: bool = False  # scVI's default training is slow on a CPU: paper profile only
    study_seeds: tuple[int, ...] = (0,)  # seeds of the method study (scdmac_lib.runs.study)

    def config_overrides(self) -> dict[str, Any]:
        """The profile's overrides as a dict for :func:`scdmac_lib.method.config.make_config`."""
        return dict(self.overrides)


#: The paper profile's training budgets: the default command's when the method study was registered
#: (its budget arm, ``full_budget`` in :mod:`scdmac_lib.runs.study`, runs them on the other profiles).
PAPER_BUDGET: tuple[tuple[str, Any], ...] = (
    ("zinb.train.max_steps", 2000), ("zinb.train.min_steps", 300), ("mae.train.max_steps", 2000),
    ("mae.train.min_steps", 300), ("cluster.train.max_steps", 500), ("cluster.train.min_steps", 100),
)


def _budget(steps: int, cluster_steps: int, min_steps: int) -> tuple[tuple[str, Any], ...]:
    return (
        ("zinb.train.max_steps", steps),
        ("zinb.train.min_steps", min_steps),
        ("mae.train.max_steps", steps),
        ("mae.train.min_steps", min_steps),
        ("cluster.train.max_steps", cluster_steps),
        ("cluster.train.min_steps", min(min_steps, cluster_steps)),
    )


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        datasets=(SMOKE_DATASET,),
        seeds=(0,),
        overrides=(*_budget(30, 10, 10), ("preprocess.n_top_genes", 200)),
        sweep_datasets=(SMOKE_DATASET,),
        sweep_seeds=(0,),
        mask_ratios=(0.1, 0.5),
        recon_weights=(0.6, 0.8),
        mask_loss_weights=(0.5, 0.8),
        walkthrough_dataset=SMOKE_DATASET,
        study_seeds=(0,),
    ),
    "quick": Profile(
        name="quick",
        datasets=STAND_INS + EXTRAS,
        seeds=(0, 1, 2),  # three seeds, so that paired tests and the seed-variance claim can be run
        overrides=(),  # the library's default budgets (300/300/100 steps)
        sweep_datasets=("deng", "pollen"),
        sweep_seeds=(0, 1, 2),  # a sweep's optimum is decided over seeds (claims 4-6)
        mask_ratios=(0.1, 0.3, 0.5),
        recon_weights=(0.5, 0.7, 0.9),
        mask_loss_weights=(0.5, 0.65, 0.8),
        walkthrough_dataset="pollen",
        study_seeds=(0, 1, 2),
    ),
    "paper": Profile(
        name="paper",
        datasets=PAPER_TABLE1 + EXTRAS,
        seeds=(0, 1, 2, 3, 4),
        overrides=PAPER_BUDGET,
        sweep_datasets=STAND_INS + EXTRAS,
        sweep_seeds=(0, 1, 2),
        mask_ratios=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
        recon_weights=(0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),
        mask_loss_weights=(0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8),
        walkthrough_dataset="zeisel",
        include_scvi=True,
        study_seeds=(0, 1, 2, 3, 4),
    ),
}


DEFAULT_PROFILE = "quick"


def get_profile(name: str) -> Profile:
    """Return the named profile; unknown names fail with the list of known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        msg = f"unknown profile {name!r}; choose one of {sorted(PROFILES)}."
        raise ValueError(msg) from None
