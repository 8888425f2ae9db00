"""Gower distance (:func:`segkit.cluster.mixed.gower_distance`) against R cluster::daisy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.cluster.mixed import gower_distance


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
