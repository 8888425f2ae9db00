"""The customer features, defined once: SQL column lists rendered for DuckDB and Spark.

:data:`ORDER_LEVEL_CORE` / :data:`CUSTOMER_LEVEL_CORE` and :func:`core_select` are the core
profile's definitions; :func:`segkit.profile.build_profile`, the fused fast path of
:func:`segkit.clean.checks.clean` (:mod:`segkit.clean.fastpath`)
and :func:`core_features_sql` all use
them. This module imports nothing from segkit, so the three can share it without an import
circle. :func:`core_features_sql` adds ``gross_sales`` and ``avg_order_value`` and composes
them into one DuckDB query over a cleaned
transactions table with the columns of ``clean_tx`` (``customer_id``, ``order_key``,
``date``, ``amount``): lines are summed per order, then orders per customer. A *purchase
order* has a line with ``amount >= 0`` and is dated by its first such line; customers with
returns only are left out (as :func:`segkit.profile.build_profile` does).

Integer and timestamp columns are equal across engines; sums of amounts may differ in the
last bits because engines add in parallel in different orders.

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> con.execute("CREATE TABLE tx AS SELECT * FROM (VALUES "
...     "('a', 'o1', TIMESTAMP '2024-01-01 10:00', 10.0), "
...     "('a', 'o2', TIMESTAMP '2024-01-11 09:00', 30.0), "
...     "('b', 'o3', TIMESTAMP '2024-01-05 12:00', 5.0)) AS t(customer_id, order_key, date, amount)"
... ).fetchall()
[(3,)]
>>> sql = core_features_sql("tx", as_of="2024-01-31", dialect="duckdb")
>>> con.execute(sql).df()[["customer_id", "recency_days", "frequency", "monetary"]
...                      ].values.tolist()
[['a', 20, 2, 40.0], ['b', 26, 1, 5.0]]
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
import sqlglot

__all__ = [
    "CORE_FEATURES",
    "CORE_SQL_FEATURES",
    "CUSTOMER_LEVEL_CORE",
    "ORDER_LEVEL_CORE",
    "core_features_sql",
    "core_select",
    "orders_per_active_month",
    "with_derived",
]

CORE_FEATURES = (
    "customer_id",
    "first_purchase",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
)


#: Level 1 of the core profile: one row per (customer, order) from the line table
#: (columns ``customer_id``, ``order_key``, ``date``, ``amount``). The same list is used by
#: the fused pass of :mod:`segkit.clean.fastpath`, so the definitions live in one place.
ORDER_LEVEL_CORE = (
    "customer_id",
    "min(date) FILTER (WHERE amount >= 0) AS p_first",
    "max(date) FILTER (WHERE amount >= 0) AS p_last",
    "sum(amount) AS value",
)
#: Level 2, orders → customers, for the measures that do not depend on ``as_of``.
CUSTOMER_LEVEL_CORE = (
    "customer_id",
    "min(p_first) AS first_purchase",
    "max(p_last) AS last_purchase",
    "count(p_first) AS frequency",
    "sum(value) AS monetary",
)


def core_select(as_of: dt.date, source: str) -> str:
    """The core profile columns, in output order, from a per-customer table ``source``
    holding the :data:`CUSTOMER_LEVEL_CORE` columns.

    Examples
    --------
    >>> print(core_select(dt.date(2024, 1, 31), "c"))  # doctest: +NORMALIZE_WHITESPACE
    SELECT customer_id, first_purchase, last_purchase,
        date_diff('day', CAST(last_purchase AS DATE), DATE '2024-01-31') AS recency_days,
        frequency, monetary,
        date_diff('day', CAST(first_purchase AS DATE), DATE '2024-01-31') AS tenure_days
    FROM c
    """
    asof = f"DATE '{as_of}'"
    return (
        "SELECT customer_id, first_purchase, last_purchase,\n"
        f"    date_diff('day', CAST(last_purchase AS DATE), {asof}) AS recency_days,\n"
        "    frequency, monetary,\n"
        f"    date_diff('day', CAST(first_purchase AS DATE), {asof}) AS tenure_days\n"
        f"FROM {source}"
    )


#: Columns of :func:`core_features_sql`, in order.
CORE_SQL_FEATURES = ("customer_id", "first_purchase", "last_purchase", "recency_days",
                     "frequency", "monetary", "tenure_days", "gross_sales",
                     "avg_order_value")  # fmt: skip


def core_features_sql(
    table: str, *, as_of: dt.date | str, dialect: Literal["duckdb", "spark"] = "duckdb"
) -> str:
    """The customer-level core-feature query for ``dialect``.

    Parameters
    ----------
    table : str
        Cleaned transactions (columns ``customer_id``, ``order_key``, ``date``, ``amount``).
    as_of : date or ISO string
        Analysis date; recency and tenure are whole days from the purchase dates to it.
    dialect : {"duckdb", "spark"}
    """
    day = dt.date.fromisoformat(str(as_of)[:10])
    # the same order- and customer-level definitions as build_profile and the fused fast
    # path, plus gross sales for the average order value
    lvl1 = ", ".join([*ORDER_LEVEL_CORE, "sum(amount) FILTER (WHERE amount >= 0) AS gross"])
    lvl2 = ", ".join([*CUSTOMER_LEVEL_CORE, "sum(gross) AS gross"])
    core = core_select(day, "c").removeprefix("SELECT ").split("\nFROM ")[0]
    text = f"""
    WITH o AS (SELECT {lvl1} FROM {table} GROUP BY customer_id, order_key),
    c AS (SELECT {lvl2} FROM o GROUP BY customer_id HAVING count(p_first) > 0)
    SELECT {core},
           COALESCE(gross, 0) AS gross_sales,
           gross / NULLIF(frequency, 0) AS avg_order_value
    FROM c
    ORDER BY customer_id
    """
    return sqlglot.transpile(text, read="duckdb", write=dialect)[0]


#: customer features derived from profile columns (feature → the columns it needs)
DERIVED_FEATURES: dict[str, tuple[str, ...]] = {
    "orders_per_active_month": ("frequency", "active_months"),
}


def orders_per_active_month(profile: pd.DataFrame) -> pd.Series:
    """Purchase orders per calendar month with a purchase: ``frequency / active_months``
    (missing where ``active_months`` is 0). The one definition; clustering, the segment
    profiles and ``segkit segment`` all use it.

    Examples
    --------
    >>> p = pd.DataFrame({"frequency": [6, 1, 0], "active_months": [3, 1, 0]})
    >>> orders_per_active_month(p).tolist()
    [2.0, 1.0, nan]
    """
    months = profile["active_months"].astype(float)
    return (profile["frequency"].astype(float) / months.where(months > 0)).rename(
        "orders_per_active_month"
    )


def with_derived(profile: pd.DataFrame) -> pd.DataFrame:
    """``profile`` with the :data:`DERIVED_FEATURES` it lacks and has the columns for (a copy)."""
    out = profile.copy()
    if "orders_per_active_month" not in out and set(
        DERIVED_FEATURES["orders_per_active_month"]
    ) <= set(out.columns):
        out["orders_per_active_month"] = orders_per_active_month(out)
    return out
