"""Readers: files in, raw text records out — encodings, delimiters, headers, Excel cells.

The lowest layer of :mod:`segkit.collect`. Nothing here interprets a value; it only gets every
record of a CSV/TXT, Excel or Parquet file into DuckDB as faithfully as possible, and accounts
for the records it cannot read (with line number, reason code and raw text).

* encodings: byte-order marks (UTF-8, UTF-16), then strict UTF-8, then strict GB18030 (a
  superset of GBK/GB2312); characters are never replaced; undecodable lines become
  ``INVALID_ENCODING`` quarantine rows (GB18030 files are transcoded to a scratch copy).
* delimiters: sniffed among ``, ; tab | ，`` (ambiguity is an error) or ``whitespace``.
* headers: matched by NFKC-folded, blank- and BOM-insensitive names; duplicates and
  ``Unnamed:`` columns are refused; a missing column lists near matches.
* Excel: cached values only (formulas never evaluated, macros never run).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import glob
import hashlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from segkit.config import ReadOptions
from segkit.errors import InputError

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".dat"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
REFUSED_SUFFIXES = {".pkl", ".pickle", ".joblib", ".npy", ".npz"}

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

_SENTINEL = "\x07SEGKIT_INVALID_ENCODING\x07"
_LONG = "\x07SEGKIT_LINE_TOO_LONG\x07"
#: lines longer than this (bytes) are quarantined as ``LINE_TOO_LONG`` (Sc4)
MAX_LINE_BYTES = 1 << 20


def _long_lines(path: Path, limit: int = MAX_LINE_BYTES) -> bool:
    """Whether any line of a (non-UTF-16) text file is longer than ``limit`` bytes."""
    with open(path, "rb") as fh:
        return any(len(raw) > limit for raw in iter(lambda: fh.readline(limit + 2), b""))


def _cut_long_lines(src: Path, dst: Path, limit: int = MAX_LINE_BYTES) -> int:
    """Copy ``src`` to ``dst`` with every line longer than ``limit`` bytes replaced by a
    one-field sentinel line holding its length; the reader rejects that line and
    :func:`read_csv_records` reports it as ``LINE_TOO_LONG``. Returns how many lines."""
    cut = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while raw := fin.readline(limit + 1):
            if len(raw) <= limit:
                fout.write(raw)
                continue
            size = len(raw)
            while not raw.endswith(b"\n") and (raw := fin.readline(1 << 20)):
                size += len(raw)
            cut += 1
            fout.write(f"{_LONG}{size}\n".encode())
    return cut


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, streamed (the run manifest records it)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def detect_encoding(path: str | Path, *, sample_bytes: int = 1 << 20) -> str:
    """Guess a text file's encoding without replacing characters.

    Returns ``"utf-16"`` for a UTF-16 byte-order mark, ``"utf-8"`` when the sample decodes
    strictly as UTF-8 (with or without BOM), ``"gb18030"`` when it decodes strictly as
    GB18030; raises :class:`InputError` otherwise.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gb.csv"
    >>> _ = p.write_bytes("客户编号,金额\\n".encode("gb18030"))
    >>> detect_encoding(p)
    'gb18030'
    """
    with open(path, "rb") as fh:
        head = fh.read(sample_bytes)
        more = fh.read(1) != b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if more:  # do not judge a character cut in half at the end of the sample
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    # Neither decodes everything (concatenated exports): take the one that decodes more
    # lines; the lines that fail are quarantined as INVALID_ENCODING by the reader.
    lines = head.splitlines()
    failures = {enc: sum(not _decodes(ln, enc) for ln in lines) for enc in ("utf-8", "gb18030")}
    best = min(failures, key=lambda e: (failures[e], e != "utf-8"))
    if lines and failures[best] < len(lines) and failures[best] <= max(1, len(lines) // 10):
        return best
    raise InputError(
        "text is neither UTF-8 nor GB18030; set read.encoding explicitly",
        file=path,
        code="UNKNOWN_ENCODING",
    )


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _transcode_gb18030(src: Path, dst: Path) -> int:
    """Write ``src`` (GB18030) as UTF-8; lines that do not decode become sentinel lines.

    Returns the number of such lines. Line numbers are preserved one to one.
    """
    bad = 0
    with open(src, "rb") as fin, open(dst, "w", encoding="utf-8", newline="") as fout:
        for raw in fin:
            try:
                fout.write(raw.decode("gb18030"))
            except UnicodeDecodeError:
                bad += 1
                end = "\r\n" if raw.endswith(b"\r\n") else "\n"
                fout.write(_SENTINEL + raw.rstrip(b"\r\n").hex() + end)
    return bad


DELIMITERS = (",", ";", "\t", "|", "，")


def sniff_delimiter(path: Path, encoding: str, *, file: Path | None = None) -> str:
    """Pick the delimiter from the first lines: the candidate whose count is the same, and
    non-zero, on the most lines (quoted text is ignored). Ambiguity is an error.
    """
    enc = {"utf-16": "utf-16", "utf-8": "utf-8-sig"}.get(encoding, encoding)
    with open(path, encoding=enc, errors="ignore", newline="") as fh:  # first lines only
        # at most 64 KiB of each line: a huge line must not stop the sniffer (Sc4)
        lines = [fh.readline(1 << 16) for _ in range(50)]
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise InputError("empty file: 0 data rows", file=file or path, code="EMPTY_FILE")
    scores: dict[str, int] = {}
    for cand in DELIMITERS:
        counts = [_field_count(ln, cand) for ln in lines]
        head = counts[0]
        if head > 0:
            scores[cand] = sum(c == head for c in counts)
    if not scores:
        return ","  # a single column
    best = max(scores.values())
    winners = [c for c, v in scores.items() if v == best]
    if len(winners) > 1:
        raise InputError(
            f"ambiguous delimiter: {winners} fit equally well; set read.delimiter",
            file=file or path,
            row=1,
            code="AMBIGUOUS_DELIMITER",
        )
    return winners[0]


def _field_count(line: str, delimiter: str) -> int:
    """Delimiters outside quotes in one line (a field cut short by the sample still counts)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter), [])) - 1
    except csv.Error:  # e.g. a field longer than the csv module's limit
        return line.count(delimiter)


