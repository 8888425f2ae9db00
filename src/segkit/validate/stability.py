"""Segment stability (稳定性检验): does a segment survive re-clustering bootstrap resamples?

* :func:`bootstrap_stability` — Hennig's *clusterboot* (R fpc): mean Jaccard of each segment
  with its best match in re-clustered resamples; ≥ 0.75 stable, < 0.6 unstable.
* :class:`ClusterbootKMeans` — k-means refit as fpc's ``kmeansCBI`` (one start, Hartigan
  refinement by :func:`hartigan_refine`), for figures comparable with R.
* :func:`cluster_jaccard` — Jaccard similarity of two labellings, segment by segment.

Any labelling works: pass the feature frame and a labels Series aligned with its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from segkit.validate.sizes import align_labels

__all__ = [
    "ClusterbootKMeans",
    "StabilityReport",
    "bootstrap_stability",
    "cluster_jaccard",
    "hartigan_refine",
]


def _jaccard_array(a: np.ndarray, b: np.ndarray, n_a: int) -> np.ndarray:
    """Jaccard of every segment code of ``a`` (0..n_a-1) with every cluster of ``b``."""
    if b.dtype.kind in "iu" and len(b) and int(b.max()) - int(b.min()) < 4096:
        b_codes = b.astype(np.int64) - int(b.min())  # integer labels: skip the sort
    else:
        b_codes = np.unique(b, return_inverse=True)[1]
    n_b = int(b_codes.max()) + 1 if len(b_codes) else 0
    table = np.bincount(a * n_b + b_codes, minlength=n_a * n_b).reshape(n_a, n_b)
    union = table.sum(1)[:, None] + table.sum(0)[None, :] - table
    return np.divide(table, union, out=np.zeros(table.shape), where=union > 0)


def cluster_jaccard(labels_a: Any, labels_b: Any) -> pd.DataFrame:
    """Jaccard similarity |A∩B| / |A∪B| of every segment of ``a`` with every cluster of ``b``.

    Computed from the contingency table, so it is linear in the number of points.

    Examples
    --------
    >>> cluster_jaccard([1, 1, 1, 2, 2], ["x", "x", "y", "y", "y"]).round(3).values.tolist()
    [[0.667, 0.2], [0.0, 0.667]]
    """
    seg_a, codes_a = np.unique(np.asarray(labels_a), return_inverse=True)
    seg_b, codes_b = np.unique(np.asarray(labels_b), return_inverse=True)
    jac = _jaccard_array(codes_a, codes_b, len(seg_a))
    return pd.DataFrame(jac, index=pd.Index(seg_a, name="a"), columns=pd.Index(seg_b, name="b"))


@dataclass
class StabilityReport:
    """Outcome of :func:`bootstrap_stability`.

    ``table``: per segment ``size``, ``mean_jaccard``, ``std_jaccard``, ``min_jaccard``,
    ``dissolved_share`` (boots with Jaccard < ``dissolved``), ``recovered_share`` (≥ ``stable``),
    ``n_boot_valid`` and ``verdict`` (stable / doubtful / unstable). ``jaccard``: best-match
    Jaccard per bootstrap (rows) and segment (0 if absent from a clusterboot resample, as
    fpc; NaN in the other modes). ``overall_mean``: unweighted mean of the segments' mean
    Jaccard. ``refit``: how each resample was re-clustered, in words.
    """

    table: pd.DataFrame
    jaccard: pd.DataFrame
    overall_mean: float
    n_boot: int
    sample_size: int | None
    mode: str
    thresholds: dict[str, float]
    refit: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The per-segment table."""
        return self.table.copy()


def _is_estimator(obj: Any, method: str) -> bool:
    return hasattr(obj, method) and hasattr(obj, "get_params")


