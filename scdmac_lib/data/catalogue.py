"""The dataset catalogue: for every dataset name a page may show, what kind of data it is.

One answer for every page and table: a name is

- ``"stand-in"``: a smaller public copy standing in for one of the paper's datasets (manifest role
  ``stand-in``; its numbers are never the paper's dataset's);
- ``"paper's data"``: the paper's own Table 1 dataset from a pinned public copy (roles ``paper``
  and ``fallback``);
- ``"extra"``: a labelled dataset the paper does not use (role ``extra``);
- ``"simulated"``: made by :mod:`scdmac_lib.data.simulate` (``synth-CELLSxGENESxCLUSTERS`` or a
  preset name).

:func:`label` is how a table names a dataset, kind included: ``"Deng (stand-in)"``,
``"Deng (paper's data)"``, ``"worm_neuron (extra)"``, ``"sim-imbalanced (simulated)"``.
:func:`load_dataset` loads any of them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scdmac_lib.data import simulate
from scdmac_lib.data.canonical import content_digest
from scdmac_lib.data.convert import load
from scdmac_lib.data.manifest import PAPER_ROLES, list_datasets

if TYPE_CHECKING:
    import anndata

KINDS = ("stand-in", "paper's data", "extra", "simulated")
LABEL_KEY = "cell_type"
_ROLE_KIND = {"stand-in": "stand-in", "paper": "paper's data", "fallback": "paper's data", "extra": "extra"}


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is: its kind (one of :data:`KINDS`) and the paper column it is or stands for."""

    name: str
    kind: str
    paper_column: str | None  # "Deng" for deng and deng_paper; None for extras and simulated data

    @property
    def label(self) -> str:
        """The name a table shows: the paper's name where there is one, always with the kind."""
        return f"{self.paper_column or self.name} ({self.kind})"


@functools.cache
def _manifest() -> dict[str, tuple[str, str]]:
    frame = list_datasets()
    return {r.name: (r.role, r.stands_for) for r in frame.itertuples(index=False)}


def is_simulated(name: str) -> bool:
    """Whether ``name`` is made by the simulator rather than read from the manifest."""
    return name in simulate.PRESETS or simulate.parse_name(name) is not None


def describe(name: str) -> DatasetInfo:
    """The catalogue entry of ``name``; an unknown name fails with the names the catalogue knows."""
    if is_simulated(name):
        return DatasetInfo(name, "simulated", None)
    manifest = _manifest()
    if name not in manifest:
        msg = (f"unknown dataset {name!r}: the manifest lists {', '.join(manifest)}; simulated data are "
               f"named synth-CELLSxGENESxCLUSTERS or one of {', '.join(simulate.PRESETS)}.")
        raise ValueError(msg)
    role, stands_for = manifest[name]
    return DatasetInfo(name, _ROLE_KIND[role], stands_for or None)


def kind(name: str) -> str:
    """One of :data:`KINDS`."""
    return describe(name).kind


def paper_column(name: str) -> str | None:
    """The paper's dataset (its tables' column) that ``name`` is or stands for; ``None`` for the others."""
    return describe(name).paper_column


def label(name: str) -> str:
    """How a table names ``name``, with its kind (:attr:`DatasetInfo.label`)."""
    return describe(name).label


def is_paper_data(name: str) -> bool:
    """Whether ``name`` is one of the paper's own datasets (not a stand-in)."""
    return not is_simulated(name) and _manifest().get(name, ("", ""))[0] in PAPER_ROLES


def describe_list(names: Sequence[str]) -> str:
    """``stand-in deng, pollen; extra worm_neuron; simulated sim-imbalanced`` (``none`` when empty)."""
    if not names:
        return "none"
    groups: dict[str, list[str]] = {k: [] for k in KINDS}
    for n in names:
        groups[kind(n)].append(n)
    return "; ".join(f"{k} {', '.join(v)}" for k, v in groups.items() if v)


def load_dataset(name: str, *, seed: int = 0) -> anndata.AnnData:
    """A manifest dataset (:func:`scdmac_lib.data.convert.load`) or a simulated one by name."""
    if is_simulated(name):
        return simulate.from_name(name, seed=seed)
    describe(name)  # an unknown name fails here with the known ones
    return load(name)


@functools.cache
def dataset_digest(name: str) -> str:
    """:func:`scdmac_lib.data.canonical.content_digest` of dataset ``name`` as :func:`load_dataset` gives it
    (computed once per process)."""
    return content_digest(load_dataset(name))


def n_types(adata: anndata.AnnData, label_key: str = LABEL_KEY) -> int:
    """Number of ground-truth types: the k every method is given (as the field does)."""
    if label_key not in adata.obs:
        msg = f"obs[{label_key!r}] is missing: scoring needs ground-truth labels."
        raise ValueError(msg)
    return int(adata.obs[label_key].nunique())
