"""The sentence under a figure or a table that says what the reader should see in it.

Each function turns the numbers a page shows into one or two sentences, choosing its words from them
(a fit that overshoots is said to overshoot, one that matches to match), so a takeaway is never typed
and never outlives its numbers. :func:`scdmac_lib.book.page.show_takeaway` shows one under a walk-through
figure or table; :func:`scdmac_lib.book.page.show_figure` takes one as ``takeaway``. The walk-through's
come first; then the results pages': the diagrams' from the configuration they are drawn from
(:mod:`scdmac_lib.book.diagrams`), the bar grids' from :func:`scdmac_lib.report.compare.side_by_side`, the
sweeps' from :func:`scdmac_lib.report.compare.summarize_sweep`, Fig. 4's from a
:class:`~scdmac_lib.book.projection.Panel`. Numbers are written with :func:`num` (two significant digits)
or as fixed decimals for scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scdmac_lib.book import glossary
from scdmac_lib.data import catalogue
from scdmac_lib.method.config import TrainConfig, epoch_steps, stop_reason
from scdmac_lib.report import reported

if TYPE_CHECKING:
    from scdmac_lib.book.projection import Panel
    from scdmac_lib.method.config import ScDMACConfig

#: How each reason of :func:`scdmac_lib.method.config.stop_reason` reads in a table.
STOP_WORDS = {"plateau": "loss plateau", "epochs": "epoch count", "max_steps": "step ceiling (max_steps)",
              "min_steps": "step floor (min_steps)"}
MATCH = 0.05  # a predicted fraction of zeros within this of the observed one "matches"
FLAT = 0.01  # a loss that moved less than this fraction over the last tenth of its steps has flattened
SAME_ARI = 0.01  # ARIs closer than this are "about the same" (the method study's margin)
SYMMETRIC = 0.5  # |skewness| below this reads as "near-symmetric"
CLOSE = 0.05  # two medians within this fraction of each other are "close"
SMALL_PI = 0.05  # a median dropout probability below this "stays small"
WEAK_R = 0.3  # gene-wise correlations all below this: the denoised values "barely follow" the raw ones


def num(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant digits without an exponent (``0.724`` -> ``0.72``, ``0.00512`` ->
    ``0.0051``, ``1234.5`` -> ``1,200``)."""
    if not math.isfinite(x) or x == 0:
        return f"{x:g}"
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, decimals):,.{max(decimals, 0)}f}"


def fold(before: float, after: float) -> str:
    """How many times larger the larger of two positive numbers is, to two significant digits: ``140-fold``,
    ``2.5-fold``."""
    return f"{num(max(before, after) / min(before, after))}-fold"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- training
def training_stop(n_steps: int, n_obs: int, cfg: TrainConfig) -> str:
    """Why a stage trained for ``n_steps`` steps on ``n_obs`` cells stopped, and whether its loss plateau
    rule could have stopped it (:func:`scdmac_lib.method.config.stop_reason`)."""
    reason = stop_reason(n_steps, n_obs, cfg)
    per_epoch = math.ceil(n_obs / min(cfg.batch_size, n_obs))
    by_epochs = epoch_steps(n_obs, cfg)
    batches = (f"{n_obs} cells fit in one minibatch of {cfg.batch_size}" if per_epoch == 1
               else f"{n_obs} cells make {per_epoch} minibatches of at most {cfg.batch_size}")
    if reason == "plateau":
        return (f"A loss plateau stopped it: the smoothed loss had not improved for {cfg.patience} steps, "
                f"{n_steps} steps into a budget of {min(max(by_epochs, cfg.min_steps), cfg.max_steps)}.")
    why = {"epochs": f"its {cfg.epochs} epochs stopped it ({batches}, so {cfg.epochs} epochs are "
                     f"{by_epochs} steps, between the floor of {cfg.min_steps} and the ceiling of {cfg.max_steps})",
           "max_steps": f"the ceiling of {cfg.max_steps} steps stopped it, before its {cfg.epochs} epochs "
                        f"({batches}: {by_epochs} steps) were done",
           "min_steps": f"the floor of {cfg.min_steps} steps set its length, more than its {cfg.epochs} epochs "
                        f"give ({batches}: {by_epochs} steps)"}[reason]
    earliest = max(cfg.min_steps, cfg.patience + 1)
    plateau = (f"the plateau rule ({cfg.patience} steps without improvement) cannot stop a run before step "
               f"{earliest}" if earliest > n_steps else "the loss was still improving, so the plateau rule "
               f"({cfg.patience} steps without improvement) did not stop it earlier")
    return f"{why[0].upper()}{why[1:]}; {plateau}."


