"""Scores of a run's stored labels in one space shared by every method, computed at report time.

Each method's own silhouette is measured in its own embedding, on its own scale: it does not rank
methods (Table 4's caveat). Here every method's labels are scored in one space per dataset: the top
50 principal components of the gene-standardized log-normalized highly variable genes, with the
library's default preprocessing (seed 0), the space of the PCA + k-means baseline and of the stage
diagnosis's "log input" stage. It is not neutral: k-means in that space optimizes a criterion close
to the silhouette there, so PCA + k-means is at home in it; the pages say so.

These scores need only the stored labels, so they live here and not in the fingerprinted result
code: adding them there would make every stored run stale.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scdmac_lib.data.catalogue import LABEL_KEY, dataset_digest, load_dataset
from scdmac_lib.evaluation.metrics import silhouette
from scdmac_lib.method.config import PreprocessConfig
from scdmac_lib.runtime import files, paths
from scdmac_lib.method import preprocess as pp

N_COMPONENTS = 50
COLLAPSE_SHARE = 0.5  # a run that finds fewer non-empty clusters than this share of the types has collapsed


@functools.lru_cache(maxsize=16)
def shared_space(dataset: str) -> tuple[np.ndarray, int]:
    """The dataset's shared space (cells x at most 50 PCs) and its number of cell types, computed once per
    dataset content and kept under ``results/shared_space/`` (the pages that compare methods share it)."""
    stored = paths.results_dir() / "shared_space" / f"{dataset}-{dataset_digest(dataset)[:16]}.npz"
    if stored.is_file():
        with np.load(stored) as saved:
            return saved["space"], int(saved["n_types"])
    space, n_types = _compute(dataset)
    with files.atomic_path(stored) as tmp, tmp.open("wb") as handle:
        np.savez(handle, space=space, n_types=n_types)
    return space, n_types


def _compute(dataset: str) -> tuple[np.ndarray, int]:
    adata = load_dataset(dataset)
    cfg = PreprocessConfig()
    counts = pp.as_csr(adata.X)
    pp.check_counts(counts)
    expressed = pp.drop_empty_genes(counts)
    genes = expressed[pp.select_genes(counts[:, expressed], cfg)]  # as preprocess() selects them
    lognorm = pp.normalize_log1p(counts[:, genes], pp.library_sizes(counts), cfg.target_sum)
    return pp.standardized_pcs(lognorm, N_COMPONENTS, seed=0), int(adata.obs[LABEL_KEY].nunique())


def collapsed(n_found: int, n_types: int) -> bool:
    """Whether a run that found ``n_found`` non-empty clusters for ``n_types`` types collapsed."""
    return n_found < COLLAPSE_SHARE * n_types


def label_scores(results: Sequence) -> pd.DataFrame:
    """One row per run (:class:`scdmac_lib.runs.cache.RunResult`): ``dataset, method, seed``, the silhouette
    of its labels in the shared space (``silhouette_shared``; ``NaN`` with one cluster), ``n_types``,
    ``n_found`` (non-empty clusters) and ``collapsed``."""
    rows = []
    for res in results:
        space, n_types = shared_space(res.spec.dataset)
        labels = np.asarray(res.labels)
        if len(labels) != len(space):
            msg = (f"{res.spec.dataset} {res.spec.method} seed {res.spec.seed}: {len(labels)} stored labels for "
                   f"{len(space)} cells: the stored run is of other data; recompute it (scdmac runs verify).")
            raise ValueError(msg)
        n_found = len(np.unique(labels))
        rows.append({"dataset": res.spec.dataset, "method": res.spec.method, "seed": res.spec.seed,
                     "silhouette_shared": silhouette(space, labels) if n_found > 1 else np.nan,
                     "n_types": n_types, "n_found": n_found, "collapsed": collapsed(n_found, n_types)})
    return pd.DataFrame(rows, columns=["dataset", "method", "seed", "silhouette_shared", "n_types", "n_found",
                                       "collapsed"])


def with_collapsed(long: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """A :func:`scdmac_lib.report.compare.side_by_side` table with the number of its runs that collapsed per
    (dataset, method) (``collapsed``; from :func:`label_scores`), for :func:`scdmac_lib.book.tables.ours_table`."""
    counts = scores.groupby(["dataset", "method"])["collapsed"].sum().astype(int).rename("collapsed").reset_index()
    out = long.drop(columns=["collapsed"], errors="ignore").merge(counts, on=["dataset", "method"], how="left")
    return out.fillna({"collapsed": 0}).astype({"collapsed": int})
