"""Choosing the number of segments k by many indices and a vote (NbClust manner, 确定分群数).

:func:`choose_k` fits one clustering per k and computes every index from that fit:

=====================  ============================================================  =========
index                  definition (W_k: within-cluster sum of squares)                vote
=====================  ============================================================  =========
silhouette             mean silhouette (Rousseeuw); sampled and repeated for large n  max
calinski_harabasz      (B_k / (k − 1)) / (W_k / (n − k))                              max
davies_bouldin         mean over clusters of the worst (s_i + s_j) / d(c_i, c_j)      min
gap                    E*[log W_k] − log W_k, uniform references in the PCA-aligned   Tibshirani
                       bounding box (Tibshirani, Walther & Hastie 2001)
bic                    BIC of a Gaussian mixture started at the k-means centres       min
knee                   distance of (k, W_k), both scaled to [0, 1], below the chord   max
                       from the first to the last k (Kneedle)
dunn                   min between-cluster distance / max cluster diameter (sample)   max
hartigan               H(k) = (W_k / W_{k+1} − 1)(n − k − 1)                         first < 10
krzanowski_lai         |DIFF(k) / DIFF(k+1)|, DIFF(k) = (k−1)^{2/p} W_{k−1} − k^{2/p} W_k  max
=====================  ============================================================  =========

Gap (in the vote): smallest k with gap(k) ≥ gap(k+1) − s(k+1) (argmax gap if none), i.e.
Tibshirani et al.'s rule on squared distances (R ``clusGap(d.power = 2)`` with
``maxSE(method = "Tibs2001SEmax")``). :func:`segkit.cluster.gap_statistic.gap` is the
standalone statistic with R ``cluster::clusGap``'s options and defaults (unsquared distances,
``firstSEmax``, ...). The indices are computed in :mod:`segkit.cluster.indices`.
Hartigan: first k with H(k) < 10; when no k qualifies (usual for thousands of customers, as
H grows with n) the k with the largest drop H(k−1) − H(k) (NbClust's rule). The k with most
votes is recommended; ties go to the higher silhouette, then to the smaller k. k_max + 1 is
fitted too (gap, Hartigan and Krzanowski-Lai need it); W_1 is the total sum of squares.

Method: each k is fitted with the chosen ``method``, the one :class:`SegmentClusterer` will
fit, so the indices judge the partitions that method makes. k-means and mini-batch: all 9
indices above. Ward: all 9, every k cut from one Ward tree (scipy ``linkage(method =
"ward")``, the partitions of scikit-learn's Ward) and the gap references clustered by Ward
too. Gaussian mixture (started at k-means, ``tied`` covariance as the estimator): all 9, the
BIC being the fitted mixture's own. k-prototypes (mixed data): silhouette and Dunn on the
Gower distance and the elbow of the k-prototypes cost (:mod:`segkit.cluster.mixed`), since
the other six need a Euclidean space; Gower + average linkage (``gower``) likewise, with the
sum of Gower distances to the segments' medoids as its cost. Every k is fitted on a sample of
:data:`KPROTOTYPES_SAMPLE` rows (kmodes is pure Python: 2.5 min per k for 10,000 rows).

Scale: k-means fits each k once (``n_init`` starts). ``fit_sample`` says on how
many rows: by default (``"auto"``) all rows up to :data:`KMEANS_SAMPLE`; above it the starts
run on a sample of that size and 5 Lloyd iterations on all rows refine the best (3 s for
3 000 customers, 6 s for 100 000 and 21–33 s for 1M × 10 features on 2 busy cores, 1 GB
peak). ``fit_sample=50_000`` fits on a fixed-seed sample and assigns every row to the
nearest centroid (no pass over all rows but the assignment); ``fit_sample=None`` fits on all
rows (the full-data reference). ``benchmarks/kselect.py`` compares them with a plain
MiniBatchKMeans sweep. W_k, B_k, Calinski-Harabasz and Davies-Bouldin use all rows. The
O(n²) indices (silhouette, Dunn), the gap references and the mixture for BIC use
``sample_size`` rows (default 4 000): the silhouette is averaged over ``n_boot_silhouette``
fresh samples with a 95% t-interval for the mean; the others use one fixed sample. With n ≤
``sample_size`` everything is exact (and the silhouette interval has zero width). Rows are
sorted first (:func:`segkit.cluster.prepare.stable_order`), so the result does not depend on row
order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.cluster.hierarchy import cut_tree, linkage
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from segkit.cluster.indices import (
    _bic,
    _gap_references,
    _indices,
    _pairwise,
    _rule_indices,
    _silhouette,
    _ward_references,
)
from segkit.cluster.mixed import mixed_table
from segkit.cluster.prepare import (
    as_feature_frame,
    check_features,
    describe_preprocessor,
    few_threads,
    make_preprocessor,
    stable_order,
)
from segkit.errors import InputError

__all__ = ["COLUMNS", "INDICES", "KMEANS_SAMPLE", "KPROTOTYPES_SAMPLE", "VOTE_METHODS",
           "KSelection", "choose_k"]  # fmt: skip

#: index -> vote rule
INDICES: dict[str, str] = {
    "silhouette": "max",
    "calinski_harabasz": "max",
    "davies_bouldin": "min",
    "gap": "first k with gap(k) ≥ gap(k+1) − s(k+1)",
    "bic": "min",
    "knee": "knee: max distance below the chord of W_k",
    "dunn": "max",
    "hartigan": "first k with H(k) < 10",
    "krzanowski_lai": "max",
}
COLUMNS = ("silhouette", "silhouette_lo", "silhouette_hi", "calinski_harabasz", "davies_bouldin",
           "gap", "gap_s", "bic", "wss", "dunn")  # fmt: skip
#: methods :func:`choose_k` fits (those of :class:`segkit.cluster.estimator.SegmentClusterer`)
VOTE_METHODS = ("kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower")
#: methods voted on by the mixed-data indices (:mod:`segkit.cluster.mixed`)
MIXED_METHODS = ("kprototypes", "gower")
#: k-prototypes is fitted (for every k) on a fixed-seed sample of at most this many rows
KPROTOTYPES_SAMPLE = 2_000
#: Above this many rows, k-means starts run on a sample of this size (then refined on all rows).
KMEANS_SAMPLE = 50_000


@dataclass(frozen=True, eq=False)
class KSelection:
    """Outcome of :func:`choose_k`.

    Attributes
    ----------
    table_ : DataFrame
        One row per k: every index plus ``silhouette_lo``/``_hi`` (95% CI), ``gap_s``, ``wss``.
    votes_ : DataFrame
        One row per index: the chosen ``k`` and the ``rule`` used.
    counts_ : Series
        Number of votes per k (every k of the range, zeros included).
    recommended_k_ : int
    reason_ : str
    info_ : dict
        ``n``, ``sample_size``, ``algorithm``, ``preprocessing``.
    """

    table_: pd.DataFrame
    votes_: pd.DataFrame
    counts_: pd.Series
    recommended_k_: int
    reason_: str
    info_: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The index table with a ``votes`` column."""
        return self.table_.assign(votes=self.counts_)


