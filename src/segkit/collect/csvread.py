"""CSV reading: one delimited (or whitespace-separated) text file into a DuckDB table.

DuckDB's reader (strict mode, every column as text) reads the file, or its UTF-8 copy
(:mod:`segkit.collect.transcode`); records it rejects become quarantine rows with the
file's own line numbers (:func:`segkit.collect.quarantine.reader_rejects`). Nothing here
interprets a value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from segkit.collect.dialect import first_record, match_columns, sniff_delimiter
from segkit.collect.encoding import Decoding, plan_decoding
from segkit.collect.files import FileScan
from segkit.collect.quarantine import bad_line_rows, reader_rejects
from segkit.collect.sql import sql_ident, sql_str
from segkit.collect.transcode import (
    BAD_LINE_SENTINEL,
    cut_long_lines,
    line_endings,
    write_utf8,
)
from segkit.config import ReadOptions
from segkit.errors import InputError


@contextlib.contextmanager
def _in_file_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Keep the file's record order while a table is created from it (:func:`_numbered`),
    even on a caller's connection set to ``preserve_insertion_order = false``."""
    kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    if kept:
        yield
        return
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = false")


def _columns(header: list[str]) -> str:
    return ", ".join(sql_ident(h) for h in header)


def _numbered(con: duckdb.DuckDBPyConnection, table: str, header: list[str]) -> str:
    """SQL for a record's ordinal (1, 2, …) in ``table``, just created from one file.

    A table created by one ``CREATE TABLE AS`` (insertion order preserved, no deletes) holds
    its rows in the file's order, so the ``rowid`` pseudo-column is the record's position
    (DuckDB documents it as the materialised stand-in for ``row_number() OVER ()``, "Order
    preservation"). Numbering while reading instead, with ``row_number() OVER ()``, doubled
    the time to read a 10M-line CSV (3.3 s against 1.7 s). A file with its own column named
    ``rowid`` hides the pseudo-column: then the table is numbered explicitly.
    """
    if not any(h.lower() == "rowid" for h in header):
        return f"({table}.rowid + 1)"  # qualified: the subquery over _shift has a rowid too
    with _in_file_order(con):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS "
            f"SELECT row_number() OVER () AS _segkit_ord, * FROM {table}"
        )
    return f"{table}._segkit_ord"


def _csv_unreadable(path: Path, exc: Exception) -> InputError:
    """The error for a CSV that DuckDB cannot parse, before or after the repaired copy."""
    return InputError(
        f"cannot parse as CSV (unterminated quote or mixed dialect?): {str(exc)[:300]}",
        file=path,
        code="CSV_UNREADABLE",
    )


def read_csv_records(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    read: ReadOptions,
    work: Path,
    view: str,
    *,
    scan: FileScan | None = None,
) -> tuple[list[str], pd.DataFrame, dict[str, Any]]:
    """Create view ``view`` (raw text columns + ``_row``); return header, rejects, info.

    The file is decoded line by line (:func:`segkit.collect.encoding.plan_decoding`);
    unless it is plain UTF-8 it is first written as UTF-8 to ``work`` (the input is never
    modified), with each line that is not in the file's encoding replaced by a sentinel the
    reader rejects, then reported as ``MIXED_ENCODING`` / ``INVALID_ENCODING`` with its
    line number.
    """
    if path.stat().st_size == 0:
        raise InputError("empty file: 0 data rows", file=path, code="EMPTY_FILE")
    decoding = plan_decoding(path, read.encoding, scan=scan)
    src = path
    if decoding.needs_copy:
        src = work / (view + ".utf8.csv")
        write_utf8(path, src, decoding)
    info: dict[str, Any] = {"encoding": decoding.encoding}
    if read.delimiter == "whitespace":
        header, rej = _read_whitespace(con, path, src, read, view, decoding)
        info["delimiter"] = "whitespace"
        return header, rej, info
    delim = sniff_delimiter(src, "utf-8", file=path) if read.delimiter is None else read.delimiter
    info["delimiter"] = delim
    info.update(_load_delimited(con, path, src, read, work, view, delim))
    header = list(con.table(view).columns)
    ordinal = _numbered(con, view, header)
    raw_header = first_record(src, "utf-8", delim) if read.header else []
    if raw_header and len(raw_header) == len(header):
        match_columns(raw_header, {}, file=path)  # duplicates DuckDB would rename
    rej = _number_records(con, view, header, ordinal, reader_rejects(con, decoding), read, decoding)
    return header, rej, info


