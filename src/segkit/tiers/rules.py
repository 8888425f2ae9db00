"""Rule-based customer tiers (客户分层): value, frequency, purchasing power, growth, lifecycle.

Every function takes the profile (one row per customer, see :mod:`segkit.profile`) or a
single Series and returns a :class:`TierResult`: labels aligned with the input rows (an
ordered Categorical, lowest tier first), the thresholds used and the method name.

Conventions shared by all tiers
-------------------------------
* Value intervals are ``lower <= x < upper``; equal inputs always get the same tier, except
  for the rank-based ``pareto`` and ``percentile`` methods, which break ties by value then
  ``customer_id`` (or the index for a Series) so that group sizes are exact.
* **Tie-aware quantile cuts**: cut points are placed on the boundaries between distinct values
  whose cumulative share is nearest each target probability, kept distinct (so no tier is
  empty) whenever the data have enough distinct values. On skewed counts (60% of customers
  with one order) this still yields low = 1, mid = 2, high = 3+.
* **Missing inputs** go to the lowest tier and are left out of quantile computations
  (lifecycle: see :func:`lifecycle_stages`). Labels are never NaN.
* ``lang="zh"`` gives Chinese labels; ``labels=`` overrides them (lowest tier first).

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"customer_id": list("abcdef"), "monetary": [5.0, 1, 9, 3, 7, None]})
>>> value_tiers(p).labels.tolist()
['mid', 'low', 'high', 'low', 'high', 'low']
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

# fmt: off
__all__ = ["INCOME_LEVELS", "LIFECYCLE_COLUMNS", "LIFECYCLE_ZH", "TierResult", "chinese_name",
           "cuts_from_counts", "frequency_tiers", "growth_tiers", "lifecycle_stages",
           "purchasing_power_tiers", "tie_aware_cuts", "value_tiers"]
#: Chinese names of the lifecycle stages.
LIFECYCLE_ZH = {"new": "新客户", "growing": "成长客户", "mature": "成熟客户",
                "churning": "流失风险", "lost": "已流失"}
#: The measure each lifecycle stage's ``lower``/``upper`` bound (stages in threshold order:
#: new, growing, mature, churning, lost).
LIFECYCLE_COLUMNS = ("tenure_days", "tenure_days", "tenure_days",
                     "recency_days / interval_mean_days", "recency_days")
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
INCOME_LEVELS = {"低": 0, "中": 1, "高": 2, "low": 0, "mid": 1, "medium": 1, "middle": 1}
INCOME_LEVELS |= {"high": 2, "低收入": 0, "中等": 1, "中收入": 1, "高收入": 2}


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


def value_tiers(
    profile: pd.DataFrame | pd.Series,
    column: str = "monetary",
    *,
    method: Literal["quantile", "fixed", "pareto", "percentile"] = "quantile",
    quantiles: Sequence[float] = (1 / 3, 2 / 3),
    cuts: Sequence[float] | None = None,
    shares: tuple[float, float] = (0.80, 0.15),
    top: float = 0.10,
    bottom: float = 0.10,
    labels: Sequence[str] | None = None,
    lang: Lang = "en",
    name: str = "value_tier",
) -> TierResult:
    """Value tiers (高/中/低价值, ABC or top/middle/bottom) of one value column.

    Parameters
    ----------
    profile : DataFrame or Series
        The profile, or the values themselves.
    column : str, default "monetary"
    method : {"quantile", "fixed", "pareto", "percentile"}
        ``quantile``: tie-aware cuts at ``quantiles``. ``fixed``: user ``cuts`` (lowest value
        of each higher tier). ``pareto`` (ABC): customers sorted by value descending then
        ``customer_id``; A = those whose preceding cumulative share is below ``shares[0]``
        (so the customer crossing 80% is in A), B below ``sum(shares)``, C the rest; values
        ``<= 0`` and NaN go to C. ``percentile``: sorted the same way; exactly
        ``floor(top·n)`` customers are top, ``floor(bottom·n)`` bottom, the rest middle
        (``n`` = non-missing customers; missing ones are added to bottom).
    labels : sequence of str, optional
        Tier names, lowest first. ``lang`` picks the default names.

    Examples
    --------
    >>> s = pd.Series([100.0, 50, 30, 10, 5, 5], name="monetary")
    >>> value_tiers(s, method="pareto").labels.tolist()  # shares before: 0 .5 .75 .9 .95
    ['A', 'A', 'A', 'B', 'C', 'C']
    >>> value_tiers(s, method="fixed", cuts=[20, 60], lang="zh").labels.tolist()
    ['高价值', '中价值', '中价值', '低价值', '低价值', '低价值']
    """
    x = _values(profile, column)
    column = str(x.name)
    if method in ("quantile", "fixed"):
        if method == "fixed" and cuts is None:
            raise InputError("method='fixed' needs cuts=", code="BAD_CUTS")
        c = list(cuts) if method == "fixed" and cuts is not None else tie_aware_cuts(x, quantiles)
        return _cut_tiers(x, c, _names("value", lang, labels, len(c) + 1), name, method)
    if method not in ("pareto", "percentile"):
        raise InputError(f"unknown method {method!r}", code="BAD_METHOD")
    valid = x.notna().to_numpy() & ((x > 0).to_numpy() if method == "pareto" else True)
    order = np.lexsort((_order_key(profile), -x.fillna(0).to_numpy()))
    order = order[valid[order]]  # valid customers, best first
    codes = np.zeros(len(x), np.int64)
    if method == "pareto":
        v = x.to_numpy()[order]
        before = (np.cumsum(v) - v) / max(v.sum(), 1e-300)
        a_cut, b_cut = shares[0] - 1e-12, shares[0] + shares[1] - 1e-12  # float-safe
        codes[order] = np.where(before < a_cut, 2, np.where(before < b_cut, 1, 0))
        a, b = f"{shares[0]:.0%}", f"{sum(shares):.0%}"
        texts = [f"rest: cumulative share after {b}, or {column} <= 0 / missing",
                 f"cumulative share of {column} from {a} to {b}",
                 f"customers making the first {a} of {column}"]  # fmt: skip
    else:
        n_top, n_bot = math.floor(top * len(order)), math.floor(bottom * len(order))
        codes[order] = 1
        codes[order[:n_top]] = 2
        codes[order[len(order) - n_bot :]] = 0
        texts = [f"bottom floor({bottom:g}·n) by {column} (and missing)",
                 "the rest", f"top floor({top:g}·n) by {column}"]  # fmt: skip
    rows = []
    for k in range(3):
        vals = x[codes == k].dropna()
        lo, hi = (vals.min(), vals.max()) if len(vals) else (math.nan, math.nan)
        rows.append((float(lo), float(hi), texts[k]))
    return _result(codes, _names(method, lang, labels, 3), x.index, name, rows, method)


def frequency_tiers(
    profile: pd.DataFrame | pd.Series,
    column: str = "frequency",
    *,
    quantiles: Sequence[float] = (1 / 3, 2 / 3),
    cuts: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    lang: Lang = "en",
    name: str = "frequency_tier",
) -> TierResult:
    """High / mid / low frequency (高频/中频/低频) by tie-aware quantiles or fixed counts.

    Parameters
    ----------
    cuts : sequence of float, optional
        Fixed counts: the lowest value of each higher tier, e.g. ``(2, 5)`` gives low = 1,
        mid = 2–4, high = 5+. Without it, tie-aware cuts at ``quantiles`` are used.

    Examples
    --------
    >>> f = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 7])
    >>> frequency_tiers(f, lang="zh").labels.value_counts(sort=False).tolist()
    [6, 2, 2]
    """
    x = _values(profile, column)
    c = list(cuts) if cuts is not None else tie_aware_cuts(x, quantiles)
    method = "fixed" if cuts is not None else "quantile"
    return _cut_tiers(x, c, _names("frequency", lang, labels, len(c) + 1), name, method)


def purchasing_power_tiers(
    profile: pd.DataFrame,
    *,
    income_column: str | None = None,
    aov_column: str = "avg_order_value",
    lang: Lang = "en",
    name: str = "purchasing_power",
) -> TierResult:
    """Purchasing power (购买力) from an income band, else average-order-value terciles.

    Income bands are mapped with :data:`INCOME_LEVELS` (低/中/高, Low/Mid/High, ...). Customers
    whose band is missing or unknown — or all customers when ``income_column`` is None — get
    the tie-aware AOV tercile; a missing AOV as well gives the lowest tier.

    Examples
    --------
    >>> p = pd.DataFrame({"band": ["高", "Low", "mid", None], "avg_order_value": [1.0, 2, 3, 9]})
    >>> purchasing_power_tiers(p, income_column="band").labels.tolist()
    ['high', 'low', 'mid', 'high']
    """
    aov = _values(profile, aov_column)
    res = _cut_tiers(aov, tie_aware_cuts(aov, (1 / 3, 2 / 3)), _names("power", lang, None, 3),
                     name, "aov_tercile")  # fmt: skip
    if income_column is None:
        return res
    if income_column not in profile.columns:
        raise InputError("no such income column", column=income_column, code="MISSING_COLUMN")
    band = profile[income_column].astype("string").str.strip().str.lower().map(INCOME_LEVELS)
    codes = band.fillna(pd.Series(res.labels.cat.codes, index=aov.index)).to_numpy()
    rows = [(lo, hi, f"{income_column} = {lvl}, or (band missing/unknown) {rule}")
            for (lo, hi, rule), lvl in zip(res.thresholds[["lower", "upper", "rule"]].itertuples(
                index=False), ("低/low", "中/mid", "高/high"), strict=True)]  # fmt: skip
    names = list(res.labels.cat.categories)
    return _result(codes, names, aov.index, name, rows, "income_band+aov_tercile")


def growth_tiers(
    profile: pd.DataFrame,
    *,
    early: str = "orders_early",
    late: str = "orders_late",
    tenure: str = "tenure_days",
    min_history_days: float = 90,
    threshold: float = 0.2,
    predicted: str | None = None,
    past: str = "monetary",
    predicted_ratio: float = 1.5,
    horizon_days: float = 365.25,
    eps: float = 1e-9,
    lang: Lang = "en",
    name: str = "growth_tier",
) -> TierResult:
    """Growth potential (成长潜力) against the customer's own past; new customers apart.

    1. **new** — ``tenure < min_history_days`` (default 90, the lifecycle's ``new_days``):
       too little history to measure a trend, so never "high growth" by definition;
    2. the trend compares the two halves of the customer's *own* tenure (profile columns
       ``orders_early`` / ``orders_late``: purchase orders before and after
       ``first_purchase + tenure / 2``): ``g = (late − early) / (|early| + |late| + eps)`` in
       ``[-1, 1]``; **high** if ``g > threshold``, **low** if ``g < −threshold``, else
       **mid**; a missing ``g`` is low. Two periods of equal length per customer, so an
       early starter and a late starter are measured alike (comparing the halves of the
       data window made every customer who started in its second half "high");
    3. with ``predicted`` (the 12-month CLV, :mod:`segkit.tiers.clv`), a **mid** customer whose
       predicted value is at least ``predicted_ratio`` × the past spend rate over the same
       horizon (``past / tenure × horizon_days``) is **high**: the model expects more than
       the customer has been spending.

    Categories, in order: ``new`` (not a rank: no measurement), ``low``, ``mid``, ``high``.

    On the demo company (3,000 customers, seed 1; the generator's lifecycle truth read as
    growing = high, mature = mid, churning/lost = low, new = new) these tiers agree with the
    truth for 88.5% of customers (Cohen's κ 0.83), against 45.2% (κ 0.28) for the former
    data-window halves; ``tests/test_tiers.py`` measures it.

    Examples
    --------
    >>> p = pd.DataFrame({"tenure_days": [400, 400, 400, 30],
    ...                   "orders_early": [1, 3, 6, 0], "orders_late": [5, 3, 1, 2]})
    >>> growth_tiers(p).labels.tolist()
    ['high', 'mid', 'low', 'new']
    """
    a, b = _values(profile, early), _values(profile, late)
    t = _values(profile, tenure)
    g = (b - a) / (a.abs() + b.abs() + eps)
    codes = np.where(g > threshold, 3, np.where(g >= -threshold, 2, 1))
    new = (t < min_history_days).fillna(False).to_numpy(bool)
    trend = f"g = ({late} − {early}) / ({early} + {late}), halves of the customer's own tenure"
    rows = [(0.0, float(min_history_days), f"{tenure} < {min_history_days:g} (no history yet)"),
            (-1.0, -threshold, f"{trend}: g < {-threshold:g} (or missing)"),
            (-threshold, threshold, f"{trend}: {-threshold:g} <= g <= {threshold:g}"),
            (threshold, 1.0, f"{trend}: g > {threshold:g}")]  # fmt: skip
    method = "own-trend"
    if predicted is not None:
        pv, spent = _values(profile, predicted), _values(profile, past)
        rate = spent / t.clip(lower=1.0) * horizon_days
        ahead = (pv >= predicted_ratio * rate.clip(lower=eps)).fillna(False).to_numpy(bool)
        codes = np.where((codes == 2) & ahead, 3, codes)
        upgrade = f"{predicted_ratio:g} × {past} per {horizon_days:g} days of {tenure}"
        rows[3] = (threshold, 1.0, f"{rows[3][2]}, or (mid and {predicted} >= {upgrade})")
        method = "own-trend+predicted"
    codes = np.where(new, 0, codes)
    return _result(codes, _names("growth", lang, None, 4), g.index, name, rows, method)


def lifecycle_stages(
    profile: pd.DataFrame,
    *,
    new_days: float = 90,
    lost_days: float = 180,
    churn_factor: float = 2.0,
    mature_tenure_days: float = 365,
    default_interval_days: float = 45,
    trend_ratio: float | None = 2.0,
    half_window_days: float | None = None,
    lang: Lang = "en",
    name: str = "lifecycle",
) -> TierResult:
    """Lifecycle stage (生命周期): new / growing / mature / churning / lost.

    Rules, applied in this precedence (the first that matches wins):

    1. **lost** — ``recency_days >= lost_days`` (or recency missing);
    2. **new** — ``tenure_days < new_days``;
    3. **churning** — ``recency_days > churn_factor × interval`` where ``interval`` is
       ``interval_mean_days`` (``default_interval_days`` with one purchase day);
    4. **growing** — ``tenure_days < mature_tenure_days``, or an accelerating trend: the
       order rate in the second half-window is at least ``trend_ratio`` times the rate over
       the customer's part of the first half, ``max(orders_h1, 1) / (tenure − H)``, measured
       only when ``tenure − H >= new_days`` (``H = half_window_days``, default
       ``max(tenure_days) / 2``, i.e. the profile window starting at the first transaction;
       ``trend_ratio=None`` turns this off);
    5. **mature** — everyone else.

    ``thresholds`` gives each stage the bounds of its deciding measure
    (:data:`LIFECYCLE_COLUMNS`; ``lower <= x < upper``; churning: the ratio of recency to the
    mean interval) and the full ``rule``.

    Missing tenure counts as long (never new or growing by tenure); missing half-window
    orders switch the trend rule off. :data:`LIFECYCLE_ZH` holds the Chinese names
    (``lang="zh"``). The defaults are the stage definitions documented in
    :func:`segkit.datasets.make_demo`.

    Examples
    --------
    >>> p = pd.DataFrame({"recency_days": [200, 10, 100, 20, 15],
    ...                   "tenure_days": [400, 30, 400, 200, 500],
    ...                   "interval_mean_days": [30.0, None, 30, 40, 40],
    ...                   "orders_h1": [3, 0, 5, 0, 6], "orders_h2": [0, 1, 4, 5, 6]})
    >>> lifecycle_stages(p).labels.tolist()
    ['lost', 'new', 'churning', 'growing', 'mature']
    """
    r, t = _values(profile, "recency_days"), _values(profile, "tenure_days")
    interval = _values(profile, "interval_mean_days").fillna(default_interval_days)
    lost = (r >= lost_days) | r.isna()
    new = t < new_days
    churning = r > churn_factor * interval
    growing = t < mature_tenure_days
    trend = "off"
    if trend_ratio is not None and {"orders_h1", "orders_h2"} <= set(profile.columns):
        half = float(t.max() / 2) if half_window_days is None else float(half_window_days)
        o1, o2 = _values(profile, "orders_h1"), _values(profile, "orders_h2")
        exposure = t - half
        accel = (exposure >= new_days) & (o2 / half >= trend_ratio * o1.clip(lower=1) / exposure)
        growing |= accel.fillna(False).astype(bool)
        trend = f"or order rate in 2nd half >= {trend_ratio:g}× 1st-half rate (H = {half:g} d)"
    masks = [m.fillna(False).to_numpy(bool) for m in (lost, new, churning, growing)]
    stages = ["new", "growing", "mature", "churning", "lost"]
    pick = np.select(masks, [4, 0, 3, 1], default=2)
    rules = {
        "new": f"tenure_days < {new_days:g} (precedence 2)",
        "growing": f"tenure_days < {mature_tenure_days:g}, {trend} (precedence 4)",
        "mature": "none of the above (precedence 5)",
        "churning": f"recency_days > {churn_factor:g} × interval_mean_days "
        f"(default {default_interval_days:g} d) (precedence 3)",
        "lost": f"recency_days >= {lost_days:g} or missing (precedence 1)",
    }
    # each stage's deciding measure and its bounds (``lower <= x < upper``); the full rule,
    # with the precedence, is in ``rule``
    bounds = {
        "new": (0.0, float(new_days)),
        "growing": (float(new_days), float(mature_tenure_days)),
        "mature": (float(mature_tenure_days), math.inf),
        "churning": (float(churn_factor), math.inf),
        "lost": (float(lost_days), math.inf),
    }
    rows = [(*bounds[s], rules[s]) for s in stages]
    names = [LIFECYCLE_ZH[s] for s in stages] if lang == "zh" else stages
    return _result(pick, names, r.index, name, rows, "rules")
