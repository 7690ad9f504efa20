"""Stage 2, masked pretraining (paper Eq. 9-15): the masked autoencoder with its mask predictor on X_z."""

from __future__ import annotations

import numpy as np
import torch

from scdmac_lib.method.config import ScDMACConfig
from scdmac_lib.method.devices import EVAL_BATCH, batched, seeded_generators
from scdmac_lib.method.masking import corrupt
from scdmac_lib.method.networks import MASK_LOGITS, RECONSTRUCTION, LossOutput, MaskedAutoencoder
from scdmac_lib.method.training import fit


def mae_step_terms(module: MaskedAutoencoder, xb: torch.Tensor, cfg: ScDMACConfig, gen: torch.Generator):
    x_masked, mask = corrupt(xb, cfg.mae.mask_ratio, gen)
    out = module(x_masked)
    return module.loss_terms(xb, mask, out, recon_weight=cfg.mae.recon_weight)


def train_mae(x: torch.Tensor, cfg: ScDMACConfig, *, device: torch.device, progress: bool = False):
    """Pretrain the masked autoencoder on ``x`` (cells x genes, model input scale); returns (module, history)."""
    mc = cfg.mae
    module = MaskedAutoencoder(x.shape[1], mc.hidden, mc.latent, dropout=mc.dropout,
                               input_dropout=mc.input_dropout, linear_decoder=mc.linear_decoder,
                               use_mask_predictor=mc.use_mask_predictor,
                               mask_predictor_input=mc.mask_predictor_input).to(device)
    batch_gen, mask_gen = seeded_generators(cfg.seed + 10, device)

    def step(idx: torch.Tensor, _step: int) -> LossOutput:
        xb = x[idx]
        x_masked, mask = corrupt(xb, mc.mask_ratio, mask_gen)
        return module.loss(xb, mask, module(x_masked), recon_weight=mc.recon_weight,
                           mask_loss_weight=mc.mask_loss_weight, loss_mix=mc.loss_mix)

    module.train()
    history = fit(module.parameters(), step, n_obs=len(x), cfg=mc.train, generator=batch_gen,
                  stage="masked autoencoder", progress=progress, device=device)
    module.eval()
    return module, history


@torch.no_grad()
def embed(module: MaskedAutoencoder, x: torch.Tensor) -> torch.Tensor:
    """Embedding Z of every cell from the clean input, in eval mode."""
    was_training = module.training
    module.eval()
    z = torch.cat(batched(module.embed, x))
    module.train(was_training)
    return z


@torch.no_grad()
def mae_diagnostics(module: MaskedAutoencoder, x: torch.Tensor, cfg: ScDMACConfig) -> dict[str, float]:
    """Label-free checks of the masked stage: mask-predictor AUC and masked vs kept reconstruction error."""
    from sklearn.metrics import roc_auc_score

    gen = torch.Generator(device=x.device).manual_seed(cfg.seed + 99)
    x_masked, mask = corrupt(x[:EVAL_BATCH], cfg.mae.mask_ratio, gen)
    out = module(x_masked)
    err = (out[RECONSTRUCTION] - x[:EVAL_BATCH]).pow(2)
    m = mask.bool()
    diag = {
        "mse_masked": err[m].mean().item() if m.any() else float("nan"),
        "mse_kept": err[~m].mean().item() if (~m).any() else float("nan"),
    }
    if MASK_LOGITS in out and 0 < mask.mean().item() < 1:
        flat_mask = mask.flatten().cpu().numpy()
        flat_logits = out[MASK_LOGITS].flatten().cpu().numpy()
        rows = np.random.default_rng(cfg.seed).choice(flat_mask.size, min(200_000, flat_mask.size), replace=False)
        diag["mask_auc"] = float(roc_auc_score(flat_mask[rows], flat_logits[rows]))
    return diag