def choose_k(
    X: Any,
    *,
    k_range: Iterable[int] = range(2, 11),
    method: Literal["kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower"] = "kmeans",
    categorical: Sequence[str] | None = None,
    preprocess: Any = "auto",
    random_state: int = 0,
    sample_size: int | None = None,
    fit_sample: int | Literal["auto"] | None = "auto",
    n_boot_silhouette: int = 10,
    n_ref_gap: int = 10,
    n_init: int = 4,
    bic_covariance: Literal["diag", "full", "tied", "spherical"] = "diag",
    progress: bool = True,
) -> KSelection:
    """Compute 9 indices for every k and recommend the k most of them vote for.

    Parameters
    ----------
    X : DataFrame or array
        Numeric features, one row per customer (e.g.
        :func:`segkit.cluster.prepare.behaviour_features`).
    k_range : iterable of int
        Consecutive candidate k (each ≥ 2); k_max + 1 is fitted as well.
    method : {"kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower"}
        The clustering method whose partitions are judged (see "Method" above): k-means
        (sampled starts above :data:`KMEANS_SAMPLE` rows), mini-batch k-means, Ward (at most
        :data:`segkit.cluster.prepare.WARD_MAX_CUSTOMERS` rows), a Gaussian mixture, or
        k-prototypes (needs ``categorical``) or Gower + average linkage.
    categorical : sequence of str, optional
        Categorical columns of ``X`` (k-prototypes and gower only).
    preprocess : "auto", "quantile", "standard", None or a transformer
        As in :class:`segkit.cluster.estimator.SegmentClusterer` (default: log1p of skewed
        spend/count columns, then standardise).
    random_state : int
        Seed of every fit and sample.
    sample_size : int, optional
        Rows for silhouette, Dunn, gap and BIC (default ``min(n, 4000)``); k-prototypes: rows
        every k is fitted on (default ``min(n, KPROTOTYPES_SAMPLE)``).
    fit_sample : "auto", int or None
        Rows each k-means is fitted on. ``"auto"``: all rows up to :data:`KMEANS_SAMPLE`,
        above it starts on a sample of that size refined by 5 Lloyd iterations on all rows.
        An int: fitted (all starts, to convergence) on a fixed-seed sample of that many rows,
        then every customer is assigned to the nearest centroid — the scalable choice for
        millions of customers (W_k, Calinski-Harabasz and Davies-Bouldin still use all rows).
        ``None``: fitted on all rows. Ignored by ``method="minibatch"``.
    n_boot_silhouette : int
        Silhouette samples when n > ``sample_size``.
    n_ref_gap : int
        Reference data sets B of the gap statistic.
    n_init : int
        k-means starts per k (mini-batch: ``min(n_init, 3)``).
    bic_covariance : {"diag", "full", "tied", "spherical"}
        Mixture covariance for BIC; ``diag`` has k·(2p + 1) − 1 parameters, is quick and
        avoids the singular full covariances of shares that sum to 1.
    progress : bool
        tqdm bar over k (hidden when not on a terminal).

    Returns
    -------
    KSelection

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(c, 0.3, (40, 2)) for c in ([0, 0], [4, 0], [0, 4])])
    >>> sel = choose_k(X, k_range=range(2, 6), preprocess=None, n_ref_gap=3, progress=False)
    >>> sel.recommended_k_, int(sel.counts_[3])
    (3, 9)
    """
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 2 or ks != list(range(ks[0], ks[-1] + 1)):
        raise ValueError("k_range must be consecutive integers ≥ 2, e.g. range(2, 11)")
    if method not in VOTE_METHODS:
        raise ValueError(f"method must be one of {VOTE_METHODS}, got {method!r}")
    frame = as_feature_frame(X)
    if len(frame) < ks[-1] + 2:
        raise InputError(
            f"choose_k up to k={ks[-1]} needs at least {ks[-1] + 2} customers, got {len(frame)}",
            code="TOO_FEW_CUSTOMERS",
        )
    cat = [str(c) for c in (categorical or [])]
    if (method == "kprototypes" and not cat) or (cat and method not in MIXED_METHODS):
        raise ValueError("method='kprototypes' needs categorical columns; only it and 'gower' "
                         "take them")  # fmt: skip
    num = [c for c in frame.columns if c not in cat]
    check_features(frame, num, cat, ks[-1] + 1, method)
    frame = frame.iloc[stable_order(frame)]
    if method in MIXED_METHODS:
        m = min(len(frame), sample_size or KPROTOTYPES_SAMPLE)
        table, kp_votes, kp_pre = mixed_table(
            frame, cat, ks, method=method, preprocess=preprocess, random_state=random_state,
            sample_size=m, n_init=n_init,
        )  # fmt: skip
        votes = pd.DataFrame([kp_votes[i] for i in kp_votes], columns=["k", "rule"],
                             index=pd.Index(list(kp_votes), name="index"))  # fmt: skip
        algo = "kprototypes (Cao init)" if method == "kprototypes" else "gower + average linkage"
        kp_info = {"n": len(frame), "sample_size": m, "algorithm": algo,
                "preprocessing": kp_pre}  # fmt: skip
        return _recommend(table, votes, ks, kp_info)
    pre = make_preprocessor(preprocess, frame)
    z = np.asarray(frame if pre is None else pre.transform(frame), dtype=float)
    n, p = z.shape
    m = min(n, sample_size or 4000)
    rng = np.random.default_rng(random_state)
    samp = np.sort(rng.choice(n, m, replace=False)) if m < n else np.arange(n)
    refs = _gap_references(z[samp], n_ref_gap, rng)
    dist = _pairwise(z[samp])
    total = float(((z - z.mean(axis=0)) ** 2).sum())
    rows: dict[int, dict[str, float]] = {}
    labels: dict[int, np.ndarray] = {}
    tree = linkage(z, method="ward") if method == "ward" else None
    ref_w = _ward_references(refs, [*ks, ks[-1] + 1]) if method == "ward" else {}
    for k in tqdm([*ks, ks[-1] + 1], desc="choose_k", disable=None if progress else True):
        bic = None
        if tree is not None:
            labels[k] = lab = cut_tree(tree, n_clusters=k).ravel()
        elif method == "gmm":
            lab, bic = _fit_gmm(z, k, n_init, random_state)
            labels[k] = lab
        else:
            labels[k] = lab = _fit(z, k, method, n_init, random_state, fit_sample)
        with threadpool_limits(1):  # small fits: threads only add overhead and contention
            rows[k] = _indices(z, lab, k, samp, dist, refs, random_state, ref_w.get(k))
            if k <= ks[-1]:
                rows[k]["bic"] = (
                    _bic(z[samp], lab[samp], k, bic_covariance, random_state)
                    if bic is None else bic
                )  # fmt: skip
    # silhouette: exact (all rows), or on n_boot_silhouette fresh samples with a t-interval
    draws = (
        [samp] if m >= n else [rng.choice(n, m, replace=False) for _ in range(n_boot_silhouette)]
    )
    sil = np.empty((len(draws), len(ks)))
    for i, d in enumerate(draws):
        dd = dist if m >= n else _pairwise(z[d])
        sil[i] = [_silhouette(dd, labels[k][d]) for k in ks]
    b = len(draws)
    half = np.zeros(len(ks))
    if b > 1:
        half = stats.t.ppf(0.975, b - 1) * sil.std(axis=0, ddof=1) / np.sqrt(b)
    for i, k in enumerate(ks):
        mean = float(sil[:, i].mean())
        rows[k].update(silhouette=mean, silhouette_lo=mean - half[i], silhouette_hi=mean + half[i])
    table = pd.DataFrame(rows).T.rename_axis("k")[list(COLUMNS)]
    table = _rule_indices(table, ks, n, p, total)
    votes = _votes(table, ks)
    algorithm = {"minibatch": "minibatch", "ward": "ward (one tree, cut at each k)",
                 "gmm": "gmm (tied covariance, k-means start)"}.get(method, "kmeans")  # fmt: skip
    if algorithm == "kmeans" and fit_sample == "auto" and n > KMEANS_SAMPLE:
        algorithm += f" (starts on {KMEANS_SAMPLE} rows, refined on all)"
    elif algorithm == "kmeans" and isinstance(fit_sample, int) and fit_sample < n:
        algorithm += f" (fitted on {fit_sample} rows, all assigned to the nearest centroid)"
    info: dict[str, Any] = {"n": n, "sample_size": m, "algorithm": algorithm}
    info["preprocessing"] = {} if pre is None else describe_preprocessor(pre)
    return _recommend(table.loc[ks], votes, ks, info)


