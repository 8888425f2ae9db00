"""``segments.xlsx``: the classification management table (客户分类管理表) of a report run.

Sheets (built from the run's artefacts only):

* ``客户分类表`` — one row per customer: :data:`CUSTOMER_HEADERS`.
* ``细分概览`` — one row per segment: size, shares, names, stability and strategy.
* ``细分画像`` — the segment profiles (``06_profiles.csv``).
* ``阈值`` — the cut points of every rule (``04_thresholds.csv``).
* ``数据质量`` — the data-quality summary (``02_quality.csv``).
* ``说明`` — what each column means, the run, the as-of date and how names are shown.

No cell can run as a formula: every text cell is written as a string cell (``data_type
's'``, an inline string), including values that start with ``= + - @``, a tab or a carriage
return; such cells also get Excel's quote prefix so that editing them keeps them text.
Characters XML cannot hold (control characters) become U+FFFD; a bare carriage return is read
back as a line feed (XML line-end normalisation). Names are the pseudonyms of
``02_customers.parquet`` unless the run has ``report.reidentify`` (then the manifest says so).

Examples
--------
>>> safe_cell_value("=1+1"), safe_cell_value("a\\x00b"), safe_cell_value(float("nan"))
('=1+1', 'a\\ufffdb', None)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.artefacts import RunFolder
from segkit.export import TRIGGERS
from segkit.html_report import pick_language, read_artefact
from segkit.runconfig import RunConfig

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
    "购买频率",
    "上一次购买时间",
    "累计消费金额",
    "客户终身价值",
    "备注/策略",
)
SHEETS = ("客户分类表", "细分概览", "细分画像", "阈值", "数据质量", "说明")
_DESCRIPTIONS = {
    "客户ID": "customer id (as in the source, kept as text)",
    "姓名": "name: a keyed pseudonym (P…) unless the run re-identifies (see the manifest)",
    "客户类型": "segment name (细分名称) from step 07",
    "细分编号": "segment number (1 = highest value)",
    "价值层级": "value tier (04_tiers: value_tier)",
    "ABC分类": "ABC / Pareto class (04_tiers: abc_class)",
    "RFM分组": "RFM segment (04_tiers: rfm_segment)",
    "生命周期": "lifecycle stage (04_tiers: lifecycle_stage)",
    "成长潜力": "growth tier (04_tiers: growth_tier)",
    "客户来源": "acquisition channel from the customer master",
    "购买频率": "number of distinct orders (profile: frequency)",
    "上一次购买时间": "date of the last purchase (profile: last_purchase)",
    "累计消费金额": "net spend in the window (profile: monetary)",
    "客户终身价值": "customer lifetime value (04_tiers: clv)",
    "备注/策略": "the segment's strategy: product, promotion, service level (07_strategy)",
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
_NOTE_DIMS = (("product", "产品"), ("promotion", "促销"), ("service_level", "服务"))
_RISKY = (*TRIGGERS, "#")  # '#' : Excel error literals such as #N/A
_ILLEGAL = str.maketrans({c: "\ufffd" for c in [*range(0, 9), 11, 12, *range(14, 32)]})


def safe_cell_value(value: Any) -> Any:
    """A value openpyxl can store: numbers and dates as they are, missing as ``None``, text
    with XML-illegal characters replaced (formula escaping happens when the cell is made)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if not isinstance(value, str) and pd.isna(value):
        return None
    return str(value).translate(_ILLEGAL)


