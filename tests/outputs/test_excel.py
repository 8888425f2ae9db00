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