def _read_whitespace(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    src: Path,
    read: ReadOptions,
    view: str,
    decoding: Decoding,
) -> tuple[list[str], pd.DataFrame]:
    """Fields separated by runs of blanks: each line split in SQL; lines with another
    number of fields than the header are rejected."""
    lines = (
        f"SELECT line FROM read_csv({sql_str(str(src))}, "
        "columns={'line': 'VARCHAR'}, delim='\\x1e', quote='', escape='', header=false, "
        "auto_detect=false, encoding='utf-8')"
    )
    with _in_file_order(con):
        con.execute(f"CREATE TEMP TABLE {view}_text AS {lines}")
    # the line number is the row's position in the table (see _numbered)
    con.execute(
        f"CREATE TEMP VIEW {view}_lines AS SELECT rowid + 1 AS _line, line FROM {view}_text"
    )
    got = con.execute(f"SELECT line FROM {view}_lines WHERE _line = 1").fetchall()
    first = got[0] if got else None
    if first is None:
        raise InputError("empty file: 0 data rows", file=path, code="EMPTY_FILE")
    header = first[0].split() if read.header else []
    width = len(header) if read.header else None
    if width is None:
        width = len(first[0].split())
        header = [f"column{i}" for i in range(width)]
    start = 2 if read.header else 1
    parts = "regexp_split_to_array(trim(line), '\\s+')"
    cols = ", ".join(f"{parts}[{i + 1}] AS {sql_ident(h)}" for i, h in enumerate(header))
    usable = (
        f"_line >= {start} AND trim(line) <> '' "
        f"AND NOT starts_with(line, {sql_str(BAD_LINE_SENTINEL)})"
    )
    con.execute(
        f"CREATE TEMP VIEW {view} AS SELECT _line AS _row, {cols} FROM {view}_lines "
        f"WHERE {usable} AND len({parts}) = {width}"
    )
    rej = con.sql(
        f"SELECT _line AS source_row, line AS raw_value, len({parts}) AS n FROM {view}_lines "
        f"WHERE {usable} AND len({parts}) <> {width}"
    ).df()
    rej["reason_code"] = ["TOO_MANY_COLUMNS" if n > width else "MISSING_COLUMNS" for n in rej.n]
    rej["column"] = None
    rej["detail"] = [f"expected {width} fields, found {n}" for n in rej.n]
    rej = rej.drop(columns="n")
    if decoding.bad:
        rej = pd.concat([rej, bad_line_rows(decoding)], ignore_index=True)
        rej = rej.sort_values("source_row", kind="stable").reset_index(drop=True)
    return header, rej


def _load_delimited(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    src: Path,
    read: ReadOptions,
    work: Path,
    view: str,
    delim: str,
) -> dict[str, str | None]:
    """Create table ``view`` from a delimited file with DuckDB's strict reader, rejects in
    ``reject_errors``. A file refused for a line over the limit or mixed line ends is read
    again from a repaired copy. Returns ``{"line_endings": note}`` for a repaired copy."""
    opts = [
        "all_varchar=true",
        "store_rejects=true",
        f"header={'true' if read.header else 'false'}",
        "encoding='utf-8'",
        "strict_mode=true",
    ]
    if delim:
        opts.append(f"delim={sql_str(delim)}")
    create = f"CREATE TEMP TABLE {view} AS SELECT * FROM read_csv"
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    try:
        with _in_file_order(con):
            con.execute(f"{create}({sql_str(str(src))}, {', '.join(opts)})")
        return {}
    except duckdb.Error as exc:
        long, mixed = line_endings(src)
        if not (long or mixed):
            raise _csv_unreadable(path, exc) from None
    # repair a copy: lines too long become sentinels (Sc4), CRLF line ends become LF
    short = work / (view + ".short.csv")
    cut_long_lines(src, short)
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    try:
        with _in_file_order(con):
            con.execute(f"{create}({sql_str(str(short))}, {', '.join(opts)})")
    except duckdb.Error as exc2:
        raise _csv_unreadable(path, exc2) from None
    return {"line_endings": "mixed CRLF/LF, read as LF" if mixed else None}


def _number_records(
    con: duckdb.DuckDBPyConnection,
    view: str,
    header: list[str],
    ordinal: str,
    rej: pd.DataFrame,
    read: ReadOptions,
    decoding: Decoding,
) -> pd.DataFrame:
    """Create view ``{view}_v``: the good records with their file line number in ``_row``
    (header + ordinal + rejected lines before it). Returns the rejects, sorted by line."""
    first_data_line = 2 if read.header else 1
    bad_lines = sorted(int(x) for x in rej["source_row"].dropna())
    thresholds = [line - first_data_line - k + 1 for k, line in enumerate(bad_lines)]
    con.execute(f"CREATE TEMP TABLE {view}_shift(t BIGINT)")
    if thresholds:
        con.executemany(f"INSERT INTO {view}_shift VALUES (?)", [[t] for t in thresholds])
    row_sql = (
        f"{first_data_line - 1} + {ordinal} + "
        f"(SELECT count(*) FROM {view}_shift s WHERE s.t <= {ordinal})"
        if thresholds
        else f"{first_data_line - 1} + {ordinal}"
    )
    where = ""
    if decoding.bad and len(header) == 1:  # a one-field sentinel line was read as a record
        first_col = sql_ident(header[0])
        where = (
            f" WHERE NOT coalesce(starts_with({first_col}, {sql_str(BAD_LINE_SENTINEL)}), false)"
        )
        accepted = sorted(set(decoding.bad) - set(bad_lines))
        if accepted:
            rej = pd.concat([rej, bad_line_rows(decoding, accepted)], ignore_index=True)
    con.execute(
        f"CREATE TEMP VIEW {view}_v AS SELECT {row_sql} AS _row, {_columns(header)} "
        f"FROM {view}{where}"
    )
    rej = rej.sort_values("source_row", kind="stable").reset_index(drop=True)
    rej["source_row"] = rej["source_row"].astype("int64")
    return rej
