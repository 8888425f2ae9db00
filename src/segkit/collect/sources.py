"""Collect: read client exports into one typed, audited transaction table.

Reading is where most tools lose data silently. segkit reads every source with explicit
rules and keeps an account of each record:

* **formats** — CSV/TXT/TSV (DuckDB's reader; delimiter sniffed, or ``whitespace``), Excel
  ``.xlsx``/``.xlsm`` (openpyxl, values only, macros never run; XML parsed with defusedxml) and
  Parquet. Pickles are refused: loading one runs code.
* **encodings** — decided line by line (:func:`segkit.collect.encoding.plan_decoding`): a UTF-16
  byte-order mark, else UTF-8 first, else GB18030 (a superset of GBK/GB2312, so ``刘䶮``
  survives) or Big5, whichever reads the lines as common characters. Lines in another
  encoding than their file's are quarantined as ``MIXED_ENCODING``, lines in none as
  ``INVALID_ENCODING``; a file whose encoding cannot be told is refused, naming the lines.
  Characters are never replaced.
* **consistency** — each file is hashed and checked for UTF-8 in one pass; a file whose size
  or time stamp changes before it has been read is refused (``FILE_CHANGED``).
* **structure** — records with too many or too few fields are quarantined
  (``TOO_MANY_COLUMNS`` / ``MISSING_COLUMNS``) with their line number and raw text; a missing
  column is an error that lists near matches (e.g. ``\\ufeff客户编号``).
* **types** — ids stay text (``00123`` keeps its zeros); money and dates go through the
  explicit :mod:`segkit.collect.parse` rules; a value no rule accepts is kept raw for the cleaner to
  quarantine.

The result is a :class:`~segkit.collect.collected.Collected`: a DuckDB table ``staged``
with one row per good record, the role columns typed, the raw text beside them, and
``source_file``/``source_row``.

Examples
--------
>>> import tempfile, pathlib
>>> from segkit.config import ColumnMap
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "tx.csv").write_text("cid,day,amt\\n007,2024-01-05,¥1,234.50\\n", encoding="utf-8")
>>> _ = (d / "tx.csv").write_text('cid,day,amt\\n007,2024-01-05,"¥1,234.50"\\n', encoding="utf-8")
>>> col = collect(d / "tx.csv", ColumnMap(customer_id="cid", date="day", amount="amt"))
>>> col.frame()[["customer_id", "amount"]].to_dict("records")
[{'customer_id': '007', 'amount': 1234.5}]
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from segkit.collect.collected import Collected
from segkit.collect.csvread import read_csv_records
from segkit.collect.dialect import match_columns, norm_header
from segkit.collect.excel import read_excel_text
from segkit.collect.files import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    FileScan,
    check_unchanged,
    expand_paths,
    scan_file,
)
from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.collect.sql import sql_str
from segkit.collect.staging import refuse_open_quotes, staged_select
from segkit.config import ColumnMap, ReadOptions
from segkit.engine import connect
from segkit.errors import InputError
from segkit.privacy import mask_text

__all__ = ["collect", "collect_frame"]

#: rejects of a source read without a quarantine of its own (Parquet, Excel)
_NO_REJECTS = ["source_row", "column", "raw_value", "detail"]


@dataclass
class _Staging:
    """What :func:`collect` has gathered so far, over the files of one source."""

    selects: list[str] = field(default_factory=list)
    rejects: list[pd.DataFrame] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    scans: dict[str, FileScan] = field(default_factory=dict)
    first_header: list[str] | None = None
    records: int = 0


def collect(
    path: str | Path,
    columns: ColumnMap,
    read: ReadOptions | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    work_dir: str | Path | None = None,
    materialise: bool | None = None,
) -> Collected:
    """Read a transaction source (file or glob) into a staged, typed DuckDB table.

    Parameters
    ----------
    path : path or glob
        CSV/TXT, Excel or Parquet file(s); monthly files may be given as a glob and must share
        their columns.
    columns : ColumnMap
        Which source column plays which role.
    read : ReadOptions, optional
        Encoding, delimiter, sheet, date order.
    con : duckdb connection, optional
        Defaults to a new :func:`segkit.engine.connect` connection.
    work_dir : path, optional
        Scratch space for transcoded copies (the input is never modified).
    materialise : bool, optional
        Store ``staged`` as a table, parsed once. Default: yes for CSV and Excel (text that
        every later query would otherwise parse again), no for Parquet (a lazy view over the
        typed file).

    Returns
    -------
    Collected
    """
    read = read or ReadOptions()
    con = con or connect(date_order=read.date_order)
    files = expand_paths(path)
    own_work = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="segkit-")) if own_work else Path(work_dir)  # type: ignore[arg-type]
    work.mkdir(parents=True, exist_ok=True)
    roles = columns.roles()
    st = _Staging()
    try:
        for i, f in enumerate(files):
            _stage_file(con, st, f"src{i}", f, files[0], roles, read, work)
        # Text sources are parsed once into a table (every later query would otherwise parse
        # again); Parquet is typed already and stays a lazy view over the file.
        if materialise is None:
            materialise = any(src["format"] != "parquet" for src in st.sources)
        kind = "TABLE" if materialise else "VIEW"
        con.execute(f"CREATE OR REPLACE TEMP {kind} staged AS " + " UNION ALL ".join(st.selects))
        if materialise:  # the raw text tables are no longer needed: free their memory
            _drop_sources(con, len(files))
        for f, src in zip(files, st.sources, strict=True):
            if src["format"] == "parquet":  # a lazy view: check now, before later reads
                check_unchanged(f, st.scans[str(f)])
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    kept = [r for r in st.rejects if len(r)]
    rejects_df = (
        pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    )
    rejects_df = rejects_df.reindex(columns=QUARANTINE_COLUMNS)
    return Collected(
        con=con, rejects=rejects_df, records=int(st.records), sources=st.sources, roles=tuple(roles)
    )


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    st: _Staging,
    view: str,
    f: Path,
    first_file: Path,
    roles: dict[str, str],
    read: ReadOptions,
    work: Path,
) -> None:
    """Read one file into ``{view}_v`` and add its typed SELECT, rejects and account to
    ``st``; refuse a file seen before, a header that differs from the first file's, and
    a file without records."""
    suffix = f.suffix.lower()
    # hashed and read from the same bytes: a file that changes in between is refused
    scan = scan_file(f, text=suffix in CSV_SUFFIXES or suffix == "")
    info: dict[str, Any] = {"path": str(f), "sha256": scan.sha256}
    st.scans[str(f)] = scan
    twin = next((s["path"] for s in st.sources if s["sha256"] == info["sha256"]), None)
    if twin is not None:  # the same export loaded twice (I6)
        raise InputError(
            f"same content as {Path(twin).name!r} (SHA-256 {info['sha256'][:12]}…): "
            "the same export would be counted twice; remove one",
            file=f,
            code="DUPLICATE_SOURCE",
        )
    header, rej = _read_source(con, view, f, scan, read, work, info)
    if st.first_header is None:
        st.first_header = header
    elif [norm_header(h) for h in header] != [norm_header(h) for h in st.first_header]:
        added = sorted(set(header) - set(st.first_header))
        removed = sorted(set(st.first_header) - set(header))
        raise InputError(
            f"columns differ from {first_file.name}: added {added}, missing {removed}",
            file=f,
            code="SCHEMA_DRIFT",
        )
    sheet = info.get("sheet")
    mapping = match_columns(header, roles, file=f, sheet=sheet, header_row=read.header_row)
    types = dict(con.sql(f"SELECT column_name, column_type FROM (DESCRIBE {view}_v)").fetchall())
    if info.get("format") == "csv" and read.delimiter != "whitespace":
        refuse_open_quotes(con, f"{view}_v", mapping, f)
    n_good = con.execute(f"SELECT count(*) FROM {view}_v").fetchall()[0][0]
    if info.get("format") != "parquet":  # text and Excel sources are read by now
        check_unchanged(f, scan)
    if n_good + len(rej) == 0:
        raise InputError("0 data rows (header only)", file=f, code="EMPTY_FILE")
    st.records += n_good + len(rej)
    rej = rej.assign(source_file=mask_text(f.name), action="removed")
    if len(rej):
        rej["raw_value"] = [mask_text(str(v)) for v in rej["raw_value"]]
    st.rejects.append(rej)
    info["records"] = int(n_good + len(rej))
    info["timezone"] = read.timezone
    info["date_order"] = read.date_order
    info["na_values"] = list(read.na_values)
    info["decimal"] = read.decimal
    info["columns"] = mapping
    st.sources.append(info)
    date1904 = bool(info.get("date1904"))
    st.selects.append(staged_select(f.name, view, mapping, types, header, read, date1904=date1904))


def _read_source(
    con: duckdb.DuckDBPyConnection,
    view: str,
    f: Path,
    scan: FileScan,
    read: ReadOptions,
    work: Path,
    info: dict[str, Any],
) -> tuple[list[str], pd.DataFrame]:
    """Create view ``{view}_v`` (text or typed columns + ``_row``) by the file's format;
    return its header and rejects, and note the format (and sheet, encoding…) in ``info``."""
    suffix = f.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        header = _parquet_view(con, view, f, scan)
        info.update(format="parquet")
        return header, pd.DataFrame(columns=_NO_REJECTS)
    if suffix in EXCEL_SUFFIXES:
        frame, sheet = read_excel_text(f, read.sheet, header_row=read.header_row)
        con.register(f"{view}_df", frame)
        con.execute(f"CREATE TEMP VIEW {view}_v AS SELECT * FROM {view}_df")
        info.update(format="excel", sheet=sheet)
        if frame.attrs.get("date1904"):
            info["date1904"] = True
        return [c for c in frame.columns if c != "_row"], pd.DataFrame(columns=_NO_REJECTS)
    if suffix in CSV_SUFFIXES or suffix == "":
        header, rej, csv_info = read_csv_records(con, f, read, work, view, scan=scan)
        if read.delimiter == "whitespace":
            con.execute(f"CREATE TEMP VIEW {view}_v AS SELECT * FROM {view}")
        info.update(format="csv", **csv_info)
        return header, rej
    raise InputError(
        f"unsupported file type {suffix!r}; use CSV, Excel (.xlsx) or Parquet",
        file=f,
        code="UNSUPPORTED_FORMAT",
    )


def _parquet_view(con: duckdb.DuckDBPyConnection, view: str, f: Path, scan: FileScan) -> list[str]:
    """A lazy view over a Parquet file, its row number in ``_row``; returns the header."""
    if scan.size == 0:
        raise InputError("empty file: 0 bytes", file=f, code="EMPTY_FILE")
    try:
        con.execute(
            f"CREATE TEMP VIEW {view}_v AS SELECT * EXCLUDE (file_row_number), "
            f"file_row_number + 1 AS _row FROM read_parquet({sql_str(str(f))}, "
            "file_row_number=true)"
        )
    except duckdb.Error as exc:
        raise InputError(
            f"not a readable Parquet file: {str(exc).splitlines()[0][:200]}",
            file=f,
            code="BAD_PARQUET",
        ) from None
    return [c for c in con.table(f"{view}_v").columns if c != "_row"]


def _drop_sources(con: duckdb.DuckDBPyConnection, n: int) -> None:
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for i in range(n):
        for name in (f"src{i}_v", f"src{i}", f"src{i}_lines", f"src{i}_text", f"src{i}_shift"):
            if name in views:
                con.execute(f"DROP VIEW {name}")
            elif name in tables:
                con.execute(f"DROP TABLE {name}")
        try:
            con.unregister(f"src{i}_df")
        except duckdb.Error:  # pragma: no cover - not registered (not an Excel source)
            pass


def collect_frame(
    frame: pd.DataFrame,
    columns: ColumnMap,
    read: ReadOptions | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    name: str = "<frame>",
) -> Collected:
    """Stage a pandas frame like a file (``source_row`` = position + 2, as in a sheet).

    Text columns go through the same parsers as a CSV; typed columns are used as they are.
    """
    read = read or ReadOptions()
    con = con or connect(date_order=read.date_order)
    header = [str(c) for c in frame.columns]
    mapping = match_columns(header, columns.roles(), file=Path(name))
    data = frame.copy()
    data.columns = header
    data.insert(0, "_row", range(2, len(data) + 2))
    con.register("frame0_df", data)
    con.execute("CREATE OR REPLACE TEMP VIEW frame0_v AS SELECT * FROM frame0_df")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE frame0_v)").fetchall())
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged AS "
        + staged_select(name, "frame0", mapping, types, header)
    )
    return Collected(
        con=con,
        rejects=pd.DataFrame(columns=QUARANTINE_COLUMNS),
        records=len(frame),
        sources=[{"path": name, "format": "pandas", "records": len(frame)}],
        roles=tuple(columns.roles()),
    )
