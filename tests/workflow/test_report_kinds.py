"""``segkit report`` on a customer table and on a survey (``source.kind``): the real
notebooks run, the steps that need transactions say why they are skipped, and the report
and the Excel table are written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from segkit.config import RunConfig
from segkit.workflow.report import run_report

from .test_table_steps import WORDING, customer_table, survey_table

NOTEBOOKS = Path(__file__).resolve().parents[2] / "src" / "segkit" / "notebooks"

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, source: dict[str, Any]) -> Path:
    cfg = RunConfig.model_validate(
        {
            "client": source["kind"],
            "smoke": True,
            "language": "both",
            "source": source,
            "segment": {"n_boot": 2, "k_max": 5},
        }
    )
    result = run_report(
        cfg, notebooks_dir=NOTEBOOKS, reports_root=tmp_path / "reports", progress=False
    )
    assert result.report is not None and result.report.is_file()
    assert result.excel is not None and result.excel.is_file()
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    book = openpyxl.load_workbook(result.excel, read_only=True)
    assert book.sheetnames and max(ws.max_row or 0 for ws in book.worksheets) > 1
    return result.run_dir


def _outputs(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return json.dumps([c.get("outputs", []) for c in cells], ensure_ascii=False)


@pytest.mark.parametrize("kind", ["customers", "survey"])
def test_report_run_on_a_table(tmp_path: Path, kind: str) -> None:
    if kind == "customers":
        source = {
            "kind": kind,
            "path": str(customer_table(tmp_path / "crm.csv", encoding="gb18030")),
            "id_column": "客户编号",
            "categorical": ["地区"],
            "value_column": "食品",
        }
    else:
        source = {
            "kind": kind,
            "path": str(survey_table(tmp_path / "survey.csv")),
            "id_column": "rid",
            "items": [f"q{i}" for i in range(1, 7)],
            "wording": WORDING,
        }
    run = _run(tmp_path, source)
    for step in ("04_tiers", "08_monitor"):  # no transactions: skipped, with the reason
        assert "Skipped: the source is" in _outputs(run / "notebooks" / f"{step}.ipynb")
    assert not (run / "artefacts" / "04_tiers.parquet").exists()
    assert (run / "artefacts" / "07_segments.csv").is_file()
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "Skipped: the source is" in html
    if kind == "survey":
        assert (run / "artefacts" / "03_adequacy.json").is_file()
        # needs segments named from the items' wording, with the needs rules' strategies
        names = pd.read_csv(run / "artefacts" / "07_names.csv")
        for name in names["name_zh"]:
            assert {w.rstrip(" ↑↓") for w in name.split(" · ")} <= set(WORDING.values())
            assert name in html
        strategy = pd.read_csv(run / "artefacts" / "07_strategy.csv", keep_default_na=False)
        rules = strategy["matched_rules"].str.split(", ").explode()
        assert rules.str.startswith("need-").any()
        assert strategy.filter(like="_rule").stack().str.startswith("need-").any()
