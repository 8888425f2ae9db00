"""Encodings: how to decode a text file, decided line by line (issue 14).

Strict GB18030 decodes almost any bytes, so guessing from a whole sample cannot see a UTF-8
file with one GBK line (every UTF-8 value becomes mojibake) or a Big5 file (read as rare GBK
characters). segkit therefore decides per line (:func:`plan_decoding`): a UTF-16 byte-order
mark is UTF-16; a file that is valid UTF-8 without two-byte sequences (the common case,
proved by :func:`segkit.collect.files.scan_file` while hashing) is read as it is; otherwise
each line is classed as ASCII, UTF-8 or "other", the "other" lines' legacy encoding is
chosen between GB18030 and Big5 by :func:`segkit.collect.charsets.plausibility`, the file's
encoding is the one most lines use (UTF-8 first on a tie), and every line in another
encoding becomes a :class:`BadLine` (``MIXED_ENCODING``; undecodable: ``INVALID_ENCODING``)
with its line number. Characters are never replaced.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
from pathlib import Path

from segkit.collect.charsets import (
    LEGACY_ENCODINGS,
    MIN_PLAUSIBLE,
    decodes,
    plausibility,
    reads_as_utf8,
    show_line,
)
from segkit.collect.files import FileScan, scan_file
from segkit.errors import InputError

#: at most this many lines of a file are quarantined for their encoding (more: refused)
_KEEP = 10_000
#: bytes of non-UTF-8 lines the legacy encoding is chosen on
_SAMPLE = 1 << 18


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


def lines_text(numbers: list[int]) -> str:
    """Line numbers for a message: the first ten, then how many more."""
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
        The file's :func:`segkit.collect.files.scan_file`, when already made (whether it
        is valid UTF-8).

    Returns
    -------
    Decoding
        With ``auto``: UTF-8 when every non-ASCII line is UTF-8; otherwise the encoding most
        non-ASCII lines use (UTF-8 on a tie, and always with a UTF-8 byte-order mark), the
        legacy one chosen between GB18030 and Big5 by
        :func:`segkit.collect.charsets.plausibility` (GB18030 on a tie). Lines in the
        other encoding are ``MIXED_ENCODING``; lines in none are ``INVALID_ENCODING``.

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
    census = _census(path, bom)
    choice = _Legacy.of(census)
    _refuse_untellable(path, bom, census, choice)
    if bom or len(census.utf8_lines) >= (choice.reads if choice.believable else 0):
        file_enc, bad = "utf-8", _bad_in_utf8_file(path, census, choice)
    else:
        file_enc, bad = choice.encoding, _bad_in_legacy_file(path, census, choice.encoding, bom)
    if 1 in bad:
        raise InputError(
            f"the header line is not in the file's encoding ({file_enc}): {bad[1].detail}",
            file=path,
            row=1,
            code=bad[1].code,
        )
    return Decoding(file_enc, bad, bom=bom)


@dataclasses.dataclass
class _Census:
    """One pass over a file's lines: which non-ASCII lines are UTF-8, which are not (both
    kept only up to a bound), and the legacy decodings of a sample of the others."""

    utf8_lines: list[int] = dataclasses.field(default_factory=list)
    utf8_text: dict[int, str] = dataclasses.field(default_factory=dict)
    other: list[tuple[int, bytes]] = dataclasses.field(default_factory=list)
    n_other: int = 0
    fails: dict[str, int] = dataclasses.field(
        default_factory=lambda: dict.fromkeys(LEGACY_ENCODINGS, 0)
    )
    texts: dict[str, list[str]] = dataclasses.field(
        default_factory=lambda: {e: [] for e in LEGACY_ENCODINGS}
    )
    sampled: int = 0
    total: int = 0

    @property
    def other_lines(self) -> list[int]:
        return [n for n, _ in self.other]


def _census(path: Path, bom: bool) -> _Census:
    """Class every line of ``path`` as ASCII, UTF-8 or other (:func:`reads_as_utf8`)."""
    c = _Census()
    sample = 0
    with open(path, "rb") as fh:
        for no, raw in enumerate(fh, start=1):
            c.total = no
            body = raw[3:] if no == 1 and bom else raw
            if body.isascii():
                continue
            if reads_as_utf8(body):
                c.utf8_lines.append(no)
                if len(c.utf8_text) < _KEEP:
                    c.utf8_text[no] = show_line(body, "utf-8")
                continue
            c.n_other += 1
            if len(c.other) < _KEEP:
                c.other.append((no, body))
            if sample >= _SAMPLE:  # the choice is made on a sample; every line is checked
                continue  # against the chosen encoding afterwards (_legacy_lines)
            c.sampled += 1
            for enc in LEGACY_ENCODINGS:
                try:
                    c.texts[enc].append(body.decode(enc))
                except UnicodeDecodeError:
                    c.fails[enc] += 1
            sample += len(body)
    return c


@dataclasses.dataclass(frozen=True)
class _Legacy:
    """The legacy encoding the non-UTF-8 lines are read in, and whether to believe it."""

    encoding: str
    #: lines it reads, estimated from the sample
    reads: int
    believable: bool

    @classmethod
    def of(cls, c: _Census) -> _Legacy:
        scores = {e: plausibility("".join(c.texts[e]), e) for e in LEGACY_ENCODINGS}
        legacy = min(
            LEGACY_ENCODINGS, key=lambda e: (c.fails[e], -scores[e], LEGACY_ENCODINGS.index(e))
        )
        reads = round(c.n_other * (c.sampled - c.fails[legacy]) / c.sampled) if c.sampled else 0
        return cls(legacy, reads, reads > 0 and scores[legacy] >= MIN_PLAUSIBLE)


def _refuse_untellable(path: Path, bom: bool, c: _Census, choice: _Legacy) -> None:
    """``BOM_MISMATCH``: a UTF-8 byte-order mark but no UTF-8 line; ``UNKNOWN_ENCODING``:
    no UTF-8 line and no believable legacy reading."""
    legacy, other_lines = choice.encoding, c.other_lines
    if bom and not c.utf8_lines:
        reads = f"; they read as {legacy.upper()}" if choice.believable else ""
        raise InputError(
            f"the file starts with a UTF-8 byte-order mark, but lines "
            f"{lines_text(other_lines)} are not UTF-8{reads}: re-export it as UTF-8, or set "
            "read.encoding",
            file=path,
            row=other_lines[0],
            code="BOM_MISMATCH",
        )
    if not c.utf8_lines and not choice.believable:
        why = (
            f"as {legacy.upper()} they would be mostly rare characters"
            if choice.reads
            else "they decode neither as GB18030 nor as Big5"
        )
        raise InputError(
            f"cannot tell the file's encoding: lines {lines_text(other_lines)} are not UTF-8, "
            f"and {why}; set read.encoding (utf-8, gb18030, big5, utf-16) or re-export as UTF-8",
            file=path,
            row=other_lines[0],
            code="UNKNOWN_ENCODING",
        )


def _bad_in_utf8_file(path: Path, c: _Census, choice: _Legacy) -> dict[int, BadLine]:
    """The non-UTF-8 lines of a UTF-8 file: ``MIXED_ENCODING`` when the legacy encoding
    reads them, ``INVALID_ENCODING`` otherwise; refused when they are not a few."""
    legacy, other_lines = choice.encoding, c.other_lines
    if c.n_other > len(c.other):
        raise InputError(
            f"{c.n_other:,} lines are not UTF-8 (lines {lines_text(other_lines)}): the file "
            "mixes encodings; set read.encoding or re-export it as UTF-8",
            file=path,
            row=other_lines[0],
            code="UNKNOWN_ENCODING",
        )
    invalid = [n for n, b in c.other if not (choice.believable and decodes(b, legacy))]
    if len(invalid) > max(1, c.total // 10):  # a tenth of the lines is not a few
        raise InputError(
            f"cannot tell the file's encoding: lines {lines_text(invalid)} are neither "
            "UTF-8 like the rest nor GB18030/Big5; set read.encoding or re-export as UTF-8",
            file=path,
            row=invalid[0],
            code="UNKNOWN_ENCODING",
        )
    bad: dict[int, BadLine] = {}
    for no, body in c.other:
        if choice.believable and decodes(body, legacy):
            bad[no] = BadLine(
                no,
                "MIXED_ENCODING",
                show_line(body, legacy),
                f"line is {legacy.upper()}, the rest of the file UTF-8: re-export it",
            )
        else:
            bad[no] = BadLine(
                no, "INVALID_ENCODING", show_line(body, None), "line is not valid UTF-8"
            )
    return bad


def _bad_in_legacy_file(path: Path, c: _Census, file_enc: str, bom: bool) -> dict[int, BadLine]:
    """The lines of a legacy-encoded file that are not in it: its UTF-8 lines
    (``MIXED_ENCODING``) and :func:`_legacy_lines`; refused when they are not a few."""
    if len(c.utf8_lines) > len(c.utf8_text):
        raise InputError(
            f"{len(c.utf8_lines):,} lines are UTF-8 (lines {lines_text(c.utf8_lines)}) in a "
            f"{file_enc.upper()} file: the file mixes encodings; set read.encoding",
            file=path,
            row=c.utf8_lines[0],
            code="UNKNOWN_ENCODING",
        )
    bad: dict[int, BadLine] = {}
    for no in c.utf8_lines:
        bad[no] = BadLine(
            no,
            "MIXED_ENCODING",
            c.utf8_text[no],
            f"line is UTF-8, the rest of the file {file_enc.upper()}: re-export it",
        )
    bad.update(_legacy_lines(path, file_enc, bom, set(c.utf8_lines)))
    if len(bad) > max(1, c.total // 10):
        raise InputError(
            f"cannot tell the file's encoding: {len(c.utf8_lines):,} lines are UTF-8 and "
            f"{c.n_other:,} are not (lines {lines_text(sorted(bad))} do not fit "
            f"{file_enc.upper()}); set read.encoding or re-export as UTF-8",
            file=path,
            row=min(bad),
            code="UNKNOWN_ENCODING",
        )
    return bad


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
                    no, "INVALID_ENCODING", show_line(body, None), f"line is not valid {encoding}"
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
                                    show_line(body, alt),
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
            if not body.isascii() and not decodes(body, encoding):
                bad[no] = BadLine(
                    no, "INVALID_ENCODING", show_line(body, None), f"line is not valid {encoding}"
                )
    if 1 in bad:
        raise InputError(
            f"the header line is not valid {encoding}; check read.encoding",
            file=path,
            row=1,
            code="INVALID_ENCODING",
        )
    return Decoding(encoding, bad, bom=bom)


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
