"""Tests for segkit.cluster.kvote: every index on clear blobs, the vote, sampling, the demo's k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from segkit.cluster import kvote as kselect
from segkit.cluster.indices import _pairwise, _silhouette, knee_point
from segkit.cluster.kvote import INDICES, KSelection, choose_k
from segkit.cluster.prepare import behaviour_features
from segkit.errors import InputError


def blobs(n_per=60, seed=0, centres=((0, 0, 0), (6, 0, 0), (0, 6, 0))) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pts = np.vstack([rng.normal(c, 0.5, (n_per, len(c))) for c in centres])
    return pd.DataFrame(pts, columns=["a", "b", "c"])


@pytest.fixture(scope="module")
def blob_selection() -> KSelection:
    return choose_k(blobs(), k_range=range(2, 8), preprocess=None, n_ref_gap=5, progress=False)


def test_three_blobs_every_index_votes_three(blob_selection):
    sel = blob_selection
    assert sel.recommended_k_ == 3
    assert set(sel.votes_.index) == set(INDICES) and len(INDICES) >= 8
    assert (sel.votes_["k"] == 3).all(), sel.votes_
    assert sel.counts_.loc[3] == len(INDICES) and sel.counts_.sum() == len(INDICES)
    assert sel.reason_.startswith(f"{len(INDICES)} of {len(INDICES)} indices choose k=3")
    assert sel.votes_.at["gap", "rule"] == "first k with gap(k) ≥ gap(k+1) − s(k+1)"
    assert list(sel.table_.index) == [2, 3, 4, 5, 6, 7]
    assert "votes" in sel.to_frame() and sel.info_["sample_size"] == 180


def test_indices_match_reference_implementations(blob_selection):
    from sklearn.cluster import KMeans

    X = blobs().to_numpy()
    lab = KMeans(3, n_init=4, random_state=0).fit(X).labels_
    row = blob_selection.table_.loc[3]
    assert row["silhouette"] == pytest.approx(silhouette_score(X, lab))
    assert row["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(X, lab))
    assert row["davies_bouldin"] == pytest.approx(davies_bouldin_score(X, lab))
    t = blob_selection.table_
    w = t["wss"]
    n = len(X)
    assert t.at[3, "hartigan"] == pytest.approx((w[3] / w[4] - 1) * (n - 3 - 1))
    diff = {k: (k - 1) ** (2 / 3) * w[k - 1] - k ** (2 / 3) * w[k] for k in (4, 5)}
    assert t.at[4, "krzanowski_lai"] == pytest.approx(abs(diff[4] / diff[5]))
    assert t["silhouette_lo"].equals(t["silhouette"])  # exact: zero-width interval


def test_knee_point_hand_computed():
    k, dist = knee_point([2, 3, 4, 5, 6], [100, 40, 25, 20, 18])
    # scaled y: 1, .268, .085, .024, 0; chord 1 - x: 1, .75, .5, .25, 0
    assert k == 3
    np.testing.assert_allclose(dist, [0, 0.75 - 22 / 82, 0.5 - 7 / 82, 0.25 - 2 / 82, 0])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    arrays(np.float64, (25, 2), elements=st.floats(-50, 50, allow_nan=False, width=32)),
    st.lists(st.integers(0, 3), min_size=25, max_size=25),
)
def test_fast_silhouette_equals_sklearn(x, lab):
    lab = np.asarray(lab)
    if len(set(lab)) < 2 or len(np.unique(x, axis=0)) < len(x):
        return
    ours = _silhouette(_pairwise(x), lab)
    assert ours == pytest.approx(silhouette_score(x, lab), abs=1e-6)


def test_sampled_indices_and_confidence_interval():
    X = blobs(n_per=200, seed=1)
    sel = choose_k(X, k_range=range(2, 5), preprocess=None, sample_size=150,
                   n_boot_silhouette=6, n_ref_gap=3, progress=False)  # fmt: skip
    t = sel.table_
    assert sel.recommended_k_ == 3 and sel.info_["sample_size"] == 150
    assert (t["silhouette_lo"] < t["silhouette"]).all() and (
        t["silhouette"] < t["silhouette_hi"]
    ).all()
    exact = choose_k(X, k_range=range(2, 5), preprocess=None, n_ref_gap=3, progress=False)
    assert abs(t.at[3, "silhouette"] - exact.table_.at[3, "silhouette"]) < 0.02


def test_large_n_paths(monkeypatch):
    X = blobs(n_per=100, seed=2)
    monkeypatch.setattr(kselect, "KMEANS_SAMPLE", 120)  # starts on a sample, refined on all
    sel = choose_k(X, k_range=range(2, 5), preprocess=None, n_ref_gap=3, progress=False)
    assert sel.recommended_k_ == 3 and "refined" in sel.info_["algorithm"]
    mb = choose_k(X, k_range=range(2, 5), method="minibatch", preprocess=None, n_ref_gap=3,
                  progress=False)  # fmt: skip
    assert mb.recommended_k_ == 3 and mb.info_["algorithm"] == "minibatch"


def test_row_order_does_not_matter():
    X = blobs(n_per=30, seed=3, centres=((0, 0, 0), (2, 0, 0), (0, 2, 0), (2, 2, 1)))
    kw = {"k_range": range(2, 6), "preprocess": None, "n_ref_gap": 3, "progress": False}
    a = choose_k(X, **kw)
    b = choose_k(X.sample(frac=1, random_state=5), **kw)
    pd.testing.assert_frame_equal(a.table_, b.table_)
    assert a.votes_.equals(b.votes_)


def test_ties_broken_by_silhouette_then_smaller_k():
    t = pd.DataFrame({"silhouette": [0.4, 0.5, 0.5]}, index=[2, 3, 4])
    counts = pd.Series([2, 2, 2], index=[2, 3, 4])
    top = counts[counts == counts.max()].index
    assert max(top, key=lambda k: (t.at[k, "silhouette"], -k)) == 3


def test_errors():
    with pytest.raises(InputError) as err:
        choose_k(blobs(n_per=3), k_range=range(2, 11), progress=False)
    assert err.value.code == "TOO_FEW_CUSTOMERS"
    with pytest.raises(InputError) as err:
        choose_k(pd.DataFrame({"a": [1.0] * 30, "b": [2.0] * 30}), k_range=range(2, 4))
    assert err.value.code == "ZERO_VARIANCE"
    with pytest.raises(ValueError, match="consecutive"):
        choose_k(blobs(), k_range=[1, 2, 3])
    with pytest.raises(ValueError, match="method"):
        choose_k(blobs(), method="nope")  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_demo_recommends_six(seed):
    from ..conftest import demo_profile_and_truth

    profile, _ = demo_profile_and_truth(3000, seed)
    sel = choose_k(behaviour_features(profile), progress=False)
    assert sel.recommended_k_ == 6, sel.reason_
    # measured on both seeds: silhouette, CH, DB and Krzanowski-Lai choose 6; knee and
    # Hartigan 5; gap 9; BIC 10 (mixtures keep splitting bounded share features); Dunn 3
    assert sel.counts_.loc[6] >= 4
    assert sel.table_["silhouette"].idxmax() == 6


def test_fit_sample_agrees_with_full_data_computation():
    """Fitting each k on a sample and assigning everyone gives the full-data k, votes and
    stability (a small version of benchmarks/kselect.py's 100k check)."""
    from segkit.cluster.estimator import SegmentClusterer
    from segkit.validate.stability import bootstrap_stability

    rng = np.random.default_rng(5)
    centres = 3.0 * np.array([[0, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 1, 1, 0, 1], [1, 0, 1, 1, 0]])
    X = pd.DataFrame(np.vstack([rng.normal(c, 1.0, (2500, 5)) for c in centres]),
                     columns=list("abcde"))  # fmt: skip
    opts = {"k_range": range(2, 7), "preprocess": None, "n_ref_gap": 3, "progress": False,
            "sample_size": 1500, "n_boot_silhouette": 3}  # fmt: skip
    full = choose_k(X, fit_sample=None, **opts)
    samp = choose_k(X, fit_sample=3000, **opts)
    assert full.recommended_k_ == samp.recommended_k_ == 4
    assert (full.votes_["k"] == samp.votes_["k"]).mean() >= 0.8
    assert "fitted on 3000 rows" in samp.info_["algorithm"]
    ch = full.table_["calinski_harabasz"] / samp.table_["calinski_harabasz"]
    assert np.allclose(ch, 1, atol=0.02)
    labels = SegmentClusterer("kmeans", 4, preprocess=None).fit(X).labels_
    est = SegmentClusterer("kmeans", 4, preprocess=None, n_init=3)
    rep_full = bootstrap_stability(X, labels, fit=est, n_boot=6, progress=False)
    rep_samp = bootstrap_stability(X, labels, fit=est, n_boot=6, sample_size=2000,
                                   progress=False)  # fmt: skip
    assert abs(rep_full.overall_mean - rep_samp.overall_mean) < 0.03
    assert (rep_full.table["verdict"] == rep_samp.table["verdict"]).all()


def test_fit_sample_default_is_unchanged_on_small_data():
    X = blobs()
    opts = {"k_range": range(2, 5), "preprocess": None, "n_ref_gap": 3, "progress": False}
    a, b = choose_k(X, **opts), choose_k(X, fit_sample=None, **opts)
    pd.testing.assert_frame_equal(a.table_, b.table_)
