"""Exploratory factor analysis (因子分析) of survey items or behaviour variables.

1. :func:`adequacy` — is the data suitable? KMO (Kaiser's labels) and Bartlett's test.
2. :func:`n_factors` — how many factors? Kaiser's rule and Horn's parallel analysis.
3. :class:`FactorModel` — scikit-learn transformer around ``factor_analyzer.FactorAnalyzer``
   with deterministic loadings and suggested factor names.

All use the complete rows (listwise deletion) of numeric columns. factor_analyzer 0.5.1
needs :mod:`segkit._compat` with scikit-learn ≥ 1.8; it is applied on import.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from tqdm import tqdm

from segkit._compat import patch_factor_analyzer
from segkit.errors import InputError
from segkit.variables import checked_frame, numeric_frame

patch_factor_analyzer()  # factor_analyzer 0.5.1 + scikit-learn >= 1.8; see segkit._compat

from factor_analyzer import (  # noqa: E402 - must follow the shim
    FactorAnalyzer,
    calculate_bartlett_sphericity,
    calculate_kmo,
)

# fmt: off
__all__ = ["AdequacyReport", "FactorCountReport", "FactorModel", "adequacy", "kmo_label",
           "n_factors"]
# fmt: on

#: Kaiser (1974) labels for the KMO measure, lower bounds.
KMO_LABELS = ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"),
              (0.5, "miserable"))  # fmt: skip
_SINGULAR = 1e-10


def kmo_label(value: float) -> str:
    """Kaiser's label for a KMO value (below 0.5: ``"unacceptable"``).

    Examples
    --------
    >>> kmo_label(0.83), kmo_label(0.5), kmo_label(0.42)
    ('meritorious', 'miserable', 'unacceptable')
    """
    return next((label for bound, label in KMO_LABELS if value >= bound), "unacceptable")


def _complete(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Complete rows of a numeric frame, checked for size and variation."""
    data = frame.dropna()
    if data.shape[1] < 3:
        raise InputError(
            f"{where} needs at least 3 items, got {data.shape[1]}", code="TOO_FEW_ITEMS"
        )
    if len(data) <= data.shape[1]:
        raise InputError(
            f"{where} needs more complete rows ({len(data)}) than items ({data.shape[1]})",
            code="TOO_FEW_ROWS",
        )
    constant = [str(c) for c in data.columns if data[c].nunique() <= 1]
    if constant:
        raise InputError(
            f"{where}: no variation in {', '.join(constant)}; drop them first "
            "(segkit.variables.LowVarianceFilter)",
            column=constant[0],
            code="ZERO_VARIANCE",
        )
    return data


def _items(X: Any, where: str) -> pd.DataFrame:
    return _complete(numeric_frame(X, where=where).rename(columns=str), where)


@dataclass(frozen=True, eq=False)
class AdequacyReport:
    """Sampling adequacy of a set of items for factor analysis.

    Attributes
    ----------
    kmo, kmo_label, kmo_per_item : float, str, Series
        Overall Kaiser–Meyer–Olkin measure, its Kaiser label, and the KMO per item.
    bartlett_chi2, bartlett_df, bartlett_p : float, int, float
        Bartlett's test of sphericity (H0: the correlation matrix is the identity).
    n_obs : int
        Complete rows used.
    passed : bool
        KMO ≥ 0.5, Bartlett p < 0.05 and a non-singular correlation matrix.
    drop_candidates, messages : tuple of str
        Items with KMO < 0.5; one plain-words verdict per check.
    """

    kmo: float
    kmo_label: str
    kmo_per_item: pd.Series
    bartlett_chi2: float
    bartlett_df: int
    bartlett_p: float
    n_obs: int
    passed: bool
    drop_candidates: tuple[str, ...]
    messages: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """Per-item table: ``kmo``, ``label``, ``drop_candidate``."""
        kmo = self.kmo_per_item
        return pd.DataFrame({"kmo": kmo, "label": kmo.map(kmo_label), "drop_candidate": kmo < 0.5})

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return f"Factor-analysis adequacy {verdict} (n = {self.n_obs}):\n- " + "\n- ".join(
            self.messages
        )


