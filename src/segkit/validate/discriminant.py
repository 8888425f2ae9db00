"""Discriminant analysis of a segmentation (判别分析) and the scoring rule it yields.

* :func:`discriminant_analysis` — LDA: cross-validated hit rate against chance, Wilks'
  lambda per variable and overall, canonical functions and structure.
* :class:`ScoringRule` — Fisher's linear classification functions that assign new
  customers (also as SQL: :func:`segkit.scoring.rule_scorer`).

Any labelling works: pass the feature frame and a labels Series aligned with its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from segkit.errors import InputError
from segkit.validate.sizes import _scalar, align_labels

__all__ = ["DiscriminantReport", "ScoringRule", "discriminant_analysis"]


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
