"""Collect: read client exports into one typed, audited transaction table.

Reading is where most tools lose data silently. segkit reads every source with explicit
rules and keeps an account of each record:

* **formats** — CSV/TXT/TSV (DuckDB's reader; delimiter sniffed, or ``whitespace``), Excel
  ``.xlsx``/``.xlsm`` (openpyxl, values only, macros never run; XML parsed with defusedxml) and
  Parquet. Pickles are refused: loading one runs code.
* **encodings** — decided line by line (:func:`segkit.collect.readers.plan_decoding`): a UTF-16
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

The result is a :class:`Collected`: a DuckDB table ``staged`` with one row per good record,
the role columns typed, the raw text beside them, and ``source_file``/``source_row``.

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

import csv
import io
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from segkit.collect.readers import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    QUARANTINE_COLUMNS,
    FileScan,
    cell_text,
    check_unchanged,
    decode_text,
    detect_encoding,
    expand_paths,
    file_sha256,
    match_columns,
    norm_header,
    read_csv_records,
    read_excel_text,
    scan_file,
    sniff_delimiter,
    sql_ident,
    sql_str,
)
from segkit.config import ColumnMap, ReadOptions
from segkit.engine import connect
from segkit.errors import InputError
from segkit.privacy import mask_text

__all__ = [
    "QUARANTINE_COLUMNS",
    "Collected",
    "collect",
    "collect_frame",
    "collected_from_parquet",
    "detect_encoding",
    "file_sha256",
    "read_excel_text",
    "read_table",
]


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


ROLE_ORDER = (
    "customer_id",
    "order_id",
    "date",
    "amount",
    "quantity",
    "unit_price",
    "channel",
    "category",
)


def _staged_select(
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


def _refuse_open_quotes(
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
    selects: list[str] = []
    rejects: list[pd.DataFrame] = []
    sources: list[dict[str, Any]] = []
    first_header: list[str] | None = None
    scans: dict[str, FileScan] = {}
    records = 0
    try:
        for i, f in enumerate(files):
            view = f"src{i}"
            suffix = f.suffix.lower()
            # hashed and read from the same bytes: a file that changes in between is refused
            scan = scan_file(f, text=suffix in CSV_SUFFIXES or suffix == "")
            info: dict[str, Any] = {"path": str(f), "sha256": scan.sha256}
            scans[str(f)] = scan
            twin = next((s["path"] for s in sources if s["sha256"] == info["sha256"]), None)
            if twin is not None:  # the same export loaded twice (I6)
                raise InputError(
                    f"same content as {Path(twin).name!r} (SHA-256 {info['sha256'][:12]}…): "
                    "the same export would be counted twice; remove one",
                    file=f,
                    code="DUPLICATE_SOURCE",
                )
            sheet: str | None = None
            if suffix in PARQUET_SUFFIXES:
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
                header = [c for c in con.table(f"{view}_v").columns if c != "_row"]
                rej = pd.DataFrame(columns=["source_row", "column", "raw_value", "detail"])
                info.update(format="parquet")
            elif suffix in EXCEL_SUFFIXES:
                frame, sheet = read_excel_text(f, read.sheet, header_row=read.header_row)
                con.register(f"{view}_df", frame)
                con.execute(f"CREATE TEMP VIEW {view}_v AS SELECT * FROM {view}_df")
                header = [c for c in frame.columns if c != "_row"]
                rej = pd.DataFrame(columns=["source_row", "column", "raw_value", "detail"])
                info.update(format="excel", sheet=sheet)
                if frame.attrs.get("date1904"):
                    info["date1904"] = True
            elif suffix in CSV_SUFFIXES or suffix == "":
                header, rej, csv_info = read_csv_records(con, f, read, work, view, scan=scan)
                if read.delimiter == "whitespace":
                    con.execute(f"CREATE TEMP VIEW {view}_v AS SELECT * FROM {view}")
                info.update(format="csv", **csv_info)
            else:
                raise InputError(
                    f"unsupported file type {suffix!r}; use CSV, Excel (.xlsx) or Parquet",
                    file=f,
                    code="UNSUPPORTED_FORMAT",
                )
            if first_header is None:
                first_header = header
            elif [norm_header(h) for h in header] != [norm_header(h) for h in first_header]:
                added = sorted(set(header) - set(first_header))
                removed = sorted(set(first_header) - set(header))
                raise InputError(
                    f"columns differ from {files[0].name}: added {added}, missing {removed}",
                    file=f,
                    code="SCHEMA_DRIFT",
                )
            mapping = match_columns(header, roles, file=f, sheet=sheet, header_row=read.header_row)
            types = dict(
                con.sql(f"SELECT column_name, column_type FROM (DESCRIBE {view}_v)").fetchall()
            )
            if info.get("format") == "csv" and read.delimiter != "whitespace":
                _refuse_open_quotes(con, f"{view}_v", mapping, f)
            n_good = con.execute(f"SELECT count(*) FROM {view}_v").fetchall()[0][0]
            if info.get("format") != "parquet":  # text and Excel sources are read by now
                check_unchanged(f, scan)
            if n_good + len(rej) == 0:
                raise InputError("0 data rows (header only)", file=f, code="EMPTY_FILE")
            records += n_good + len(rej)
            rej = rej.assign(source_file=mask_text(f.name), action="removed")
            if len(rej):
                rej["raw_value"] = [mask_text(str(v)) for v in rej["raw_value"]]
            rejects.append(rej)
            info["records"] = int(n_good + len(rej))
            info["timezone"] = read.timezone
            info["date_order"] = read.date_order
            info["na_values"] = list(read.na_values)
            info["decimal"] = read.decimal
            info["columns"] = mapping
            sources.append(info)
            selects.append(
                _staged_select(
                    f.name, view, mapping, types, header, read, date1904=bool(info.get("date1904"))
                )
            )
        # Text sources are parsed once into a table (every later query would otherwise parse
        # again); Parquet is typed already and stays a lazy view over the file.
        if materialise is None:
            materialise = any(src["format"] != "parquet" for src in sources)
        kind = "TABLE" if materialise else "VIEW"
        con.execute(f"CREATE OR REPLACE TEMP {kind} staged AS " + " UNION ALL ".join(selects))
        if materialise:  # the raw text tables are no longer needed: free their memory
            _drop_sources(con, len(files))
        for f, src in zip(files, sources, strict=True):
            if src["format"] == "parquet":  # a lazy view: check now, before later reads
                check_unchanged(f, scans[str(f)])
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    rejects_df = (
        pd.concat([r for r in rejects if len(r)], ignore_index=True)
        if any(len(r) for r in rejects)
        else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    )
    rejects_df = rejects_df.reindex(columns=QUARANTINE_COLUMNS)
    return Collected(
        con=con, rejects=rejects_df, records=int(records), sources=sources, roles=tuple(roles)
    )


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
    if suffix in EXCEL_SUFFIXES:
        frame, _ = read_excel_text(f, read.sheet, header_row=read.header_row)
        return frame.rename(columns={"_row": "source_row"})
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
    match_columns(header, {}, file=f)
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
        + _staged_select(name, "frame0", mapping, types, header)
    )
    return Collected(
        con=con,
        rejects=pd.DataFrame(columns=QUARANTINE_COLUMNS),
        records=len(frame),
        sources=[{"path": name, "format": "pandas", "records": len(frame)}],
        roles=tuple(columns.roles()),
    )


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
    :func:`segkit.clean.checks.clean` sees exactly what :func:`collect` produced.

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