def _adequacy(data: pd.DataFrame) -> AdequacyReport:
    n, p = data.shape
    values = data.to_numpy()
    singular = bool(np.linalg.eigvalsh(np.corrcoef(values, rowvar=False))[0] <= _SINGULAR * p)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        # factor_analyzer.utils.partial_correlations warns when det(covariance) < float32 eps
        # and then uses the pseudo-inverse (equal to the inverse unless singular); a scale
        # artefact, and real singularity is reported below in plain words.
        warnings.filterwarnings("ignore", "The inverse of the variance-covariance", UserWarning)
        per_item, total = calculate_kmo(values)
        chi2, p_value = calculate_bartlett_sphericity(values)
    total, df = float(total), p * (p - 1) // 2
    per = pd.Series(per_item, index=data.columns, name="kmo")
    label = kmo_label(total)
    msgs = [
        f"KMO = {total:.3f} ({label}): the items share "
        + ("enough" if total >= 0.6 else "barely enough" if total >= 0.5 else "too little")
        + " common variance for factor analysis"
    ]
    p_text = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
    bartlett = f"Bartlett's test of sphericity: chi2 = {chi2:.1f}, df = {df}, {p_text}"
    if singular:
        chi2, p_value = np.inf, float("nan")
        msgs.append(
            "the correlation matrix is singular (an item is a linear combination of others, "
            "e.g. a duplicate or a total), so Bartlett's test is undefined; drop it first "
            "(segkit.variables.VIFFilter)"
        )
    elif p_value < 0.05:
        msgs.append(f"{bartlett}: the items are correlated enough for factor analysis")
    else:
        msgs.append(f"{bartlett} ≥ 0.05: correlations too weak for factor analysis")
    drop = tuple(str(c) for c in per.index[per < 0.5])
    if drop:
        msgs.append(f"items with KMO < 0.5 (candidates to drop): {', '.join(drop)}")
    passed = total >= 0.5 and not singular and p_value < 0.05
    return AdequacyReport(
        total, label, per, float(chi2), df, float(p_value), n, bool(passed), drop, tuple(msgs)
    )


def adequacy(frame: pd.DataFrame) -> AdequacyReport:
    """KMO and Bartlett's test with plain-language verdicts.

    Parameters
    ----------
    frame : DataFrame
        Numeric items; rows with a missing value are left out.

    Returns
    -------
    AdequacyReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 1))
    >>> X = pd.DataFrame(f + 0.7 * rng.normal(size=(300, 4)), columns=list("abcd"))
    >>> rep = adequacy(X)
    >>> rep.passed, rep.kmo_label
    (True, 'meritorious')
    """
    return _adequacy(_items(frame, "adequacy"))


@dataclass(frozen=True, eq=False)
class FactorCountReport:
    """How many factors to extract.

    Attributes
    ----------
    table : DataFrame
        Per position 1..p: observed ``eigenvalue``, ``random_mean`` and ``random_q``
        (the ``quantile`` of random-data eigenvalues), ``kaiser`` and ``parallel`` flags.
    kaiser, parallel : int
        Eigenvalues > 1 (Kaiser's rule, tends to over-extract with many items); leading
        eigenvalues above the random ``quantile`` (Horn's parallel analysis).
    recommended : int
        ``parallel``; ``reason`` says why in words.
    n_obs : int
        Complete rows used.
    """

    table: pd.DataFrame
    kaiser: int
    parallel: int
    recommended: int
    reason: str
    n_obs: int

    @property
    def eigenvalues(self) -> np.ndarray:
        """Observed eigenvalues of the correlation matrix, descending."""
        return self.table["eigenvalue"].to_numpy()

    def to_frame(self) -> pd.DataFrame:
        """The eigenvalue table."""
        return self.table


def _count(
    data: pd.DataFrame, n_iter: int, random_state: int | None, quantile: float
) -> FactorCountReport:
    if n_iter < 1 or not 0 < quantile < 1:
        raise ValueError(f"need n_iter >= 1 and 0 < quantile < 1, got {n_iter}, {quantile}")
    n, p = data.shape
    observed = np.linalg.eigvalsh(np.corrcoef(data.to_numpy(), rowvar=False))[::-1]
    rng = np.random.default_rng(random_state)
    sims = np.empty((n_iter, p))
    for i in tqdm(range(n_iter), desc="parallel analysis", disable=None, leave=False):
        z = rng.standard_normal((n, p))
        sims[i] = np.linalg.eigvalsh(np.corrcoef(z, rowvar=False))[::-1]
    threshold = np.quantile(sims, quantile, axis=0)
    above = observed > threshold
    parallel = int(p if above.all() else np.argmin(above))
    kaiser = int((observed > 1).sum())
    table = pd.DataFrame({
        "eigenvalue": observed, "random_mean": sims.mean(axis=0), "random_q": threshold,
        "kaiser": observed > 1, "parallel": np.arange(p) < parallel,
    }, index=pd.RangeIndex(1, p + 1, name="factor"))  # fmt: skip
    pct = f"{quantile * 100:g}th percentile"
    reason = (
        f"parallel analysis: {parallel} leading eigenvalue(s) exceed the {pct} of eigenvalues "
        f"of {n_iter} random normal data sets of the same shape ({n} × {p}); "
        f"Kaiser's rule (eigenvalue > 1) gives {kaiser}"
    )
    return FactorCountReport(table, kaiser, parallel, parallel, reason, n)


