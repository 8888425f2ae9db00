"""Gower distance (:func:`segkit.cluster.gower.gower_distance`) against R cluster::daisy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from segkit.cluster.estimator import SegmentClusterer
from segkit.cluster.gower import gower_distance
from segkit.cluster.kvote import choose_k


def test_gower_equals_r_daisy() -> None:
    """Reference: R 4.2, cluster 2.1 —
    x <- data.frame(spend = c(120, 35, 560, 80, 35), visits = c(3, 1, 12, 2, 5),
                    city = factor(c("Shanghai", "Beijing", "Shanghai", "Chengdu", "Beijing")),
                    gender = factor(c("F", "M", "F", "F", "M")))
    round(as.matrix(daisy(x, metric = "gower")), 6)"""
    x = pd.DataFrame({
        "spend": [120.0, 35, 560, 80, 35], "visits": [3, 1, 12, 2, 5],
        "city": ["Shanghai", "Beijing", "Shanghai", "Chengdu", "Beijing"],
        "gender": ["F", "M", "F", "F", "M"],
    })  # fmt: skip
    r = np.array([
        [0.000000, 0.585931, 0.414069, 0.291775, 0.585931],
        [0.585931, 0.000000, 1.000000, 0.544156, 0.090909],
        [0.414069, 1.000000, 0.000000, 0.705844, 0.909091],
        [0.291775, 0.544156, 0.705844, 0.000000, 0.589610],
        [0.585931, 0.090909, 0.909091, 0.589610, 0.000000],
    ])  # fmt: skip
    np.testing.assert_allclose(gower_distance(x), r, atol=1e-6)
    # a numeric code named categorical is compared by matching
    coded = x.assign(city=[1, 2, 1, 3, 2])
    np.testing.assert_allclose(gower_distance(coded, ["city"]), r, atol=1e-6)


def test_gower_average_linkage_equals_r_hclust() -> None:
    """Reference: R 4.2, cluster 2.1 —
    x <- data.frame(spend = c(120, 35, 560, 80, 35, 410, 95, 60, 700, 150, 45, 520),
                    visits = c(3, 1, 12, 2, 5, 9, 4, 2, 15, 3, 1, 10),
                    city = factor(c("SH", "BJ", "SH", "CD", "BJ", "SH", "CD", "BJ", "SH", "CD",
                                    "BJ", "CD")),
                    gender = factor(c("F", "M", "F", "F", "M", "F", "F", "M", "M", "F", "M",
                                      "F")))
    cutree(hclust(daisy(x, metric = "gower"), method = "average"), 3)
    # 1 2 1 1 2 1 1 2 3 1 2 1"""
    x = pd.DataFrame({
        "spend": [120.0, 35, 560, 80, 35, 410, 95, 60, 700, 150, 45, 520],
        "visits": [3, 1, 12, 2, 5, 9, 4, 2, 15, 3, 1, 10],
        "city": ["SH", "BJ", "SH", "CD", "BJ", "SH", "CD", "BJ", "SH", "CD", "BJ", "CD"],
        "gender": ["F", "M", "F", "F", "M", "F", "F", "M", "M", "F", "M", "F"],
    })  # fmt: skip
    r = [1, 2, 1, 1, 2, 1, 1, 2, 3, 1, 2, 1]
    sc = SegmentClusterer("gower", 3, categorical=["city", "gender"], preprocess=None).fit(x)
    assert adjusted_rand_score(r, sc.labels_) == 1.0
    assert sc.preprocessing_["city"] == "categorical (matching)"
    # predict: the nearest medoid by Gower with the training ranges, an approximation of
    # average linkage's assignment (measured: 11 of the 12 rows get their own segment)
    assert (sc.predict(x) == sc.labels_).sum() == 11
    # numeric data only is Gower too (range-scaled Manhattan distance)
    SegmentClusterer("gower", 2, preprocess=None).fit(x[["spend", "visits"]])


def test_gower_vote_on_mixed_data() -> None:
    from ..cluster.test_kvote_methods import mixed_groups

    data = mixed_groups()
    X = data[["spend", "visits", "city", "gender"]]
    sel = choose_k(X, k_range=range(2, 7), method="gower", categorical=["city", "gender"],
                   progress=False)  # fmt: skip
    assert set(sel.votes_.index) == {"silhouette", "dunn", "knee"}
    assert sel.info_["algorithm"] == "gower + average linkage"
    # measured: k=6 by silhouette and Dunn (knee: k=3): average linkage splits off the
    # customers whose city or gender is not their group's (the 10% noise) as small segments,
    # where k-prototypes' vote finds the 3 planted groups (tests/cluster/test_kvote_methods.py)
    assert sel.recommended_k_ == 6 and sel.votes_.at["knee", "k"] == 3
