"""Validate and adjust segments (验证与调整): are they distinct, stable and big enough?

* :func:`bootstrap_stability` — Hennig's *clusterboot* (R fpc): does a segment survive
  re-clustering bootstrap resamples? Mean Jaccard ≥ 0.75 stable, < 0.6 unstable (稳定性).
* :func:`discriminant_analysis` — LDA (判别分析): cross-validated hit rate against chance,
  Wilks' lambda per variable and overall, and a :class:`ScoringRule` for new customers.
* :func:`check_segment_sizes` — segments too small to act on (可操作性).

Any labelling works: pass the feature frame and a labels Series aligned with its rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from tqdm.auto import tqdm

from segkit.errors import InputError


def align_labels(frame: pd.DataFrame, labels: Any) -> pd.Series:
    """Return ``labels`` as a Series on ``frame.index`` (reordered if it is a permutation).

    Raises :class:`~segkit.errors.InputError` (``LABELS_NOT_ALIGNED``, ``MISSING_LABELS``).

    Examples
    --------
    >>> f = pd.DataFrame({"x": [1, 2]}, index=["a", "b"])
    >>> align_labels(f, pd.Series([2, 1], index=["b", "a"])).tolist()
    [1, 2]
    """
    if isinstance(labels, pd.Series):
        same = labels.index.equals(frame.index)
        if not same and not (
            len(labels) == len(frame)
            and labels.index.is_unique
            and frame.index.isin(labels.index).all()
        ):
            raise InputError("labels and features have different rows", code="LABELS_NOT_ALIGNED")
        out = labels.copy() if same else labels.reindex(frame.index)
    else:
        out = pd.Series(np.asarray(labels))
        if out.ndim != 1 or len(out) != len(frame):
            raise InputError(f"{len(out)} labels for {len(frame)} rows", code="LABELS_NOT_ALIGNED")
        out.index = frame.index
    if out.isna().any():
        raise InputError(f"{int(out.isna().sum())} rows have no segment", code="MISSING_LABELS")
    out.name = out.name if out.name is not None else "segment"
    return out


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


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class ScoringRule:
    """Fisher's linear classification functions: ``score_g(x) = c_g + w_g · x``, assign argmax.

    Coefficients are on the original variables, or on ``log1p`` of those listed in
    ``transforms`` (``{variable: "log1p"}``, the clustering's scale), so the rule can be pasted
    into Excel (``LN(1 + x)``) or SQL. ``w_g = Σ⁻¹ μ_g`` and ``c_g = −½ μ_g' Σ⁻¹ μ_g + ln π_g``
    with Σ the pooled within-segment covariance (divisor n, as scikit-learn) and π_g the
    prior of segment g.

    Examples
    --------
    >>> rule = ScoringRule(["x"], [1, 2], np.array([[1.0], [3.0]]), np.array([0.0, -4.0]))
    >>> rule.score(pd.DataFrame({"x": [0.0, 5.0]})).tolist()
    [1, 2]
    >>> ScoringRule.from_dict(rule.to_dict()).to_frame().loc["x"].tolist()
    [1.0, 3.0]
    """

    features: list[Any]
    segments: list[Any]
    coefficients: np.ndarray
    constants: np.ndarray
    transforms: dict[Any, str] = field(default_factory=dict)

    def decision(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Classification-function score of every row for every segment."""
        if missing := [f for f in self.features if f not in frame.columns]:
            raise InputError("variable needed", column=str(missing[0]), code="MISSING_COLUMN")
        x = np.array(frame[self.features], dtype=float)
        for i, f in enumerate(self.features):
            if self.transforms.get(f) == "log1p":
                x[:, i] = np.log1p(x[:, i])
        scores = x @ self.coefficients.T
        return pd.DataFrame(scores + self.constants, index=frame.index, columns=self.segments)

    def score(self, frame: pd.DataFrame) -> pd.Series:
        """Segment of every row (missing when a variable is missing)."""
        scores = self.decision(frame).to_numpy()
        best = np.argmax(np.nan_to_num(scores, nan=-np.inf), axis=1)
        out = pd.Series(np.asarray(self.segments)[best], index=frame.index, name="segment")
        if (bad := np.isnan(scores).any(axis=1)).any():
            out = out.astype(object)
            out[bad] = None
        return out

    def to_frame(self) -> pd.DataFrame:
        """Coefficient table: rows ``(constant)`` and the variables, one column per segment."""
        data = np.vstack([self.constants, self.coefficients.T])
        names = [f"log1p({f})" if self.transforms.get(f) == "log1p" else f for f in self.features]
        return pd.DataFrame(
            data,
            index=pd.Index(["(constant)", *names], name="variable"),
            columns=pd.Index(self.segments, name="segment"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (see :meth:`from_dict`)."""
        return {
            "kind": "fisher_linear_classification_functions",
            "features": [_scalar(f) for f in self.features],
            "segments": [_scalar(s) for s in self.segments],
            "coefficients": self.coefficients.tolist(),
            "constants": self.constants.tolist(),
            "transforms": {str(k): v for k, v in self.transforms.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringRule:
        """Rebuild a rule from :meth:`to_dict` output."""
        coef, const = (np.asarray(data[k], dtype=float) for k in ("coefficients", "constants"))
        feats = list(data["features"])
        by_name = {str(f): f for f in feats}
        transforms = {by_name[k]: v for k, v in dict(data.get("transforms") or {}).items()}
        return cls(feats, list(data["segments"]), coef, const, transforms)


@dataclass
class DiscriminantReport:
    """Outcome of :func:`discriminant_analysis` (判别分析).

    ``confusion`` / ``confusion_share``: cross-validated hit-rate table, actual (rows) ×
    predicted (columns), counts and row shares. ``hit_rate`` (cross-validated) and
    ``training_hit_rate``; ``chance_proportional`` Σ p_g² (beat it by 25 %) and
    ``chance_maximum``; Press's Q (``press_q``, ``press_p``). ``univariate``: per variable
    Wilks' λ = SSW/SST, ANOVA ``F`` (``df1``, ``df2``), ``p_value``. ``wilks_lambda`` of the
    model = Π 1/(1+λ_i) = det W / det T, Bartlett's ``chi2`` (``df``, ``p_value``).
    ``functions``: eigenvalue, variance share, canonical correlation and Wilks' Λ test of
    each function and the ones after it. ``structure``: pooled within-segment correlations of
    variables and functions. ``model``: the LDA fitted on all rows.
    """

    confusion: pd.DataFrame
    confusion_share: pd.DataFrame
    hit_rate: float
    training_hit_rate: float
    chance_proportional: float
    chance_maximum: float
    press_q: float
    press_p: float
    univariate: pd.DataFrame
    wilks_lambda: float
    chi2: float
    df: int
    p_value: float
    functions: pd.DataFrame
    structure: pd.DataFrame
    scoring_rule: ScoringRule
    model: LinearDiscriminantAnalysis
    cv_folds: int

    def summary(self) -> dict[str, float]:
        """The headline numbers."""
        keys = ("hit_rate", "training_hit_rate", "chance_proportional", "wilks_lambda", "p_value")
        return {k: float(getattr(self, k)) for k in keys}


def _numeric_checked(frame: pd.DataFrame) -> np.ndarray:
    for col, values in frame.items():
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise InputError("variable is not numeric", column=str(col), code="NOT_NUMERIC")
        if values.isna().any():
            raise InputError("variable has missing values", column=str(col), code="MISSING_VALUES")
        if values.nunique() < 2:
            raise InputError("variable is constant", column=str(col), code="ZERO_VARIANCE")
    return frame.to_numpy(dtype=float)


def discriminant_analysis(
    X: pd.DataFrame,
    labels: Any,
    *,
    cv: int = 5,
    priors: Literal["proportional", "equal"] = "proportional",
    random_state: int | None = 0,
    log1p: Sequence[Any] = (),
) -> DiscriminantReport:
    """Linear discriminant analysis of a segmentation (判别分析).

    Shows how well the variables separate the segments (hit rate against chance, Wilks'
    lambda) and which variables do it (univariate F, structure matrix), and exports the
    discriminant functions as a :class:`ScoringRule` that classifies new customers.

    Parameters
    ----------
    X : DataFrame
        Numeric variables, no missing values, none constant.
    labels : Series or array-like
        Segments aligned with ``X``; every segment needs at least 2 rows.
    cv, random_state
        Stratified folds of the hit-rate table (at most the smallest segment's size), seed.
    priors : {"proportional", "equal"}
        Prior probabilities of the segments.
    log1p : sequence of column names
        Variables analysed as ``log1p(x)``: give the clustering's log-transformed columns so
        that the analysis runs on the scale the segments were made on (LDA is unchanged by
        the standardisation that follows). The univariate table's ``scale`` and the scoring
        rule's ``transforms`` record it.

    Returns
    -------
    DiscriminantReport

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 2, 3, 4, 11, 12, 13, 15], "b": [5.0, 3, 4, 4, 3, 5, 4, 4]})
    >>> rep = discriminant_analysis(X, [1, 1, 1, 1, 2, 2, 2, 2], cv=2)
    >>> rep.hit_rate, rep.univariate["wilks_lambda"].round(3).tolist()
    (1.0, [0.061, 1.0])
    >>> rep.scoring_rule.score(X.head(2)).tolist()
    [1, 1]
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    lab = align_labels(frame, labels)
    _numeric_checked(frame)
    logged = [c for c in frame.columns if c in set(log1p)]
    if missing := [c for c in log1p if c not in frame.columns]:
        raise InputError("log1p names no variable", column=str(missing[0]), code="MISSING_COLUMN")
    if logged:
        if (frame[logged] <= -1).to_numpy().any():
            bad = next(c for c in logged if (frame[c] <= -1).any())
            raise InputError("log1p needs values > -1", column=str(bad), code="BAD_VALUE")
        frame = frame.copy()
        frame[logged] = np.log1p(frame[logged])
    x = _numeric_checked(frame)
    segs, codes = np.unique(lab.to_numpy(), return_inverse=True)
    n, g = x.shape[0], len(segs)
    counts = np.bincount(codes, minlength=g)
    if g < 2:
        raise InputError("discriminant analysis needs at least 2 segments", code="TOO_FEW_SEGMENTS")
    if counts.min() < 2:
        small = _scalar(segs[int(np.argmin(counts))])
        raise InputError(f"segment {small!r} has fewer than 2 customers", code="TOO_FEW_CUSTOMERS")
    prior = counts / n if priors == "proportional" else np.full(g, 1.0 / g)

    means = pd.DataFrame(x).groupby(codes).mean().to_numpy()
    grand = x.mean(axis=0)
    xc = x - means[codes]
    ssw, sst = (xc**2).sum(axis=0), ((x - grand) ** 2).sum(axis=0)
    f_stat = ((sst - ssw) / (g - 1)) / (ssw / (n - g))
    univariate = pd.DataFrame(
        {"wilks_lambda": ssw / sst, "F": f_stat, "df1": g - 1, "df2": n - g,
         "p_value": stats.f.sf(f_stat, g - 1, n - g),
         "scale": ["log1p" if c in logged else "raw" for c in frame.columns]},
        index=pd.Index(frame.columns, name="variable"),
    )  # fmt: skip

    # Whiten with the pooled within covariance W/n as scikit-learn does (same rank cut-off).
    std = xc.std(axis=0)
    std[std == 0] = 1.0
    _, sv, vt = np.linalg.svd(xc / std / np.sqrt(n), full_matrices=False)
    rank = int((sv > 1e-4).sum())
    whiten = (vt[:rank] / std).T / sv[:rank]
    inv_cov = whiten @ whiten.T
    between = ((means - grand) * np.sqrt(counts)[:, None]) @ whiten
    n_fun = min(rank, g - 1)
    eig = (np.linalg.svd(between, compute_uv=False) ** 2 / n)[:n_fun]
    bartlett = -(n - 1 - (rank + g) / 2)
    lam_k = np.array([np.prod(1 / (1 + eig[k:])) for k in range(n_fun)])
    dfs = np.array([(rank - k) * (g - k - 1) for k in range(n_fun)])
    chi_k = bartlett * np.log(lam_k)
    names = [f"function {k + 1}" for k in range(n_fun)]
    functions = pd.DataFrame(
        {"eigenvalue": eig, "variance_share": eig / eig.sum(),
         "canonical_corr": np.sqrt(eig / (1 + eig)), "wilks_lambda": lam_k, "chi2": chi_k,
         "df": dfs, "p_value": stats.chi2.sf(chi_k, dfs)},
        index=pd.Index(names, name="function"),
    )  # fmt: skip

    lda = LinearDiscriminantAnalysis(priors=None if priors == "proportional" else prior)
    y = lab.to_numpy()
    lda.fit(frame, y)
    scores = lda.transform(frame)[:, :n_fun]
    zc = scores - pd.DataFrame(scores).groupby(codes).mean().to_numpy()[codes]
    denom = np.sqrt(np.outer((xc**2).sum(axis=0), (zc**2).sum(axis=0)))
    structure = pd.DataFrame(
        (xc.T @ zc) / np.where(denom > 0, denom, np.nan), index=univariate.index, columns=names
    )

    w = means @ inv_cov
    rule = ScoringRule(
        features=[_scalar(c) for c in frame.columns],
        segments=[_scalar(s) for s in segs],
        coefficients=w,
        constants=-0.5 * np.sum(w * means, axis=1) + np.log(prior),
        transforms={_scalar(c): "log1p" for c in logged},
    )

    folds = int(min(cv, counts.min()))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    pred = cross_val_predict(clone(lda), frame, y, cv=splitter)
    conf = np.bincount(codes * g + np.searchsorted(segs, pred), minlength=g * g).reshape(g, g)
    confusion = pd.DataFrame(
        conf,
        index=pd.Index(rule.segments, name="actual"),
        columns=pd.Index(rule.segments, name="predicted"),
    )
    correct, share, lam = int(np.trace(conf)), counts / n, float(np.prod(1 / (1 + eig)))
    press_q = (n - correct * g) ** 2 / (n * (g - 1))
    chi2, df = bartlett * np.log(lam), rank * (g - 1)
    return DiscriminantReport(
        confusion, confusion.div(counts, axis=0), correct / n,
        float(np.mean(lda.predict(frame) == y)), float(np.sum(share**2)), float(share.max()),
        float(press_q), float(stats.chi2.sf(press_q, 1)), univariate, lam, float(chi2), df,
        float(stats.chi2.sf(chi2, df)), functions, structure, rule, lda, folds,
    )  # fmt: skip


def check_segment_sizes(
    labels: Any,
    *,
    min_size: int = 30,
    min_share: float = 0.02,
    on_small: Literal["flag", "warn", "raise"] = "flag",
) -> pd.DataFrame:
    """Size and share of every segment, flagging those too small to act on.

    Parameters
    ----------
    labels : Series or array-like
    min_size, min_share
        A segment is ``too_small`` below either; ``reason`` names the rule(s) that fired.
    on_small : {"flag", "warn", "raise"}
        Only flag, also warn (``UserWarning``), or raise ``InputError`` (``SMALL_SEGMENT``).

    Examples
    --------
    >>> check_segment_sizes(["a"] * 98 + ["b"] * 2, min_size=5)["too_small"].to_dict()
    {'a': False, 'b': True}
    """
    lab = pd.Series(np.asarray(labels))
    if lab.isna().any():
        raise InputError(f"{int(lab.isna().sum())} rows have no segment", code="MISSING_LABELS")
    segs, counts = np.unique(lab.to_numpy(), return_counts=True)
    share = counts / max(len(lab), 1)
    by_size, by_share = counts < min_size, share < min_share
    small = by_size | by_share
    reasons = [
        "; ".join(
            ([f"{n:,} < {min_size:,} customers (min_size)"] if sz else [])
            + ([f"share {p:.1%} < {min_share:.1%} (min_share)"] if sh else [])
        )
        for n, p, sz, sh in zip(counts, share, by_size, by_share, strict=True)
    ]
    table = pd.DataFrame(
        {"size": counts, "share": share, "too_small": small, "reason": reasons},
        index=pd.Index([_scalar(s) for s in segs], name="segment"),
    )
    flagged = table.index[table["too_small"]].tolist()
    if flagged and on_small != "flag":
        msg = small_segments_note(table)
        if on_small == "raise":
            raise InputError(msg, code="SMALL_SEGMENT")
        warnings.warn(msg, UserWarning, stacklevel=2)
    return table


def small_segments_note(sizes: pd.DataFrame) -> str:
    """One line naming each too-small segment and the rule that flagged it.

    ``sizes`` is a :func:`check_segment_sizes` table; empty string when none is flagged.

    Examples
    --------
    >>> t = check_segment_sizes(["a"] * 368 + ["b"] * 24_000 + ["c"] * 10, min_size=30)
    >>> small_segments_note(t)  # doctest: +NORMALIZE_WHITESPACE
    'segments too small to act on: a (368 customers: share 1.5% < 2.0% (min_share));
     c (10 customers: 10 < 30 customers (min_size); share 0.0% < 2.0% (min_share))'
    """
    flagged = sizes[sizes["too_small"]]
    if flagged.empty:
        return ""
    parts = [
        f"{seg} ({int(r['size']):,} customers: {r['reason']})" for seg, r in flagged.iterrows()
    ]
    return "segments too small to act on: " + "; ".join(parts)