def n_factors(
    frame: pd.DataFrame, *, n_iter: int = 100, random_state: int | None = 0, quantile: float = 0.95
) -> FactorCountReport:
    """Number of factors by Kaiser's rule and Horn's parallel analysis.

    Both use the eigenvalues of the Pearson correlation matrix (principal components),
    as in Horn (1965). Parallel analysis keeps the leading factors whose eigenvalue beats
    the ``quantile`` of the same-position eigenvalue of random normal data of the same
    shape; it is the recommendation.

    Parameters
    ----------
    frame : DataFrame
        Numeric items; rows with a missing value are left out.
    n_iter : int, default 100
        Random data sets (a tqdm bar shows progress in a terminal).
    random_state : int or None, default 0
    quantile : float, default 0.95

    Returns
    -------
    FactorCountReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 2))
    >>> X = pd.DataFrame(np.repeat(f, 3, axis=1) + 0.6 * rng.normal(size=(400, 6)))
    >>> rep = n_factors(X, n_iter=20)
    >>> rep.kaiser, rep.parallel, rep.recommended
    (2, 2, 2)
    """
    return _count(_items(frame, "n_factors"), n_iter, random_state, quantile)


def _label(item: str, labels: Mapping[str, str | Sequence[str]] | None) -> str:
    value = (labels or {}).get(item, item)
    return value if isinstance(value, str) else str(value[0])


