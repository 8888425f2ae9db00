"""Side tables: a customer master or a survey, read whole as text.

Side tables are small (one row per customer), so they are read into pandas, not staged in
DuckDB; every column comes back as text with its ``source_row`` so nothing is coerced, and
the caller converts numbers with explicit rules. Unlike a transaction file, a malformed side
table is an error naming the line: one lost row would be one customer without attributes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from segkit.collect.dialect import match_columns, sniff_delimiter
from segkit.collect.excel import cell_text, read_excel_text
from segkit.collect.files import EXCEL_SUFFIXES, PARQUET_SUFFIXES, expand_paths
from segkit.collect.transcode import decode_text
from segkit.config import ReadOptions
from segkit.errors import InputError


def read_table(
    path: str | Path,
    read: ReadOptions | None = None,
    *,
    id_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a small side table (customer master, survey) as text, with ``source_row``.

    Every column comes back as text so nothing is coerced; numeric columns are converted by
    the caller with explicit rules. Identifier columns keep their leading zeros.
    """
    read = read or ReadOptions()
    files = expand_paths(path)
    if len(files) != 1:
        raise InputError("give exactly one file for a side table", file=str(path), code="GLOB")
    f = files[0]
    suffix = f.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _parquet_text(f)
    if suffix in EXCEL_SUFFIXES:
        frame, _ = read_excel_text(f, read.sheet, header_row=read.header_row)
        return frame.rename(columns={"_row": "source_row"})
    return _delimited_text(f, read)


def _parquet_text(f: Path) -> pd.DataFrame:
    """A Parquet side table, every value written as text (:func:`cell_text`)."""
    try:
        frame = pd.read_parquet(f)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(
            f"not a readable Parquet file: {type(exc).__name__}: {str(exc)[:200]}",
            file=f,
            code="BAD_PARQUET" if f.stat().st_size else "EMPTY_FILE",
        ) from None
    out = frame.astype("object").where(frame.notna(), None)
    out = out.apply(lambda s: s.map(cell_text))
    out.insert(0, "source_row", range(1, len(out) + 1))
    return out


def _delimited_text(f: Path, read: ReadOptions) -> pd.DataFrame:
    """A delimited side table; a record with another number of fields is an error."""
    if f.stat().st_size == 0:
        raise InputError("empty file: 0 data rows", file=f, code="EMPTY_FILE")
    text, encoding = decode_text(f, read.encoding)
    text = text.lstrip("\ufeff")
    dialect_delim = read.delimiter or sniff_delimiter(f, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect_delim)
    rows = list(reader)
    if not rows or len(rows) < 2:
        raise InputError("0 data rows (header only)", file=f, code="EMPTY_FILE")
    header = rows[0]
    match_columns(header, {}, file=f, case_counts=True)  # read by pandas: How ≠ how
    body = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(
                f"expected {len(header)} fields, found {len(row)}",
                file=f,
                row=line_no,
                code="TOO_MANY_COLUMNS" if len(row) > len(header) else "MISSING_COLUMNS",
            )
        body.append([line_no, *[v if v != "" else None for v in row]])
    return pd.DataFrame(body, columns=["source_row", *header], dtype="object").astype(
        {"source_row": "int64"}
    )
