"""Exploratory factor analysis (因子分析) of survey items or behaviour variables.

1. :func:`adequacy` — is the data suitable? KMO (Kaiser's labels) and Bartlett's test.
2. :func:`n_factors` — how many factors? Kaiser's rule and Horn's parallel analysis of both
   common-factor and principal-component eigenvalues, as R psych's ``fa.parallel``.
3. :class:`FactorModel` — scikit-learn transformer around ``factor_analyzer.FactorAnalyzer``
   with deterministic loadings, suggested factor names and Cronbach's α per factor.
4. :func:`cronbach_alpha` — raw and standardised α of a scale, as R psych's ``alpha``.

Missing items: ``correlation="pairwise"`` (the default, as psych's ``use="pairwise"``)
correlates each pair of items on the rows where both are present and keeps every row;
``"listwise"`` uses only the complete rows. Every report says which was used.
factor_analyzer 0.5.1 needs :mod:`segkit._compat` with scikit-learn ≥ 1.8; it is applied on
import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from tqdm import tqdm

from segkit._compat import patch_factor_analyzer
from segkit.errors import InputError
from segkit.variables.screening import checked_frame, numeric_frame

patch_factor_analyzer()  # factor_analyzer 0.5.1 + scikit-learn >= 1.8; see segkit._compat

from factor_analyzer import FactorAnalyzer  # noqa: E402 - must follow the shim

# fmt: off
__all__ = ["AdequacyReport", "AlphaReport", "FactorCountReport", "FactorModel", "adequacy",
           "cronbach_alpha", "kmo_label", "n_factors"]
# fmt: on

Correlation = Literal["pairwise", "listwise"]
Kind = Literal["factors", "components"]
CORRELATIONS = ("pairwise", "listwise")

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


def _complete(frame: pd.DataFrame, where: str, correlation: str = "listwise") -> pd.DataFrame:
    """The rows used (complete rows for ``listwise``, all for ``pairwise``), checked."""
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
    data = frame.dropna() if correlation == "listwise" else frame
    if data.shape[1] < 3:
        raise InputError(
            f"{where} needs at least 3 items, got {data.shape[1]}", code="TOO_FEW_ITEMS"
        )
    rows = "complete rows" if correlation == "listwise" else "rows"
    if len(data) <= data.shape[1]:
        raise InputError(
            f"{where} needs more {rows} ({len(data)}) than items ({data.shape[1]})",
            code="TOO_FEW_ROWS",
        )
    constant = [str(c) for c in data.columns if data[c].nunique() <= 1]
    if constant:
        raise InputError(
            f"{where}: no variation in {', '.join(constant)}; drop them first "
            "(segkit.variables.screening.LowVarianceFilter)",
            column=constant[0],
            code="ZERO_VARIANCE",
        )
    return data


def _corr(data: pd.DataFrame, where: str) -> np.ndarray:
    """Pearson correlations, each pair on the rows where both items are present
    (R's ``cor(x, use = "pairwise")``; on complete data the ordinary correlation)."""
    corr = data.corr(method="pearson", min_periods=3)
    if corr.isna().to_numpy().any():
        a, b = np.argwhere(corr.isna().to_numpy())[0]
        raise InputError(
            f"{where}: items {data.columns[a]} and {data.columns[b]} are both present in fewer "
            "than 3 rows (or one of them does not vary there), so their correlation is "
            "undefined; use correlation='listwise' or drop one",
            column=str(data.columns[a]),
            code="NO_PAIRWISE_CORRELATION",
        )
    return corr.to_numpy()


def _items(X: Any, where: str, correlation: str = "listwise") -> pd.DataFrame:
    return _complete(numeric_frame(X, where=where).rename(columns=str), where, correlation)


def _kmo(corr: np.ndarray) -> tuple[np.ndarray, float]:
    """Kaiser–Meyer–Olkin measure per item and overall from a correlation matrix (the
    formula of psych's ``KMO``: squared correlations against squared partial correlations)."""
    inv = np.linalg.pinv(corr)
    d = np.sqrt(np.abs(np.diag(inv)))
    partial = -inv / np.outer(d, d)
    off = ~np.eye(len(corr), dtype=bool)
    r2, p2 = np.where(off, corr**2, 0.0), np.where(off, partial**2, 0.0)
    return r2.sum(0) / (r2.sum(0) + p2.sum(0)), float(r2.sum() / (r2.sum() + p2.sum()))


def _bartlett(corr: np.ndarray, n: int) -> tuple[float, float]:
    """Bartlett's sphericity test, chi2 = −(n − 1 − (2p + 5)/6) ln det R (psych's
    ``cortest.bartlett``)."""
    from scipy import stats

    p = len(corr)
    logdet = np.linalg.slogdet(corr)[1]
    chi2 = -(n - 1 - (2 * p + 5) / 6) * logdet
    return float(chi2), float(stats.chi2.sf(chi2, p * (p - 1) // 2))


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
        Rows used (all rows with ``pairwise`` correlations, the complete ones with ``listwise``).
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
    correlation: str = "listwise"

    def to_frame(self) -> pd.DataFrame:
        """Per-item table: ``kmo``, ``label``, ``drop_candidate``."""
        kmo = self.kmo_per_item
        return pd.DataFrame({"kmo": kmo, "label": kmo.map(kmo_label), "drop_candidate": kmo < 0.5})

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return f"Factor-analysis adequacy {verdict} (n = {self.n_obs}):\n- " + "\n- ".join(
            self.messages
        )


def _adequacy(data: pd.DataFrame, correlation: str = "listwise") -> AdequacyReport:
    n, p = data.shape
    corr = _corr(data, "adequacy")
    singular = bool(np.linalg.eigvalsh(corr)[0] <= _SINGULAR * p)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_item, total = _kmo(corr)
        chi2, p_value = _bartlett(corr, n)
    total, df = float(total), p * (p - 1) // 2
    per = pd.Series(per_item, index=data.columns, name="kmo")
    label = kmo_label(total)
    msgs = [
        f"KMO = {total:.3f} ({label}): the items share "
        + ("enough" if total >= 0.6 else "barely enough" if total >= 0.5 else "too little")
        + f" common variance for factor analysis ({correlation} correlations, n = {n})"
    ]
    p_text = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
    bartlett = f"Bartlett's test of sphericity: chi2 = {chi2:.1f}, df = {df}, {p_text}"
    if singular:
        chi2, p_value = np.inf, float("nan")
        msgs.append(
            "the correlation matrix is singular (an item is a linear combination of others, "
            "e.g. a duplicate or a total), so Bartlett's test is undefined; drop it first "
            "(segkit.variables.screening.VIFFilter)"
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
        total, label, per, float(chi2), df, float(p_value), n, bool(passed), drop, tuple(msgs),
        correlation,
    )  # fmt: skip


def adequacy(frame: pd.DataFrame, *, correlation: Correlation = "pairwise") -> AdequacyReport:
    """KMO and Bartlett's test with plain-language verdicts.

    Follows R psych: ``KMO`` (squared correlations against squared partial correlations,
    Kaiser's labels) and ``cortest.bartlett`` with n = the rows used. On psych's ``bfi``
    (25 items, 2,800 rows) KMO = 0.846 with pairwise correlations, as psych 2.2.9 reports.

    Parameters
    ----------
    frame : DataFrame
        Numeric items.
    correlation : {"pairwise", "listwise"}, default "pairwise"
        ``pairwise`` (psych's default ``use = "pairwise"``): each correlation on the rows
        where both items are present, n = all rows; ``listwise``: complete rows only.

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
    return _adequacy(_items(frame, "adequacy", correlation), correlation)


@dataclass(frozen=True, eq=False)
class FactorCountReport:
    """How many factors to extract (R psych's ``fa.parallel`` plus Kaiser's rule).

    Attributes
    ----------
    table : DataFrame
        Per position 1..p: principal-component ``eigenvalue`` of the correlation matrix with
        ``random_mean`` and ``random_q`` (the ``quantile`` of random-data eigenvalues);
        common-factor ``fa_eigenvalue`` with ``fa_random_mean`` and ``fa_random_q``;
        flags ``kaiser``, ``component`` and ``factor`` (kept by parallel analysis).
    kaiser : int
        Component eigenvalues > 1 (Kaiser's rule, tends to over-extract with many items).
    factors, components : int
        Leading common-factor / component eigenvalues above the random ``quantile``
        (``fa.parallel``'s ``nfact`` and ``ncomp``).
    kind : {"factors", "components"}
        Which count is ``parallel`` and ``recommended``.
    parallel, recommended : int
        The ``kind`` count; ``reason`` says which rule chose what, in words.
    n_obs : int
        Rows used (all with ``pairwise`` correlations, complete ones with ``listwise``).
    correlation : str
        ``"pairwise"`` or ``"listwise"``.
    """

    table: pd.DataFrame
    kaiser: int
    parallel: int
    recommended: int
    reason: str
    n_obs: int
    factors: int = 0
    components: int = 0
    kind: str = "factors"
    correlation: str = "pairwise"

    @property
    def eigenvalues(self) -> np.ndarray:
        """Observed eigenvalues of the correlation matrix, descending."""
        return self.table["eigenvalue"].to_numpy()

    @property
    def fa_eigenvalues(self) -> np.ndarray:
        """Observed common-factor eigenvalues (reduced correlation matrix), descending."""
        return self.table["fa_eigenvalue"].to_numpy()

    def to_frame(self) -> pd.DataFrame:
        """The eigenvalue table."""
        return self.table


def _minres_one_factor(corr: np.ndarray) -> np.ndarray:
    """Communalities of psych's one-factor minres solution (``fa(r, 1, fm = "minres")``).

    psych's own steps, since factor_analyzer's minres (another start and scaling) can stop
    at a degenerate solution (one communality near 1) on random data, which inflates the
    random eigenvalues: uniquenesses Ψ start at 1 − SMC and minimise the squared
    off-diagonal residuals by L-BFGS-B within [0.005, 1], parameters scaled by 0.01
    (``parscale``), with psych's gradient ``FAgr.minres``; loadings are the first
    eigenvector of R − diag Ψ scaled by the root of its eigenvalue.
    """
    from scipy.optimize import minimize

    off = ~np.eye(len(corr), dtype=bool)

    def loading(psi: np.ndarray) -> np.ndarray:
        vals, vecs = np.linalg.eigh(corr - np.diag(psi))
        return vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))

    def objective(y: np.ndarray) -> float:
        s = corr.copy()
        np.fill_diagonal(s, 1 - y * 0.01)
        vals, vecs = np.linalg.eigh(s)
        top = max(vals[-1], 100 * np.finfo(float).eps)
        lam = vecs[:, -1] * np.sqrt(top)
        return float((((s - np.outer(lam, lam)) ** 2)[off]).sum())

    def gradient(y: np.ndarray) -> np.ndarray:
        psi = y * 0.01
        lam = loading(psi)
        return np.asarray((lam**2 + psi - np.diag(corr)) * 0.01)

    start = 1 / np.diag(np.linalg.pinv(corr))  # 1 − SMC
    res = minimize(
        objective, start / 0.01, jac=gradient, method="L-BFGS-B",
        bounds=[(0.5, 100.0)] * len(corr),
        options={"maxcor": 5, "ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxiter": 100},
    )  # fmt: skip
    return np.asarray(loading(res.x * 0.01) ** 2)


def _fa_values(corr: np.ndarray, smc: bool) -> np.ndarray:
    """Eigenvalues of the reduced correlation matrix, descending.

    As ``fa.parallel``: the diagonal holds the communalities of a one-factor minres solution
    (``fa(r, 1, fm = "minres")$values``, psych's default ``SMC = FALSE``) or, with ``smc``,
    the squared multiple correlations ``1 − 1 / diag(R⁻¹)``.
    """
    reduced = corr.copy()
    diag = 1 - 1 / np.diag(np.linalg.pinv(corr)) if smc else _minres_one_factor(corr)
    np.fill_diagonal(reduced, diag)
    return np.asarray(np.linalg.eigvalsh(reduced)[::-1])


def _leading(observed: np.ndarray, threshold: np.ndarray) -> int:
    """Leading positions whose observed eigenvalue beats the threshold."""
    above = observed > threshold
    return int(len(above) if above.all() else np.argmin(above))


def _count(
    data: pd.DataFrame,
    n_iter: int,
    random_state: int | None,
    quantile: float,
    correlation: str = "listwise",
    kind: str = "factors",
    smc: bool = False,
) -> FactorCountReport:
    if n_iter < 1 or not 0 < quantile < 1:
        raise ValueError(f"need n_iter >= 1 and 0 < quantile < 1, got {n_iter}, {quantile}")
    if kind not in ("factors", "components"):
        raise ValueError(f"kind must be 'factors' or 'components', got {kind!r}")
    n, p = data.shape
    corr = _corr(data, "n_factors")
    observed = np.linalg.eigvalsh(corr)[::-1]
    fa_observed = _fa_values(corr, smc)
    rng = np.random.default_rng(random_state)
    sims, fa_sims = np.empty((n_iter, p)), np.empty((n_iter, p))
    for i in tqdm(range(n_iter), desc="parallel analysis", disable=None, leave=False):
        z = np.asarray(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))
        sims[i] = np.linalg.eigvalsh(z)[::-1]
        fa_sims[i] = _fa_values(z, smc)
    threshold = np.quantile(sims, quantile, axis=0)
    fa_threshold = np.quantile(fa_sims, quantile, axis=0)
    components = _leading(observed, threshold)
    factors = _leading(fa_observed, fa_threshold)
    kaiser = int((observed > 1).sum())
    table = pd.DataFrame({
        "eigenvalue": observed, "random_mean": sims.mean(axis=0), "random_q": threshold,
        "fa_eigenvalue": fa_observed, "fa_random_mean": fa_sims.mean(axis=0),
        "fa_random_q": fa_threshold, "kaiser": observed > 1,
        "component": np.arange(p) < components, "factor": np.arange(p) < factors,
    }, index=pd.RangeIndex(1, p + 1, name="factor"))  # fmt: skip
    chosen = factors if kind == "factors" else components
    reason = (
        f"parallel analysis (psych fa.parallel, {correlation} correlations, {pct(quantile)} of "
        f"{n_iter} random normal data sets of {n} × {p}): {factors} factor(s), "
        f"{components} component(s); Kaiser (eigenvalue > 1): {kaiser}; "
        f"recommended: {chosen} ({kind})"
    )
    return FactorCountReport(
        table, kaiser, chosen, chosen, reason, n, factors, components, kind, correlation
    )


def pct(quantile: float) -> str:
    """``0.95`` -> ``"95th percentile"``."""
    return f"{quantile * 100:g}th percentile"


def n_factors(
    frame: pd.DataFrame,
    *,
    n_iter: int = 100,
    random_state: int | None = 0,
    quantile: float = 0.95,
    kind: Kind = "factors",
    correlation: Correlation = "pairwise",
    smc: bool = False,
) -> FactorCountReport:
    """Number of factors by Horn's parallel analysis (R psych ``fa.parallel``) and Kaiser.

    Follows ``fa.parallel(x)`` of psych 2.2.9 with its defaults (``fa = "both"``,
    ``fm = "minres"``, ``SMC = FALSE``, ``quant = 0.95``, ``use = "pairwise"``): the
    eigenvalues of the correlation matrix (components) and of the reduced correlation matrix
    (common factors: communalities of a one-factor minres fit on the diagonal) are compared,
    position by position, with the ``quantile`` of the same eigenvalues of random normal
    data of the same shape; the count is the number of leading eigenvalues above it. On
    psych's ``bfi`` this gives 6 factors and 6 components, as psych (pairwise correlations).
    The random data differ from R's (another generator), so the thresholds agree with R's
    only up to simulation noise, not digit for digit; the observed eigenvalues agree.

    Parameters
    ----------
    frame : DataFrame
        Numeric items.
    n_iter : int, default 100
        Random data sets (psych's default is 20; more gives a steadier quantile; a tqdm bar
        shows progress in a terminal).
    random_state : int or None, default 0
    quantile : float, default 0.95
        As psych's ``quant``.
    kind : {"factors", "components"}, default "factors"
        Which count is recommended: common factors (for factor analysis, the default) or
        principal components. Both are always reported.
    correlation : {"pairwise", "listwise"}, default "pairwise"
        Missing items: psych's default ``use = "pairwise"`` keeps every row (n = all rows);
        ``listwise`` keeps the complete rows only.
    smc : bool, default False
        Squared multiple correlations on the diagonal of the reduced matrix (psych
        ``SMC = TRUE``) instead of one-factor communalities.

    Returns
    -------
    FactorCountReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 2))
    >>> X = pd.DataFrame(np.repeat(f, 3, axis=1) + 0.6 * rng.normal(size=(400, 6)))
    >>> rep = n_factors(X, n_iter=20)
    >>> rep.kaiser, rep.factors, rep.components, rep.recommended
    (2, 2, 2, 2)
    """
    data = _items(frame, "n_factors", correlation)
    return _count(data, n_iter, random_state, quantile, correlation, kind, smc)


@dataclass(frozen=True, eq=False)
class AlphaReport:
    """Cronbach's α of one scale (R psych ``alpha``).

    Attributes
    ----------
    raw_alpha : float
        From the item covariances: p/(p − 1) · (1 − Σ var / Σ cov) (psych's ``raw_alpha``).
    std_alpha : float
        The same from the correlations (psych's ``std.alpha``).
    items, reversed : tuple of str
        Items of the scale; those reverse-keyed (multiplied by −1) before.
    n_obs : int
        Rows used.
    correlation : str
        ``"pairwise"`` or ``"listwise"``.
    """

    raw_alpha: float
    std_alpha: float
    items: tuple[str, ...]
    reversed: tuple[str, ...]
    n_obs: int
    correlation: str


def cronbach_alpha(
    frame: pd.DataFrame,
    *,
    keys: Sequence[str] | Mapping[str, int] | None = None,
    correlation: Correlation = "pairwise",
) -> AlphaReport:
    """Cronbach's α of a scale, as R psych's ``alpha`` reports it.

    ``raw_alpha`` = p/(p − 1) · (1 − tr C / ΣC) with C the item covariance matrix and
    ``std_alpha`` the same from the correlation matrix, both with pairwise-complete pairs by
    default (psych's ``use = "pairwise"``). Reverse-keyed items are multiplied by −1 first
    (psych reverses with max + min − x, which gives the same covariances). On psych's ``bfi``
    the agreeableness items with A1 reversed give raw α = 0.703 (psych 2.2.9).

    Parameters
    ----------
    frame : DataFrame
        Numeric items of one scale (at least 2).
    keys : sequence of str or mapping, optional
        Items to reverse, or item → +1 / −1.
    correlation : {"pairwise", "listwise"}, default "pairwise"

    Returns
    -------
    AlphaReport

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [5, 4, 3, 2, 2]})
    >>> round(cronbach_alpha(X, keys=["c"]).raw_alpha, 3)
    0.979
    """
    data = numeric_frame(frame, where="cronbach_alpha").rename(columns=str)
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
    if data.shape[1] < 2:
        raise InputError("cronbach_alpha needs at least 2 items", code="TOO_FEW_ITEMS")
    if isinstance(keys, Mapping):
        rev = [str(k) for k, v in keys.items() if v < 0]
    else:
        rev = [str(k) for k in keys or ()]
    if missing := [k for k in rev if k not in data.columns]:
        raise InputError("key names no item", column=missing[0], code="MISSING_COLUMN")
    data = data.dropna() if correlation == "listwise" else data
    data[rev] = -data[rev]
    cov = data.cov(min_periods=3)
    if cov.isna().to_numpy().any():
        raise InputError(
            "cronbach_alpha: a pair of items is present together in fewer than 3 rows",
            code="NO_PAIRWISE_CORRELATION",
        )
    c = cov.to_numpy()
    p = c.shape[0]
    r = c / np.sqrt(np.outer(np.diag(c), np.diag(c)))
    raw = p / (p - 1) * (1 - np.trace(c) / c.sum())
    std = p / (p - 1) * (1 - p / r.sum())
    items = tuple(str(c) for c in data.columns)
    return AlphaReport(float(raw), float(std), items, tuple(rev), len(data), correlation)


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
