"""scDeepCluster-style and scziDesk-style: a ZINB autoencoder fine-tuned with DEC or soft k-means.

Both read the shared preprocessing (the 2000 highly variable genes, size factors, z-scored log
values), pretrain a ZINB autoencoder with encoder 256-64-32 on the raw counts, start their centres
with k-means on its bottleneck, fine-tune encoder and centres together with the ZINB loss, and label
each cell by its nearest centre. What each takes from its authors is pinned in
:data:`BASELINE_CONFIGS`, with the source of every setting beside it.

- scDeepCluster (Tian et al. 2019, Nat. Mach. Intell. 1: 191-198; code github.com/ttgump/scDeepCluster,
  ``code/scDeepCluster.py``): Gaussian input noise of sd 2.5, ZINB without ridge, DEC's KL with
  weight ``gamma = 1``, the target distribution refreshed on all cells. It runs on this project's
  ZINB autoencoder (:mod:`scdmac_lib.method.denoise`: LayerNorm-GELU blocks) and fine-tunes with
  Adam at 1e-3, refreshing the target every 50 steps; the authors add the noise to the hidden layers too,
  fine-tune with Adadelta, refresh the target every epoch and stop when fewer than 0.1% of the
  labels change.
- scziDesk (Chen, Wang, Zhai, Deng 2020, NAR Genom. Bioinform. 2: lqaa039; code
  github.com/xuebaliang/scziDesk, the argument defaults of ``zidpkm.py`` and ``network.py``):
  its own network (:class:`DenseZINBAutoencoder`: Dense layers with Glorot-uniform weights and
  ReLU, as ``network.py``; the scale of its latent space is what the temperature-1 soft k-means and
  the Student-t similarities were set for), ZINB with ridge 1 on the dropout probability, one Adam
  at learning rate 1e-4 for 1000 pretraining and up to 2000 fine-tuning epochs, the loss
  ``L_ZINB + 0.001 L_softkmeans + 0.001 L_self-training`` (``--alpha``, ``--gamma``) with the soft
  k-means weights ``exp(-(d - min d))`` squared and renormalized and kept in the gradient
  (``cal_dist``) and the self-training KL of :func:`self_training_kl` (``cal_latent``,
  ``target_dis``), and the labels compared every 10 epochs, stopping when fewer than 0.1% changed
  (``funetrain``). No Gaussian noise: ``network.py`` declares noise layers of sd 1.5 but trains them
  through a TensorFlow session that never sets Keras's learning phase, whose default is inference, so
  they pass their input through unchanged.

Both depart from their authors in the genes (the shared 2000 highly variable genes; scziDesk takes
500, scDeepCluster all) and in the budgets: the profile's step budgets cap the authors' epochs (300
pretraining and 100 fine-tuning steps on ``quick``, so a dataset of a few thousand cells gets 20
pretraining epochs, not 1000). The run's history keeps scziDesk's checks (``cluster_checks``: the
step, the share of labels that changed, the non-empty clusters) and its diagnostics the steps each
stage ran, the non-empty clusters of the k-means start and the share of labels the fine-tune changed.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from scdmac_lib.method import clustering
from scdmac_lib.method.config import ScDMACConfig, make_config
from scdmac_lib.method.denoise import count_rows, denoise
from scdmac_lib.method.devices import resolve_device
from scdmac_lib.method.finetune import initial_centers
from scdmac_lib.method.networks import DISPERSION, DROPOUT_LOGITS, LATENT, MEAN, LossOutput, ZINBAutoencoder
from scdmac_lib.method.preprocess import preprocess, standardize
from scdmac_lib.method.training import fit, minibatches, step_budget
from scdmac_lib.runs.output import MethodOutput
from scdmac_lib.runtime.threads import thread_limit

#: What makes the ZINB-autoencoder baselines the methods they are, pinned so that a change of
#: scDMAC's defaults (its likelihood, input scaling, centre update) never changes a baseline; they
#: share only the preprocessing (genes, normalization) and the training budgets with scDMAC.
_ZINB_BASELINE: dict[str, Any] = {
    "zinb.likelihood": "zinb", "zinb.dropout_ridge": 0.0, "zinb.output": "mu", "zinb.scale_input": True,
    "augment.before_scaling": False, "augment.mask_rate": 0.0, "augment.swap_rate": 0.0,
    "cluster.center_update": "adam", "cluster.inflation": 2.0, "cluster.temperature": 1.0, "cluster.dof": 1.0,
    "zinb.hidden": (256, 64), "zinb.bottleneck": 32,  # both: dims [genes, 256, 64, 32]
}


BASELINE_CONFIGS: dict[str, dict[str, Any]] = {
    "scDeepCluster-style": {
        **_ZINB_BASELINE,
        "augment.noise_var": 2.5**2,  # SCDeepCluster(..., noise_sd=2.5)
        "cluster.kl_weight": 1.0,  # --gamma 1: loss_weights=[gamma, 1] on (KL, ZINB)
        "cluster.train.lr": 1e-3,  # this project's Adam (the authors fine-tune with Adadelta, lr 1)
    },
    "scziDesk-style": {
        **_ZINB_BASELINE,
        "augment.noise_var": 0.0,  # --noise_sd 1.5 is declared but inactive (module docstring)
        "zinb.dropout_ridge": 1.0,  # ZINB(..., ridge_lambda=1.0)
        "zinb.train.lr": 1e-4,  # --learning_rate 0.0001 (one Adam for both stages)
        "zinb.train.epochs": 1000,  # --pretrain_epoch 1000 (the profile's max_steps caps it)
        "cluster.kmeans_weight": 1e-3,  # --alpha 0.001: weight of the soft k-means loss
        "cluster.kl_weight": 1e-3,  # --gamma 0.001: weight of the self-training KL
        "cluster.train.lr": 1e-4,  # --learning_rate 0.0001
        "cluster.train.epochs": 2000,  # --funetrain_epoch 2000 (the profile's max_steps caps it)
        "cluster.n_init": 10,  # KMeans(k, init="k-means++"): scikit-learn's 10 restarts
    },
}

#: scziDesk's label check: every ``--update_epoch 10`` epochs; stop when fewer than ``--error 0.001``
#: of the labels changed since the previous check.
CHECK_EPOCHS = 10
STABLE_CHANGE = 1e-3
_LOG_MEAN_MIN, _LOG_MEAN_MAX = math.log(1e-5), math.log(1e6)  # DCA's MeanAct clips exp(x) to [1e-5, 1e6]


class DenseZINBAutoencoder(nn.Module):
    """scziDesk's network (``network.py``): Dense layers with Glorot-uniform weights, zero biases and
    ReLU, a linear bottleneck, a mirrored ReLU decoder, and DCA's heads (mean ``exp`` clipped to
    [1e-5, 1e6] times the size factor, dispersion ``softplus`` clipped to [1e-4, 1e4], dropout logits).
    """

    def __init__(self, n_genes: int, hidden: tuple[int, ...], bottleneck: int):
        super().__init__()
        sizes = [n_genes, *hidden]
        self.encoder = nn.Sequential(*(m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.ReLU())),
                                     nn.Linear(sizes[-1], bottleneck))
        back = [bottleneck, *reversed(hidden)]
        self.decoder = nn.Sequential(*(m for a, b in zip(back, back[1:]) for m in (nn.Linear(a, b), nn.ReLU())))
        self.mean_head, self.dispersion_head, self.dropout_head = (nn.Linear(back[-1], n_genes) for _ in range(3))
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor, size_factors: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encoder(x)
        d = self.decoder(z)
        # exp of the clipped logit: MeanAct's clip(exp(x), 1e-5, 1e6) without the inf * 0 gradient of an overflow
        log_mean = self.mean_head(d).clamp(_LOG_MEAN_MIN, _LOG_MEAN_MAX)
        return {LATENT: z, MEAN: torch.exp(log_mean) * size_factors.unsqueeze(1),
                DISPERSION: nn.functional.softplus(self.dispersion_head(d)).clamp(1e-4, 1e4),
                DROPOUT_LOGITS: self.dropout_head(d)}

    loss = staticmethod(ZINBAutoencoder.loss)


def pretrain_dense(prep, xin: torch.Tensor, sf: torch.Tensor, cfg: ScDMACConfig, *, device: torch.device,
                   progress: bool = False) -> tuple[DenseZINBAutoencoder, dict[str, list[float]]]:
    """Pretrain :class:`DenseZINBAutoencoder` on the ZINB loss alone (scziDesk's ``pretrain``)."""
    module = DenseZINBAutoencoder(xin.shape[1], cfg.zinb.hidden, cfg.zinb.bottleneck).to(device)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    noise_sd = cfg.augment.noise_var**0.5 if cfg.augment.enabled else 0.0

    def step(idx: torch.Tensor, _step: int) -> LossOutput:
        xb = xin[idx] + noise_sd * torch.randn(xin[idx].shape, generator=gen, device=device)
        out = module(xb, sf[idx])
        return module.loss(count_rows(prep.counts, idx, device), out, dropout_ridge=cfg.zinb.dropout_ridge)

    module.train()
    history = fit(module.parameters(), step, n_obs=len(xin), cfg=cfg.zinb.train,
                  generator=torch.Generator().manual_seed(cfg.seed + 1), stage="pretrain (Dense ZINB AE)",
                  progress=progress, device=device)
    return module, history


def self_training_kl(z: torch.Tensor, dof: float = 1.0) -> torch.Tensor:
    """scziDesk's self-training loss on a minibatch ``z`` (n, d): a scalar summed over cell pairs.

    ``p_ij`` is the Student-t similarity of cells i and j (``dof`` degrees of freedom, j != i),
    normalized over j; the target ``q_ij`` is ``p_ij^2`` normalized over j; the loss is
    ``KL(Q || P)`` summed over all pairs, with the gradient through both (as ``network.py``).
    """
    kernel = (1.0 + clustering.squared_distances(z, z) / dof).pow(-(dof + 1.0) / 2.0)  # (n, n)
    kernel = kernel * (1.0 - torch.eye(len(z), device=z.device))
    p = kernel / kernel.sum(dim=1, keepdim=True)
    q = p.pow(2) / p.pow(2).sum(dim=1, keepdim=True)
    off = ~torch.eye(len(z), dtype=torch.bool, device=z.device)
    return (q[off] * (torch.log(q[off]) - torch.log(p[off]))).sum()


def label_change(before: np.ndarray, after: np.ndarray) -> float:
    """Share of cells whose label differs between two labelings of the same cells."""
    return float(np.mean(np.asarray(before) != np.asarray(after)))


def _embed(module: nn.Module, xin: torch.Tensor) -> torch.Tensor:
    """The bottleneck of every cell's clean input, in chunks (n, d)."""
    ones = torch.ones(min(len(xin), 4096), device=xin.device)
    return torch.cat([module(xin[i : i + 4096], ones[: len(xin[i : i + 4096])])[LATENT] for i in range(0, len(xin), 4096)])


def _nearest_centre(module: nn.Module, xin: torch.Tensor, centers: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return clustering.squared_distances(_embed(module, xin), centers).argmin(dim=1).cpu().numpy()


def _dec_finetune(module, prep, xin, sf, centers, cfg: ScDMACConfig, *, device, progress: bool):
    """scDeepCluster's fine-tune: ZINB + ``kl_weight`` x DEC's KL, the target refreshed on all cells."""
    cc = cfg.cluster
    gen = torch.Generator(device=device).manual_seed(cfg.seed + 30)
    noise_sd = cfg.augment.noise_var**0.5 if cfg.augment.enabled else 0.0
    target = {}

    def step(idx, step_i):
        if step_i % cc.target_update_steps == 0:
            with torch.no_grad():
                target["p"] = clustering.target_distribution(clustering.soft_assign(_embed(module, xin), centers, cc.dof))
        xb = xin[idx] + noise_sd * torch.randn(xin[idx].shape, generator=gen, device=device)
        out = module(xb, sf[idx])
        zinb = module.loss(count_rows(prep.counts, idx, device), out, dropout_ridge=cfg.zinb.dropout_ridge).loss
        kl = clustering.kl_divergence(target["p"][idx], clustering.soft_assign(out[LATENT], centers, cc.dof))
        return LossOutput(zinb + cc.kl_weight * kl, {"zinb_nll": zinb.item(), "clustering": kl.item()})

    return fit([*module.parameters(), centers], step, n_obs=len(xin), cfg=cc.train,
               generator=torch.Generator().manual_seed(cfg.seed + 31), stage="ZINB + dec fine-tune",
               progress=progress, device=device)


def _sczidesk_finetune(module, prep, xin, sf, centers, start_labels, cfg: ScDMACConfig, *, device, progress: bool):
    """scziDesk's fine-tune (``funetrain``): Adam on ZINB + ``kmeans_weight`` x soft k-means +
    ``kl_weight`` x self-training; every :data:`CHECK_EPOCHS` epochs the labels are compared with the
    previous check's (the first with k-means') and training stops when fewer than
    :data:`STABLE_CHANGE` of them changed, or at the step budget. Returns the loss history and the checks.
    """
    cc = cfg.cluster
    n = len(xin)
    optimizer = torch.optim.Adam([*module.parameters(), centers], lr=cc.train.lr, weight_decay=cc.train.weight_decay)
    batches = minibatches(n, cc.train.batch_size, torch.Generator().manual_seed(cfg.seed + 31))
    gen = torch.Generator(device=device).manual_seed(cfg.seed + 30)
    noise_sd = cfg.augment.noise_var**0.5 if cfg.augment.enabled else 0.0
    check_every = CHECK_EPOCHS * math.ceil(n / min(cc.train.batch_size, n))
    history: dict[str, list[float]] = {"loss": [], "zinb_nll": [], "clustering": [], "self_training": []}
    checks: dict[str, list[float]] = {"at_step": [], "label_change": [], "n_nonempty_clusters": []}
    last = start_labels
    for step_i in tqdm(range(1, step_budget(n, cc.train) + 1), desc="ZINB + soft k-means fine-tune",
                       disable=not progress, leave=False):
        idx = next(batches).to(device)
        xb = xin[idx] + noise_sd * torch.randn(xin[idx].shape, generator=gen, device=device)
        out = module(xb, sf[idx])
        zinb = module.loss(count_rows(prep.counts, idx, device), out, dropout_ridge=cfg.zinb.dropout_ridge).loss
        d2 = clustering.squared_distances(out[LATENT], centers)  # (batch, k)
        km = clustering.weighted_kmeans_loss(d2, clustering.inflate(clustering.soft_kmeans_weights(d2, cc.temperature),
                                                                    cc.inflation))
        st = self_training_kl(out[LATENT], cc.dof)
        loss = zinb + cc.kmeans_weight * km + cc.kl_weight * st
        if not torch.isfinite(loss):
            msg = f"scziDesk-style fine-tune: the loss became {loss.item()} at step {step_i}; check the input."
            raise FloatingPointError(msg)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        for key, value in zip(history, (loss, zinb, km, st)):
            history[key].append(value.item())
        if step_i % check_every == 0:
            labels = _nearest_centre(module, xin, centers)
            checks["at_step"].append(step_i)
            checks["label_change"].append(label_change(last, labels))
            checks["n_nonempty_clusters"].append(np.unique(labels).size)
            if checks["label_change"][-1] < STABLE_CHANGE:
                break
            last = labels
    return history, checks


def _zinb_cluster(x, cfg: ScDMACConfig, mode: str, *, progress: bool) -> MethodOutput:
    """Pretrain a ZINB AE, then fine-tune its bottleneck with DEC (``"dec"``) or scziDesk's losses."""
    device = resolve_device(cfg.device)
    timings = {}
    with thread_limit(cfg.n_threads), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(cfg.seed)
        t0 = time.perf_counter()
        prep = preprocess(x, cfg.preprocess, seed=cfg.seed)
        xin = torch.from_numpy(standardize(prep.lognorm)).to(device)
        sf = torch.from_numpy(prep.size_factors).to(device)
        if mode == "dec":
            den = denoise(prep, cfg, device=device, progress=progress)
            module, histories = den.module, {"denoise": den.history}
        else:
            module, pre_history = pretrain_dense(prep, xin, sf, cfg, device=device, progress=progress)
            histories = {"denoise": pre_history}
        timings["pretrain"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with torch.no_grad():
            z0 = _embed(module, xin).cpu().numpy()
        centers0, start_labels = initial_centers(z0, cfg.n_clusters, seed=cfg.seed, n_init=cfg.cluster.n_init)
        centers = torch.nn.Parameter(torch.from_numpy(centers0).to(device))
        module.train()
        if mode == "dec":
            histories["cluster"] = _dec_finetune(module, prep, xin, sf, centers, cfg, device=device, progress=progress)
        else:
            histories["cluster"], histories["cluster_checks"] = _sczidesk_finetune(
                module, prep, xin, sf, centers, start_labels, cfg, device=device, progress=progress)
        module.eval()
        with torch.no_grad():
            z = _embed(module, xin)
            labels = clustering.squared_distances(z, centers).argmin(dim=1).cpu().numpy()
        timings["cluster"] = time.perf_counter() - t0
    diagnostics = {"pretrain_steps": float(len(histories["denoise"]["loss"])),
                   "finetune_steps": float(len(histories["cluster"]["loss"])),
                   "start_nonempty_clusters": float(np.unique(start_labels).size),
                   "label_change_from_start": label_change(start_labels, labels)}
    return MethodOutput(labels, z.cpu().numpy(), timings, histories, diagnostics, config={"mode": mode})


def scdeepcluster(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
                  overrides: dict | None = None, **_) -> MethodOutput:
    """scDeepCluster-style: encoder 256-64-32, input noise sd 2.5, ZINB + DEC (KL weight 1)."""
    base = BASELINE_CONFIGS["scDeepCluster-style"]
    cfg = make_config(n_clusters, seed=seed, device=device, **{**base, **(overrides or {})})
    return _zinb_cluster(x, cfg, "dec", progress=progress)


def sczidesk(x, n_clusters: int, *, seed: int = 0, device: str = "auto", progress: bool = False,
             overrides: dict | None = None, **_) -> MethodOutput:
    """scziDesk-style: encoder 256-64-32, ZINB (ridge 1) + 0.001 x soft k-means + 0.001 x self-training."""
    base = BASELINE_CONFIGS["scziDesk-style"]
    cfg = make_config(n_clusters, seed=seed, device=device, **{**base, **(overrides or {})})
    return _zinb_cluster(x, cfg, "softkmeans", progress=progress)
