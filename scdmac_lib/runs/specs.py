"""A run: a frozen spec (dataset, method, seed, overrides), its resolved configuration and its key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from scdmac_lib.data.paper import prefer_paper_data
from scdmac_lib.method.config import VARIANTS, flat_dict, make_config
from scdmac_lib.runs.fingerprint import method_fingerprint
from scdmac_lib.runs.methods import CONFIG_SECTIONS
from scdmac_lib.runs.zinb_baselines import BASELINE_CONFIGS
from scdmac_lib.runtime.files import jsonable

#: 3: the code fingerprint in the key, only the config sections a method reads, the bottleneck stage
SCHEMA_VERSION = 3


@dataclass(frozen=True)
class RunSpec:
    """One run: ``method`` (a key of :data:`scdmac_lib.runs.methods.METHODS`) on ``dataset`` with ``seed``."""

    dataset: str
    method: str
    seed: int = 0
    overrides: tuple[tuple[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "method": self.method, "seed": self.seed,
                "overrides": sorted([k, v] for k, v in self.overrides)}

    def identity(self) -> dict[str, Any]:
        """What makes two runs the same run: dataset, method, seed, resolved configuration and code.

        The configuration is the defaults with the overrides applied (the sections the method reads),
        so a changed default never returns a result computed under the old one, and two specs that
        spell the same configuration differently share one result. The code is the fingerprint of
        what the method executes (:mod:`scdmac_lib.runs.fingerprint`). The thread count is not part of
        it: it changes how fast a run goes, not what it computes (beyond float rounding); the count
        used is in the provenance. The dataset's content is checked apart, by its digest, when a
        stored result is read.
        """
        return {"schema": SCHEMA_VERSION, "dataset": self.dataset, "method": self.method, "seed": self.seed,
                "config": resolved_config(self), "code": method_fingerprint(self.method)}

    def key(self) -> str:
        """Stable 16-hex-digit hash of :meth:`identity`."""
        payload = json.dumps(self.identity(), sort_keys=True, default=list)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def resolved_config(spec: RunSpec) -> dict[str, Any]:
    """Flat config a spec runs under: the sections its method reads (:data:`~scdmac_lib.runs.methods.CONFIG_SECTIONS`;
    all of them for scDMAC), without ``n_clusters`` (the dataset fixes it), ``n_threads`` and ``device``.

    scDMAC variants resolve their own variant; the ZINB-autoencoder baselines their pinned settings
    (:data:`scdmac_lib.runs.zinb_baselines.BASELINE_CONFIGS`); the others build on the same defaults.
    """
    variant = spec.method if spec.method in VARIANTS else "scDMAC"
    base = BASELINE_CONFIGS.get(spec.method, {})
    flat = flat_dict(make_config(2, variant=variant, **{**base, **dict(spec.overrides)}))
    for key in ("n_clusters", "n_threads", "device"):
        flat.pop(key)
    sections = CONFIG_SECTIONS.get(spec.method)
    if sections is not None:
        flat = {k: v for k, v in flat.items() if k.split(".")[0] in sections}
    return jsonable(flat)


def make_spec(dataset: str, method: str, seed: int = 0, overrides: dict[str, Any] | None = None) -> RunSpec:
    """Build a spec from a plain overrides dict (lists become tuples so the spec stays hashable)."""
    items = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (overrides or {}).items()))
    return RunSpec(dataset, method, int(seed), items)


def profile_specs(profile, methods, *, datasets=None, seeds=None, overrides: dict | None = None) -> list[RunSpec]:
    """Specs of ``methods`` x datasets x seeds under a profile (its training budgets included)."""

    base = {**profile.config_overrides(), **(overrides or {})}
    return [make_spec(d, m, s, base) for d in (datasets or prefer_paper_data(profile.datasets)) for m in methods
            for s in (seeds or profile.seeds)]