def bootstrap_stability(
    X: pd.DataFrame,
    labels: Any,
    *,
    fit_predict: Any = None,
    fit: Any = None,
    predict: Callable[[Any, pd.DataFrame], Any] | None = None,
    n_boot: int = 50,
    random_state: int | None = 0,
    sample_size: int | None = None,
    stable: float = 0.75,
    unstable: float = 0.6,
    dissolved: float = 0.5,
    progress: bool = True,
    multipleboot: bool = False,
    refit: str = "",
) -> StabilityReport:
    """Segment stability by bootstrap re-clustering (Hennig's clusterboot, 稳定性检验).

    Each bootstrap draws ``sample_size`` rows (default ``n``) with replacement and
    re-clusters them; each *original* segment is matched with its most similar bootstrap
    cluster by Jaccard similarity (contingency table, no loop over points). Two modes:

    * ``fit_predict`` — a callable ``f(frame) -> labels`` or an estimator (cloned, then
      ``fit_predict``); segments are compared on the distinct rows present in the resample.
      With ``multipleboot=False`` (the default) this is fpc's ``clusterboot(bootmethod =
      "boot")``: the clusterer gets the *distinct* rows of the resample (fpc's default
      ``multipleboot = FALSE``) and a segment absent from it scores 0; the stability is the
      mean over the ``n_boot`` resamples (fpc's ``bootmean``). ``multipleboot=True`` fits on
      all drawn rows, duplicates included.
    * ``fit`` (+ ``predict``) — ``fit(frame) -> model`` or an estimator (cloned, fitted), and
      ``predict(model, frame) -> labels`` (default ``model.predict``): fit on the resample,
      assign and compare **every** row — fit on 20 000 rows, assign a million customers.

    Parameters
    ----------
    X : DataFrame
        The features the segmentation was made on (passed as given to the clusterer).
    labels : Series or array-like
        The segments to assess, aligned with ``X``.
    n_boot, random_state, sample_size
        Number of resamples, seed, and rows per resample.
    stable, unstable, dissolved : float
        Verdict thresholds on the mean Jaccard; below ``dissolved`` a segment has dissolved.
    progress : bool
        Show a tqdm bar (hidden when not on a terminal).
    multipleboot : bool, default False
        ``fit_predict`` mode: fit on all drawn rows (True) or on the distinct ones (fpc).
    refit : str
        A description of the re-clustering, kept in the report.

    Returns
    -------
    StabilityReport

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (40, 2)), rng.normal(8, 1, (40, 2))])
    >>> km = KMeans(2, n_init=3, random_state=0)
    >>> rep = bootstrap_stability(X, km.fit_predict(X), fit_predict=km, n_boot=5, progress=False)
    >>> rep.table["verdict"].tolist(), round(rep.overall_mean, 2)
    (['stable', 'stable'], 1.0)
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    segs, codes = np.unique(align_labels(frame, labels).to_numpy(), return_inverse=True)
    if (fit_predict is None) == (fit is None):
        raise TypeError("give either fit_predict, or fit (and predict)")
    if fit_predict is not None and not (
        _is_estimator(fit_predict, "fit_predict") or callable(fit_predict)
    ):
        raise TypeError("fit_predict must be a callable or an estimator with fit_predict")
    n, n_seg = len(frame), len(segs)
    m = int(sample_size or n)
    rng = np.random.default_rng(random_state)
    jac = np.full((n_boot, n_seg), np.nan)
    for b in tqdm(range(n_boot), desc="bootstrap stability", disable=None if progress else True):
        idx = rng.integers(0, n, size=m)
        rows, first = np.unique(idx, return_index=True)
        if not multipleboot and fit is None:  # fpc: bsamp <- unique(bsamp), in draw order
            rows = idx[np.sort(first)]
        use = idx if multipleboot or fit is not None else rows
        sample = frame.iloc[use].reset_index(drop=True)
        if fit is not None:
            model = clone(fit).fit(sample) if _is_estimator(fit, "fit") else fit(sample)
            boot = np.asarray(predict(model, frame) if predict else model.predict(frame))
            seg_codes = codes
        else:
            est = _is_estimator(fit_predict, "fit_predict")
            out = np.asarray(clone(fit_predict).fit_predict(sample) if est else fit_predict(sample))
            if len(out) != len(sample):
                raise ValueError(f"the clusterer returned {len(out)} labels for {len(sample)} rows")
            boot, seg_codes = (out[first] if multipleboot else out), codes[rows]
        best = _jaccard_array(seg_codes, boot, n_seg).max(axis=1)
        absent = np.bincount(seg_codes, minlength=n_seg) == 0
        best[absent] = 0.0 if fit is None and not multipleboot else np.nan
        jac[b] = best
    jf = pd.DataFrame(jac, columns=pd.Index(segs, name="segment")).rename_axis("boot")
    mean, valid = jf.mean(), jf.notna().sum()
    verdict = np.where(mean >= stable, "stable", np.where(mean < unstable, "unstable", "doubtful"))
    table = pd.DataFrame(
        {"size": np.bincount(codes, minlength=n_seg), "mean_jaccard": mean, "std_jaccard": jf.std(),
         "min_jaccard": jf.min(), "dissolved_share": (jf < dissolved).sum() / valid,
         "recovered_share": (jf >= stable).sum() / valid, "n_boot_valid": valid,
         "verdict": verdict},
        index=jf.columns,
    )  # fmt: skip
    return StabilityReport(
        table=table,
        jaccard=jf,
        overall_mean=float(mean.mean()),
        n_boot=n_boot,
        sample_size=sample_size,
        mode="predict" if fit is not None else "resample",
        thresholds={"stable": stable, "unstable": unstable, "dissolved": dissolved},
        refit=refit,
    )


def hartigan_refine(z: np.ndarray, labels: np.ndarray, k: int, max_pass: int = 100) -> np.ndarray:
    """Move single points between k-means clusters until Hartigan's criterion holds.

    A point leaves cluster a for b when n_b/(n_b + 1)·‖x − c_b‖² < n_a/(n_a − 1)·‖x − c_a‖²
    (the sum of squares falls), centres updated after each move: the local optimum of R's
    default ``kmeans(algorithm = "Hartigan-Wong")``, which Lloyd's iterations (scikit-learn)
    stop short of. Each pass screens all points at once and visits only the candidates.

    Examples
    --------
    >>> z = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> hartigan_refine(z, np.array([0, 0, 1, 1]), 2).tolist()
    [0, 0, 0, 1]
    """
    lab = np.asarray(labels, dtype=np.int64).copy()
    z = np.asarray(z, dtype=float)
    for _ in range(max_pass):
        cnt = np.bincount(lab, minlength=k).astype(float)
        cen = np.zeros((k, z.shape[1]))
        np.add.at(cen, lab, z)
        cen /= np.maximum(cnt, 1)[:, None]
        d = ((z[:, None, :] - cen[None, :, :]) ** 2).sum(axis=2)
        add = cnt / (cnt + 1) * d
        own = d[np.arange(len(z)), lab]
        keep = np.where(cnt[lab] > 1, cnt[lab] / np.maximum(cnt[lab] - 1, 1) * own, 0.0)
        add[np.arange(len(z)), lab] = np.inf
        candidates = np.flatnonzero(add.min(axis=1) < keep * (1 - 1e-12))
        if not len(candidates):
            break
        for i in candidates:
            a = lab[i]
            if cnt[a] <= 1:
                continue
            di = ((cen - z[i]) ** 2).sum(axis=1)
            cost = cnt / (cnt + 1) * di
            cost[a] = np.inf
            b = int(np.argmin(cost))
            if cost[b] < cnt[a] / (cnt[a] - 1) * di[a] * (1 - 1e-12):
                cen[a] = (cen[a] * cnt[a] - z[i]) / (cnt[a] - 1)
                cen[b] = (cen[b] * cnt[b] + z[i]) / (cnt[b] + 1)
                cnt[a] -= 1
                cnt[b] += 1
                lab[i] = b
    return lab


class ClusterbootKMeans:
    """k-means refit as fpc's ``kmeansCBI(x, k, runs = 1)``: one start from k random rows
    (R ``kmeans``' default start), Lloyd iterations (scikit-learn, at most 100 as
    ``iter.max``), then :func:`hartigan_refine` to Hartigan–Wong's local optimum. Each call
    draws a fresh start from its own seeded generator, so a bootstrap run is reproducible.

    Examples
    --------
    >>> X = pd.DataFrame(np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 9] + np.arange(10)[:, None] / 50)
    >>> ClusterbootKMeans(2, random_state=0).fit_predict(X).tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    """

    def __init__(self, n_clusters: int, random_state: int | None = 0) -> None:
        self.n_clusters = n_clusters
        self.rng = np.random.default_rng(random_state)

    def fit_predict(self, X: Any) -> np.ndarray:
        """Labels 0..k-1 of the rows of ``X``."""
        from sklearn.cluster import KMeans
        from threadpoolctl import threadpool_limits

        z = np.asarray(X, dtype=float)
        seed = int(self.rng.integers(2**31))
        with threadpool_limits(1):
            km = KMeans(self.n_clusters, init="random", n_init=1, max_iter=100, random_state=seed)
            raw = km.fit(z).labels_
        lab = np.unique(hartigan_refine(z, np.asarray(raw), self.n_clusters), return_inverse=True)[
            1
        ]
        self.cluster_centers_ = np.vstack([z[lab == j].mean(axis=0) for j in range(lab.max() + 1)])
        return lab

    def fit(self, X: Any) -> ClusterbootKMeans:
        """Fit on ``X`` (for fit-on-a-sample, assign-every-row stability)."""
        self.fit_predict(X)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Nearest fitted centre of every row."""
        z = np.asarray(X, dtype=float)
        c = self.cluster_centers_
        return np.asarray(((c**2).sum(axis=1) - 2 * z @ c.T).argmin(axis=1))

    __call__ = fit_predict
