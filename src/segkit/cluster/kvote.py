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
``maxSE(method = "Tibs2001SEmax")``). :func:`gap` is the standalone statistic with R
``cluster::clusGap``'s options and defaults (unsquared distances, ``firstSEmax``, ...).
Hartigan: first k with
H(k) < 10; when no k qualifies (usual for thousands of customers, as H grows with n) the k
with the largest drop H(k−1) − H(k) (NbClust's rule). The k with most votes is recommended;
ties go to the higher silhouette, then to the smaller k. k_max + 1 is fitted too (gap,
Hartigan and Krzanowski-Lai need it); W_1 is the total sum of squares.

Scale: each k is fitted once with k-means (``n_init`` starts). ``fit_sample`` says on how
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
sorted first (:func:`segkit.cluster.estimator.stable_order`), so the result does not depend on row
order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from segkit.cluster.estimator import (
    as_feature_frame,
    check_features,
    describe_preprocessor,
    few_threads,
    make_preprocessor,
    stable_order,
)
from segkit.errors import InputError

__all__ = [
    "GAP_RULES",
    "INDICES",
    "KMEANS_SAMPLE",
    "GapResult",
    "KSelection",
    "choose_k",
    "gap",
    "knee_point",
    "max_se",
]

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


def knee_point(ks: Any, w: Any) -> tuple[int, np.ndarray]:
    """Kneedle-style knee of a decreasing curve: max distance below the end-to-end chord.

    Examples
    --------
    >>> knee_point([1, 2, 3, 4, 5], [100, 30, 20, 15, 12])[0]
    2
    """
    x, y = np.asarray(ks, float), np.asarray(w, float)
    xs = (x - x[0]) / (x[-1] - x[0])
    ys = (y - y.min()) / (np.ptp(y) or 1.0)
    chord = ys[0] + (ys[-1] - ys[0]) * xs
    dist = chord - ys
    return int(x[int(np.argmax(dist))]), dist


def choose_k(
    X: Any,
    *,
    k_range: Iterable[int] = range(2, 11),
    method: Literal["kmeans", "minibatch"] = "kmeans",
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
        :func:`segkit.cluster.estimator.behaviour_features`).
    k_range : iterable of int
        Consecutive candidate k (each ≥ 2); k_max + 1 is fitted as well.
    method : {"kmeans", "minibatch"}
        k-means (sampled starts above :data:`KMEANS_SAMPLE` rows) or mini-batch k-means.
    preprocess : "auto", "quantile", "standard", None or a transformer
        As in :class:`segkit.cluster.estimator.SegmentClusterer` (default: log1p of skewed
        spend/count columns, then standardise).
    random_state : int
        Seed of every fit and sample.
    sample_size : int, optional
        Rows for silhouette, Dunn, gap and BIC (default ``min(n, 4000)``).
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
    if method not in ("kmeans", "minibatch"):
        raise ValueError(f"method must be 'kmeans' or 'minibatch', got {method!r}")
    frame = as_feature_frame(X)
    if len(frame) < ks[-1] + 2:
        raise InputError(
            f"choose_k up to k={ks[-1]} needs at least {ks[-1] + 2} customers, got {len(frame)}",
            code="TOO_FEW_CUSTOMERS",
        )
    check_features(frame, list(frame.columns), [], ks[-1] + 1, "kmeans")
    frame = frame.iloc[stable_order(frame)]
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
    for k in tqdm([*ks, ks[-1] + 1], desc="choose_k", disable=None if progress else True):
        labels[k] = lab = _fit(z, k, method, n_init, random_state, fit_sample)
        with threadpool_limits(1):  # small fits: threads only add overhead and contention
            rows[k] = _indices(z, lab, k, samp, dist, refs, random_state)
            if k <= ks[-1]:
                rows[k]["bic"] = _bic(z[samp], lab[samp], k, bic_covariance, random_state)
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
    table = table.loc[ks]
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
    algorithm = "minibatch" if method == "minibatch" else "kmeans"
    if algorithm == "kmeans" and fit_sample == "auto" and n > KMEANS_SAMPLE:
        algorithm += f" (starts on {KMEANS_SAMPLE} rows, refined on all)"
    elif algorithm == "kmeans" and isinstance(fit_sample, int) and fit_sample < n:
        algorithm += f" (fitted on {fit_sample} rows, all assigned to the nearest centroid)"
    info: dict[str, Any] = {"n": n, "sample_size": m, "algorithm": algorithm}
    info["preprocessing"] = {} if pre is None else describe_preprocessor(pre)
    return KSelection(table, votes, counts, int(best), reason, info)


def _pairwise(zs: np.ndarray) -> np.ndarray:
    sq = (zs**2).sum(axis=1)
    d2 = zs @ zs.T
    d2 *= -2
    d2 += sq[:, None]
    d2 += sq[None, :]
    d = np.sqrt(np.maximum(d2, 0, out=d2), out=d2)
    np.fill_diagonal(d, 0.0)
    return d


def _gap_references(zs: np.ndarray, b: int, rng: np.random.Generator) -> list[np.ndarray]:
    mean = zs.mean(axis=0)
    _, _, vt = np.linalg.svd(zs - mean, full_matrices=False)
    proj = (zs - mean) @ vt.T
    lo, hi = proj.min(axis=0), proj.max(axis=0)
    return [rng.uniform(lo, hi, size=proj.shape) @ vt + mean for _ in range(b)]


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


def _silhouette(dist: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette from a distance matrix (singletons score 0, as in scikit-learn)."""
    codes, lab = np.unique(lab, return_inverse=True)
    if len(codes) < 2:
        return float("nan")
    onehot = np.zeros((len(lab), len(codes)))
    onehot[np.arange(len(lab)), lab] = 1.0
    sums, size = dist @ onehot, onehot.sum(axis=0)
    own = size[lab] - 1
    a = sums[np.arange(len(lab)), lab] / np.maximum(own, 1)
    other = sums / size
    other[np.arange(len(lab)), lab] = np.inf
    b = other.min(axis=1)
    s = np.where(own > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def _indices(
    z: np.ndarray,
    lab: np.ndarray,
    k: int,
    samp: np.ndarray,
    dist: np.ndarray,
    refs: list[np.ndarray],
    seed: int,
) -> dict[str, float]:
    n, p = z.shape
    size = np.bincount(lab, minlength=k).astype(float)
    cent = np.column_stack([np.bincount(lab, z[:, j], k) for j in range(p)]) / size[:, None]
    resid = np.sqrt(((z - cent[lab]) ** 2).sum(axis=1))
    wss = float((resid**2).sum())
    bss = float((size * ((cent - z.mean(axis=0)) ** 2).sum(axis=1)).sum())
    spread = np.bincount(lab, resid, k) / size
    cd = np.sqrt(((cent[:, None, :] - cent[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(cd, np.inf)
    db = float(np.mean(np.max((spread[:, None] + spread[None, :]) / cd, axis=1)))
    ls = lab[samp]
    same = ls[:, None] == ls[None, :]
    dunn = float(np.where(same, np.inf, dist).min() / max(np.where(same, dist, 0).max(), 1e-12))
    # gap: data W_k on the sample (full-fit centres) vs. k-means refits of the references
    w_data = float(((z[samp] - cent[ls]) ** 2).sum())
    w_ref = np.log([KMeans(k, n_init=1, random_state=seed).fit(r).inertia_ for r in refs])
    return {
        "calinski_harabasz": (bss / (k - 1)) / (wss / (n - k)) if wss > 0 else np.inf,
        "davies_bouldin": db,
        "gap": float(w_ref.mean() - np.log(max(w_data, 1e-300))),
        "gap_s": float(w_ref.std() * np.sqrt(1 + 1 / len(refs))),
        "dunn": dunn,
        "wss": wss,
    }


def _bic(zs: np.ndarray, ls: np.ndarray, k: int, cov: str, seed: int) -> float:
    present = np.unique(ls)
    means = np.vstack([zs[ls == j].mean(axis=0) for j in present])
    gm = GaussianMixture(len(present), covariance_type=cov, reg_covar=1e-3, means_init=means,
                         random_state=seed, max_iter=200)  # fmt: skip
    return float(gm.fit(zs).bic(zs))


def _rule_indices(table: pd.DataFrame, ks: list[int], n: int, p: int, total: float) -> pd.DataFrame:
    w = pd.concat([pd.Series({1: total}), table["wss"]]).sort_index()
    w = w[~w.index.duplicated()].reindex(range(1, ks[-1] + 2))
    kk = w.index.to_numpy()
    hart = (w / w.shift(-1) - 1) * (n - kk - 1)
    diff = (kk - 1) ** (2 / p) * w.shift(1) - kk ** (2 / p) * w
    out = table.copy()
    out.loc[ks, "hartigan"] = hart.loc[ks]
    out.loc[ks, "hartigan_drop"] = (hart.shift(1) - hart).loc[ks]
    out.loc[ks, "krzanowski_lai"] = (diff / diff.shift(-1)).abs().loc[ks]
    out.loc[ks, "knee"] = knee_point(ks, table.loc[ks, "wss"])[1]
    return out


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


# -- the gap statistic as R cluster::clusGap ------------------------------------------------

GapRule = Literal["firstSEmax", "Tibs2001SEmax", "Tibshirani2001", "globalSEmax", "firstmax",
                  "globalmax"]  # fmt: skip
#: maxSE's methods, plus ``Tibshirani2001`` as another name of ``Tibs2001SEmax``
GAP_RULES = ("firstSEmax", "Tibs2001SEmax", "globalSEmax", "firstmax", "globalmax")


def max_se(gap: Any, se: Any, rule: str = "firstSEmax", se_factor: float = 1.0) -> int:
    """Position (1-based, as R) of the chosen k in a gap curve, R ``cluster::maxSE``.

    ``firstSEmax`` (R's default): the smallest k whose gap is within ``se_factor`` standard
    errors of the *first* local maximum; ``Tibs2001SEmax`` (``Tibshirani2001``): the smallest
    k with gap(k) ≥ gap(k+1) − SE(k+1) (Tibshirani, Walther & Hastie 2001); ``globalSEmax``:
    the smallest k within ``se_factor`` SE of the global maximum; ``firstmax``: the first
    local maximum; ``globalmax``: the global maximum.

    Examples
    --------
    >>> g, s = [0.2, 0.5, 0.52, 0.45, 0.6], [0.03] * 5
    >>> [max_se(g, s, r) for r in GAP_RULES]
    [2, 2, 5, 3, 5]
    """
    f = np.asarray(gap, dtype=float)
    fse = se_factor * np.asarray(se, dtype=float)
    k = len(f)
    rule = "Tibs2001SEmax" if rule == "Tibshirani2001" else rule
    if rule not in GAP_RULES:
        raise ValueError(f"rule must be one of {GAP_RULES} or 'Tibshirani2001', got {rule!r}")
    if k < 1 or len(fse) != k or (fse < 0).any() or se_factor < 0:
        raise ValueError("gap and se need the same length >= 1, se and se_factor >= 0")
    decr = np.diff(f) <= 0
    first = int(np.argmax(decr)) + 1 if decr.any() else k
    if rule == "firstmax":
        return first
    if rule == "globalmax":
        return int(np.argmax(f)) + 1
    if rule == "Tibs2001SEmax":
        mp = f[:-1] >= (f - fse)[1:]
        return int(np.argmax(mp)) + 1 if mp.any() else k
    nc = first if rule == "firstSEmax" else int(np.argmax(f)) + 1
    mp = f[: nc - 1] >= f[nc - 1] - fse[nc - 1]
    return int(np.argmax(mp)) + 1 if mp.any() else nc


@dataclass(frozen=True, eq=False)
class GapResult:
    """Outcome of :func:`gap` (R ``clusGap`` + ``maxSE``).

    Attributes
    ----------
    table : DataFrame
        Per k = 1..k_max: ``logW``, ``E_logW``, ``gap``, ``SE_sim`` (clusGap's ``Tab``).
    k : int
        The k chosen by ``rule``; ``reason`` says so in words.
    rule, distance, space_h0 : str
    se_factor : float
    n_ref : int
        Reference data sets B.
    """

    table: pd.DataFrame
    k: int
    rule: str
    distance: str
    space_h0: str
    se_factor: float
    n_ref: int
    reason: str

    def k_by(self, rule: str, se_factor: float | None = None) -> int:
        """The k another ``maxSE`` rule (or SE factor) picks from the same curve."""
        sf = self.se_factor if se_factor is None else se_factor
        return max_se(self.table["gap"], self.table["SE_sim"], rule, sf)


def _log_w(z: np.ndarray, labels: np.ndarray, d_power: int) -> float:
    """log W_k = log(½ Σ_r Σ_{i<j in r} d_ij^d.power / n_r), as clusGap."""
    from scipy.spatial.distance import pdist

    total = 0.0
    for j in np.unique(labels):
        xs = z[labels == j]
        if d_power == 2:  # Σ_{i<j} ‖x_i − x_j‖² = n_r · Σ ‖x_i − mean‖²
            total += float(((xs - xs.mean(axis=0)) ** 2).sum())
        elif len(xs) > 1:
            total += float(pdist(xs).sum()) / len(xs)
    return float(np.log(0.5 * total))


def _kmeans_labels(z: np.ndarray, k: int, n_init: int, seed: int) -> np.ndarray:
    if k == 1:
        return np.zeros(len(z), dtype=np.int64)
    return np.asarray(KMeans(k, n_init=n_init, random_state=seed).fit(z).labels_)


#: clusGap's unsquared distances need every within-cluster pair: refuse beyond this many rows
GAP_MAX_ROWS = 20_000


def gap(
    X: Any,
    *,
    k_max: int = 8,
    n_ref: int = 100,
    distance: Literal["euclidean", "squared"] = "euclidean",
    rule: GapRule = "firstSEmax",
    se_factor: float = 1.0,
    space_h0: Literal["scaledPCA", "original"] = "scaledPCA",
    n_init: int = 25,
    random_state: int = 0,
    progress: bool = True,
) -> GapResult:
    """Gap statistic for k = 1..k_max as R ``cluster::clusGap(x, kmeans, K.max, B)``.

    Defaults follow R cluster 2.1.4: ``distance="euclidean"`` is clusGap's default
    ``d.power = 1`` (W_k sums *unsquared* within-cluster distances; ``"squared"`` is
    ``d.power = 2``, the within sum of squares of Tibshirani et al. 2001), references are
    uniform over the bounding box of the principal-component-rotated data
    (``spaceH0 = "scaledPCA"``; ``"original"``: the box of the variables), and the k is
    chosen by ``maxSE``'s default ``firstSEmax`` with ``SE.factor = 1``. SE_sim =
    sd(log W*)·√(1 + 1/B) with R's n − 1 standard deviation. Each clustering is k-means
    with ``n_init`` starts (R: ``nstart``). Columns are used as given: scale them first as
    for the clustering. On USArrests (scaled) R picks k = 4 by firstSEmax and 2 by
    Tibshirani's rule with squared distances; see the tests.

    Parameters
    ----------
    X : DataFrame or array
        Numeric features, no missing values; at most :data:`GAP_MAX_ROWS` rows.
    k_max, n_ref
        Largest k (R ``K.max``, at least 2) and reference data sets (R ``B``).
    distance : {"euclidean", "squared"}
    rule : {"firstSEmax", "Tibs2001SEmax", "Tibshirani2001", "globalSEmax", "firstmax", "globalmax"}
    se_factor : float, default 1
    space_h0 : {"scaledPCA", "original"}
    n_init, random_state, progress

    Returns
    -------
    GapResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.3, (40, 2)), rng.normal(3, 0.3, (40, 2))]
    >>> res = gap(X, k_max=4, n_ref=10, n_init=3, progress=False)
    >>> res.k, res.k_by("globalmax")
    (2, 2)
    """
    frame = as_feature_frame(X)
    if not all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns):
        bad = next(c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]))
        raise InputError("gap needs numeric features", column=str(bad), code="NOT_NUMERIC")
    z = frame.to_numpy(dtype=float)
    if np.isnan(z).any():
        bad = frame.columns[np.isnan(z).any(axis=0)][0]
        raise InputError("gap needs complete features", column=str(bad), code="MISSING_VALUES")
    n = len(z)
    if distance not in ("euclidean", "squared") or space_h0 not in ("scaledPCA", "original"):
        raise ValueError("distance must be 'euclidean' or 'squared', space_h0 'scaledPCA' or "
                         "'original'")  # fmt: skip
    if k_max < 2 or n_ref < 1 or n <= k_max:
        raise InputError(f"gap needs k_max >= 2, n_ref >= 1 and more rows ({n}) than k_max",
                         code="TOO_FEW_ROWS")  # fmt: skip
    if n > GAP_MAX_ROWS:
        raise InputError(f"gap on {n:,} rows (limit {GAP_MAX_ROWS:,}): pass a sample",
                         code="TOO_MANY_CUSTOMERS")  # fmt: skip
    max_se([0.0], [0.0], rule, se_factor)  # validate the rule early
    d_power = 1 if distance == "euclidean" else 2
    ks = range(1, k_max + 1)
    rng = np.random.default_rng(random_state)
    with threadpool_limits(1):
        log_w = np.array([_log_w(z, _kmeans_labels(z, k, n_init, random_state), d_power)
                          for k in ks])  # fmt: skip
        mean = z.mean(axis=0)
        xs = z - mean
        vt = np.linalg.svd(xs, full_matrices=False)[2] if space_h0 == "scaledPCA" else None
        if vt is not None:
            xs = xs @ vt.T
        lo, hi = xs.min(axis=0), xs.max(axis=0)
        ref = np.empty((n_ref, k_max))
        for b in tqdm(range(n_ref), desc="gap references", disable=None if progress else True):
            z1 = rng.uniform(lo, hi, size=xs.shape)
            zb = (z1 @ vt if vt is not None else z1) + mean
            seed = int(rng.integers(2**31))
            ref[b] = [_log_w(zb, _kmeans_labels(zb, k, n_init, seed), d_power) for k in ks]
    e_log_w = ref.mean(axis=0)
    se = np.sqrt(1 + 1 / n_ref) * (ref.std(axis=0, ddof=1) if n_ref > 1 else np.zeros(k_max))
    table = pd.DataFrame(
        {"logW": log_w, "E_logW": e_log_w, "gap": e_log_w - log_w, "SE_sim": se},
        index=pd.RangeIndex(1, k_max + 1, name="k"),
    )
    name = "Tibs2001SEmax" if rule == "Tibshirani2001" else rule
    k = max_se(table["gap"], table["SE_sim"], name, se_factor)
    reason = (
        f"gap statistic (R cluster clusGap, d.power = {d_power}, spaceH0 = {space_h0}, "
        f"B = {n_ref}): k = {k} by maxSE {name} (SE.factor = {se_factor:g})"
    )
    return GapResult(table, k, name, distance, space_h0, se_factor, n_ref, reason)
