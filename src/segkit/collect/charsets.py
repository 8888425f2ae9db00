"""Character sets: whether one line's bytes are UTF-8, GB18030 or Big5 text.

Strict GB18030 decodes almost any bytes, and GBK hanzi can be valid two-byte UTF-8, so
"it decodes" is not evidence. A legacy reading is believed by :func:`plausibility`: the share
of its characters that are common ones (GB2312 for GB18030, level 1 for Big5). These are the
per-line judgements :func:`segkit.collect.encoding.plan_decoding` decides a file with.
"""

from __future__ import annotations

import contextlib

#: legacy (non-Unicode) encodings segkit tells apart, in order of preference on a tie
LEGACY_ENCODINGS = ("gb18030", "big5")
#: below this share of common characters, a legacy reading is not believed (e.g. a
#: Shift-JIS or Latin-1 file decoding, by accident, as rare GBK characters)
MIN_PLAUSIBLE = 0.6


def decodes(raw: bytes, encoding: str) -> bool:
    """Whether ``raw`` decodes (strictly) in ``encoding``."""
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def reads_as_utf8(body: bytes) -> bool:
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


def show_line(raw: bytes, encoding: str | None) -> str:
    """A line's text for the quarantine: decoded when it can be, byte escapes otherwise."""
    body = raw.rstrip(b"\r\n")
    if encoding is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return body.decode(encoding)
    return body.decode("ascii", "backslashreplace")  # every non-ASCII byte as \xNN
