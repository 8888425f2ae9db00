"""The quarantine: one table layout for every record a step sets aside.

Each set-aside record keeps its file, line (or sheet row), column, reason code, raw text,
action (``removed`` or ``flagged``) and why (:data:`QUARANTINE_COLUMNS`). Here the reader's
rows are made: the lines the decoder set aside (:func:`bad_line_rows`) and DuckDB's
``reject_errors`` in segkit's reason codes (:func:`reader_rejects`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from segkit.collect.encoding import Decoding
from segkit.collect.transcode import BAD_LINE_SENTINEL, LONG_LINE_SENTINEL, MAX_LINE_BYTES

#: Columns of the quarantine table, the same for every step.
QUARANTINE_COLUMNS = [
    "source_file",
    "source_row",
    "column",
    "reason_code",
    "raw_value",
    "action",
    "detail",
]

#: DuckDB's CSV error types → segkit's reason codes (others: blanks as underscores)
READER_CODES = {
    "TOO MANY COLUMNS": "TOO_MANY_COLUMNS",
    "MISSING COLUMNS": "MISSING_COLUMNS",
    "INVALID ENCODING": "INVALID_ENCODING",
    "INVALID UNICODE": "INVALID_ENCODING",
    "LINE SIZE OVER MAXIMUM": "LINE_TOO_LONG",
    "UNQUOTED VALUE": "BAD_QUOTING",
}


def bad_line_rows(decoding: Decoding, lines: list[int] | None = None) -> pd.DataFrame:
    """Quarantine rows (reader layout) for the lines the decoder set aside."""
    chosen = sorted(decoding.bad) if lines is None else lines
    return pd.DataFrame(
        {
            "source_row": chosen,
            "column": [None] * len(chosen),
            "raw_value": [decoding.bad[n].text for n in chosen],
            "detail": [decoding.bad[n].detail for n in chosen],
            "reason_code": [decoding.bad[n].code for n in chosen],
        }
    )


def reader_rejects(con: duckdb.DuckDBPyConnection, decoding: Decoding) -> pd.DataFrame:
    """DuckDB's ``reject_errors`` of the last read as quarantine rows (reader layout): one
    row per record, sentinel lines reported as ``LINE_TOO_LONG`` or with the decoder's
    reason. Line numbers are the file's."""
    rej = con.sql(
        "SELECT line AS source_row, column_name AS column, error_type, csv_line AS raw_value, "
        "error_message AS detail FROM reject_errors ORDER BY line"
    ).df()
    rej["reason_code"] = [READER_CODES.get(e, e.replace(" ", "_")) for e in rej.pop("error_type")]
    # DuckDB reports a short record once per missing column: one quarantine row per record.
    if len(rej):
        missing_cols = rej.groupby("source_row")["column"].agg(
            lambda c: ", ".join(str(x) for x in c if x is not None and x == x)
        )
        rej = rej.drop_duplicates("source_row", keep="first").reset_index(drop=True)
        short = rej["reason_code"] == "MISSING_COLUMNS"
        rej.loc[short, "detail"] = [
            f"missing fields: {missing_cols[r]}" for r in rej.loc[short, "source_row"]
        ]
        rej.loc[short, "column"] = None
    too_long = rej["raw_value"].astype("str").str.startswith(LONG_LINE_SENTINEL)
    if too_long.any():
        sizes = [v[len(LONG_LINE_SENTINEL) :] for v in rej.loc[too_long, "raw_value"]]
        rej.loc[too_long, "reason_code"] = "LINE_TOO_LONG"
        rej.loc[too_long, "column"] = None
        rej.loc[too_long, "raw_value"] = [f"<{s} bytes>" for s in sizes]
        rej.loc[too_long, "detail"] = f"line longer than {MAX_LINE_BYTES:,} bytes"
    sentinel = rej["raw_value"].astype("str").str.startswith(BAD_LINE_SENTINEL)
    if sentinel.any():  # lines the decoder set aside (rejected: fewer fields than the header)
        mine = [int(r) for r in rej.loc[sentinel, "source_row"]]
        rej = pd.concat(
            [rej[~sentinel], bad_line_rows(decoding, [n for n in mine if n in decoding.bad])],
            ignore_index=True,
        )
    return rej
