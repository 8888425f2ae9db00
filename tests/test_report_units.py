"""The report's parts without a kernel: Excel cells, HTML escaping and sanitising, parameters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from segkit.outputs.excel import CUSTOMER_HEADERS, SHEETS, write_segments_workbook
from segkit.outputs.html import build_report, sanitise
from segkit.runconfig import RunConfig
from segkit.workflow.artefacts import RunFolder
from segkit.workflow.report import NOTEBOOKS_ENV, default_notebooks_dir
from segkit.workflow.report_params import (
    ParameterError,
    check_parameter_code,
    declared_parameters,
    parameter_code,
    resolve_inputs,
    select_parameters,
)

NASTY = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "#N/A",
    "=",
    "<script>alert(1)</script>",
    "a\x00b\x1fc",
]


def _run(tmp_path: Path, names: list[str], sizes: list[int] | None = None) -> RunFolder:
    """A run folder with the artefacts the report reads, written as the notebooks would."""
    run = RunFolder(tmp_path / "run")
    n = len(names)
    ids = [f"{i:05d}" for i in range(n)]
    run.write_frame(
        "customers",
        pd.DataFrame(
            {
                "customer_id": ids,
                "name": names,
                "frequency": range(1, n + 1),
                "tenure_days": [60.875 * (i + 1) for i in range(n)],  # 2, 4, … months
                "monetary": [10.5 * i for i in range(n)],
                "last_purchase": pd.date_range("2024-01-01", periods=n, freq="D"),
                "acquisition_channel": ["=cmd|' /C calc'!A0", *(["门店"] * (n - 1))],
            }
        ),
    )
    segs = [1 + i % 2 for i in range(n)]
    run.write_frame(
        "assignments",
        pd.DataFrame(
            {
                "customer_id": ids,
                "segment": segs,
            }
        ),
    )
    run.write_frame(
        "names", pd.DataFrame({"segment": [1, 2], "name_zh": ["=甲", "乙"], "name_en": ["A", "B"]})
    )
    run.write_frame(
        "tiers",
        pd.DataFrame({"customer_id": ids, "value_tier": ["高价值"] * n, "clv": [1.0] * n}),
    )
    sizes = sizes or [n // 2, n // 2]
    run.write_frame(
        "segments",
        pd.DataFrame(
            {
                "segment": [1, 2],
                "name_zh": ["<img src=x onerror=alert(1)>", "<i>乙</i>"],
                "name_en": ["A&B", "B"],
                "size": sizes,
                "share": [0.5, 0.5],
                "value_share": [0.7, 0.3],
                "value": ["high", "low"],
            }
        ),
    )
    run.write_frame(
        "strategy",
        pd.DataFrame(
            {
                "segment": [1, 2],
                "product": ["=1+2 / =1+2", "标准 / standard"],
                "promotion": ["<b>x</b> / <b>x</b>", "常规 / regular"],
            }
        ),
    )
    run.write_frame(
        "quality",
        pd.DataFrame({"check": ["records read", "=BAD"], "detected": [10, 1], "removed": [0, 1]}),
    )
    return run


def test_excel_never_writes_a_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run = _run(tmp_path, NASTY)
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

    run = _run(tmp_path, ["张三", "李四"])
    cfg = RunConfig.model_validate({"demo": {}, "report": {"reidentify": True}})
    about = load_workbook(write_segments_workbook(run, cfg))["说明"]
    assert any("REIDENTIFIED" in str(c.value) for row in about.iter_rows() for c in row)


def test_html_escapes_data_and_suppresses_small_segments(tmp_path: Path) -> None:
    run = _run(tmp_path, ["a", "b", "c", "d"], sizes=[3, 40])
    cfg = RunConfig.model_validate(
        {"demo": {}, "language": "both", "report": {"title": "<b>T</b>", "min_report_size": 5}}
    )
    page = build_report(run, cfg, []).read_text(encoding="utf-8")
    assert "<b>T</b>" not in page and "&lt;b&gt;T&lt;/b&gt;" in page
    assert "onerror" not in page and "A&amp;B" not in page  # size 3 < 5: not shown at all
    assert "少于 5 位客户" in page and "fewer than 5 customers" in page
    assert "&lt;i&gt;乙&lt;/i&gt; / B" in page and "<i>乙" not in page
    assert "常规 / regular" in page and "<b>x</b>" not in page
    assert "<script" not in page and "=BAD" in page


def test_sanitise_keeps_tables_and_data_images_only() -> None:
    dirty = (
        '<div onclick="x()"><table class="dataframe"><tr><td style="color:red">1</td></tr></table>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" onerror="x()">'
        '<img src="https://cdn.example/x.png"><img src="data:text/html;base64,PHNjcmlwdD4=">'
        '<a href="javascript:alert(1)">j</a><a href="#sec">in</a><iframe src="//x"></iframe>'
        "<style>body{background:url(https://x)}</style><script>alert(1)</script></div>"
    )
    clean = sanitise(dirty, "s")
    assert '<table class="dataframe">' in clean and "<td>1</td>" in clean
    assert '<img src="data:image/png;base64,iVBORw0KGgo=">' in clean
    for bad in ("onclick", "onerror", "https:", "javascript:", "data:text", "iframe", "style",
                "script", "url("):  # fmt: skip
        assert bad not in clean, bad
    assert 'href="#s-sec"' in clean


def test_parameters_only_declared_known_names_and_closed_values() -> None:
    values = {"run_dir": "/r/x", "language": "zh", "seed": 1, "smoke": False, "k": 0}
    assert select_parameters(["seed", "k", "evil"], values, "/r/x") == {"seed": 1, "k": 0}
    with pytest.raises(ParameterError, match="not one of"):
        select_parameters(["language"], {**values, "language": 'zh"\nimport os'}, "/r/x")
    with pytest.raises(ParameterError, match="not one of"):
        select_parameters(["run_dir"], {**values, "run_dir": "/elsewhere"}, "/r/x")
    with pytest.raises(ParameterError, match="must be int"):
        select_parameters(["seed"], {**values, "seed": True}, "/r/x")


@pytest.mark.parametrize(
    "code",
    [
        'run_dir = "x"\nimport os\n',
        "seed = __import__('os').getpid()\n",
        'run_dir = "x" + "y"\n',
        'run_dir = "a\\\\"; print(1) #"\n',
        "seed = 2\n",
        'run_dir = "x"\nseed = 1\nextra = 3\n',
        "seed = (\n",
    ],
)
def test_parameter_code_must_be_the_exact_literals(code: str) -> None:
    with pytest.raises(ParameterError):
        check_parameter_code(
            code, {"run_dir": "x", "seed": 1} if "run_dir" in code else {"seed": 1}
        )


def test_papermill_translation_round_trips_or_is_refused() -> None:
    for value in ("/tmp/r/客户/20240101-000000-abc123", "/tmp/a b/c'd", "/tmp/x\\", 'C:\\r"q'):
        params = {"run_dir": value, "seed": 7, "smoke": True}
        try:
            check_parameter_code(parameter_code(params), params)
        except ParameterError:
            assert "\\" in value or '"' in value  # only odd paths may be refused


def test_declared_parameters_reads_the_contract_cell(tmp_path: Path) -> None:
    import nbformat

    cell = nbformat.v4.new_code_cell(
        'run_dir: str = ""  # the run folder; empty = a new scratch run\nk: int = 0  # 0 = vote\n'
        "seed = 42"
    )
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, tmp_path / "n.ipynb")
    assert declared_parameters(tmp_path / "n.ipynb") == ["run_dir", "k", "seed"]


def test_notebooks_dir_and_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOTEBOOKS_ENV, str(tmp_path))
    assert default_notebooks_dir() == tmp_path.resolve()
    (tmp_path / "tx_01.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    cfg = RunConfig.model_validate(
        {
            "source": {
                "path": "tx_*.csv",
                "columns": {"customer_id": "a", "date": "b", "amount": "a"},
            }
        }
    )
    resolved, files = resolve_inputs(cfg, tmp_path)
    assert resolved.source is not None and Path(resolved.source.path).is_absolute()
    assert files == [{"role": "transactions", "path": str(tmp_path / "tx_01.csv")}]
    with pytest.raises(ValueError, match="MISSING_FILE"):
        resolve_inputs(cfg, tmp_path / "nowhere")


def test_guard_catches_papermill_2_6_escaping() -> None:
    """papermill < 2.7 escaped only '"', so a backslash before a quote ended the string."""
    value = "/tmp/evil\\\"+__import__('os').system('id')#"
    old = 'run_dir = "{}"\n'.format(value.replace('"', '\\"'))
    compile(old, "<cell>", "exec")  # valid Python that would run os.system
    with pytest.raises(ParameterError):
        check_parameter_code(old, {"run_dir": value})
