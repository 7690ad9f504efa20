"""Figures 1-3 of the paper, drawn from the actual configuration.

:func:`flowchart` (Fig. 1, the whole method), :func:`zinb_diagram` (Fig. 2, the ZINB denoising
autoencoder) and :func:`mae_diagram` (Fig. 3, the masked autoencoder with its mask predictor) take an
:class:`~scdmac_lib.method.config.ScDMACConfig` and write its layer sizes and loss weights on the boxes, so
a changed config changes the picture. Plain matplotlib boxes and arrows; each function takes
``ax=`` and returns the Figure (the caller saves it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import matplotlib.axes
    import matplotlib.figure

    from scdmac_lib.method.config import ScDMACConfig


COLORS = {
    "data": "#e8eef7",
    "prep": "#fdf1d6",
    "zinb": "#dcefdc",
    "mask": "#f8dede",
    "mae": "#e6e0f3",
    "cluster": "#fbe3c8",
    "loss": "#f2f2f2",
    "off": "#ffffff",
}


FONT = 10


def _axes(ax, size: tuple[float, float], xlim: tuple[float, float], ylim: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
    else:
        fig = ax.figure
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    return fig, ax


def _box(ax: matplotlib.axes.Axes, x: float, y: float, w: float, h: float, text: str, color: str, *,
         fontsize: float = FONT, dashed: bool = False, weight: str = "normal") -> tuple[float, float, float, float]:
    """A rounded box centred on (x, y); returns (x, y, w, h) for arrows."""
    from matplotlib.patches import FancyBboxPatch

    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor=color, edgecolor="#333333", linewidth=1.2, linestyle="--" if dashed else "-",
    )
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, wrap=False, weight=weight,
            linespacing=1.3)
    return (x, y, w, h)


def _anchor(box, side: str) -> tuple[float, float]:
    x, y, w, h = box
    return {
        "left": (x - w / 2, y), "right": (x + w / 2, y),
        "top": (x, y + h / 2), "bottom": (x, y - h / 2),
    }[side]


def _arrow(ax, start, end, text: str | None = None, *, offset: tuple[float, float] = (0, 0.12),
           style: str = "-|>", color: str = "#333333", connection: str = "arc3") -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": style, "color": color, "lw": 1.4, "shrinkA": 2, "shrinkB": 2,
                            "connectionstyle": connection})
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="bottom", fontsize=FONT - 1, color=color, style="italic")


def _sizes(sizes) -> str:
    return " \u2192 ".join(str(s) for s in sizes)


def flowchart(cfg: ScDMACConfig, ax=None) -> matplotlib.figure.Figure:
    """Fig. 1: the scDMAC pipeline, with the settings of ``cfg`` on each box."""
    fig, ax = _axes(ax, (13, 6.2), (0, 13), (0, 6.2))
    pp, au, zi, ma, cl = cfg.preprocess, cfg.augment, cfg.zinb, cfg.mae, cfg.cluster
    w, h = 2.8, 1.9
    top, bottom = 4.6, 1.55
    xs = [1.6, 4.75, 7.9, 11.2]

    b_raw = _box(ax, xs[0], top, w, h, "Raw counts X\ncells \u00d7 genes\n(kept for the ZINB\nlikelihood)",
                 COLORS["data"])
    b_pp = _box(ax, xs[1], top, w, h,
                f"Preprocess (Eq. 1-2)\nsize factors s\u1d62; normalize\nto {pp.target_sum:,.0f}; "
                f"{pp.n_top_genes} HVGs\n({pp.hvg_flavor}); log1p\ncosine kNN, k = {pp.n_neighbors}",
                COLORS["prep"])
    if au.enabled:
        aug_text = (f"Augment (training input)\nmask {au.mask_rate:.0%} of genes\n"
                    f"Gaussian noise, var {au.noise_var:g}\nkNN swap, rate {au.swap_rate:g}")
    else:
        aug_text = "Augment\n(off in this config)"
    b_aug = _box(ax, xs[2], top, w, h, aug_text, COLORS["prep"], dashed=not au.enabled)
    if cfg.denoise:
        zinb_text = (f"ZINB denoising AE (Eq. 3-8)\n{_sizes((pp.n_top_genes, *zi.hidden, zi.bottleneck))}\n"
                     "heads \u03bc, \u03b8, \u03c0; ZINB NLL\n\u2192 denoised X_z (log1p)")
    else:
        zinb_text = "ZINB denoising: skipped\n(scDMAC-Z): X_z = log-\nnormalized X"
    b_zinb = _box(ax, xs[3], top, w, h, zinb_text, COLORS["zinb"], dashed=not cfg.denoise)

    b_cor = _box(ax, xs[3], bottom, w, h,
                 f"Corrupt (Eq. 9-10)\nshuffle each gene across\ncells \u2192 X'; M ~ Bernoulli({ma.mask_ratio:g})\n"
                 "X_M = M\u2299X' + (1\u2212M)\u2299X_z\nfresh mask every epoch",
                 COLORS["mask"], fontsize=FONT - 0.5)
    pred = (f"mask predictor M' (BCE,\n\u03b3_m = {ma.mask_loss_weight:g})" if ma.use_mask_predictor
            else "no mask predictor\n(scDMAC-P)")
    b_mae = _box(ax, xs[2], bottom, w, h,
                 f"Masked AE (Eq. 11-15)\nencoder {_sizes((*ma.hidden, ma.latent))}\n"
                 f"Z \u2208 R^{ma.latent}; {pred}\nweighted MSE, \u03bb = {ma.recon_weight:g}",
                 COLORS["mae"], fontsize=FONT - 0.5)
    b_clu = _box(ax, xs[1], bottom, w, h,
                 f"Cluster (Eq. 16-23)\nk-means init, k = {cfg.n_clusters}\n"
                 f"weighted soft k-means (r = {cl.inflation:g})\nStudent-t q (dof {cl.dof:g}), KL(P\u2016Q)\n"
                 f"\u03b1={cl.rec_weight:g} \u03b2={cl.mask_weight:g} \u03c6={cl.kmeans_weight:g} "
                 f"\u03b8={cl.kl_weight:g}",
                 COLORS["cluster"], fontsize=FONT - 0.5)
    b_lab = _box(ax, xs[0], bottom, w, h,
                 f"Cluster labels\nargmax of {cl.label_source}\n+ embedding Z", COLORS["data"], weight="bold")

    _arrow(ax, _anchor(b_raw, "right"), _anchor(b_pp, "left"))
    _arrow(ax, _anchor(b_pp, "right"), _anchor(b_aug, "left"))
    _arrow(ax, _anchor(b_aug, "right"), _anchor(b_zinb, "left"))
    _arrow(ax, _anchor(b_zinb, "bottom"), _anchor(b_cor, "top"), "X_z", offset=(0.35, -0.1))
    _arrow(ax, _anchor(b_cor, "left"), _anchor(b_mae, "right"), "X_M")
    _arrow(ax, _anchor(b_mae, "left"), _anchor(b_clu, "right"), "Z")
    _arrow(ax, _anchor(b_clu, "left"), _anchor(b_lab, "right"))
    ax.text(6.5, 6.05, f"Fig. 1  scDMAC pipeline (variant settings: denoise={cfg.denoise}, "
            f"mask predictor={ma.use_mask_predictor}, \u03bb={ma.recon_weight:g})",
            ha="center", va="top", fontsize=FONT + 2, weight="bold")
    ax.text(6.5, 0.25, "Stages 1-3 are trained one after the other; the clustering stage fine-tunes the "
            "masked AE's encoder and the centers.", ha="center", fontsize=FONT - 1, color="#555555")
    return fig


def _layer_column(ax, x: float, size: int, label: str, color: str, *, max_size: int, y: float = 3.0,
                  width: float = 0.9, fontsize: float = FONT) -> tuple[float, float, float, float]:
    """A box whose height grows with the log of the layer width."""
    import math

    height = 1.2 + 3.3 * math.log(max(size, 2)) / math.log(max(max_size, 3))
    return _box(ax, x, y, width, height, label, color, fontsize=fontsize)


def zinb_diagram(cfg: ScDMACConfig, ax=None) -> matplotlib.figure.Figure:
    """Fig. 2: the ZINB denoising autoencoder, layer sizes from ``cfg.zinb`` and ``cfg.preprocess``."""
    zi = cfg.zinb
    n_genes = cfg.preprocess.n_top_genes
    encoder = list(zi.hidden)
    decoder = list(reversed(zi.hidden))
    n_cols = 1 + len(encoder) + 1 + len(decoder)
    step = 1.55
    xmax = 1.0 + (n_cols - 1) * step + 2.6 + 2.7 + 0.9
    fig, ax = _axes(ax, (13, 6.2), (0, max(xmax, 10.5)), (0, 6.2))
    x = 1.0
    boxes = [_layer_column(ax, x, n_genes, f"input\n{n_genes}\ngenes\n(counts,\naugmented)",
                           COLORS["data"], max_size=n_genes, fontsize=FONT - 1)]
    for size in encoder:
        x += step
        boxes.append(_layer_column(ax, x, size, f"enc\n{size}", COLORS["zinb"], max_size=n_genes))
    x += step
    boxes.append(_layer_column(ax, x, zi.bottleneck, f"bottle-\nneck\n{zi.bottleneck}", COLORS["zinb"],
                               max_size=n_genes, fontsize=FONT - 1))
    for i, size in enumerate(decoder):
        x += step
        label = f"dec\n{size}\n= D" if i == len(decoder) - 1 else f"dec\n{size}"
        boxes.append(_layer_column(ax, x, size, label, COLORS["zinb"], max_size=n_genes))
    for left, right in zip(boxes[:-1], boxes[1:], strict=True):
        _arrow(ax, _anchor(left, "right"), _anchor(right, "left"))
    ax.text((boxes[0][0] + boxes[-1][0]) / 2, 0.55,
            "each hidden layer: Linear \u2192 LayerNorm \u2192 GELU (bottleneck linear + LayerNorm + GELU)",
            ha="center", fontsize=FONT - 1, color="#555555")

    clamp = zi.clamp_outputs
    heads = [
        (f"\u03bc = s\u1d62 \u00b7 exp(D W_\u03bc)   [{n_genes}]\nmean" + ("; exp clamped to [1e-5, 1e6]" if clamp else ""),
         5.0),
        (f"\u03b8 = exp(D W_\u03b8)   [{n_genes}]\ndispersion" + ("; clamped to [1e-4, 1e4]" if clamp else ""),
         3.0),
        (f"\u03c0 = sigmoid(D W_\u03c0)   [{n_genes}]\ndropout (kept as logits)", 1.0),
    ]
    hx = x + 1.0 + 1.6
    last = boxes[-1]
    head_boxes = []
    for text, y in heads:
        b = _box(ax, hx, y, 3.2, 1.1, text, COLORS["loss"], fontsize=FONT - 1)
        head_boxes.append(b)
        _arrow(ax, _anchor(last, "right"), _anchor(b, "left"))
    loss = _box(ax, hx + 2.7, 3.0, 1.3, 2.2, "ZINB\nNLL of\nraw\ncounts\n(Eq. 8)", COLORS["mask"],
                fontsize=FONT - 1)
    for b in head_boxes:
        _arrow(ax, _anchor(b, "right"), _anchor(loss, "left"))
    ax.text(ax.get_xlim()[1] / 2, 6.05,
            f"Fig. 2  ZINB denoising autoencoder: {_sizes((n_genes, *encoder, zi.bottleneck, *decoder))}"
            " \u2192 three heads",
            ha="center", va="top", fontsize=FONT + 2, weight="bold")
    ax.text(ax.get_xlim()[1] / 2, 0.15,
            f"Output: X_z = log1p of the normalized mean \u03bc; {n_genes} = preprocess.n_top_genes "
            "(all genes when a dataset has fewer).",
            ha="center", fontsize=FONT - 1, color="#555555")
    return fig


def mae_diagram(cfg: ScDMACConfig, ax=None) -> matplotlib.figure.Figure:
    """Fig. 3: masked autoencoder and mask predictor, sizes and loss weights from ``cfg.mae``."""
    ma = cfg.mae
    n_genes = cfg.preprocess.n_top_genes
    enc = [*ma.hidden, ma.latent]
    enc_w = 5.0 / len(enc)
    xmax = 16.2 - enc_w / 2  # the loss boxes end 1.3 right of (Z's x + 5.4)
    fig, ax = _axes(ax, (14, 6.6), (0, xmax), (0, 6.6))
    yc = 3.7
    b_xz = _box(ax, 1.0, 5.2, 1.6, 1.0, f"X_z\n[{n_genes}]", COLORS["data"])
    b_mask = _box(ax, 1.0, 2.2, 1.6, 1.3, f"M ~\nBernoulli({ma.mask_ratio:g})\n1 = masked", COLORS["mask"],
                  fontsize=FONT - 1)
    b_xm = _box(ax, 3.0, yc, 1.7, 1.5, f"X_M\n[{n_genes}]\nM\u2299X'+\n(1\u2212M)\u2299X_z", COLORS["mask"],
                fontsize=FONT - 1)
    _arrow(ax, _anchor(b_xz, "right"), _anchor(b_xm, "top"), "shuffle \u2192 X'", offset=(0.1, 0.05),
           connection="arc3,rad=-0.25")
    _arrow(ax, _anchor(b_mask, "right"), _anchor(b_xm, "bottom"), connection="arc3,rad=0.25")

    x = 3.0
    prev = b_xm
    for i, size in enumerate(enc):
        x += enc_w if i else 1.25 + enc_w / 2
        last = i == len(enc) - 1
        label = f"Z\n[{size}]" if last else f"enc\n{size}"
        b = _box(ax, x, yc, min(enc_w * 0.75, 1.1), 1.2 if last else 1.6, label,
                 COLORS["cluster"] if last else COLORS["mae"], weight="bold" if last else "normal")
        _arrow(ax, _anchor(prev, "right"), _anchor(b, "left"))
        prev = b
    b_z = prev
    ax.text((b_xm[0] + b_z[0]) / 2 + 0.4, yc - 1.25,
            f"encoder (dropout {ma.dropout:g}; last layer linear)", ha="center", fontsize=FONT - 1, color="#555555")

    dx = b_z[0] + 2.5
    dec_text = (f"decoder on [Z, M']\n{'linear' if ma.linear_decoder else _sizes((ma.latent, *reversed(ma.hidden)))}"
                f" \u2192 {n_genes}\n+ gain \u00b7 sigmoid(M')" if ma.use_mask_predictor
                else f"decoder on Z\n{'linear' if ma.linear_decoder else _sizes((ma.latent, *reversed(ma.hidden)))}"
                f" \u2192 {n_genes}")
    b_dec = _box(ax, dx, 5.0, 2.4, 1.3, dec_text, COLORS["mae"], fontsize=FONT - 1)
    _arrow(ax, _anchor(b_z, "top"), _anchor(b_dec, "left"), "Z", connection="arc3,rad=-0.2", offset=(-0.2, 0.1))
    b_rec = _box(ax, dx + 2.9, 5.0, 2.6, 1.4,
                 f"weighted MSE vs X_z (Eq. 13-14)\nW = \u03bb = {ma.recon_weight:g} where M = 1\n"
                 f"1 \u2212 \u03bb = {1 - ma.recon_weight:g} elsewhere", COLORS["loss"], fontsize=FONT - 1)
    _arrow(ax, _anchor(b_dec, "right"), _anchor(b_rec, "left"), "X\u0302")

    if ma.use_mask_predictor:
        pred_in = "Z" if ma.mask_predictor_input == "latent" else "Z + residual of X_M"
        b_pred = _box(ax, dx, 2.2, 2.4, 1.3, f"mask predictor\nlinear on {pred_in}\n\u2192 M' [{n_genes}] (sigmoid)",
                      COLORS["mask"], fontsize=FONT - 1)
        _arrow(ax, _anchor(b_z, "bottom"), _anchor(b_pred, "left"), "Z", connection="arc3,rad=0.2", offset=(-0.2, -0.4))
        _arrow(ax, _anchor(b_pred, "top"), _anchor(b_dec, "bottom"), "M'", offset=(0.25, -0.1))
        b_bce = _box(ax, dx + 2.9, 2.2, 2.6, 1.3, "binary cross-entropy\nM' vs M (Eq. 12)", COLORS["loss"],
                     fontsize=FONT - 1)
        _arrow(ax, _anchor(b_pred, "right"), _anchor(b_bce, "left"))
        total = (f"L = (1 \u2212 \u03b3_m) L_rec + \u03b3_m L_mask,  \u03b3_m = {ma.mask_loss_weight:g}   (Eq. 15)")
    else:
        ax.text(dx, 2.2, "no mask predictor (scDMAC-P):\nno L_mask", ha="center", va="center",
                fontsize=FONT - 1, color="#555555")
        total = "L = L_rec   (scDMAC-P: no mask loss)"
    ax.text(xmax / 2, 0.5, total, ha="center", fontsize=FONT + 1,
            bbox={"boxstyle": "round", "facecolor": "#ffffff", "edgecolor": "#999999"})
    ax.text(xmax / 2, 6.45, f"Fig. 3  Masked autoencoder{' with mask predictor' if ma.use_mask_predictor else ''}: "
            f"{_sizes((n_genes, *enc))}, "
            f"masking ratio {ma.mask_ratio:g}",
            ha="center", va="top", fontsize=FONT + 2, weight="bold")
    return fig
