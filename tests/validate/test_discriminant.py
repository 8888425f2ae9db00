"""segkit.validate.discriminant: Wilks, hit rates against published results, the scoring rule."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_iris, make_blobs
from threadpoolctl import threadpool_limits

from segkit.errors import InputError
from segkit.validate.discriminant import ScoringRule, discriminant_analysis


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Many tiny KMeans fits: threads only add overhead (and thrash on a busy machine)."""
    with threadpool_limits(1):
        yield


# ---------------------------------------------------------------- discriminant analysis

# Two groups of 3. x: A = 1,2,3 (mean 2), B = 4,5,6 (mean 5), grand mean 3.5.
# SSW = (1+0+1) + (1+0+1) = 4; SST = 6.25+2.25+0.25+0.25+2.25+6.25 = 17.5
# Wilks λ = 4/17.5 = 0.228571; F = ((17.5-4)/1) / (4/4) = 13.5 on (1, 4) df.
# y: A = 2,1,3 and B = 1,3,2 have equal means 2: λ = 1, F = 0.
TINY = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "y": [2.0, 1, 3, 1, 3, 2]})
TINY_LABELS = ["A", "A", "A", "B", "B", "B"]


def test_univariate_wilks_and_f_by_hand() -> None:
    rep = discriminant_analysis(TINY, TINY_LABELS, cv=3)
    uni = rep.univariate
    assert uni.loc["x", "wilks_lambda"] == pytest.approx(4 / 17.5)
    assert uni.loc["x", "F"] == pytest.approx(13.5)
    assert (uni.loc["x", "df1"], uni.loc["x", "df2"]) == (1, 4)
    assert uni.loc["x", "p_value"] == pytest.approx(stats.f.sf(13.5, 1, 4))
    assert uni.loc["y", "wilks_lambda"] == pytest.approx(1.0)
    assert uni.loc["y", "F"] == pytest.approx(0.0)
    # Overall Wilks' Λ = det(W) / det(T), W / T the within / total SSCP matrices.
    # Within deviations x: -1,0,1 | -1,0,1; y: 0,-1,1 | -1,1,0 -> W_xy = 1 + 1 = 2, W_yy = 4.
    # Total deviations x: ±2.5, ±1.5, ±0.5; y: 0,-1,1,-1,1,0 -> T_xy = 1.5-.5-.5+1.5 = 2.
    # W = [[4, 2], [2, 4]], det 12; T = [[17.5, 2], [2, 4]], det 66 -> Λ = 12/66 = 2/11.
    assert rep.wilks_lambda == pytest.approx(2 / 11)
    n, p, g = 6, 2, 2
    assert rep.chi2 == pytest.approx(-(n - 1 - (p + g) / 2) * np.log(2 / 11))
    assert rep.df == p * (g - 1)
    assert rep.p_value == pytest.approx(stats.chi2.sf(rep.chi2, 2))
    assert rep.functions["eigenvalue"].iloc[0] == pytest.approx(11 / 2 - 1)  # Λ = 1/(1+λ)


