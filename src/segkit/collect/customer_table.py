"""A customer table (one row per customer) read with segkit's readers, its numbers typed.

``segkit segment`` reads a CRM export, a segkit profile or any other table with one row per
customer. Parquet is read as stored; CSV, TXT and Excel go through
:func:`segkit.collect.side_tables.read_table`, so the encoding is detected as
``segkit profile`` detects it (UTF-8, GB18030, Big5, UTF-16) and a malformed line is an
error naming the line. Every column then gets one explicit typing rule
(:func:`typed_columns`): a column is numeric when every non-missing cell is a number
(``1 234``, ``1,234.5``, ``¥88`` included, by segkit's amount rules) and none is written
with a leading zero (``007`` is a code, not seven); the texts of
:attr:`segkit.config.ReadOptions.na_values` are missing; other columns stay text.

Examples
--------
>>> frame = pd.DataFrame({"source_row": [2, 3], "id": ["007", "008"],
...                       "spend": ["1,200", "¥35"], "city": ["沪", "京"], "n": ["0.5", "1"]})
>>> typed = typed_columns(frame, file="t.csv")
>>> typed["spend"].tolist(), typed["id"].tolist(), typed["n"].tolist()
([1200.0, 35.0], ['007', '008'], [0.5, 1.0])
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segkit.collect.files import PARQUET_SUFFIXES
from segkit.collect.parse import parse_amounts
from segkit.collect.side_tables import read_table
from segkit.config import ReadOptions
from segkit.config.data import NA_VALUES
from segkit.errors import InputError

__all__ = ["read_customer_table", "typed_columns"]

#: a column where more than this share of the non-missing cells are numbers, but not all, is
#: a numeric column with bad cells: an error naming the first bad row, not a text column
MOSTLY_NUMERIC = 0.5


def read_customer_table(
    path: str | Path, read: ReadOptions | None = None, *, id_column: str | None = None
) -> pd.DataFrame:
    """One row per customer, with ``source_row`` (the file's line or row number).

    Parameters
    ----------
    path : path
        ``.parquet`` (typed as stored), or CSV/TXT/Excel read as text and typed with
        :func:`typed_columns`.
    read : ReadOptions, optional
        Encoding (default ``auto``), delimiter, sheet.
    id_column : str, optional
        Kept as text (leading zeros survive).

    Raises
    ------
    InputError
        ``UNREADABLE`` (a broken Parquet file), the reader's codes (``EMPTY_FILE``,
        ``TOO_MANY_COLUMNS`` … with the line) and ``NOT_NUMERIC`` (a numeric column with a
        cell that is not a number, naming its row and column).
    """
    f = Path(path)
    if f.suffix.lower() in PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(f)
        except Exception as exc:  # pyarrow raises several types for a broken file
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise InputError(
                f"not a readable Parquet file ({first or type(exc).__name__})",
                file=f,
                code="UNREADABLE",
            ) from None
        frame = frame.reset_index(drop=True)
        frame.insert(0, "source_row", range(1, len(frame) + 1))
        return frame
    read = read or ReadOptions()
    from segkit.outputs.cells import unescape_frame  # segkit's own CSVs keep a guard

    text = unescape_frame(read_table(f, read))
    keep = (id_column,) if id_column else ()
    return typed_columns(text, file=f, na_values=read.na_values, text_columns=keep)


def typed_columns(
    frame: pd.DataFrame,
    *,
    file: str | Path | None = None,
    na_values: tuple[str, ...] = NA_VALUES,
    text_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Numbers where a column holds only numbers; ``na_values`` texts become missing.

    A column whose non-missing cells are more than :data:`MOSTLY_NUMERIC` numbers but not all
    is refused (``NOT_NUMERIC``), naming the first bad cell's ``source_row`` and column; the
    value itself is never quoted (it may be personal data).
    """
    out = frame.copy()
    missing = set(na_values)
    for col in out.columns:
        if col == "source_row" or col in text_columns:
            continue
        cells = out[col].map(lambda v: None if v is None or str(v).strip() in missing else v)
        present = cells.notna()
        if not present.any():
            out[col] = pd.to_numeric(cells, errors="coerce")
            continue
        stripped = cells.map(lambda v: v if v is None else str(v).strip())
        if stripped.str.match(r"0\d").fillna(False).any():  # zero-padded: a code
            continue
        numbers = pd.to_numeric(stripped, errors="coerce")
        if (failed := present & numbers.isna()).any():  # 1,234 / ¥88: segkit's amount rules
            parsed = parse_amounts(list(cells[failed]))
            numbers.loc[failed] = pd.Series(parsed, index=cells[failed].index, dtype=float)
        bad = present & numbers.isna()
        if not bad.any():
            out[col] = numbers.astype(float)
        elif 1 - bad.sum() / present.sum() > MOSTLY_NUMERIC:
            rows = out["source_row"] if "source_row" in out else pd.Series(out.index + 1)
            raise InputError(
                f"{int(bad.sum())} of {int(present.sum())} cells are not numbers in a column "
                "of numbers; the first is shown by its row (fix it, or leave the column out "
                "with --features)",
                file=file,
                row=int(rows[bad].iloc[0]),
                column=str(col),
                code="NOT_NUMERIC",
            )
        else:
            out[col] = cells
    return out
