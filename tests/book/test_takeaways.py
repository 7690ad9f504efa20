"""The takeaways: sentences whose words follow the numbers they are given (walk-through and results pages)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scdmac_lib.book import takeaways as tk
from scdmac_lib.book.projection import Panel
from scdmac_lib.method.config import TrainConfig, make_config


def test_numbers_keep_two_significant_digits_without_exponents():
    assert [tk.num(x) for x in (0.724, 0.00512, 1234.5, 11.698, 0.0)] == ["0.72", "0.0051", "1,200", "12", "0"]
    assert tk.fold(0.724, 0.005) == "140-fold"
    assert tk.fold(2.0, 5.0) == "2.5-fold"


def test_the_stopping_sentence_names_what_stopped_the_run():
    # Pollen on the quick profile: 249 cells in one minibatch, 100 epochs, patience 200: the epoch count
    text = tk.training_stop(100, 249, TrainConfig())
    assert text.startswith("Its 100 epochs stopped it (249 cells fit in one minibatch of 256")
    assert "cannot stop a run before step 201" in text
    assert "plateau" not in text.split(";")[0]
    assert tk.training_stop(300, 5000, TrainConfig()).startswith("The ceiling of 300 steps stopped it")
    assert tk.training_stop(100, 249, TrainConfig(epochs=30, max_steps=100)).startswith(
        "The floor of 100 steps set its length, more than its 30 epochs give")
    plateau = tk.training_stop(250, 5000, TrainConfig(patience=50))
    assert plateau.startswith("A loss plateau stopped it") and "250 steps into a budget of 300" in plateau
    assert "still improving" in tk.training_stop(300, 5000, TrainConfig(patience=50))


def test_the_loss_trend_says_whether_the_curve_still_falls():
    assert "still falling" in tk.loss_trend(np.linspace(2.0, 1.0, 100), "loss")
    assert "flattened" in tk.loss_trend(np.r_[np.linspace(2.0, 1.0, 50), np.ones(50)], "loss")
    with pytest.raises(ValueError, match="at least 4 steps"):
        tk.loss_trend([1.0, 0.5], "loss")


def test_the_zero_takeaway_says_overshoot_and_where_it_comes_from():
    text = tk.zero_fit(observed=0.296, predicted=0.700, mean_pi=0.006, rounded=0.0, median_theta=0.054)
    assert text.startswith("The fitted model gives 0.70 zeros where the data have 0.30: it predicts too many zeros.")
    assert "dropout head adds little (mean pi 0.0060)" in text and "median theta 0.054" in text
    assert "No denoised mean rounds to zero" in text
    assert "it matches" in tk.zero_fit(0.30, 0.32, 0.1, 0.2, 5.0)
    assert "dropout head accounts for much of it" in tk.zero_fit(0.30, 0.70, 0.4, 0.0, 5.0)
    assert "too few" in tk.zero_fit(0.70, 0.30, 0.0, 0.0, 5.0)


def test_the_variance_and_representation_takeaways_follow_their_numbers():
    assert tk.variance_change(0.724, 0.005) == ("Denoising shrinks the median gene variance from 0.72 to 0.0050 "
                                                "(140-fold) on the same scale.")
    assert "loses structure that [X_z](../glossary.html#term-x-z) held (ARI 1.00 -> 0.68" in \
        tk.representation_gain(0.675, 1.0, 0.9)
    assert "adds structure" in tk.representation_gain(0.9, 0.8, 0.8)
    assert "keeps the structure" in tk.representation_gain(0.812, 0.815, 0.79)


def test_the_quick_start_comments_on_fewer_clusters_than_types():
    text = tk.clusters_against_types(8, 11, 0.61, {"0": ["a", "b"], "1": ["c"]}, estimated=True)
    assert text.startswith("`-k auto` estimated 8 clusters for 11 annotated types, so some types must share a "
                           "cluster: here types a and b share cluster 0.")
    assert "ARI 0.61" in text and "Pass `-k 11`" in text
    assert "Pass" not in tk.clusters_against_types(4, 4, 0.9, {}, estimated=False)


def test_the_clustering_takeaways_say_when_inflation_changes_nothing():
    assert "equal the raw ones" in tk.inflation_effect(1.0, identical=True)
    assert "sharpens" in tk.inflation_effect(2.0, identical=False)
    assert "less confidently" in tk.weight_confidence(0.877, 0.851)
    assert "keeps the ARI" in tk.fine_tune(0.812, 0.814, 0.563, 0.694)
    assert "tightens" in tk.fine_tune(0.812, 0.814, 0.563, 0.694)
    assert tk.cluster_sizes([10, 5, 5, 5, 5], [20, 10, 0, 0, 0], 5) == ("The non-empty clusters hold 5 to 10 cells at "
                                                                          "the start and 10 to 20 at the end; 3 of 5 clusters emptied.")
    assert "sharper" in tk.q_and_p(0.64, 0.83)


def test_the_masking_takeaways_read_the_diagnostics():
    assert "learned nothing" in tk.mask_bce(0.614, 0.611)
    assert "learned something" in tk.mask_bce(0.50, 0.611)
    assert "at chance" in tk.mae_diagnostics(0.501, 0.267, 0.240)
    assert "no mask predictor" in tk.mae_diagnostics(float("nan"), 0.267, 0.240)
    assert "every masked entry changes" in tk.masking_rates([0.1, 0.3], [0.1001, 0.299], [1.0, 1.0])


def test_filled_zeros_say_whether_denoised_values_follow_the_raw_ones():
    assert "barely follow" in tk.filled_zeros({"a": -0.14, "b": 0.09}, 1.90, 1.91)
    text = tk.filled_zeros({"a": 0.8, "b": 0.6}, 0.5, 2.0)
    assert "median 0.500, below the 2.00" in text and "r = 0.60 (b) to r = 0.80 (a): the denoised values follow" in text


def test_labels_moved_counts_clusters_in_use():
    assert tk.labels_moved(0.943, 11, 11) == ("Initial and final labels agree at ARI 0.94: the fine-tune moved few "
                                              "cells; all 11 requested clusters are in use at the end.")
    assert "only 8 of 11" in tk.labels_moved(0.4, 8, 11) and "moved many cells" in tk.labels_moved(0.4, 8, 11)


def test_stages_stopped_says_which_ran_their_budget():
    text = tk.stages_stopped({"denoise": tk.STOP_WORDS["max_steps"], "cluster": tk.STOP_WORDS["min_steps"]})
    assert text.startswith("What stopped each stage: denoise: step ceiling (max_steps); cluster: step floor")
    assert "None reached a loss plateau" in text
    assert "mae stopped on a plateau" in tk.stages_stopped({"mae": tk.STOP_WORDS["plateau"]})


def test_history_table_says_what_stopped_each_stage():
    from scdmac_lib.book import summaries
    from scdmac_lib.method.config import make_config

    cfg = make_config(3, **{"zinb.train.max_steps": 150})
    history = {"denoise": {"loss": [1.0] * 150}, "mae": {"loss": [1.0] * 120}, "cluster": {"loss": [1.0] * 100}}
    table = summaries.history_table(history, n_obs=300, config=cfg)
    assert list(table["stopped by"]) == ["step ceiling (max_steps)", "loss plateau", "step floor (min_steps)"]
    assert "stopped by" not in summaries.history_table(history)


def test_equal_reconstruction_errors_read_as_equal():
    assert "about the error of kept ones (ratio 1.00)" in tk.mae_diagnostics(0.5, 0.2401, 0.24)
    assert "2.0 times the error" in tk.mae_diagnostics(0.9, 0.48, 0.24)
    assert "raises the ARI of the log input (0.79 -> 0.84)" in tk.representation_gain(0.81, 0.84, 0.79)


def test_loss_terms_name_the_term_that_fell_most():
    text = tk.loss_terms({"loss": -0.05, "mask_bce": -0.004, "weighted_kmeans": -0.34, "kl": 0.2})
    assert text == ("From start to end: loss -5.0%, mask_bce -0.4%, weighted_kmeans -34%, kl +20%. 2 of 4 terms fell, "
                    "weighted_kmeans most; kl rose.")


def test_the_sparsity_takeaway_names_the_extremes():
    text = tk.sparsity(["a (stand-in)", "b (extra)"], [0.25, 0.99], [9_300_000.0, 246.0])
    assert text.startswith("Zeros range from 25% of the counts in a (stand-in) to 99% in b (extra)")
    assert "from 246 counts in b (extra) to 9,300,000 in a (stand-in), 38,000-fold apart" in text


def test_inflation_one_changes_no_weight_and_two_does():
    from scdmac_lib.book import summaries

    rng = np.random.default_rng(0)
    z, centers, labels = rng.normal(size=(30, 4)), rng.normal(size=(3, 4)), np.zeros(30, dtype=int)
    for r, unchanged in ((1.0, True), (2.0, False)):
        states = {when: (*summaries.soft_weights(z, centers, 1.0, r), labels) for when in ("start", "end")}
        assert summaries.inflation_changes_nothing(states) is unchanged
        columns = list(summaries.weight_confidence(states, inflated=not unchanged).columns)
        assert columns == (["state", "mean max w"] if unchanged else
                           ["state", "mean max w (before inflation)", "mean max w (after inflation)"])


def test_majority_clusters_group_the_types_a_cluster_holds_most_of():
    from scdmac_lib.book import summaries

    merged = summaries.majority_clusters([0, 0, 0, 0, 1, 1, 2], ["a", "a", "b", "b", "c", "c", "c"])
    assert merged == {"0": ["a", "b"], "1": ["c"]}


def test_the_numbers_behind_the_walk_through_takeaways():
    from scdmac_lib.book import summaries

    assert summaries.variance_share(np.array([1.0, 3.0, 4.0]), np.array([False, True, True])) == 7 / 8
    assert summaries.skewness(np.array([1.0, 2.0, 3.0])) == 0.0
    raw = np.array([[0.0, 1.0], [2.0, 0.0], [4.0, 3.0]])
    r, zero_median, counted_median = summaries.filled_zeros(raw, raw * 2 + 1, [0, 1], ["g0", "g1"])
    assert r == pytest.approx({"g0": 1.0, "g1": 1.0}) and (zero_median, counted_median) == (1.0, 6.0)
    changes = summaries.term_changes({"loss": [2.0] * 10 + [1.0] * 10}, ["loss"])
    assert changes == {"loss": -0.5}


def test_short_histories_and_large_dropout_read_right():
    from scdmac_lib.book import summaries

    assert summaries.term_changes({"kl": [2.0] * 5 + [1.0] * 5}, ["kl"]) == {"kl": -0.5}  # 10 steps: windows of 5
    assert "at the last step over 6 steps" in tk.loss_trend([4.0, 3.0, 2.5, 2.4, 2.35, 2.3], "loss")
    assert "pi is large (median 0.11" in tk.zinb_parameters(3.4, 1.0, 0.11, 0.58)
    assert "pi stays small" in tk.zinb_parameters(30.0, 0.054, 0.005, 0.19)


def _long(rows):
    return pd.DataFrame(rows, columns=["dataset", "method", "ours_mean", "reported"])


def test_ours_vs_reported_counts_wins_and_the_bars_below_the_paper():
    long = _long([("deng", "scDMAC", 0.5, 0.9), ("deng", "PCA + k-means", 0.6, 0.5),
                  ("pbmc10x", "scDMAC", 0.8, np.nan), ("pbmc10x", "PCA + k-means", 0.7, np.nan)])
    assert tk.ours_vs_reported(long, "ARI") == (
        "scDMAC has the highest mean ARI of the 2 methods on 1 of 2 datasets (pbmc10x (extra)). Where the paper "
        "reports a value (1 dataset), our scDMAC is below it on 1 of 1 (ours minus reported: -0.40), and ours is "
        "below the paper's value for 0 of the 1 other method-dataset pairs.")
    no_paper = long[long["dataset"] == "pbmc10x"]
    assert tk.ours_vs_reported(no_paper, "NMI").endswith("The paper reports no value for these datasets.")
    with pytest.raises(ValueError, match="the table has no rows of 'scDMAC'"):
        tk.ours_vs_reported(long[long["method"] != "scDMAC"], "ARI")


def _sweep(values: dict[str, dict[float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": d, "sweep_value": v, "ari_mean": a} for d, pts in values.items()
                         for v, a in pts.items()])


def test_sweep_says_where_each_dataset_peaks_and_which_are_flat():
    summary = _sweep({"deng": {0.5: 0.4, 0.7: 0.4, 0.9: 0.4}, "pollen": {0.5: 0.83, 0.7: 0.81, 0.9: 0.80}})
    text = tk.sweep(summary, "mae.recon_weight")
    assert text.startswith("Our ARI is highest at reconstruction weight of masked genes 0.5 on Pollen (stand-in), "
                           "and the same at every value on Deng (stand-in); the paper's optimum is 0.7 (the peak "
                           "falls there on 0 of 1). Across the grid our ARI moves by at most 0.030 on a dataset")
    # the stars: the paper quotes ARI 0.88916 (Deng) and 0.91566 (Pollen) at lambda = 0.7
    assert text.endswith("minus ours there: +0.49 on Deng (stand-in); +0.11 on Pollen (stand-in).")
    tied = tk.sweep(_sweep({"deng": {0.1: 0.3, 0.3: 0.5, 0.5: 0.5}}), "mae.mask_ratio")
    assert "highest at masking ratio 0.3 and 0.5 on Deng (stand-in)" in tied and "(the peak falls there on 1 of 1)" in tied
    with pytest.raises(ValueError, match="has no ari_mean values"):
        tk.sweep(_sweep({}).reindex(columns=["dataset", "sweep_value", "ari_mean"]), "mae.mask_ratio")


def test_embedding_names_split_and_shared_types():
    truth = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 2)
    labels = np.array([0, 0, 0, 1] + [2] * 4 + [2, 2])  # a mostly in 0, b and c share 2
    text = tk.embedding(Panel("deng", np.zeros((10, 2)), truth, labels, {"ari": 0.5}))
    assert text == ("scDMAC finds 3 clusters for 3 annotated types (ARI 0.50). Each type keeps a median 100% of its "
                    "cells in one cluster (the most split, 'a', keeps 75%); 'b' and 'c' share their main cluster.")
    whole = tk.embedding(Panel("deng", np.zeros((4, 2)), np.array(["a", "a", "b", "b"]), np.array([1, 1, 0, 0]),
                                      {"ari": 1.0}))
    assert whole.endswith("and no two types share their main cluster.")


def test_diagram_takeaways_follow_the_config():
    cfg = make_config(7, **{"mae.latent": 12, "mae.mask_ratio": 0.25, "mae.recon_weight": 0.8,
                            "preprocess.n_top_genes": 900, "zinb.bottleneck": 20})
    assert "900 selected genes" in tk.flowchart(cfg) and "k = 7 clusters" in tk.flowchart(cfg)
    assert "Z, 12 numbers per cell" in tk.flowchart(cfg)
    assert "keeps all 900 genes" in tk.zinb_diagram(cfg) and "20-dimensional" in tk.zinb_diagram(cfg)
    assert "a fresh 25% of the entries" in tk.mae_diagram(cfg) and "0.8 on those entries" in tk.mae_diagram(cfg)
    assert "(no denoising)" in tk.flowchart(make_config(7, variant="scDMAC-Z"))
    assert tk.mae_diagram(make_config(7, variant="scDMAC-P")).endswith("there is no mask predictor (scDMAC-P).")


def test_scdmac_against_reported_counts_the_datasets_below_per_metric():
    rows = pd.DataFrame({"metric": ["ARI", "ARI", "ARI", "NMI"], "ours_mean": [0.5, 0.9, 0.4, 0.7],
                         "reported": [0.8, 0.85, float("nan"), float("nan")]})
    text = tk.scdmac_vs_reported(rows)
    assert text.startswith("ARI: ours is below the paper's value on 1 of the 2 datasets it reports")
    assert text.endswith("The paper reports no NMI for these datasets.")