def _string_cell(ws: Any, value: str) -> Any:
    """An explicit string cell: never a formula (``f``) or an error value (``e``)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=None)
    cell._value, cell.data_type = value, "s"
    cell.quotePrefix = True  # Excel keeps the text as text when the cell is edited
    return cell


def _column(ws: Any, col: pd.Series) -> list[Any]:
    """The values of one column as openpyxl takes them (vectorised where it matters)."""
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        arr = col.to_numpy(dtype=float, na_value=np.nan)
        values = col.astype(object).tolist()
        return [
            None if not ok else (v.item() if isinstance(v, np.generic) else v)
            for v, ok in zip(values, np.isfinite(arr), strict=True)
        ]
    if pd.api.types.is_datetime64_any_dtype(col):
        return [None if pd.isna(v) else v.to_pydatetime().replace(tzinfo=None) for v in col]
    values = [safe_cell_value(v) for v in col.astype(object)]
    return [
        _string_cell(ws, v) if isinstance(v, str) and v.startswith(_RISKY) else v for v in values
    ]


#: data rows per sheet: Excel's 1,048,576 rows minus the header (Sc1)
EXCEL_MAX_ROWS = 1_048_575


def _sheet(
    wb: Any,
    title: str,
    frame: pd.DataFrame,
    widths: Sequence[int] | None = None,
    *,
    max_rows: int = EXCEL_MAX_ROWS,
) -> None:
    """Write ``frame`` as sheet ``title``; longer tables continue on sheets ``title (2)``,
    ``title (3)`` … with the header repeated — never truncated (Sc1)."""
    if len(frame) > max_rows:
        for part, start in enumerate(range(0, len(frame), max_rows), start=1):
            name = title if part == 1 else f"{title} ({part})"
            _sheet(wb, name, frame.iloc[start : start + max_rows], widths, max_rows=max_rows)
        return
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ncol = max(len(frame.columns), 1)
    for i in range(ncol):
        width = widths[i] if widths and i < len(widths) else 14
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(ncol)}{len(frame) + 1}"
    bold = Font(bold=True)
    header = []
    for name in frame.columns:
        text = safe_cell_value(str(name))
        cell = _string_cell(ws, text) if text.startswith(_RISKY) else WriteOnlyCell(ws, text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    columns = [_column(ws, frame.iloc[:, i]) for i in range(len(frame.columns))]
    for row in zip(*columns, strict=True):
        ws.append(list(row))


def _strategy_note(strategy: pd.DataFrame | None, language: str) -> dict[str, str]:
    if strategy is None:
        return {}
    notes = {}
    for _, r in strategy.iterrows():
        parts = [
            f"{label}: {pick_language(r[col], language)}"
            for col, label in (
                ("product", "产品"),
                ("promotion", "促销"),
                ("service_level", "服务"),
            )
            if col in r and pd.notna(r[col])
        ]
        notes[str(r["segment"])] = "; ".join(parts)
    return notes


def customer_table(run: RunFolder, cfg: RunConfig) -> pd.DataFrame:
    """The 客户分类表: one row per customer of ``02_customers`` (or ``02_profile``)."""
    name = "customers" if run.exists("customers") else "profile"
    base = run.read_frame(name)
    base["customer_id"] = base["customer_id"].astype(str)
    n = len(base)
    out = pd.DataFrame({"客户ID": base["customer_id"].to_numpy()})
    out["姓名"] = base["name"].to_numpy() if "name" in base else None

    def lookup(artefact: str, columns: Sequence[str]) -> pd.DataFrame:
        if not run.exists(artefact):
            return pd.DataFrame(index=base["customer_id"], columns=list(columns))
        frame = run.read_frame(artefact)
        frame["customer_id"] = frame["customer_id"].astype(str)
        if frame["customer_id"].duplicated().any():
            raise ValueError(f"{run.path(artefact).name}: customer ids are not unique")
        keep = [c for c in columns if c in frame]
        return frame.set_index("customer_id")[keep].reindex(base["customer_id"])

    seg = lookup("assignments", ["segment", "segment_name_zh", "segment_name_en"])
    zh = seg.get("segment_name_zh", pd.Series(None, index=seg.index))
    en = seg.get("segment_name_en", pd.Series(None, index=seg.index))
    if cfg.language == "en":
        kind = en
    elif cfg.language == "both":
        kind = zh.astype("string") + " / " + en.astype("string")
    else:
        kind = zh
    out["客户类型"] = kind.to_numpy()
    out["细分编号"] = seg["segment"].to_numpy() if "segment" in seg else None
    tiers = lookup("tiers", list(_TIER_COLUMNS.values()))
    for header in ("价值层级", "ABC分类", "RFM分组", "生命周期", "成长潜力"):
        col = _TIER_COLUMNS[header]
        out[header] = tiers[col].astype("object").to_numpy() if col in tiers else None
    source = next((c for c in _SOURCE_COLUMNS if c in base), None)
    if cfg.master is not None and cfg.master.source and cfg.master.source in base:
        source = cfg.master.source
    out["客户来源"] = base[source].to_numpy() if source else None
    out["购买频率"] = base["frequency"].to_numpy() if "frequency" in base else None
    if "last_purchase" in base:
        last = pd.to_datetime(base["last_purchase"])
        out["上一次购买时间"] = [None if pd.isna(d) else d.date() for d in last]
    else:
        out["上一次购买时间"] = None
    out["累计消费金额"] = base["monetary"].round(2).to_numpy() if "monetary" in base else None
    out["客户终身价值"] = tiers["clv"].round(2).to_numpy() if "clv" in tiers else None
    notes = _strategy_note(read_artefact(run, "strategy"), cfg.language)
    out["备注/策略"] = [notes.get(str(s), None) for s in out["细分编号"]]
    if len(out) != n:  # pragma: no cover - reindex keeps the length
        raise AssertionError("customer table lost rows")
    return out[list(CUSTOMER_HEADERS)]


def _overview(run: RunFolder) -> pd.DataFrame:
    segs = read_artefact(run, "segments")
    if segs is None:
        return pd.DataFrame({"segment": []})
    strategy = read_artefact(run, "strategy")
    if strategy is not None:
        extra = [c for c in strategy.columns if c not in segs.columns and not c.endswith("_rule")]
        segs = segs.merge(strategy[["segment", *extra]], on="segment", how="left")
    return segs


def _about(run: RunFolder, cfg: RunConfig, customers: int) -> pd.DataFrame:
    rows = [
        ("客户分类表 / client", cfg.client),
        ("运行 / run", run.root.name),
        ("分析日期 / as of", cfg.as_of.isoformat() if cfg.as_of else "see manifest.json"),
        ("客户数 / customers", customers),
        (
            "姓名 / names",
            "REIDENTIFIED: real names (report.reidentify = true)"
            if cfg.report.reidentify
            else "pseudonyms (keyed HMAC-SHA256); the key is not in the run folder",
        ),
        ("语言 / language", cfg.language),
    ]
    rows += [(f"列 column: {h}", _DESCRIPTIONS[h]) for h in CUSTOMER_HEADERS]
    return pd.DataFrame(rows, columns=["项目 item", "说明 description"])


def write_sheets(
    frames: dict[str, pd.DataFrame], path: str | Path, *, max_rows: int = EXCEL_MAX_ROWS
) -> Path:
    """Write tables to a new workbook, formula-safe, one sheet each (split past ``max_rows``).

    Text starting with ``= + - @ #``, tab or CR is stored as a string cell, never a formula.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> _ = write_sheets({"t": pd.DataFrame({"name": ["=1+1", "ok"]})}, out)
    >>> [c.data_type for c in openpyxl.load_workbook(out)["t"]["A"]]
    ['s', 's', 's']
    """
    from openpyxl import Workbook

    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; segkit never overwrites outputs")
    wb = Workbook(write_only=True)
    for title, frame in frames.items():
        _sheet(wb, title, frame, max_rows=max_rows)
    tmp = target.with_name(f".{target.name}.partial")
    wb.save(tmp)
    tmp.rename(target)
    return target


def write_segments_workbook(run: RunFolder, cfg: RunConfig) -> Path:
    """Write ``segments.xlsx`` into ``run`` (never over an existing file) and return its path."""
    from openpyxl import Workbook

    target = run.path("excel")
    if target.exists():
        raise FileExistsError(f"{target} exists; segkit never overwrites outputs")
    table = customer_table(run, cfg)
    wb = Workbook(write_only=True)
    _sheet(wb, SHEETS[0], table, [12, 20, 20, 8, 10, 8, 14, 10, 10, 12, 9, 14, 13, 13, 60])
    _sheet(wb, SHEETS[1], _overview(run))
    artefacts = ("segment_profiles", "tier_thresholds", "quality")
    for title, artefact in zip(SHEETS[2:5], artefacts, strict=True):
        frame = read_artefact(run, artefact)
        frame = pd.DataFrame() if frame is None else frame
        _sheet(wb, title, frame)
    _sheet(wb, SHEETS[5], _about(run, cfg, len(table)), [28, 90])
    # write to a temporary name first: a crash never leaves a half-written segments.xlsx
    tmp = target.with_name(f".{target.name}.partial")
    wb.save(tmp)
    tmp.rename(target)
    return target