def loss_trend(values: Sequence[float], what: str) -> str:
    """Where a loss curve started and ended, and whether its last tenth still fell (by :data:`FLAT` or more)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 4:
        msg = f"loss_trend needs at least 4 steps of {what} (got {v.size})."
        raise ValueError(msg)
    tail, edge = max(v.size // 10, 4), max(v.size // 20, 1)
    start, end = float(v[0]), float(v[-edge:].mean())
    earlier, later = v[-tail: -tail // 2].mean(), v[-tail // 2:].mean()
    last = (later - earlier) / abs(earlier)
    state = ("was still falling at the end" if last <= -FLAT else "had flattened by the end" if last < FLAT
             else "was rising again at the end")
    ending = "at the last step" if edge == 1 else f"(mean of the last {edge})"
    return (f"The {what} went from {num(start, 3)} at the first step to {num(end, 3)} {ending} over {len(v)} steps "
            f"and {state} ({last:+.1%} over the last {tail} steps).")


def stages_stopped(stopped: Mapping[str, str]) -> str:
    """What stopped each stage of a fit (``stage -> words of STOP_WORDS``), and what that says of its budget."""
    parts = "; ".join(f"{stage}: {why}" for stage, why in stopped.items())
    plateau = [s for s, why in stopped.items() if why == STOP_WORDS["plateau"]]
    if not plateau:
        return (f"What stopped each stage: {parts}. None reached a loss plateau, so each ran its whole budget: "
                "look at the last losses, and give a stage more steps when its loss was still falling (`--set "
                "zinb.train.max_steps=N` for the denoiser, `mae.` and `cluster.` for the others).")
    return f"What stopped each stage: {parts}. {', '.join(plateau)} stopped on a plateau: more steps would not help it."


# --------------------------------------------------------------------------- the data page
def sparsity(names: Sequence[str], zero_fraction: Sequence[float], library_median: Sequence[float]) -> str:
    """Which datasets are sparsest and least sparse, and the range of their median library sizes."""
    z, lib = np.asarray(zero_fraction), np.asarray(library_median)
    lo, hi = int(z.argmin()), int(z.argmax())
    small, large = int(lib.argmin()), int(lib.argmax())
    return (f"Zeros range from {z[lo]:.0%} of the counts in {names[lo]} to {z[hi]:.0%} in {names[hi]}, and median "
            f"library sizes from {num(lib[small], 3)} counts in {names[small]} to {num(lib[large], 3)} in "
            f"{names[large]}, {fold(lib[small], lib[large])} apart: the method meets very different data.")


# --------------------------------------------------------------------------- the quick start
def clusters_against_types(n_clusters: int, n_types: int, ari: float, merged: Mapping[str, Sequence[str]],
                           estimated: bool) -> str:
    """What the clusters of a run are against the annotated types: how many of each, the ARI, and which types
    share a cluster (``merged``: cluster -> the types it holds most of)."""
    how = "estimated" if estimated else "was given"
    head = f"`-k auto` {how} {_plural(n_clusters, 'cluster')} for {_plural(n_types, 'annotated type')}"
    shared = [f"types {', '.join(types[:-1])} and {types[-1]} share cluster {c}" for c, types in merged.items()
              if len(types) > 1]
    if n_clusters < n_types:
        tail = (f", so some types must share a cluster: here {'; '.join(shared)}" if shared
                else ", so some types must share a cluster")
        advice = f"Pass `-k {n_types}` when you know the number of types."
    elif n_clusters > n_types:
        tail, advice = ", so some types are split", f"Pass `-k {n_types}` when you know the number of types."
    else:
        tail, advice = "", ""
    return f"{head}{tail}. Against the annotation the clusters score ARI {ari:.2f}. {advice}".strip()


# --------------------------------------------------------------------------- the preprocessing walk-through
def library_range(library: np.ndarray, size_factors: np.ndarray) -> str:
    """The spread of library sizes and of the size factors that carry it into the ZINB mean."""
    return (f"Library sizes span {num(library.min(), 3)} to {num(library.max(), 3)} counts "
            f"({fold(library.min(), library.max())}); the size factors ({num(size_factors.min())} to "
            f"{num(size_factors.max())}) carry it into the ZINB mean, so the denoiser models sequencing depth instead of passing it on as expression.")


def hvg_share(n_hvg: int, n_genes: int, variance_share: float) -> str:
    """How much of the total variance the selected genes hold."""
    return (f"The {n_hvg} selected genes, {n_hvg / n_genes:.0%} of all, hold {variance_share:.0%} of the total "
            "variance of the normalized counts; the other genes are left out of every later stage.")


def log_skew(before: float, after: float) -> str:
    """What log1p does to the skewness of the non-zero values."""
    shape = "near-symmetric" if abs(after) < SYMMETRIC else "less skewed" if abs(after) < abs(before) else "as skewed"
    return (f"log1p turns the long right tail of the non-zero values (skewness {num(before)}) into a {shape} "
            f"distribution (skewness {num(after)}).")


def knn_agreement(agreement: float, chance: float, n_neighbors: int) -> str:
    """How often neighbours share a type against random neighbours (a diagnostic)."""
    where = ("so the neighbour swap mostly exchanges values between cells of one type" if agreement >= 0.5
             else "so the neighbour swap often mixes cell types")
    return (f"On average {agreement:.0%} of a cell's {n_neighbors} neighbours share its annotated type, against "
            f"{chance:.0%} for random neighbours, {where}.")


def augmentation_changes(changed: Mapping[str, float], swap_rate: float) -> str:
    """What each augmentation changes, in the order of ``changed`` (name -> fraction): the combined one last."""
    *single, (_, together) = changed.items()
    parts = ", ".join(f"{value:.0%} by {name}" for name, value in single)
    swap = [value for name, value in single if name.startswith("kNN")]
    below = (f"; the swap changes fewer than its rate of {swap_rate:.0%} because a neighbour's value can equal the "
             "cell's own" if swap and swap[0] < swap_rate - 0.005 else "")
    return f"Entries changed: {parts}{below}. Together they change {together:.0%}: the denoiser never sees the data as they are."


# --------------------------------------------------------------------------- the denoising walk-through
def zero_fit(observed: float, predicted: float, mean_pi: float, rounded: float, median_theta: float) -> str:
    """Whether the fitted ZINB model gives as many zeros as the data have, and where an excess comes from."""
    if abs(predicted - observed) <= MATCH:
        verdict = f"The fitted model gives {predicted:.2f} zeros where the data have {observed:.2f}: it matches."
        source = ""
    else:
        word = "too many" if predicted > observed else "too few"
        verdict = (f"The fitted model gives {predicted:.2f} zeros where the data have {observed:.2f}: it predicts "
                   f"{word} zeros.")
        if mean_pi >= abs(predicted - observed) / 2:
            source = f" The dropout head accounts for much of it (mean pi {num(mean_pi)})."
        elif median_theta < 1:
            source = (f" The dropout head adds little (mean pi {num(mean_pi)}); the negative binomial part does it: "
                      f"its small dispersion (median theta {num(median_theta)}) puts much of each count's mass at zero.")
        else:
            source = (f" The dropout head adds little (mean pi {num(mean_pi)}); the negative binomial part does it, "
                      "through its fitted means.")
    kept = f" {rounded:.0%} of the denoised means round to zero." if rounded > 0 else \
        " No denoised mean rounds to zero: the denoised matrix has no zeros."
    return verdict + source + kept


def variance_change(before: float, after: float, what: str = "median gene variance") -> str:
    """How denoising changes a variance on the same scale."""
    verb = "shrinks" if after < before else "raises"
    return f"Denoising {verb} the {what} from {num(before)} to {num(after)} ({fold(before, after)}) on the same scale."


def filled_zeros(correlations: Mapping[str, float], zero_median: float, nonzero_median: float) -> str:
    """How the denoised values of raw zeros compare with those of counted entries, and how well raw and
    denoised values agree gene by gene."""
    lo, hi = min(correlations, key=correlations.get), max(correlations, key=correlations.get)
    gap = (zero_median - nonzero_median) / abs(nonzero_median)
    place = "close to" if abs(gap) < CLOSE else "below" if gap < 0 else "above"
    follow = ("the denoised values barely follow the raw ones" if correlations[hi] < WEAK_R
              else "the denoised values follow the raw ones")
    return (f"Raw zeros get denoised values of median {num(zero_median, 3)}, {place} the {num(nonzero_median, 3)} "
            f"of the counted entries; raw and denoised values correlate from r = {correlations[lo]:.2f} ({lo}) to "
            f"r = {correlations[hi]:.2f} ({hi}): {follow}.")


def zinb_parameters(mu: float, theta: float, pi: float, pi_max: float) -> str:
    """The typical fitted ZINB parameters and what they mean for the spread of a count."""
    spread = mu + mu**2 / theta
    dropout = "stays small" if pi < SMALL_PI else "is large"
    return (f"A typical entry has mean mu {num(mu)} and dispersion theta {num(theta)}, so its variance "
            f"mu + mu^2/theta is about {num(spread)}, {fold(mu, spread)} its mean; the dropout probability "
            f"pi {dropout} (median {num(pi)}, at most {num(pi_max)}).")


# --------------------------------------------------------------------------- the masking walk-through
def corruption(masked: float, p: float) -> str:
    """The masked fraction of the block shown against the ratio ``p``."""
    return (f"The mask hides {masked:.0%} of the block's entries (ratio p = {p:g}); each takes another cell's "
            f"value of the same gene, so a column keeps its values and loses its order.")


def masking_rates(p: Sequence[float], masked: Sequence[float], changed_given_masked: Sequence[float]) -> str:
    """How close the drawn masked fractions are to the ratios, and how often a masked entry changes."""
    gap = float(np.max(np.abs(np.asarray(masked) - np.asarray(p))))
    least = float(np.min(changed_given_masked))
    changes = ("every masked entry changes" if least > 0.995
               else f"at least {least:.0%} of masked entries change (a shuffled value can equal the original)")
    return f"At every ratio the drawn fraction is within {num(gap, 1)} of p, and {changes}."


def mask_bce(final: float, prior: float) -> str:
    """Whether the mask predictor learned more than the masking rate."""
    gap = prior - final
    if gap < 0.01 * prior:
        return (f"The mask predictor's loss ends at {final:.3f} nats, against {prior:.3f} for a predictor that knows "
                "only the masking rate: it learned nothing about which entries were masked.")
    return (f"The mask predictor's loss ends at {final:.3f} nats, {gap:.3f} below the {prior:.3f} of a predictor that "
            "knows only the masking rate: it learned something about which entries were masked.")


def mae_diagnostics(auc: float, mse_masked: float, mse_kept: float) -> str:
    """The label-free diagnostics of the masked stage, read."""
    link = glossary.term("mask AUC")
    if math.isnan(auc):
        auc_text = f"This run has no mask predictor, so no {link}"
    elif abs(auc - 0.5) < 0.05:
        auc_text = f"The {link} is {auc:.2f}, at chance (0.5)"
    else:
        auc_text = f"The {link} is {auc:.2f}, {'above' if auc > 0.5 else 'below'} chance (0.5)"
    ratio = mse_masked / mse_kept
    error = (f"masked entries are reconstructed with about the error of kept ones (ratio {ratio:.2f})"
             if abs(ratio - 1) < CLOSE else f"masked entries are reconstructed with {num(ratio)} times the error of kept ones")
    return f"{auc_text}; {error}."


def representation_gain(ari_z: float, ari_denoised: float, ari_raw: float) -> str:
    """Whether k-means on the pretrained embedding keeps the structure k-means finds on the denoised matrix."""
    z, xz = glossary.term("Z"), glossary.term("X_z")
    if ari_z < ari_denoised - SAME_ARI:
        verdict = f"the masked stage loses structure that {xz} held (ARI {ari_denoised:.2f} -> {ari_z:.2f} on {z})"
    elif ari_z > ari_denoised + SAME_ARI:
        verdict = f"the masked stage adds structure to {xz} (ARI {ari_denoised:.2f} -> {ari_z:.2f} on {z})"
    else:
        verdict = f"the masked stage keeps the structure of {xz} (ARI {ari_denoised:.2f} and {ari_z:.2f} on {z})"
    denoise = "raises" if ari_denoised > ari_raw + SAME_ARI else "lowers" if ari_denoised < ari_raw - SAME_ARI else "keeps"
    return (f"In this run {verdict}; denoising itself {denoise} the ARI of the log input ({ari_raw:.2f} -> "
            f"{ari_denoised:.2f}).")


# --------------------------------------------------------------------------- the clustering walk-through
def inflation_effect(inflation: float, identical: bool) -> str:
    """Why the weights are shown once (inflation changes nothing) or twice."""
    if identical:
        return (f"With the inflation exponent r = {inflation:g} the inflated weights equal the raw ones "
                "(w^1 renormalized is w), so each state is shown once.")
    return f"Inflation with r = {inflation:g} sharpens each cell's weights towards its closest centre."


def weight_confidence(start: float, end: float) -> str:
    """How the mean largest weight moved during the fine-tune."""
    word = "more" if end > start + 0.005 else "less" if end < start - 0.005 else "as"
    return (f"The mean largest weight goes from {start:.2f} at the start to {end:.2f} at the end: cells are "
            f"{word} confidently assigned after the fine-tune{'' if word != 'as' else ' as before'}.")


def q_and_p(q_max: float, p_max: float) -> str:
    """How much the target sharpens the soft assignment."""
    word = "sharper" if p_max > q_max else "flatter"
    return (f"The target p is {word} than q (mean largest value {q_max:.2f} -> {p_max:.2f}): the KL term pulls each "
            f"cell's assignment towards {'its most likely cluster' if word == 'sharper' else 'a more even spread'}.")


def loss_terms(changes: Mapping[str, float]) -> str:
    """The relative change of each fine-tune loss term from its start to its end (smoothed)."""
    parts = ", ".join(f"{term} {change:+.0%}" if abs(change) >= 0.1 else f"{term} {change:+.1%}"
                      for term, change in changes.items())
    falls = [t for t, c in changes.items() if c < -FLAT]
    rises = [t for t, c in changes.items() if c > FLAT]
    most = f", {min(changes, key=changes.get)} most" if falls else ""
    tail = f"; {', '.join(rises)} rose" if rises else ""
    return f"From start to end: {parts}. {len(falls)} of {len(changes)} terms fell{most}{tail}."


def labels_moved(agreement: float, non_empty: int, k: int) -> str:
    """How far the final labels moved from the initial k-means labels, and how many clusters are in use."""
    moved = "moved few cells" if agreement >= 0.9 else "moved many cells" if agreement < 0.5 else "moved some cells"
    used = f"all {k} requested clusters are in use" if non_empty == k else f"only {non_empty} of {k} requested clusters are in use"
    return f"Initial and final labels agree at ARI {agreement:.2f}: the fine-tune {moved}; {used} at the end."


def fine_tune(ari_initial: float, ari_final: float, sil_initial: float, sil_final: float) -> str:
    """What the fine-tune did to the clusters' agreement with the types and to their separation."""
    ari_word = "raises" if ari_final > ari_initial + SAME_ARI else "lowers" if ari_final < ari_initial - SAME_ARI \
        else "keeps"
    sil_word = "tightens" if sil_final > sil_initial + SAME_ARI else "loosens" if sil_final < sil_initial - SAME_ARI \
        else "keeps"
    return (f"The fine-tune {ari_word} the ARI against the types ({ari_initial:.2f} -> {ari_final:.2f}) and "
            f"{sil_word} the clusters in the embedding (silhouette {sil_initial:.2f} -> {sil_final:.2f}).")