def test_univariate_matches_one_way_anova() -> None:
    X, y = make_blobs(90, centers=3, n_features=3, cluster_std=3.0, random_state=2)
    rep = discriminant_analysis(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    for j, col in enumerate("abc"):
        f, p = stats.f_oneway(*(X[y == g, j] for g in range(3)))
        assert rep.univariate.loc[col, "F"] == pytest.approx(f)
        assert rep.univariate.loc[col, "p_value"] == pytest.approx(p)


def test_iris_matches_published_results() -> None:
    """Fisher's iris: Wilks' Λ = 0.0234; SPSS's classification functions (divisor n − g)."""
    iris = load_iris(as_frame=True)
    X = iris.data
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    names = iris.target.map(dict(enumerate(iris.target_names)))
    rep = discriminant_analysis(X, names)
    assert rep.wilks_lambda == pytest.approx(0.02344, abs=1e-5)
    assert rep.training_hit_rate == pytest.approx(0.98)
    assert rep.chance_proportional == pytest.approx(1 / 3)
    # setosa: −86.31 + 23.54 SL + 23.59 SW − 16.43 PL − 17.40 PW (pooled covariance / (n−g));
    # ours uses the ML divisor n as scikit-learn, so coefficients scale by n/(n−g) = 150/147.
    coef = rep.scoring_rule.to_frame()["setosa"] * 147 / 150
    assert coef[1:].round(2).tolist() == [23.54, 23.59, -16.43, -17.40]


def test_separable_data_hit_rate_one() -> None:
    X, y = make_blobs(200, centers=[[0, 0], [20, 0], [0, 20]], cluster_std=1.0, random_state=0)
    rep = discriminant_analysis(pd.DataFrame(X, columns=["a", "b"]), y + 1)
    assert rep.hit_rate == 1.0 and rep.training_hit_rate == 1.0
    assert np.array_equal(np.diag(rep.confusion_share.to_numpy()), np.ones(3))
    assert rep.confusion.to_numpy().sum() == 200
    assert list(rep.confusion.index) == [1, 2, 3]
    shares = np.bincount(y) / 200
    assert rep.chance_proportional == pytest.approx(np.sum(shares**2))
    assert rep.press_p < 1e-10
    assert (rep.structure.abs().to_numpy() <= 1 + 1e-9).all()


@pytest.mark.parametrize("centers", [2, 5])
def test_scoring_rule_equals_lda_predict(centers: int) -> None:
    X, y = make_blobs(1500, centers=centers, n_features=4, cluster_std=5.0, random_state=3)
    frame = pd.DataFrame(X, columns=["f1", "f2", "f3", "f4"])
    labels = pd.Series(np.asarray(["seg_" + str(v) for v in y]), index=frame.index)
    rep = discriminant_analysis(frame, labels, priors="proportional")
    assert rep.training_hit_rate < 1.0  # overlapping segments: the test is not trivial
    assert np.array_equal(rep.scoring_rule.score(frame).to_numpy(), rep.model.predict(frame))
    rule = ScoringRule.from_dict(json.loads(json.dumps(rep.scoring_rule.to_dict())))
    assert np.array_equal(rule.score(frame).to_numpy(), rep.model.predict(frame))
    table = rule.to_frame()
    assert table.shape == (5, centers) and table.index[0] == "(constant)"


def test_scoring_rule_equal_priors_and_collinear_shares() -> None:
    X, y = make_blobs(600, centers=3, n_features=3, cluster_std=4.0, random_state=1)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    share = np.random.default_rng(0).uniform(size=600)
    frame["share_online"], frame["share_offline"] = share, 1 - share  # sum to 1: collinear
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = discriminant_analysis(frame, y, priors="equal")
    assert np.array_equal(rep.scoring_rule.score(frame).to_numpy(), rep.model.predict(frame))
    assert rep.df == 4 * 2  # rank 4 of 5 variables


def test_scoring_rule_missing_values_and_columns() -> None:
    rule = ScoringRule(["x"], [1, 2], np.array([[1.0], [3.0]]), np.array([0.0, -4.0]))
    # score_1 = x, score_2 = 3x − 4: segment 2 wins above x = 2
    out = rule.score(pd.DataFrame({"x": [0.0, 1.9, 2.1, np.nan]}))
    assert out.tolist()[:3] == [1, 1, 2] and out.iloc[3] is None
    with pytest.raises(InputError, match="MISSING_COLUMN"):
        rule.score(pd.DataFrame({"z": [1.0]}))


def test_discriminant_input_errors() -> None:
    with pytest.raises(InputError, match="ZERO_VARIANCE"):
        discriminant_analysis(TINY.assign(c=1.0), TINY_LABELS)
    with pytest.raises(InputError, match="MISSING_VALUES"):
        discriminant_analysis(TINY.assign(c=[1.0, np.nan, 2, 3, 4, 5]), TINY_LABELS)
    with pytest.raises(InputError, match="NOT_NUMERIC"):
        discriminant_analysis(TINY.assign(c=list("abcdef")), TINY_LABELS)
    with pytest.raises(InputError, match="TOO_FEW_SEGMENTS"):
        discriminant_analysis(TINY, ["A"] * 6)
    with pytest.raises(InputError, match="TOO_FEW_CUSTOMERS"):
        discriminant_analysis(TINY, ["A"] * 5 + ["B"])


def test_cv_folds_reduced_to_smallest_segment() -> None:
    rep = discriminant_analysis(TINY, TINY_LABELS, cv=10)
    assert rep.cv_folds == 3
    assert rep.summary()["hit_rate"] == rep.hit_rate
