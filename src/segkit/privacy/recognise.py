"""Recognising personal data: mobiles, ID numbers, e-mails and name-like text.

One canonical form per value (:func:`normalise_pii`), the validity checks of a mainland
mobile and a resident ID number (GB 11643-1999), and the one test segkit applies to every
data-derived label before it can reach an output (:func:`looks_personal`).

Examples
--------
>>> is_valid_phone("+86 138-0013-8000"), is_valid_phone("12800138000")
(True, False)
>>> is_valid_id_number("11010519491231002X"), is_valid_id_number("11010519491231003X")
(True, False)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date

#: the kinds of personal data segkit can pseudonymise
PII_KINDS = ("name", "phone", "id_number", "email")

nfkc = functools.partial(unicodedata.normalize, "NFKC")
_PHONE_JUNK = re.compile(r"[\s\-\u2010-\u2015()\[\]{}\u3010\u3011.]+")
_PHONE_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1[3-9][0-9]{9}$)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_D = "[0-9\uff10-\uff19]"  # ASCII or full-width; free-text matches never touch another _D
_S = "[ .\\-\u3000\uff0d\uff0e]?"  # optional separator between a mobile's 3-4-4 groups
#: mobiles, 15/18-character ID numbers and e-mails anywhere in free text
TEXT_PII = re.compile(  # order matters: an e-mail such as 13800138000@qq.com wins
    r"(?P<email>(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,})"  # then mobiles: never inside a longer digit run or a decimal amount
    rf"|(?P<phone>(?<!{_D})(?<!{_D}[.\uff0e])(?:(?:[+\uff0b]|[0\uff10]{{2}})?[8\uff18][6\uff16]{_S})?"
    rf"[1\uff11][3-9\uff13-\uff19]{_D}{_S}{_D}{{4}}{_S}{_D}{{4}}(?![.\uff0e]?{_D}))"
    rf"|(?P<id>(?<!{_D})(?:{_D}{{17}}[0-9Xx\uff10-\uff19\uff38\uff58]|{_D}{{15}})(?!{_D}))"
)


def norm_phone(v: str) -> str:
    """A phone as its digits (``+86``/``0086``/``86`` prefix, spaces, dashes, brackets gone)."""
    if len(v) == 11 and v.isdigit() and v.isascii():  # fast path for clean data
        return v
    return _PHONE_PREFIX.sub("", nfkc(_PHONE_JUNK.sub("", nfkc(v))))


#: kind → the function giving a value's canonical form (:func:`normalise_pii`)
NORMALISERS: dict[str, Callable[[str], str]] = {
    "name": lambda v: " ".join(nfkc(v).split()),
    "phone": norm_phone,
    "id_number": lambda v: nfkc("".join(nfkc(v).split()).upper()),
    "email": lambda v: v.strip().lower(),
}


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
    if kind not in NORMALISERS:
        raise ValueError(f"unknown PII kind {kind!r}; expected one of {PII_KINDS}")
    if not isinstance(value, str):
        raise TypeError(f"normalise_pii expects str, got {type(value).__name__}")
    return NORMALISERS[kind](value)


def is_valid_phone(value: str) -> bool:
    """Whether ``value`` is a mainland mobile (``1[3-9]`` + 9 digits) once normalised."""
    return isinstance(value, str) and bool(re.fullmatch(r"1[3-9][0-9]{9}", norm_phone(value)))


def is_valid_id_number(value: str) -> bool:
    """Whether ``value`` is an 18-char resident ID with a correct GB 11643-1999 check
    character and a real birth date (YYYYMMDD, 1900 <= year <= this year)."""
    v = NORMALISERS["id_number"](value) if isinstance(value, str) else ""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", v):
        return False
    total = sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return v[17] == "10X98765432"[total % 11] and 1900 <= born.year <= date.today().year


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
    return isinstance(text, str) and TEXT_PII.search(text) is not None


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
    t = " ".join(nfkc(text).split())
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
    if "@" in value and TEXT_PII.fullmatch(value.strip()) is not None:
        return "email"
    return None
