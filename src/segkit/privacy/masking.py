"""Masking personal data in text, logs, tables and labels (what may be shown of it).

Logs and errors go through :func:`mask_text` (:class:`MaskingFilter`); quarantined raw
values and manifests through :func:`mask_frame_text` and :func:`mask_json`; labels derived
from data through :func:`safe_label` and :func:`neutral_labels`.

Examples
--------
>>> mask_phone("+86 138-0013-8000"), mask_id_number("11010519491231002x")
('138****8000', '110*************2X')
>>> mask_name("张三"), mask_name("欧阳娜娜"), mask_name("John Smith"), mask_name("李")
('张*', '欧***', 'J*** S****', '*')
"""

from __future__ import annotations

import logging
import re

import pandas as pd

from segkit.privacy.recognise import (
    NORMALISERS,
    TEXT_PII,
    looks_like_name,
    looks_personal,
    norm_phone,
)


def mask_phone(v: str) -> str:
    """Keep the first 3 and last 4 digits: ``13800138000`` -> ``138****8000`` (short: all ``*``)."""
    d = norm_phone(v)
    return d[:3] + "*" * (len(d) - 7) + d[-4:] if len(d) >= 11 else "*" * len(d)


def mask_id_number(v: str) -> str:
    """Keep the first 3 and last 2 characters: ``110*************2X``."""
    d = NORMALISERS["id_number"](v)
    return d[:3] + "*" * (len(d) - 5) + d[-2:] if len(d) >= 15 else "*" * len(d)


def mask_name(v: str) -> str:
    """Keep the first character of each word (``张*``, ``J*** S****``); ``李`` -> ``*``."""
    words = NORMALISERS["name"](v).split(" ")
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
    return TEXT_PII.sub(_mask_match, text)


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
