"""Transcoding: the UTF-8 copy DuckDB reads, and the repairs made on the way.

The input is never modified. A file that is not plain UTF-8 is written as UTF-8 to scratch
space (:func:`write_utf8`), each line the decoder set aside replaced by a one-field sentinel
line holding its number, which the reader rejects and the quarantine reports with the
line's own text. A file DuckDB refuses for a line over :data:`MAX_LINE_BYTES` or for mixed
CRLF/LF line ends is copied once more by :func:`cut_long_lines`. Small side tables are
decoded whole (:func:`decode_text`).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from segkit.collect.encoding import Decoding, lines_text, plan_decoding
from segkit.collect.files import CHUNK_BYTES
from segkit.errors import InputError

#: a line the decoder set aside is written as this, then its line number
BAD_LINE_SENTINEL = "\x07SEGKIT_BAD_LINE\x07"
#: a line too long to read is written as this, then its length in bytes
LONG_LINE_SENTINEL = "\x07SEGKIT_LINE_TOO_LONG\x07"
#: lines longer than this (bytes) are quarantined as ``LINE_TOO_LONG`` (Sc4)
MAX_LINE_BYTES = 1 << 20


def cut_long_lines(src: Path, dst: Path, limit: int = MAX_LINE_BYTES) -> int:
    """Copy ``src`` to ``dst`` with CRLF line ends written as LF (a file mixing both is
    refused by DuckDB's strict reader) and every line longer than ``limit`` bytes replaced
    by a one-field sentinel line holding its length; the reader rejects that line and
    :func:`segkit.collect.csvread.read_csv_records` reports it as ``LINE_TOO_LONG``.
    Returns how many lines."""
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
            fout.write(f"{LONG_LINE_SENTINEL}{size}\n".encode())
    return cut


def write_utf8(src: Path, dst: Path, decoding: Decoding) -> None:
    """Write ``src`` as UTF-8 (no BOM), one line for one line; a quarantined line becomes a
    sentinel line holding its number (the reader then rejects it; see
    :func:`segkit.collect.csvread.read_csv_records`).
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
                fout.write(f"{BAD_LINE_SENTINEL}{no}".encode() + end)
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
            for chunk in iter(lambda: fin.read(CHUNK_BYTES), b""):
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
            f"lines {lines_text(sorted(dec.bad))} are not {dec.encoding}: {first.detail}",
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


def line_endings(path: Path, limit: int = MAX_LINE_BYTES) -> tuple[bool, bool]:
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
