"""Source files: which formats are read, which are refused, and one streamed pass per file.

:func:`scan_file` hashes a file and, for text, proves it valid UTF-8 in the same pass (a
CSV that is needs no per-line decoding, see :mod:`segkit.collect.encoding`);
:func:`check_unchanged` refuses a file whose size or time stamp moved after it was hashed
(``FILE_CHANGED``), so the recorded hash describes the data that was read.
"""

from __future__ import annotations

import codecs
import dataclasses
import glob
import hashlib
import os
import re
import stat
from pathlib import Path

from segkit.errors import InputError

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".dat"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
REFUSED_SUFFIXES = {".pkl", ".pickle", ".joblib", ".npy", ".npz"}

#: bytes read at a time when a file is hashed or transcoded
CHUNK_BYTES = 1 << 20
_NARROW_LEAD = re.compile(rb"[\xc2-\xdf]")


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
        for chunk in iter(lambda: fh.read(CHUNK_BYTES), b""):
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


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, streamed (the run manifest records it)."""
    return scan_file(path, text=False).sha256


def expand_paths(path: str | Path) -> list[Path]:
    """The files a path or glob names (sorted); pickles are refused, a missing file is an
    error."""
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
