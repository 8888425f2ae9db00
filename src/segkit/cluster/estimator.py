"""Clustering behind one interface (聚类分析).

:class:`SegmentClusterer` wraps k-means, mini-batch k-means, Ward, Gaussian mixtures,
k-prototypes and Gower distance + average-linkage hierarchical clustering (the last two for
mixed numeric/categorical data) as one scikit-learn estimator whose labels are
**canonical**: segments ``1..k`` ordered by descending mean of a value column, ties broken by
size, then by centroid; the same seed gives the same label per customer, whatever the row
order of the input. :func:`default_preprocessor` is the shared scaling step (``log1p`` for
skewed spend/count columns, then standardisation) and :func:`behaviour_features` derives the
default behavioural feature set from a profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import check_is_fitted

from segkit.cluster.gower import gower_distance, gower_ranges
from segkit.cluster.prepare import (
    as_feature_frame,
    check_features,
    describe_preprocessor,
    few_threads,
    make_preprocessor,
    stable_order,
)
from segkit.errors import InputError

__all__ = ["METHODS", "SegmentClusterer"]


METHODS = ("kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower")
Method = Literal["kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower"]


class SegmentClusterer(ClusterMixin, BaseEstimator):
    """Cluster customers with canonical, row-order-invariant segment labels.

    Parameters
    ----------
    method : {"kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower"}
        ``gower``: Gower distance (R ``cluster::daisy``, numeric columns after ``preprocess``)
        and average-linkage hierarchical clustering (R ``hclust(method = "average")``).
        ``gmm`` is initialised at the best of ``n_init`` k-means solutions (stabler than
        random EM starts, which on bounded share features drift to degenerate components).
    n_clusters : int
        Number of segments k.
    preprocess : "auto", "quantile", "standard", None or a transformer
        ``auto``: :func:`default_preprocessor` (log1p of skewed spend/count columns, then
        standardise); ``quantile``: the same with a normal quantile transform; ``standard``:
        standardise only; ``None``: features used as given; a transformer is cloned.
    value_column : str
        Column of ``X`` whose cluster means order the labels when ``fit`` gets no ``value``;
        without it, the first column.
    categorical : list of str, optional
        Categorical columns (k-prototypes, which needs them — gamma defaults to kmodes'
        rule, half the mean standard deviation of the scaled numeric columns — or gower).
    random_state, n_init : int
        Seed and number of restarts (k-means, mini-batch, gmm's k-means start, k-prototypes).
    covariance_type : {"tied", "full", "diag", "spherical"}
        Gaussian mixture covariance; ``tied`` (one shared shape) is the robust default for
        collinear, bounded features like shares that sum to 1.

    Attributes
    ----------
    labels_ : Series
        Canonical labels 1..k aligned with ``X`` (name ``"segment"``).
    cluster_centers_ : DataFrame
        Per-segment means in original units (categorical columns: mode), index 1..k.
    cluster_sizes_ : Series
    preprocessor_ : fitted transformer or None
    preprocessing_ : dict
        ``{column: treatment}``, e.g. ``{"avg_order_value": "log1p + standardise"}``.
    value_name_ : str
        What ordered the labels.

    Notes
    -----
    Row-order invariance: every method is fitted on the rows sorted by their feature values
    (:func:`stable_order`) and the labels are mapped back, so shuffling the input gives the
    same label per customer (k-means++ seeding otherwise depends on row order).
    ``predict``: nearest centroid (k-means, mini-batch), highest posterior (gmm), nearest
    centroid of the fitted segments in the preprocessed space (ward), kmodes' ``predict``
    (k-prototypes), the nearest segment medoid by Gower distance with the training ranges
    (gower). Ward and gower refuse more than :data:`WARD_MAX_CUSTOMERS` rows
    (``TOO_MANY_CUSTOMERS``): fit k-means instead, or Ward on a sample and ``predict``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"monetary": np.r_[rng.normal(10, 1, 20), rng.normal(50, 1, 20)],
    ...                   "visits": np.r_[rng.normal(1, 0.1, 20), rng.normal(5, 0.1, 20)]})
    >>> sc = SegmentClusterer("kmeans", 2, preprocess="standard").fit(X)
    >>> sc.labels_.iloc[[0, -1]].tolist(), sc.cluster_centers_["monetary"].round(0).tolist()
    ([2, 1], [50.0, 10.0])
    >>> sc.predict(pd.DataFrame({"monetary": [48.0], "visits": [4.0]})).tolist()
    [1]
    """

    def __init__(
        self,
        method: Method = "kmeans",
        n_clusters: int = 6,
        *,
        preprocess: Any = "auto",
        value_column: str = "monetary",
        categorical: Sequence[str] | None = None,
        random_state: int | None = 0,
        n_init: int = 10,
        covariance_type: str = "tied",
    ) -> None:
        self.method = method
        self.n_clusters = n_clusters
        self.preprocess = preprocess
        self.value_column = value_column
        self.categorical = categorical
        self.random_state = random_state
        self.n_init = n_init
        self.covariance_type = covariance_type

    def fit(self, X: Any, y: Any = None, *, value: Any = None) -> Self:
        """Fit on features ``X``; ``value`` (aligned by index, or positional) orders labels."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        frame = as_feature_frame(X)
        cat = [str(c) for c in (self.categorical or [])]
        num = [c for c in frame.columns if c not in cat]
        if (self.method == "kprototypes") and (not cat or not num):
            raise ValueError("method='kprototypes' needs categorical and numeric columns")
        if cat and self.method not in ("kprototypes", "gower"):
            raise ValueError("categorical columns need method='kprototypes' or 'gower'")
        check_features(frame, num, cat, self.n_clusters, self.method)
        order = stable_order(frame)
        fs = frame.iloc[order]
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        self._num, self._cat = num, cat
        self.preprocessor_ = make_preprocessor(self.preprocess, fs[num]) if num else None
        z = self._transform(fs)
        with few_threads(len(fs)):
            raw = self._fit_model(z, fs)
        vals, self.value_name_ = _value(frame, value, self.value_column, num)
        self._canonical(fs, raw, vals[order])
        lab = np.empty(len(frame), dtype=np.int64)
        lab[order] = self._map[raw]
        self.labels_ = pd.Series(lab, index=frame.index, name="segment")
        return self

    def predict(self, X: Any) -> pd.Series:
        """Canonical segment of new customers (same columns as in ``fit``), aligned with ``X``."""
        check_is_fitted(self, "labels_")
        frame = as_feature_frame(X)
        missing = [c for c in self.feature_names_in_ if c not in frame.columns]
        if missing:
            raise InputError("column missing for predict", column=missing[0], code="MISSING_COLUMN")
        frame = frame[list(self.feature_names_in_)]
        check_features(frame, self._num, self._cat, 1, "predict")
        z = self._transform(frame)
        if self.method == "ward":
            c = self._ward_centres
            raw = ((c**2).sum(axis=1) - 2 * z @ c.T).argmin(axis=1)  # nearest centre
        elif self.method == "gower":
            d = gower_distance(self._scaled(z, frame), self._cat, other=self._medoids,
                               ranges=self._ranges)  # fmt: skip
            raw = d.argmin(axis=1)
        elif self.method == "kprototypes":
            raw = self.model_.predict(_mixed(z, frame[self._cat]), categorical=self._cat_idx)
        else:
            raw = self.model_.predict(z)
        return pd.Series(self._map[np.asarray(raw)], index=frame.index, name="segment")

    # -- internals ---------------------------------------------------------------------------
    def _transform(self, frame: pd.DataFrame) -> np.ndarray:
        x = frame[self._num]
        out = x if self.preprocessor_ is None else self.preprocessor_.transform(x)
        return np.asarray(out, dtype=float)

    def _scaled(self, z: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
        """Numeric columns on the clustering's scale and the categorical ones (Gower's input)."""
        out = pd.DataFrame(z, columns=self._num, index=frame.index)
        return pd.concat([out, frame[self._cat].astype(str)], axis=1)

    def _fit_model(self, z: np.ndarray, fs: pd.DataFrame) -> np.ndarray:
        k, rs, n_init = self.n_clusters, self.random_state, self.n_init
        self.model_: Any = None
        if self.method == "gower":
            scaled = self._scaled(z, fs)
            self._ranges = gower_ranges(scaled, self._cat)
            d = gower_distance(scaled, self._cat, ranges=self._ranges)
            agg = AgglomerativeClustering(k, metric="precomputed", linkage="average")
            raw = np.asarray(agg.fit(d).labels_)
            medoids = [np.flatnonzero(raw == j)[d[np.ix_(raw == j, raw == j)].sum(0).argmin()]
                       for j in range(k)]  # fmt: skip
            self._medoids = scaled.iloc[medoids]
            return raw
        if self.method in ("kmeans", "gmm"):
            km = KMeans(k, n_init=n_init, random_state=rs).fit(z)
            self.model_ = km
            if self.method == "gmm":
                self.model_ = GaussianMixture(
                    k, covariance_type=self.covariance_type, reg_covar=1e-3,
                    means_init=km.cluster_centers_, random_state=rs,
                ).fit(z)  # fmt: skip
                return np.asarray(self.model_.predict(z))
            return np.asarray(km.labels_)
        if self.method == "minibatch":
            self.model_ = MiniBatchKMeans(k, n_init=n_init, random_state=rs).fit(z)
            return np.asarray(self.model_.labels_)
        if self.method == "ward":
            raw = np.asarray(AgglomerativeClustering(k, linkage="ward").fit(z).labels_)
            self.model_ = None
            self._ward_centres = np.vstack([z[raw == j].mean(axis=0) for j in range(k)])
            return raw
        from kmodes.kprototypes import KPrototypes

        self._cat_idx = list(range(z.shape[1], z.shape[1] + len(self._cat)))
        self.model_ = KPrototypes(k, init="Cao", n_init=n_init, random_state=rs)
        self.model_.fit(_mixed(z, fs[self._cat]), categorical=self._cat_idx)
        return np.asarray(self.model_.labels_)

    def _canonical(self, fs: pd.DataFrame, raw: np.ndarray, vals: Any) -> None:
        k = self.n_clusters
        groups = pd.Series(raw, index=fs.index)
        size = np.bincount(raw, minlength=k)
        means = fs[self._num].groupby(raw).mean().reindex(range(k))
        vmean = pd.Series(np.asarray(vals, float)).groupby(raw).mean().reindex(range(k))

        def key(j: int) -> tuple[Any, ...]:
            v = vmean.iloc[j]
            return (size[j] == 0, -v if v == v else np.inf, -size[j], *means.iloc[j].fillna(0))

        ranked = sorted(range(k), key=key)
        self._map = np.empty(k, dtype=np.int64)
        self._map[ranked] = np.arange(1, k + 1)
        centres = means.iloc[ranked].copy()
        for c in self._cat:
            centres[c] = [fs.loc[groups == j, c].mode().iat[0] for j in ranked]
        centres.index = pd.Index(range(1, k + 1), name="segment")
        self.cluster_centers_ = centres[list(fs.columns)]
        self.cluster_sizes_ = pd.Series(size[ranked], index=centres.index, name="size")
        self.preprocessing_ = (
            describe_preprocessor(self.preprocessor_) if self.preprocessor_ is not None else {}
        )
        self.preprocessing_.update(dict.fromkeys(self._cat, "categorical (matching)"))


def _mixed(z: np.ndarray, cats: pd.DataFrame) -> np.ndarray:
    out = np.empty((len(z), z.shape[1] + cats.shape[1]), dtype=object)
    out[:, : z.shape[1]] = z
    out[:, z.shape[1] :] = cats.astype(str).to_numpy()
    return out


def _value(frame: pd.DataFrame, value: Any, column: str, num: list[str]) -> tuple[Any, str]:
    if value is None:
        name = column if column in num else (num[0] if num else str(frame.columns[0]))
        if name not in num:
            return np.zeros(len(frame)), "none"
        return frame[name].to_numpy(float), name
    if isinstance(value, pd.Series):
        aligned = value.reindex(frame.index)
        if aligned.isna().sum() > value.isna().sum():
            raise InputError("value is not aligned with X's index", code="MISALIGNED")
        return aligned.to_numpy(float), str(value.name or "value")
    arr = np.asarray(value, dtype=float)
    if arr.shape != (len(frame),):
        raise InputError(f"value has shape {arr.shape}, X has {len(frame)} rows", code="MISALIGNED")
    return arr, "value"
