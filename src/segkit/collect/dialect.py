"""Dialect: the delimiter and the header of a delimited file.

* delimiters: sniffed among ``, ; tab | ，`` on the first lines (:func:`sniff_delimiter`;
  ambiguity is an error), or ``whitespace`` when the user says so.
* headers: matched by NFKC-folded, blank- and BOM-insensitive names (:func:`norm_header`);
  duplicates and ``Unnamed:`` columns are refused; a missing column lists near matches
  (:func:`match_columns`).
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from pathlib import Path

from segkit.errors import InputError

#: the delimiters :func:`sniff_delimiter` chooses among
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


def first_record(path: Path, encoding: str, delimiter: str) -> list[str]:
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


def same_header(name: str) -> str:
    """What makes two headers the same column: NFKC, no zero-width characters or blanks
    (``客户\u3000编号`` is ``客户编号``); case still counts (FactoMineR's tea survey has both
    ``How`` and ``how``)."""
    folded = unicodedata.normalize("NFKC", name)
    for zw in ("\ufeff", "\u200b", "\u200c", "\u200d", "\u2060"):
        folded = folded.replace(zw, "")
    return "".join(folded.split())


def norm_header(name: str) -> str:
    """Header matching key: :func:`same_header`, case-folded."""
    return same_header(name).casefold()


def match_columns(
    header: list[str],
    wanted: dict[str, str],
    *,
    file: Path,
    sheet: str | None = None,
    header_row: int = 1,
    case_counts: bool = False,
) -> dict[str, str]:
    """Map role → actual header, tolerant of BOM, full-width and blank differences.

    Two headers that differ only by case are the same column (a ``DUPLICATE_HEADER``) unless
    ``case_counts``: a table read into pandas keeps ``How`` and ``how`` apart, DuckDB
    (transaction sources) would not."""
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
    folded: dict[str, list[str]] = {}
    dups = []
    key = same_header if case_counts else norm_header
    for h in header:
        k = key(h)
        if k in seen:
            dups.append(h)
        seen[k] = h
        folded.setdefault(k.casefold(), []).append(h)
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
        actual = seen.get(key(name))
        if actual is None and len(cased := folded.get(norm_header(name), [])) > 1:
            raise InputError(
                f"column {name!r} (role {role}) matches {cased} ignoring case: "
                "name the column exactly",
                file=file,
                sheet=sheet,
                column=name,
                code="AMBIGUOUS_COLUMN",
            )
        if actual is None and cased:
            actual = cased[0]
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
