"""Stage-by-stage diagnosis of an scDMAC fit: where cluster structure is gained or lost.

Each stage's output is clustered the same way, by k-means with the run's ``k`` and seed: the PCA of
the log-normalized input (the PCA + k-means baseline), the PCA of the denoised matrix ``Xz``, the
pretrained embedding ``Z`` (the fine-tune's starting labels) and the fine-tuned labels themselves.
:func:`stage_labels` never reads ground truth; :func:`score_stages` scores the labels against it
when it exists. :func:`cluster_sizes` adds label-free checks of the final partition;
:func:`type_recall`, :func:`marker_contrast` and :func:`knn_type_purity` explain a loss with the
labels, after the fact.

Over many runs: :func:`stage_summary` gives each stage's mean and sd over seeds per dataset and
the change from stage to stage; :func:`effect_test` measures a paired difference with the dataset
as the unit (its interval across datasets, each dataset's interval over its seeds, and a test of
whether it differs between datasets), :func:`step_tests` applies it to every change from stage to
stage, and :func:`compare_arms` to one arm (such as the counterfactual that feeds the ZINB
bottleneck to the masked stage) against others. :func:`paired_difference` is the first rule's
test, over (dataset, seed) pairs (kept to show what that rule answered).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scdmac_lib.evaluation.metrics import ari
from scdmac_lib.evaluation.stages import STAGES
from scdmac_lib.evaluation.stats import (
    dataset_effect,
    heterogeneity,
    holm,
    paired_wilcoxon,
    unit_intervals,
)
from scdmac_lib.method.preprocess import standardized_pcs

#: The ``dataset`` of :func:`stage_summary`'s last row.
MEAN_ROW = "mean over datasets"
#: The keys of a run frame that pair two runs: the same dataset and seed.
PAIR_KEYS = ("dataset", "seed")


def knn_type_purity(x: np.ndarray, truth, *, seed: int, n_neighbors: int = 15, n_comps: int = 50) -> float:
    """Mean share of each cell's nearest neighbours (Euclidean, in the PCA of ``x``) of its own type.

    A local measure: it stays high when every type is still a tight neighbourhood, even where a
    global partition (k-means) cuts a type along some other axis, such as donors.
    """
    from sklearn.neighbors import NearestNeighbors

    truth = np.asarray(truth)
    k = min(n_neighbors, len(truth) - 1)
    pcs = standardized_pcs(x, n_comps, seed=seed)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(pcs).kneighbors(pcs)
    return float((truth[idx[:, 1:]] == truth[:, None]).mean())


def type_recall(truth, pred) -> dict[str, float]:
    """Recall of each true type under the best one-to-one matching of clusters to types (Hungarian).

    A type merged into a bigger type's cluster gets a recall near 0, even when all its cells share
    that cluster.
    """
    from scipy.optimize import linear_sum_assignment

    types, t = np.unique(np.asarray(truth).astype(str), return_inverse=True)
    p = np.unique(np.asarray(pred).astype(str), return_inverse=True)[1]
    table = np.zeros((p.max() + 1, t.max() + 1), dtype=np.int64)
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(-table)
    matched = dict(zip(cols, rows, strict=True))
    sizes = table.sum(axis=0)
    return {str(types[j]): float(table[matched[j], j] / sizes[j]) if j in matched else 0.0 for j in range(types.size)}


def smallest_type_recall(truth, pred) -> float:
    """:func:`type_recall` of the smallest true type."""
    names, sizes = np.unique(np.asarray(truth).astype(str), return_counts=True)
    return type_recall(truth, pred)[str(names[np.argmin(sizes)])]


def marker_contrast(lognorm: np.ndarray, truth, mean_scale: np.ndarray, dropout: np.ndarray | None, *,
                    n_markers: int = 5) -> pd.DataFrame:
    """How much of each type's marker contrast a denoiser's mean keeps, and where its dropout goes.

    For each true type, its ``n_markers`` genes of largest mean log expression inside the type minus
    outside. Per type: ``observed_log2_ratio``, the log2 ratio of mean normalized expression
    (``expm1(lognorm)``) inside / outside the type; ``fitted_log2_ratio``, the same for the fitted
    mean at unit size factor (``mean_scale``); and ``dropout_outside`` / ``dropout_inside``, the mean
    fitted dropout probability of those genes outside / inside the type. A zero-inflation head that
    explains a type's absent markers by dropout shows a high ``dropout_outside`` and a fitted ratio far
    below the observed one. Uses labels only to explain a fit, never to make one.
    """
    truth = np.asarray(truth).astype(str)
    expr = np.expm1(lognorm)
    rows = []
    for t in np.unique(truth):
        inside = truth == t
        diff = lognorm[inside].mean(axis=0) - lognorm[~inside].mean(axis=0)
        genes = np.argsort(-diff)[:n_markers]

        def ratio(values, genes=genes, inside=inside):
            return float(np.log2((values[inside][:, genes].mean() + 1e-9) / (values[~inside][:, genes].mean() + 1e-9)))

        row = {"type": t, "n_cells": int(inside.sum()), "observed_log2_ratio": ratio(expr),
               "fitted_log2_ratio": ratio(mean_scale)}
        if dropout is not None:
            row["dropout_inside"] = float(dropout[inside][:, genes].mean())
            row["dropout_outside"] = float(dropout[~inside][:, genes].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def split_by_batch(labels, truth, batch, *, n_types: int = 3, min_share: float = 0.1) -> pd.DataFrame:
    """How a clustering splits the largest true types, and whether the split follows a batch column.

    For each of the ``n_types`` largest types: the number of clusters that hold at least
    ``min_share`` of its cells, and the ARI between cluster and batch (e.g. donor) within the
    type: near 1 when the type is cut along its batches, near 0 when the cut has nothing to do with
    them. Uses labels and batches only to explain a clustering, never to make one.
    """
    labels, truth, batch = (np.asarray(v).astype(str) for v in (labels, truth, batch))
    names, sizes = np.unique(truth, return_counts=True)
    rows = []
    for t in names[np.argsort(-sizes)][:n_types]:
        inside = truth == t
        shares = pd.Series(labels[inside]).value_counts(normalize=True)
        rows.append({"type": t, "n_cells": int(inside.sum()), "clusters_holding_it": int((shares >= min_share).sum()),
                     "cluster_vs_batch_ari": ari(batch[inside], labels[inside])})
    return pd.DataFrame(rows)


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    if missing := sorted(set(needed) - set(frame.columns)):
        msg = f"{what} lacks the columns {missing}; it needs one row per run with {list(needed)}."
        raise ValueError(msg)


def stage_summary(frame: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """Each stage's score per dataset, mean and sd over seeds, with the change from stage to stage.

    Parameters
    ----------
    frame
        One row per scDMAC run: ``dataset``, ``seed`` and ``stage_<key>_<metric>`` for the stages
        of :data:`~scdmac_lib.evaluation.stages.STAGES` it scores.
    metric
        ``"ari"`` or ``"nmi"``.

    Returns
    -------
    One row per dataset (in order of appearance) and a last row :data:`MEAN_ROW`. Columns:
    ``dataset``, ``n_seeds``, then ``<key>_mean`` and ``<key>_sd`` for each stage in pipeline order,
    then ``<key> - <previous>_mean`` and ``_sd`` for each pair of consecutive stages (the change is
    taken within each run, then summarized over seeds). The sd is over seeds (ddof 1; ``NaN`` with
    one seed). The last row holds the mean over datasets of each mean; its sd columns and
    ``n_seeds`` are ``NaN``. Empty when the frame scores no stage.
    """
    _check_columns(frame, PAIR_KEYS, "the run frame")
    keys = [key for key in STAGES if f"stage_{key}_{metric}" in frame.columns]
    if not keys:
        return pd.DataFrame()
    scores = pd.DataFrame({"dataset": frame["dataset"], "seed": frame["seed"]})
    for key in keys:
        scores[key] = frame[f"stage_{key}_{metric}"].astype(float)
    for prev, cur in zip(keys[:-1], keys[1:], strict=True):
        scores[f"{cur} - {prev}"] = scores[cur] - scores[prev]
    columns = [c for c in scores.columns if c not in PAIR_KEYS]
    grouped = scores.groupby("dataset", sort=False)
    out = pd.DataFrame({"n_seeds": grouped["seed"].nunique()})
    for col in columns:
        out[f"{col}_mean"] = grouped[col].mean()
        out[f"{col}_sd"] = grouped[col].std(ddof=1)
    overall = {c: (out[c].mean() if c.endswith("_mean") else np.nan) for c in out.columns}
    out.loc[MEAN_ROW] = overall
    return out.rename_axis("dataset").reset_index()


def paired_difference(first: pd.Series, second: pd.Series) -> dict[str, float]:
    """``first - second`` paired on the index (e.g. (dataset, seed)), tested both ways.

    Pairs where either side is missing are dropped. Returns ``n_pairs``, ``mean_diff`` and
    ``sd_diff`` (ddof 1) of the differences, ``p_greater`` (one-sided Wilcoxon signed-rank p-value
    that ``first`` tends to be higher) and ``p_less`` (that it tends to be lower); the p-values are
    ``NaN`` with fewer than :data:`~scdmac_lib.evaluation.stats.MIN_PAIRS` pairs.
    """
    diff = (first.astype(float) - second.astype(float)).dropna()
    sd = float(diff.std(ddof=1)) if diff.size >= 2 else float("nan")
    return {"n_pairs": int(diff.size), "mean_diff": float(diff.mean()) if diff.size else float("nan"),
            "sd_diff": sd, "p_greater": paired_wilcoxon(diff, "greater"), "p_less": paired_wilcoxon(diff, "less")}


def effect_test(diffs: pd.DataFrame, value: str = "diff") -> dict:
    """A paired difference (one row per (dataset, seed): ``dataset``, ``seed``, ``value``) with the dataset
    as the unit.

    Returns ``effect`` (the mean over datasets of each dataset's mean), ``low``/``high`` (95% t
    interval), ``p_two_sided``, ``detectable`` (80% power), ``n_datasets``, ``n_seeds``, the one-way
    ANOVA of the differences on dataset (``het_f``, ``het_df_between``, ``het_df_within``, ``het_p``),
    ``higher`` / ``lower`` (the datasets whose own 95% interval over seeds lies above / below 0) and
    ``mean_higher`` / ``mean_lower`` (the datasets whose mean lies above / below 0), each as a list.
    """
    rows = diffs.dropna(subset=[value])
    if rows["dataset"].nunique() == 0:
        return {"effect": np.nan, "low": np.nan, "high": np.nan, "p_two_sided": np.nan, "detectable": np.nan,
                "n_datasets": 0, "n_seeds": 0, "het_f": np.nan, "het_df_between": 0, "het_df_within": 0,
                "het_p": np.nan, "higher": [], "lower": [], "mean_higher": [], "mean_lower": []}
    eff = dataset_effect(rows, value)
    low, high = eff.interval()
    het = heterogeneity(rows, value)
    per = unit_intervals(rows, value)
    return {"effect": eff.estimate, "low": low, "high": high, "p_two_sided": eff.p_value(),
            "detectable": eff.detectable(), "n_datasets": eff.n_units, "n_seeds": eff.n_replicates,
            "het_f": het.f, "het_df_between": het.df_between, "het_df_within": het.df_within, "het_p": het.p_value,
            "higher": per.loc[per["side"] > 0, "dataset"].tolist(),
            "lower": per.loc[per["side"] < 0, "dataset"].tolist(),
            "mean_higher": per.loc[per["mean"] > 0, "dataset"].tolist(),
            "mean_lower": per.loc[per["mean"] < 0, "dataset"].tolist()}


def stage_steps(frame: pd.DataFrame, metric: str = "ari") -> list[tuple[str, str]]:
    """The consecutive pairs ``(earlier, later)`` of the stages (:data:`STAGES`, pipeline order) ``frame`` scores."""
    keys = [key for key in STAGES if f"stage_{key}_{metric}" in frame.columns]
    return list(zip(keys[:-1], keys[1:], strict=True))


def step_differences(frame: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """Every change from one stage to the next within each run: ``dataset, seed, step, diff`` (later minus
    earlier; ``step`` is ``"<later> - <earlier>"``, as in :func:`stage_summary`)."""
    _check_columns(frame, PAIR_KEYS, "the run frame")
    parts = [pd.DataFrame({"dataset": frame["dataset"], "seed": frame["seed"], "step": f"{cur} - {prev}",
                           "diff": frame[f"stage_{cur}_{metric}"].astype(float)
                           - frame[f"stage_{prev}_{metric}"].astype(float)})
             for prev, cur in stage_steps(frame, metric)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["dataset", "seed", "step", "diff"])


def step_tests(frame: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """Every change from stage to stage tested the same way (:func:`effect_test`), Holm over the steps.

    One row per step in pipeline order: ``step``, the columns of :func:`effect_test`, and ``p_holm``.
    """
    steps = step_differences(frame, metric)
    rows = [{"step": step, **effect_test(g)} for step, g in steps.groupby("step", sort=False)]
    table = pd.DataFrame(rows)
    if not table.empty:
        table["p_holm"] = holm(table["p_two_sided"].to_numpy())
    return table


def step_intervals(frame: pd.DataFrame, metric: str = "ari") -> pd.DataFrame:
    """Each dataset's change from stage to stage over its seeds (:func:`~scdmac_lib.evaluation.stats.unit_intervals`):
    ``step, dataset, n, mean, sd, low, high, side``."""
    steps = step_differences(frame, metric)
    parts = [unit_intervals(g).assign(step=step) for step, g in steps.groupby("step", sort=False)]
    if not parts:
        return pd.DataFrame(columns=["step", "dataset", "n", "mean", "sd", "low", "high", "side"])
    return pd.concat(parts, ignore_index=True)[["step", "dataset", "n", "mean", "sd", "low", "high", "side"]]


@dataclass(frozen=True)
class ArmComparison:
    """One arm against others: per-dataset means and sds of every arm, and the tests with the dataset as the unit."""

    per_dataset: pd.DataFrame  # dataset, n_seeds, then <arm>_mean and <arm>_sd for each arm
    tests: pd.DataFrame  # one row per other arm: arm, versus, then the columns of effect_test


def compare_arms(frame: pd.DataFrame, arm: str, others: Sequence[str], metric: str = "ari") -> ArmComparison:
    """``arm`` against each of ``others`` on a run frame with ``dataset``, ``seed``, ``arm`` and ``metric``.

    ``per_dataset``: one row per dataset with the number of seeds ``arm`` ran and the mean and sd
    over seeds of every arm (``arm`` first). ``tests``: one row per other arm, ``arm`` minus it,
    paired on (dataset, seed), with the dataset as the unit (:func:`effect_test`). An arm that did
    not run fails with the arms that did.
    """
    _check_columns(frame, [*PAIR_KEYS, "arm", metric], "the run frame")
    arms = [arm, *others]
    if missing := [a for a in arms if a not in set(frame["arm"])]:
        msg = f"arm(s) {missing} have no runs in the frame; it has {sorted(set(frame['arm']))}."
        raise ValueError(msg)
    wide = frame.pivot_table(index=list(PAIR_KEYS), columns="arm", values=metric, aggfunc="mean", sort=False)
    grouped = wide.groupby(level="dataset", sort=False)
    per_dataset = pd.DataFrame({"n_seeds": grouped[arm].count()})
    for a in arms:
        per_dataset[f"{a}_mean"] = grouped[a].mean()
        per_dataset[f"{a}_sd"] = grouped[a].std(ddof=1)
    tests = pd.DataFrame([{"arm": arm, "versus": other,
                           **effect_test((wide[arm] - wide[other]).rename("diff").reset_index())}
                          for other in others])
    return ArmComparison(per_dataset.reset_index(), tests)
