"""Checks on the kept lines: cancellations matched to the purchases they cancel, and
outlying amounts (flagged or winsorised).

Examples
--------
>>> _num_text(float("inf")), _num_text(1234.5678)
('inf', '1234.57')
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd


def _sql_double(x: float) -> str:
    """A float as a SQL literal that is valid for every value, ``inf`` and ``nan`` included
    (``repr`` pasted bare turns ``inf`` into a column name)."""
    return f"CAST('{float(x)!r}' AS DOUBLE)"


def match_cancellations(con: duckdb.DuckDBPyConnection, source: str, prefix: str) -> pd.DataFrame:
    """Pair each cancellation line with the purchase line it cancels; both are removed.

    Rule: within one customer, a cancellation line (order id starting with ``prefix``,
    amount −a) cancels a purchase line of exactly +a (to the cent) that is not a
    cancellation; lines of the same customer and amount are paired one-to-one, the most
    recent cancellation with the most recent purchase, and so on; a pair whose purchase is
    dated after its cancellation is not a pair. Unpaired cancellation lines (a partial
    cancellation, or one whose purchase is before the data) stay and net as negative amounts.

    Returns quarantine rows (``CANCELLED`` for the cancellation line, ``CANCELLED_PURCHASE``
    for the purchase, each naming the other's row in ``detail``) plus ``customer_id``.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES "
    ...     "('f', 2, '1', 'A1', 'A1', TIMESTAMP '2024-01-01', 5.0), "
    ...     "('f', 3, '1', 'C1', 'C1', TIMESTAMP '2024-01-02', -5.0), "
    ...     "('f', 4, '1', 'C2', 'C2', TIMESTAMP '2024-01-02', -3.0)) "
    ...     "AS t(source_file, source_row, customer_id, order_id, raw_order_id, date, amount)")
    >>> pairs = match_cancellations(con, "t", "C")
    >>> pairs[["source_row", "reason_code"]].values.tolist()
    [[3, 'CANCELLED'], [2, 'CANCELLED_PURCHASE']]
    >>> pairs["detail"].tolist()
    ['cancels the purchase at row 2', 'cancelled by row 3']
    """
    lit = "'" + prefix.replace("'", "''") + "'"
    return con.sql(
        f"""WITH k AS (
                SELECT source_file, source_row, customer_id, order_id, raw_order_id, date,
                       round(amount, 2) AS cents, starts_with(order_id, {lit}) AS is_c
                FROM {source} WHERE customer_id IS NOT NULL AND amount IS NOT NULL),
            c AS (
                SELECT *, row_number() OVER (PARTITION BY customer_id, -cents
                                             ORDER BY date DESC, source_file, source_row) AS rk
                FROM k WHERE is_c AND cents < 0),
            p AS (
                SELECT *, row_number() OVER (PARTITION BY customer_id, cents
                                             ORDER BY date DESC, source_file, source_row) AS rk
                FROM k SEMI JOIN (SELECT DISTINCT customer_id FROM c) USING (customer_id)
                WHERE NOT is_c AND cents > 0),
            pairs AS (
                SELECT c.customer_id, c.source_file AS c_file, c.source_row AS c_row,
                       c.raw_order_id AS c_raw, p.source_file AS p_file,
                       p.source_row AS p_row, p.raw_order_id AS p_raw
                FROM c JOIN p ON c.customer_id = p.customer_id AND -c.cents = p.cents
                                 AND c.rk = p.rk
                WHERE p.date <= c.date)
        SELECT * FROM (
            SELECT c_file AS source_file, c_row AS source_row, 'order_id' AS "column",
                   'CANCELLED' AS reason_code, c_raw AS raw_value, 'removed' AS action,
                   'cancels the purchase at row ' || p_row AS detail, customer_id
            FROM pairs
            UNION ALL
            SELECT p_file, p_row, 'order_id', 'CANCELLED_PURCHASE', p_raw, 'removed',
                   'cancelled by row ' || c_row, customer_id
            FROM pairs)
        ORDER BY reason_code, source_file, source_row"""
    ).df()


def _num_text(value: float) -> str:
    """A finite float as short text for messages (``inf`` spelled out, never pasted as SQL)."""
    return f"{value:.6g}" if np.isfinite(value) else str(value)


#: the 5–95 % range of a normal sample is 2.44 times its inter-quartile range
_RANGE_90_PER_IQR = 2 * 1.6448536269514722 / 1.3489795003921634


def outlier_fences(con: Any, policy: Any) -> tuple[float, float, str] | None:
    """(lower, upper, rule in words) for the positive amounts of ``clean_tx``, or None.

    ``log_tukey``: Tukey's fences on ln(amount), exp(Q1 − k·IQR) and exp(Q3 + k·IQR). When
    half the amounts are equal (IQR 0) the spread is the 5–95 % range / 2.44 (the ratio of a
    normal sample), and when 90 % are equal a factor of 10 either side of the median. On
    log-normal amounts k = 3 flags about one line in a million; on 7 ordinary amounts none.
    ``quantile``: the ``outlier_fences`` quantiles of the amounts.
    """
    if policy.outlier_rule == "quantile":
        lo_q, hi_q = policy.outlier_fences
        row = con.execute(
            "SELECT quantile_cont(amount, $lo), quantile_cont(amount, $hi) "
            "FROM clean_tx WHERE amount > 0",
            {"lo": float(lo_q), "hi": float(hi_q)},
        ).fetchall()[0]
        if row[0] is None:
            return None
        return float(row[0]), float(row[1]), f"{lo_q:g}–{hi_q:g} quantile fences"
    row = con.execute(
        "SELECT quantile_cont(ln(amount), [0.05, 0.25, 0.5, 0.75, 0.95]) "
        "FROM clean_tx WHERE amount > 0 AND isfinite(amount)"
    ).fetchall()[0][0]
    if row is None:
        return None
    p05, q1, med, q3, p95 = (float(v) for v in row)
    k = float(policy.outlier_k)
    iqr = q3 - q1
    if iqr > 0:
        lo, hi, how = q1 - k * iqr, q3 + k * iqr, ""
    elif p95 > p05:
        spread = (p95 - p05) / _RANGE_90_PER_IQR
        lo, hi, how = q1 - k * spread, q3 + k * spread, ", IQR 0: 5–95 % range / 2.44"
    else:
        lo, hi, how = med - np.log(10.0), med + np.log(10.0), ", 90 % equal: ×/÷ 10 of the median"
    rule = f"Tukey fences on the log scale (k = {k:g}{how})"
    return float(np.exp(lo)), float(np.exp(hi)), rule


def outlier_rows(
    con: duckdb.DuckDBPyConnection, policy: Any
) -> tuple[pd.DataFrame, str | None] | None:
    """Quarantine rows for the kept positive amounts of ``clean_tx`` outside
    :func:`outlier_fences` (``OUTLIER_HIGH`` / ``OUTLIER_LOW``; action ``changed`` when
    winsorised, else ``flagged``), and the SQL of the winsorised amount (None: flagged only).
    None when ``policy.outliers`` is ``none`` or there is no positive amount.
    """
    if policy.outliers == "none":
        return None
    fences = outlier_fences(con, policy)
    if fences is None:
        return None
    lo, hi, rule = fences
    action = "changed" if policy.outliers == "winsorise" else "flagged"
    detail = f"outside the {rule} [{_num_text(lo)}, {_num_text(hi)}]"
    out = con.execute(
        """SELECT source_file, source_row, 'amount' AS "column",
            CASE WHEN amount > $hi THEN 'OUTLIER_HIGH' ELSE 'OUTLIER_LOW' END AS reason_code,
            CAST(amount AS VARCHAR) AS raw_value, $action AS action, $detail AS detail
        FROM clean_tx WHERE amount > 0 AND (amount > $hi OR amount < $lo)""",
        {"lo": lo, "hi": hi, "action": action, "detail": detail},
    ).df()
    if policy.outliers != "winsorise":
        return out, None
    lo_sql, hi_sql = _sql_double(lo), _sql_double(hi)  # a view takes no parameters
    return out, (
        f"CASE WHEN amount > 0 THEN least(greatest(amount, {lo_sql}), {hi_sql}) ELSE amount END"
    )
