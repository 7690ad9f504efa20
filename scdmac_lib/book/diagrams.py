"""Figures 1-3 of the paper, drawn from the actual configuration.

:func:`flowchart` (Fig. 1, the whole method), :func:`zinb_diagram` (Fig. 2, the ZINB denoising
autoencoder) and :func:`mae_diagram` (Fig. 3, the masked autoencoder with its mask predictor) take an
:class:`~scdmac_lib.method.config.ScDMACConfig` and write its layer sizes and loss weights on the boxes, so
a changed config changes the picture. Plain matplotlib boxes and arrows, laid out in inches (one axes
unit is one inch) on a page 7.6 inches wide: the pipeline snakes over three rows and the networks
over two or three, so that the text on the boxes (:data:`FONT` points) still shows at 10 px or more
when the book scales the figure into its column. Each function takes ``ax=`` and returns the Figure
(the caller saves it).
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
}
FONT = 9  # points: the text on the boxes and arrows
TITLE = FONT + 2
NOTE_COLOR = "#555555"


def _axes(ax, width: float, height: float):
    """A new figure ``width`` x ``height`` inches whose axes span it in inch units (or ``ax``, rescaled)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        fig = ax.figure
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return fig, ax


def _box(ax: matplotlib.axes.Axes, x: float, y: float, w: float, h: float, text: str, color: str, *,
         dashed: bool = False, weight: str = "normal") -> tuple[float, float, float, float]:
    """A rounded box centred on (x, y), ``w`` x ``h`` inches, with ``text``; returns (x, y, w, h) for arrows."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="#333333", linewidth=1.1, linestyle="--" if dashed else "-"))
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT, weight=weight, linespacing=1.25)
    return (x, y, w, h)


def _anchor(box, side: str) -> tuple[float, float]:
    x, y, w, h = box
    return {"left": (x - w / 2, y), "right": (x + w / 2, y), "top": (x, y + h / 2), "bottom": (x, y - h / 2)}[side]


def _arrow(ax, start, end, text: str | None = None, *, offset: tuple[float, float] = (0.0, 0.06),
           connection: str = "arc3", ha: str = "center") -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.2, "shrinkA": 1, "shrinkB": 1,
                            "connectionstyle": connection})
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha=ha, va="bottom", fontsize=FONT, color="#333333", style="italic")


def _title(ax, x: float, y: float, text: str) -> None:
    ax.text(x, y, text, ha="center", va="top", fontsize=TITLE, weight="bold", linespacing=1.3)


def _note(ax, x: float, y: float, text: str, **kwargs) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT, color=NOTE_COLOR, linespacing=1.25, **kwargs)


def _sizes(sizes) -> str:
    return " \u2192 ".join(str(s) for s in sizes)


def flowchart(cfg: ScDMACConfig, ax=None) -> matplotlib.figure.Figure:
    """Fig. 1: the scDMAC pipeline, with the settings of ``cfg`` on each box (three rows, read as a snake)."""
    fig, ax = _axes(ax, 7.6, 6.9)
    pp, au, zi, ma, cl = cfg.preprocess, cfg.augment, cfg.zinb, cfg.mae, cfg.cluster
    w, h = 2.15, 1.45
    xs = (1.15, 3.8, 6.45)
    rows = (5.2, 3.3, 1.4)

    b_raw = _box(ax, xs[0], rows[0], w, h, "Raw counts X\ncells \u00d7 genes\n(kept for the ZINB\nlikelihood)",
                 COLORS["data"])
    b_pp = _box(ax, xs[1], rows[0], w, h,
                f"Preprocess (Eq. 1-2)\nsize factors s\u1d62; normalize\nto {pp.target_sum:,.0f}; "
                f"{pp.n_top_genes} HVGs\n({pp.hvg_flavor}); log1p\ncosine kNN, k = {pp.n_neighbors}", COLORS["prep"])
    if au.enabled:
        aug_text = (f"Augment (training input)\nmask {au.mask_rate:.0%} of genes\n"
                    f"Gaussian noise, var {au.noise_var:g}\nkNN swap, rate {au.swap_rate:g}")
    else:
        aug_text = "Augment\n(off in this config)"
    b_aug = _box(ax, xs[2], rows[0], w, h, aug_text, COLORS["prep"], dashed=not au.enabled)
    if cfg.denoise:
        zinb_text = (f"ZINB denoising AE\n(Eq. 3-8)\n{_sizes((pp.n_top_genes, *zi.hidden, zi.bottleneck))}\n"
                     "heads \u03bc, \u03b8, \u03c0; ZINB NLL\n\u2192 denoised X_z (log1p)")
    else:
        zinb_text = "ZINB denoising: skipped\n(scDMAC-Z): X_z =\nlog-normalized X"
    b_zinb = _box(ax, xs[2], rows[1], w, h, zinb_text, COLORS["zinb"], dashed=not cfg.denoise)
    b_cor = _box(ax, xs[1], rows[1], w, h,
                 f"Corrupt (Eq. 9-10)\nshuffle each gene across\ncells \u2192 X'; M ~ Bernoulli({ma.mask_ratio:g})\n"
                 "X_M = M\u2299X' + (1\u2212M)\u2299X_z\nfresh mask every epoch", COLORS["mask"])
    pred = (f"mask predictor M'\n(BCE, \u03b3_m = {ma.mask_loss_weight:g})" if ma.use_mask_predictor
            else "no mask predictor\n(scDMAC-P)")
    b_mae = _box(ax, xs[0], rows[1], w, h,
                 f"Masked AE (Eq. 11-15)\nencoder {_sizes((*ma.hidden, ma.latent))}\n"
                 f"Z \u2208 R^{ma.latent}; {pred}\nweighted MSE, \u03bb = {ma.recon_weight:g}", COLORS["mae"])
    b_clu = _box(ax, xs[0], rows[2], w, h,
                 f"Cluster (Eq. 16-23)\nk-means init, k = {cfg.n_clusters}\nweighted soft k-means\n(r = {cl.inflation:g}); "
                 f"Student-t q\n(dof {cl.dof:g}), KL(P\u2016Q)", COLORS["cluster"])
    b_lab = _box(ax, xs[1], rows[2], w, h, f"Cluster labels\nargmax of {cl.label_source}\n+ embedding Z",
                 COLORS["data"], weight="bold")
    _note(ax, xs[2], rows[2],
          f"fine-tune loss (Eq. 23):\n\u03b1 = {cl.rec_weight:g}, \u03b2 = {cl.mask_weight:g},\n"
          f"\u03c6 = {cl.kmeans_weight:g}, \u03b8 = {cl.kl_weight:g}")

    _arrow(ax, _anchor(b_raw, "right"), _anchor(b_pp, "left"))
    _arrow(ax, _anchor(b_pp, "right"), _anchor(b_aug, "left"))
    _arrow(ax, _anchor(b_aug, "bottom"), _anchor(b_zinb, "top"))
    _arrow(ax, _anchor(b_zinb, "left"), _anchor(b_cor, "right"), "X_z")
    _arrow(ax, _anchor(b_cor, "left"), _anchor(b_mae, "right"), "X_M")
    _arrow(ax, _anchor(b_mae, "bottom"), _anchor(b_clu, "top"), "Z", offset=(0.08, -0.05), ha="left")
    _arrow(ax, _anchor(b_clu, "right"), _anchor(b_lab, "left"))
    _title(ax, 3.8, 6.85, f"Fig. 1  scDMAC pipeline\n(denoise={cfg.denoise}, mask predictor={ma.use_mask_predictor}, "
           f"\u03bb={ma.recon_weight:g})")
    _note(ax, 3.8, 0.3, "Stages 1-3 are trained one after the other; the clustering stage\n"
          "fine-tunes the masked AE's encoder and the centers.")
    return fig


def _layer(ax, x: float, y: float, size: int, label: str, color: str, *, max_size: int,
           width: float = 0.95) -> tuple[float, float, float, float]:
    """A box whose height grows with the log of the layer width."""
    import math

    height = 0.95 + 1.1 * math.log(max(size, 2)) / math.log(max(max_size, 3))
    return _box(ax, x, y, width, height, label, color)


def zinb_diagram(cfg: ScDMACConfig, ax=None) -> matplotlib.figure.Figure:
    """Fig. 2: the ZINB denoising autoencoder, layer sizes from ``cfg.zinb`` and ``cfg.preprocess``: the
    layers on the top row, the three heads below them and the loss at the bottom."""
    zi = cfg.zinb
    n_genes = cfg.preprocess.n_top_genes
    encoder, decoder = list(zi.hidden), list(reversed(zi.hidden))
    layers = [(n_genes, f"input\n{n_genes}\ngenes\n(counts,\naug-\nmented)", COLORS["data"])]
    layers += [(size, f"enc\n{size}", COLORS["zinb"]) for size in encoder]
    layers.append((zi.bottleneck, f"bottle-\nneck\n{zi.bottleneck}", COLORS["zinb"]))
    layers += [(size, f"dec\n{size}" + ("\n= D" if i == len(decoder) - 1 else ""), COLORS["zinb"])
               for i, size in enumerate(decoder)]
    width = max(7.6, 1.25 * len(layers) + 0.6)
    fig, ax = _axes(ax, width, 7.3)
    step = (width - 1.0) / max(len(layers) - 1, 1)
    boxes = [_layer(ax, 0.5 + i * step, 5.0, size, label, color, max_size=n_genes)
             for i, (size, label, color) in enumerate(layers)]
    for left, right in zip(boxes[:-1], boxes[1:], strict=True):
        _arrow(ax, _anchor(left, "right"), _anchor(right, "left"))
    _note(ax, width / 2, 6.4, "each hidden layer: Linear \u2192 LayerNorm \u2192 GELU")

    clamp = zi.clamp_outputs
    heads = [f"\u03bc = s\u1d62 \u00b7 exp(D W_\u03bc)\n[{n_genes}] mean" + ("\nexp clamped to\n[1e-5, 1e6]" if clamp else ""),
             f"\u03b8 = exp(D W_\u03b8)\n[{n_genes}] dispersion" + ("\nclamped to\n[1e-4, 1e4]" if clamp else ""),
             f"\u03c0 = sigmoid(D W_\u03c0)\n[{n_genes}] dropout\n(kept as logits)"]
    loss = _box(ax, width / 2, 0.85, 2.6, 0.8, "ZINB NLL of the raw counts (Eq. 8)", COLORS["mask"])
    last = boxes[-1]
    for i, text in enumerate(heads):
        head = _box(ax, width / 2 + (i - 1) * (width / 3), 2.35, 2.2, 1.2, text, COLORS["loss"])
        _arrow(ax, _anchor(last, "bottom"), _anchor(head, "top"))
        _arrow(ax, _anchor(head, "bottom"), _anchor(loss, "top"))
    _title(ax, width / 2, 7.25, f"Fig. 2  ZINB denoising autoencoder:\n"
           f"{_sizes((n_genes, *encoder, zi.bottleneck, *decoder))} \u2192 three heads")
    _note(ax, width / 2, 0.2, f"Output: X_z = log1p of the normalized mean \u03bc; {n_genes} = preprocess.n_top_genes.")
    return fig


def mae_diagram(cfg: ScDMACConfig, ax=None) -> matplotlib.figure.Figure:
    """Fig. 3: masked autoencoder and mask predictor, sizes and loss weights from ``cfg.mae``: the corruption
    and the encoder on the top row, the decoder and the mask predictor below Z, their losses on the left."""
    ma = cfg.mae
    n_genes = cfg.preprocess.n_top_genes
    enc = [*ma.hidden, ma.latent]
    width = max(7.6, 3.3 + 1.05 * len(enc))
    fig, ax = _axes(ax, width, 7.4)
    top = 4.75
    b_mask = _box(ax, 2.35, 6.05, 1.9, 0.75, f"M ~ Bernoulli({ma.mask_ratio:g})\n1 = masked", COLORS["mask"])
    b_xz = _box(ax, 0.55, top, 0.9, 0.8, f"X_z\n[{n_genes}]", COLORS["data"])
    b_xm = _box(ax, 2.35, top, 1.35, 1.3, f"X_M\n[{n_genes}]\nM\u2299X' +\n(1\u2212M)\u2299X_z", COLORS["mask"])
    _arrow(ax, _anchor(b_xz, "right"), _anchor(b_xm, "left"), "shuffle\n\u2192 X'", offset=(0.0, 0.05))
    _arrow(ax, _anchor(b_mask, "bottom"), _anchor(b_xm, "top"))
    step = (width - 3.55) / len(enc)
    prev = b_xm
    for i, size in enumerate(enc):
        last = i == len(enc) - 1
        b = _box(ax, 3.25 + step * (i + 0.5), top, 0.8, 0.9 if last else 1.2, f"Z\n[{size}]" if last else f"enc\n{size}",
                 COLORS["cluster"] if last else COLORS["mae"], weight="bold" if last else "normal")
        _arrow(ax, _anchor(prev, "right"), _anchor(b, "left"))
        prev = b
    b_z = prev
    _note(ax, (b_xm[0] + b_z[0]) / 2 + 0.3, top - 0.95, f"encoder (dropout {ma.dropout:g}; last layer linear)")

    body = "linear" if ma.linear_decoder else _sizes((ma.latent, *reversed(ma.hidden)))
    dec_text = (f"decoder on [Z, M']\n{body} \u2192 {n_genes}\n+ gain \u00b7 sigmoid(M')" if ma.use_mask_predictor
                else f"decoder on Z\n{body} \u2192 {n_genes}")
    dx = width - 1.75
    b_dec = _box(ax, dx, 2.75, 2.5, 0.95, dec_text, COLORS["mae"])
    _arrow(ax, _anchor(b_z, "bottom"), (b_z[0], 2.75 + 0.48), "Z", offset=(0.08, -0.1), ha="left")
    b_rec = _box(ax, 2.0, 2.75, 3.2, 0.95, f"weighted MSE vs X_z (Eq. 13-14)\nW = \u03bb = {ma.recon_weight:g} where M = 1\n"
                 f"1 \u2212 \u03bb = {1 - ma.recon_weight:g} elsewhere", COLORS["loss"])
    _arrow(ax, _anchor(b_dec, "left"), _anchor(b_rec, "right"), "X\u0302")
    if ma.use_mask_predictor:
        pred_in = "Z" if ma.mask_predictor_input == "latent" else f"the {ma.mask_predictor_input} input"
        b_pred = _box(ax, dx, 1.3, 2.5, 0.95, f"mask predictor\nlinear on {pred_in}\n\u2192 M' [{n_genes}] (sigmoid)",
                      COLORS["mask"])
        edge = width - 0.15  # Z's second path runs down the right margin into the predictor
        ax.plot([_anchor(b_z, "right")[0], edge, edge], [top, top, b_pred[1]], color="#333333", lw=1.2)
        _arrow(ax, (edge, b_pred[1]), _anchor(b_pred, "right"))
        _arrow(ax, _anchor(b_pred, "top"), _anchor(b_dec, "bottom"), "M'", offset=(0.08, -0.1), ha="left")
        b_bce = _box(ax, 2.0, 1.3, 3.2, 0.95, "binary cross-entropy\nM' vs M (Eq. 12)", COLORS["loss"])
        _arrow(ax, _anchor(b_pred, "left"), _anchor(b_bce, "right"))
        total = f"L = (1 \u2212 \u03b3_m) L_rec + \u03b3_m L_mask,  \u03b3_m = {ma.mask_loss_weight:g}   (Eq. 15)"
    else:
        _note(ax, dx, 1.3, "no mask predictor (scDMAC-P):\nno L_mask")
        total = "L = L_rec   (scDMAC-P: no mask loss)"
    ax.text(width / 2, 0.3, total, ha="center", va="center", fontsize=FONT + 1,
            bbox={"boxstyle": "round", "facecolor": "#ffffff", "edgecolor": "#999999"})
    _title(ax, width / 2, 7.3, f"Fig. 3  Masked autoencoder{' with mask predictor' if ma.use_mask_predictor else ''}:\n"
           f"{_sizes((n_genes, *enc))}, masking ratio {ma.mask_ratio:g}")
    return fig
