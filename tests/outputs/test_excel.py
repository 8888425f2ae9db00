"""segments.xlsx: every sheet, never a formula, re-identification recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from segkit.config import RunConfig
from segkit.outputs.excel import CUSTOMER_HEADERS, SHEETS, write_segments_workbook
from tests.outputs.runs import NASTY, fake_run


def test_excel_never_writes_a_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run = fake_run(tmp_path, NASTY)
    cfg = RunConfig.model_validate({"demo": {}})
    path = write_segments_workbook(run, cfg)
    wb = load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    ws = wb["客户分类表"]
    assert [c.value for c in ws[1]] == list(CUSTOMER_HEADERS)
    assert ws.max_row == len(NASTY) + 1
    names = [ws.cell(r, 2) for r in range(2, ws.max_row + 1)]
    # XML cannot hold control characters; XML parsers read a bare CR as a line feed
    expected = [*NASTY[:5], "\n=1", *NASTY[6:-1], "a\ufffdb\ufffdc"]
    assert [c.value for c in names] == expected
    assert all(c.data_type == "s" for c in names)
    assert ws.cell(2, 10).value == "=cmd|' /C calc'!A0" and ws.cell(2, 10).data_type == "s"
    assert ws.cell(2, 3).value == "=甲" and ws.cell(2, 15).value.startswith("产品: =1+2")
    assert isinstance(ws.cell(2, 12).value, dt.datetime)
    # 购买频率 is per month: 1 order in 2 months, 2 in 4, …
    assert [ws.cell(r, 11).value for r in (2, 3, 4)] == [0.5, 0.5, 0.5]
    assert ws.cell(1, 11).value == "购买频率(次/月)"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n", "d"), (sheet.title, cell.coordinate)
    assert wb["数据质量"].cell(3, 1).value == "=BAD"
    with pytest.raises(FileExistsError):
        write_segments_workbook(run, cfg)


def test_reidentify_is_a_choice_recorded_in_the_workbook(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run = fake_run(tmp_path, ["张三", "李四"])
    cfg = RunConfig.model_validate({"demo": {}, "report": {"reidentify": True}})
    about = load_workbook(write_segments_workbook(run, cfg))["说明"]
    assert any("REIDENTIFIED" in str(c.value) for row in about.iter_rows() for c in row)


PREMIUM = "专属客户经理、优先服务 / dedicated account manager, priority service"


def _client_run(tmp_path: Path) -> Path:
    """The fake run plus a premium-service strategy, float-heavy profiles, thresholds and a
    manifest with the as-of date; returns the workbook written in Chinese."""
    import pandas as pd

    run = fake_run(tmp_path, ["张三", "李四", "王五", "赵六"])  # segments 1, 2, 1, 2
    run.path("strategy").unlink()
    run.write_frame(
        "strategy",
        pd.DataFrame(
            {
                "segment": [1, 2],
                "product": ["高端 / premium", "标准 / standard"],
                "service_level": [PREMIUM, "标准化服务 / standard service"],
                "service_level_rule": ["value-high", "default"],
            }
        ),
    )
    run.write_frame(
        "segment_profiles",
        pd.DataFrame(
            {
                "segment": [1, 2],
                "feature": ["monetary", "monetary"],
                "stat_segment": [1234.567891234, 98.7654321],
                "effect_size": [0.5115609492688729, -1.1693617021276594],
                "p_value": [4.059815179400121e-39, 0.0123456],
                "segment_share": [0.42178571428571426, 0.5782142857142857],
            }
        ),
    )
    run.write_frame(
        "tier_thresholds",
        pd.DataFrame({"rule": ["value"], "lower": [0.333333333333], "upper": [2.0 / 3.0]}),
    )
    run.write_json("manifest", {"as_of": {"value": "2024-03-31", "source": "config"}})
    return run.root


def _workbook(tmp_path: Path, language: str):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from segkit.workflow.artefacts import RunFolder

    run = RunFolder(_client_run(tmp_path))
    cfg = RunConfig.model_validate({"demo": {}, "language": language})
    return load_workbook(write_segments_workbook(run, cfg))


def test_secondary_sheets_follow_the_report_language(tmp_path: Path) -> None:
    zh = _workbook(tmp_path / "zh", "zh")
    assert [c.value for c in zh["细分概览"][1]][:5] == [
        "细分编号",
        "中文名称",
        "英文名称",
        "客户数",
        "占比",
    ]
    assert [c.value for c in zh["数据质量"][1]] == ["检查项", "发现", "删除"]
    assert zh["说明"]["A1"].value == "项目"
    en = _workbook(tmp_path / "en", "en")
    assert [c.value for c in en["细分概览"][1]][:5] == [
        "segment",
        "Chinese name",
        "English name",
        "customers",
        "share",
    ]
    assert [c.value for c in en["细分画像"][1]][:3] == ["segment", "feature", "segment value"]
    assert en["说明"]["A1"].value == "item"
    both = _workbook(tmp_path / "both", "both")
    assert both["细分概览"].cell(1, 5).value == "占比 share"


def test_secondary_sheets_are_formatted(tmp_path: Path) -> None:
    wb = _workbook(tmp_path, "zh")
    overview = wb["细分概览"]
    share = next(c for c in overview[1] if c.value == "占比").column
    assert overview.cell(2, share).number_format == "0.0%"
    assert overview.cell(2, share).value == 0.5
    profiles = wb["细分画像"]
    heads = [c.value for c in profiles[1]]
    assert profiles.cell(2, heads.index("效应量") + 1).value == 0.512
    assert profiles.cell(2, heads.index("细分占比") + 1).number_format == "0.0%"
    assert profiles.cell(2, heads.index("p值") + 1).number_format.startswith("[<0.001]")
    for title in ("细分概览", "细分画像", "阈值", "数据质量", "说明"):
        ws = wb[title]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    assert round(cell.value, 4) == cell.value, (title, cell.coordinate)
        # the header row stays in view and more than one column is sized to its content
        assert ws.freeze_panes == "A2", title
        # (openpyxl reads columns of equal width as one dimension spanning min…max)
        sized = sum(d.max - d.min + 1 for d in ws.column_dimensions.values() if d.width)
        assert sized >= 2, title
    widths = {k: d.width for k, d in profiles.column_dimensions.items()}
    assert len(set(widths.values())) > 1  # fitted, not one default width


def test_about_sheet_states_the_analysis_date(tmp_path: Path) -> None:
    about = _workbook(tmp_path, "zh")["说明"]
    rows = {r[0].value: r[1].value for r in about.iter_rows(min_row=2)}
    assert rows["分析日期"] == "2024-03-31"
    assert not any("see manifest.json" in str(v) for v in rows.values())


def test_one_order_customer_gets_no_premium_service_line(tmp_path: Path) -> None:
    ws = _workbook(tmp_path, "zh")["客户分类表"]
    heads = [c.value for c in ws[1]]
    seg, note = heads.index("细分编号") + 1, heads.index("备注/策略") + 1
    # customer 00000: one order, segment 1; customer 00002: three orders, same segment
    assert ws.cell(2, seg).value == ws.cell(4, seg).value == 1
    one_order, loyal = ws.cell(2, note).value, ws.cell(4, note).value
    assert "专属客户经理、优先服务" in loyal
    assert "专属客户经理" not in one_order
    assert "服务: 标准化服务" in one_order and "新客户或仅一单" in one_order