def _recommend(
    table: pd.DataFrame, votes: pd.DataFrame, ks: list[int], info: dict[str, Any]
) -> KSelection:
    """The k most indices vote for (ties: higher silhouette, then smaller k) and why."""
    counts = votes["k"].value_counts().reindex(ks, fill_value=0).rename("votes")
    counts.index.name = "k"
    top = counts[counts == counts.max()].index
    best = max(top, key=lambda k: (table.at[k, "silhouette"], -k))
    agree = votes.index[votes["k"] == best].tolist()
    other = [f"{i} → k={votes.at[i, 'k']}" for i in votes.index if i not in agree]
    reason = f"{len(agree)} of {len(votes)} indices choose k={best}: {', '.join(agree)}"
    if other:
        reason += f"; disagree: {', '.join(other)}"
    if len(top) > 1:
        ties = ", ".join(str(t) for t in top if t != best)
        reason += f" (tied with k={ties}; broken by silhouette, then smaller k)"
    return KSelection(table, votes, counts, int(best), reason, info)


def _fit_gmm(z: np.ndarray, k: int, n_init: int, seed: int) -> tuple[np.ndarray, float]:
    """Labels and BIC of the estimator's mixture: tied covariance, started at k-means."""
    with few_threads(len(z)):
        km = KMeans(k, n_init=n_init, random_state=seed).fit(z)
        gm = GaussianMixture(k, covariance_type="tied", reg_covar=1e-3,
                             means_init=km.cluster_centers_, random_state=seed).fit(z)  # fmt: skip
    return np.asarray(gm.predict(z)), float(gm.bic(z))


