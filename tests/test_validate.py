"""validate: Jaccard, bootstrap stability, discriminant analysis, segment sizes."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from segkit.errors import InputError
from segkit.validate.discriminant import ScoringRule, discriminant_analysis
from segkit.validate.sizes import align_labels, check_segment_sizes, small_segments_note
from segkit.validate.stability import (
    ClusterbootKMeans,
    bootstrap_stability,
    cluster_jaccard,
    hartigan_refine,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Many tiny KMeans fits: threads only add overhead (and thrash on a busy machine)."""
    with threadpool_limits(1):
        yield


# ---------------------------------------------------------------- Jaccard


def test_jaccard_hand_computed() -> None:
    # segment 1 = {0,1,2}, segment 2 = {3,4}; cluster x = {0,1}, y = {2,3,4}
    jac = cluster_jaccard([1, 1, 1, 2, 2], ["x", "x", "y", "y", "y"])
    assert jac.loc[1, "x"] == pytest.approx(2 / 3)  # |{0,1}| / |{0,1,2}|
    assert jac.loc[1, "y"] == pytest.approx(1 / 5)  # |{2}| / |{0,1,2,3,4}|
    assert jac.loc[2, "x"] == 0.0
    assert jac.loc[2, "y"] == pytest.approx(2 / 3)


def test_jaccard_integer_labels_with_gaps() -> None:
    jac = cluster_jaccard([0, 0, 1, 1], [10, 10, 30, 30])
    assert list(jac.columns) == [10, 30]
    assert np.allclose(jac.to_numpy(), np.eye(2))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=40), st.permutations(range(5)))
def test_jaccard_relabelling_invariant(labels: list[int], perm: list[int]) -> None:
    """A relabelled copy of a partition matches every segment perfectly; values are in [0, 1]."""
    a = np.asarray(labels)
    jac = cluster_jaccard(a, np.asarray(perm)[a])
    assert ((jac.to_numpy() >= 0) & (jac.to_numpy() <= 1)).all()
    assert np.allclose(jac.max(axis=1).to_numpy(), 1.0)
    assert (np.sort(jac.to_numpy(), axis=1)[:, :-1] == 0).all()


# ---------------------------------------------------------------- bootstrap stability


