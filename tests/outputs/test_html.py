"""report.html: data escaped, small segments suppressed, notebook HTML sanitised."""

from __future__ import annotations

from pathlib import Path

from segkit.config import RunConfig
from segkit.outputs.html import build_report
from segkit.outputs.html_notebooks import sanitise
from tests.outputs.runs import fake_run


def test_html_escapes_data_and_suppresses_small_segments(tmp_path: Path) -> None:
    run = fake_run(tmp_path, ["a", "b", "c", "d"], sizes=[3, 40])
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


def test_a_run_without_a_value_measure_shows_no_empty_value_columns(tmp_path: Path) -> None:
    """A survey (or a customer table without a value column) has no value share and no
    value / lifecycle / growth trait: the summary leaves those columns out instead of
    showing them empty, and the chart is titled for customer shares only."""
    run = fake_run(tmp_path, ["a", "b", "c", "d"], sizes=[20, 40])
    segs = run.read_frame("segments").drop(columns=["value_share", "value"])
    (run.path("segments")).unlink()
    run.write_frame("segments", segs)
    cfg = RunConfig.model_validate({"demo": {}, "language": "en"})
    page = build_report(run, cfg, []).read_text(encoding="utf-8")
    assert "Share of customers" in page and "Share of value" not in page
    assert "Value / lifecycle / growth" not in page
    assert 'alt="Share of customers by segment"' in page
    survey = RunConfig.model_validate(
        {"source": {"kind": "survey", "path": "s.csv", "id_column": "id", "items": ["q1", "q2"]}}
    )
    run.path("report").unlink()  # segkit never overwrites a report
    page = build_report(run, survey, []).read_text(encoding="utf-8")
    assert "cancellation" not in page.lower()  # a survey has no orders to cancel
    with_value = fake_run(tmp_path / "v", ["a", "b", "c", "d"], sizes=[20, 40])
    page = build_report(with_value, cfg, []).read_text(encoding="utf-8")
    assert "Share of value" in page and "Value / lifecycle / growth" in page


def test_client_audience_drops_the_training_cells(tmp_path: Path) -> None:
    import nbformat

    from segkit.outputs.html_notebooks import notebook_section

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 01 Step\n\nWhat the step does."),
        nbformat.v4.new_markdown_cell("[00 总览 Overview](00_overview.ipynb)"),
        nbformat.v4.new_markdown_cell("## 练习 Exercises\n\n1. Try it."),
    ]
    for cell in nb.cells[1:]:
        cell.metadata["tags"] = ["training"]
    path = tmp_path / "01_step.ipynb"
    nbformat.write(nb, path)
    title, client = notebook_section(path, "client")
    assert title == "01 Step" and "What the step does." in client
    assert "练习" not in client and "Overview" not in client
    _, training = notebook_section(path)  # the default: every cell
    assert "练习 Exercises" in training and "00 总览 Overview" in training