class FactorModel(TransformerMixin, BaseEstimator):
    """Exploratory factor analysis as a scikit-learn transformer.

    Parameters
    ----------
    n_factors : int or None, default None
        Factors to extract; None uses parallel analysis (:func:`n_factors`).
    rotation : str or None, default "varimax"
        Any ``FactorAnalyzer`` rotation (``"promax"``, ``"oblimin"``, ...); none for k = 1.
    method : {"minres", "ml", "principal"}, default "minres"
    random_state : int or None, default 0
        Seed of the parallel analysis.
    check_adequacy : bool, default True
        Raise :class:`InputError` (code ``FA_ADEQUACY``) when :func:`adequacy` fails.
    item_labels : mapping, optional
        Item -> readable label (a string, or a sequence whose first element is used, such
        as :data:`segkit.datasets.SURVEY_ITEMS`) for ``factor_names_``.
    n_iter : int, default 100
        Random data sets of the parallel analysis.

    Attributes
    ----------
    loadings_ : DataFrame
        Items × factors ``F1..Fk``: ordered by variance explained, each factor's largest
        absolute loading positive.
    communalities_ : Series
        Sum of squared loadings per item.
    variance_ : DataFrame
        Per factor: ``ss_loadings``, ``proportion``, ``cumulative``.
    primary_factor_ : Series
        Item -> the factor on which it loads most (in absolute value).
    factor_names_ : dict
        ``F1..Fk`` -> suggested name: the labels of its two top-loading primary items.
    factor_corr_ : DataFrame or None
        Factor correlations (oblique rotations only).
    adequacy_, n_factors_report_ : AdequacyReport, FactorCountReport
    n_factors_, n_obs_ : int
        Factors extracted; complete rows used.
    model_ : factor_analyzer.FactorAnalyzer
        The fitted model (its own factor order and signs).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 2))
    >>> X = pd.DataFrame(np.repeat(f, 3, axis=1) + 0.6 * rng.normal(size=(400, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> fm = FactorModel(n_iter=20).fit(X)
    >>> fm.primary_factor_.tolist()
    ['F2', 'F2', 'F2', 'F1', 'F1', 'F1']
    >>> fm.factor_names_
    {'F1': 'b1 / b2', 'F2': 'a3 / a2'}
    >>> fm.transform(X).shape
    (400, 2)
    """

    def __init__(
        self,
        n_factors: int | None = None,
        rotation: str | None = "varimax",
        method: str = "minres",
        random_state: int | None = 0,
        *,
        check_adequacy: bool = True,
        item_labels: Mapping[str, str | Sequence[str]] | None = None,
        n_iter: int = 100,
    ) -> None:
        self.n_factors = n_factors
        self.rotation = rotation
        self.method = method
        self.random_state = random_state
        self.check_adequacy = check_adequacy
        self.item_labels = item_labels
        self.n_iter = n_iter

    def fit(self, X: Any, y: Any = None) -> Self:
        """Check adequacy, choose k, fit and normalise the loadings.

        Parameters
        ----------
        X : DataFrame or array of shape (n_samples, n_items)
        y : ignored

        Returns
        -------
        self
        """
        data = _complete(checked_frame(self, X, reset=True), "FactorModel")
        self.adequacy_ = _adequacy(data)
        if self.check_adequacy and not self.adequacy_.passed:
            raise InputError(
                "; ".join(self.adequacy_.messages) + ". Pass check_adequacy=False to fit anyway.",
                code="FA_ADEQUACY",
            )
        self.n_factors_report_ = _count(data, self.n_iter, self.random_state, 0.95)
        k = self.n_factors if self.n_factors is not None else self.n_factors_report_.recommended
        if not 1 <= k <= data.shape[1]:
            raise InputError(
                f"cannot extract {k} factor(s) from {data.shape[1]} items; "
                + self.n_factors_report_.reason,
                code="NO_FACTORS",
            )
        fa = FactorAnalyzer(
            n_factors=k, rotation=self.rotation if k > 1 else None, method=self.method
        )
        fa.fit(data.to_numpy())
        raw = np.asarray(fa.loadings_)
        self._order = np.argsort(-(raw**2).sum(axis=0), kind="stable")
        raw = raw[:, self._order]
        self._signs = np.where(raw[np.abs(raw).argmax(axis=0), np.arange(k)] < 0, -1.0, 1.0)
        loadings = raw * self._signs
        cols = [f"F{i + 1}" for i in range(k)]
        items = [str(c) for c in data.columns]
        self.loadings_ = pd.DataFrame(loadings, index=items, columns=cols)
        self.communalities_ = (self.loadings_**2).sum(axis=1).rename("communality")
        ss = (loadings**2).sum(axis=0)
        share = ss / len(items)
        self.variance_ = pd.DataFrame(
            {"ss_loadings": ss, "proportion": share, "cumulative": np.cumsum(share)}, index=cols
        )
        self.primary_factor_ = self.loadings_.abs().idxmax(axis=1).rename("factor")
        self.factor_names_ = self._names()
        phi, o, sg = getattr(fa, "phi_", None), self._order, self._signs
        self.factor_corr_ = None
        if phi is not None:  # oblique rotation: reorder and re-sign like the loadings
            self.factor_corr_ = pd.DataFrame(phi[np.ix_(o, o)] * np.outer(sg, sg), cols, cols)
        self.n_factors_, self.model_, self.n_obs_ = k, fa, len(data)
        return self

    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for col in self.loadings_.columns:
            mine = self.primary_factor_.index[self.primary_factor_ == col]
            column = self.loadings_.loc[mine, col] if len(mine) else self.loadings_[col]
            top = column.abs().sort_values(ascending=False, kind="stable").index[:2]
            name = " / ".join(
                ("-" if column[i] < 0 else "") + _label(str(i), self.item_labels) for i in top
            )
            names[col] = name if name not in names.values() else f"{name} ({col})"
        return names

    def transform(self, X: Any) -> pd.DataFrame:
        """Factor scores (regression method); rows with a missing item get NaN.

        Parameters
        ----------
        X : DataFrame or array with the items seen in ``fit``

        Returns
        -------
        DataFrame
            Columns ``F1..Fk``, index of ``X`` (a DataFrame also without ``set_output``).
        """
        check_is_fitted(self, "loadings_")
        frame = checked_frame(self, X, reset=False)
        scores = np.full((len(frame), self.n_factors_), np.nan)
        ok = frame.notna().all(axis=1).to_numpy()
        if ok.any():
            raw = np.asarray(self.model_.transform(frame.to_numpy()[ok]))
            scores[ok] = raw[:, self._order] * self._signs
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(scores, index=index, columns=list(self.loadings_.columns))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``F1..Fk``."""
        check_is_fitted(self, "loadings_")
        return np.asarray(self.loadings_.columns, dtype=object)
