"""Staging: the SQL that turns a source's text columns into segkit's typed role columns.

Ids stay text (``00123`` keeps its zeros); money and dates go through the explicit
:mod:`segkit.collect.parse` macros, with the missing-value markers (T7), the decimal comma
and Excel's 1904 date system applied first; a value no rule accepts becomes NULL beside its
raw text (``raw_<role>``) for the cleaner to quarantine. Each staged line also carries a
whole-row hash of its normalised values (:func:`dedupe_key_sql`), the key exact duplicates
are found by.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from segkit.collect.sql import sql_ident, sql_str
from segkit.config import TRANSACTION_ROLES, ReadOptions
from segkit.errors import InputError


def na_marker_sql(expr: str, markers: Sequence[str], *, trimmed: bool = False) -> str | None:
    """SQL true where text ``expr`` is one of the missing-value ``markers`` (T7), or None
    when there are none. Length-guarded: values longer than every marker (nearly all real
    values) never reach the IN list, which matters on hot paths. ``trimmed``: ``expr`` has
    no surrounding blanks (e.g. a normalised id), so no slack and no ``trim`` are needed.

    Examples
    --------
    >>> na_marker_sql("c", ["", "-", "N/A"])
    "CASE WHEN length(c) <= 11 THEN trim(c) IN ('-', 'N/A') ELSE FALSE END"
    >>> na_marker_sql("id", ["-", "N/A"], trimmed=True)
    "CASE WHEN length(id) <= 3 THEN id IN ('-', 'N/A') ELSE FALSE END"
    """
    texts = [m.strip() for m in markers if m.strip()]
    if not texts:
        return None
    longest = max(len(m) for m in texts) + (0 if trimmed else 8)  # blanks around a marker
    values = ", ".join(sql_str(m) for m in texts)
    value = expr if trimmed else f"trim({expr})"
    return f"CASE WHEN length({expr}) <= {longest} THEN {value} IN ({values}) ELSE FALSE END"


def _na(c: str, read: ReadOptions) -> str:
    """A text column with the explicit missing-value list applied (T7)."""
    test = na_marker_sql(c, read.na_values)
    return c if test is None else f"(CASE WHEN {test} THEN NULL ELSE {c} END)"


#: days between Excel's 1900 and 1904 date systems (1904-01-01 is serial 1462 in 1900)
EXCEL_1904_OFFSET = 1462
#: with ``read.decimal=","``, a value with a point must use it for thousands (1.234,50);
#: ``12.50`` is ambiguous (a decimal point in a decimal-comma file) and is not guessed
DECIMAL_COMMA_POINTS = r"[0-9]{1,3}(\.[0-9]{3})+(,[0-9]*)?"


def _typed_expr(
    role: str,
    col: str,
    dtype: str,
    read: ReadOptions | None = None,
    *,
    date1904: bool = False,
) -> str:
    """SQL that turns a source column into segkit's typed role column.

    ``date1904``: the source is a workbook using Excel's 1904 date system, so a date
    written as a bare serial number counts from 1904-01-01, not 1899-12-30.
    """
    read = read or ReadOptions()
    c = sql_ident(col)
    is_text = dtype.upper() in ("VARCHAR", "BLOB") or dtype.upper().startswith("VARCHAR")
    t = _na(c, read) if is_text else c
    zone = sql_str(read.timezone)
    if role in ("channel", "category"):
        return f"segkit_text({t})"
    if role in ("customer_id", "order_id"):
        if dtype.upper() in ("DOUBLE", "FLOAT", "REAL"):
            return (
                f"CASE WHEN {c} = floor({c}) AND abs({c}) < 9007199254740992 "
                f"THEN CAST(CAST({c} AS HUGEINT) AS VARCHAR) ELSE CAST({c} AS VARCHAR) END"
            )
        return f"segkit_id({c})"  # missing-value markers: see segkit.clean.reasons.no_key_sql
    if role == "date":
        if is_text:  # UTC ('Z') and offset stamps are converted to the configured zone (Ti1)
            return (
                f"CASE WHEN length({c}) > 19 AND ({c} LIKE '%Z' OR "
                f"regexp_matches({c}, '[+-]\\d\\d:?\\d\\d$')) THEN "
                f"CAST(timezone({zone}, TRY_CAST(trim({c}) AS TIMESTAMPTZ)) AS TIMESTAMP) "
                f"ELSE {_ts_1904(t) if date1904 else f'segkit_ts({t})'} END"
            )
        if "TIME ZONE" in dtype.upper():
            return f"timezone({zone}, {c})"
        return f"CAST({c} AS TIMESTAMP)"
    # amount, quantity, unit_price
    if not is_text:
        return f"CAST({c} AS DOUBLE)"
    if read.decimal == ",":  # 1.234,50 → 1234.50; 12.50 → NULL (ambiguous, quarantined)
        digits = f"regexp_replace({t}, '[^0-9.,]', '', 'g')"
        return (
            f"CASE WHEN NOT contains({t}, '.') OR regexp_full_match({digits}, "
            f"'{DECIMAL_COMMA_POINTS}') THEN segkit_amount(replace(replace({t}, '.', ''), "
            "',', '.')) END"
        )
    return f"segkit_amount({t})"


def _ts_1904(t: str) -> str:
    """``segkit_ts`` for a 1904-date workbook: bare serial numbers shifted by 1,462 days."""
    return (
        f"CASE WHEN regexp_full_match(trim({t}), '[0-9]{{5}}(\\.[0-9]+)?') "
        f"THEN segkit_ts(CAST(CAST(trim({t}) AS DOUBLE) + {EXCEL_1904_OFFSET} AS VARCHAR)) "
        f"ELSE segkit_ts({t}) END"
    )


def dedupe_key_sql(roles: Sequence[str]) -> str:
    """The values that make two staged lines the same record: each mapped role's typed
    value, and its raw text only where no value could be read. Exports of one order that
    differ only in blanks (``"C1 "``), number formatting (``50.0``/``50.00``) or date
    writing hash alike (issue 14); unparseable values still compare as text."""
    return ", ".join(
        f"{r}, CASE WHEN {r} IS NULL THEN raw_{r} END" for r in ROLE_ORDER if r in roles
    )


#: the staged table's role columns, in order (the roles a :class:`ColumnMap` can map)
ROLE_ORDER = TRANSACTION_ROLES


def staged_select(
    name: str,
    view: str,
    mapping: dict[str, str],
    types: dict[str, str],
    header: list[str],
    read: ReadOptions | None = None,
    *,
    date1904: bool = False,
) -> str:
    """One source's SELECT: typed role columns, their raw text, and a whole-row hash of
    the normalised values (:func:`dedupe_key_sql`) and the other columns' trimmed text."""
    parts = [f"{sql_str(name)} AS source_file", "_row AS source_row"]
    for role in ROLE_ORDER:
        if role in mapping:
            col = mapping[role]
            typed = _typed_expr(role, col, types[col], read, date1904=date1904)
            parts.append(f"{typed} AS {role}")
            parts.append(f"CAST({sql_ident(col)} AS VARCHAR) AS raw_{role}")
    if "amount" not in mapping:
        qty, price = mapping["quantity"], mapping["unit_price"]
        parts.append(
            f"{_typed_expr('quantity', qty, types[qty], read)} * "
            f"{_typed_expr('unit_price', price, types[price], read)} AS amount"
        )
        parts.append(
            f"CAST({sql_ident(mapping['quantity'])} AS VARCHAR) || ' × ' || "
            f"CAST({sql_ident(mapping['unit_price'])} AS VARCHAR) AS raw_amount"
        )
    others = [h for h in header if h not in set(mapping.values())]
    parts.extend(
        f"trim(CAST({sql_ident(h)} AS VARCHAR)) AS _segkit_x{i}" for i, h in enumerate(others)
    )
    inner = f"SELECT {', '.join(parts)} FROM {view}_v"
    extra = [f"_segkit_x{i}" for i in range(len(others))]
    key = ", ".join([dedupe_key_sql(list(mapping)), *extra])
    drop = f" EXCLUDE ({', '.join(extra)})" if extra else ""
    return f"SELECT *{drop}, hash({key}) AS _row_hash FROM ({inner})"


def refuse_open_quotes(
    con: duckdb.DuckDBPyConnection, view: str, mapping: dict[str, str], file: Path
) -> None:
    """A mapped field that still starts with a quote was never closed (S3): DuckDB then
    reads the quote as text and later fields shift. Refuse the file, naming the line."""
    cols = sorted(set(mapping.values()))
    which = " ".join(f"WHEN starts_with({sql_ident(c)}, '\"') THEN {sql_str(c)}" for c in cols)
    found = con.execute(
        f"SELECT _row, CASE {which} END AS col FROM {view} WHERE CASE {which} END IS NOT NULL "
        "ORDER BY _row LIMIT 1"
    ).fetchall()
    if found:
        row, col = found[0]
        raise InputError(
            "a field opens a quote that is never closed (unterminated quote or an embedded "
            "line break): fix the export, or quote the field",
            file=file,
            row=int(row),
            column=str(col),
            code="BAD_QUOTING",
        )
