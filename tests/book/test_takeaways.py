"""The sentences under the figures: computed from the numbers the figures show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.book import takeaways
from scdmac_lib.book.projection import Panel
from scdmac_lib.method.config import make_config


def _long(rows):
    return pd.DataFrame(rows, columns=["dataset", "method", "ours_mean", "reported"])


def test_ours_vs_reported_counts_wins_and_the_bars_below_the_paper():
    long = _long([("deng", "scDMAC", 0.5, 0.9), ("deng", "PCA + k-means", 0.6, 0.5),
                  ("pbmc10x", "scDMAC", 0.8, np.nan), ("pbmc10x", "PCA + k-means", 0.7, np.nan)])
    assert takeaways.ours_vs_reported(long, "ARI") == (
        "scDMAC has the highest mean ARI of the 2 methods on 1 of 2 datasets (pbmc10x (extra)). Where the paper "
        "reports a value (1 dataset), our scDMAC is below it on 1 of 1 (ours minus reported: -0.40), and ours is "
        "below the paper's value for 0 of the 1 other method-dataset pairs.")
    no_paper = long[long["dataset"] == "pbmc10x"]
    assert takeaways.ours_vs_reported(no_paper, "NMI").endswith("The paper reports no value for these datasets.")
    with pytest.raises(ValueError, match="the table has no rows of 'scDMAC'"):
        takeaways.ours_vs_reported(long[long["method"] != "scDMAC"], "ARI")


def _sweep(values: dict[str, dict[float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": d, "sweep_value": v, "ari_mean": a} for d, pts in values.items()
                         for v, a in pts.items()])


def test_sweep_says_where_each_dataset_peaks_and_which_are_flat():
    summary = _sweep({"deng": {0.5: 0.4, 0.7: 0.4, 0.9: 0.4}, "pollen": {0.5: 0.83, 0.7: 0.81, 0.9: 0.80}})
    text = takeaways.sweep(summary, "mae.recon_weight")
    assert text.startswith("Our ARI is highest at reconstruction weight of masked genes 0.5 on Pollen (stand-in), "
                           "and the same at every value on Deng (stand-in); the paper's optimum is 0.7 (the peak "
                           "falls there on 0 of 1). Across the grid our ARI moves by at most 0.030 on a dataset")
    # the stars: the paper quotes ARI 0.88916 (Deng) and 0.91566 (Pollen) at lambda = 0.7
    assert text.endswith("minus ours there: +0.49 on Deng (stand-in); +0.11 on Pollen (stand-in).")
    tied = takeaways.sweep(_sweep({"deng": {0.1: 0.3, 0.3: 0.5, 0.5: 0.5}}), "mae.mask_ratio")
    assert "highest at masking ratio 0.3 and 0.5 on Deng (stand-in)" in tied and "(the peak falls there on 1 of 1)" in tied
    with pytest.raises(ValueError, match="has no ari_mean values"):
        takeaways.sweep(_sweep({}).reindex(columns=["dataset", "sweep_value", "ari_mean"]), "mae.mask_ratio")


def test_embedding_names_split_and_shared_types():
    truth = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 2)
    labels = np.array([0, 0, 0, 1] + [2] * 4 + [2, 2])  # a mostly in 0, b and c share 2
    text = takeaways.embedding(Panel("deng", np.zeros((10, 2)), truth, labels, {"ari": 0.5}))
    assert text == ("scDMAC finds 3 clusters for 3 annotated types (ARI 0.50). Each type keeps a median 100% of its "
                    "cells in one cluster (the most split, 'a', keeps 75%); 'b' and 'c' share their main cluster.")
    whole = takeaways.embedding(Panel("deng", np.zeros((4, 2)), np.array(["a", "a", "b", "b"]), np.array([1, 1, 0, 0]),
                                      {"ari": 1.0}))
    assert whole.endswith("and no two types share their main cluster.")


def test_diagram_takeaways_follow_the_config():
    cfg = make_config(7, **{"mae.latent": 12, "mae.mask_ratio": 0.25, "mae.recon_weight": 0.8,
                            "preprocess.n_top_genes": 900, "zinb.bottleneck": 20})
    assert "900 selected genes" in takeaways.flowchart(cfg) and "k = 7 clusters" in takeaways.flowchart(cfg)
    assert "Z, 12 numbers per cell" in takeaways.flowchart(cfg)
    assert "keeps all 900 genes" in takeaways.zinb_diagram(cfg) and "20-dimensional" in takeaways.zinb_diagram(cfg)
    assert "a fresh 25% of the entries" in takeaways.mae_diagram(cfg) and "0.8 on those entries" in takeaways.mae_diagram(cfg)
    assert "(no denoising)" in takeaways.flowchart(make_config(7, variant="scDMAC-Z"))
    assert takeaways.mae_diagram(make_config(7, variant="scDMAC-P")).endswith("there is no mask predictor (scDMAC-P).")
