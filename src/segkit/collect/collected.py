"""Collected: the staged transactions of step 1, and their hand-over to step 2.

A :class:`Collected` holds a DuckDB connection with table (or view) ``staged`` — one row per
good record, the role columns typed, their raw text beside them, ``source_file`` and
``source_row`` — and the records that could not be read, in the quarantine layout. A report
run writes ``staged`` to Parquet after step 1; :func:`collected_from_parquet` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.collect.sql import sql_str
from segkit.engine import connect
from segkit.errors import InputError


@dataclass
class Collected:
    """The staged transactions of one or more files, in a DuckDB connection.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        Holds table ``staged`` (one row per good record).
    rejects : pandas.DataFrame
        Records that could not be read, in :data:`QUARANTINE_COLUMNS` layout.
    records : int
        Data records found in the files (staged + rejected).
    sources : list of dict
        Per file: path, sha256, format, encoding, delimiter, records.
    """

    con: duckdb.DuckDBPyConnection
    rejects: pd.DataFrame
    records: int
    sources: list[dict[str, Any]] = field(default_factory=list)
    roles: tuple[str, ...] = ()

    def source_column(self, role: str) -> str:
        """The client's name of a role's column (as mapped in the first source)."""
        for src in self.sources:
            if role in src.get("columns", {}):
                return str(src["columns"][role])
        return role

    def frame(self) -> pd.DataFrame:
        """The staged table as pandas (small data only)."""
        return self.con.sql("SELECT * FROM staged ORDER BY source_file, source_row").df()


def collected_from_parquet(
    path: str | Path,
    *,
    roles: tuple[str, ...] | list[str],
    rejects: pd.DataFrame | None = None,
    records: int | None = None,
    sources: list[dict[str, Any]] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Collected:
    """Rebuild a :class:`Collected` from a ``staged`` table written to Parquet.

    A report run hands the collected transactions from step 1 to step 2 as a file
    (``COPY staged TO ... (FORMAT parquet)``); this reads it back as a lazy view, so
    :func:`segkit.clean.checks.clean` sees exactly what
    :func:`segkit.collect.sources.collect` produced.

    Parameters
    ----------
    path : path
        The Parquet copy of ``staged`` (every column, ``_row_hash`` included).
    roles : sequence of str
        The mapped roles (``Collected.roles`` of the original).
    rejects : DataFrame, optional
        Unreadable records (:data:`QUARANTINE_COLUMNS`); none by default.
    records : int, optional
        Records found in the sources; default staged rows + rejects.
    sources : list of dict, optional
        ``Collected.sources`` of the original.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from segkit.config import ColumnMap
    >>> from segkit.collect.sources import collect_frame
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> tx = pd.DataFrame({"c": ["01", "02"], "d": ["2024-01-05", "2024-02-01"], "a": [5.0, 7]})
    >>> col = collect_frame(tx, ColumnMap(customer_id="c", date="d", amount="a"))
    >>> _ = col.con.execute(f"COPY staged TO '{d / 's.parquet'}' (FORMAT parquet)")
    >>> back = collected_from_parquet(d / "s.parquet", roles=col.roles)
    >>> back.frame().equals(col.frame()), back.records, back.roles
    (True, 2, ('customer_id', 'date', 'amount'))
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("the collected transactions are missing", file=path, code="MISSING_FILE")
    con = con or connect()
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW staged AS SELECT * FROM read_parquet({sql_str(str(path))})"
    )
    rej = (
        pd.DataFrame(columns=QUARANTINE_COLUMNS)
        if rejects is None
        else rejects.reindex(columns=QUARANTINE_COLUMNS)
    )
    if records is None:
        records = con.execute("SELECT count(*) FROM staged").fetchall()[0][0] + len(rej)
    return Collected(
        con=con,
        rejects=rej,
        records=int(records),
        sources=list(sources or []),
        roles=tuple(roles),
    )
