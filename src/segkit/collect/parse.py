"""Explicit parsers for money, dates and identifiers, as DuckDB SQL macros.

Client exports write money as ``¥1,234.50``, ``1234.5元``, ``(56.00)`` or ``１２３``, and dates
as ``2023年9月28日``, ``2023/09/28 14:05`` or Excel serial numbers. pandas' ``to_numeric`` and
``to_datetime`` either fail or, with ``errors="coerce"``, turn them silently into NaN. segkit
parses them with explicit rules, written once as SQL macros so that the same rules run on a
10-row test and a 100M-row file; a value that no rule accepts comes back NULL and the caller
quarantines it with its raw text.

Rules
-----
``segkit_amount(text) -> DOUBLE``
    full-width digits and signs are folded to ASCII; ``¥ ￥ 元 RMB CNY 人民币`` and blanks are
    removed; thousands separators are accepted only in groups of three (``1,234,567.8``);
    ``(12.50)`` and a trailing ``-`` mean negative; ``万``/``亿`` multiply by 10⁴/10⁸;
    anything else (other currencies, decimal commas, text) gives NULL, and so does a number
    beyond the range of a double (``1e309`` would be infinite).
``segkit_ts(text) -> TIMESTAMP``
    ISO ``2023-09-28[ 14:05[:00[.ffffff]]]`` (also with ``T``), ``2023/9/28``, ``2023.9.28``,
    ``2023年9月28日[ 14:05]``, compact ``20230928``, and Excel serial day numbers between
    20000 and 80000 (origin 1899-12-30, as Excel's 1900 date system). Text without a digit
    is never a date (DuckDB's ``strptime`` would read ``epoch`` and ``infinity``). Day-first
    or month-first forms (``28/09/2023``) are read only in the order the connection was set
    up with.
``segkit_id(text) -> VARCHAR``
    identifiers stay text: trimmed, NFKC-like folding of full-width digits and letters,
    zero-width characters removed; ``''`` becomes NULL. Leading zeros are kept.

Examples
--------
>>> parse_amounts(["¥1,234.50", "(56.00)", "１２３", "1.2万", "US$5", "1,2,3"])
[1234.5, -56.0, 123.0, 12000.0, None, None]
>>> [str(t) for t in parse_dates(["2023年9月28日", "45197", "20230928"])]
['2023-09-28 00:00:00', '2023-09-28 00:00:00', '2023-09-28 00:00:00']
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import duckdb
import pandas as pd

_FULL = "０１２３４５６７８９．，－＋（）￥　：／"
_HALF = "0123456789.,-+()¥ :/"
_LETTERS_FULL = "".join(chr(c) for c in range(0xFF21, 0xFF3B)) + "".join(
    chr(c) for c in range(0xFF41, 0xFF5B)
)
_LETTERS_HALF = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"

_DATE_ORDERS = {
    "YMD": [],
    "DMY": ["%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y"],
    "MDY": ["%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%m-%d-%Y"],
}
_ISO = [
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d",
]

#: A date written with the day or month first (03/04/2023): ambiguous without a date order.
AMBIGUOUS_DATE_PATTERN = r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}"


def _sql_list(items: Sequence[str]) -> str:
    return "[" + ", ".join("'" + s.replace("'", "''") + "'" for s in items) + "]"


#: what Python's ``str.strip()`` strips (ASCII blanks and controls 28-31, no-break,
#: ideographic and the other Unicode spaces), as a DuckDB expression for ``trim``
_BLANKS = " || ".join(f"chr({c})" for c in range(0x3001) if chr(c).isspace())


def macro_sql(date_order: str = "YMD") -> list[str]:
    """The ``CREATE MACRO`` statements, for a connection using ``date_order``."""
    if date_order not in _DATE_ORDERS:
        raise ValueError(f"date_order must be one of {sorted(_DATE_ORDERS)}, not {date_order!r}")
    formats = _sql_list(_ISO + _DATE_ORDERS[date_order])
    return [
        # fold full-width forms, drop zero-width characters
        # ASCII text (strlen = byte length equals length = characters) needs no folding;
        # translate() is slow, so only the rare non-ASCII values pay for it.
        f"""CREATE OR REPLACE MACRO segkit_fold(s) AS
            CASE WHEN strlen(CAST(s AS VARCHAR)) = length(CAST(s AS VARCHAR))
                 THEN CAST(s AS VARCHAR)
                 ELSE translate(translate(CAST(s AS VARCHAR), '{_FULL}{_LETTERS_FULL}',
                                '{_HALF}{_LETTERS_HALF}'), '{_ZERO_WIDTH}', '') END""",
        f"""CREATE OR REPLACE MACRO segkit_text(s) AS
            nullif(trim(CAST(s AS VARCHAR), {_BLANKS}), '')""",
        # fast path: plain ASCII that neither starts nor ends with a blank or control
        # character is already an id
        f"""CREATE OR REPLACE MACRO segkit_id(s) AS
            CASE WHEN strlen(s) = length(s) AND left(s, 1) > ' ' AND right(s, 1) > ' ' THEN s
                 ELSE nullif(trim(segkit_fold(s), {_BLANKS}), '') END""",
        # A value is bound once with a one-element list and a lambda (no per-row subquery).
        # step 1: fold, drop currency marks and blanks; parentheses / trailing minus → '-'
        r"""CREATE OR REPLACE MACRO segkit_amount_text(s) AS list_transform(
            [regexp_replace(regexp_replace(segkit_fold(s), '(RMB|CNY|人民币|¥|元)', '', 'gi'),
                            '\s+', '', 'g')],
            lambda v: CASE
                WHEN regexp_full_match(v, '\(([^()]*)\)') THEN '-' || trim(v, '()')
                WHEN regexp_full_match(v, '[0-9.,]+-') THEN '-' || rtrim(v, '-')
                ELSE v END)[1]""",
        # step 2: thousands separators (only groups of three), 万 / 亿, then a strict number
        r"""CREATE OR REPLACE MACRO segkit_amount_general(s) AS list_transform(
            [segkit_amount_text(s)],
            lambda v: CASE
                WHEN regexp_full_match(v, '[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?[万亿]?')
                    THEN replace(v, ',', '')
                ELSE v END)
            .list_transform(lambda u: CASE
                WHEN regexp_full_match(rtrim(u, '万亿'),
                                       '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
                    THEN CAST(rtrim(u, '万亿') AS DOUBLE)
                         * CASE WHEN u LIKE '%万' THEN 10000.0
                                WHEN u LIKE '%亿' THEN 100000000.0 ELSE 1.0 END
                ELSE NULL END)
            .list_transform(lambda x: CASE WHEN isfinite(x) THEN x END)[1]""",
        # plain numbers (the common case) skip the general rules
        r"""CREATE OR REPLACE MACRO segkit_amount(s) AS
            CASE WHEN regexp_full_match(CAST(s AS VARCHAR), '-?[0-9]{1,15}(\.[0-9]{1,6})?')
                 THEN CAST(CAST(s AS VARCHAR) AS DOUBLE)
                 ELSE segkit_amount_general(s) END""",
        # dates: Chinese and slash forms normalised to '-', then an explicit format list
        r"""CREATE OR REPLACE MACRO segkit_date_text(s) AS
            regexp_replace(
              regexp_replace(
                regexp_replace(
                  regexp_replace(trim(segkit_fold(s)),
                                 '^([0-9]{1,4})\.([0-9]{1,2})\.([0-9]{1,4})', '\1-\2-\3'),
                  '([0-9])[年月/]([0-9])', '\1-\2', 'g'),
                '([0-9])[年月/]([0-9])', '\1-\2', 'g'),
              '日|号', '', 'g')""",
        # general rules; the value is bound once with a one-element list (no subquery)
        f"""CREATE OR REPLACE MACRO segkit_ts_general(s) AS list_transform(
            [trim(segkit_fold(s))],
            lambda raw: CASE
                WHEN regexp_full_match(raw, '[0-9]{{5}}(\\.[0-9]+)?')
                     AND TRY_CAST(raw AS DOUBLE) BETWEEN 20000 AND 80000
                    THEN TIMESTAMP '1899-12-30'
                         + to_microseconds(CAST(round(CAST(raw AS DOUBLE) * 86400e6) AS BIGINT))
                -- strptime also accepts the words 'epoch' and 'infinity': a date has digits
                WHEN NOT regexp_matches(raw, '[0-9]') THEN NULL
                ELSE try_strptime(replace(segkit_date_text(raw), 'T', ' '), {formats})
            END)
            .list_transform(lambda t: CASE WHEN isfinite(t) THEN t END)[1]""",
        # fast path: plain ISO timestamps (the common case) are cast directly
        r"""CREATE OR REPLACE MACRO segkit_ts(s) AS CASE
            WHEN regexp_full_match(CAST(s AS VARCHAR),
                 '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?')
                THEN TRY_CAST(replace(CAST(s AS VARCHAR), 'T', ' ') AS TIMESTAMP)
            ELSE segkit_ts_general(s) END""",
    ]


def register_macros(con: duckdb.DuckDBPyConnection, *, date_order: str = "YMD") -> None:
    """Create segkit's parsing macros on ``con``."""
    for stmt in macro_sql(date_order):
        con.execute(stmt)


@functools.lru_cache(maxsize=4)
def _connection(date_order: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    register_macros(con, date_order=date_order)
    return con


def _run(values: Sequence[object], expr: str, date_order: str = "YMD") -> pd.Series:
    con = _connection(date_order).cursor()
    frame = pd.DataFrame(
        {"i": range(len(values)), "v": pd.Series(list(values), dtype="object").astype("str")}
    )
    frame.loc[pd.Series(list(values), dtype="object").isna().to_numpy(), "v"] = None
    con.register("vals", frame)
    out = con.sql(f"SELECT {expr} AS r FROM vals ORDER BY i").df()["r"]
    con.close()
    return out


def parse_amounts(values: Sequence[object]) -> list[float | None]:
    """Parse money texts with the ``segkit_amount`` rules; unparseable → ``None``."""
    out = _run(values, "segkit_amount(v)")
    return [None if pd.isna(x) else float(x) for x in out]


def parse_dates(values: Sequence[object], *, date_order: str = "YMD") -> list[pd.Timestamp | None]:
    """Parse date texts with the ``segkit_ts`` rules; unparseable → ``None``."""
    out = _run(values, "segkit_ts(v)", date_order)
    return [None if pd.isna(x) else pd.Timestamp(x) for x in out]
