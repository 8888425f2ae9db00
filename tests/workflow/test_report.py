"""``segkit report`` end to end: real notebooks run by papermill, the Excel table re-opened,
the HTML report opened in headless chromium, personal data, injection and failures.

The notebooks are the fixture notebooks in ``tests/notebooks`` (they write the artefacts of
docs/report-run.md); point :data:`NOTEBOOKS` at the repository's ``notebooks/`` to run the
same checks on the real ones.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit import datasets
from segkit.cli import app
from segkit.config import RunConfig
from segkit.outputs.excel import CUSTOMER_HEADERS, SHEETS
from segkit.workflow.profiling import DEMO_AS_OF
from segkit.workflow.report import run_report

from ..conftest import sha256

REPO = Path(__file__).resolve().parents[2]
#: the notebooks these tests run (the lead switches this to REPO / "notebooks")
NOTEBOOKS = REPO / "src" / "segkit" / "notebooks"
runner = CliRunner()

pytestmark = pytest.mark.slow


def _files(run: Path) -> dict[str, str]:
    return {p.relative_to(run).as_posix(): sha256(p) for p in sorted(run.rglob("*")) if p.is_file()}


def _report_path(output: str) -> Path:
    last = output.strip().splitlines()[-1]
    assert last.startswith("report:"), output
    return Path(last.split(":", 1)[1].strip())


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def demo_run(reports: Path) -> Path:
    """One CLI report run on a small demo company (shared by the checks below)."""
    args = ["report", "--demo", "--customers", "400", "--smoke", "--no-progress"]
    args += ["--reports-root", str(reports), "--notebooks", str(NOTEBOOKS)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = _report_path(result.output)
    assert report.name == "report.html" and report.is_file()
    return report.parent


def test_run_folder_has_every_output(demo_run: Path, reports: Path) -> None:
    assert demo_run.parent == reports / "demo"
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", demo_run.name)
    for name in ("params.yaml", "manifest.json", "report.html", "segments.xlsx", "run.log"):
        assert (demo_run / name).is_file(), name
    ran = sorted(p.stem for p in (demo_run / "notebooks").glob("*.ipynb"))
    assert ran == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    cfg = RunConfig.from_yaml(demo_run / "params.yaml")  # params.yaml is a valid config
    assert cfg.demo is not None and cfg.demo.customers == 400 and cfg.smoke
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["seed"] == 42
    assert manifest["as_of"]["value"] == DEMO_AS_OF
    assert manifest["params_sha256"] == sha256(demo_run / "params.yaml")
    assert manifest["outputs"]["segments.xlsx"] == sha256(demo_run / "segments.xlsx")
    assert {"python", "segkit", "pandas", "papermill", "duckdb"} <= set(manifest["versions"])
    steps = {s["name"]: s for s in manifest["notebooks"]}
    assert all(s["status"] == "ok" and s["seconds"] > 0 for s in steps.values())
    # only declared names from NOTEBOOK_PARAMETERS, run_dir = this run folder
    assert set(steps["00_overview"]["parameters"]) == {"run_dir", "language", "seed", "smoke"}
    assert steps["05_cluster"]["parameters"]["method"] == "kmeans"
    assert steps["02_clean"]["parameters"]["run_dir"] == demo_run.as_posix()
    executed = nbformat.read(demo_run / "notebooks" / "00_overview.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert f'run_dir = "{demo_run.as_posix()}"' in injected[0].source


def test_excel_table_reopened(demo_run: Path) -> None:
    from openpyxl import load_workbook

    customers = pd.read_parquet(demo_run / "artefacts" / "02_customers.parquet")
    wb = load_workbook(demo_run / "segments.xlsx")
    assert wb.sheetnames == list(SHEETS)
    ws = wb["客户分类表"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(CUSTOMER_HEADERS)
    assert len(rows) - 1 == len(customers) == ws.max_row - 1
    table = pd.DataFrame(rows[1:], columns=rows[0])
    assert table["客户ID"].tolist() == customers["customer_id"].astype(str).tolist()
    assert table["姓名"].str.fullmatch(r"P[0-9a-f]{16}").all()  # pseudonyms
    assert table["客户类型"].notna().all() and table["细分编号"].notna().all()
    assert table["生命周期"].notna().all() and table["客户来源"].notna().all()
    # orders per month since the first purchase, not total orders (issue 12)
    months = (customers["tenure_days"] / 30.4375).clip(lower=1.0)
    expected = (customers["frequency"] / months).round(2)
    assert table["购买频率(次/月)"].tolist() == pytest.approx(expected.tolist())
    assert (table["购买频率(次/月)"] > 0).all()
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert wb["数据质量"].cell(1, 1).value == "检查项"  # the report language (zh)
    assert wb["阈值"].max_row > 1 and wb["细分画像"].max_row > 1


def test_html_is_offline_and_without_code(demo_run: Path) -> None:
    page = (demo_run / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//|javascript:)""", page, re.I)
    assert not re.search(r"url\(|@import|@font-face", page)
    assert "Content-Security-Policy" in page
    assert page.count("data:image/png;base64,") >= 2  # the summary chart and a notebook plot
    # summary first, then the steps in order; no code
    order = [page.index('id="summary"')]
    order += [page.index(f'id="step-{p.stem}"') for p in sorted(NOTEBOOKS.glob("*.ipynb"))]
    assert order == sorted(order)
    for code in ("from segkit", "import pandas", "RunFolder(run_dir)", "run_dir ="):
        assert code not in page, code
    segments = pd.read_csv(demo_run / "artefacts" / "07_segments.csv")
    summary = page[page.index('id="summary"') : page.index('id="step-')]
    for name in segments["name_zh"]:
        assert name in summary


