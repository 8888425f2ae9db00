"""The embedded engine: one DuckDB connection per piece of work.

segkit does transaction-scale work in DuckDB (https://duckdb.org): files are scanned in place,
work spills to disk past ``memory_limit``, and pandas frames are only the small results.
:func:`connect` also registers segkit's SQL macros (amount and date parsers) so every step
speaks the same dialect.

Examples
--------
>>> con = connect()
>>> con.execute("SELECT segkit_amount('¥1,234.50')").fetchall()[0][0]
1234.5
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from segkit.collect.parse import register_macros
from segkit.collect.sql import sql_str

_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def check_memory_limit(value: str) -> str:
    """A DuckDB memory limit such as ``4GB``, ``512 MiB`` or ``1.5GB``; anything else is
    refused (the value goes into a ``SET`` statement).

    Examples
    --------
    >>> check_memory_limit("4GB"), check_memory_limit("512 MiB")
    ('4GB', '512 MiB')
    >>> check_memory_limit("1GB'; COPY x TO 'y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: memory limit "1GB'; COPY x TO 'y" is not a size: give a number and a unit ...
    """
    text = value.strip()
    if not _MEMORY_LIMIT.match(text):
        raise ValueError(
            f"memory limit {value!r} is not a size: give a number and a unit such as 4GB, "
            "512MB or 2GiB"
        )
    return text


def connect(
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_dir: str | Path | None = None,
    date_order: str = "YMD",
    progress: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection with segkit's macros.

    Parameters
    ----------
    memory_limit : str, optional
        e.g. ``"4GB"``; DuckDB spills to ``temp_dir`` beyond it. Checked with
        :func:`check_memory_limit` (a ``ValueError`` otherwise).
    threads : int, optional
        Worker threads (default: all cores).
    temp_dir : path, optional
        Where DuckDB may spill.
    date_order : {"YMD", "DMY", "MDY"}
        Order used by ``segkit_ts`` for numeric dates such as ``03/04/2023``.
    progress : bool
        Show DuckDB's progress bar on statements that run longer than two seconds (files of
        tens of millions of lines).

    Notes
    -----
    Out of core: with ``memory_limit`` and ``temp_dir`` set, the grouped passes of
    :mod:`segkit.clean.checks` spill to ``temp_dir`` instead of failing, and Parquet sources are
    scanned in place, so the transaction table never has to fit in memory (100M lines were
    profiled in under 4 GB, see ``benchmarks/README.md``).
    """
    con = duckdb.connect(":memory:")
    if memory_limit:
        con.execute(f"SET memory_limit = {sql_str(check_memory_limit(memory_limit))}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_dir:
        con.execute(f"SET temp_directory = {sql_str(Path(temp_dir).as_posix())}")
    try:
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")
    except duckdb.InvalidInputException:
        # inside a Jupyter kernel without ipywidgets DuckDB refuses to touch its progress
        # bar setting at all; the notebook then runs with DuckDB's default
        pass
    register_macros(con, date_order=date_order)
    return con
