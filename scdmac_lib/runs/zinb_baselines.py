"""scDeepCluster-style and scziDesk-style: a ZINB autoencoder fine-tuned with DEC or weighted soft k-means."""

from __future__ import annotations

import time
from typing import Any

import torch

from scdmac_lib.method import clustering
from scdmac_lib.method.config import ScDMACConfig, make_config
from scdmac_lib.method.denoise import count_rows, denoise
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.method.finetune import initial_centers
from scdmac_lib.method.networks import LATENT, LossOutput
from scdmac_lib.method.preprocess import preprocess, standardize
from scdmac_lib.method.training import fit
from scdmac_lib.runs.output import MethodOutput
from scdmac_lib.runtime.threads import thread_limit

#: What makes the ZINB-autoencoder baselines the methods they are, pinned so that a change of
#: scDMAC's defaults (its likelihood, input scaling, centre update) never changes a baseline; they
#: share only the preprocessing (genes, normalization) and the training budgets with scDMAC.
_ZINB_BASELINE: dict[str, Any] = {
    "zinb.likelihood": "zinb", "zinb.dropout_ridge": 0.0, "zinb.output": "mu", "zinb.scale_input": True,
    "augment.before_scaling": False, "augment.mask_rate": 0.0, "augment.swap_rate": 0.0,
    "cluster.center_update": "adam", "cluster.inflation": 2.0, "cluster.temperature": 1.0, "cluster.dof": 1.0,
    "cluster.train.lr": 1e-3,
}


BASELINE_CONFIGS: dict[str, dict[str, Any]] = {
    # Tian et al. 2019: encoder 256-64-32, Gaussian input noise sd 2.5, ZINB + DEC
    "scDeepCluster-style": {**_ZINB_BASELINE, "zinb.hidden": (256, 64), "zinb.bottleneck": 32,
                            "augment.noise_var": 2.5**2},
    # Chen et al. 2020: encoder 256-64-32, ZINB + weighted soft k-means with squared weights
    "scziDesk-style": {**_ZINB_BASELINE, "zinb.hidden": (256, 64), "zinb.bottleneck": 32, "augment.noise_var": 1.0},
}


def _zinb_cluster(x, cfg: ScDMACConfig, mode: str, *, progress: bool) -> MethodOutput:
    """Pretrain a ZINB AE, then fine-tune its bottleneck with DEC (``"dec"``) or soft k-means."""
    device = resolve_device(cfg.device)
    timings = {}
    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(cfg.seed)
        t0 = time.perf_counter()
        prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
        den = denoise(prep, cfg, device=device, progress=progress)
        timings["pretrain"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        module = den.module
        xin = torch.from_numpy(standardize(prep.lognorm)).to(device)
        sf = torch.from_numpy(prep.size_factors).to(device)

        def latent(xb):
            return module(xb, torch.ones(len(xb), device=device))[LATENT]

        z0 = torch.cat([latent(xin[i : i + 4096]).detach() for i in range(0, len(xin), 4096)])
        centers0, _ = initial_centers(z0.cpu().numpy(), cfg.n_clusters, seed=cfg.seed, n_init=cfg.cluster.n_init)
        centers = torch.nn.Parameter(torch.from_numpy(centers0).to(device))
        gen = torch.Generator(device=device).manual_seed(cfg.seed + 30)
        target = {}
        noise_sd = cfg.augment.noise_var**0.5 if cfg.augment.enabled else 0.0

        def step(idx, step_i):
            if mode == "dec" and step_i % cfg.cluster.target_update_steps == 0:
                with torch.no_grad():
                    z_all = torch.cat([latent(xin[i : i + 4096]) for i in range(0, len(xin), 4096)])
                    target["p"] = clustering.target_distribution(clustering.soft_assign(z_all, centers, cfg.cluster.dof))
            xb = xin[idx] + noise_sd * torch.randn(xin[idx].shape, generator=gen, device=device)
            out = module(xb, sf[idx])
            zinb = module.loss(count_rows(prep.counts, idx, device), out).loss
            z = out[LATENT]
            if mode == "dec":
                clus = clustering.kl_divergence(target["p"][idx], clustering.soft_assign(z, centers, cfg.cluster.dof))
            else:
                d2 = clustering.squared_distances(z, centers)
                w = clustering.inflate(clustering.soft_kmeans_weights(d2.detach(), cfg.cluster.temperature), cfg.cluster.inflation)
                clus = clustering.weighted_kmeans_loss(d2, w)
            return LossOutput(zinb + clus, {"zinb_nll": zinb.item(), "clustering": clus.item()})

        module.train()
        gen_batches = torch.Generator().manual_seed(cfg.seed + 31)
        history = fit([*module.parameters(), centers], step, n_obs=len(xin), cfg=cfg.cluster.train,
                      generator=gen_batches, stage=f"ZINB + {mode} fine-tune", progress=progress, device=device)
        module.eval()
        with torch.no_grad():
            z = torch.cat([latent(xin[i : i + 4096]) for i in range(0, len(xin), 4096)])
            labels = clustering.squared_distances(z, centers).argmin(dim=1).cpu().numpy()
        timings["cluster"] = time.perf_counter() - t0
    return MethodOutput(labels, z.cpu().numpy(), timings, {"denoise": den.history, "cluster": history},
                        config={"mode": mode})


def scdeepcluster(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
                  overrides: dict | None = None, **_) -> MethodOutput:
    """scDeepCluster-style: encoder 256-64-32, input noise sd 2.5, ZINB + DEC (KL weight 1)."""
    base = BASELINE_CONFIGS["scDeepCluster-style"]
    cfg = make_config(n_clusters, seed=seed, device=device, **{**base, **(overrides or {})})
    return _zinb_cluster(x, cfg, "dec", progress=progress)


def sczidesk(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
             overrides: dict | None = None, **_) -> MethodOutput:
    """scziDesk-style: encoder 256-64-32, ZINB + weighted soft k-means with squared (inflated) weights."""
    base = BASELINE_CONFIGS["scziDesk-style"]
    cfg = make_config(n_clusters, seed=seed, device=device, **{**base, **(overrides or {})})
    return _zinb_cluster(x, cfg, "softkmeans", progress=progress)
