"""Neural modules: the ZINB denoising autoencoder and the masked autoencoder with mask predictor.

Modules see only tensors and return dicts keyed by the constants below; the pipeline functions in
the stages (:mod:`.denoise`, :mod:`.pretrain`, :mod:`.finetune`) own the conversion from arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from scdmac_lib.method.zinb import SparseCounts, zinb_nll, zinb_nll_sparse

LATENT = "latent"


MEAN = "mean"


DISPERSION = "dispersion"


DROPOUT_LOGITS = "dropout_logits"


MASK_LOGITS = "mask_logits"


RECONSTRUCTION = "reconstruction"


#: Dropout logit of the NB likelihood: pi = sigmoid(-30) ~ 1e-13, so the ZINB is the NB to float precision.
NB_DROPOUT_LOGIT = -30.0


@dataclass
class LossOutput:
    """A scalar loss to optimize plus its named parts (floats, for the history)."""

    loss: torch.Tensor
    parts: dict[str, float] = field(default_factory=dict)


def mlp(sizes: list[int], *, dropout: float = 0.0, last_activation: bool = True) -> nn.Sequential:
    """Linear -> LayerNorm -> GELU blocks; the last block is plain linear unless asked otherwise."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or last_activation:
            layers += [nn.LayerNorm(n_out), nn.GELU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class ZINBAutoencoder(nn.Module):
    """DCA-style autoencoder with mean, dispersion and dropout heads (paper Eq. 5-7).

    ``mean = size_factor * exp(D W_mu)``, ``dispersion = exp(D W_theta)``, ``dropout = sigmoid(D W_pi)``
    (kept as logits). With ``clamp_outputs`` the exponentials are clamped as DCA's MeanAct / DispAct.
    With ``likelihood="nb"`` there is no dropout head and the dropout logits are
    :data:`NB_DROPOUT_LOGIT` everywhere (a negative binomial).
    """

    def __init__(self, n_genes: int, hidden: tuple[int, ...], bottleneck: int, *, clamp_outputs: bool = True,
                 likelihood: str = "zinb"):
        super().__init__()
        self.encoder = mlp([n_genes, *hidden, bottleneck])
        self.decoder = mlp([bottleneck, *reversed(hidden)])
        width = hidden[0] if hidden else bottleneck
        self.mean_head = nn.Linear(width, n_genes)
        self.dispersion_head = nn.Linear(width, n_genes)
        self.dropout_head = nn.Linear(width, n_genes) if likelihood == "zinb" else None
        self.clamp_outputs = clamp_outputs

    def forward(self, x: torch.Tensor, size_factors: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encoder(x)
        d = self.decoder(z)
        log_scale = self.mean_head(d)
        log_theta = self.dispersion_head(d)
        if self.clamp_outputs:
            scale = torch.exp(log_scale).clamp(1e-5, 1e6)
            theta = torch.exp(log_theta).clamp(1e-4, 1e4)
        else:
            scale, theta = torch.exp(log_scale), torch.exp(log_theta)
        return {
            LATENT: z,
            MEAN: scale * size_factors.unsqueeze(1),
            DISPERSION: theta,
            DROPOUT_LOGITS: (self.dropout_head(d) if self.dropout_head is not None
                             else torch.full_like(log_scale, NB_DROPOUT_LOGIT)),
        }

    @staticmethod
    def loss(counts: torch.Tensor | SparseCounts, out: dict[str, torch.Tensor], *, dropout_ridge: float = 0.0) -> LossOutput:
        """ZINB negative log-likelihood of the raw counts (Eq. 8), dense or :class:`SparseCounts`.

        ``dropout_ridge`` adds DCA's penalty ``lambda * mean(pi^2)``, which makes the model explain
        zeros by a low mean rather than by dropout where both fit.
        """
        nll_fn = zinb_nll_sparse if isinstance(counts, SparseCounts) else zinb_nll
        nll = nll_fn(counts, out[MEAN], out[DISPERSION], out[DROPOUT_LOGITS])
        if dropout_ridge > 0:
            ridge = torch.sigmoid(out[DROPOUT_LOGITS]).square().mean()
            return LossOutput(nll + dropout_ridge * ridge, {"zinb_nll": nll.item(), "dropout_ridge": ridge.item()})
        return LossOutput(nll, {"zinb_nll": nll.item()})


class MaskedAutoencoder(nn.Module):
    """Encoder -> embedding Z; mask predictor M'; decoder on ``[Z, M']`` (Eq. 11-15).

    The decoder maps Z to the genes (one linear layer by default, as in scMAE, or a mirrored MLP)
    and adds, per gene, a learned multiple of that gene's predicted corruption probability
    ``sigmoid(M')``: a linear layer on ``[Z, M']`` whose ``M'`` block is diagonal. With
    ``use_mask_predictor=False`` (scDMAC-P) the decoder sees Z alone and there is no mask loss.

    The mask predictor is a linear layer (Eq. 12) on what ``mask_predictor_input`` names:
    ``"latent"`` Z (the paper's figure), ``"hidden"`` the encoder's first hidden layer, ``"input"``
    Z plus the corrupted entry itself (``[Z, X_M]`` with the ``X_M`` block diagonal: entry ``ij`` is
    compared with a threshold that depends on the cell), or ``"residual"`` Z plus a learned
    per-gene multiple of ``(x_ij - e_ij(Z))^2``, the squared distance of the entry from the value
    its cell's Z leads to expect.
    """

    def __init__(
        self, n_genes: int, hidden: tuple[int, ...], latent: int, *, dropout: float = 0.0,
        input_dropout: float = 0.0, linear_decoder: bool = True, use_mask_predictor: bool = True,
        mask_predictor_input: str = "latent",
    ):
        super().__init__()
        if mask_predictor_input == "hidden" and not hidden:
            msg = "mask_predictor_input='hidden' needs at least one hidden encoder layer (mae.hidden)."
            raise ValueError(msg)
        self.encoder = nn.Sequential(
            nn.Dropout(input_dropout), mlp([n_genes, *hidden, latent], dropout=dropout, last_activation=False)
        )
        self._first_block = 4 if dropout > 0 else 3  # Linear, LayerNorm, GELU (, Dropout) of the first layer
        self.mask_predictor_input = mask_predictor_input
        self.mask_predictor = None
        if use_mask_predictor:
            width = hidden[0] if mask_predictor_input == "hidden" else latent
            self.mask_predictor = nn.Linear(width, n_genes)
            if mask_predictor_input == "input":
                self.input_gain = nn.Parameter(torch.zeros(n_genes))
            if mask_predictor_input == "residual":
                self.expected = nn.Linear(latent, n_genes)  # each entry's value expected from its cell's Z
                self.residual_scale = nn.Parameter(torch.zeros(n_genes))
        self.mask_gain = nn.Parameter(torch.zeros(n_genes)) if use_mask_predictor else None
        if linear_decoder:
            self.decoder = nn.Linear(latent, n_genes)
        else:
            self.decoder = nn.Sequential(
                mlp([latent, *reversed(hidden)], dropout=dropout), nn.Linear(hidden[0], n_genes)
            )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The embedding Z used for clustering."""
        return self.encoder(x)

    def _encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Z, and the first hidden layer's activations when the mask predictor reads them."""
        if self.mask_predictor is None or self.mask_predictor_input != "hidden":
            return self.encoder(x), None
        body = self.encoder[1]
        first = body[: self._first_block](self.encoder[0](x))
        return body[self._first_block :](first), first

    def _mask_logits(self, x_masked: torch.Tensor, z: torch.Tensor, first: torch.Tensor | None) -> torch.Tensor:
        """M' as logits (cells x genes)."""
        logits = self.mask_predictor(first if first is not None else z)
        if self.mask_predictor_input == "input":
            logits = logits + self.input_gain * x_masked
        elif self.mask_predictor_input == "residual":
            surprise = (x_masked - self.expected(z)).pow(2)  # how far each entry is from its context
            logits = logits + nn.functional.softplus(self.residual_scale) * surprise
        return logits

    def forward(self, x_masked: torch.Tensor) -> dict[str, torch.Tensor]:
        z, first = self._encode(x_masked)
        out = {LATENT: z}
        reconstruction = self.decoder(z)
        if self.mask_predictor is not None:
            logits = self._mask_logits(x_masked, z, first)
            out[MASK_LOGITS] = logits
            reconstruction = reconstruction + self.mask_gain * torch.sigmoid(logits)
        out[RECONSTRUCTION] = reconstruction
        return out

    def loss_terms(
        self, x: torch.Tensor, mask: torch.Tensor, out: dict[str, torch.Tensor], *, recon_weight: float
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Weighted MSE (Eq. 13-14) and the mask predictor's BCE (Eq. 12; ``None`` without one).

        Entry weights are ``lambda`` where ``M = 1`` (masked) and ``1 - lambda`` elsewhere.
        """
        weights = (1.0 - recon_weight) + (2.0 * recon_weight - 1.0) * mask
        rec = (weights * (out[RECONSTRUCTION] - x).square()).mean()
        if self.mask_predictor is None:
            return rec, None
        return rec, nn.functional.binary_cross_entropy_with_logits(out[MASK_LOGITS], mask)

    def loss(
        self, x: torch.Tensor, mask: torch.Tensor, out: dict[str, torch.Tensor], *,
        recon_weight: float, mask_loss_weight: float, loss_mix: str = "convex",
    ) -> LossOutput:
        """Eq. 15: ``(1 - gamma) * weighted MSE + gamma * BCE`` (``loss_mix="convex"``) or
        ``weighted MSE + gamma * BCE`` (``"additive"``); the MSE alone without a predictor.
        """
        rec, bce = self.loss_terms(x, mask, out, recon_weight=recon_weight)
        if bce is None:
            return LossOutput(rec, {"reconstruction": rec.item()})
        rec_weight = 1.0 - mask_loss_weight if loss_mix == "convex" else 1.0
        total = rec_weight * rec + mask_loss_weight * bce
        return LossOutput(total, {"reconstruction": rec.item(), "mask_bce": bce.item()})
