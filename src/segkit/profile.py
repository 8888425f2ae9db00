"""Profile: one row per customer (客户档案), computed in DuckDB.

The profile turns cleaned transactions into the customer-level measures segmentation works
on. Every measure is defined relative to an explicit analysis date ``as_of`` — never today —
so a rerun gives the same numbers.

Definitions
-----------
An *order* is an order id (or, without one, a single record). A *purchase line* has an
amount ≥ 0; a *return line* a negative one. A *purchase order* has at least one purchase
line, and is dated by its first purchase line.

``first_purchase``, ``last_purchase``
    timestamps of the first and last purchase line.
``recency_days``
    whole days from the date of ``last_purchase`` to ``as_of``.
``frequency``
    purchase orders.
``monetary``
    net value: purchases plus returns (returns are negative).
``gross_sales``, ``returns_value``, ``return_rate``
    sum of purchase lines; minus the sum of return lines; ``returns_value / gross_sales``.
``avg_order_value``
    ``gross_sales / frequency``.
``tenure_days``
    days from the date of ``first_purchase`` to ``as_of``.
``active_months``
    calendar months with at least one purchase order. ``purchase_days``: distinct dates of
    purchase orders.
``interval_mean_days``
    mean days between consecutive distinct purchase dates, ``(last − first) / (dates − 1)``;
    missing with one purchase date. ``interval_std_days`` / ``interval_median_days``: their
    standard deviation and median (``features="full"`` only).
``orders_h1``, ``orders_h2``, ``monetary_h1``, ``monetary_h2``
    purchase orders (by order date) and net value (by line date) in the first and second
    half of the window
    ``[window_start, as_of]`` (``window_start`` defaults to the earliest transaction), for
    trend and growth measures.
``orders_early``, ``orders_late``, ``monetary_early``, ``monetary_late``
    purchase orders and their net value (returns inside a purchase order included) in the
    first and second half of the customer's *own* tenure ``[first_purchase, as_of]``, split
    at ``first_purchase + (as_of − first_purchase) / 2`` (an order dated at the split is
    late): growth against the customer's own past (:func:`segkit.tiers.rules.growth_tiers`).
``share_channel_<value>``, ``share_category_<value>``
    share of gross sales by channel / category (the ``max_levels`` most frequent values; the
    rest are summed into ``_other``). A value that may be personal data (a phone, ID number,
    e-mail or name-like text: :func:`segkit.privacy.looks_personal`) never becomes a column
    name: its column is ``share_category_<rank>`` (e.g. ``share_category_03``).

Examples
--------
>>> import pandas as pd
>>> from segkit.collect import collect_frame
>>> from segkit.clean.checks import clean
>>> from segkit.config import ColumnMap
>>> tx = pd.DataFrame({"c": ["a", "a", "b"], "d": ["2024-01-01", "2024-01-11", "2024-01-05"],
...                    "amt": [10.0, 30.0, 5.0]})
>>> res = clean(collect_frame(tx, ColumnMap(customer_id="c", date="d", amount="amt")),
...             as_of="2024-01-31")
>>> p = build_profile(res, as_of="2024-01-31")
>>> p[["customer_id", "recency_days", "frequency", "monetary"]].values.tolist()
[['a', 20, 2, 40.0], ['b', 26, 1, 5.0]]
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import duckdb
import pandas as pd

from segkit.clean.result import CleanResult
from segkit.features import CORE_FEATURES, CUSTOMER_LEVEL_CORE, ORDER_LEVEL_CORE, core_select
from segkit.privacy import looks_personal

__all__ = ["CORE_FEATURES", "build_profile", "core_select", "excluded_customers", "profile_sql"]


def _slug(value: str) -> str:
    text = re.sub(r"[^\w]+", "_", str(value).strip(), flags=re.UNICODE).strip("_")
    return text or "blank"


def _level_name(role: str, level: object, rank: int) -> str:
    """``<role>_<slug>`` for a share column, or ``<role>_<rank>`` when the level may be
    personal data (:func:`segkit.privacy.looks_personal`: a phone, ID number, e-mail or a
    name-like value must never become a feature name); a level that already is a neutral
    label (``category_03``, from a report run's step 1) is used as it is.

    Examples
    --------
    >>> _level_name("category", "服装", 1), _level_name("category", "13900139000", 2)
    ('category_服装', 'category_02')
    >>> _level_name("category", "李莫愁", 3), _level_name("category", "category_07", 4)
    ('category_03', 'category_07')
    """
    text = str(level)
    if re.fullmatch(rf"{re.escape(role)}_[0-9]+", text):
        return text
    if looks_personal(text):
        return f"{role}_{rank:02d}"
    return f"{role}_{_slug(text)}"


def _share_sums(
    con: duckdb.DuckDBPyConnection, table: str, role: str, max_levels: int
) -> list[tuple[str, str]]:
    """(order-level sum expression, profile column name) per share level, plus ``_other``."""
    levels = [
        r[0]
        for r in con.execute(
            f"SELECT {role} FROM {table} WHERE {role} IS NOT NULL AND amount >= 0 "
            f"GROUP BY {role} ORDER BY count(*) DESC, {role} LIMIT {int(max_levels)}"
        ).fetchall()
    ]
    out = []
    for rank, level in enumerate(levels, start=1):
        lit = "'" + str(level).replace("'", "''") + "'"
        out.append(
            (
                f"sum(amount) FILTER (WHERE amount >= 0 AND {role} = {lit})",
                f"share_{_level_name(role, level, rank)}",
            )
        )
    lits = ", ".join("'" + str(v).replace("'", "''") + "'" for v in levels)
    rest = f"NOT ({role} IN ({lits}))" if levels else "TRUE"
    out.append(
        (
            f"sum(amount) FILTER (WHERE amount >= 0 AND ({rest} OR {role} IS NULL))",
            f"share_{role}__other",
        )
    )
    return out


#: per-customer interval statistics between purchase days, over the order table ``o``
_GAPS_SQL = """
    SELECT customer_id,
           stddev_samp(gap) AS interval_std_days,
           median(gap) AS interval_median_days
    FROM (SELECT customer_id,
                 date_diff('day', lag(d) OVER (PARTITION BY customer_id ORDER BY d), d) AS gap
          FROM (SELECT DISTINCT customer_id, CAST(p_first AS DATE) AS d
                FROM o WHERE p_first IS NOT NULL))
    WHERE gap IS NOT NULL GROUP BY customer_id"""


def _own_halves_sql(asof: str) -> str:
    """The customer's own tenure [first purchase, as_of] cut in two halves: orders and net
    value (of purchase orders) in each, for growth measured against the customer's past."""
    return f"""
        SELECT customer_id,
               count(*) FILTER (WHERE p_first < c_mid) AS orders_early,
               count(*) FILTER (WHERE p_first >= c_mid) AS orders_late,
               coalesce(sum(value) FILTER (WHERE p_first < c_mid), 0) AS monetary_early,
               coalesce(sum(value) FILTER (WHERE p_first >= c_mid), 0) AS monetary_late
        FROM (SELECT customer_id, p_first, value,
                     c_first + (CAST({asof} AS TIMESTAMP) - c_first) / 2 AS c_mid
              FROM (SELECT customer_id, p_first, value,
                           min(p_first) OVER (PARTITION BY customer_id) AS c_first
                    FROM o WHERE p_first IS NOT NULL))
        GROUP BY customer_id"""


def _full_sums(
    con: duckdb.DuckDBPyConnection,
    table: str,
    cols: set[str],
    *,
    as_of: dt.date,
    window_start: dt.date | None,
    max_levels: int,
) -> tuple[list[str], list[str]]:
    """The order-level and customer-level sums ``features="full"`` adds to the core: gross
    sales and returns, the window's two halves, activity, and channel / category shares."""
    if window_start is None:
        got = con.execute(f"SELECT CAST(min(date) AS DATE) FROM {table}").fetchall()
        window_start = got[0][0] or as_of
    half = window_start + (as_of - window_start) / 2
    mid = f"TIMESTAMP '{pd.Timestamp(half).isoformat(sep=' ')}'"
    lvl1 = [
        "sum(amount) FILTER (WHERE amount >= 0) AS gross",
        "sum(amount) FILTER (WHERE amount < 0) AS ret",
        f"sum(amount) FILTER (WHERE date < {mid}) AS v_h1",
        f"sum(amount) FILTER (WHERE date >= {mid}) AS v_h2",
    ]
    lvl2 = [
        "coalesce(sum(gross), 0) AS gross_sales",
        "coalesce(-sum(ret), 0) AS returns_value",
        "coalesce(-sum(ret), 0) / nullif(sum(gross), 0) AS return_rate",
        "sum(gross) / nullif(count(p_first), 0) AS avg_order_value",
        "count(DISTINCT date_trunc('month', p_first)) AS active_months",
        "count(DISTINCT CAST(p_first AS DATE)) AS purchase_days",
        f"count(p_first) FILTER (WHERE p_first < {mid}) AS orders_h1",
        f"count(p_first) FILTER (WHERE p_first >= {mid}) AS orders_h2",
        "coalesce(sum(v_h1), 0) AS monetary_h1",
        "coalesce(sum(v_h2), 0) AS monetary_h2",
    ]
    for role in ("channel", "category"):
        if role in cols:
            for i, (expr, name) in enumerate(_share_sums(con, table, role, max_levels)):
                lvl1.append(f"{expr} AS s_{role}_{i}")
                lvl2.append(f"coalesce(sum(s_{role}_{i}), 0) / nullif(sum(gross), 0) AS {name}")
    return lvl1, lvl2


def profile_sql(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str = "clean_tx",
    as_of: dt.date,
    features: Literal["core", "full"] = "full",
    window_start: dt.date | None = None,
    max_levels: int = 12,
) -> str:
    """The SQL that builds the profile from ``table`` (columns as in ``clean_tx``).

    Two levels: lines are first summed per order (``o``), then orders per customer; the
    order table is much smaller than the line table and makes ``count(DISTINCT order)``
    unnecessary.
    """
    cols = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    asof = f"DATE '{as_of}'"
    lvl1 = list(ORDER_LEVEL_CORE)
    lvl2 = [
        *CUSTOMER_LEVEL_CORE[:3],
        f"date_diff('day', CAST(max(p_last) AS DATE), {asof}) AS recency_days",
        *CUSTOMER_LEVEL_CORE[3:],
        f"date_diff('day', CAST(min(p_first) AS DATE), {asof}) AS tenure_days",
    ]
    if features == "full":
        more1, more2 = _full_sums(
            con, table, cols, as_of=as_of, window_start=window_start, max_levels=max_levels
        )
        lvl1 += more1
        lvl2 += more2
    orders = f"SELECT {', '.join(lvl1)} FROM {table} GROUP BY customer_id, order_key"
    # customers whose lines are all returns come out with frequency 0: the caller counts
    # and drops them (no second pass over the lines)
    main = f"SELECT {', '.join(lvl2)} FROM o GROUP BY customer_id"
    if features == "core":
        return f"WITH o AS ({orders}) {main} ORDER BY customer_id"
    return f"""
        WITH o AS MATERIALIZED ({orders}), m AS ({main}), g AS ({_GAPS_SQL}),
             t AS ({_own_halves_sql(asof)})
        SELECT m.*,
               CASE WHEN purchase_days > 1 THEN
                    date_diff('day', CAST(first_purchase AS DATE), CAST(last_purchase AS DATE))
                    / (purchase_days - 1) END AS interval_mean_days,
               g.interval_std_days, g.interval_median_days,
               coalesce(t.orders_early, 0) AS orders_early,
               coalesce(t.orders_late, 0) AS orders_late,
               coalesce(t.monetary_early, 0) AS monetary_early,
               coalesce(t.monetary_late, 0) AS monetary_late
        FROM m LEFT JOIN g USING (customer_id) LEFT JOIN t USING (customer_id)
        ORDER BY customer_id"""


def build_profile(
    cleaned: CleanResult,
    *,
    as_of: dt.date | str | None = None,
    features: Literal["core", "full"] = "full",
    window_start: dt.date | str | None = None,
    max_levels: int = 12,
) -> pd.DataFrame:
    """Build the customer profile from cleaned transactions.

    Parameters
    ----------
    cleaned : CleanResult
        Output of :func:`segkit.clean.checks.clean` (its table ``clean_tx`` is read in DuckDB).
    as_of : date or ISO string, optional
        Defaults to the as-of date used for cleaning.
    features : {"core", "full"}
        ``core``: recency, frequency, monetary, tenure, first/last purchase. ``full``: all
        measures listed in the module docstring.
    window_start : date, optional
        Start of the analysis window for the half-window measures.
    max_levels : int
        Most channel / category levels given their own share column.

    Returns
    -------
    pandas.DataFrame
        One row per customer with at least one purchase line, sorted by ``customer_id``.
        Customers whose lines are all returns (or cancellations) are not profiled: they are
        counted in ``DataFrame.attrs["returns_only_customers"]`` and listed in
        ``attrs["returns_only_ids"]``; :func:`excluded_customers` gives them as a table,
        which the report run writes (``02_excluded_customers.csv``) and its customer
        balance shows.
    """
    as_of_d = pd.Timestamp(as_of).date() if as_of is not None else cleaned.as_of
    ws = pd.Timestamp(window_start).date() if window_start is not None else None
    con = cleaned.con
    if features == "core" and cleaned.core_table is not None:
        # clean's fused pass already summed the kept lines per customer (segkit.clean.fastpath);
        # its NULL-customer row holds the removed lines and is not a customer
        sql = (
            core_select(as_of_d, cleaned.core_table)
            + " WHERE customer_id IS NOT NULL ORDER BY customer_id"
        )
    else:
        sql = profile_sql(
            con, as_of=as_of_d, features=features, window_start=ws, max_levels=max_levels
        )
    frame = con.sql(sql).df()
    returns_only = frame["frequency"] == 0
    excluded = tuple(str(c) for c in frame.loc[returns_only, "customer_id"])
    seen = set(frame["customer_id"].astype(str))
    frame = frame[~returns_only].reset_index(drop=True)
    frame.attrs["as_of"] = str(as_of_d)
    frame.attrs["returns_only_customers"] = len(excluded)
    frame.attrs["returns_only_ids"] = excluded
    # customers all of whose purchases were cancelled (segkit.clean.kept.match_cancellations)
    gone = getattr(cleaned, "cancelled_customers", ())
    frame.attrs["all_cancelled_ids"] = tuple(c for c in gone if c not in seen)
    return frame.reset_index(drop=True)


#: Reason code of a customer left out of the profile because every kept line is a return
#: or a cancellation (no purchase to measure recency, frequency or tenure from).
RETURNS_ONLY = "RETURNS_ONLY"
#: Reason code of a customer whose every purchase was cancelled (each cancellation matched
#: to its purchase and both removed, :func:`segkit.clean.kept.match_cancellations`).
ALL_CANCELLED = "ALL_CANCELLED"


def excluded_customers(profile: pd.DataFrame) -> pd.DataFrame:
    """The customers :func:`build_profile` left out, with the reason, as a table.

    Columns ``customer_id`` and ``reason_code`` (:data:`RETURNS_ONLY`, or
    :data:`ALL_CANCELLED` for a customer left without a line once cancelled purchases were
    removed); read from the profile's ``attrs`` (empty when the profile did not come from
    :func:`build_profile`). The customer account is ``customers with kept lines + customers
    all cancelled = profiled + excluded``.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.collect import collect_frame
    >>> from segkit.clean.checks import clean
    >>> from segkit.config import ColumnMap
    >>> tx = pd.DataFrame({"c": ["a", "b"], "d": ["2024-01-01", "2024-01-05"],
    ...                    "amt": [10.0, -56.0]})
    >>> res = clean(collect_frame(tx, ColumnMap(customer_id="c", date="d", amount="amt")),
    ...             as_of="2024-01-31")
    >>> p = build_profile(res)
    >>> p["customer_id"].tolist(), excluded_customers(p).values.tolist()
    (['a'], [['b', 'RETURNS_ONLY']])
    """
    ids = list(profile.attrs.get("returns_only_ids", ()))
    gone = list(profile.attrs.get("all_cancelled_ids", ()))
    reasons = [RETURNS_ONLY] * len(ids) + [ALL_CANCELLED] * len(gone)
    return pd.DataFrame(
        {"customer_id": pd.Series(ids + gone, dtype="object"), "reason_code": reasons}
    )
