"""``segments.xlsx``: the classification management table (客户分类管理表) of a report run.

Sheets (built from the run's artefacts only):

* ``客户分类表`` — one row per customer: :data:`CUSTOMER_HEADERS`.
* ``细分概览`` — one row per segment: size, shares, names, stability and strategy.
* ``细分画像`` — the segment profiles (``06_profiles.csv``).
* ``阈值`` — the cut points of every rule (``04_thresholds.csv``).
* ``数据质量`` — the data-quality summary (``02_quality.csv``).
* ``说明`` — what each column means, the run, the as-of date and how names are shown.

The secondary sheets follow the report language (``cfg.language``; headers from
:mod:`segkit.outputs.excel_labels`), with rounded, formatted numbers (shares as %, money with
two decimals), fitted column widths and a frozen header row. The 备注/策略 note is built by
:mod:`segkit.outputs.excel_notes` (a new or one-order customer gets no premium service line).
The workbook is written by :mod:`segkit.outputs.excel_writer` (streaming, formula-safe).
Names are the pseudonyms of ``02_customers.parquet`` unless the run has ``report.reidentify``
(then the manifest says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.atomic import atomic_path, refuse_existing
from segkit.config import RunConfig
from segkit.outputs.excel_labels import fitted_widths, header, number_formats, rounded
from segkit.outputs.excel_notes import customer_notes
from segkit.outputs.excel_writer import Formats, close_workbook, open_workbook, write_sheet
from segkit.workflow.artefacts import RunFolder, read_artefact

#: header → (artefact, column) of the customer sheet; ``None`` = computed
CUSTOMER_HEADERS: tuple[str, ...] = (
    "客户ID",
    "姓名",
    "客户类型",
    "细分编号",
    "价值层级",
    "ABC分类",
    "RFM分组",
    "生命周期",
    "成长潜力",
    "客户来源",
    "购买频率(次/月)",
    "上一次购买时间",
    "累计消费金额",
    "客户终身价值",
    "备注/策略",
)
SHEETS = ("客户分类表", "细分概览", "细分画像", "阈值", "数据质量", "说明")
_DESCRIPTIONS = {
    "客户ID": "customer id (as in the source, kept as text; an id that is a mobile number, "
    "ID number or e-mail is a keyed pseudonym C… unless the run re-identifies)",
    "姓名": "name: a keyed pseudonym (P…) unless the run re-identifies (see the manifest)",
    "客户类型": "segment name (细分名称) from step 07",
    "细分编号": "segment number (1 = highest value)",
    "价值层级": "value tier (04_tiers: value_tier)",
    "ABC分类": "ABC / Pareto class (04_tiers: abc_class)",
    "RFM分组": "RFM segment (04_tiers: rfm_segment)",
    "生命周期": "lifecycle stage (04_tiers: lifecycle_stage)",
    "成长潜力": "growth tier (04_tiers: growth_tier)",
    "客户来源": "acquisition channel from the customer master",
    "购买频率(次/月)": "purchase frequency, orders per month: profile frequency (orders) ÷ "
    "months from the first purchase to the as-of date (tenure_days / 30.4375, at least 1)",
    "上一次购买时间": "date of the last purchase (profile: last_purchase)",
    "累计消费金额": "net spend in the window (profile: monetary)",
    "客户终身价值": "customer lifetime value (04_tiers: clv)",
    "备注/策略": "the segment's strategy: product, promotion, service level (07_strategy); a "
    "new or one-order customer gets the standard service line, not the segment's premium one",
}
_SOURCE_COLUMNS = ("acquisition_channel", "source", "客户来源")
_TIER_COLUMNS = {
    "价值层级": "value_tier",
    "ABC分类": "abc_class",
    "RFM分组": "rfm_segment",
    "生命周期": "lifecycle_stage",
    "成长潜力": "growth_tier",
    "客户终身价值": "clv",
}
#: the 说明 sheet's row labels: (中文, English)
_ABOUT = {
    "client": ("客户", "client"),
    "run": ("运行", "run"),
    "as_of": ("分析日期", "analysis date (as of)"),
    "customers": ("客户数", "customers"),
    "names": ("姓名", "names"),
    "language": ("语言", "language"),
    "column": ("列", "column"),
}


def name_column_of(cfg: RunConfig) -> str:
    """The customer table's column holding names: the master's declared ``pii: {name: …}``
    column (pseudonyms, or the real names with ``report.reidentify``), ``name`` for the demo.

    Examples
    --------
    >>> cfg = RunConfig.model_validate({"source": {"path": "t.csv", "columns": {
    ...     "customer_id": "c", "date": "d", "amount": "a"}}, "master": {
    ...     "path": "m.csv", "customer_id": "c", "pii": {"name": "姓名"}}})
    >>> name_column_of(cfg), name_column_of(RunConfig.model_validate({"demo": {}}))
    ('姓名', 'name')
    """
    if cfg.master is not None:
        return str(cfg.master.pii.get("name", "name"))
    return "name"


def customer_table(run: RunFolder, cfg: RunConfig) -> pd.DataFrame:
    """The 客户分类表: one row per customer of ``02_customers`` (or ``02_profile``)."""
    name = "customers" if run.exists("customers") else "profile"
    base = run.read_frame(name)
    base["customer_id"] = base["customer_id"].astype(str)
    n = len(base)
    out = pd.DataFrame({"客户ID": base["customer_id"].to_numpy()})
    name_column = name_column_of(cfg)
    out["姓名"] = base[name_column].to_numpy() if name_column in base else None

    def lookup(artefact: str, columns: Sequence[str]) -> pd.DataFrame:
        if not run.exists(artefact):
            return pd.DataFrame(index=base["customer_id"], columns=list(columns))
        frame = run.read_frame(artefact)
        frame["customer_id"] = frame["customer_id"].astype(str)
        if frame["customer_id"].duplicated().any():
            raise ValueError(f"{run.path(artefact).name}: customer ids are not unique")
        keep = [c for c in columns if c in frame]
        return frame.set_index("customer_id")[keep].reindex(base["customer_id"])

    seg = lookup("assignments", ["segment"])
    # the names exist once, in step 7's 07_names (the assignments hold the segment only)
    zh = en = pd.Series(None, index=seg.index, dtype="object")
    if run.exists("names") and "segment" in seg:
        names = run.read_frame("names")
        key = seg["segment"].astype("string")
        by_segment = names.assign(segment=names["segment"].astype("string")).set_index("segment")
        zh = key.map(by_segment["name_zh"]) if "name_zh" in by_segment else zh
        en = key.map(by_segment["name_en"]) if "name_en" in by_segment else en
    if cfg.language == "en":
        kind = en
    elif cfg.language == "both":
        kind = zh.astype("string") + " / " + en.astype("string")
    else:
        kind = zh
    out["客户类型"] = kind.to_numpy()
    out["细分编号"] = seg["segment"].to_numpy() if "segment" in seg else None
    tiers = lookup("tiers", list(_TIER_COLUMNS.values()))
    for title in ("价值层级", "ABC分类", "RFM分组", "生命周期", "成长潜力"):
        col = _TIER_COLUMNS[title]
        out[title] = tiers[col].astype("object").to_numpy() if col in tiers else None
    source = next((c for c in _SOURCE_COLUMNS if c in base), None)
    if cfg.master is not None and cfg.master.source and cfg.master.source in base:
        source = cfg.master.source
    out["客户来源"] = base[source].to_numpy() if source else None
    out["购买频率(次/月)"] = orders_per_month(base)
    if "last_purchase" in base:
        last = pd.to_datetime(base["last_purchase"])
        out["上一次购买时间"] = [None if pd.isna(d) else d.date() for d in last]
    else:
        out["上一次购买时间"] = None
    out["累计消费金额"] = base["monetary"].round(2).to_numpy() if "monetary" in base else None
    out["客户终身价值"] = tiers["clv"].round(2).to_numpy() if "clv" in tiers else None
    out["备注/策略"] = customer_notes(
        read_artefact(run, "strategy"),
        cfg.language,
        out["细分编号"],
        frequency=base["frequency"] if "frequency" in base else None,
        lifecycle=tiers["lifecycle_stage"] if "lifecycle_stage" in tiers else None,
    )
    if len(out) != n:  # pragma: no cover - reindex keeps the length
        raise AssertionError("customer table lost rows")
    return out[list(CUSTOMER_HEADERS)]


#: days in an average month (365.25 / 12)
MONTH_DAYS = 30.4375


def orders_per_month(customers: pd.DataFrame) -> Any:
    """Orders per month since the first purchase, rounded to 0.01: ``frequency`` ÷
    ``max(tenure_days / 30.4375, 1)`` (a customer of less than a month counts one month).

    ``None`` when the table lacks ``frequency`` or ``tenure_days``.

    Examples
    --------
    >>> orders_per_month(pd.DataFrame({"frequency": [12, 1, 3], "tenure_days": [365.25, 10, 0]}))
    array([1., 1., 3.])
    """
    if not {"frequency", "tenure_days"} <= set(customers.columns):
        return None
    months = (customers["tenure_days"].astype(float) / MONTH_DAYS).clip(lower=1.0)
    return (customers["frequency"].astype(float) / months).round(2).to_numpy()


def _overview(run: RunFolder) -> pd.DataFrame:
    segs = read_artefact(run, "segments")
    if segs is None:
        return pd.DataFrame({"segment": []})
    strategy = read_artefact(run, "strategy")
    if strategy is not None:
        extra = [c for c in strategy.columns if c not in segs.columns and not c.endswith("_rule")]
        segs = segs.merge(strategy[["segment", *extra]], on="segment", how="left")
    return segs


def _word(key: str, language: str) -> str:
    zh, en = _ABOUT[key]
    return {"zh": zh, "en": en}.get(language, f"{zh} {en}")


def analysis_date(run: RunFolder, cfg: RunConfig) -> str | None:
    """The run's as-of date (ISO): the config's, the manifest's, else the customer table's
    last purchase plus recency (as the manifest computes it); ``None`` when none is known."""
    if cfg.as_of is not None:
        return cfg.as_of.isoformat()
    if run.exists("manifest"):
        try:
            value = (run.read_json("manifest").get("as_of") or {}).get("value")
        except (ValueError, AttributeError):
            value = None
        if value:
            return str(value)
    for name in ("profile", "customers"):
        if not run.exists(name):
            continue
        frame = run.read_frame(name)
        if {"last_purchase", "recency_days"} <= set(frame.columns):
            rows = frame[["last_purchase", "recency_days"]].dropna()
            if len(rows):
                row = rows.iloc[0]
                day = pd.Timestamp(row["last_purchase"]).normalize()
                return str((day + pd.Timedelta(days=int(row["recency_days"]))).date().isoformat())
    return None


def _about(run: RunFolder, cfg: RunConfig, customers: int) -> pd.DataFrame:
    lang = cfg.language
    as_of = analysis_date(run, cfg)
    unknown = {"zh": "未知", "en": "unknown"}.get(lang, "未知 unknown")
    rows = [
        (_word("client", lang), cfg.client),
        (_word("run", lang), run.root.name),
        (_word("as_of", lang), as_of or unknown),
        (_word("customers", lang), customers),
        (
            _word("names", lang),
            "REIDENTIFIED: real names (report.reidentify = true)"
            if cfg.report.reidentify
            else "pseudonyms (keyed HMAC-SHA256); the key is not in the run folder",
        ),
        (_word("language", lang), lang),
    ]
    rows += [(f"{_word('column', lang)}: {h}", _DESCRIPTIONS[h]) for h in CUSTOMER_HEADERS]
    return pd.DataFrame(rows, columns=[header("item", lang), header("description", lang)])


def _write_secondary(
    wb: Any, title: str, frame: pd.DataFrame, cfg: RunConfig, fmt: Formats
) -> None:
    """A secondary sheet: headers in the report language, numbers rounded and formatted,
    every column sized to its content."""
    frame = rounded(frame)
    formats = number_formats(frame)
    frame = frame.set_axis([header(c, cfg.language) for c in frame.columns], axis=1)
    write_sheet(wb, title, frame, fitted_widths(frame), fmt=fmt, num_formats=formats)


def write_segments_workbook(run: RunFolder, cfg: RunConfig) -> Path:
    """Write ``segments.xlsx`` into ``run`` (never over an existing file) and return its path."""
    target = run.path("excel")
    refuse_existing(target)
    table = customer_table(run, cfg)
    # a temporary name first: a crash or a full disk never leaves a half-written segments.xlsx
    with atomic_path(target) as tmp:
        wb = open_workbook(tmp)
        fmt = Formats(wb)
        widths = [12, 20, 20, 8, 10, 8, 14, 10, 10, 12, 9, 14, 13, 13, 60]
        write_sheet(wb, SHEETS[0], table, widths, fmt=fmt)
        _write_secondary(wb, SHEETS[1], _overview(run), cfg, fmt)
        artefacts = ("segment_profiles", "tier_thresholds", "quality")
        for title, artefact in zip(SHEETS[2:5], artefacts, strict=True):
            frame = read_artefact(run, artefact)
            frame = pd.DataFrame() if frame is None else frame
            _write_secondary(wb, title, frame, cfg, fmt)
        about = _about(run, cfg, len(table))
        write_sheet(wb, SHEETS[5], about, fitted_widths(about, most=100), fmt=fmt)
        close_workbook(wb)
    return target
