"""Readers: files in, raw text records out — encodings, delimiters, headers, Excel cells.

The lowest layer of :mod:`segkit.collect.sources`.
Nothing here interprets a value; it only gets every
record of a CSV/TXT, Excel or Parquet file into DuckDB as faithfully as possible, and accounts
for the records it cannot read (with line number, reason code and raw text).

* encodings: decided line by line (:func:`plan_decoding`): UTF-16 by its byte-order mark;
  a file that is valid UTF-8 without two-byte sequences is read as it is (proved in chunks
  while hashing; GBK text can be valid two-byte UTF-8, so those files are checked per line);
  otherwise
  UTF-8 first, then GB18030 (a superset of GBK/GB2312) or Big5 by :func:`plausibility`;
  lines in another encoding than the file's become ``MIXED_ENCODING`` quarantine rows,
  undecodable lines ``INVALID_ENCODING`` (non-UTF-8 files are transcoded to a scratch copy);
  characters are never replaced.
* delimiters: sniffed among ``, ; tab | ，`` (ambiguity is an error) or ``whitespace``.
* headers: matched by NFKC-folded, blank- and BOM-insensitive names; duplicates and
  ``Unnamed:`` columns are refused; a missing column lists near matches.
* Excel: cached values only (formulas never evaluated, macros never run).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import difflib
import glob
import hashlib
import os
import re
import stat
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

_SENTINEL = "\x07SEGKIT_BAD_LINE\x07"
_LONG = "\x07SEGKIT_LINE_TOO_LONG\x07"
#: lines longer than this (bytes) are quarantined as ``LINE_TOO_LONG`` (Sc4)
MAX_LINE_BYTES = 1 << 20


def _cut_long_lines(src: Path, dst: Path, limit: int = MAX_LINE_BYTES) -> int:
    """Copy ``src`` to ``dst`` with CRLF line ends written as LF (a file mixing both is
    refused by DuckDB's strict reader) and every line longer than ``limit`` bytes replaced
    by a one-field sentinel line holding its length; the reader rejects that line and
    :func:`read_csv_records` reports it as ``LINE_TOO_LONG``. Returns how many lines."""
    cut = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while raw := fin.readline(limit + 1):
            if len(raw) <= limit:
                fout.write(raw[:-2] + b"\n" if raw.endswith(b"\r\n") else raw)
                continue
            size = len(raw)
            while not raw.endswith(b"\n") and (raw := fin.readline(1 << 20)):
                size += len(raw)
            cut += 1
            fout.write(f"{_LONG}{size}\n".encode())
    return cut


# ---------------------------------------------------------------------------------------
# Encodings: decided line by line (issue 14)
#
# Strict GB18030 decodes almost any bytes, so guessing from a whole sample cannot see a
# UTF-8 file with one GBK line (every UTF-8 value becomes mojibake) or a Big5 file (read as
# rare GBK characters). segkit therefore decides per line: a file that is valid UTF-8 (the
# common case, proved by a streamed check in chunks, no per-line work) is read as it is;
# otherwise each line is classed as ASCII, UTF-8 or "other", the "other" lines' legacy
# encoding is chosen between GB18030 and Big5 by how many of their characters are common
# ones, the file's encoding is the one most lines use (UTF-8 first on a tie), and every
# line in another encoding is quarantined with its line number and a reason code.

#: legacy (non-Unicode) encodings segkit tells apart, in order of preference on a tie
LEGACY_ENCODINGS = ("gb18030", "big5")
#: below this share of common characters, a legacy reading is not believed (e.g. a
#: Shift-JIS or Latin-1 file decoding, by accident, as rare GBK characters)
MIN_PLAUSIBLE = 0.6
_CHUNK = 1 << 20
#: at most this many lines of a file are quarantined for their encoding (more: refused)
_KEEP = 10_000
_NARROW_LEAD = re.compile(rb"[\xc2-\xdf]")
#: bytes of non-UTF-8 lines the legacy encoding is chosen on
_SAMPLE = 1 << 18


@dataclasses.dataclass(frozen=True)
class FileScan:
    """One streamed pass over a file's bytes: its hash, size, time stamp and whether it is
    valid UTF-8 (so a CSV that is needs no per-line decoding)."""

    sha256: str
    size: int
    mtime_ns: int
    utf8: bool
    #: valid UTF-8 with two-byte sequences (U+0080–U+07FF): GBK text can be such bytes
    narrow: bool = False


def scan_file(path: str | Path, *, text: bool = True) -> FileScan:
    """Hash a file and, for a text file, check that it is valid UTF-8 — in one pass.

    ASCII chunks (``bytes.isascii``, fast in C) are not decoded; others go through a strict
    incremental UTF-8 decoder, so a character cut between chunks is judged whole.
    """
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise InputError("not a regular file (a folder or a device?)", file=path, code="NOT_A_FILE")
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict") if text else None
    utf8 = text
    narrow = False
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
            if utf8 and decoder is not None and not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
                # in valid UTF-8 a byte C2–DF only ever starts a two-byte sequence
                narrow = narrow or _NARROW_LEAD.search(chunk) is not None
        if utf8 and decoder is not None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    scan = FileScan(h.hexdigest(), before.st_size, before.st_mtime_ns, utf8, utf8 and narrow)
    check_unchanged(path, scan)
    return scan


def check_unchanged(path: str | Path, scan: FileScan) -> None:
    """Refuse a file whose size or modification time changed since ``scan`` (it was being
    written while segkit read it: the recorded hash would not describe the data)."""
    now = os.stat(path)
    if (now.st_size, now.st_mtime_ns) != (scan.size, scan.mtime_ns):
        raise InputError(
            f"the file changed while it was read ({scan.size:,} bytes when hashed, "
            f"{now.st_size:,} bytes now): wait until it is written completely, or copy it "
            "first",
            file=path,
            code="FILE_CHANGED",
        )


@dataclasses.dataclass(frozen=True)
class BadLine:
    """A line quarantined by the decoder: its number, reason code, shown text and why."""

    line: int
    code: str
    text: str
    detail: str


@dataclasses.dataclass
class Decoding:
    """How to read a text file: its encoding, and the lines that are not in it."""

    encoding: str
    bad: dict[int, BadLine]
    bom: bool = False
    lines: int = 0

    @property
    def needs_copy(self) -> bool:
        """Whether the file must be written as UTF-8 before DuckDB reads it."""
        return self.encoding != "utf-8" or bool(self.bad)


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _reads_as_utf8(body: bytes) -> bool:
    """Whether a non-ASCII line is UTF-8. Valid UTF-8 is not enough: GBK hanzi whose lead
    byte is C2–DF and trail byte A1–BF are valid two-byte UTF-8 (母婴 → ``ĸӤ``). A line is
    UTF-8 when it decodes and has a character from U+0800 up (CJK in UTF-8 is three bytes),
    or when its characters are mostly Latin-1 letters and signs (``café``, ``·``, ``×``), or
    when no legacy encoding reads it as common text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if max(text) >= "\u0800":
        return True
    wide = [c for c in text if not c.isascii()]
    if 2 * sum("\u00a0" <= c <= "\u00ff" for c in wide) >= len(wide):
        return True
    for enc in LEGACY_ENCODINGS:
        with contextlib.suppress(UnicodeDecodeError):
            if plausibility(body.decode(enc), enc) >= MIN_PLAUSIBLE:
                return False
    return True


def _common(ch: str, encoding: str) -> bool:
    """Whether a decoded character is a common one of ``encoding``: GB2312 (the 6,763
    everyday hanzi, symbols and full-width forms) for GB18030; symbols and level 1 (the
    5,401 frequent hanzi, A140–C67E) for Big5."""
    if encoding == "gb18030":
        try:
            ch.encode("gb2312")
            return True
        except UnicodeEncodeError:
            return False
    try:
        code = int.from_bytes(ch.encode("big5"), "big")
    except UnicodeEncodeError:
        return False
    return 0xA140 <= code <= 0xC67E


def plausibility(text: str, encoding: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are common in ``encoding``.

    Big5 text read as GB18030 falls on rare GBK extension characters (服裝 → 狝杆: 狝 is not
    in GB2312), GBK text read as Big5 on Big5's level 2 (服装 → 督蚾); real text scores near 1.

    Examples
    --------
    >>> plausibility("服装", "gb18030"), plausibility("服装".encode("gbk").decode("big5"), "big5")
    (1.0, 0.5)
    """
    if encoding == "gb18030":  # the common case, one call: the whole text is GB2312
        with contextlib.suppress(UnicodeEncodeError):
            text.encode("gb2312")
            return 1.0
    chars = [c for c in text if not c.isascii()]
    if not chars:
        return 1.0
    return sum(_common(c, encoding) for c in chars) / len(chars)


def _show(raw: bytes, encoding: str | None) -> str:
    """A line's text for the quarantine: decoded when it can be, byte escapes otherwise."""
    body = raw.rstrip(b"\r\n")
    if encoding is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return body.decode(encoding)
    return body.decode("ascii", "backslashreplace")  # every non-ASCII byte as \xNN


def _lines_text(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10:,} more" if len(numbers) > 10 else "")


def _utf16_bom(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def plan_decoding(
    path: str | Path, requested: str = "auto", *, scan: FileScan | None = None
) -> Decoding:
    """Decide how to decode a text file, line by line (UTF-8 first).

    Parameters
    ----------
    path : path
    requested : {"auto", "utf-8", "gb18030", "big5", "utf-16"}
        ``read.encoding``. An explicit encoding is used for every line; lines that do not
        decode in it are quarantined as ``INVALID_ENCODING``.
    scan : FileScan, optional
        The file's :func:`scan_file`, when already made (whether it is valid UTF-8).

    Returns
    -------
    Decoding
        With ``auto``: UTF-8 when every non-ASCII line is UTF-8; otherwise the encoding most
        non-ASCII lines use (UTF-8 on a tie, and always with a UTF-8 byte-order mark), the
        legacy one chosen between GB18030 and Big5 by :func:`plausibility` (GB18030 on a
        tie). Lines in the other encoding are ``MIXED_ENCODING``; lines in none are
        ``INVALID_ENCODING``.

    Raises
    ------
    InputError
        ``UNKNOWN_ENCODING`` when the non-UTF-8 lines are in no encoding segkit can tell
        (the message names them); ``BOM_MISMATCH`` when a UTF-8 byte-order mark heads a
        file none of whose lines is UTF-8; ``INVALID_ENCODING`` when the header line is not
        in the file's encoding.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if requested == "utf-16" or (requested == "auto" and _utf16_bom(head)):
        return Decoding("utf-16", {})
    bom = head.startswith(codecs.BOM_UTF8)
    if scan is None and requested in ("auto", "utf-8"):
        scan = scan_file(path)
    if scan is not None and scan.utf8 and (requested == "utf-8" or not scan.narrow):
        # valid UTF-8, and no two-byte sequences GBK text could also be: no per-line work
        return Decoding("utf-8", {}, bom=bom)
    if requested != "auto":
        return _explicit(path, requested, bom)

    utf8_lines: list[int] = []
    utf8_text: dict[int, str] = {}  # kept only up to a bound (the quarantine shows them)
    other: list[tuple[int, bytes]] = []  # kept only up to a bound (messages, scoring)
    n_other = 0
    fails = dict.fromkeys(LEGACY_ENCODINGS, 0)
    texts: dict[str, list[str]] = {e: [] for e in LEGACY_ENCODINGS}
    sample = sampled = total = 0
    with open(path, "rb") as fh:
        for no, raw in enumerate(fh, start=1):
            total = no
            body = raw[3:] if no == 1 and bom else raw
            if body.isascii():
                continue
            if _reads_as_utf8(body):
                utf8_lines.append(no)
                if len(utf8_text) < _KEEP:
                    utf8_text[no] = _show(body, "utf-8")
                continue
            n_other += 1
            if len(other) < _KEEP:
                other.append((no, body))
            if sample >= _SAMPLE:  # the choice is made on a sample; every line is checked
                continue  # against the chosen encoding afterwards (_legacy_lines)
            sampled += 1
            for enc in LEGACY_ENCODINGS:
                try:
                    texts[enc].append(body.decode(enc))
                except UnicodeDecodeError:
                    fails[enc] += 1
            sample += len(body)
    scores = {e: plausibility("".join(texts[e]), e) for e in LEGACY_ENCODINGS}
    legacy = min(LEGACY_ENCODINGS, key=lambda e: (fails[e], -scores[e], LEGACY_ENCODINGS.index(e)))
    # lines the chosen encoding reads, estimated from the sample
    legacy_ok = round(n_other * (sampled - fails[legacy]) / sampled) if sampled else 0
    believable = legacy_ok > 0 and scores[legacy] >= MIN_PLAUSIBLE
    other_lines = [n for n, _ in other]
    if bom and not utf8_lines:
        reads = f"; they read as {legacy.upper()}" if believable else ""
        raise InputError(
            f"the file starts with a UTF-8 byte-order mark, but lines "
            f"{_lines_text(other_lines)} are not UTF-8{reads}: re-export it as UTF-8, or set "
            "read.encoding",
            file=path,
            row=other_lines[0],
            code="BOM_MISMATCH",
        )
    file_enc = "utf-8" if bom or len(utf8_lines) >= (legacy_ok if believable else 0) else legacy
    if not utf8_lines and not believable:
        why = (
            f"as {legacy.upper()} they would be mostly rare characters"
            if legacy_ok
            else "they decode neither as GB18030 nor as Big5"
        )
        raise InputError(
            f"cannot tell the file's encoding: lines {_lines_text(other_lines)} are not UTF-8, "
            f"and {why}; set read.encoding (utf-8, gb18030, big5, utf-16) or re-export as UTF-8",
            file=path,
            row=other_lines[0],
            code="UNKNOWN_ENCODING",
        )
    bad: dict[int, BadLine] = {}
    if file_enc == "utf-8":
        if n_other > len(other):
            raise InputError(
                f"{n_other:,} lines are not UTF-8 (lines {_lines_text(other_lines)}): the file "
                "mixes encodings; set read.encoding or re-export it as UTF-8",
                file=path,
                row=other_lines[0],
                code="UNKNOWN_ENCODING",
            )
        invalid = [n for n, b in other if not (believable and _decodes(b, legacy))]
        if len(invalid) > max(1, total // 10):  # a tenth of the lines is not a few
            raise InputError(
                f"cannot tell the file's encoding: lines {_lines_text(invalid)} are neither "
                "UTF-8 like the rest nor GB18030/Big5; set read.encoding or re-export as UTF-8",
                file=path,
                row=invalid[0],
                code="UNKNOWN_ENCODING",
            )
        for no, body in other:
            if believable and _decodes(body, legacy):
                bad[no] = BadLine(
                    no,
                    "MIXED_ENCODING",
                    _show(body, legacy),
                    f"line is {legacy.upper()}, the rest of the file UTF-8: re-export it",
                )
            else:
                bad[no] = BadLine(
                    no, "INVALID_ENCODING", _show(body, None), "line is not valid UTF-8"
                )
    else:
        if len(utf8_lines) > len(utf8_text):
            raise InputError(
                f"{len(utf8_lines):,} lines are UTF-8 (lines {_lines_text(utf8_lines)}) in a "
                f"{file_enc.upper()} file: the file mixes encodings; set read.encoding",
                file=path,
                row=utf8_lines[0],
                code="UNKNOWN_ENCODING",
            )
        for no in utf8_lines:
            bad[no] = BadLine(
                no,
                "MIXED_ENCODING",
                utf8_text[no],
                f"line is UTF-8, the rest of the file {file_enc.upper()}: re-export it",
            )
        bad.update(_legacy_lines(path, file_enc, bom, set(utf8_lines)))
        if len(bad) > max(1, total // 10):
            raise InputError(
                f"cannot tell the file's encoding: {len(utf8_lines):,} lines are UTF-8 and "
                f"{n_other:,} are not (lines {_lines_text(sorted(bad))} do not fit "
                f"{file_enc.upper()}); set read.encoding or re-export as UTF-8",
                file=path,
                row=min(bad),
                code="UNKNOWN_ENCODING",
            )
    dec = Decoding(file_enc, bad, bom=bom)
    if 1 in bad:
        raise InputError(
            f"the header line is not in the file's encoding ({file_enc}): {bad[1].detail}",
            file=path,
            row=1,
            code=bad[1].code,
        )
    return dec


def _legacy_lines(path: Path, encoding: str, bom: bool, skip: set[int]) -> dict[int, BadLine]:
    """The lines of a legacy-encoded file that are not in it: undecodable ones
    (``INVALID_ENCODING``), and ones whose reading is implausible while the other legacy
    encoding reads them as common text (a Big5 line in a GBK file: ``MIXED_ENCODING``)."""
    bad: dict[int, BadLine] = {}
    with open(path, "rb") as fh:
        for no, raw in enumerate(fh, start=1):
            body = raw[3:] if no == 1 and bom else raw
            if no in skip or body.isascii():
                continue
            try:
                text = body.decode(encoding)
            except UnicodeDecodeError:
                bad[no] = BadLine(
                    no, "INVALID_ENCODING", _show(body, None), f"line is not valid {encoding}"
                )
            else:
                if plausibility(text, encoding) < MIN_PLAUSIBLE:
                    for alt in LEGACY_ENCODINGS:
                        if alt == encoding:
                            continue
                        with contextlib.suppress(UnicodeDecodeError):
                            other = body.decode(alt)
                            if plausibility(other, alt) >= MIN_PLAUSIBLE:
                                bad[no] = BadLine(
                                    no,
                                    "MIXED_ENCODING",
                                    _show(body, alt),
                                    f"line reads as {alt.upper()}, the rest of the file "
                                    f"{encoding.upper()}: re-export it",
                                )
                                break
            if len(bad) > _KEEP:
                break
    return bad


def _explicit(path: Path, encoding: str, bom: bool) -> Decoding:
    """An explicit ``read.encoding``: lines that do not decode in it are quarantined."""
    bad: dict[int, BadLine] = {}
    with open(path, "rb") as fh:
        for no, raw in enumerate(fh, start=1):
            body = raw[3:] if no == 1 and bom and encoding == "utf-8" else raw
            if not body.isascii() and not _decodes(body, encoding):
                bad[no] = BadLine(
                    no, "INVALID_ENCODING", _show(body, None), f"line is not valid {encoding}"
                )
    if 1 in bad:
        raise InputError(
            f"the header line is not valid {encoding}; check read.encoding",
            file=path,
            row=1,
            code="INVALID_ENCODING",
        )
    return Decoding(encoding, bad, bom=bom)


def write_utf8(src: Path, dst: Path, decoding: Decoding) -> None:
    """Write ``src`` as UTF-8 (no BOM), one line for one line; a quarantined line becomes a
    sentinel line holding its number (the reader then rejects it; see :func:`read_csv_records`).
    """
    if decoding.encoding == "utf-16":
        _write_utf16_as_utf8(src, dst)
        return
    bad = decoding.bad
    enc = decoding.encoding
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for no, raw in enumerate(fin, start=1):
            if no == 1 and decoding.bom:
                raw = raw[3:]
            if no in bad:
                end = b"\r\n" if raw.endswith(b"\r\n") else b"\n"
                fout.write(f"{_SENTINEL}{no}".encode() + end)
            elif enc == "utf-8" or raw.isascii():
                fout.write(raw)
            else:
                fout.write(raw.decode(enc).encode("utf-8"))


def _write_utf16_as_utf8(src: Path, dst: Path) -> None:
    """Transcode a UTF-16 file (byte order from its BOM; little-endian without one)."""
    decoder = codecs.getincrementaldecoder("utf-16")("strict")
    line = 1
    with open(src, "rb") as fin, open(dst, "w", encoding="utf-8", newline="") as fout:
        try:
            for chunk in iter(lambda: fin.read(_CHUNK), b""):
                text = decoder.decode(chunk)
                fout.write(text)
                line += text.count("\n")
            fout.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise InputError(
                "not valid UTF-16 (a byte-order mark says UTF-16, or read.encoding does)",
                file=src,
                row=line,
                code="INVALID_ENCODING",
            ) from None


def decode_text(path: str | Path, requested: str = "auto") -> tuple[str, str]:
    """A whole small text file as ``str`` (side tables): any line not in the file's
    encoding is an error naming it. Returns the text and the encoding."""
    path = Path(path)
    dec = plan_decoding(path, requested)
    if dec.bad:
        first = dec.bad[min(dec.bad)]
        raise InputError(
            f"lines {_lines_text(sorted(dec.bad))} are not {dec.encoding}: {first.detail}",
            file=path,
            row=first.line,
            code=first.code,
        )
    data = path.read_bytes()
    if dec.encoding == "utf-16":
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError("not valid UTF-16", file=path, code="INVALID_ENCODING") from None
    return data.decode(dec.encoding).lstrip("\ufeff"), dec.encoding


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, streamed (the run manifest records it)."""
    return scan_file(path, text=False).sha256


def detect_encoding(path: str | Path) -> str:
    """A text file's encoding, decided line by line (:func:`plan_decoding`).

    Returns ``"utf-16"`` for a UTF-16 byte-order mark, ``"utf-8"`` when the file is valid
    UTF-8 (with or without BOM) or mostly so, else ``"gb18030"`` or ``"big5"``; raises
    :class:`InputError` when it cannot be told.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gb.csv"
    >>> _ = p.write_bytes("客户编号,金额\\n".encode("gb18030"))
    >>> detect_encoding(p)
    'gb18030'
    """
    return plan_decoding(path).encoding


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


def _bad_line_rows(decoding: Decoding, lines: list[int] | None = None) -> pd.DataFrame:
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


def _csv_unreadable(path: Path, exc: Exception) -> InputError:
    """The error for a CSV that DuckDB cannot parse, before or after the repaired copy."""
    return InputError(
        f"cannot parse as CSV (unterminated quote or mixed dialect?): {str(exc)[:300]}",
        file=path,
        code="CSV_UNREADABLE",
    )


def _line_endings(path: Path, limit: int = MAX_LINE_BYTES) -> tuple[bool, bool]:
    """(a line is longer than ``limit`` bytes, the file mixes CRLF and LF line ends)."""
    crlf = lf = False
    long = False
    with open(path, "rb") as fh:
        for raw in iter(lambda: fh.readline(limit + 2), b""):
            if len(raw) > limit:
                long = True
            elif raw.endswith(b"\r\n"):
                crlf = True
            elif raw.endswith(b"\n"):
                lf = True
    return long, crlf and lf


def read_csv_records(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    read: ReadOptions,
    work: Path,
    view: str,
    *,
    scan: FileScan | None = None,
) -> tuple[list[str], pd.DataFrame, dict[str, Any]]:
    """Create view ``view`` (raw text columns + ``_row``); return header, rejects, info.

    The file is decoded line by line (:func:`plan_decoding`); unless it is plain UTF-8 it is
    first written as UTF-8 to ``work`` (the input is never modified), with each line that is
    not in the file's encoding replaced by a sentinel the reader rejects, then reported as
    ``MIXED_ENCODING`` / ``INVALID_ENCODING`` with its line number.
    """
    if path.stat().st_size == 0:
        raise InputError("empty file: 0 data rows", file=path, code="EMPTY_FILE")
    decoding = plan_decoding(path, read.encoding, scan=scan)
    src = path
    if decoding.needs_copy:
        src = work / (view + ".utf8.csv")
        write_utf8(path, src, decoding)
    info: dict[str, Any] = {"encoding": decoding.encoding}

    if read.delimiter == "whitespace":
        lines = (
            f"SELECT line FROM read_csv({sql_str(str(src))}, "
            "columns={'line': 'VARCHAR'}, delim='\\x1e', quote='', escape='', header=false, "
            "auto_detect=false, encoding='utf-8')"
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
        usable = (
            f"_line >= {start} AND trim(line) <> '' AND NOT starts_with(line, {sql_str(_SENTINEL)})"
        )
        con.execute(
            f"CREATE TEMP VIEW {view} AS SELECT _line AS _row, {cols} FROM {view}_lines "
            f"WHERE {usable} AND len({parts}) = {width}"
        )
        rej = con.sql(
            f"SELECT _line AS source_row, line AS raw_value, len({parts}) AS n FROM {view}_lines "
            f"WHERE {usable} AND len({parts}) <> {width}"
        ).df()
        rej["reason_code"] = ["TOO_MANY_COLUMNS" if n > width else "MISSING_COLUMNS" for n in rej.n]
        rej["column"] = None
        rej["detail"] = [f"expected {width} fields, found {n}" for n in rej.n]
        info["delimiter"] = "whitespace"
        rej = rej.drop(columns="n")
        if decoding.bad:
            rej = pd.concat([rej, _bad_line_rows(decoding)], ignore_index=True)
            rej = rej.sort_values("source_row", kind="stable").reset_index(drop=True)
        return header, rej, info

    opts = [
        "all_varchar=true",
        "store_rejects=true",
        f"header={'true' if read.header else 'false'}",
        "encoding='utf-8'",
        "strict_mode=true",
    ]
    if read.delimiter:
        opts.append(f"delim={sql_str(read.delimiter)}")
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    delim = read.delimiter
    if delim is None:
        delim = sniff_delimiter(src, "utf-8", file=path)
        opts.append(f"delim={sql_str(delim)}")
    info["delimiter"] = delim
    raw_header = _first_record(src, "utf-8", delim) if read.header else []
    create = f"CREATE TEMP TABLE {view} AS SELECT * FROM read_csv"
    try:
        with _in_file_order(con):
            con.execute(f"{create}({sql_str(str(src))}, {', '.join(opts)})")
    except duckdb.Error as exc:
        long, mixed = _line_endings(src)
        if not (long or mixed):
            raise _csv_unreadable(path, exc) from None
        # repair a copy: lines too long become sentinels (Sc4), CRLF line ends become LF
        short = work / (view + ".short.csv")
        _cut_long_lines(src, short)
        info["line_endings"] = "mixed CRLF/LF, read as LF" if mixed else None
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        try:
            with _in_file_order(con):
                con.execute(f"{create}({sql_str(str(short))}, {', '.join(opts)})")
        except duckdb.Error as exc2:
            raise _csv_unreadable(path, exc2) from None
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
    if sentinel.any():  # lines the decoder set aside (rejected: fewer fields than the header)
        mine = [int(r) for r in rej.loc[sentinel, "source_row"]]
        rej = pd.concat(
            [rej[~sentinel], _bad_line_rows(decoding, [n for n in mine if n in decoding.bad])],
            ignore_index=True,
        )
    # A record's line number: header + its ordinal + rejected lines before it.
    first_data_line = 2 if read.header else 1
    bad_lines = sorted(int(x) for x in rej["source_row"].dropna())
    thresholds = [line - first_data_line - k + 1 for k, line in enumerate(bad_lines)]
    con.execute(f"CREATE TEMP TABLE {view}_shift(t BIGINT)")
    if thresholds:
        con.executemany(f"INSERT INTO {view}_shift VALUES (?)", [[t] for t in thresholds])
    row_sql = (
        f"{first_data_line - 1} + {ordinal} + "
        f"(SELECT count(*) FROM {view}_shift s WHERE s.t <= {ordinal})"
        if thresholds
        else f"{first_data_line - 1} + {ordinal}"
    )
    where = ""
    if decoding.bad and len(header) == 1:  # a one-field sentinel line was read as a record
        first_col = sql_ident(header[0])
        where = f" WHERE NOT coalesce(starts_with({first_col}, {sql_str(_SENTINEL)}), false)"
        accepted = sorted(set(decoding.bad) - set(bad_lines))
        if accepted:
            rej = pd.concat([rej, _bad_line_rows(decoding, accepted)], ignore_index=True)
    con.execute(
        f"CREATE TEMP VIEW {view}_v AS SELECT {row_sql} AS _row, {_columns(header)} "
        f"FROM {view}{where}"
    )
    rej = rej.sort_values("source_row", kind="stable").reset_index(drop=True)
    rej["source_row"] = rej["source_row"].astype("int64")
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
    # bare serial numbers in a 1904-date workbook count from 1904 (see collect._ts_1904)
    frame.attrs["date1904"] = bool(date1904)
    return frame, title
