"""Excel: one worksheet's cached values as text, with the sheet's row numbers.

Formulas are never evaluated and macros never run (openpyxl, values only; the XML is parsed
with defusedxml). Workbooks that are too big or zip bombs are refused before they are
opened (:func:`check_excel_container`); formula cells without a cached value are an error
that lists them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segkit.errors import InputError


def cell_text(value: object) -> str | None:
    """A cell value as the text a CSV export would hold: ``12`` not ``12.0``, ISO dates,
    ``TRUE``/``FALSE``; None stays None."""
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


def _formula_cells(path: str | Path, sheet: str, blanks: dict[int, set[int]]) -> list[str]:
    """References of formula cells without a cached value (S6): ``blanks`` maps each row
    with empty cells to those cells' 0-based column positions; only a formula cell in one
    of them lacks its value (a blank cell beside a cached formula is just blank)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_vba=False)
    try:
        refs = []
        for r_idx, row in enumerate(
            wb[sheet].iter_rows(min_row=min(blanks), max_row=max(blanks), values_only=True),
            start=min(blanks),
        ):
            empty = blanks.get(r_idx, set())
            for c_idx, value in enumerate(row):
                if c_idx in empty and isinstance(value, str) and value.startswith("="):
                    refs.append(f"{sheet}!{get_column_letter(c_idx + 1)}{r_idx}")
        return refs
    finally:
        wb.close()


def read_excel_text(
    path: str | Path, sheet: str | int | None = None, *, header_row: int = 1
) -> tuple[pd.DataFrame, str]:
    """Read one sheet as text, with the Excel row number in ``_row``.

    Cached values are read (formulas are never evaluated, macros never run). Numbers are
    written back as text without a spurious ``.0``; date cells in ISO form (openpyxl honours
    the workbook's 1900/1904 date system); ``frame.attrs["date1904"]`` says whether the
    workbook uses the 1904 system, for dates written as bare serial numbers. A workbook with
    several sheets (hidden ones included) needs an explicit ``sheet``; formula cells without
    a cached value are an error that lists them (a blank cell beside a cached formula is
    just blank); rows above ``header_row`` (a title band) are skipped.

    Returns the frame and the sheet name.
    """
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

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
        blanks: dict[int, set[int]] = {}
        for r_idx, row in enumerate(rows, start=header_row + 1):
            cells = [cell_text(v) for v in row]
            if all(c is None for c in cells):
                continue
            empty = {i for i, c in enumerate(cells) if c is None}
            if empty:
                blanks[r_idx] = empty
            cells = (cells + [None] * len(header))[: len(header)]
            data.append([r_idx, *cells])
        title = ws.title
        date1904 = wb.epoch == CALENDAR_MAC_1904
    finally:
        wb.close()
    if blanks:
        refs = _formula_cells(path, title, blanks)
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
    # bare serial numbers in a 1904-date workbook count from 1904 (see segkit.collect.staging)
    frame.attrs["date1904"] = bool(date1904)
    return frame, title
