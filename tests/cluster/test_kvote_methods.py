"""The k vote fits the chosen method (:func:`segkit.cluster.kvote.choose_k`, ``method=``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from segkit.cluster.kvote import INDICES, choose_k
from segkit.errors import InputError


def _band(seed: int = 1, n: int = 400) -> np.ndarray:
    """A continuum: customers spread evenly along one long, thin band (no planted groups)."""
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(0, 10, n), rng.normal(0, 0.05, n)]


def test_wards_vote_differs_from_kmeans_on_a_continuum() -> None:
    """A continuum (customers spread evenly along one thin band) has no planted groups, so
    the partitions each method makes decide the vote. k-means re-optimises every k and cuts
    the band into equal pieces wherever the chance gaps between customers are (k=2: halves).
    Ward merges neighbours first and the two sides of the widest chance gaps last, so its
    nested cuts fall on those gaps (k=3: at the two widest, x ≈ 7.0–7.2 and 3.2–3.3), which
    the indices read as separated segments. Measured: k-means' vote k=2 (5 of 9 indices),
    Ward's vote k=3 (6 of 9). A vote that always fitted k-means would give Ward k=2."""
    X = _band()
    kw = {"k_range": range(2, 8), "preprocess": None, "n_ref_gap": 5, "progress": False}
    km, ward = choose_k(X, method="kmeans", **kw), choose_k(X, method="ward", **kw)
    assert km.recommended_k_ == 2 and ward.recommended_k_ == 3
    assert ward.counts_[3] == 6 and km.counts_[2] == 5
    assert ward.info_["algorithm"].startswith("ward") and km.info_["algorithm"] == "kmeans"
    assert set(ward.votes_.index) == set(INDICES)
    # the reason: Ward's k=3 segments end at the two widest gaps of the band
    x = np.sort(X[:, 0])
    widest = np.sort(np.argsort(np.diff(x))[-2:])
    ward3 = AgglomerativeClustering(3, linkage="ward").fit(X).labels_
    ends = np.sort([X[ward3 == j, 0].max() for j in range(3)])[:2]
    np.testing.assert_allclose(ends, x[widest])


def test_ward_cuts_equal_sklearn_ward() -> None:
    from scipy.cluster.hierarchy import cut_tree, linkage

    X = np.random.default_rng(3).normal(size=(200, 3))
    tree = linkage(X, method="ward")
    for k in (2, 3, 5, 8):
        ours = cut_tree(tree, n_clusters=k).ravel()
        theirs = AgglomerativeClustering(k, linkage="ward").fit(X).labels_
        assert adjusted_rand_score(ours, theirs) == 1.0


def test_gmm_vote_uses_the_mixtures_own_bic() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.4, (60, 2)) for c in ([0, 0], [5, 0], [0, 5])])
    sel = choose_k(X, k_range=range(2, 6), method="gmm", preprocess=None, n_ref_gap=3,
                   progress=False)  # fmt: skip
    assert sel.recommended_k_ == 3 and sel.votes_.at["bic", "k"] == 3
    assert sel.info_["algorithm"].startswith("gmm")


def mixed_groups(n_per: int = 60, seed: int = 0) -> pd.DataFrame:
    """Three planted groups: group 0 spends more and visits less; groups 1 and 2 overlap in
    both numbers and differ mainly in city and gender (90% of each group in its own level)."""
    rng = np.random.default_rng(seed)
    g = np.repeat([0, 1, 2], n_per)
    cities, genders = np.array(["上海", "北京", "成都"]), np.array(["F", "M", "F"])
    keep = rng.random(len(g)) < 0.9
    return pd.DataFrame({
        "spend": np.array([3.0, 1.0, 1.4])[g] + rng.normal(0, 0.3, len(g)),
        "visits": np.array([2.0, 5.0, 6.0])[g] + rng.normal(0, 1.0, len(g)),
        "city": np.where(keep, cities[g], cities[(g + 1) % 3]),
        "gender": np.where(rng.random(len(g)) < 0.9, genders[g], np.array(["M", "F", "M"])[g]),
        "group": g,
    })  # fmt: skip


def test_kprototypes_vote_on_mixed_data() -> None:
    data = mixed_groups()
    X = data[["spend", "visits", "city", "gender"]]
    sel = choose_k(X, k_range=range(2, 7), method="kprototypes", categorical=["city", "gender"],
                   progress=False)  # fmt: skip
    # measured on seed 0: k=3 by silhouette and knee (2 of 3), Gower silhouette 0.643
    assert sel.recommended_k_ == 3, sel.reason_
    assert sel.table_.at[3, "silhouette"] == pytest.approx(0.643, abs=1e-3)
    assert set(sel.votes_.index) == {"silhouette", "dunn", "knee"}
    assert "Gower" in sel.votes_.at["silhouette", "rule"]
    assert {"silhouette", "dunn", "cost", "knee"} <= set(sel.table_.columns)
    assert sel.info_["algorithm"].startswith("kprototypes")
    with pytest.raises(ValueError, match="kprototypes"):
        choose_k(X[["spend", "visits"]], method="kprototypes", progress=False)
    with pytest.raises(ValueError, match="kprototypes"):
        choose_k(X, method="kmeans", categorical=["city"], progress=False)
    with pytest.raises(InputError):
        choose_k(X.assign(city=None), method="kprototypes", categorical=["city"], progress=False)
