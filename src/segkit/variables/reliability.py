"""Reliability of a scale: Cronbach's α, raw and standardised, as R psych's ``alpha``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.errors import InputError
from segkit.variables.adequacy import CORRELATIONS, Correlation
from segkit.variables.frames import numeric_frame

__all__ = ["AlphaReport", "cronbach_alpha"]


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
