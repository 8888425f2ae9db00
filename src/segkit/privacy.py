"""Keyed pseudonymisation (HMAC-SHA256) and masking of names, phones, ID numbers, e-mails.

Without the key nobody can re-identify anyone; logs and errors go through mask_text.

Examples
--------
>>> is_valid_phone("+86 138-0013-8000"), is_valid_phone("12800138000")
(True, False)
>>> is_valid_id_number("11010519491231002X"), is_valid_id_number("11010519491231003X")
(True, False)
>>> mask_phone("+86 138-0013-8000"), mask_id_number("11010519491231002x")
('138****8000', '110*************2X')
>>> mask_name("张三"), mask_name("欧阳娜娜"), mask_name("John Smith"), mask_name("李")
('张*', '欧***', 'J*** S****', '*')
>>> assert_outside(Path("/keys/k.key"), Path("/reports"))  # raises if the key is in /reports
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

PII_KINDS = ("name", "phone", "id_number", "email")
KEY_ENV = "SEGKIT_PSEUDONYM_KEY"
_MIN_KEY_BYTES = 32
_log = logging.getLogger(__name__)

_nfkc = functools.partial(unicodedata.normalize, "NFKC")
_PHONE_JUNK = re.compile(r"[\s\-\u2010-\u2015()\[\]{}\u3010\u3011.]+")
_PHONE_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1[3-9][0-9]{9}$)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_D = "[0-9\uff10-\uff19]"  # ASCII or full-width; free-text matches never touch another _D
_S = "[ .\\-\u3000\uff0d\uff0e]?"  # optional separator between a mobile's 3-4-4 groups
_TEXT_PII = re.compile(  # order matters: an e-mail such as 13800138000@qq.com wins
    r"(?P<email>(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,})"  # then mobiles: never inside a longer digit run or a decimal amount
    rf"|(?P<phone>(?<!{_D})(?<!{_D}[.\uff0e])(?:(?:[+\uff0b]|[0\uff10]{{2}})?[8\uff18][6\uff16]{_S})?"
    rf"[1\uff11][3-9\uff13-\uff19]{_D}{_S}{_D}{{4}}{_S}{_D}{{4}}(?![.\uff0e]?{_D}))"
    rf"|(?P<id>(?<!{_D})(?:{_D}{{17}}[0-9Xx\uff10-\uff19\uff38\uff58]|{_D}{{15}})(?!{_D}))"
)


def _norm_phone(v: str) -> str:
    if len(v) == 11 and v.isdigit() and v.isascii():  # fast path for clean data
        return v
    return _PHONE_PREFIX.sub("", _nfkc(_PHONE_JUNK.sub("", _nfkc(v))))


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "name": lambda v: " ".join(_nfkc(v).split()),
    "phone": _norm_phone,
    "id_number": lambda v: _nfkc("".join(_nfkc(v).split()).upper()),
    "email": lambda v: v.strip().lower(),
}


def default_key_path() -> Path:
    """``$SEGKIT_KEY_FILE``, else ``($XDG_CONFIG_HOME or ~/.config)/segkit/pseudonym.key``."""
    if override := os.environ.get("SEGKIT_KEY_FILE"):
        return Path(override).expanduser()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or "~/.config").expanduser()
    return (xdg if xdg.is_absolute() else Path.home() / ".config") / "segkit" / "pseudonym.key"


def load_key(path: Path | None = None, *, create: bool = True) -> bytes:
    """Load the secret pseudonymisation key: ``$SEGKIT_PSEUDONYM_KEY`` (hex), else the key
    file ``path`` (default :func:`default_key_path`), else, if ``create``, 32 random bytes
    written as hex to that file with mode ``0o600``. Raises ``ValueError`` for a malformed or
    short key (never quoting it) and ``FileNotFoundError`` if there is none and not ``create``.

    Examples
    --------
    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "sub" / "pseudonym.key"
    >>> len(load_key(p)) >= 32 and load_key(p) == load_key(p)
    True
    """
    file = Path(path if path is not None else default_key_path()).expanduser()
    if (raw := os.environ.get(KEY_ENV, "").encode("utf-8", "replace")).strip():
        source = f"environment variable {KEY_ENV}"
    elif file.exists():
        raw, source = file.read_bytes(), f"key file {file}"
        if os.name == "posix" and file.stat().st_mode & 0o077:
            _log.warning("key file %s is readable by other users; chmod 600 it", file)
    elif not create:
        raise FileNotFoundError(f"no pseudonymisation key: set {KEY_ENV} or create {file}")
    else:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(_MIN_KEY_BYTES)
        with os.fdopen(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            os.chmod(file, 0o600)  # O_EXCL: never overwrite a fresh key; chmod: odd umasks
            fh.write(key.hex() + "\n")
        _log.info("created pseudonymisation key file %s", file)
        return key
    try:  # messages name the key's source, never its content; ``from None`` hides details
        key = bytes.fromhex(raw.decode("ascii").strip())
    except ValueError:
        raise ValueError(f"pseudonymisation key from {source} is not a hex string") from None
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(
            f"pseudonymisation key from {source} has {len(key)} bytes, {_MIN_KEY_BYTES} needed "
            "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return key


def assert_outside(key_path: Path, *dirs: Path) -> None:
    """Raise ``ValueError`` if the key file lies inside any of the output directories ``dirs``."""
    key = Path(key_path).expanduser().resolve()
    for out in (Path(d).expanduser().resolve() for d in dirs):
        if key.is_relative_to(out):
            raise ValueError(f"key file {key} lies inside output directory {out}; move it out")


def normalise_pii(value: str, kind: str) -> str:
    """Canonical form of a PII value so that spelling variants of one person coincide.

    ``phone``: NFKC, drop spaces/dashes/brackets/dots and a ``+86``/``0086``/``86`` prefix
    before an 11-digit mobile. ``id_number``: NFKC, drop spaces, upper-case ``X``.
    ``name``: NFKC, strip, collapse inner whitespace. ``email``: strip, lower-case.

    Examples
    --------
    >>> normalise_pii("+86 (138) 0013-8000", "phone"), normalise_pii("１１０ ２x", "id_number")
    ('13800138000', '1102X')
    >>> normalise_pii("  John   Smith ", "name"), normalise_pii(" A@Example.COM", "email")
    ('John Smith', 'a@example.com')
    """
    if kind not in _NORMALISERS:
        raise ValueError(f"unknown PII kind {kind!r}; expected one of {PII_KINDS}")
    if not isinstance(value, str):
        raise TypeError(f"normalise_pii expects str, got {type(value).__name__}")
    return _NORMALISERS[kind](value)


def pseudonymise(values: pd.Series, key: bytes, *, kind: str, prefix: str = "P") -> pd.Series:
    """Replace PII by ``prefix`` + 16 hex chars of ``HMAC-SHA256(key, kind\\x1fnormalised)``.

    Missing values (NaN, None, ``pd.NA``, blank) stay ``pd.NA``; ``13800138000.0`` reads as
    digits; each distinct value is hashed once. Returns ``string`` dtype, same index and name.

    Examples
    --------
    >>> s = pd.Series(["138 0013 8000", "+8613800138000", None])
    >>> out = pseudonymise(s, bytes(32), kind="phone")
    >>> out[0] == out[1], out[0], out.isna().tolist()
    (True, 'Pfa6f3fb77119ff96', [False, False, True])
    """
    normalise_pii("", kind)  # validates kind
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"key must be at least {_MIN_KEY_BYTES} bytes; use load_key()")
    # RFC 2104 HMAC, padded-key states hashed once: 2.5x faster than hmac.digest() per value.
    k = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cache: dict[str, object] = {"": pd.NA}
    aliases: list[object] = []
    for raw in uniques.tolist():
        if type(raw) is not str:  # numbers: e.g. phones read as float because of NaNs
            num = isinstance(raw, int | float | np.number) and float(raw).is_integer()
            raw = str(int(raw)) if num else str(raw)
        n = _NORMALISERS[kind](raw)
        if (alias := cache.get(n)) is None:
            i, o = inner.copy(), outer.copy()
            i.update(f"{kind}\x1f{n}".encode())
            o.update(i.digest())
            alias = cache[n] = prefix + o.digest()[:8].hex()
        aliases.append(alias)
    aliases.append(pd.NA)  # code -1 (missing) picks this last slot
    data = pd.array(np.array(aliases, dtype=object)[codes], dtype="string")
    return pd.Series(data, index=values.index, name=values.name, copy=False)


def pseudonymise_frame(df: pd.DataFrame, key: bytes, columns: Mapping[str, str]) -> pd.DataFrame:
    """Return a new frame in which the PII ``columns`` (``{column: kind}``) hold pseudonyms.

    Examples
    --------
    >>> df = pd.DataFrame({"手机": ["13800138000"], "金额": [12.5]})
    >>> out = pseudonymise_frame(df, bytes(32), {"手机": "phone"})
    >>> out.columns.tolist(), out.loc[0, "手机"], df.loc[0, "手机"]
    (['手机', '金额'], 'Pfa6f3fb77119ff96', '13800138000')
    """
    if missing := [c for c in columns if c not in df.columns]:
        raise KeyError(f"PII columns not in frame: {missing}")
    out = df.copy()
    for column, kind in columns.items():
        out[column] = pseudonymise(df[column], key, kind=kind)
    return out


def is_valid_phone(value: str) -> bool:
    """Whether ``value`` is a mainland mobile (``1[3-9]`` + 9 digits) once normalised."""
    return isinstance(value, str) and bool(re.fullmatch(r"1[3-9][0-9]{9}", _norm_phone(value)))


def is_valid_id_number(value: str) -> bool:
    """Whether ``value`` is an 18-char resident ID with a correct GB 11643-1999 check
    character and a real birth date (YYYYMMDD, 1900 <= year <= this year)."""
    v = _NORMALISERS["id_number"](value) if isinstance(value, str) else ""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", v):
        return False
    total = sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return v[17] == "10X98765432"[total % 11] and 1900 <= born.year <= date.today().year


def mask_phone(v: str) -> str:
    """Keep the first 3 and last 4 digits: ``13800138000`` -> ``138****8000`` (short: all ``*``)."""
    d = _norm_phone(v)
    return d[:3] + "*" * (len(d) - 7) + d[-4:] if len(d) >= 11 else "*" * len(d)


def mask_id_number(v: str) -> str:
    """Keep the first 3 and last 2 characters: ``110*************2X``."""
    d = _NORMALISERS["id_number"](v)
    return d[:3] + "*" * (len(d) - 5) + d[-2:] if len(d) >= 15 else "*" * len(d)


def mask_name(v: str) -> str:
    """Keep the first character of each word (``张*``, ``J*** S****``); ``李`` -> ``*``."""
    words = _NORMALISERS["name"](v).split(" ")
    keep = int(len(words) > 1 or len(words[0]) > 1)
    return " ".join(w[:keep] + "*" * (len(w) - keep) for w in words)


def _mask_match(m: re.Match[str]) -> str:
    if email := m.group("email"):
        local, _, domain = email.rpartition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(m.group("phone")) if m.group("phone") else mask_id_number(m.group("id"))


def mask_text(text: str) -> str:
    """Mask mobiles (also ``+86``, spaced, dashed, full-width), 15/18-char ID numbers and
    e-mails in free text. Digit runs inside longer runs (amounts, dates, ids) are left alone.

    Examples
    --------
    >>> mask_text("电话 +86 138-0013-8000, 身份证 11010519491231002X, 金额 1234.50")
    '电话 138****8000, 身份证 110*************2X, 金额 1234.50'
    >>> mask_text("mail Zhang.San@Example.com on 20230928, order O0000001234")
    'mail Z***@Example.com on 20230928, order O0000001234'
    """
    return _TEXT_PII.sub(_mask_match, text)


class MaskingFilter(logging.Filter):
    """Format ``msg % args``, mask it with :func:`mask_text`, clear ``args``; mask exc_text too.

    Examples
    --------
    >>> rec = logging.LogRecord("segkit", logging.INFO, "", 0, "tel %s", ("13800138000",), None)
    >>> MaskingFilter().filter(rec), rec.getMessage()
    (True, 'tel 138****8000')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format string: keep the template, drop the (unsafe) args
            message = str(record.msg)
        record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:  # tracebacks quote exception messages
            record.exc_text = mask_text(record.exc_text)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Add a :class:`MaskingFilter` to ``logger`` (default ``'segkit'``); idempotent.

    Logger filters miss records from child loggers, so existing descendants (``segkit.io``)
    and ``logger``'s handlers get one too; call again after adding loggers or handlers.
    """
    target = logger if logger is not None else logging.getLogger("segkit")
    holders: list[logging.Filterer] = [target, *target.handlers]
    for name, lg in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith(target.name + ".") and isinstance(lg, logging.Logger):
            holders.append(lg)
    for holder in holders:
        if not any(isinstance(f, MaskingFilter) for f in holder.filters):
            holder.addFilter(MaskingFilter())


# --- personal data hidden in values, labels, column and file names -------------------------

#: the most common Chinese surnames (single characters) and compound surnames; a short Han
#: string starting with one of them may be a person's name
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = tuple(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 "
    "长孙 宇文 司徒 端木 独孤 南宫 西门".split()
)
_HAN_NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]{2,4}")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:[ .\-][A-Z][a-z]+){1,2}")


def contains_pii(text: object) -> bool:
    """Whether ``text`` holds a mobile number (``+86`` too), an ID number or an e-mail
    anywhere (what :func:`mask_text` would mask).

    Examples
    --------
    >>> contains_pii("回访_13800138000"), contains_pii("a@b.cn"), contains_pii("O0000001234")
    (True, True, False)
    """
    return isinstance(text, str) and _TEXT_PII.search(text) is not None


def looks_like_name(text: object) -> bool:
    """Whether ``text`` as a whole looks like a person's name: 2–3 Han characters after a
    common surname (4 after a compound one), or two or three capitalised Latin words.

    A heuristic on the safe side: ``黄金`` or ``Home Garden`` look like names too, and are
    then shown by a neutral label (:func:`neutral_labels`), never the other way round.

    Examples
    --------
    >>> looks_like_name("李莫愁"), looks_like_name("欧阳娜娜"), looks_like_name("Canaryname Zed")
    (True, True, True)
    >>> looks_like_name("服装"), looks_like_name("online"), looks_like_name("数码产品")
    (False, False, False)
    """
    if not isinstance(text, str):
        return False
    t = " ".join(_nfkc(text).split())
    if _HAN_NAME.fullmatch(t):
        if t.startswith(_COMPOUND_SURNAMES):
            return len(t) in (3, 4)
        return t[0] in _SURNAMES and len(t) in (2, 3)
    return _LATIN_NAME.fullmatch(t) is not None


def looks_personal(text: object) -> bool:
    """:func:`contains_pii` or :func:`looks_like_name`: the one test segkit applies to every
    data-derived label (category levels, segment and feature names, survey and master
    headers, file names) before it can reach an output."""
    return contains_pii(text) or looks_like_name(text)


def neutral_labels(levels: pd.Series, role: str, *, min_customers: int = 1) -> dict[str, str]:
    """Neutral labels for the levels of a category-like column that may identify a person.

    ``levels`` maps each level (index) to the number of distinct customers that have it. A
    level :func:`looks_personal`, or used by fewer than ``min_customers`` customers, gets
    ``f"{role}_{rank:02d}"`` (rank among all levels by customers, then text, from 1); the
    others are not in the result (they are shown as they are).

    Examples
    --------
    >>> counts = pd.Series({"服装": 90, "13900139000": 40, "李莫愁": 30, "家居": 2})
    >>> neutral_labels(counts, "category", min_customers=5)
    {'13900139000': 'category_02', '李莫愁': 'category_03', '家居': 'category_04'}
    """
    order = sorted(levels.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
    width = max(2, len(str(len(order))))
    return {
        str(level): f"{role}_{rank:0{width}d}"
        for rank, (level, count) in enumerate(order, start=1)
        if looks_personal(str(level)) or int(count) < min_customers
    }


def safe_label(text: object, fallback: str = "item") -> str:
    """``text`` for display when it cannot be personal, else a masked form: phones, ID
    numbers and e-mails masked (:func:`mask_text`); a name-like text becomes ``fallback``.

    Examples
    --------
    >>> safe_label("回访_13800138000"), safe_label("满意度"), safe_label("李莫愁", "survey_3")
    ('回访_138****8000', '满意度', 'survey_3')
    """
    value = str(text)
    return fallback if looks_like_name(value) else mask_text(value)


def pii_kind(value: object) -> str | None:
    """The PII kind of an identifier as a whole: ``phone`` (a mainland mobile, ``+86`` and
    spacing allowed), ``id_number`` (18 characters with a valid check character), ``email``,
    or None.

    Examples
    --------
    >>> pii_kind("+8613800138001"), pii_kind("11010519491231002X"), pii_kind("C00012")
    ('phone', 'id_number', None)
    """
    if not isinstance(value, str) or not value:
        return None
    if is_valid_phone(value):
        return "phone"
    if is_valid_id_number(value):
        return "id_number"
    if "@" in value and _TEXT_PII.fullmatch(value.strip()) is not None:
        return "email"
    return None


def pseudonymise_ids(ids: pd.Series, key: bytes) -> tuple[pd.Series, int]:
    """Replace customer ids that are personal data (:func:`pii_kind`: mobile numbers, ID
    numbers, e-mails) by keyed pseudonyms ``C`` + 16 hex characters; other ids are kept.

    The pseudonym of a phone id does not depend on its spelling (``+86 138 0013 8001`` and
    ``13800138001`` give one id), so master, survey and transactions still join. Returns the
    new ids and how many distinct ids were replaced.

    Examples
    --------
    >>> out, n = pseudonymise_ids(pd.Series(["+8613800138001", "13800138001", "C7"]), bytes(32))
    >>> out[0] == out[1] != "13800138001", out[2], n
    (True, 'C7', 2)
    """
    values = ids.astype("object")
    distinct = pd.Series(pd.unique(values.dropna()))
    kinds = distinct.map(pii_kind)
    mapping: dict[object, object] = {}
    for kind in ("phone", "id_number", "email"):
        chosen = distinct[kinds == kind]
        if len(chosen):
            aliases = pseudonymise(chosen.astype(str), key, kind=kind, prefix="C")
            mapping.update(zip(chosen.tolist(), aliases.tolist(), strict=True))
    if not mapping:
        return ids, 0
    out = values.map(lambda v: mapping.get(v, v))
    return out.astype(ids.dtype if ids.dtype != object else object), len(mapping)


def mask_frame_text(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """A copy of ``frame`` whose text ``columns`` (those present) went through
    :func:`mask_text` (each distinct value once; missing values stay missing).

    Examples
    --------
    >>> q = pd.DataFrame({"raw_value": ["13800138000", None, "12.5"], "n": [1, 2, 3]})
    >>> mask_frame_text(q, ["raw_value", "detail"])["raw_value"].tolist()
    ['138****8000', None, '12.5']
    """
    out = frame.copy()
    for col in columns:
        if col not in out:
            continue
        values = out[col].astype("object")
        distinct = {v: mask_text(v) for v in pd.unique(values.dropna()) if isinstance(v, str)}
        masked = [
            distinct.get(v, v) if isinstance(v, str) else None if pd.isna(v) else v for v in values
        ]
        out[col] = pd.Series(masked, index=out.index, dtype="object")
    return out


def mask_json(data: object) -> object:
    """``data`` (JSON-like: dicts, lists, strings, numbers) with every string — keys too —
    passed through :func:`mask_text` (file paths, column names in a manifest).

    Examples
    --------
    >>> mask_json({"path": "/in/orders_13700137000.csv", "columns": {"cat": "品类"}, "n": 3})
    {'path': '/in/orders_137****7000.csv', 'columns': {'cat': '品类'}, 'n': 3}
    """
    if isinstance(data, str):
        return mask_text(data)
    if isinstance(data, dict):
        return {mask_json(k): mask_json(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [mask_json(v) for v in data]
    return data
