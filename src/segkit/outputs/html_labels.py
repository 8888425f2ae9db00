"""The words of ``report.html``: labels in Chinese and English, and small text helpers.

Every visible word of the page comes from :data:`LABELS` through :func:`label` (``language``
is ``zh``, ``en`` or ``both``); :func:`esc` escapes every value that goes into the page.

Examples
--------
>>> label("summary", "both"), esc("<b>"), pct(0.1234)
('摘要 Summary', '&lt;b&gt;', '12.3%')
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "summary": "摘要",
        "contents": "目录",
        "segments": "客户细分",
        "segment": "细分",
        "name": "名称",
        "size": "客户数",
        "share": "客户占比",
        "value_share": "价值占比",
        "profile": "价值 / 生命周期 / 成长",
        "stability": "稳定性",
        "strategy": "策略",
        "quality": "数据质量",
        "check": "检查项",
        "detected": "发现",
        "removed": "移除",
        "changed": "修改",
        "flagged": "标记",
        "suppressed": "个细分少于 {n} 位客户，为保护隐私未显示（共 {c} 位客户）。",
        "customers": "客户",
        "as_of": "分析日期",
        "run": "运行",
        "steps": "分析步骤",
        "missing": "本次运行没有生成该表。",
        "chart": "各细分的客户占比与价值占比",
        "chart_customers": "各细分的客户占比",
        "resource": "资源占比",
        "kpis": "指标",
        "balance": "记录 {read:,} = 保留 {kept:,} + 隔离 {quarantined:,}"
        "（其中去重 {dups:,}）：{ok}",
        "chain": "客户：档案 {profiled:,} 位 = 已分群 {assigned:,} 位：{ok}",
        "excluded": "另有 {n:,} 位客户只有退货或取消、没有购买，未建档也未分群"
        "（名单见 02_excluded_customers.csv）",
        "cancel_net": "取消订单（订单号以 “{prefix}” 开头，{n:,} 行）中 {pairs:,} 行与所取消的购买"
        "配对（同一客户、金额相同、最近者优先），二者一并移除：被取消的购买不计销售、订单或购买日期；"
        "其余 {rest:,} 行按负金额保留，与客户消费相抵（策略 cancellations=net）。",
        "cancel_drop": "取消订单（订单号以 “{prefix}” 开头，{n:,} 行）已隔离，"
        "但被取消的购买仍计为销售：本报告的消费金额包含已取消的订单"
        "（策略 cancellations=drop）。",
        "cancel_none": "未设置取消订单前缀（policy.cancellation_prefix）：取消订单无法识别，"
        "负金额行按退货处理。",
        "ok": "平衡 ✓",
        "mismatch": "不平衡 ✗",
    },
    "en": {
        "summary": "Summary",
        "contents": "Contents",
        "segments": "Segments",
        "segment": "Segment",
        "name": "Name",
        "size": "Customers",
        "share": "Share of customers",
        "value_share": "Share of value",
        "profile": "Value / lifecycle / growth",
        "stability": "Stability",
        "strategy": "Strategy",
        "quality": "Data quality",
        "check": "Check",
        "detected": "Found",
        "removed": "Removed",
        "changed": "Changed",
        "flagged": "Flagged",
        "suppressed": "segment(s) with fewer than {n} customers are not shown (privacy; "
        "{c} customers in all).",
        "customers": "customers",
        "as_of": "As of",
        "run": "Run",
        "steps": "Steps",
        "missing": "This run did not produce this table.",
        "chart": "Share of customers and of value by segment",
        "chart_customers": "Share of customers by segment",
        "resource": "Resource share",
        "kpis": "KPIs",
        "balance": "records {read:,} = kept {kept:,} + quarantined {quarantined:,} "
        "(of which de-duplicated {dups:,}): {ok}",
        "chain": "customers: profiled {profiled:,} = assigned to a segment {assigned:,}: {ok}",
        "excluded": "{n:,} more customers have only returns or cancellations and no "
        "purchase: not profiled, not assigned (listed in 02_excluded_customers.csv)",
        "cancel_net": "Cancellations (order ids starting with '{prefix}', {n:,} lines): "
        "{pairs:,} were matched to the purchase they cancel (same customer, same amount, most "
        "recent first) and removed with it, so a cancelled purchase counts as no sale, order or "
        "purchase date; the other {rest:,} are kept as negative amounts that net against the "
        "customer's spend (policy cancellations=net).",
        "cancel_drop": "Cancellations (order ids starting with '{prefix}', {n:,} lines) are "
        "quarantined, but the purchases they cancel are still counted as sales: spend in "
        "this report includes cancelled orders (policy cancellations=drop).",
        "cancel_none": "No cancellation prefix is set (policy.cancellation_prefix): "
        "cancellations cannot be told apart, and negative lines count as returns.",
        "ok": "balanced ✓",
        "mismatch": "MISMATCH ✗",
    },
}
STRATEGY_DIMS = (
    ("product", "产品", "Product"),
    ("price", "价格", "Price"),
    ("promotion", "促销", "Promotion"),
    ("channel", "渠道", "Channel"),
    ("service_level", "服务", "Service"),
    ("response_time", "响应时间", "Response time"),
    ("care", "关怀", "Care"),
)


def label(key: str, language: str) -> str:
    """The label ``key`` in ``language`` (``both``: Chinese, then English when different)."""
    if language == "both":
        zh, en = LABELS["zh"][key], LABELS["en"][key]
        return zh if zh == en else f"{zh} {en}"
    return LABELS["en" if language == "en" else "zh"][key]


def esc(value: Any) -> str:
    """``value`` as text safe inside HTML (``None`` is empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def pct(value: Any) -> str:
    """A share as a percentage with one decimal (empty when not a number)."""
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return ""


def segment_label(row: pd.Series, language: str) -> str:
    """A segment's name in ``language`` (its number when it has no name)."""
    zh, en = row.get("name_zh"), row.get("name_en")
    if language == "en" and isinstance(en, str):
        return en
    if language == "both" and isinstance(zh, str) and isinstance(en, str):
        return f"{zh} / {en}"
    return str(zh) if isinstance(zh, str) else str(row["segment"])


def trait(kind: str, value: Any, language: str) -> str:
    """A segment's trait (``high`` / ``mature`` …) in the report's language.

    Examples
    --------
    >>> trait("value", "high", "zh"), trait("lifecycle", "mature", "both")
    ('高价值', '成熟客户 mature')
    """
    from segkit.tiers.result import chinese_name

    text = str(value)
    zh = chinese_name(kind, text)
    if language == "zh":
        return zh
    return text if language == "en" or zh == text else f"{zh} {text}"


def trait_figures(kind: str, row: pd.Series, language: str) -> str:
    """The figures behind a segment's trait: its value index, or the share and index of its
    most over-represented lifecycle stage / growth tier (empty when the run lacks them).

    Examples
    --------
    >>> r = pd.Series({"value_index": 2.314, "lifecycle_share": 0.45, "lifecycle_index": 2.1})
    >>> trait_figures("value", r, "zh"), trait_figures("lifecycle", r, "en")
    ('（人均价值为平均的 2.31 倍）', ' (45% of the segment, 2.10× the average share)')
    """
    if kind == "value":
        index = row.get("value_index")
        if index is None or pd.isna(index):
            return ""
        zh, en = f"（人均价值为平均的 {index:.2f} 倍）", f" ({index:.2f}× the average value)"
    else:
        share, index = row.get(f"{kind}_share"), row.get(f"{kind}_index")
        if share is None or index is None or pd.isna(share) or pd.isna(index):
            return ""
        zh = f"（占本细分 {share:.0%}，为平均占比的 {index:.2f} 倍）"
        en = f" ({share:.0%} of the segment, {index:.2f}× the average share)"
    return zh if language == "zh" else en if language == "en" else zh + en