def _first_record(path: Path, encoding: str, delimiter: str) -> list[str]:
    """The header record as the file writes it (DuckDB renames duplicate names).

    Only the first line is decoded; later lines may be in another encoding (E5) or far
    longer than any sample (Sc4), and are the reader's business.
    """
    if encoding == "utf-16":
        with open(path, encoding="utf-16", newline="") as fh:
            line = fh.readline(1 << 20)
    else:
        with open(path, "rb") as fh:
            raw = fh.readline(1 << 20)
        try:
            line = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return []  # an undecodable header: DuckDB's reader reports it
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error:
        return []


def norm_header(name: str) -> str:
    """Header matching key: NFKC, no zero-width characters or blanks, case-folded."""
    folded = unicodedata.normalize("NFKC", name)
    for zw in ("\ufeff", "\u200b", "\u200c", "\u200d", "\u2060"):
        folded = folded.replace(zw, "")
    return "".join(folded.split()).casefold()


def match_columns(
    header: list[str],
    wanted: dict[str, str],
    *,
    file: Path,
    sheet: str | None = None,
    header_row: int = 1,
) -> dict[str, str]:
    """Map role → actual header, tolerant of BOM, full-width and blank differences."""
    bad = [h for h in header if h.startswith("Unnamed:") or h.strip() == ""]
    if bad:
        raise InputError(
            f"header has unnamed columns {bad}: is the header more than one row, or merged? "
            "Set read.header_row to the row that holds the column names",
            file=file,
            sheet=sheet,
            row=header_row,
            code="UNNAMED_HEADER",
        )
    seen: dict[str, str] = {}
    dups = []
    for h in header:
        k = norm_header(h)
        if k in seen:
            dups.append(h)
        seen[k] = h
    if dups:
        raise InputError(
            f"duplicate column names {dups}",
            file=file,
            sheet=sheet,
            row=header_row,
            code="DUPLICATE_HEADER",
        )
    out: dict[str, str] = {}
    for role, name in wanted.items():
        actual = seen.get(norm_header(name))
        if actual is None:
            near = difflib.get_close_matches(name, header, n=3, cutoff=0.5)
            hint = f"; near matches: {near}" if near else f"; columns are: {header}"
            raise InputError(
                f"column {name!r} (role {role}) not found{hint}",
                file=file,
                sheet=sheet,
                column=name,
                code="MISSING_COLUMN",
            )
        out[role] = actual
    return out


