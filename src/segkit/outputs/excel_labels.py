"""Headers, number formats and column widths of the secondary sheets of ``segments.xlsx``.

One header table (:data:`HEADERS`, artefact column → Chinese, English) serves every secondary
sheet; :func:`header` picks the report language (``zh``, ``en``, ``both`` → "中文 English").
:func:`column_kind` tells how a column is shown: a share as a percentage, money with two
decimals, any other float with three; :func:`rounded` rounds the stored value to match, so no
cell carries a 16-digit float. :func:`fitted_widths` sizes every column to its content.

Examples
--------
>>> header("share", "zh"), header("share", "en"), header("share", "both")
('占比', 'share', '占比 share')
>>> header("avg_order_value_x", "en")
'avg order value x'
>>> column_kind("value_share"), column_kind("monetary"), column_kind("effect_size")
('share', 'money', 'ratio')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

#: artefact column → (中文, English)
HEADERS: dict[str, tuple[str, str]] = {
    "segment": ("细分编号", "segment"),
    "name_zh": ("中文名称", "Chinese name"),
    "name_en": ("英文名称", "English name"),
    "size": ("客户数", "customers"),
    "share": ("占比", "share"),
    "value_share": ("价值占比", "value share"),
    "value": ("价值层级", "value tier"),
    "value_index": ("价值指数", "value index"),
    "lifecycle": ("生命周期", "lifecycle"),
    "lifecycle_share": ("该生命周期占比", "share in that lifecycle stage"),
    "lifecycle_index": ("生命周期指数", "lifecycle index"),
    "growth_share": ("该成长层级占比", "share in that growth tier"),
    "growth_index": ("成长潜力指数", "growth index"),
    "growth": ("成长潜力", "growth"),
    "need": ("需求", "need"),
    "need_word": ("需求说明", "need, in words"),
    "message_focus": ("沟通主题", "message focus"),
    "stability": ("稳定性", "stability"),
    "verdict": ("结论", "verdict"),
    "product": ("产品", "product"),
    "price": ("价格", "price"),
    "promotion": ("促销", "promotion"),
    "channel": ("渠道", "channel"),
    "service_level": ("服务", "service level"),
    "response_time": ("响应时间", "response time"),
    "care": ("关怀", "care"),
    "matched_rules": ("匹配规则", "matched rules"),
    "kpis": ("关键指标", "KPIs"),
    "resource_share": ("资源占比", "resource share"),
    "resource_weight": ("资源权重", "resource weight"),
    "variable": ("变量", "variable"),
    "level": ("水平", "level"),
    "feature": ("特征", "feature"),
    "kind": ("类型", "kind"),
    "stat": ("统计量", "statistic"),
    "stat_segment": ("细分值", "segment value"),
    "stat_overall": ("整体值", "overall value"),
    "stat_rest": ("其余客户值", "rest value"),
    "index": ("指数(整体=100)", "index (overall = 100)"),
    "diff": ("差值", "difference"),
    "effect_size": ("效应量", "effect size"),
    "effect_measure": ("效应量指标", "effect measure"),
    "statistic": ("检验统计量", "test statistic"),
    "test": ("检验", "test"),
    "p_value": ("p值", "p value"),
    "q_value": ("q值(FDR)", "q value (FDR)"),
    "n": ("样本数", "n"),
    "segment_size": ("细分客户数", "segment size"),
    "segment_share": ("细分占比", "segment share"),
    "rule": ("规则", "rule"),
    "tier": ("层级", "tier"),
    "threshold": ("阈值", "threshold"),
    "column": ("依据字段", "based on"),
    "condition": ("条件", "condition"),
    "lower": ("下限", "lower bound"),
    "upper": ("上限", "upper bound"),
    "check": ("检查项", "check"),
    "detected": ("发现", "detected"),
    "removed": ("删除", "removed"),
    "changed": ("修改", "changed"),
    "flagged": ("标记", "flagged"),
    "monetary": ("累计消费金额", "spend"),
    "clv": ("客户终身价值", "CLV"),
    "frequency": ("购买次数", "orders"),
    "recency_days": ("距上次购买天数", "days since last purchase"),
    "avg_order_value": ("客单价", "average order value"),
    "item": ("项目", "item"),
    "description": ("说明", "description"),
}
_MONEY = ("monetary", "clv", "amount", "spend", "revenue", "order_value", "price_paid", "aov")
_INTEGER = ("size", "n", "segment_size", "detected", "removed", "changed", "flagged", "segment")
#: number format of each kind (Excel codes)
NUMBER_FORMATS = {
    "share": "0.0%",
    "money": "#,##0.00",
    "ratio": "0.000",
    "count": "#,##0",
    "p": '[<0.001]"<0.001";0.000',
}
_DECIMALS = {"share": 4, "money": 2, "ratio": 3, "p": 3}


def header(column: object, language: str) -> str:
    """The header of ``column`` in the report language (unknown columns: words, not code)."""
    name = str(column)
    zh, en = HEADERS.get(name, (name.replace("_", " "), name.replace("_", " ")))
    if language == "en":
        return en
    if language == "both":
        return zh if zh == en else f"{zh} {en}"
    return zh


def column_kind(column: object) -> str:
    """``share``, ``money``, ``count``, ``p`` (p and q values: "<0.001" below 0.001) or
    ``ratio`` (the default for any other number)."""
    name = str(column)
    if name in _INTEGER:
        return "count"
    if name in ("p_value", "q_value"):
        return "p"
    if name == "share" or name.endswith(("_share", "_pct", "_rate")) or name.startswith("share_"):
        return "share"
    if any(word in name for word in _MONEY):
        return "money"
    return "ratio"


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every float column rounded as :func:`column_kind` shows it."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            kind = column_kind(col)
            out[col] = out[col].round(_DECIMALS.get(kind, 3))
    return out


def number_formats(frame: pd.DataFrame) -> list[str | None]:
    """One Excel number format per column of ``frame`` (``None``: text or dates)."""
    formats: list[str | None] = []
    for col in frame.columns:
        series = frame[col]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if not numeric:
            formats.append(None)
            continue
        kind = column_kind(col)
        if kind == "ratio" and pd.api.types.is_integer_dtype(series):
            kind = "count"
        formats.append(NUMBER_FORMATS[kind])
    return formats


def _text_width(text: str) -> int:
    """Display width: a CJK (wide) character counts two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _shown(value: object) -> str:
    """The text a cell shows (missing: empty; floats as rounded)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


def fitted_widths(
    frame: pd.DataFrame, *, sample: int = 200, least: int = 8, most: int = 60
) -> list[int]:
    """A width per column: its longest header or value (first ``sample`` rows) plus two.

    Examples
    --------
    >>> fitted_widths(pd.DataFrame({"a": ["x" * 20], "细分": [1]}))
    [22, 8]
    """
    widths: list[int] = []
    head = frame.head(sample)
    for i, col in enumerate(frame.columns):
        cells: Sequence[object] = [col, *head.iloc[:, i].tolist()]
        longest = max(_text_width(_shown(v)) for v in cells)
        widths.append(max(least, min(most, longest + 2)))
    return widths
