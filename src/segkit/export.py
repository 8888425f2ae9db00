"""Safe exports: no spreadsheet formula can come out of a data value.

Spreadsheets evaluate text cells that start with ``= + - @`` or a tab / carriage return
(OWASP: CSV injection). pandas writes such strings verbatim. :func:`safe_frame` prefixes
them with ``'`` — text cells only; real numbers, negative ones included, stay numbers.

Examples
--------
>>> import pandas as pd
>>> safe_frame(pd.DataFrame({"name": ["=HYPERLINK(1)", "张三"], "x": [-1.5, 2.0]})).to_dict("list")
{'name': ["'=HYPERLINK(1)", '张三'], 'x': [-1.5, 2.0]}
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from segkit.atomic import atomic_path

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _escape(value: object) -> object:
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell that a spreadsheet would execute escaped."""
    out = frame.copy()
    out.columns = [_escape(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_escape, na_action="ignore")
    return out


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (UTF-8 with BOM, so Excel shows Chinese) or Parquet, by suffix.

    CSV cells are escaped with :func:`safe_frame`; Parquet keeps the values as they are
    (it is not opened by spreadsheets). Refuses to overwrite an existing file (or to write
    through a symbolic link); the file appears whole or not at all
    (:func:`segkit.atomic.atomic_path`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"unsupported output type {path.suffix!r}: use .csv or .parquet")
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            # Quote every text cell: pandas leaves a bare carriage return unquoted otherwise.
            safe_frame(frame).to_csv(
                tmp, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC
            )
    return path
