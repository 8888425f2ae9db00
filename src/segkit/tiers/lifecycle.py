"""Lifecycle stages (生命周期): new / growing / mature / churning / lost, by rules in order.

:func:`lifecycle_stages` returns a :class:`~segkit.tiers.result.TierResult` like the other
tiers (:mod:`segkit.tiers.rules`); its SQL twin is :func:`segkit.scoring.lifecycle_scorer`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from segkit.tiers.result import LIFECYCLE_ZH, Lang, TierResult, _result, _values

__all__ = ["LIFECYCLE_COLUMNS", "lifecycle_stages"]

#: The measure each lifecycle stage's ``lower``/``upper`` bound (stages in threshold order:
#: new, growing, mature, churning, lost).
# fmt: off
LIFECYCLE_COLUMNS = ("tenure_days", "tenure_days", "tenure_days",
                     "recency_days / interval_mean_days", "recency_days")
# fmt: on


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