#: course material and raw Python reprs a client report must not show
CLIENT_FORBIDDEN = (
    "练习", "Exercises", "本课程", "The course follows", "00 总览 Overview", "run folder",
    "运行目录", "dtype:", "Series(", "Name: count",
)  # fmt: skip


def test_client_report_leaves_out_the_course_material(demo_run: Path, tmp_path: Path) -> None:
    """The demo run is a training report (its default) and keeps the exercises; the same run
    rebuilt with ``report.audience: client`` has no exercises, course wording, navigation,
    run-folder lines, file table or raw reprs."""
    from segkit.outputs.html import build_report
    from segkit.workflow.artefacts import RunFolder

    cfg = RunConfig.from_yaml(demo_run / "params.yaml")
    assert cfg.report.audience == "training"  # `segkit report --demo`
    training = (demo_run / "report.html").read_text(encoding="utf-8")
    assert "练习 Exercises" in training and "00 总览 Overview" in training
    run = tmp_path / demo_run.name
    shutil.copytree(demo_run, run)
    (run / "report.html").unlink()
    client = cfg.with_audience("client")
    notebooks = sorted((run / "notebooks").glob("*.ipynb"))
    page = build_report(RunFolder(run), client, notebooks).read_text(encoding="utf-8")
    for word in CLIENT_FORBIDDEN:
        assert word not in page, word
    assert not re.search(r"(?<![\w\]\[])\[\]", page), "a bare []"
    assert not re.search(r"<pre>\['", page), "a printed list"
    for p in notebooks:  # every step is still there
        assert f'id="step-{p.stem}"' in page


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    subprocess.run(["bash", str(REPO / "scripts" / "system-deps.sh")], check=False)
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed and could not be installed (needs root + apt)")
    return path


