"""The gap statistic (segkit.cluster.gap_statistic) against R cluster::clusGap / maxSE."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit.cluster.gap_statistic import gap, max_se
from segkit.errors import InputError

# --- the gap statistic as R cluster::clusGap / maxSE -----------------------------------------
# R 4.2.2, cluster 2.1.4 (Debian r-cran-cluster 2.1.4-1). Data: R's iris and USArrests
# (tests/data, written from R), scaled as R's scale() (sd with n - 1).
DATA = Path(__file__).parents[1] / "data"
RULES = ["firstSEmax", "Tibs2001SEmax", "globalSEmax", "firstmax", "globalmax"]


def _scaled(frame: pd.DataFrame) -> np.ndarray:
    z = frame.to_numpy(dtype=float)
    return (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)


def test_max_se_rules_on_r_clusgap_table() -> None:
    """set.seed(3); g <- clusGap(scale(iris[, 1:4]), kmeans, K.max = 8, B = 100,
    d.power = 1, nstart = 25, iter.max = 50); g$Tab and maxSE(g$Tab[, "gap"],
    g$Tab[, "SE.sim"], method = m) -> firstSEmax 2, Tibs2001SEmax 2, globalSEmax 2,
    firstmax 3, globalmax 3."""
    gap_ = [0.22699, 0.46746, 0.48710, 0.44005, 0.46247, 0.45013, 0.45875, 0.45214]
    se = [0.02392, 0.02679, 0.02354, 0.02142, 0.01877, 0.01907, 0.02024, 0.02099]
    assert [max_se(gap_, se, r) for r in RULES] == [2, 2, 2, 3, 3]
    assert max_se(gap_, se, "Tibshirani2001") == 2
    # SE.factor = 0: the SE rules become the first / global maximum
    assert [max_se(gap_, se, r, se_factor=0) for r in RULES] == [3, 3, 3, 3, 3]
    with pytest.raises(ValueError):
        max_se(gap_, se, "best")


@pytest.mark.parametrize(
    ("distance", "log_w"),
    [("euclidean", [4.53457, 4.02132, 3.80658]),  # d.power = 1
     ("squared", [5.69709, 4.70447, 4.24052, 4.03717, 3.80891])],  # d.power = 2
)  # fmt: skip
def test_gap_log_w_equals_clusgap_on_iris(distance: str, log_w: list[float]) -> None:
    """logW of clusGap(scale(iris[, 1:4]), kmeans, K.max = 8, B = 100, d.power = 1 | 2,
    nstart = 25)$Tab[, "logW"] for the k where both find the optimal partition (k = 1..3,
    and 4, 5 with d.power = 2); the chosen k on iris: d.power = 1 -> firstmax and globalmax
    3 (the SE rules 2), d.power = 2 -> 3 by every rule (set.seed(1..3))."""
    z = _scaled(pd.read_csv(DATA / "iris.csv").iloc[:, :4])
    res = gap(z, n_ref=20, distance=distance, n_init=10, progress=False)  # type: ignore[arg-type]
    np.testing.assert_allclose(res.table["logW"].to_numpy()[: len(log_w)], log_w, atol=1e-5)
    assert res.k_by("firstmax") == res.k_by("globalmax") == 3
    assert f"d.power = {1 if distance == 'euclidean' else 2}" in res.reason


def test_gap_rules_choose_clusgaps_k_on_usarrests() -> None:
    """clusGap(scale(USArrests), kmeans, K.max = 8, B = 100, d.power = 2, nstart = 25,
    spaceH0 = "scaledPCA" or "original") with maxSE: firstSEmax 4, Tibs2001SEmax 2,
    globalSEmax 4, firstmax 4, globalmax 4 (set.seed(1..4), every seed). The reference data
    differ from R's (numpy's generator), so the k are compared, not the gap values."""
    z = _scaled(pd.read_csv(DATA / "usarrests.csv").drop(columns="state"))
    res = gap(z, n_ref=50, distance="squared", n_init=10, random_state=1, progress=False)
    assert [res.k_by(r) for r in RULES] == [4, 2, 4, 4, 4]
    assert res.k == 4 and res.rule == "firstSEmax"  # R's default rule
    tibs = gap(z, n_ref=50, distance="squared", rule="Tibshirani2001", n_init=10,
               space_h0="original", random_state=2, progress=False)  # fmt: skip
    assert tibs.k == 2 and tibs.rule == "Tibs2001SEmax"
    assert list(res.table.columns) == ["logW", "E_logW", "gap", "SE_sim"]


def test_gap_bad_input() -> None:
    with pytest.raises(InputError) as err:
        gap(pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2, 3, 4]}), k_max=2)
    assert err.value.code == "MISSING_VALUES" and err.value.column == "a"
    with pytest.raises(InputError):
        gap(np.zeros((3, 2)), k_max=5)
    with pytest.raises(ValueError):
        gap(np.random.default_rng(0).normal(size=(30, 2)), rule="best", progress=False)  # type: ignore[arg-type]
