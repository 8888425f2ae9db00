"""segkit.validate.stability: Jaccard, bootstrap stability, clusterboot as R fpc."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from segkit.errors import InputError
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


# ---------------------------------------------------------------- clusterboot (R fpc)

DATA = Path(__file__).parents[1] / "data"


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
