"""scDMAC and its ablations as methods of the benchmark's common signature."""

from __future__ import annotations

from scdmac_lib.evaluation.stages import stage_labels
from scdmac_lib.method.config import make_config
from scdmac_lib.method.pipeline import fit_scdmac
from scdmac_lib.runs.output import MethodOutput


def scdmac_method(variant: str):
    """The scDMAC pipeline (or one of its ablations) as a method of the common signature."""

    def run(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
            overrides: dict | None = None, denoised=None, **_) -> MethodOutput:
        cfg = make_config(n_clusters, variant=variant, seed=seed, device=device, **(overrides or {}))
        res = fit_scdmac(x, cfg, progress=progress, denoised=denoised)
        return MethodOutput(res.labels, res.embedding, res.timings, res.history, res.diagnostics,
                            config={"variant": variant}, stage_labels=stage_labels(res))

    run.__name__ = variant
    run.reads_denoising_stage = True  # the executor hands it the shared stage (runs.stage_cache)
    return run
