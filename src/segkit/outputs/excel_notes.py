"""The per-customer note (备注/策略) of the 客户分类表 sheet of ``segments.xlsx``.

The note is the segment's strategy (product, promotion, service level of ``07_strategy``),
except where the customer's own tiers contradict the segment's: a new or one-order customer
(``frequency`` ≤ 1 or lifecycle 新客户 / new) in a segment whose service line is the
playbook's premium one (the service of a ``value: high`` rule, "专属客户经理、优先服务")
gets the playbook's standard service line (the ``default`` rule's) instead, and the note says
why.

Examples
--------
>>> strategy = pd.DataFrame({"segment": [1], "product": ["高端 / premium"],
...     "service_level": ["专属客户经理、优先服务 / dedicated account manager, priority service"]})
>>> notes = customer_notes(strategy, "zh", pd.Series([1, 1]), frequency=pd.Series([5, 1]))
>>> notes[0]
'产品: 高端; 服务: 专属客户经理、优先服务'
>>> notes[1]
'产品: 高端; 服务: 标准化服务（新客户或仅一单：先提供标准服务，复购后再升级专属服务）'
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from segkit.naming import pick_language
from segkit.strategy import load_playbook

_NOTE_DIMS = (("product", "产品"), ("promotion", "促销"), ("service_level", "服务"))
_NOTE_LABELS_EN = {"product": "product", "promotion": "promotion", "service_level": "service"}
_NEW_STAGES = frozenset({"新客户", "new"})
_WHY = {
    "zh": "新客户或仅一单：先提供标准服务，复购后再升级专属服务",
    "en": "new or one-order customer: standard service until a repeat purchase",
}


@cache
def service_lines() -> tuple[frozenset[str], str]:
    """The playbook's premium service lines (of the ``value: high`` rules) and its standard
    one (the ``default`` rule's), as written in the playbook (``中文 / English``)."""
    premium: set[str] = set()
    standard = ""
    for rule in load_playbook()["rules"]:
        service = (rule.get("actions") or {}).get("service_level")
        if not service:
            continue
        if rule.get("id") == "default":
            standard = str(service)
        elif "high" in ((rule.get("when") or {}).get("value") or []):
            premium.add(str(service))
    return frozenset(premium), standard


def _label(col: str, zh: str, language: str) -> str:
    en = _NOTE_LABELS_EN[col]
    return {"zh": zh, "en": en}.get(language, f"{zh} {en}")


def _why(language: str) -> str:
    return _WHY.get(language, f"{_WHY['zh']} / {_WHY['en']}")


def customer_notes(
    strategy: pd.DataFrame | None,
    language: str,
    segments: pd.Series,
    *,
    frequency: pd.Series | None = None,
    lifecycle: pd.Series | None = None,
) -> list[str | None]:
    """One note per customer (``segments``, ``frequency`` and ``lifecycle`` aligned by
    position); ``None`` where the segment has no strategy."""
    if strategy is None:
        return [None] * len(segments)
    premium, standard = service_lines()
    by_segment = {str(r["segment"]): r for _, r in strategy.iterrows()}
    freq = (
        pd.to_numeric(pd.Series(frequency), errors="coerce").to_numpy()
        if frequency is not None
        else [float("nan")] * len(segments)
    )
    stage = (
        lifecycle.astype("object").to_numpy() if lifecycle is not None else [None] * len(segments)
    )
    notes: list[str | None] = []
    for seg, orders, life in zip(segments.astype("object"), freq, stage, strict=True):
        row = by_segment.get(str(seg))
        if row is None:
            notes.append(None)
            continue
        newcomer = (pd.notna(orders) and orders <= 1) or (str(life) in _NEW_STAGES)
        parts = []
        for col, zh in _NOTE_DIMS:
            if col not in row or pd.isna(row[col]):
                continue
            text = pick_language(row[col], language)
            if col == "service_level" and newcomer and str(row[col]) in premium and standard:
                text = f"{pick_language(standard, language)}（{_why(language)}）"
            parts.append(f"{_label(col, zh, language)}: {text}")
        notes.append("; ".join(parts))
    return notes