def _fit(
    z: np.ndarray, k: int, method: str, n_init: int, seed: int, fit_sample: Any = "auto"
) -> np.ndarray:
    """k-means labels of every row; see ``fit_sample`` in :func:`choose_k`."""
    n = len(z)
    if method == "minibatch":
        mbk = MiniBatchKMeans(k, n_init=min(n_init, 3), batch_size=4096, random_state=seed)
        with few_threads(n):
            return np.asarray(mbk.fit(z).labels_)
    m = n if fit_sample is None else min(n, KMEANS_SAMPLE if fit_sample == "auto" else fit_sample)
    if m < k + 1:
        raise ValueError(f"fit_sample must exceed k, got {fit_sample}")
    if m >= n:
        with few_threads(n):
            return np.asarray(KMeans(k, n_init=n_init, random_state=seed).fit(z).labels_)
    sub = np.random.default_rng(seed).choice(n, m, replace=False)
    with few_threads(m):
        km = KMeans(k, n_init=n_init, random_state=seed).fit(z[sub])
    if fit_sample == "auto":  # refine on all rows
        return np.asarray(KMeans(k, init=km.cluster_centers_, n_init=1, max_iter=5).fit(z).labels_)
    return np.asarray(km.predict(z))  # nearest centroid


def _votes(table: pd.DataFrame, ks: list[int]) -> pd.DataFrame:
    t = table.loc[ks]
    votes: dict[str, tuple[int, str]] = {}
    for name, rule in INDICES.items():
        col = t[name]
        if rule in ("max", "min") or name == "knee":
            if col.isna().all():
                continue
            votes[name] = (int(col.idxmin() if rule == "min" else col.idxmax()), rule)
    gap, s = table["gap"], table["gap_s"]
    ok = [k for k in ks if gap[k] >= gap[k + 1] - s[k + 1]]
    votes["gap"] = (ok[0], INDICES["gap"]) if ok else (int(t["gap"].idxmax()), "max gap (none)")
    below = t.index[t["hartigan"] < 10].tolist()
    if below:
        votes["hartigan"] = (int(below[0]), INDICES["hartigan"])
    elif t["hartigan_drop"].notna().any():
        votes["hartigan"] = (int(t["hartigan_drop"].idxmax()), "max drop H(k−1) − H(k) (no H < 10)")
    order = [i for i in INDICES if i in votes]
    return pd.DataFrame([votes[i] for i in order], index=pd.Index(order, name="index"),
                        columns=["k", "rule"])  # fmt: skip
