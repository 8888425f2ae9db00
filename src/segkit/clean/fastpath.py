"""The fused pass: row checks, a duplicate certificate and the core profile in one scan.

:func:`segkit.clean.checks.clean` in general makes two passes over the staged lines before the
profile makes a third: exact de-duplication (a ``GROUP BY`` on a hash of every source column)
and the row checks. When an order id is mapped, one grouped pass can do all three:

* **row checks** are row-local, so a line that fails one is routed to a ``NULL`` customer
  (its group holds every removed line, and no customer);
* **duplicates**: exact duplicates agree in every source column, so they share customer and
  order. For each (customer, order) the pass keeps ``count(*)`` and three 63-bit masks of
  the lines' whole-row hashes (one bit per line, from three disjoint bit fields of the hash).
  When any mask has as many bits set as the order has lines, the lines' hashes differ, so the
  order has no duplicate — a proof, not an estimate. Orders not proven so (a few in 10⁵ at
  1.5 lines per order, and every order with a repeated line) are *suspects*: the caller runs the
  exact de-duplication on their customers' lines only;
* **profile**: the kept lines are summed per order, then per customer, with the SQL of
  :mod:`segkit.features` (:data:`~segkit.features.ORDER_LEVEL_CORE`,
  :data:`~segkit.features.CUSTOMER_LEVEL_CORE`), into table ``_core``, which
  :func:`segkit.profile.build_profile` reads for ``features="core"``.

The caller falls back to the general path (and drops ``_core``) when a suspect order really
holds a duplicate; ``tests/clean/test_fastpath.py`` checks that both paths give identical results.

Examples
--------
>>> import datetime as dt, pandas as pd
>>> from segkit.clean.checks import clean
>>> from segkit.collect import collect_frame
>>> from segkit.config import ColumnMap
>>> tx = pd.DataFrame({"c": ["1", "1", "2"], "o": ["A", "B", "C"],
...                    "d": ["2024-01-01", "2024-01-02", "2024-01-03"], "a": ["5", "7", "x"]})
>>> res = clean(collect_frame(tx, ColumnMap(customer_id="c", order_id="o", date="d", amount="a")),
...             as_of="2024-02-01")
>>> res.core_table, res.rows_kept, res.rows_removed
('_core', 2, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from segkit.features import CUSTOMER_LEVEL_CORE, ORDER_LEVEL_CORE

#: Table the fused pass writes (one row per customer, plus a NULL row for removed lines).
CORE_TABLE = "_core"
#: Bit fields of the 64-bit row hash used for the three masks (7 bits each, disjoint).
_MASK_SHIFTS = (0, 7, 14)
#: Up to this many suspect customer ids are inlined in the filter of the exact re-check.
_MAX_LITERAL_IDS = 5000


def _distinct_lines_sql(hash_col: str = "h") -> str:
    """``TRUE`` when the group's lines provably have pairwise different hashes.

    Each mask sets bit ``field % 63`` of a BIGINT per line; if the bits set equal the lines,
    no two lines share that field, so no two share the hash.
    """
    tests = [
        f"bit_count(bit_or(CAST(1 AS BIGINT) << CAST((({hash_col} >> {s}) & 127) % 63 "
        "AS BIGINT))) = count(*)"
        for s in _MASK_SHIFTS
    ]
    return "(count(*) = 1 OR " + " OR ".join(tests) + ")"


@dataclass
class FusedStats:
    """What the fused pass found.

    Attributes
    ----------
    has_removed : bool
        Some lines fail a row check (they are summed in ``_core``'s NULL row).
    suspect_customers : int
        Customers with an order not proven free of duplicate lines.
    good_counts : dict
        Per detection flag (e.g. ``NEGATIVE_AMOUNT``), lines of kept rows it is true on.
    """

    has_removed: bool
    suspect_customers: int
    good_counts: dict[str, int] = field(default_factory=dict)


def fused_core_sql(bad: str, counters: dict[str, str], *, source: str = "staged") -> str:
    """The ``SELECT`` of the fused pass over ``source`` (columns as in ``staged``).

    ``bad`` is a boolean SQL expression true on lines a row check removes; ``counters``
    maps detection flags to conditions counted over kept lines.
    """
    lvl1 = [*ORDER_LEVEL_CORE, f"{_distinct_lines_sql()} AS proven"]
    lvl2 = [*CUSTOMER_LEVEL_CORE, "count(*) FILTER (WHERE NOT proven) AS n_suspect"]
    flags = "".join(f", ({cond}) IS TRUE AS k{i}" for i, cond in enumerate(counters.values()))
    for i in range(len(counters)):
        lvl1.append(f"count(*) FILTER (WHERE k{i}) AS c{i}")
        lvl2.append(f"sum(c{i}) AS c{i}")
    keep = "".join(f", k{i}" for i in range(len(counters)))
    lines = f"""
        SELECT CASE WHEN _bad THEN NULL ELSE customer_id END AS customer_id,
               CASE WHEN _bad THEN NULL ELSE order_id END AS order_key,
               date, amount, h{keep}
        FROM (SELECT customer_id, order_id, date, amount, _row_hash AS h{flags},
                     coalesce({bad}, FALSE) AS _bad
              FROM {source})"""
    return f"""
        WITH lines AS ({lines}),
        o AS (SELECT {", ".join(lvl1)} FROM lines GROUP BY customer_id, order_key)
        SELECT {", ".join(lvl2)} FROM o GROUP BY customer_id"""


def run_fused(con: duckdb.DuckDBPyConnection, bad: str, counters: dict[str, str]) -> FusedStats:
    """Create table :data:`CORE_TABLE` with the fused pass and return its findings."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CORE_TABLE} AS {fused_core_sql(bad, counters)}")
    sums = "".join(
        f", coalesce(sum(c{i}) FILTER (WHERE customer_id IS NOT NULL), 0)"
        for i in range(len(counters))
    )
    row = con.execute(
        "SELECT count(*) FILTER (WHERE customer_id IS NULL), "
        f"count(*) FILTER (WHERE n_suspect > 0 AND customer_id IS NOT NULL){sums} "
        f"FROM {CORE_TABLE}"
    ).fetchall()[0]
    return FusedStats(
        has_removed=bool(row[0]),
        suspect_customers=int(row[1]),
        good_counts={k: int(v) for k, v in zip(counters, row[2:], strict=True)},
    )


