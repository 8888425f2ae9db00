"""Screen segmentation variables (选择细分变量): low variance, high correlation, high VIF.

Three scikit-learn selectors, usable alone, in a ``Pipeline`` or through
:func:`screen_variables`:

* :class:`LowVarianceFilter` drops (near-)constant variables;
* :class:`CorrelationFilter` drops one variable of each highly correlated pair;
* :class:`VIFFilter` drops variables that are (almost) linear combinations of the others.

Each keeps a ``report_`` with one row per input variable (``variable``, ``statistic``,
``dropped``, ``reason``) so the choice can be explained to a business reader. Every filter
first drops columns with no variation (constant or all missing) with the reason
``"zero variance ..."`` instead of producing NaN statistics. Missing values are allowed:
statistics use the available values (pairwise for correlations, complete rows for VIF).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted

from segkit.errors import InputError
from segkit.variables.frames import checked_frame, no_variation, numeric_frame

# fmt: off
__all__ = ["CorrelationFilter", "LowVarianceFilter", "Screening", "VIFFilter", "screen_variables",
           "vif_from_corr"]
# fmt: on

REPORT_COLUMNS = ["variable", "statistic", "dropped", "reason"]
_Row = tuple[str, float, bool, str]


class _Screen(SelectorMixin, BaseEstimator):
    """Common fit/transform plumbing: subclasses implement :meth:`_screen`."""

    _step: ClassVar[str] = ""

    def fit(self, X: Any, y: Any = None) -> Self:
        """Compute the statistics and decide which variables to keep.

        Parameters
        ----------
        X : DataFrame or array of shape (n_samples, n_features)
            Numeric data; NaN allowed.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        frame = checked_frame(self, X, reset=True)
        dead = no_variation(frame)
        rows = {c: (c, 0.0 if "constant" in r else np.nan, True, r) for c, r in dead.items()}
        alive = [c for c in frame.columns if c not in dead]
        for row in self._screen(frame[alive]) if alive else []:
            rows[row[0]] = row
        report = pd.DataFrame([rows[c] for c in frame.columns], columns=REPORT_COLUMNS)
        self.report_ = report.astype({"statistic": "float64", "dropped": "bool"})
        self.support_ = ~self.report_["dropped"].to_numpy(dtype=bool)
        return self

    def _check_params(self) -> None:  # pragma: no cover - overridden
        """Check constructor parameters (raise ``ValueError``)."""

    def _screen(self, frame: pd.DataFrame) -> list[_Row]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return np.asarray(self.support_, dtype=bool)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class LowVarianceFilter(_Screen):
    """Drop variables whose spread is at or below ``threshold``.

    Parameters
    ----------
    threshold : float, default 0.0
        A variable is dropped when its statistic is ``<= threshold``; the default drops
        only constant variables.
    relative : bool, default True
        Statistic: coefficient of variation ``std / |mean|`` (scale-free, so one
        threshold suits money and counts alike; ``inf`` when the mean is 0 and the
        variable varies) if True, else the variance in the variable's own units. Both use
        the sample standard deviation (``ddof=1``) of the non-missing values.

    Attributes
    ----------
    report_ : DataFrame
        ``variable, statistic, dropped, reason``.
    support_ : ndarray of bool
        Kept variables.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0], "c": [100, 101, 102]})
    >>> f = LowVarianceFilter(threshold=0.05).fit(X)
    >>> f.get_feature_names_out().tolist()
    ['a']
    >>> f.report_["reason"].tolist()
    ['', 'zero variance: constant 5', 'CV=0.0099 ≤ 0.05']
    """

    _step = "variance"

    def __init__(self, threshold: float = 0.0, relative: bool = True) -> None:
        self.threshold = threshold
        self.relative = relative

    def _check_params(self) -> None:
        if not self.threshold >= 0:
            raise ValueError(f"threshold must be >= 0, got {self.threshold!r}")

    def _screen(self, frame: pd.DataFrame) -> list[_Row]:
        std = frame.std()
        if self.relative:
            mean = frame.mean().abs()
            stat = (std / mean.where(mean > 0)).fillna(np.inf)
            label = "CV"
        else:
            stat, label = std**2, "variance"
        rows: list[_Row] = []
        for col, value in stat.items():
            drop = bool(value <= self.threshold)
            reason = f"{label}={value:.2g} ≤ {self.threshold:g}" if drop else ""
            rows.append((str(col), float(value), drop, reason))
        return rows


