"""Customer-level core features as one engine-neutral query (DuckDB or Spark).

The same definitions as :mod:`segkit.profile` (``features="core"`` plus ``gross_sales`` and
``avg_order_value``), written once in sqlglot's dialect-neutral SQL over a cleaned
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

import sqlglot

__all__ = ["CORE_SQL_FEATURES", "core_features_sql"]

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
    day = dt.date.fromisoformat(str(as_of)[:10]).isoformat()
    asof = f"CAST('{day}' AS DATE)"
    buy = "CASE WHEN amount >= 0 THEN"
    text = f"""
    WITH o AS (
      SELECT customer_id,
             MIN({buy} date END) AS p_first,
             MAX({buy} date END) AS p_last,
             SUM({buy} amount END) AS gross,
             SUM(amount) AS value
      FROM {table}
      GROUP BY customer_id, order_key
    )
    SELECT customer_id,
           MIN(p_first) AS first_purchase,
           MAX(p_last) AS last_purchase,
           DATEDIFF(DAY, CAST(MAX(p_last) AS DATE), {asof}) AS recency_days,
           COUNT(p_first) AS frequency,
           SUM(value) AS monetary,
           DATEDIFF(DAY, CAST(MIN(p_first) AS DATE), {asof}) AS tenure_days,
           COALESCE(SUM(gross), 0) AS gross_sales,
           SUM(gross) / NULLIF(COUNT(p_first), 0) AS avg_order_value
    FROM o
    GROUP BY customer_id
    HAVING COUNT(p_first) > 0
    ORDER BY customer_id
    """
    return sqlglot.transpile(text, read="duckdb", write=dialect)[0]
