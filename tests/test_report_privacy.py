"""Issue 14, personal data hidden in values: the extended canary scan and small-segment
suppression, each on a real ``segkit report`` run (the repository's notebooks, executed by
papermill), plus one test per reproduction of the issue.

Canaries are planted in every route the issue names — category values (a phone, a name, an
e-mail, a rare value), column names (master, survey), the input file name, survey headers,
customer ids that are mobile / ID numbers, undeclared master columns (地址, 备用邮箱,
紧急联系人) and the declared PII — and every output of the run is scanned: report.html,
every part of segments.xlsx (unzipped XML), the executed notebooks, every Parquet / CSV /
JSON artefact, the quarantine, run.log, manifest.json and the command's stdout/stderr.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit import datasets
from segkit.cli import app
from segkit.workflow.profiling import DEMO_AS_OF

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "src" / "segkit" / "notebooks"
runner = CliRunner()

pytestmark = pytest.mark.slow

#: route → canaries (the text that must never appear in any output)
PHONE_FILE = "13700137000"  # in the transactions' file name
CAT_PHONE, CAT_NAME, CAT_MAIL, CAT_RARE = (
    "13900139000",
    "李莫愁",
    "cat.canary@example.com",
    "稀罕货",
)
SURVEY_HEADER = "回访_13800138000"
ID_PHONES = ("+8613600136001", "13600136002", "+86 136 0013 6003")
ID_NUMBER = "11010519491231002X"
ADDRESS, SPARE_MAIL, CONTACT = "金丝雀路88号", "spare.canary@example.org", "欧阳金丝雀"
MASTER_HEADER = "紧急联系人_13500135000"
CATEGORY_HEADER = "品类_13300133000"  # a mapped transaction column
NAME, PHONE = "金丝雀甲", "13912340001"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


CANARIES = {
    "file name": [PHONE_FILE],
    "column name": [_digits(CATEGORY_HEADER)],
    "category value": [CAT_PHONE, CAT_NAME, CAT_MAIL, CAT_RARE],
    "survey header": [_digits(SURVEY_HEADER)],
    "customer id": [_digits(p)[-11:] for p in ID_PHONES] + [ID_NUMBER[:17]],
    "undeclared master column": [ADDRESS, SPARE_MAIL, CONTACT, _digits(MASTER_HEADER)],
    "declared PII": [NAME, PHONE],
}


def _plant(folder: Path) -> dict[str, Path]:
    """The demo company with a canary in every route; returns the input files."""
    written = datasets.write_demo(datasets.make_demo(300, seed=5), folder / "src")
    tx = pd.read_csv(written["transactions"], dtype=str)
    master = pd.read_csv(written["customers"], dtype=str)
    survey = pd.read_csv(written["survey"], dtype=str)
    # customer ids that are personal data, consistently in all three files
    ids = sorted(set(tx["customer_id"]) & set(master["customer_id"]) & set(survey["customer_id"]))
    new_ids = dict(zip(ids[:4], [*ID_PHONES, ID_NUMBER], strict=True))
    for frame in (tx, master, survey):
        frame["customer_id"] = frame["customer_id"].replace(new_ids)
    # category values: a phone, a person's name and an e-mail used by many customers, a rare one
    tx.loc[tx.index[::23], "category"] = CAT_PHONE
    tx.loc[tx.index[5::29], "category"] = CAT_NAME
    tx.loc[tx.index[7::31], "category"] = CAT_MAIL
    tx.loc[tx.index[11], "category"] = CAT_RARE
    # master: declared PII, and undeclared columns the method does not use
    master.loc[0, "name"], master.loc[0, "phone"] = NAME, PHONE
    master["地址"] = ADDRESS
    master["备用邮箱"] = SPARE_MAIL
    master[MASTER_HEADER] = CONTACT
    survey = survey.rename(columns={survey.columns[-1]: SURVEY_HEADER})
    tx = tx.rename(columns={"category": CATEGORY_HEADER})
    out = folder / "in"
    out.mkdir()
    files = {
        "transactions": out / f"orders_{PHONE_FILE}.csv",
        "customers": out / "customers.csv",
        "survey": out / "survey.csv",
    }
    tx.to_csv(files["transactions"], index=False)
    master.to_csv(files["customers"], index=False)
    survey.to_csv(files["survey"], index=False)
    return files


def _config(files: dict[str, Path], path: Path, **report: object) -> Path:
    import yaml

    cfg = {
        "client": "canary",
        "smoke": True,
        "as_of": DEMO_AS_OF,
        "source": {
            "path": str(files["transactions"]),
            "columns": {
                "customer_id": "customer_id",
                "date": "order_time",
                "amount": "amount",
                "order_id": "order_id",
                "channel": "channel",
                "category": CATEGORY_HEADER,
            },
        },
        "master": {
            "path": str(files["customers"]),
            "pii": {"name": "name", "phone": "phone", "id_number": "id_number"},
            "source": "acquisition_channel",
        },
        "survey": str(files["survey"]),
        "report": {"min_report_size": 5, **report},
    }
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def _texts(run: Path) -> dict[str, str]:
    """Every output of a run folder as text: xlsx parts unzipped, Parquet tables and their
    column names rendered as CSV, everything else decoded as UTF-8."""
    out: dict[str, str] = {}
    for p in sorted(run.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(run).as_posix()
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as xlsx:
                for part in xlsx.namelist():
                    out[f"{rel}:{part}"] = xlsx.read(part).decode("utf-8", "replace")
        elif p.suffix == ".parquet":
            frame = pd.read_parquet(p)
            buf = io.StringIO()
            frame.to_csv(buf)
            out[rel] = buf.getvalue()
        else:
            out[rel] = p.read_bytes().decode("utf-8", "replace")
    return out


def _report(config: Path, root: Path) -> Any:
    """``segkit report --config`` on the real notebooks, without progress lines."""
    return runner.invoke(
        app,
        ["report", "--config", str(config), "--reports-root", str(root),
         "--notebooks", str(NOTEBOOKS), "--no-progress"],
    )  # fmt: skip


def _runs(client: Path) -> list[Path]:
    """The run folders of a client (``.private`` beside them holds unmasked configs)."""
    return [p for p in client.iterdir() if not p.name.startswith(".")]


def _leaks(texts: dict[str, str], skip: dict[str, set[str]] | None = None) -> list[tuple]:
    found = []
    for route, canaries in CANARIES.items():
        for canary in canaries:
            for name, text in texts.items():
                if name in (skip or {}).get(route, set()):
                    continue
                squeezed = text if not canary.isdigit() else re.sub(r"(?<=\d)[ \-](?=\d)", "", text)
                if canary in squeezed:
                    found.append((route, canary, name))
    return found


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("canary")
    files = _plant(base)
    config = _config(files, base / "canary.yaml")
    result = _report(config, base / "reports")
    assert result.exit_code == 0, result.output
    (run,) = _runs(base / "reports" / "canary")
    return run, result.output


def test_no_canary_in_any_output(canary_run: tuple[Path, str]) -> None:
    run, output = canary_run
    texts = _texts(run)
    texts["stdout+stderr"] = output
    covered = ("report.html", "run.log", "manifest.json", "artefacts/02_quarantine.csv",
               "segments.xlsx:xl/worksheets/sheet3.xml", "notebooks/02_clean.ipynb",
               "artefacts/02_customers.parquet", "artefacts/01_transactions.parquet")  # fmt: skip
    for expected in covered:
        assert expected in texts, expected  # the scan really covers these outputs
    leaks = _leaks(texts)  # params.yaml included: it is masked
    assert leaks == [], leaks[:20]
    # the config as given (input paths, column mapping) is kept beside the run folder, not in
    # it, and the notebooks read it from there
    private = run.parent / ".private" / f"{run.name}.yaml"
    assert PHONE_FILE in private.read_text(encoding="utf-8")
    assert "****" in (run / "params.yaml").read_text(encoding="utf-8")


def test_the_canaries_were_really_planted(canary_run: tuple[Path, str]) -> None:
    """The scan above can fail: the routes exist in this run (replaced, not dropped)."""
    run, _ = canary_run
    customers = pd.read_parquet(run / "artefacts" / "02_customers.parquet")
    shares = [c for c in customers if c.startswith("share_category_")]
    assert len([c for c in shares if re.fullmatch(r"share_category_\d+", c)]) >= 3, shares
    assert "share_category_服装" in shares  # ordinary levels keep their readable name
    pseudonymous = customers["customer_id"].str.fullmatch(r"C[0-9a-f]{16}")
    assert pseudonymous.sum() == 4  # the 3 spellings of mobiles + the ID number
    assert customers.loc[pseudonymous, "name"].notna().all()  # the master still joins
    assert customers.filter(like="survey_item_").shape[1] == 1  # the renamed survey header
    assert not {"地址", "备用邮箱", "city"} & set(customers.columns)  # minimised
    assert {"age", "gender", "acquisition_channel"} <= set(customers.columns)
    log = (run / "run.log").read_text(encoding="utf-8")
    assert "4 customer ids are mobile numbers, ID numbers or e-mails" in log
    assert "columns not used by the method dropped" in log
    quality = pd.read_csv(run / "artefacts" / "02_quality.csv").set_index("check")
    assert quality.loc["PII_CUSTOMER_ID (pseudonymised)", "changed"] == 4
    assert quality.loc["PII_OR_RARE_CATEGORY (neutral label)", "changed"] == 4
    assert quality.loc["UNUSED_MASTER_COLUMN (dropped)", "removed"] == 6  # city … 紧急联系人
    page = (run / "report.html").read_text(encoding="utf-8")
    summary = page[page.index('id="summary"') : page.index('id="step-')]
    assert "PII_CUSTOMER_ID (pseudonymised)" in summary  # the data-quality page says so
    integration = pd.read_csv(run / "artefacts" / "02_integration.csv")
    assert "master_columns_dropped_unused" in integration["check"].tolist()
    tx = pd.read_parquet(run / "artefacts" / "01_transactions.parquet")
    assert tx["category"].str.fullmatch(r"category_\d+").sum() > 20
    assert tx["source_file"].str.contains(r"137\*{4}7000").all()


def test_failing_survey_value_is_never_quoted(tmp_path: Path) -> None:
    files = _plant(tmp_path)
    survey = pd.read_csv(files["survey"], dtype=str)
    survey.loc[3, survey.columns[1]] = "张无忌"  # a name typed into an answer
    survey.to_csv(files["survey"], index=False)
    config = _config(files, tmp_path / "c.yaml")
    result = _report(config, tmp_path / "r")
    assert result.exit_code == 1, result.output
    assert "[NOT_NUMERIC]" in result.output and "row 5" in result.output, result.output
    (run,) = _runs(tmp_path / "r" / "canary")
    texts = _texts(run)
    texts["stdout+stderr"] = result.output
    assert [n for n, t in texts.items() if "张无忌" in t] == []
    assert "NOT_NUMERIC" in texts["manifest.json"]


def test_reidentify_fills_names_and_keeps_ids(tmp_path: Path) -> None:
    """``reidentify: true``: 姓名 holds the declared name column's real names (the manifest
    says so), ids stay as given (with a warning); everything else stays as before."""
    files = _plant(tmp_path)
    master = pd.read_csv(files["customers"], dtype=str).rename(columns={"name": "姓名"})
    master.to_csv(files["customers"], index=False)
    config = _config(files, tmp_path / "c.yaml", reidentify=True)
    import yaml

    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    cfg["master"]["pii"]["name"] = "姓名"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    result = _report(config, tmp_path / "r")
    assert result.exit_code == 0, result.output
    (run,) = _runs(tmp_path / "r" / "canary")
    import openpyxl

    ws = openpyxl.load_workbook(run / "segments.xlsx", read_only=True)["客户分类表"]
    rows = list(ws.iter_rows(values_only=True))
    table = pd.DataFrame(rows[1:], columns=rows[0])
    names = dict(zip(master["customer_id"], master["姓名"], strict=True))
    assert table["姓名"].notna().all()
    assert (table["姓名"] == table["客户ID"].map(names)).all()
    assert NAME in set(table["姓名"])
    assert set(ID_PHONES) <= set(table["客户ID"])  # the ids as given, not pseudonyms
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["personal_data"]["segments_xlsx"].startswith("REIDENTIFIED")
    assert "kept in clear" in (run / "run.log").read_text(encoding="utf-8")
    page = (run / "report.html").read_text(encoding="utf-8")
    assert NAME not in page  # report.html never shows names, re-identified or not


def test_ids_with_a_plus_survive_profile_then_segment(tmp_path: Path) -> None:
    """``segkit profile`` writes a CSV for spreadsheets (``'+86…`` guarded); ``segkit
    segment`` reading it gets the ids back exactly (the guard is undone on read)."""
    demo = datasets.make_demo(200, seed=4)
    tx = demo.transactions.copy()
    ids = sorted(tx["customer_id"].unique())
    plus = {c: f"+86136{i:08d}" for i, c in enumerate(ids)}
    tx["customer_id"] = tx["customer_id"].map(plus)
    src = tmp_path / "tx.csv"
    tx.to_csv(src, index=False)
    prof = tmp_path / "p.csv"
    result = runner.invoke(
        app,
        ["profile", str(src), "--customer-col", "customer_id", "--date-col", "order_time",
         "--amount-col", "amount", "--order-col", "order_id", "--as-of", DEMO_AS_OF,
         "--out", str(prof)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "'+86136" in prof.read_text(encoding="utf-8-sig")  # the spreadsheet guard
    out = tmp_path / "seg"
    result = runner.invoke(app, ["segment", str(prof), "--method", "value", "--out", str(out)])
    assert result.exit_code == 0, result.output
    back = pd.read_parquet(out / "artefacts" / "05_assignments.parquet")["customer_id"]
    assert set(back) == set(plus.values())  # no "'+86…" ids


# --- small segments ----------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every ``<table>`` as header rows and body rows of cell texts (stdlib parser)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[list[list[str]], list[list[str]]]] = []
        self._head = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][0 if self._head else 1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _table_segments(page: str) -> list[str]:
    """The values in every column headed ``segment`` / ``细分`` (or an index so named) of
    every table in ``page``."""
    parser = _Tables()
    parser.feed(page)
    found: list[str] = []
    for head, body in parser.tables:
        where = {i for row in head for i, c in enumerate(row) if c.lower() in ("segment", "细分")}
        for row in body:
            found += [re.sub(r"\.0$", "", row[i]) for i in where if i < len(row)]
    return found


def test_small_segment_shows_no_figure_anywhere_in_the_report(tmp_path: Path) -> None:
    """A segment below ``min_report_size``: its name, size, value share, centre and every
    other row are absent from the whole report.html, executed notebooks included."""
    cfg = tmp_path / "c.yaml"
    # k = 8 on 300 demo customers gives segments of 12 to 63 customers (seed 42); a
    # threshold of 25 hides the two smallest (12 and 22) and shows the six others
    cfg.write_text(
        "demo: {customers: 300}\nsmoke: true\nsegment: {k: 8}\nreport: {min_report_size: 25}\n",
        encoding="utf-8",
    )
    result = _report(cfg, tmp_path / "r")
    assert result.exit_code == 0, result.output
    (run,) = _runs(tmp_path / "r" / "demo")
    segs = pd.read_csv(run / "artefacts" / "07_segments.csv")
    small = segs[segs["size"] < 25]
    shown = segs[segs["size"] >= 25]
    assert len(small) >= 1 and len(shown) >= 2, segs[["segment", "size"]]
    page = (run / "report.html").read_text(encoding="utf-8")
    steps = page[page.index('id="step-05_cluster"') :]
    for _, seg in small.iterrows():
        for name in (seg["name_zh"], seg["name_en"]):
            if not any(name in other for other in shown[["name_zh", "name_en"]].values.ravel()):
                assert name not in page, name
        assert str(seg["segment"]) not in _table_segments(steps), seg["segment"]
    for _, seg in shown.iterrows():  # the check can fail: shown segments are in the tables
        assert str(seg["segment"]) in _table_segments(steps)
        assert seg["name_zh"] in page
    # the executed notebooks themselves (outputs) carry no row of a small segment either
    for nb_path in sorted((run / "notebooks").glob("0[5-8]_*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        html = "".join(
            o.get("data", {}).get("text/html", "")
            for c in nb.cells
            for o in c.get("outputs", [])
            if isinstance(o.get("data", {}).get("text/html", ""), str)
        )
        for _, seg in small.iterrows():
            assert str(seg["segment"]) not in _table_segments(html), (nb_path.name, seg)
