"""Table outputs: CSV for spreadsheets (formula-safe) or Parquet, chosen by the suffix.

CSV cells pass the spreadsheet formula guard (:func:`segkit.outputs.cells.safe_frame`);
Parquet outputs are never escaped.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from segkit.atomic import atomic_path
from segkit.outputs.cells import safe_frame


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
