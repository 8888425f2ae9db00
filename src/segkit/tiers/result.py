"""What every tier returns (:class:`TierResult`), its names in English and Chinese, and the
tie-aware cut points shared by the rule-based tiers (:mod:`segkit.tiers.rules`,
:mod:`segkit.tiers.lifecycle`) and their SQL twins (:mod:`segkit.scoring`).

Value intervals are ``lower <= x < upper``; :func:`tie_aware_cuts` places cut points on the
boundaries between distinct values whose cumulative share is nearest each target
probability, so equal values always share a tier.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from segkit.errors import InputError

__all__ = ["LIFECYCLE_ZH", "TierResult", "chinese_name", "cuts_from_counts", "tie_aware_cuts"]

#: Chinese names of the lifecycle stages.
# fmt: off
LIFECYCLE_ZH = {"new": "新客户", "growing": "成长客户", "mature": "成熟客户",
                "churning": "流失风险", "lost": "已流失"}
# fmt: on
Lang = Literal["en", "zh"]
_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "value": {"en": ("low", "mid", "high"), "zh": ("低价值", "中价值", "高价值")},
    "pareto": {"en": ("C", "B", "A"), "zh": ("C类", "B类", "A类")},
    "percentile": {"en": ("bottom", "middle", "top"), "zh": ("尾部", "腰部", "头部")},
    "frequency": {"en": ("low", "mid", "high"), "zh": ("低频", "中频", "高频")},
    "power": {"en": ("low", "mid", "high"), "zh": ("低购买力", "中购买力", "高购买力")},
    "growth": {
        "en": ("new", "low", "mid", "high"),
        "zh": ("新客户（无历史）", "低成长潜力", "中成长潜力", "高成长潜力"),
    },
}
#: Income band spellings accepted by :func:`purchasing_power_tiers` (after strip + lower).


@dataclass(frozen=True)
class TierResult:
    """Tier labels plus the thresholds that produced them.

    Attributes
    ----------
    labels : pandas.Series
        Ordered Categorical (lowest tier first), same index as the input, named after the tier.
    thresholds : pandas.DataFrame
        One row per tier, lowest first: ``tier``, ``lower``, ``upper``, ``rule``.
    method : str
        How the tiers were made (e.g. ``"quantile"``, ``"pareto"``, ``"rules"``).
    """

    labels: pd.Series
    thresholds: pd.DataFrame
    method: str

    def to_frame(self) -> pd.DataFrame:
        """The labels as a one-column DataFrame (same index as the input)."""
        return self.labels.to_frame()

    def summary(self) -> pd.DataFrame:
        """Thresholds with the number and share of customers in each tier."""
        n = self.labels.value_counts(sort=False).reindex(self.thresholds["tier"]).to_numpy()
        out = self.thresholds.assign(n=n)
        return out.assign(share=out["n"] / max(len(self.labels), 1))


def chinese_name(kind: str, value: str) -> str:
    """The Chinese name of an English tier or stage label (unknown labels come back as given).

    Examples
    --------
    >>> chinese_name("value", "high"), chinese_name("lifecycle", "lost")
    ('高价值', '已流失')
    >>> chinese_name("growth", "x")
    'x'
    """
    if kind == "lifecycle":
        return LIFECYCLE_ZH.get(value, value)
    names = _NAMES.get(kind)
    if names is None:
        return value
    return dict(zip(names["en"], names["zh"], strict=True)).get(value, value)


def _values(data: pd.DataFrame | pd.Series, column: str) -> pd.Series:
    """Numeric values (non-numbers -> NaN), named after the column (or the Series' name)."""
    if isinstance(data, pd.Series):
        out = pd.to_numeric(data, errors="coerce").astype(float)
        return out.rename(column if data.name is None else data.name)
    if column not in data.columns:
        raise InputError(
            f"the profile has no column {column!r}", column=column, code="MISSING_COLUMN"
        )
    return pd.to_numeric(data[column], errors="coerce").astype(float)


def _order_key(data: pd.DataFrame | pd.Series) -> np.ndarray:
    """Tie-break key: ``customer_id`` when present, else the row position."""
    if isinstance(data, pd.DataFrame) and "customer_id" in data.columns:
        return data["customer_id"].astype(str).to_numpy()
    return np.arange(len(data))


def _names(kind: str, lang: Lang, labels: Sequence[str] | None, k: int) -> list[str]:
    names = list(labels) if labels is not None else list(_NAMES[kind][lang])
    if labels is None and k != len(names):
        names = [f"tier{i}" for i in range(1, k + 1)]
    if len(names) != k or len(set(names)) != k:
        raise InputError(f"need {k} distinct labels, got {names!r}", code="BAD_LABELS")
    return names


def _result(codes: np.ndarray, names: list[str], index: pd.Index, name: str,
            rows: list[tuple[float, float, str]], method: str) -> TierResult:  # fmt: skip
    cat = pd.Categorical.from_codes(codes.astype(np.int64), categories=names, ordered=True)
    labels = pd.Series(cat, index=index, name=name)
    thr = pd.DataFrame(rows, columns=["lower", "upper", "rule"])
    thr.insert(0, "tier", names)
    return TierResult(labels, thr, method)


def tie_aware_cuts(values: pd.Series | np.ndarray, probs: Sequence[float]) -> list[float]:
    """Cut points near the quantiles ``probs`` that never split equal values.

    Each cut is the lowest value of the next tier (tiers are ``lower <= x < upper``), chosen
    among the boundaries between distinct values as the one whose cumulative share is nearest
    the target (ties: the lower boundary), increasing and leaving room for the remaining cuts.
    With fewer distinct values than tiers the last cuts are ``inf`` (empty top tiers). NaNs
    are ignored.

    Examples
    --------
    >>> tie_aware_cuts([1, 1, 1, 1, 1, 1, 2, 2, 3, 5], [1 / 3, 2 / 3])
    [2.0, 3.0]
    >>> tie_aware_cuts([4, 4, 4], [0.5])
    [inf]
    """
    v = np.asarray(values, dtype=float)
    uniq, counts = np.unique(v[~np.isnan(v)], return_counts=True)
    return cuts_from_counts(uniq, counts, probs)


def cuts_from_counts(uniq: np.ndarray, counts: np.ndarray, probs: Sequence[float]) -> list[float]:
    """:func:`tie_aware_cuts` from the sorted distinct values and their counts (e.g. a
    ``GROUP BY`` computed in a database engine).

    Examples
    --------
    >>> cuts_from_counts(np.array([1.0, 2, 3, 5]), np.array([6, 2, 1, 1]), [1 / 3, 2 / 3])
    [2.0, 3.0]
    """
    uniq = np.asarray(uniq, dtype=float)
    counts = np.asarray(counts, dtype=np.int64)
    cum = np.cumsum(counts) / max(counts.sum(), 1)  # boundary b lies after uniq[b]
    cuts: list[float] = []
    prev = -1
    for j, p in enumerate(probs):
        room = len(uniq) - 1 - (len(probs) - j - 1)  # leave a boundary for each later cut
        cand = np.arange(prev + 1, min(max(room, prev + 2), len(uniq) - 1))
        if len(cand) == 0:
            cuts.append(math.inf)
            continue
        prev = int(cand[np.argmin(np.abs(cum[cand] - p))])
        cuts.append(float(uniq[prev + 1]))
    return cuts


def _interval_rows(cuts: Sequence[float], column: str) -> list[tuple[float, float, str]]:
    bounds = [-math.inf, *cuts, math.inf]
    rows = []
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        parts = ([f"{lo:g} <= {column}"] if i > 0 else []) + (
            [f"{column} < {hi:g}"] if hi < math.inf else []
        )
        rule = " and ".join(parts) or f"any {column}"
        rows.append((lo, hi, rule + (" (or missing)" if i == 0 else "")))
    return rows


def _cut_tiers(x: pd.Series, cuts: Sequence[float], names: list[str], name: str,
               method: str) -> TierResult:  # fmt: skip
    if any(b < a for a, b in itertools.pairwise(cuts)):
        raise InputError(f"cut points must increase, got {list(cuts)}", code="BAD_CUTS")
    codes = np.searchsorted(np.asarray(cuts, float), x.fillna(-math.inf).to_numpy(), side="right")
    return _result(codes, names, x.index, name, _interval_rows(cuts, str(x.name)), method)