def _blobs(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    X, _ = make_blobs(n, centers=3, cluster_std=0.5, random_state=seed)
    frame = pd.DataFrame(X, columns=["a", "b"])
    return frame, KMeans(3, n_init=1, random_state=0).fit_predict(frame)


def test_jaccard_restricted_to_distinct_points_in_resample() -> None:
    # A clusterer that puts everything in one cluster: a segment's Jaccard is its share of
    # the DISTINCT rows drawn, which we recompute here from the same random draws.
    n = 50
    X = pd.DataFrame({"x": np.arange(n, dtype=float)})
    labels = np.where(np.arange(n) < 10, "small", "big")
    rep = bootstrap_stability(
        X, labels, fit_predict=lambda f: np.zeros(len(f)), n_boot=4, progress=False
    )
    rng = np.random.default_rng(0)
    for b in range(4):
        rows = np.unique(rng.integers(0, n, size=n))
        assert rep.jaccard.loc[b, "small"] == pytest.approx(np.mean(rows < 10))
        assert rep.jaccard.loc[b, "big"] == pytest.approx(np.mean(rows >= 10))
    assert rep.table.loc["small", "verdict"] == "unstable"
    assert rep.table.loc["small", "dissolved_share"] == 1.0


def test_identity_clusterer_is_perfectly_stable() -> None:
    X = pd.DataFrame({"seg": np.repeat([1, 2, 3], 20)})
    rep = bootstrap_stability(
        X, X["seg"], fit_predict=lambda f: f["seg"].to_numpy(), n_boot=5, progress=False
    )
    assert rep.overall_mean == 1.0
    assert rep.table["verdict"].tolist() == ["stable"] * 3
    assert rep.table["size"].tolist() == [20, 20, 20]
    assert rep.mode == "resample"


def test_separated_blobs_stable_uniform_noise_less_so() -> None:
    X, labels = _blobs()
    km = KMeans(3, n_init=1, random_state=0)
    blobs = bootstrap_stability(X, labels, fit_predict=km, n_boot=15, progress=False)
    assert blobs.table["mean_jaccard"].min() > 0.95
    assert set(blobs.table["verdict"]) == {"stable"}

    noise = pd.DataFrame(np.random.default_rng(0).uniform(size=(300, 2)), columns=["a", "b"])
    km5 = KMeans(5, n_init=1, random_state=0)
    rep = bootstrap_stability(
        noise, km5.fit_predict(noise), fit_predict=km5, n_boot=15, progress=False
    )
    assert rep.overall_mean < 0.85
    assert rep.overall_mean < blobs.overall_mean - 0.15
    assert (rep.table["verdict"] != "stable").any()
    assert rep.jaccard.shape == (15, 5)


def test_fit_predict_mode_on_samples_assigns_everyone() -> None:
    X, labels = _blobs(3000)
    calls: list[int] = []

    def fit(frame: pd.DataFrame) -> KMeans:
        calls.append(len(frame))
        return KMeans(3, n_init=1, random_state=0).fit(frame)

    rep = bootstrap_stability(
        X, labels, fit=fit, predict=lambda m, f: m.predict(f), sample_size=200, n_boot=4,
        progress=False,
    )  # fmt: skip
    assert calls == [200] * 4
    assert rep.mode == "predict" and rep.sample_size == 200
    assert rep.table["mean_jaccard"].min() > 0.95
    # an estimator as `fit`: cloned, fitted on the sample, `.predict` assigns everyone
    rep2 = bootstrap_stability(
        X, labels, fit=KMeans(3, n_init=1, random_state=0), sample_size=200, n_boot=4,
        progress=False,
    )  # fmt: skip
    assert rep2.table["n_boot_valid"].tolist() == [4, 4, 4]


def test_bootstrap_is_deterministic_and_validates_arguments() -> None:
    X, labels = _blobs(120)
    km = KMeans(3, n_init=1, random_state=0)
    a = bootstrap_stability(X, labels, fit_predict=km, n_boot=3, random_state=5, progress=False)
    b = bootstrap_stability(X, labels, fit_predict=km, n_boot=3, random_state=5, progress=False)
    pd.testing.assert_frame_equal(a.table, b.table)
    with pytest.raises(TypeError):
        bootstrap_stability(X, labels, n_boot=1, progress=False)
    with pytest.raises(TypeError):
        bootstrap_stability(X, labels, fit_predict=km, fit=km, n_boot=1, progress=False)
    with pytest.raises(InputError, match="LABELS_NOT_ALIGNED"):
        bootstrap_stability(X, labels[:-1], fit_predict=km, n_boot=1, progress=False)


def test_align_labels() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3]}, index=["a", "b", "c"])
    assert align_labels(frame, pd.Series([3, 1, 2], index=["c", "a", "b"])).tolist() == [1, 2, 3]
    with pytest.raises(InputError, match="LABELS_NOT_ALIGNED"):
        align_labels(frame, pd.Series([1, 2, 3], index=["a", "b", "z"]))
    with pytest.raises(InputError, match="MISSING_LABELS"):
        align_labels(frame, [1.0, np.nan, 2.0])


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


# ---------------------------------------------------------------- segment sizes