def suspect_scope(
    con: duckdb.DuckDBPyConnection, bad: str, *, with_bad: bool, with_suspects: bool
) -> str | None:
    """The staged lines the exact de-duplication must still look at (``None``: none).

    Removed lines are routed to one group, so their duplicates are not certified; lines of
    customers with a suspect order are the only kept lines that can hold duplicates. The
    few suspect ids are written into the filter as literals, so DuckDB evaluates only the
    customer id of each line before filtering (a join would build every column first).
    """
    conds = []
    if with_bad:
        conds.append(f"coalesce({bad}, FALSE)")
    if with_suspects:
        ids = [
            r[0]
            for r in con.execute(
                f"SELECT customer_id FROM {CORE_TABLE} "
                "WHERE n_suspect > 0 AND customer_id IS NOT NULL ORDER BY customer_id"
            ).fetchall()
        ]
        if len(ids) <= _MAX_LITERAL_IDS:
            conds.append(f"customer_id IN ({', '.join(_sql_str(i) for i in ids)})")
        else:
            conds.append(
                f"customer_id IN (SELECT customer_id FROM {CORE_TABLE} "
                "WHERE n_suspect > 0 AND customer_id IS NOT NULL)"
            )
    if not conds:
        return None
    return f"(SELECT * FROM staged WHERE {' OR '.join(conds)})"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
