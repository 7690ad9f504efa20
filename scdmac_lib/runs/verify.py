"""Prove the archive: recompute a random sample of stored runs and compare them with what is stored.

On the device that computed a stored run (the same kind, ``cpu`` or ``cuda``, and for a CPU the same
model and vector extensions, :func:`~scdmac_lib.runtime.provenance.cpu_identity`, recorded in the
run's provenance), its labels must agree: the ARI between stored and recomputed labels at least
:data:`SAME_DEVICE_MIN_ARI` (identical where the code is deterministic, which the table shows), and
every metric within :data:`CROSS_DEVICE_TOLERANCE`, the stage diagnostics' included. Elsewhere (a
GPU-computed archive checked on a CPU, or another CPU, whose vector instructions can round a float
differently: trained networks then drift and k-means may move cells) the check is that the run's
own metrics (:data:`COMPARED`) are reproduced within :data:`CROSS_DEVICE_TOLERANCE`; the label
agreement and the largest change of a stage diagnostic are reported, not judged. A stage diagnostic
is a fresh k-means of an intermediate matrix (:mod:`scdmac_lib.evaluation.stages`) whose restarts can
tie: the same drift that leaves the run's labels as they were can move it to another optimum (the
``largest_stage_diff`` column shows by how much). A run that recorded no CPU identity counts as
computed on another CPU.
Each run is recomputed with the thread count it was computed with, into a scratch results folder
(the cache and the archive are not touched).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.runs import archive, execute
from scdmac_lib.runs.cache import RunResult
from scdmac_lib.runs.methods import CLASSICAL
from scdmac_lib.runs.page_runs import profile_plan
from scdmac_lib.runs.profiles import Profile
from scdmac_lib.runs.specs import RunSpec
from scdmac_lib.runtime.provenance import cpu_identity
from scdmac_lib.runtime.threads import thread_limit

SAME_DEVICE_MIN_ARI = 0.99
CROSS_DEVICE_TOLERANCE = 0.03
COMPARED = ("ari", "nmi", "acc", "silhouette")  #: a run's own metrics; its stage_* diagnostics apart


def sample(specs: Sequence[RunSpec], n: int, rng: np.random.Generator) -> list[RunSpec]:
    """``n`` of ``specs`` at random, with a classical and a trained method among them when both exist."""
    specs = list(specs)
    order = list(rng.permutation(len(specs)))
    picked: list[int] = []
    for wanted in (lambda s: s.method in CLASSICAL, lambda s: s.method not in CLASSICAL):
        first = next((i for i in order if wanted(specs[i]) and i not in picked), None)
        if first is not None and len(picked) < n:
            picked.append(first)
    picked += [i for i in order if i not in picked][: max(0, n - len(picked))]
    return [specs[i] for i in picked]


def _largest(diffs: dict[str, float]) -> tuple[str, float]:
    worst = max(diffs, key=diffs.get, default="")
    return (worst, diffs[worst]) if worst and diffs[worst] > 0 else ("", 0.0)


def compare(stored: RunResult, fresh: RunResult, device_now: str) -> dict:
    """One row: label agreement, the largest differences of the run's metrics and of its stage
    diagnostics, and whether the run reproduces."""
    same_kind = stored.provenance.get("device", "").split(":")[0] == device_now.split(":")[0]
    same_device = same_kind and (not device_now.startswith("cpu") or stored.provenance.get("cpu") == cpu_identity())
    diffs = {k: abs(float(stored.metrics[k]) - float(fresh.metrics[k])) for k in stored.metrics
             if k in fresh.metrics and np.isfinite(stored.metrics[k]) and np.isfinite(fresh.metrics[k])}
    metric, metric_diff = _largest({k: v for k, v in diffs.items() if k in COMPARED})
    stage, stage_diff = _largest({k: v for k, v in diffs.items() if k.startswith("stage_")})
    agreement = ari(stored.labels, fresh.labels)
    ok = metric_diff <= CROSS_DEVICE_TOLERANCE and (
        not same_device or (agreement >= SAME_DEVICE_MIN_ARI and stage_diff <= CROSS_DEVICE_TOLERANCE))
    return {"labels_identical": bool(np.array_equal(stored.labels, fresh.labels)), "label_ari": agreement,
            "largest_metric_diff": metric_diff, "metric": metric, "largest_stage_diff": stage_diff, "stage": stage,
            "stored_device": stored.provenance.get("device", ""), "device_now": device_now,
            "same_device": same_device, "verdict": "reproduced" if ok else "DIFFERS"}


def verify(profile: Profile | str = "quick", *, n: int = 5, seed: int | None = None, device: str = "auto",
           root: Path | None = None) -> tuple[pd.DataFrame, int]:
    """Recompute ``n`` archived runs of ``profile``'s plan chosen with ``seed`` (random when ``None``).

    Returns the comparison table and the seed used (print it: the same seed picks the same runs).
    """
    seed = int(np.random.default_rng().integers(2**31)) if seed is None else int(seed)
    archived = [s for s in profile_plan(profile) if archive.holds(s, root)]
    if not archived:
        msg = f"the archive holds no run of the {profile if isinstance(profile, str) else profile.name} plan."
        raise ValueError(msg)
    device_now = str(resolve_device(device))
    rows = []
    with tempfile.TemporaryDirectory(prefix="scdmac-verify-") as scratch:
        for spec in sample(archived, n, np.random.default_rng(seed)):
            stored = archive.read(spec, root)
            if stored is None:
                rows.append({"key": spec.key(), "dataset": spec.dataset, "method": spec.method, "seed": spec.seed,
                             "verdict": "DIFFERS", "metric": "the stored run is damaged"})
                continue
            t0 = time.perf_counter()
            with thread_limit(int(stored.provenance.get("torch_threads") or 1)):
                fresh = execute.run(spec, device=device, results=Path(scratch), force=True)
            rows.append({"key": spec.key(), "dataset": spec.dataset, "method": spec.method, "seed": spec.seed,
                         **compare(stored, fresh, device_now), "seconds": round(time.perf_counter() - t0, 1)})
    return pd.DataFrame(rows), seed