class CorrelationFilter(_Screen):
    """Drop one variable of each pair with ``|r| > threshold``.

    Repeatedly take the most correlated remaining pair; of its two variables drop the one
    with the higher mean absolute correlation with all other remaining variables (it is
    the more redundant one); on a tie drop the one later in column order. Stop when no
    pair exceeds ``threshold``, so every kept pair has ``|r| <= threshold``.

    Parameters
    ----------
    threshold : float, default 0.9
        Absolute correlation above which a pair is redundant, in (0, 1].
    method : {"spearman", "pearson", "kendall"}, default "spearman"
        Correlation coefficient (pairwise complete observations). Spearman is robust to
        the skew of money variables.

    Attributes
    ----------
    report_ : DataFrame
        ``statistic`` is ``|r|`` with the partner for dropped variables and the largest
        ``|r|`` with another kept variable for kept ones; ``reason`` e.g.
        ``"r=0.97 with monetary (spearman); ..."``.
    correlation_ : DataFrame
        The correlation matrix of the variables that vary.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 6, 9], "c": [4, 1, 3, 2]})
    >>> f = CorrelationFilter(threshold=0.9).fit(X)
    >>> f.get_feature_names_out().tolist()
    ['a', 'c']
    >>> f.report_.loc[1, "reason"]
    'r=1.00 with a (spearman); mean |r| to the rest 0.700 vs 0.700'
    """

    _step = "correlation"
    _methods: ClassVar[tuple[str, ...]] = ("spearman", "pearson", "kendall")

    def __init__(self, threshold: float = 0.9, method: str = "spearman") -> None:
        self.threshold = threshold
        self.method = method

    def _check_params(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold!r}")
        if self.method not in self._methods:
            raise ValueError(f"method must be one of {self._methods}, got {self.method!r}")

    def _screen(self, frame: pd.DataFrame) -> list[_Row]:
        corr = frame.corr(method=self.method)
        self.correlation_ = corr
        r = corr.to_numpy(dtype=float, na_value=0.0)
        a = np.abs(r)
        np.fill_diagonal(a, 0.0)
        names = [str(c) for c in frame.columns]
        alive = np.ones(len(names), dtype=bool)
        rows: dict[int, _Row] = {}
        while alive.sum() > 1:
            sub = np.where(np.outer(alive, alive), np.triu(a, 1), -1.0)
            i, j = (int(x) for x in np.unravel_index(int(np.argmax(sub)), sub.shape))
            if sub[i, j] <= self.threshold:
                break
            mean = a[:, alive].sum(axis=1) / (alive.sum() - 1)
            drop, keep = (i, j) if mean[i] > mean[j] + 1e-12 else (j, i)  # tie: later goes
            reason = (
                f"r={r[i, j]:.2f} with {names[keep]} ({self.method}); "
                f"mean |r| to the rest {mean[drop]:.3f} vs {mean[keep]:.3f}"
            )
            rows[drop] = (names[drop], float(a[i, j]), True, reason)
            alive[drop] = False
        for k in map(int, np.flatnonzero(alive)):
            others = a[k, alive & (np.arange(len(names)) != k)]
            rows[k] = (names[k], float(others.max()) if others.size else 0.0, False, "")
        return [rows[k] for k in range(len(names))]


