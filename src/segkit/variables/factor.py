"""Exploratory factor analysis (因子分析) of survey items or behaviour variables.

:class:`FactorModel` — scikit-learn transformer around ``factor_analyzer.FactorAnalyzer``
with deterministic loadings, suggested factor names and Cronbach's α per factor. Before it
fits, it checks adequacy (:func:`segkit.variables.adequacy.adequacy`) and, unless told k,
chooses it by parallel analysis (:func:`segkit.variables.factor_count.n_factors`); the α
comes from :func:`segkit.variables.reliability.cronbach_alpha`.

Missing items: ``correlation="pairwise"`` (the default, as psych's ``use="pairwise"``)
fits on the pairwise correlation matrix; ``"listwise"`` uses only the complete rows.
factor_analyzer 0.5.1 needs :mod:`segkit._compat` with scikit-learn ≥ 1.8; it is applied on
import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from segkit._compat import patch_factor_analyzer
from segkit.errors import InputError
from segkit.variables.adequacy import Correlation, _adequacy, _complete, _corr
from segkit.variables.factor_count import Kind, _count
from segkit.variables.frames import checked_frame
from segkit.variables.reliability import cronbach_alpha

patch_factor_analyzer()  # factor_analyzer 0.5.1 + scikit-learn >= 1.8; see segkit._compat

from factor_analyzer import FactorAnalyzer  # noqa: E402 - must follow the shim

__all__ = ["FactorModel"]


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
    kind : {"factors", "components"}, default "factors"
        Which parallel-analysis count chooses k when ``n_factors`` is None.
    correlation : {"pairwise", "listwise"}, default "pairwise"
        Missing items (psych's default ``use = "pairwise"``): the model is fitted on the
        pairwise correlation matrix; ``listwise`` fits on the complete rows (as does
        ``method="principal"``, which factor_analyzer fits from the rows).

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
    reliability_ : DataFrame
        Cronbach's α (:func:`cronbach_alpha`) per factor of its primary items, each keyed by
        the sign of its loading, and ``all`` items: ``n_items``, ``raw_alpha``,
        ``std_alpha``, ``reversed``.
    n_factors_, n_obs_ : int
        Factors extracted; rows used (see ``correlation``).
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
        kind: Kind = "factors",
        correlation: Correlation = "pairwise",
    ) -> None:
        self.n_factors = n_factors
        self.rotation = rotation
        self.method = method
        self.random_state = random_state
        self.check_adequacy = check_adequacy
        self.item_labels = item_labels
        self.n_iter = n_iter
        self.kind = kind
        self.correlation = correlation

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
        use = self.correlation
        data = _complete(checked_frame(self, X, reset=True), "FactorModel", use)
        self.adequacy_ = _adequacy(data, use)
        if self.check_adequacy and not self.adequacy_.passed:
            raise InputError(
                "; ".join(self.adequacy_.messages) + ". Pass check_adequacy=False to fit anyway.",
                code="FA_ADEQUACY",
            )
        self.n_factors_report_ = _count(data, self.n_iter, self.random_state, 0.95, use, self.kind)
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
        fit_rows = len(data)
        if self.method == "principal" or use == "listwise":  # principal needs complete rows
            complete = data.dropna()
            fa.fit(complete.to_numpy())
            fit_rows = len(complete)
        else:  # the pairwise correlation matrix; scores standardise with the available values
            fa = FactorAnalyzer(
                n_factors=k, rotation=self.rotation if k > 1 else None, method=self.method,
                is_corr_matrix=True,
            )  # fmt: skip
            fa.fit(_corr(data, "FactorModel"))
            values = data.to_numpy()
            fa.mean_, fa.std_ = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
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
        self.reliability_ = self._reliability(data)
        phi, o, sg = getattr(fa, "phi_", None), self._order, self._signs
        self.factor_corr_ = None
        if phi is not None:  # oblique rotation: reorder and re-sign like the loadings
            self.factor_corr_ = pd.DataFrame(phi[np.ix_(o, o)] * np.outer(sg, sg), cols, cols)
        self.n_factors_, self.model_, self.n_obs_ = k, fa, fit_rows
        return self

    def _reliability(self, data: pd.DataFrame) -> pd.DataFrame:
        rows = []
        primary = self.primary_factor_
        sign = pd.Series([self.loadings_.at[i, f] for i, f in primary.items()], index=primary.index)
        for name in [*self.loadings_.columns, "all"]:
            items = list(primary.index if name == "all" else primary.index[primary == name])
            if len(items) < 2:
                rows.append((name, len(items), np.nan, np.nan, ""))
                continue
            keys = [i for i in items if sign[i] < 0]
            rep = cronbach_alpha(data[items], keys=keys, correlation=self.correlation)
            rows.append((name, len(items), rep.raw_alpha, rep.std_alpha, ", ".join(keys)))
        return pd.DataFrame(
            rows, columns=["factor", "n_items", "raw_alpha", "std_alpha", "reversed"]
        ).set_index("factor")

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
