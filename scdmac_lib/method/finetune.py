"""Stage 3, the clustering fine-tune (paper Eq. 16-23): weighted soft k-means and Student-t self-training."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from scdmac_lib.method import clustering
from scdmac_lib.method.config import ScDMACConfig
from scdmac_lib.method.devices import seeded_generators
from scdmac_lib.method.networks import LossOutput, MaskedAutoencoder
from scdmac_lib.method.pretrain import embed, mae_step_terms
from scdmac_lib.method.training import fit


@dataclass
class ClusterResult:
    """Output of the clustering fine-tune (Eq. 16-23)."""

    embedding: np.ndarray  # Z after fine-tuning (n, d)
    labels: np.ndarray  # argmax of q (or of the inflated weights) (n,)
    initial_labels: np.ndarray  # k-means on the pretrained embedding (n,)
    initial_centers: np.ndarray  # its centers (k, d)
    q: np.ndarray  # Student-t soft assignment (n, k)
    weights: np.ndarray  # inflated soft k-means weights (n, k)
    centers: np.ndarray  # (k, d)
    history: dict[str, list[float]] = field(default_factory=dict)


def initial_centers(z: np.ndarray, n_clusters: int, *, seed: int, n_init: int) -> tuple[np.ndarray, np.ndarray]:
    """k-means on the embedding: (centers, labels)."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters, n_init=n_init, random_state=seed).fit(z)
    return km.cluster_centers_.astype(np.float32), km.labels_


def weighted_mean_centers(z: torch.Tensor, w: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """Eq. 17: ``c_k = sum_i w_ik z_i / sum_i w_ik``; a center with no weight keeps its place."""
    mass = w.sum(dim=0)  # (k,)
    updated = (w.T @ z) / mass.clamp_min(1e-12).unsqueeze(1)
    return torch.where((mass > 1e-6).unsqueeze(1), updated, centers)


def finetune_clusters(
    module: MaskedAutoencoder, x: torch.Tensor, cfg: ScDMACConfig, *, device: torch.device, progress: bool = False
) -> ClusterResult:
    """Fine-tune encoder and centers on alpha*L_rec + beta*L_mask + phi*L_wkm + theta*L_KL (Eq. 23).

    Centers start from k-means on Z. The target p is refreshed on all cells every
    ``target_update_steps`` steps, as in DEC. With ``cluster.center_update="adam"`` the centers are
    parameters: their gradient step on the weighted k-means loss (weights detached) moves them
    towards the weighted means of Eq. 17. With ``"closed_form"`` they are set to those weighted
    means at every refresh, and only the encoder is trained.
    """
    cc = cfg.cluster
    z0 = embed(module, x).cpu().numpy()
    centers0, init_labels = initial_centers(z0, cfg.n_clusters, seed=cfg.seed, n_init=cc.n_init)
    closed_form = cc.center_update == "closed_form"
    centers = torch.tensor(centers0, device=device)  # a copy: centers0 stays the k-means start
    if not closed_form:
        centers = torch.nn.Parameter(centers)
    batch_gen, mask_gen = seeded_generators(cfg.seed + 20, device)
    target: dict[str, torch.Tensor] = {}

    def refresh() -> None:
        z_all = embed(module, x)
        with torch.no_grad():
            if closed_form:
                w = clustering.inflate(clustering.soft_kmeans_weights(clustering.squared_distances(z_all, centers), cc.temperature),
                               cc.inflation)
                centers.copy_(weighted_mean_centers(z_all, w, centers))
            target["p"] = clustering.target_distribution(clustering.soft_assign(z_all, centers, cc.dof))

    def step(idx: torch.Tensor, step_i: int) -> LossOutput:
        if step_i % cc.target_update_steps == 0:
            refresh()
        xb = x[idx]
        rec, bce = mae_step_terms(module, xb, cfg, mask_gen)
        z = module.embed(xb)
        d2 = clustering.squared_distances(z, centers)
        w = clustering.inflate(clustering.soft_kmeans_weights(d2.detach(), cc.temperature), cc.inflation)
        wkm = clustering.weighted_kmeans_loss(d2, w)
        kl = clustering.kl_divergence(target["p"][idx], clustering.soft_assign(z, centers, cc.dof))
        total = cc.rec_weight * rec + cc.kmeans_weight * wkm + cc.kl_weight * kl
        parts = {"reconstruction": rec.item(), "weighted_kmeans": wkm.item(), "kl": kl.item()}
        if bce is not None:
            total = total + cc.mask_weight * bce
            parts["mask_bce"] = bce.item()
        return LossOutput(total, parts)

    module.train()
    params = [*module.parameters()] + ([] if closed_form else [centers])
    history = fit(params, step, n_obs=len(x), cfg=cc.train, generator=batch_gen,
                  stage="clustering fine-tune", progress=progress, device=device)
    z = embed(module, x)
    with torch.no_grad():
        q = clustering.soft_assign(z, centers, cc.dof)
        w = clustering.inflate(clustering.soft_kmeans_weights(clustering.squared_distances(z, centers), cc.temperature), cc.inflation)
    labels = (q if cc.label_source == "q" else w).argmax(dim=1)
    return ClusterResult(z.cpu().numpy(), labels.cpu().numpy(), init_labels, centers0, q.cpu().numpy(),
                         w.cpu().numpy(), centers.detach().cpu().numpy(), history)


def cluster_sizes(labels, n_clusters: int) -> dict[str, float]:
    """Label-free checks of a partition: non-empty clusters, the smallest and largest cluster."""
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    return {"n_nonempty_clusters": int(counts.size), "empty_clusters": int(n_clusters - counts.size),
            "smallest_cluster": int(counts.min()), "largest_cluster_fraction": float(counts.max() / counts.sum())}