def test_check_segment_sizes() -> None:
    labels = ["a"] * 950 + ["b"] * 40 + ["c"] * 10
    table = check_segment_sizes(labels)
    assert table["size"].tolist() == [950, 40, 10]
    assert table["share"].tolist() == [0.95, 0.04, 0.01]
    assert table["too_small"].tolist() == [False, False, True]  # c: 10 < 30 and 1 % < 2 %
    assert check_segment_sizes(labels, min_size=50)["too_small"].tolist() == [False, True, True]
    with pytest.warns(UserWarning, match="too small"):
        check_segment_sizes(labels, on_small="warn")
    with pytest.raises(InputError, match="SMALL_SEGMENT"):
        check_segment_sizes(labels, on_small="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_segment_sizes(["a"] * 100, on_small="warn")  # nothing small: no warning


def test_small_segment_note_names_the_rule_that_fired() -> None:
    """Issue 12: a segment of 368 flagged by the 2% share rule was noted "below 30 customers"."""
    labels = ["big"] * 20_000 + ["share"] * 368 + ["tiny"] * 12_000 + ["few"] * 20
    sizes = check_segment_sizes(labels, min_size=30)
    assert sizes.loc["share", "reason"] == "share 1.1% < 2.0% (min_share)"
    assert sizes.loc["few", "reason"].startswith("20 < 30 customers (min_size)")
    assert sizes.loc["big", "reason"] == ""
    note = small_segments_note(sizes)
    assert "share (368 customers: share 1.1% < 2.0% (min_share))" in note
    assert "min_size" not in note.split("few")[0]  # the share rule alone fired for 'share'
    from segkit.workflow.segment import validate_segments

    X = pd.DataFrame({"x": np.arange(len(labels), dtype=float)})
    checked = validate_segments(X, pd.Series(labels), n_boot=0, progress=False)
    assert note in checked.notes


# ---------------------------------------------------------------- clusterboot (R fpc)

DATA = Path(__file__).parent / "data"


def test_clusterboot_matches_fpc_on_usarrests() -> None:
    """fpc's clusterboot figures on R's USArrests (tests/data/usarrests.csv, written from R).

    Reference: R 4.2.2, fpc 2.2-10 (Debian r-cran-fpc 2.2-10-1):
    ``set.seed(20261207); clusterboot(scale(USArrests), B = 1000, bootmethod = "boot",
    clustermethod = kmeansCBI, krange = 3, runs = 1, seed = 1)``: partition of sizes 13, 17,
    20 (the optimum, WSS 78.32327 as ``kmeans(nstart = 100)``), ``bootmean`` 0.71031,
    0.72125, 0.82175. fpc draws other random numbers, so agreement is up to simulation noise
    (the standard error of a mean over 1000 resamples is about 0.005).
    """
    frame = pd.read_csv(DATA / "usarrests.csv").drop(columns="state")
    z = pd.DataFrame(StandardScaler().fit_transform(frame), columns=frame.columns)
    labels = KMeans(3, n_init=50, random_state=0).fit_predict(z)
    sizes = np.bincount(labels)
    assert sorted(sizes) == [13, 17, 20]
    assert ((z - z.groupby(labels).transform("mean")) ** 2).to_numpy().sum() * 49 / 50 == (
        pytest.approx(78.32327, abs=1e-4)
    )  # R's scale() divides by n - 1, StandardScaler by n
    fpc = {13: 0.71031, 17: 0.72125, 20: 0.82175}
    rep = bootstrap_stability(
        z, labels, fit_predict=ClusterbootKMeans(3, random_state=0), n_boot=500,
        progress=False, refit="clusterboot",
    )  # fmt: skip
    for seg, row in rep.table.iterrows():
        assert row["mean_jaccard"] == pytest.approx(fpc[int(row["size"])], abs=0.03), seg
    assert rep.table["verdict"].tolist().count("doubtful") == 2
    # the former refit (10 k-means++ starts on every drawn row) calls a doubtful segment stable
    old = bootstrap_stability(
        z, labels, fit_predict=KMeans(3, n_init=10, random_state=0), n_boot=100,
        progress=False, multipleboot=True,
    )  # fmt: skip
    assert (old.table["mean_jaccard"] > rep.table["mean_jaccard"]).all()


def test_hartigan_refine_reaches_a_local_optimum() -> None:
    rng = np.random.default_rng(3)
    z = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(3, 1, (60, 2)), rng.normal((0, 4), 1, (60, 2))]
    start = KMeans(3, init="random", n_init=1, max_iter=1, random_state=1).fit(z).labels_
    lab = hartigan_refine(z, start, 3)

    def wss(labels: np.ndarray) -> float:
        return float(sum(((z[labels == j] - z[labels == j].mean(0)) ** 2).sum() for j in range(3)))

    assert wss(lab) <= wss(start)
    for i in range(len(z)):  # no single move lowers the sum of squares any more
        for b in range(3):
            if b != lab[i] and np.sum(lab == lab[i]) > 1:
                moved = lab.copy()
                moved[i] = b
                assert wss(moved) >= wss(lab) - 1e-9


def test_clusterboot_kmeans_is_seeded_and_predicts() -> None:
    X, labels = _blobs(150)
    a = ClusterbootKMeans(3, random_state=4)
    b = ClusterbootKMeans(3, random_state=4)
    np.testing.assert_array_equal(a.fit_predict(X), b.fit_predict(X))
    model = ClusterbootKMeans(3, random_state=0)
    fitted = model.fit_predict(X)  # Hartigan's optimum: every row at its nearest centre
    np.testing.assert_array_equal(model.predict(X), fitted)
    assert adjusted_rand_score(labels, ClusterbootKMeans(3, random_state=2).fit_predict(X)) == 1.0
