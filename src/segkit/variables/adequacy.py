"""Is a set of items suitable for factor analysis? KMO (Kaiser's labels) and Bartlett's test.

:func:`adequacy` follows R psych's ``KMO`` and ``cortest.bartlett``. The item checks and
correlations here (``_items``, ``_corr``) are shared by :mod:`segkit.variables.factor_count`
and :mod:`segkit.variables.factor`.

Missing items: ``correlation="pairwise"`` (the default, as psych's ``use="pairwise"``)
correlates each pair of items on the rows where both are present and keeps every row;
``"listwise"`` uses only the complete rows. Every report says which was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from segkit.errors import InputError
from segkit.variables.frames import numeric_frame

__all__ = ["AdequacyReport", "adequacy", "kmo_label"]

Correlation = Literal["pairwise", "listwise"]
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