def test_html_renders_in_headless_chromium(demo_run: Path, tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    shot = tmp_path / "first-page.png"
    subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1280,2000",
         (demo_run / "report.html").as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape == (2000, 1280, 3)
    non_white = (pixels < 245).any(axis=2).mean()
    colours = len(np.unique(pixels.reshape(-1, 3)[::7], axis=0))
    assert non_white > 0.05 and colours > 50, (non_white, colours)
    header = pixels[10:60, 200:1000].reshape(-1, 3).mean(axis=0)  # the dark title bar
    assert (header < 100).all(), header


# --- personal data, and a second run beside the first ----------------------------------------

CANARY_NAMES = ("金丝雀甲", "Canaryname Zed")
CANARY_PHONES = ("13912340001", "18698760002")
CANARY_IDS = ("11010519491231002X", "440524188001010014")
XSS = ("<script>alert('segkit')</script>", "<img src=x onerror=alert(2)>")
FORMULA = '=HYPERLINK("http://evil.example","x")'


def test_canaries_never_leave_the_excel_and_second_run_leaves_first(
    demo_run: Path, reports: Path, tmp_path: Path
) -> None:
    before = _files(demo_run)
    data = tmp_path / "acme"
    written = datasets.write_demo(datasets.make_demo(300, seed=3), data)
    master = pd.read_csv(written["customers"], dtype=str)
    master.loc[:1, "name"] = list(CANARY_NAMES)
    master.loc[:1, "phone"] = list(CANARY_PHONES)
    master.loc[:1, "id_number"] = list(CANARY_IDS)
    master.loc[:1, "city"] = list(XSS)  # data-derived text shown in tables
    master.loc[2, "acquisition_channel"] = FORMULA  # 客户来源 lands in the Excel table
    master.to_csv(written["customers"], index=False)
    tx = pd.read_csv(written["transactions"], dtype=str)
    tx.loc[tx.index[::40], "category"] = XSS[1]  # becomes a feature and a plot label
    tx.to_csv(written["transactions"], index=False)
    cfg = RunConfig.model_validate(
        {
            "client": "demo",  # the same client folder as the first run
            "smoke": True,
            "as_of": DEMO_AS_OF,
            "source": {
                "path": "acme/transactions.csv",
                "columns": {
                    "customer_id": "customer_id",
                    "date": "order_time",
                    "amount": "amount",
                    "order_id": "order_id",
                    "channel": "channel",
                    "category": "category",
                },
            },
            "master": {
                "path": "acme/customers.csv",
                "pii": {"name": "name", "phone": "phone", "id_number": "id_number"},
                "source": "acquisition_channel",
            },
        }
    )
    result = run_report(
        cfg, notebooks_dir=NOTEBOOKS, reports_root=reports, base=tmp_path, progress=False
    )
    run = result.run_dir
    assert run.parent == demo_run.parent and run != demo_run
    assert _files(demo_run) == before  # the first run is untouched, byte for byte

    texts = {"report.html": (run / "report.html").read_text(encoding="utf-8")}
    texts["run.log"] = (run / "run.log").read_text(encoding="utf-8")
    texts["manifest.json"] = (run / "manifest.json").read_text(encoding="utf-8")
    for nb in (run / "notebooks").glob("*.ipynb"):
        texts[nb.name] = nb.read_text(encoding="utf-8")
    with zipfile.ZipFile(run / "segments.xlsx") as xlsx:
        texts["segments.xlsx"] = "".join(xlsx.read(n).decode("utf-8") for n in xlsx.namelist())
    customers = pd.read_parquet(run / "artefacts" / "02_customers.parquet")
    texts["02_customers"] = customers.to_csv()
    for canary in (*CANARY_NAMES, *CANARY_PHONES, *CANARY_IDS):
        for name, text in texts.items():
            assert text.count(canary) == 0, (canary, name)
    page = texts["report.html"]
    assert "<script" not in page.lower()  # payloads appear escaped or not at all
    assert not re.search(r"<[^>]*\sonerror\s*=", page, flags=re.I)
    assert not re.search(r"<img[^>]*src=(?!\"data:image/)", page)
    with zipfile.ZipFile(run / "segments.xlsx") as xlsx:
        sheets = [n for n in xlsx.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any("<f>" in xlsx.read(n).decode("utf-8") for n in sheets)
    wb = openpyxl.load_workbook(run / "segments.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == FORMULA and c.data_type == "s" for c in cells)
    assert customers["name"].str.fullmatch(r"P[0-9a-f]{16}").all()
    manifest = json.loads(texts["manifest.json"])
    assert {i["role"] for i in manifest["inputs"]} == {"transactions", "master"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["personal_data"]["segments_xlsx"].startswith("pseudonyms")


# --- failures and injection --------------------------------------------------------------------


def _notebook(path: Path, params: str, code: str) -> None:
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_failing_step_keeps_the_notebook_and_exits_non_zero(tmp_path: Path) -> None:
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(NOTEBOOKS / "00_overview.ipynb", nbs)
    _notebook(
        nbs / "02_clean.ipynb",
        'run_dir: str = ""  # the run folder\nseed: int = 42  # seed',
        'x = 1\nraise ValueError("amount column is empty; call 13812345678")',
    )
    shutil.copy(NOTEBOOKS / "04_tiers.ipynb", nbs)  # must not run after the failure
    args = ["report", "--demo", "--customers", "100", "--smoke", "--no-progress"]
    result = runner.invoke(
        app, [*args, "--reports-root", str(tmp_path / "r"), "--notebooks", str(nbs)]
    )
    assert result.exit_code == 1, result.output
    assert "step 02_clean failed at cell" in result.output
    assert "ValueError: amount column is empty" in result.output
    assert "13812345678" not in result.output and "138****5678" in result.output
    (run,) = (tmp_path / "r" / "demo").iterdir()
    assert str(run) in result.output
    failed = nbformat.read(run / "notebooks" / "02_clean.ipynb", as_version=4)
    errors = [o for c in failed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert (run / "notebooks" / "00_overview.ipynb").is_file()
    assert not (run / "notebooks" / "04_tiers.ipynb").exists()
    assert not (run / "report.html").exists() and not (run / "segments.xlsx").exists()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["failed"]["notebook"] == "02_clean"
    assert "13812345678" not in (run / "run.log").read_text(encoding="utf-8")


def test_bad_configs_are_rejected_with_the_key(tmp_path: Path) -> None:
    cases = {
        "clent: typo\ndemo: {}\n": "clent: Extra inputs are not permitted",
        "demo: {}\nsegment: {k_max: ten}\n": "segment.k_max:",
        'demo: {}\nlanguage: "zh\\"\\nimport os"\n': "language:",
        "demo: {}\nclient: '../x\"; import os #'\n": "client:",
        "demo: {}\n__import__('os').system('id'): 1\n": "Extra inputs are not permitted",
        "- just\n- a list\n": "must be a mapping",
        "demo: {}\nsource: {path: x.csv, columns: {customer_id: a, date: b, amount: c}}\n": (
            "not both"
        ),
    }
    for i, (text, message) in enumerate(cases.items()):
        config = tmp_path / f"c{i}.yaml"
        config.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["report", "--config", str(config)])
        assert result.exit_code == 2, (text, result.output)
        assert message in result.output, (text, result.output)
    assert not (tmp_path / "reports").exists()
    missing = tmp_path / "m.yaml"
    missing.write_text(
        "source: {path: no/such.csv, columns: {customer_id: a, date: b, amount: c}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["report", "--config", str(missing), "--reports-root", str(tmp_path)]
    )
    assert result.exit_code == 2 and "[MISSING_FILE]" in result.output, result.output


def test_run_folder_paths_cannot_inject_code(tmp_path: Path) -> None:
    """A reports folder crafted to break out of papermill's string literal, and one with
    braces (papermill formats paths): rejected or passed through as inert text."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(
        nbs / "00_overview.ipynb",
        'run_dir: str = ""  # the run folder\nlanguage: str = "zh"  # language',
        "from pathlib import Path\n"
        "Path(run_dir, 'seen.txt').write_text(run_dir + '|' + language, encoding='utf-8')",
    )
    pwned = tmp_path / "PWNED"
    evil = tmp_path / f'evil\\"+__import__("os").system("touch {pwned}")+"'
    braces = tmp_path / "{run_dir}{0}"
    cfg = RunConfig.model_validate({"demo": {"customers": 50}, "language": "en"})
    for root in (evil, braces):
        try:
            result = run_report(cfg, notebooks_dir=nbs, reports_root=root, progress=False)
        except ValueError as exc:  # ParameterError: refused before any folder is created
            assert "cannot pass safely" in str(exc)
            assert not root.exists()
            continue
        run = result.run_dir
        assert run.parent.parent == root.resolve()
        seen = (run / "seen.txt").read_text(encoding="utf-8")
        assert seen == f"{run.as_posix()}|en"
    assert not pwned.exists()


def test_example_config_on_online_retail(shared_data: Path, tmp_path: Path) -> None:
    cfg = RunConfig.from_yaml(REPO / "examples" / "online_retail.yaml")
    assert cfg.source is not None and "online_retail.parquet" in cfg.source.path
    cfg = cfg.model_copy(update={"smoke": True})
    result = run_report(
        cfg, notebooks_dir=NOTEBOOKS, reports_root=tmp_path, base=REPO, progress=False
    )
    assert result.report is not None and result.excel is not None
    from openpyxl import load_workbook

    profile = pd.read_parquet(result.run_dir / "artefacts" / "02_profile.parquet")
    wb = load_workbook(result.excel, read_only=True)
    try:
        rows = sum(1 for _ in wb["客户分类表"].iter_rows(min_row=2))
    finally:
        wb.close()  # read-only workbooks keep the file open until closed
    assert rows == len(profile) > 4000
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"]["value"] == "2011-12-10"
    assert manifest["inputs"][0]["sha256"] == sha256(shared_data / "online_retail.parquet")
    # issue 12: cancelled orders are not sales, and the data-quality part says so
    spend = profile.set_index("customer_id")["monetary"]
    assert "12346" not in spend.index and spend["16446"] == pytest.approx(2.90)
    page = result.report.read_text(encoding="utf-8")
    quality = pd.read_csv(result.run_dir / "artefacts" / "02_quality.csv").set_index("check")
    pairs = int(quality.loc["CANCELLED", "removed"])
    assert pairs == int(quality.loc["CANCELLED_PURCHASE", "removed"]) > 0
    assert (
        f"Cancellations (order ids starting with &#x27;C&#x27;, 9,288 lines): {pairs:,} were "
        "matched to the purchase they cancel" in page
    )
    assert f"取消订单（订单号以 “C” 开头，9,288 行）中 {pairs:,} 行与所取消的购买配对" in page
    excluded = pd.read_csv(
        result.run_dir / "artefacts" / "02_excluded_customers.csv", dtype={"customer_id": str}
    )
    reasons = excluded.set_index("customer_id")["reason_code"]
    assert reasons["12346"] == "ALL_CANCELLED"
    assert set(reasons) <= {"RETURNS_ONLY", "ALL_CANCELLED"}
    assert f"{len(excluded):,} more customers have only returns or cancellations" in page


def test_data_quality_page_shows_the_row_and_customer_accounts(demo_run: Path) -> None:
    page = (demo_run / "report.html").read_text(encoding="utf-8")
    quality = pd.read_csv(demo_run / "artefacts" / "02_quality.csv").set_index("check")
    read = int(quality.loc["records read", "detected"])
    kept = int(quality.loc["rows kept", "detected"])
    assert f"记录 {read:,} = 保留 {kept:,} + 隔离 {read - kept:,}" in page
    profiled = len(pd.read_parquet(demo_run / "artefacts" / "02_profile.parquet"))
    assert f"客户：档案 {profiled:,} 位 = 已分群 {profiled:,} 位：平衡 ✓" in page
    assert "✗" not in page
    # the demo sets no cancellation prefix: the page says what that means
    assert "未设置取消订单前缀" in page


def test_summary_traits_differ_unless_their_figures_do(demo_run: Path) -> None:
    """Issue 12: every segment read "成熟客户 / 高成长潜力", and a segment whose value share
    equalled its customer share read 高价值."""
    import html
    import re

    page = (demo_run / "report.html").read_text(encoding="utf-8")
    summary = page[page.index('<section id="summary">') : page.index("</section>")]
    rows = re.findall(r"<tr><td>(\d+)</td>(?:<td[^>]*>.*?</td>){4}<td>(.*?)</td>", summary)
    segs = pd.read_csv(demo_run / "artefacts" / "07_segments.csv").set_index("segment")
    assert len(rows) == len(segs[segs["size"] >= 5]) > 1
    texts: dict[str, set[tuple[float, ...]]] = {}
    for seg, text in rows:
        r = segs.loc[int(seg)]
        figures = tuple(
            round(float(r[c]), 2)
            for c in ("value_index", "lifecycle_share", "lifecycle_index", "growth_share",
                      "growth_index")
        )  # fmt: skip
        texts.setdefault(html.unescape(text), set()).add(figures)
        assert f"{r['value_index']:.2f} 倍" in html.unescape(text)
        mid = 0.8 < r["value_share"] / r["share"] < 1.2
        assert ("中价值" in text) == mid
    assert all(len(f) == 1 for f in texts.values()) and len(texts) == len(rows)
