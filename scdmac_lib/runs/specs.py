"""A run: a frozen spec (dataset, method, seed, overrides), its resolved configuration and its key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from scdmac_lib.data.paper import prefer_paper_data
from scdmac_lib.method.config import VARIANTS, flat_dict, make_config
from scdmac_lib.runs.zinb_baselines import BASELINE_CONFIGS
from scdmac_lib.runtime.files import jsonable

SCHEMA_VERSION = 2  # 2: stage-by-stage scores in the metrics; the resolved config in the key


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
        """What makes two runs the same run: dataset, method, seed and the resolved configuration.

        The configuration is the defaults with the overrides applied, so a changed default never
        returns a result computed under the old one, and two specs that spell the same configuration
        differently share one result. The thread count is not part of it: it changes how fast a run
        goes, not what it computes (beyond float rounding); the count used is in the provenance.
        """
        return {"schema": SCHEMA_VERSION, "dataset": self.dataset, "method": self.method, "seed": self.seed,
                "config": resolved_config(self)}

    def key(self) -> str:
        """Stable 16-hex-digit hash of :meth:`identity`."""
        payload = json.dumps(self.identity(), sort_keys=True, default=list)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def resolved_config(spec: RunSpec) -> dict[str, Any]:
    """Flat config a spec runs under, without ``n_clusters`` (the dataset fixes it) and ``n_threads``.

    scDMAC variants resolve their own variant; the ZINB-autoencoder baselines their pinned settings
    (:data:`scdmac_lib.runs.zinb_baselines.BASELINE_CONFIGS`); the others build on the same defaults.
    """

    variant = spec.method if spec.method in VARIANTS else "scDMAC"
    base = BASELINE_CONFIGS.get(spec.method, {})
    flat = flat_dict(make_config(2, variant=variant, **{**base, **dict(spec.overrides)}))
    for key in ("n_clusters", "n_threads"):
        flat.pop(key)
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