def vif_from_corr(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Variance inflation factors from a correlation matrix, robust to singularity.

    ``VIF_j = (R⁻¹)_jj``. When ``R`` is singular, variables that take part in an exact
    linear dependence (a non-zero component in the null space of ``R``) get ``inf``; for
    the others ``(R⁺)_jj`` (pseudo-inverse) is still their exact VIF.

    Returns
    -------
    vif : ndarray
    dependent : ndarray of bool
        Variables in an exact linear dependence.

    Examples
    --------
    >>> vif, dep = vif_from_corr(np.array([[1.0, 0.5], [0.5, 1.0]]))
    >>> vif.round(3).tolist(), dep.tolist()
    ([1.333, 1.333], [False, False])
    >>> vif_from_corr(np.array([[1.0, 1.0], [1.0, 1.0]]))[0].tolist()
    [inf, inf]
    """
    w, v = np.linalg.eigh(corr)
    null = w <= 1e-10 * corr.shape[0]
    dependent = (v[:, null] ** 2).sum(axis=1) > 1e-8
    vif = (v[:, ~null] ** 2 / w[~null]).sum(axis=1)
    vif[dependent] = np.inf
    return vif, dependent


class VIFFilter(_Screen):
    """Iteratively drop the variable with the largest VIF while it exceeds ``threshold``.

    VIFs are the diagonal of the inverse Pearson correlation matrix of the complete rows;
    a singular matrix (exact linear combination) gives ``inf`` to the variables involved
    (see :func:`vif_from_corr`). Ties drop the variable later in column order.

    Parameters
    ----------
    threshold : float, default 10.0
        Drop while the largest VIF is ``> threshold`` (10 ⇔ R² > 0.9 on the others).

    Attributes
    ----------
    report_ : DataFrame
        ``statistic`` is the VIF when dropped, or the final VIF for kept variables.
    vif_ : Series
        The same statistic by variable (varying variables only).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(50, 2)), columns=["a", "b"])
    >>> X["total"] = X["a"] + X["b"]
    >>> f = VIFFilter().fit(X)
    >>> f.get_feature_names_out().tolist()
    ['a', 'b']
    >>> f.report_.loc[2, "reason"]
    'VIF=inf: exact linear dependence among a, b, total'
    """

    _step = "vif"

    def __init__(self, threshold: float = 10.0) -> None:
        self.threshold = threshold

    def _check_params(self) -> None:
        if not self.threshold >= 1:
            raise ValueError(f"threshold must be >= 1, got {self.threshold!r}")

    def _screen(self, frame: pd.DataFrame) -> list[_Row]:
        complete = frame.dropna()
        if len(complete) < 3:
            raise InputError(
                f"VIFFilter needs at least 3 complete rows, got {len(complete)}",
                code="TOO_FEW_ROWS",
            )
        names = [str(c) for c in frame.columns]
        rows: dict[str, _Row] = {}
        std = complete.std(ddof=0).to_numpy()
        for z0 in map(int, np.flatnonzero(std == 0)):
            rows[names[z0]] = (names[z0], 0.0, True, "zero variance on the complete rows")
        z = (complete.to_numpy() - complete.mean().to_numpy()) / np.where(std == 0, 1, std)
        alive = [k for k in range(len(names)) if std[k] > 0]
        corr = z.T @ z / len(z)  # Pearson correlation; rows/columns of constants are 0
        vif, dep = np.ones(len(alive)), np.zeros(len(alive), dtype=bool)
        while len(alive) > 1:
            vif, dep = vif_from_corr(corr[np.ix_(alive, alive)])
            top = float(vif.max())
            if top <= self.threshold:
                break
            pos = int(np.flatnonzero(vif == top)[-1])
            name = names[alive[pos]]
            if np.isinf(top):
                group = ", ".join(names[alive[p]] for p in np.flatnonzero(dep))
                reason = f"VIF=inf: exact linear dependence among {group}"
            else:
                reason = f"VIF={top:.2f} > {self.threshold:g}"
            rows[name] = (name, top, True, reason)
            del alive[pos]
            vif, dep = np.ones(len(alive)), np.zeros(len(alive), dtype=bool)
        for pos, k in enumerate(alive):
            rows[names[k]] = (names[k], float(vif[pos]), False, "")
        self.vif_ = pd.Series({n: rows[n][1] for n in names}, name="vif")
        return [rows[n] for n in names]


class Screening(NamedTuple):
    """Result of :func:`screen_variables`: the kept columns and the combined report."""

    frame: pd.DataFrame
    report: pd.DataFrame


_Step = bool | Mapping[str, Any] | _Screen | None


def _make(spec: _Step, cls: type[_Screen]) -> _Screen | None:
    if spec is None or spec is False:
        return None
    if spec is True:
        return cls()
    if isinstance(spec, _Screen):
        return spec
    return cls(**dict(spec))


def screen_variables(
    frame: pd.DataFrame,
    *,
    variance: _Step = True,
    correlation: _Step = True,
    vif: _Step = True,
) -> Screening:
    """Run the variance, correlation and VIF filters in that order.

    Parameters
    ----------
    frame : DataFrame
        Numeric candidate variables (non-numeric columns raise :class:`InputError`).
    variance, correlation, vif : bool, dict or filter, default True
        ``True`` uses the defaults, ``False``/``None`` skips the step, a dict gives
        constructor arguments, or pass a configured filter (it is fitted in place).

    Returns
    -------
    Screening
        ``frame``: the kept columns of ``frame`` (original dtypes and index);
        ``report``: ``step`` plus each step's report rows (a variable dropped at a step
        does not appear in later steps).

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1, 2, 3, 5], "a2": [2, 4, 6, 10], "k": [1, 1, 1, 1],
    ...                   "b": [3, 1, 2, 2]})
    >>> kept, report = screen_variables(X, vif=False)
    >>> kept.columns.tolist()
    ['a', 'b']
    >>> report.loc[report["dropped"], ["step", "variable"]].values.tolist()
    [['variance', 'k'], ['correlation', 'a2']]
    """
    checked = numeric_frame(frame, where="screen_variables")
    current = frame if isinstance(frame, pd.DataFrame) else checked
    parts: list[pd.DataFrame] = []
    for spec, cls in (
        (variance, LowVarianceFilter),
        (correlation, CorrelationFilter),
        (vif, VIFFilter),
    ):
        step = _make(spec, cls)
        if step is None or current.shape[1] == 0:
            continue
        step.fit(current)
        parts.append(step.report_.assign(step=type(step)._step))
        current = current.loc[:, step.get_support()]
    if parts:
        report = pd.concat(parts, ignore_index=True)
    else:
        report = pd.DataFrame(columns=[*REPORT_COLUMNS, "step"])
    return Screening(current, report[["step", *REPORT_COLUMNS]])
