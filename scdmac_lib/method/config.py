"""Frozen configuration of every stage, the ablation variants and the named profiles.

Each default cites where it comes from: the paper (Xu et al., 2026, section and equation), the
method it descends from (DCA, scziDesk, DEC, scMAE), or this project's own choice, documented in the
book's methods page. Build configs with :func:`make_config` so an unknown key fails loudly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

Device = Literal["auto", "cpu", "cuda", "mps"]
StopReason = Literal["plateau", "epochs", "max_steps", "min_steps"]


@dataclass(frozen=True)
class PreprocessConfig:
    """Preprocessing (paper Section 2, Eq. 1-2)."""

    target_sum: float = 1e4  # paper Eq. 1: s0 = 10,000
    n_top_genes: int = 2000  # paper: "HVGs selected using Scanpy"; count unstated, 2000 is usual
    # paper: Scanpy's defaults ('seurat', on log values); the method study's page checks it against the rule
    hvg_flavor: Literal["seurat_v3", "seurat", "cell_ranger"] = "seurat"
    n_neighbors: int = 15  # paper: cosine kNN graph; k unstated (k=15-30 for graph baselines)
    scale: bool = True  # project choice: z-score genes of the log1p input to the masked stage


@dataclass(frozen=True)
class AugmentConfig:
    """Training-input augmentations of the denoising stage (paper Section 2)."""

    enabled: bool = True
    mask_rate: float = 0.1  # paper: 10% of genes set to zero
    noise_var: float = 0.6  # paper: Gaussian noise of variance 0.6 (on the log-normalized scale)
    swap_rate: float = 0.2  # paper: swap with a kNN neighbour at a ratio of 0.2
    before_scaling: bool = False  # True: augment the log values, then z-score (a masked zero = no expression)


@dataclass(frozen=True)
class TrainConfig:
    """Optimizer budget of one stage, in steps (tiny datasets fit one minibatch)."""

    lr: float = 1e-3  # Adam, as for every deep baseline in the paper
    batch_size: int = 256
    epochs: int = 100  # upper bound expressed in passes over the data
    min_steps: int = 100  # floor so that a 200-cell dataset still trains
    # ceiling: the default command's budget; the paper profile's is longer (runs.profiles.PAPER_BUDGET),
    # and the method study's page checks these defaults against its rule 6
    max_steps: int = 300
    patience: int = 200  # steps without 0.1% improvement of the smoothed loss before stopping
    weight_decay: float = 0.0


def epoch_steps(n_obs: int, cfg: TrainConfig) -> int:
    """Optimizer steps that ``cfg.epochs`` passes over ``n_obs`` cells take (one minibatch is one step)."""
    return cfg.epochs * math.ceil(n_obs / min(cfg.batch_size, n_obs))


def stop_reason(n_steps: int, n_obs: int, cfg: TrainConfig) -> StopReason:
    """Why a stage trained by :func:`scdmac_lib.method.training.fit` stopped after ``n_steps`` steps.

    Derived after the fact from the length of its loss history, as ``fit`` decides it: its budget is
    :func:`epoch_steps` clipped to ``[cfg.min_steps, cfg.max_steps]`` (``training.step_budget``); a run
    shorter than the budget stopped on a loss plateau (``"plateau"``); one that ran the whole budget
    stopped at the epoch count (``"epochs"``), at the ceiling that cut the epochs short
    (``"max_steps"``) or at the floor that extended them (``"min_steps"``). A plateau reached on the
    budget's last step counts as the budget: the run would have ended there anyway.

    Examples
    --------
    >>> stop_reason(100, 249, TrainConfig())  # 249 cells: one minibatch per epoch, 100 epochs
    'epochs'
    >>> stop_reason(300, 5000, TrainConfig())  # 20 minibatches per epoch: the ceiling of 300 steps
    'max_steps'
    """
    if n_obs < 1 or n_steps < 1:
        msg = f"stop_reason needs at least one cell and one step (got n_obs={n_obs}, n_steps={n_steps})."
        raise ValueError(msg)
    by_epochs = epoch_steps(n_obs, cfg)
    budget = min(max(by_epochs, cfg.min_steps), cfg.max_steps)
    if n_steps > budget:
        msg = (f"{n_steps} steps exceed the budget of {budget} steps this TrainConfig gives {n_obs} cells "
               f"(epochs={cfg.epochs}, min_steps={cfg.min_steps}, max_steps={cfg.max_steps}): pass the stage's own config.")
        raise ValueError(msg)
    if n_steps < budget:
        return "plateau"
    if by_epochs == budget:
        return "epochs"
    return "max_steps" if by_epochs > budget else "min_steps"


@dataclass(frozen=True)
class ZINBAEConfig:
    """ZINB denoising autoencoder (paper Eq. 3-8; DCA architecture)."""

    hidden: tuple[int, ...] = (256,)  # project choice: wider than DCA's 64-32-64 so that a step
    bottleneck: int = 64  # budget suffices (DCA itself trains for hundreds of epochs)
    clamp_outputs: bool = True  # DCA's MeanAct/DispAct clamps (exp outputs kept in [1e-5, 1e6] / [1e-4, 1e4])
    scale_input: bool = True  # project choice (as DCA): z-score genes of the log1p input to the ZINB AE
    likelihood: Literal["zinb", "nb"] = "zinb"  # paper Eq. 3-4: ZINB; "nb" drops the dropout head (pi = 0)
    dropout_ridge: float = 0.0  # DCA's ridge penalty lambda * mean(pi^2) on the dropout probability
    output: Literal["mu", "zinb_mean"] = "mu"  # Xz from the NB mean mu (DCA) or the ZINB mean (1 - pi) mu
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class MAEConfig:
    """Masked autoencoder with mask predictor and weighted reconstruction (paper Eq. 9-15)."""

    hidden: tuple[int, ...] = (256, 128)  # paper: F encoder layers, sizes unstated
    latent: int = 32  # paper: "latent dimensionality 10-32"
    dropout: float = 0.1
    input_dropout: float = 0.0
    linear_decoder: bool = True  # project choice (as scMAE): a linear decoder keeps Z k-means friendly
    mask_ratio: float = 0.3  # paper Fig. 5: best at 0.2-0.3
    recon_weight: float = 0.7  # paper Eq. 14 lambda; Fig. 6 peak at 0.7
    mask_loss_weight: float = 0.65  # paper Eq. 15 gamma_m; Fig. 7 peak at 0.65
    use_mask_predictor: bool = True  # False = scDMAC-P
    mask_predictor_input: Literal["latent", "hidden", "input", "residual"] = "latent"  # paper: linear on Z
    loss_mix: Literal["convex", "additive"] = "convex"  # Eq. 15: (1-g) L_rec + g L_mask, or L_rec + g L_mask
    # what the masked stage reads: the paper's X_z ("denoised"). "zinb_bottleneck" is a counterfactual
    # of the stage diagnosis, NOT the paper's method: the ZINB autoencoder's code of each cell instead
    input: Literal["denoised", "zinb_bottleneck"] = "denoised"
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass(frozen=True)
class ClusterConfig:
    """Weighted soft k-means + Student-t self-training fine-tune (paper Eq. 16-23)."""

    temperature: float = 1.0  # paper Eq. 18-19 "hyperparameter (default 1)": softmax scale
    inflation: float = 1.0  # Eq. 19 inflation exponent ("default 1" in the text; scziDesk squares: 2)
    dof: float = 1.0  # paper Eq. 20: t = 1
    rec_weight: float = 1.0  # paper Eq. 23 alpha
    mask_weight: float = 1.0  # paper Eq. 23 beta (relative to the MAE loss mix of Eq. 15)
    kmeans_weight: float = 0.1  # paper Eq. 23 phi
    kl_weight: float = 0.1  # paper Eq. 23 theta
    target_update_steps: int = 50  # refresh the target distribution p every this many steps
    n_init: int = 20  # k-means restarts for the initial centers
    label_source: Literal["q", "w"] = "q"
    center_update: Literal["adam", "closed_form"] = "adam"  # Eq. 17: gradient steps or weighted means
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(lr=1e-4, epochs=30, min_steps=100, max_steps=100)
    )


@dataclass(frozen=True)
class ScDMACConfig:
    """The whole method. ``denoise=False`` is the scDMAC-Z ablation."""

    n_clusters: int
    seed: int = 0
    device: Device = "auto"
    denoise: bool = True  # False = scDMAC-Z: the masked stage runs on log-normalized counts
    n_threads: int | None = None  # torch CPU threads; None = torch's default
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    zinb: ZINBAEConfig = field(default_factory=ZINBAEConfig)
    mae: MAEConfig = field(default_factory=MAEConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)


VARIANTS: dict[str, dict[str, Any]] = {
    "scDMAC": {},
    "scDMAC-Z": {"denoise": False},  # paper 3.4: without the denoising module
    "scDMAC-W": {"mae.recon_weight": 0.5},  # without weighted reconstruction
    "scDMAC-P": {"mae.use_mask_predictor": False},  # without the mask predictor
}


def _flatten(obj, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            out.update(_flatten(value, key + "."))
        else:
            out[key] = value
    return out


def config_keys() -> list[str]:
    """All settable dotted keys, e.g. ``"mae.mask_ratio"`` or ``"zinb.train.lr"``."""
    return sorted(_flatten(ScDMACConfig(n_clusters=2)))


def _replace(obj, parts: list[str], value):
    head, rest = parts[0], parts[1:]
    names = {f.name for f in dataclasses.fields(obj)}
    if head not in names:
        raise KeyError(head)
    if rest:
        return dataclasses.replace(obj, **{head: _replace(getattr(obj, head), rest, value)})
    current = getattr(obj, head)
    if isinstance(current, tuple) and isinstance(value, list):
        value = tuple(value)
    return dataclasses.replace(obj, **{head: value})


def make_config(n_clusters: int, *, variant: str = "scDMAC", **overrides: Any) -> ScDMACConfig:
    """Build a config from dotted overrides, applied on top of a named ablation variant.

    Examples
    --------
    >>> cfg = make_config(5, variant="scDMAC-W", **{"mae.mask_ratio": 0.2})
    >>> cfg.mae.recon_weight, cfg.mae.mask_ratio
    (0.5, 0.2)
    """
    if variant not in VARIANTS:
        msg = f"unknown variant {variant!r}; choose one of {sorted(VARIANTS)}."
        raise ValueError(msg)
    cfg = ScDMACConfig(n_clusters=n_clusters)
    for key, value in {**VARIANTS[variant], **overrides}.items():
        try:
            cfg = _replace(cfg, key.split("."), value)
        except KeyError:
            msg = f"unknown config key {key!r}; valid keys are: {', '.join(config_keys())}."
            raise ValueError(msg) from None
    return cfg


def to_dict(cfg) -> dict[str, Any]:
    """Nested plain dict of a config (JSON-ready)."""
    return dataclasses.asdict(cfg)


def flat_dict(cfg) -> dict[str, Any]:
    """Flat ``{dotted.key: value}`` view of a config."""
    return _flatten(cfg)


def from_dict(data: dict[str, Any]) -> ScDMACConfig:
    """Inverse of :func:`to_dict` (tuples restored from JSON lists)."""
    flat = {}

    def walk(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                flat[f"{prefix}{k}"] = v

    walk(data)
    n_clusters = flat.pop("n_clusters")
    return make_config(n_clusters, **flat)