def expand_paths(path: str | Path) -> list[Path]:
    text = str(path)
    files = sorted(Path(p) for p in glob.glob(text)) if any(c in text for c in "*?[") else []
    if not files:
        files = [Path(path)]
    for f in files:
        if f.suffix.lower() in REFUSED_SUFFIXES:
            raise InputError(
                "pickle/joblib files are refused: loading them can run arbitrary code; "
                "export to CSV or Parquet",
                file=f,
                code="REFUSED_FORMAT",
            )
        if not f.exists():
            raise InputError("file not found", file=f, code="FILE_NOT_FOUND")
    return files


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def read_csv_records(
    con: duckdb.DuckDBPyConnection, path: Path, read: ReadOptions, work: Path, view: str
) -> tuple[list[str], pd.DataFrame, dict[str, Any]]:
    """Create view ``view`` (raw text columns + ``_row``); return header, rejects, info."""
    encoding = detect_encoding(path) if read.encoding == "auto" else read.encoding
    src = path
    if encoding == "gb18030":
        src = work / (view + ".utf8.csv")
        _transcode_gb18030(path, src)
    duck_enc = "utf-16" if encoding == "utf-16" else "utf-8"
    info: dict[str, Any] = {"encoding": encoding}
    if path.stat().st_size == 0:
        raise InputError("empty file: 0 data rows", file=path, code="EMPTY_FILE")

    if read.delimiter == "whitespace":
        lines = (
            f"SELECT line FROM read_csv({sql_str(str(src))}, "
            "columns={'line': 'VARCHAR'}, delim='\\x1e', quote='', escape='', header=false, "
            f"auto_detect=false, encoding={sql_str(duck_enc)})"
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
        con.execute(
            f"CREATE TEMP VIEW {view} AS SELECT _line AS _row, {cols} FROM {view}_lines "
            f"WHERE _line >= {start} AND trim(line) <> '' AND len({parts}) = {width}"
        )
        rej = con.sql(
            f"SELECT _line AS source_row, line AS raw_value, len({parts}) AS n FROM {view}_lines "
            f"WHERE _line >= {start} AND trim(line) <> '' AND len({parts}) <> {width}"
        ).df()
        rej["reason_code"] = ["TOO_MANY_COLUMNS" if n > width else "MISSING_COLUMNS" for n in rej.n]
        rej["column"] = None
        rej["detail"] = [f"expected {width} fields, found {n}" for n in rej.n]
        info["delimiter"] = "whitespace"
        return header, rej.drop(columns="n"), info

    opts = [
        "all_varchar=true",
        "store_rejects=true",
        f"header={'true' if read.header else 'false'}",
        f"encoding={sql_str(duck_enc)}",
        "strict_mode=true",
    ]
    if read.delimiter:
        opts.append(f"delim={sql_str(read.delimiter)}")
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    delim = read.delimiter
    if delim is None:
        delim = sniff_delimiter(src, duck_enc, file=path)
        opts.append(f"delim={sql_str(delim)}")
    info["delimiter"] = delim
    raw_header = _first_record(src, duck_enc, delim) if read.header else []
    create = f"CREATE TEMP TABLE {view} AS SELECT * FROM read_csv"
    try:
        with _in_file_order(con):
            con.execute(f"{create}({sql_str(str(src))}, {', '.join(opts)})")
    except duckdb.Error as exc:
        if duck_enc == "utf-16" or not _long_lines(src):
            raise InputError(
                f"cannot parse as CSV (unterminated quote or mixed dialect?): {str(exc)[:300]}",
                file=path,
                code="CSV_UNREADABLE",
            ) from None
        short = work / (view + ".short.csv")
        _cut_long_lines(src, short)
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        with _in_file_order(con):
            con.execute(f"{create}({sql_str(str(short))}, {', '.join(opts)})")
    header = list(con.table(view).columns)
    ordinal = _numbered(con, view, header)
    if raw_header and len(raw_header) == len(header):
        match_columns(raw_header, {}, file=path)  # duplicates DuckDB would rename
    rej = con.sql(
        "SELECT line AS source_row, column_name AS column, error_type, csv_line AS raw_value, "
        "error_message AS detail FROM reject_errors ORDER BY line"
    ).df()
    codes = {
        "TOO MANY COLUMNS": "TOO_MANY_COLUMNS",
        "MISSING COLUMNS": "MISSING_COLUMNS",
        "INVALID ENCODING": "INVALID_ENCODING",
        "INVALID UNICODE": "INVALID_ENCODING",
        "LINE SIZE OVER MAXIMUM": "LINE_TOO_LONG",
        "UNQUOTED VALUE": "BAD_QUOTING",
    }
    rej["reason_code"] = [codes.get(e, e.replace(" ", "_")) for e in rej.pop("error_type")]
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
    too_long = rej["raw_value"].astype("str").str.startswith(_LONG)
    if too_long.any():
        sizes = [v[len(_LONG) :] for v in rej.loc[too_long, "raw_value"]]
        rej.loc[too_long, "reason_code"] = "LINE_TOO_LONG"
        rej.loc[too_long, "column"] = None
        rej.loc[too_long, "raw_value"] = [f"<{s} bytes>" for s in sizes]
        rej.loc[too_long, "detail"] = f"line longer than {MAX_LINE_BYTES:,} bytes"
    sentinel = rej["raw_value"].astype("str").str.startswith(_SENTINEL)
    if sentinel.any():
        rej.loc[sentinel, "reason_code"] = "INVALID_ENCODING"
        rej.loc[sentinel, "column"] = None
        rej.loc[sentinel, "raw_value"] = [
            "0x" + v[len(_SENTINEL) :] for v in rej.loc[sentinel, "raw_value"]
        ]
        rej.loc[sentinel, "detail"] = "line is not valid " + encoding
    # A record's line number: header + its ordinal + rejected lines before it.
    first_data_line = 2 if read.header else 1
    bad_lines = sorted(int(x) for x in rej["source_row"].dropna())
    thresholds = [line - first_data_line - k + 1 for k, line in enumerate(bad_lines)]
    con.execute(f"CREATE TEMP TABLE {view}_shift(t BIGINT)")
    if thresholds:
        con.executemany(f"INSERT INTO {view}_shift VALUES (?)", [[t] for t in thresholds])
    con.execute(
        f"CREATE TEMP VIEW {view}_v AS SELECT {first_data_line - 1} + {ordinal} + "
        f"(SELECT count(*) FROM {view}_shift s WHERE s.t <= {ordinal}) AS _row, "
        f"{_columns(header)} FROM {view}"
        if thresholds
        else f"CREATE TEMP VIEW {view}_v AS SELECT {first_data_line - 1} + {ordinal} AS _row, "
        f"{_columns(header)} FROM {view}"
    )
    return header, rej, info


def cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


#: Excel inputs larger than this (bytes, compressed or uncompressed) are refused (A4)
MAX_EXCEL_BYTES = 512 << 20
MAX_EXCEL_UNCOMPRESSED = 2 << 30
#: a member compressing better than this is a zip bomb, not a spreadsheet
MAX_COMPRESSION_RATIO = 200


def check_excel_container(path: str | Path) -> None:
    """Refuse workbooks that are too big or zip bombs, before openpyxl opens them (A4).

    openpyxl parses the XML with defusedxml when it is installed (segkit depends on it), so
    entity-expansion bombs fail inside the parser; this check caps the file and its
    uncompressed size.
    """
    import zipfile

    size = Path(path).stat().st_size
    if size > MAX_EXCEL_BYTES:
        raise InputError(
            f"workbook is {size:,} bytes, above the {MAX_EXCEL_BYTES:,}-byte cap; export to CSV",
            file=path,
            code="FILE_TOO_LARGE",
        )
    try:
        members = zipfile.ZipFile(path).infolist()
    except zipfile.BadZipFile:
        raise InputError("not an .xlsx/.xlsm workbook (not a zip container)", file=path,
                         code="BAD_WORKBOOK") from None  # fmt: skip
    total = sum(m.file_size for m in members)
    bomb = [
        m.filename
        for m in members
        if m.file_size > (1 << 20) and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
    ]
    if total > MAX_EXCEL_UNCOMPRESSED or bomb:
        raise InputError(
            f"workbook expands to {total:,} bytes"
            + (f"; members {bomb} compress more than {MAX_COMPRESSION_RATIO}:1" if bomb else "")
            + ": refused as a possible zip bomb",
            file=path,
            code="ZIP_BOMB",
        )


def _formula_cells(path: str | Path, sheet: str, rows: set[int]) -> list[str]:
    """References of formula cells in ``rows`` (S6): their cached value is missing."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_vba=False)
    try:
        refs = []
        for row in wb[sheet].iter_rows(min_row=min(rows), max_row=max(rows)):
            for cell in row:
                value = getattr(cell, "value", None)
                if isinstance(value, str) and value.startswith("=") and cell.row in rows:
                    refs.append(f"{sheet}!{cell.coordinate}")
        return refs
    finally:
        wb.close()


def read_excel_text(
    path: str | Path, sheet: str | int | None = None, *, header_row: int = 1
) -> tuple[pd.DataFrame, str]:
    """Read one sheet as text, with the Excel row number in ``_row``.

    Cached values are read (formulas are never evaluated, macros never run). Numbers are
    written back as text without a spurious ``.0``; dates in ISO form (openpyxl honours the
    workbook's 1900/1904 date system). A workbook with several sheets (hidden ones
    included) needs an explicit ``sheet``; formula cells without a cached value are an error
    that lists them; rows above ``header_row`` (a title band) are skipped.

    Returns the frame and the sheet name.
    """
    import openpyxl

    check_excel_container(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_vba=False)
    except Exception as exc:  # defusedxml refuses entity bombs; openpyxl other breakage
        from defusedxml import DefusedXmlException

        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise InputError(
                f"the workbook's XML declares entities or a DTD ({type(cause).__name__}): "
                "refused as a possible XML bomb",
                file=path,
                code="XML_BOMB",
            ) from None
        raise InputError(
            f"cannot open the workbook: {type(exc).__name__}: {str(exc)[:200]}",
            file=path,
            code="BAD_WORKBOOK",
        ) from None
    try:
        if sheet is None:
            if len(wb.worksheets) > 1:
                listed = [
                    ws.title + (" (hidden)" if ws.sheet_state != "visible" else "")
                    for ws in wb.worksheets
                ]
                raise InputError(
                    f"the workbook has {len(listed)} sheets {listed}: name one with read.sheet",
                    file=path,
                    code="MULTIPLE_SHEETS",
                )
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            ws = wb.worksheets[sheet]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise InputError(
                f"no sheet {sheet!r}; sheets are {wb.sheetnames}", file=path, code="MISSING_SHEET"
            )
        rows = ws.iter_rows(values_only=True, min_row=header_row)
        try:
            header_cells = next(rows)
        except StopIteration:
            raise InputError(
                "empty sheet: 0 data rows", file=path, sheet=ws.title, code="EMPTY_FILE"
            ) from None
        header = [cell_text(h) or f"Unnamed: {i}" for i, h in enumerate(header_cells)]
        data = []
        blank_rows: set[int] = set()
        for r_idx, row in enumerate(rows, start=header_row + 1):
            cells = [cell_text(v) for v in row]
            if all(c is None for c in cells):
                continue
            if any(c is None for c in cells):
                blank_rows.add(r_idx)
            cells = (cells + [None] * len(header))[: len(header)]
            data.append([r_idx, *cells])
        title = ws.title
    finally:
        wb.close()
    if blank_rows:
        refs = _formula_cells(path, title, blank_rows)
        if refs:
            raise InputError(
                f"{len(refs)} formula cells have no cached value (the file was written by a "
                f"program, never saved by Excel): {refs[:10]}; open and save it in Excel, or "
                "export values",
                file=path,
                sheet=title,
                code="FORMULA_WITHOUT_VALUE",
            )
    frame = pd.DataFrame(data, columns=["_row", *header], dtype="object")
    frame["_row"] = frame["_row"].astype("int64")
    return frame, title
