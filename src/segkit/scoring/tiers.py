"""Rule tiers as SQL: threshold tables (value / frequency tiers), RFM scores and lifecycle
stages, with the same rules and arithmetic as :mod:`segkit.tiers`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from segkit.errors import InputError
from segkit.scoring.sql import (
    SQLScorer,
    _dbl,
    _fetch,
    _intdiv_scorer,
    _lit,
    _num,
    _parse,
    _q,
    _scorer,
    engine_kind,
)

# fmt: off
__all__ = ["apply_rfm_thresholds", "cut_scorer", "lifecycle_scorer", "rfm_scorer",
           "rfm_threshold_scorer", "rfm_threshold_table", "tie_aware_cuts_in", "tier_scorer"]
# fmt: on


def cut_scorer(column: str, cuts: Sequence[float], labels: Sequence[Any], *,
               name: str | None = None) -> SQLScorer:  # fmt: skip
    """Tiers ``lower <= x < upper`` from cut points (the lowest value of each higher tier).

    The same rule as :func:`segkit.tiers.rules.value_tiers` with ``cuts``: missing values get the
    lowest tier; an ``inf`` cut leaves its tier empty (except for ``x = inf``).
    """
    cuts = [float(c) for c in cuts]
    if len(labels) != len(cuts) + 1:
        raise ValueError("need one label more than cuts")
    if any(b < a for a, b in itertools.pairwise(cuts)):
        raise InputError(f"cut points must increase, got {cuts}", code="BAD_CUTS")
    x = _q(column)
    whens = [f"WHEN {x} IS NULL THEN {_lit(labels[0])}"]
    whens += [f"WHEN {x} >= {_num(cuts[j])} THEN {_lit(labels[j + 1])}"
              for j in range(len(cuts) - 1, -1, -1)]  # fmt: skip
    out = name or f"{column}_tier"
    text = f"CASE {' '.join(whens)} ELSE {_lit(labels[0])} END"
    return _scorer(out, [column], [[(out, text)]], labels)


def tier_scorer(result: Any, column: str, *, name: str | None = None) -> SQLScorer:
    """The threshold table of a :class:`segkit.tiers.result.TierResult` (methods ``quantile``,
    ``fixed``, ``aov_tercile``) as SQL: fit tiers on a sample, assign everyone.

    Examples
    --------
    >>> from segkit.tiers.rules import value_tiers
    >>> res = value_tiers(pd.Series([1.0, 2, 3, 4, 5, 6], name="monetary"))
    >>> tier_scorer(res, "monetary").labels
    ('low', 'mid', 'high')
    """
    if result.method not in ("quantile", "fixed", "aov_tercile"):
        raise InputError(f"tiers made by {result.method!r} are rank-based, not a threshold "
                         "table", code="NOT_EXPORTABLE")  # fmt: skip
    thr = result.thresholds
    labels = [str(t) for t in thr["tier"]]
    return cut_scorer(column, thr["lower"].iloc[1:].tolist(), labels,
                      name=name or str(result.labels.name))  # fmt: skip


def tie_aware_cuts_in(engine: Any, table: str, column: str,
                      probs: Sequence[float] = (1 / 3, 2 / 3)) -> list[float]:  # fmt: skip
    """:func:`segkit.tiers.result.tie_aware_cuts` computed from the engine's value counts.

    Only the distinct values and their counts leave the engine (``GROUP BY``), so DuckDB,
    Spark and pandas get the same cut points from the same data.
    """
    from segkit.tiers.result import cuts_from_counts

    x = _q(column)
    text = f"SELECT {x} AS v, COUNT(*) AS n FROM {table} WHERE {x} IS NOT NULL GROUP BY {x}"
    counts = _fetch(engine, _parse(text).sql(dialect=engine_kind(engine))).sort_values("v")
    return cuts_from_counts(counts["v"].to_numpy(float), counts["n"].to_numpy(), probs)


# -- RFM -----------------------------------------------------------------------------------------
_RFM_DIMS = ("R", "F", "M")


def rfm_scorer(*, bins: int = 5, recency: str = "recency_days", frequency: str = "frequency",
               monetary: str = "monetary", name: str = "rfm") -> list[SQLScorer]:  # fmt: skip
    """R, F, M scores by :func:`segkit.tiers.rfm.rfm_scores`' definition, computed in the engine.

    ``2 × average rank = 2·RANK() + (tie count) − 1`` over the non-missing values (R ranks
    descending recency) and ``score = min(((2·avg rank − 1)·bins) DIV (2n) + 1, bins)`` —
    integers only, so every engine gives exactly the pandas scores; missing values score 1.
    Returns three scorers with outputs ``R``, ``F``, ``M``. The window spans the whole table
    (Spark moves it to one partition): for very large tables fit
    :func:`rfm_threshold_scorer` on a sample instead.
    """
    if not 2 <= bins <= 9:
        raise InputError(f"bins must be in 2..9, got {bins}", code="BAD_BINS")
    out = []
    for dim, col in zip(_RFM_DIMS, (recency, frequency, monetary), strict=True):
        x, pre = _q(col), f"__{name}_{dim}_"
        order = "DESC" if dim == "R" else "ASC"
        twice = (f"2 * RANK() OVER (ORDER BY {x} {order} NULLS LAST) "
                 f"+ COUNT(*) OVER (PARTITION BY {x}) - 1")  # fmt: skip
        stage1 = [(f"{pre}t", twice), (f"{pre}n", f"COUNT({x}) OVER ()")]
        t, n = _q(f"{pre}t"), _q(f"{pre}n")
        text = (
            f"CASE WHEN {x} IS NULL THEN 1 ELSE "
            f"LEAST(__INTDIV__(({t} - 1) * {bins}, 2 * {n}) + 1, {bins}) END"
        )
        stages = [stage1, [(dim, text)]]
        out.append(_intdiv_scorer(dim, [col], stages, range(1, bins + 1)))
    return out


def rfm_threshold_table(scores: Any) -> pd.DataFrame:
    """Threshold table of fitted :class:`segkit.tiers.rfm.RFMScores`: ``dimension``, ``column``,
    ``score``, ``bound`` — a value scores at least ``score`` when ``x >= bound`` (F, M) or
    ``x <= bound`` (R). Reproduces the fitted scores exactly on the fitting data.

    Examples
    --------
    >>> from segkit.tiers.rfm import rfm_scores
    >>> p = pd.DataFrame({"recency_days": [1, 5, 9], "frequency": [1, 1, 4],
    ...                   "monetary": [10.0, 20, 30]})
    >>> rfm_threshold_table(rfm_scores(p, bins=3)).values.tolist()[:2]
    [['R', 'recency_days', 1, 9.0], ['R', 'recency_days', 2, 5.0]]
    """
    thr = scores.thresholds.dropna(subset=["lower", "upper"])
    rows = []
    for dim, grp in thr.groupby("dimension", sort=False):
        for _, r in grp.sort_values("score").iterrows():
            bound = r["upper"] if dim == "R" else r["lower"]
            rows.append((dim, r["column"], int(r["score"]), float(bound)))
    return pd.DataFrame(rows, columns=["dimension", "column", "score", "bound"])


def rfm_threshold_scorer(
    scores: Any, *, columns: dict[str, str] | None = None, names: Sequence[str] = _RFM_DIMS
) -> list[SQLScorer]:
    """Apply fitted RFM scores to new customers in the engine (outputs ``R``, ``F``, ``M``).

    A value gets the highest score whose bound it reaches (:func:`rfm_threshold_table`);
    values beyond every bound get the lowest fitted score, missing values 1. The same rule in
    pandas: :func:`apply_rfm_thresholds`. ``names``: the three output columns.
    """
    table = rfm_threshold_table(scores)
    out = []
    for dim, out_name in zip(_RFM_DIMS, names, strict=True):
        t = table[table["dimension"] == dim].sort_values("score", ascending=False)
        col = (columns or {}).get(dim, str(t["column"].iloc[0]))
        x, op = _q(col), "<=" if dim == "R" else ">="
        whens = [f"WHEN {x} IS NULL THEN 1"]
        whens += [
            f"WHEN {x} {op} {_num(b)} THEN {int(s)}"
            for s, b in zip(t["score"].iloc[:-1], t["bound"].iloc[:-1], strict=True)
        ]
        text = f"CASE {' '.join(whens)} ELSE {int(t['score'].iloc[-1])} END"  # fmt: skip
        out.append(_scorer(out_name, [col], [[(out_name, text)]], range(1, scores.bins + 1)))
    return out


def apply_rfm_thresholds(profile: pd.DataFrame, scores: Any) -> pd.DataFrame:
    """The in-memory twin of :func:`rfm_threshold_scorer`: ``R``, ``F``, ``M`` of ``profile``.

    Examples
    --------
    >>> from segkit.tiers.rfm import rfm_scores
    >>> p = pd.DataFrame({"recency_days": [1, 5, 9], "frequency": [1, 1, 4],
    ...                   "monetary": [10.0, 20, 30]})
    >>> fitted = rfm_scores(p, bins=3)
    >>> apply_rfm_thresholds(p, fitted).equals(fitted.scores[["R", "F", "M"]])
    True
    """
    table = rfm_threshold_table(scores)
    out = pd.DataFrame(index=profile.index)
    for dim in _RFM_DIMS:
        t = table[table["dimension"] == dim].sort_values("score")
        x = pd.to_numeric(profile[str(t["column"].iloc[0])], errors="coerce").to_numpy(float)
        s, b = t["score"].to_numpy(), t["bound"].to_numpy()
        if dim == "R":  # x <= bound, bounds decrease with the score
            idx = len(b) - np.searchsorted(b[::-1], x, side="left") - 1
        else:
            idx = np.searchsorted(b, x, side="right") - 1
        res = s[np.clip(idx, 0, len(s) - 1)]
        out[dim] = np.where(np.isnan(x), 1, res).astype(np.int64)
    return out


# -- lifecycle ---------------------------------------------------------------------------------
def lifecycle_scorer(
    *,
    new_days: float = 90,
    lost_days: float = 180,
    churn_factor: float = 2.0,
    mature_tenure_days: float = 365,
    default_interval_days: float = 45,
    trend_ratio: float | None = 2.0,
    half_window_days: float | None = None,
    lang: Literal["en", "zh"] = "en",
    name: str = "lifecycle",
) -> SQLScorer:
    """:func:`segkit.tiers.lifecycle.lifecycle_stages` as SQL, with the same rules and arithmetic.

    ``H`` (``half_window_days`` default) is ``MAX(tenure_days) OVER () / 2``. The trend rule
    reads ``orders_h1`` / ``orders_h2`` (turn it off with ``trend_ratio=None`` when the
    table has no half-window orders).
    """
    from segkit.tiers.result import LIFECYCLE_ZH

    stages = ["new", "growing", "mature", "churning", "lost"]
    lab = {s: (LIFECYCLE_ZH[s] if lang == "zh" else s) for s in stages}
    r, t = _dbl("recency_days"), _dbl("tenure_days")
    pre = f"__{name}_"
    interval = f"COALESCE({_dbl('interval_mean_days')}, {_num(default_interval_days)})"
    inputs = ["recency_days", "tenure_days", "interval_mean_days"]
    growing = f"{t} < {_num(mature_tenure_days)}"
    stage1: list[tuple[str, str]] = []
    if trend_ratio is not None:
        inputs += ["orders_h1", "orders_h2"]
        half = (f"MAX({t}) OVER () / 2" if half_window_days is None
                else _num(half_window_days))  # fmt: skip
        stage1 = [(f"{pre}h", half)]
        h = _q(f"{pre}h")
        expo = f"({t} - {h})"
        o1, o2 = _dbl("orders_h1"), _dbl("orders_h2")
        o1c = f"(CASE WHEN {o1} < 1 THEN CAST(1 AS DOUBLE) ELSE {o1} END)"
        accel = (f"({expo} >= {_num(new_days)} AND {o2} / NULLIF({h}, 0) >= "
                 f"{_num(trend_ratio)} * {o1c} / NULLIF({expo}, 0))")  # fmt: skip
        growing = f"({growing} OR {accel})"
    case = (f"CASE WHEN {r} >= {_num(lost_days)} OR {r} IS NULL THEN {_lit(lab['lost'])} "
            f"WHEN {t} < {_num(new_days)} THEN {_lit(lab['new'])} "
            f"WHEN {r} > {_num(churn_factor)} * {interval} THEN {_lit(lab['churning'])} "
            f"WHEN {growing} THEN {_lit(lab['growing'])} "
            f"ELSE {_lit(lab['mature'])} END")  # fmt: skip
    st = [stage1, [(name, case)]] if stage1 else [[(name, case)]]
    return _scorer(name, inputs, st, [lab[s] for s in stages])
