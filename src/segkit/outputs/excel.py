"""``segments.xlsx``: the classification management table (客户分类管理表) of a report run.

Sheets (built from the run's artefacts only):

* ``客户分类表`` — one row per customer: :data:`CUSTOMER_HEADERS`.
* ``细分概览`` — one row per segment: size, shares, names, stability and strategy.
* ``细分画像`` — the segment profiles (``06_profiles.csv``).
* ``阈值`` — the cut points of every rule (``04_thresholds.csv``).
* ``数据质量`` — the data-quality summary (``02_quality.csv``).
* ``说明`` — what each column means, the run, the as-of date and how names are shown.

Written with xlsxwriter in constant-memory mode (rows streamed in order; about 1.6× faster
than openpyxl's write-only mode at 100,000 customers), with ``strings_to_formulas``,
``strings_to_numbers`` and ``strings_to_urls`` off. No cell can run as a formula: every text
cell is a string cell, including values that start with ``= + - @ #``, a tab or a carriage
return; such cells also get Excel's quote prefix so that editing them keeps them text.
Characters XML cannot hold (control characters) become U+FFFD; carriage returns become line
feeds (as XML line-end normalisation would read them back anyway). Names are the pseudonyms of
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

from segkit.atomic import atomic_path, refuse_existing
from segkit.naming import pick_language
from segkit.outputs.tables import TRIGGERS
from segkit.runconfig import RunConfig
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
    """A value a workbook can store: numbers and dates as they are, missing as ``None``, text
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
    # line ends as XML reads them back (a bare CR would otherwise become "_x000D_")
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_ILLEGAL)


#: data rows per sheet: Excel's 1,048,576 rows minus the header (Sc1)
EXCEL_MAX_ROWS = 1_048_575


class _Formats:
    """The few cell formats of a workbook (xlsxwriter needs them created up front)."""

    def __init__(self, wb: Any) -> None:
        self.text = wb.add_format({"quote_prefix": True})  # stays text when edited
        self.bold = wb.add_format({"bold": True})
        self.bold_text = wb.add_format({"bold": True, "quote_prefix": True})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})


def _column(col: pd.Series) -> list[Any]:
    """The values of one column as the writer takes them (vectorised where it matters)."""
    if pd.api.types.is_bool_dtype(col):
        return [None if pd.isna(v) else bool(v) for v in col.astype(object)]
    if pd.api.types.is_numeric_dtype(col):
        arr = col.to_numpy(dtype=float, na_value=np.nan)
        return [float(v) if ok else None for v, ok in zip(arr, np.isfinite(arr), strict=True)]
    if pd.api.types.is_datetime64_any_dtype(col):
        return [None if pd.isna(v) else v.to_pydatetime().replace(tzinfo=None) for v in col]
    return [safe_cell_value(v) for v in col.astype(object)]


def _write(ws: Any, row: int, col: int, value: Any, fmt: _Formats, bold: bool = False) -> None:
    """One cell. Text is always a string cell (never a formula, number or link); text that
    starts like a formula also gets Excel's quote prefix, so editing keeps it text."""
    if value is None:
        return
    if isinstance(value, str):
        risky = value.startswith(_RISKY)
        style = (fmt.bold_text if risky else fmt.bold) if bold else (fmt.text if risky else None)
        ws.write_string(row, col, value, style)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        plain = value.time() == dt.time(0)
        ws.write_datetime(row, col, value, fmt.date if plain else fmt.stamp)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time(0)), fmt.date)
    else:  # pragma: no cover - safe_cell_value returns the kinds above
        ws.write_string(row, col, str(value), fmt.text)


def _sheet(
    wb: Any,
    title: str,
    frame: pd.DataFrame,
    widths: Sequence[int] | None = None,
    *,
    max_rows: int = EXCEL_MAX_ROWS,
    fmt: _Formats,
) -> None:
    """Write ``frame`` as sheet ``title``; longer tables continue on sheets ``title (2)``,
    ``title (3)`` … with the header repeated — never truncated (Sc1)."""
    if len(frame) > max_rows:
        for part, start in enumerate(range(0, len(frame), max_rows), start=1):
            name = title if part == 1 else f"{title} ({part})"
            chunk = frame.iloc[start : start + max_rows]
            _sheet(wb, name, chunk, widths, max_rows=max_rows, fmt=fmt)
        return
    ws = wb.add_worksheet(title)
    ncol = max(len(frame.columns), 1)
    for i in range(ncol):
        ws.set_column(i, i, widths[i] if widths and i < len(widths) else 14)
    ws.freeze_panes(1, 0)
    if len(frame.columns):
        ws.autofilter(0, 0, len(frame), ncol - 1)
    for c, name in enumerate(frame.columns):
        _write(ws, 0, c, safe_cell_value(str(name)), fmt, bold=True)
    columns = [_column(frame.iloc[:, i]) for i in range(len(frame.columns))]
    for r, values in enumerate(zip(*columns, strict=True), start=1):
        for c, value in enumerate(values):
            _write(ws, r, c, value, fmt)


def _close(wb: Any) -> None:
    """Close (write) a workbook; xlsxwriter wraps an ``OSError`` such as a full disk in its
    ``FileCreateError``, which is unwrapped so the caller sees the ``OSError``."""
    from xlsxwriter.exceptions import FileCreateError

    try:
        wb.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, OSError):
            raise cause from None
        raise


def _workbook(path: Path) -> Any:
    """A streaming workbook (rows in order, constant memory) in which no string is ever
    turned into a formula, a number or a link."""
    import xlsxwriter

    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "nan_inf_to_errors": False,
    }
    return xlsxwriter.Workbook(str(path), options)


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
    for header in ("价值层级", "ABC分类", "RFM分组", "生命周期", "成长潜力"):
        col = _TIER_COLUMNS[header]
        out[header] = tiers[col].astype("object").to_numpy() if col in tiers else None
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
    notes = _strategy_note(read_artefact(run, "strategy"), cfg.language)
    out["备注/策略"] = [notes.get(str(s), None) for s in out["细分编号"]]
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
    target = Path(path)
    refuse_existing(target)
    with atomic_path(target) as tmp:
        wb = _workbook(tmp)
        fmt = _Formats(wb)
        for title, frame in frames.items():
            _sheet(wb, title, frame, max_rows=max_rows, fmt=fmt)
        _close(wb)
    return target


def write_segments_workbook(run: RunFolder, cfg: RunConfig) -> Path:
    """Write ``segments.xlsx`` into ``run`` (never over an existing file) and return its path."""
    target = run.path("excel")
    refuse_existing(target)
    table = customer_table(run, cfg)
    # a temporary name first: a crash or a full disk never leaves a half-written segments.xlsx
    with atomic_path(target) as tmp:
        wb = _workbook(tmp)
        fmt = _Formats(wb)
        widths = [12, 20, 20, 8, 10, 8, 14, 10, 10, 12, 9, 14, 13, 13, 60]
        _sheet(wb, SHEETS[0], table, widths, fmt=fmt)
        _sheet(wb, SHEETS[1], _overview(run), fmt=fmt)
        artefacts = ("segment_profiles", "tier_thresholds", "quality")
        for title, artefact in zip(SHEETS[2:5], artefacts, strict=True):
            frame = read_artefact(run, artefact)
            frame = pd.DataFrame() if frame is None else frame
            _sheet(wb, title, frame, fmt=fmt)
        _sheet(wb, SHEETS[5], _about(run, cfg, len(table)), [28, 90], fmt=fmt)
        _close(wb)
    return target