def cluster_sizes(initial: Sequence[int], final: Sequence[int], k: int) -> str:
    """Non-empty clusters and the smallest and largest cluster, before and after the fine-tune."""
    ini, fin = np.asarray(initial), np.asarray(final)
    used = int((fin > 0).sum())
    collapse = "every cluster keeps cells" if used == k else f"{k - used} of {k} clusters emptied"
    return (f"The non-empty clusters hold {ini[ini > 0].min()} to {ini.max()} cells at the start and "
            f"{fin[fin > 0].min()} to {fin.max()} at the end; {collapse}.")


# --- the results pages ---------------------------------------------------------------------

TIE = 1e-9  # two sweep points whose mean scores differ by less are tied


def _names(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _range(values) -> str:
    lo, hi = float(np.min(values)), float(np.max(values))
    return f"{lo:.2f}" if round(lo, 2) == round(hi, 2) else f"{lo:.2f} to {hi:.2f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------- Figs. 1-3
def flowchart(cfg: ScDMACConfig) -> str:
    """Fig. 1: what each trained stage turns the data into, with the sizes of ``cfg``."""
    pp, ma = cfg.preprocess, cfg.mae
    first = (f"the ZINB autoencoder turns the {pp.n_top_genes} selected genes into the denoised X_z"
             if cfg.denoise else f"X_z is the log-normalized matrix of the {pp.n_top_genes} selected genes (no denoising)")
    return (f"Three stages run one after the other: {first}, the masked autoencoder compresses X_z to "
            f"Z, {ma.latent} numbers per cell, and the fine-tune groups Z into k = {cfg.n_clusters} clusters.")


def zinb_diagram(cfg: ScDMACConfig) -> str:
    """Fig. 2: that X_z is the fitted mean over all genes, not the bottleneck."""
    zi, n_genes = cfg.zinb, cfg.preprocess.n_top_genes
    return (f"The denoised X_z keeps all {n_genes} genes: it is the fitted mean \u03bc of each count, not the "
            f"{zi.bottleneck}-dimensional bottleneck; the dispersion \u03b8 and the dropout \u03c0 enter only "
            "the likelihood the autoencoder is trained on.")


def mae_diagram(cfg: ScDMACConfig) -> str:
    """Fig. 3: how much is masked and how the two losses are weighed."""
    ma = cfg.mae
    text = (f"Each epoch a fresh {ma.mask_ratio:.0%} of the entries of X_z are replaced by values shuffled from "
            f"other cells; the reconstruction weighs its errors {ma.recon_weight:g} on those entries against "
            f"{1 - ma.recon_weight:g} on the others")
    if not ma.use_mask_predictor:
        return text + ", and there is no mask predictor (scDMAC-P)."
    return (text + f", and the mask predictor's cross-entropy counts {ma.mask_loss_weight:g} of the loss "
            f"against {1 - ma.mask_loss_weight:g} for the reconstruction.")


# --------------------------------------------------------------------------- Tables 2-4
def ours_vs_reported(long: pd.DataFrame, metric: str, *, method: str = "scDMAC") -> str:
    """Where ``method`` has the best mean of the methods shown, and how ours compare with the paper's values.

    ``long`` is a :func:`scdmac_lib.report.compare.side_by_side` table (the bar grid's input).
    """
    if long.empty or method not in set(long["method"]):
        msg = f"the table has no rows of {method!r} (methods: {sorted(set(long['method']))})."
        raise ValueError(msg)
    datasets = list(dict.fromkeys(long["dataset"]))
    best = long.loc[long.groupby("dataset", sort=False)["ours_mean"].idxmax()]
    wins = [catalogue.label(d) for d in best.loc[best["method"] == method, "dataset"]]
    text = (f"{method} has the highest mean {metric} of the {long['method'].nunique()} methods on {len(wins)} "
            f"of {len(datasets)} datasets" + (f" ({_names(wins)})." if wins else "."))
    paired = long.dropna(subset=["reported"])
    if paired.empty:
        return text + " The paper reports no value for these datasets."
    ours = paired[paired["method"] == method]
    others = paired[paired["method"] != method]
    if not ours.empty:
        gap = ours["ours_mean"] - ours["reported"]
        text += (f" Where the paper reports a value ({_count(len(ours), 'dataset')}), our {method} is below it on "
                 f"{int((gap < 0).sum())} of {len(ours)} (ours minus reported: {_range(gap)})")
    if not others.empty:
        below_others = int((others["ours_mean"] < others["reported"]).sum())
        text += ", and " if not ours.empty else " Where the paper reports a value, "
        text += f"ours is below the paper's value for {below_others} of the {len(others)} other method-dataset pairs."
    else:
        text += "."
    return text


def scdmac_vs_reported(rows: pd.DataFrame) -> str:
    """Per metric, on how many datasets our scDMAC is below the paper's reported value, and by how much.

    ``rows`` has the columns of :data:`scdmac_lib.report.summary_files.SCDMAC_COLUMNS` (the landing page's figure).
    """
    parts = []
    for metric, group in rows.groupby("metric", sort=False):
        paired = group.dropna(subset=["reported"])
        if paired.empty:
            parts.append(f"The paper reports no {metric} for these datasets.")
            continue
        gap = paired["ours_mean"] - paired["reported"]
        parts.append(f"{metric}: ours is below the paper's value on {int((gap < 0).sum())} of the {len(paired)} "
                     f"datasets it reports (ours minus reported: {_range(gap)}).")
    return " ".join(parts)


# --------------------------------------------------------------------------- Figs. 5-7
def sweep(summary: pd.DataFrame, param: str, *, metric: str = "ari") -> str:
    """Where our ``metric`` peaks on each dataset of one sweep against the paper's optimum, how much it moves,
    and how far the values the paper quotes at its optimum (the stars) lie from ours there."""
    info = reported.SWEEPS[param]
    lo, hi = info["optimum"]
    name = metric.upper()
    peaks, flat, inside, spans, gaps = [], [], 0, [], []
    for dataset, sub in summary.groupby("dataset", sort=False):
        means = sub.set_index("sweep_value")[f"{metric}_mean"].dropna()
        if means.empty:
            continue
        at_optimum = means[(means.index >= lo - TIE) & (means.index <= hi + TIE)]
        quoted = reported.reported_peak_points(param, dataset)
        value = None if quoted is None else dict(zip(("ari", "nmi"), quoted, strict=True)).get(metric)
        if value is not None and not np.isnan(value) and not at_optimum.empty:
            gaps.append(f"{value - at_optimum.max():+.2f} on {catalogue.label(dataset)}")
        spans.append(means.max() - means.min())
        if spans[-1] < TIE:
            flat.append(catalogue.label(dataset))
            continue
        top = means[means >= means.max() - TIE].index
        inside += bool(((top >= lo - TIE) & (top <= hi + TIE)).any())
        peaks.append(f"{' and '.join(f'{v:g}' for v in top)} on {catalogue.label(dataset)}")
    if not spans:
        msg = f"the sweep summary of {param} has no {metric}_mean values."
        raise ValueError(msg)
    optimum = f"{lo:g}" if abs(hi - lo) < TIE else f"{lo:g}-{hi:g}"
    where = []
    if peaks:
        where.append(f"highest at {info['label']} {'; '.join(peaks)}")
    if flat:
        where.append(f"the same at every value on {_names(flat)}")
    text = (f"Our {name} is {', and '.join(where)}; the paper's optimum is {optimum}"
            + (f" (the peak falls there on {inside} of {len(peaks)})." if peaks else ".")
            + f" Across the grid our {name} moves by at most {max(spans):.3f} on a dataset")
    if gaps:
        text += f"; the paper's quoted {name} at its optimum (stars) minus ours there: {'; '.join(gaps)}"
    return text + "."


# --------------------------------------------------------------------------- Fig. 4
def embedding(panel: Panel) -> str:
    """Fig. 4 for one dataset: clusters against types, how whole each annotated type stays, which types share
    a cluster."""
    truth = pd.Series(np.asarray(panel.truth).astype(str))
    clusters = pd.Series(np.asarray(panel.labels).astype(str))
    table = pd.crosstab(truth, clusters)
    kept = table.max(axis=1) / table.sum(axis=1)  # each type: the share of its cells in its main cluster
    split = kept.idxmin()
    main = table.idxmax(axis=1)  # each type's main cluster
    shared = [sorted(main.index[main == c]) for c in main.unique() if (main == c).sum() > 1]
    text = (f"scDMAC finds {clusters.nunique()} clusters for {truth.nunique()} annotated types (ARI "
            f"{panel.metrics['ari']:.2f}). Each type keeps a median {kept.median():.0%} of its cells in one cluster "
            f"(the most split, {split!r}, keeps {kept[split]:.0%})")
    if not shared:
        return text + ", and no two types share their main cluster."
    largest = _names([repr(t) for t in max(shared, key=len)])
    if len(shared) == 1:
        return text + f"; {largest} share their main cluster."
    return text + f"; {len(shared)} clusters are the main cluster of two or more types, e.g. {largest}."
