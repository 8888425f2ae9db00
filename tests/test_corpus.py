"""The 50-case bad-input corpus (``shared/reliability-cases.md``), one test per case.

Fixture files are written by ``tests/corpus/make_corpus.py`` into ``tests/corpus/files/``;
every test asserts the exact outcome (the error's code, file, sheet, row and column, or the
quarantine rows' reason, source row and raw value, and the counts), on CSV and, where the
case applies, on Excel. An autouse fixture checks that no test changes a corpus file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from segkit.clean import CleanResult, clean, dedupe_master
from segkit.collect import Collected, collect, read_table
from segkit.config import CleanPolicy, ColumnMap, ReadOptions
from segkit.errors import InputError

FILES = Path(__file__).parent / "corpus" / "files"
COLS = ColumnMap(
    customer_id="客户编号", order_id="订单号", date="下单时间", amount="金额", channel="渠道"
)
#: the corpus's run date is fixed (``max_date``), so no outcome depends on today's date
RUN_DATE = dt.date(2025, 12, 31)
QUIET = CleanPolicy(outliers="none", max_date=RUN_DATE)
AS_OF = "2024-12-31"


def _hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(FILES.iterdir())}


@pytest.fixture(scope="module", autouse=True)
def corpus_unchanged() -> Iterator[None]:
    """Input files are never modified: every corpus file hashes the same after the tests."""
    before = _hashes()
    yield
    assert _hashes() == before


def run(name: str, *, policy: CleanPolicy = QUIET, **read: Any) -> tuple[Collected, CleanResult]:
    col = collect(FILES / name, COLS, ReadOptions(**read))
    return col, clean(col, as_of=AS_OF, policy=policy)


def quarantined(res: CleanResult) -> list[tuple[int, str, str | None, str | None]]:
    """(source_row, reason_code, column, raw_value) of each quarantine row, by row."""
    q = res.quarantine.sort_values(["source_row", "reason_code"])
    out = []
    for r in q.itertuples(index=False):
        raw = None if pd.isna(r.raw_value) else str(r.raw_value)
        col = None if r.column is None or pd.isna(r.column) else str(r.column)
        out.append((int(r.source_row), str(r.reason_code), col, raw))
    return out


def kept(res: CleanResult, column: str = "customer_id") -> list[Any]:
    return res.kept()[column].tolist()


def error(name: str, **read: Any) -> InputError:
    with pytest.raises(InputError) as info:
        run(name, **read)
    return info.value


def balanced(res: CleanResult) -> None:
    assert res.rows_in == res.rows_kept + res.rows_removed


BOTH = pytest.mark.parametrize("ext", ["csv", "xlsx"])


# --- Encoding ----------------------------------------------------------------------------
def test_E1_gb18030_detected_and_recorded() -> None:
    col, res = run("E1.csv")
    assert col.sources[0]["encoding"] == "gb18030"
    assert kept(res, "channel") == ["门店", "线上", "线上"]
    balanced(res)


def test_E2_gb18030_only_character_survives() -> None:
    _, res = run("E2.csv")
    assert kept(res, "channel") == ["线上", "刘䶮的店"]


def test_E3_bom_stripped_and_near_match_named() -> None:
    _col, res = run("E3.csv")
    assert kept(res) == ["00001", "00002"]
    with pytest.raises(InputError) as info:
        collect(FILES / "E3.csv", COLS.model_copy(update={"customer_id": "客户编码"}))
    err = info.value
    assert (err.code, err.column) == ("MISSING_COLUMN", "客户编码")
    assert "'客户编号'" in str(err) and "E3.csv" in str(err)


def test_E4_utf16_tab_export() -> None:
    col, res = run("E4.txt")
    assert (col.sources[0]["encoding"], col.sources[0]["delimiter"]) == ("utf-16", "\t")
    assert kept(res) == ["00001", "00002", "00003"]


def test_E5_mixed_encoding_lines_quarantined() -> None:
    _, res = run("E5.csv")
    # the GB18030 line in a UTF-8 file: quarantined, shown decoded, its encoding named
    assert quarantined(res) == [(4, "MIXED_ENCODING", None, "00009,O009,2024-03-01,10.00,门店")]
    assert "GB18030" in res.quarantine["detail"].iloc[0]
    assert kept(res) == ["00001", "00002", "00010"]
    balanced(res)


@BOTH
def test_E6_fullwidth_and_zero_width_folded(ext: str) -> None:
    _col, res = run(f"E6.{ext}")
    assert kept(res) == ["00012", "00013"]
    assert res.rows_removed == 0


# --- Structure ---------------------------------------------------------------------------
def test_S1_too_many_fields() -> None:
    _, res = run("S1.csv")
    assert quarantined(res) == [
        (4, "TOO_MANY_COLUMNS", None, "00003,O003,2024-02-01,5.00,线上,多余")
    ]
    assert kept(res) == ["00001", "00002", "00004"]


def test_S2_too_few_fields() -> None:
    _, res = run("S2.csv")
    assert quarantined(res) == [(4, "MISSING_COLUMNS", None, "00003,O003,2024-02-01")]
    balanced(res)


def test_S3_unterminated_quote_names_the_line() -> None:
    err = error("S3.csv")
    assert (err.code, err.row, err.file) == ("BAD_QUOTING", 4, str(FILES / "S3.csv"))
    assert err.column == "金额"


def test_S4_header_band_needs_header_row() -> None:
    err = error("S4.xlsx")
    assert (err.code, err.sheet, err.row) == ("UNNAMED_HEADER", "交易", 1)
    assert "header_row" in str(err)
    _col, res = run("S4.xlsx", header_row=2)
    assert res.kept()["source_row"].tolist() == [3, 4, 5]


@BOTH
def test_S5_duplicate_headers(ext: str) -> None:
    err = error(f"S5.{ext}")
    assert (err.code, err.row) == ("DUPLICATE_HEADER", 1)
    assert "金额" in str(err)


def test_S6_formulas_without_cached_values_listed() -> None:
    err = error("S6.xlsx")
    assert (err.code, err.sheet) == ("FORMULA_WITHOUT_VALUE", "交易")
    assert "['交易!F2', '交易!F3', '交易!F4']" in str(err)


def test_S7_sheets_and_footer_rows() -> None:
    err = error("S7.xlsx")
    assert err.code == "MULTIPLE_SHEETS" and "'隐藏 (hidden)'" in str(err)
    for name, read in (("S7.csv", {}), ("S7.xlsx", {"sheet": "交易"})):
        _, res = run(name, **read)
        assert quarantined(res) == [
            (5, "SUMMARY_ROW", "customer_id", "合计"),
            (6, "SUMMARY_ROW", "customer_id", "注：数据截至2024年12月31日"),
        ]
        assert kept(res) == ["00001", "00002", "00003"]


@pytest.mark.parametrize("name", ["S8_empty.csv", "S8_header.csv", "S8_header.xlsx"])
def test_S8_empty_or_header_only(name: str) -> None:
    err = error(name)
    assert err.code == "EMPTY_FILE" and "0 data rows" in str(err)
    assert err.file == str(FILES / name)


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [("S9_semicolon.csv", ";"), ("S9_pipe.csv", "|"), ("S9_tab.tsv", "\t"),
     ("S9_fullwidth.csv", "，")],
)  # fmt: skip
def test_S9_delimiters_sniffed_and_recorded(name: str, delimiter: str) -> None:
    col, res = run(name)
    assert col.sources[0]["delimiter"] == delimiter
    assert kept(res, "amount") == [101.5, 102.5, 103.5]


def test_S9_decimal_comma_needs_configuration() -> None:
    _, res = run("S9_decimal_comma.csv")
    assert [(r, c, raw) for r, c, _, raw in quarantined(res)] == [
        (2, "UNPARSEABLE_AMOUNT", "101,50"),
        (3, "UNPARSEABLE_AMOUNT", "102,50"),
        (4, "UNPARSEABLE_AMOUNT", "103,50"),
    ]
    assert "decimal" in res.quarantine["detail"].iloc[0]
    _, res = run("S9_decimal_comma.csv", decimal=",")
    assert kept(res, "amount") == [101.5, 102.5, 103.5]


def test_S10_schema_drift_shows_the_column_diff() -> None:
    with pytest.raises(InputError) as info:
        collect(FILES / "S10_*.csv", COLS)
    err = info.value
    assert (err.code, Path(str(err.file)).name) == ("SCHEMA_DRIFT", "S10_2024-02.csv")
    assert "added ['订单编号', '门店'], missing ['订单号']" in str(err)


# --- Types -------------------------------------------------------------------------------
@BOTH
def test_T1_leading_zeros_kept(ext: str) -> None:
    _, res = run(f"T1.{ext}")
    assert kept(res) == ["00123", "0"]


def test_T2_precision_lost_ids_quarantined() -> None:
    _, res = run("T2.csv")
    assert quarantined(res) == [(3, "PRECISION_LOST", "customer_id", "1.1010119900307778e+17")]
    assert kept(res) == ["110101199003077792", "110101199003077793"]
    _, res = run("T2.xlsx")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [(2, "PRECISION_LOST")]
    assert kept(res) == ["110101199003077793"]


@BOTH
def test_T3_amount_formats(ext: str) -> None:
    _, res = run(f"T3.{ext}")
    assert kept(res, "amount") == [1234.5, 1234.5, -1234.5, 123.0, 12000.0]
    assert quarantined(res) == [
        (7, "UNPARSEABLE_AMOUNT", "amount", "abc"),
        (8, "UNPARSEABLE_AMOUNT", "amount", "12..5"),
    ]


@pytest.mark.parametrize("name", ["T4.csv", "T4.xlsx", "T4_1904.xlsx"])
def test_T4_excel_serials_and_1904_workbooks(name: str) -> None:
    _, res = run(name)
    dates = res.kept()["date"].dt.date.tolist()
    assert set(dates) == {dt.date(2023, 9, 28)} and res.rows_removed == 0


@BOTH
def test_T5_chinese_dates(ext: str) -> None:
    _, res = run(f"T5.{ext}")
    assert res.kept()["date"].tolist() == [
        pd.Timestamp("2023-09-28"),
        pd.Timestamp("2023-09-28 14:05"),
    ]
    assert quarantined(res) == [(4, "UNPARSEABLE_DATE", "date", "去年秋天")]


@BOTH
def test_T6_ambiguous_day_month_refused_unless_configured(ext: str) -> None:
    err = error(f"T6.{ext}")
    assert (err.code, err.column, err.row) == ("AMBIGUOUS_DATE", "下单时间", 2)
    assert "date_order" in str(err)
    _, res = run(f"T6.{ext}", date_order="DMY")
    assert res.kept()["date"].dt.date.tolist() == [dt.date(2023, 4, 3), dt.date(2023, 4, 13)]


@BOTH
def test_T7_explicit_missing_value_list(ext: str) -> None:
    _, res = run(f"T7.{ext}")
    # "NA" and "None" are real values (a region code, a name); the explicit list is missing
    assert kept(res) == ["NA", "None"]
    assert kept(res, "channel") == ["NA", "NA"]
    missing = [(r, c, raw) for r, c, _, raw in quarantined(res)]
    assert missing == [
        (4, "NO_CUSTOMER_KEY", "N/A"),
        (5, "NO_CUSTOMER_KEY", "null"),
        (6, "NO_CUSTOMER_KEY", "无"),
        (7, "NO_CUSTOMER_KEY", "-"),
        (8, "NO_CUSTOMER_KEY", "—"),
        (9, "NO_CUSTOMER_KEY", "空"),
        (10, "NO_CUSTOMER_KEY", None),
    ]


@BOTH
def test_T8_booleans_and_percentages(ext: str) -> None:
    from segkit.clean.coding import parse_booleans, parse_percentages

    table = read_table(FILES / f"T8.{ext}")
    member, q1 = parse_booleans(table, "会员", file=f"T8.{ext}")
    assert member.tolist() == [True, False, True, None]
    assert q1[["source_row", "reason_code", "raw_value"]].values.tolist() == [
        [5, "UNKNOWN_LEVEL", "也许"]
    ]
    consent, q2 = parse_booleans(table, "同意营销", file=f"T8.{ext}")
    assert consent.tolist() == [True, False, False, True] and q2.empty
    rate, q3 = parse_percentages(table, "折扣率", file=f"T8.{ext}")
    assert rate.tolist()[:3] == [0.12, 0.005, 1.0] and pd.isna(rate.iloc[3])
    assert q3[["source_row", "reason_code", "raw_value"]].values.tolist() == [
        [5, "BAD_PERCENT", "12"]
    ]


# --- Values ------------------------------------------------------------------------------
@BOTH
def test_V1_refunds_net_or_dropped_never_silently(ext: str) -> None:
    _, res = run(f"V1.{ext}")
    assert kept(res, "amount") == [101.5, -101.5, -20.0]
    assert res.detected["NEGATIVE_AMOUNT"] == 2
    _, res = run(f"V1.{ext}", policy=CleanPolicy(outliers="none", returns="drop"))
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [(3, "RETURN_LINE"), (4, "RETURN_LINE")]


def test_V2_extreme_amounts_flagged_and_counted() -> None:
    _, res = run("V2.csv", policy=CleanPolicy())
    assert [(r, c, raw) for r, c, _, raw in quarantined(res)] == [
        (2, "OUTLIER_LOW", "0.01"),
        (3, "OUTLIER_HIGH", "1000000000.0"),
    ]
    assert res.rows_kept == 200 and set(res.quarantine["action"]) == {"flagged"}


@BOTH
def test_V3_impossible_dates(ext: str) -> None:
    _, res = run(f"V3.{ext}")
    assert [(r, c, raw) for r, c, _, raw in quarantined(res)] == [
        (2, "FUTURE_DATE", "2030-01-01"),  # after the run date: a typo, not a late order
        (3, "DATE_OUT_OF_RANGE", "1899-05-01"),
        (4, "UNPARSEABLE_DATE", "1900-01-00"),
        (5, "UNPARSEABLE_DATE", "2024-02-30"),
    ]
    assert kept(res) == ["00005"]


@BOTH
def test_V4_invalid_phones_and_id_numbers_flagged_masked(ext: str) -> None:
    from segkit.collect.identity import check_contacts

    table = read_table(FILES / f"V4.{ext}")
    flags = check_contacts(table, phone="手机", id_number="身份证号", file=f"V4.{ext}")
    got = flags[["source_row", "column", "reason_code", "action"]].values.tolist()
    assert got == [
        [3, "手机", "INVALID_PHONE", "flagged"],
        [3, "身份证号", "INVALID_ID_NUMBER", "flagged"],
        [4, "手机", "INVALID_PHONE", "flagged"],
    ]
    text = flags.to_csv()
    assert "12345678901" not in text and "110105194912310021" not in text


@BOTH
def test_V5_mixed_currencies_refused(ext: str) -> None:
    err = error(f"V5.{ext}")
    assert (err.code, err.column, err.row) == ("MIXED_CURRENCY", "金额", 3)
    assert "HK$" in str(err)


# --- Identity ----------------------------------------------------------------------------
@BOTH
def test_I1_exact_duplicates_removed_and_counted(ext: str) -> None:
    _, res = run(f"I1.{ext}")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [
        (5, "DUPLICATE_ROW"),
        (6, "DUPLICATE_ROW"),
    ]
    assert res.rows_kept == 3
    balanced(res)


@BOTH
def test_I2_same_person_under_two_keys(ext: str) -> None:
    from segkit.collect.identity import same_person

    table = read_table(FILES / f"I2.{ext}")
    merges = same_person(table, customer_id="客户编号", phone="手机")
    assert merges[["customer_id", "merged_into", "matched_on"]].values.tolist() == [
        ["00002", "00001", "手机"]
    ]
    assert "13800138000" not in merges.to_csv()


@BOTH
def test_I3_same_id_conflicting_attributes(ext: str) -> None:
    table = read_table(FILES / f"I3.{ext}").rename(columns={"客户编号": "customer_id"})
    master, q = dedupe_master(table, source_file=f"I3.{ext}")
    assert master.set_index("customer_id").loc["00001", "城市"] == "上海"  # last row wins
    assert q["reason_code"].tolist() == ["CONFLICTING_RECORD"]
    assert int(q["source_row"].iloc[0]) == 2


@BOTH
def test_I4_missing_customer_key(ext: str) -> None:
    _, res = run(f"I4.{ext}")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [
        (3, "NO_CUSTOMER_KEY"),
        (4, "NO_CUSTOMER_KEY"),
    ]


def test_I5_orphans_counted() -> None:
    from segkit.collect import integrate
    from segkit.profile import build_profile

    _, res = run("I5.csv")
    profile = build_profile(res, features="core")
    master = read_table(FILES / "I5_master.csv").rename(columns={"客户编号": "customer_id"})
    joined = integrate(profile, master=master)
    assert joined.unmatched["profile_not_in_master"] == ["00003"]
    assert joined.unmatched["master_not_in_profile"] == []
    assert len(joined.table) == 3  # the orphan is kept, not dropped
    counts = joined.summary().set_index("check")["ids"].to_dict()
    assert counts["profile_not_in_master"] == 1


def test_I6_same_export_twice_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        collect(FILES / "I6_*.csv", COLS)
    assert info.value.code == "DUPLICATE_SOURCE" and "I6_a.csv" in str(info.value)


# --- Time --------------------------------------------------------------------------------
def test_Ti1_time_zones_normalised_to_the_configured_zone() -> None:
    col, res = run("Ti1.csv")
    assert res.kept()["date"].tolist() == [pd.Timestamp("2024-01-05 10:00")] * 3
    assert col.sources[0]["timezone"] == "Asia/Shanghai"
    col, res = run("Ti1.csv", timezone="UTC")
    assert res.kept()["date"].tolist() == [
        pd.Timestamp("2024-01-05 02:00"),
        pd.Timestamp("2024-01-05 10:00"),
        pd.Timestamp("2024-01-05 02:00"),
    ]


@BOTH
def test_Ti2_as_of_explicit_and_reruns_identical(ext: str) -> None:
    from segkit.profile import build_profile

    a = build_profile(run(f"Ti2.{ext}")[1], features="core")
    b = build_profile(run(f"Ti2.{ext}")[1], features="core")
    pd.testing.assert_frame_equal(a, b)
    col = collect(FILES / f"Ti2.{ext}", COLS)
    res = clean(col, policy=QUIET)
    assert res.as_of == dt.date(2024, 6, 16)  # the day after the latest transaction
    assert any("as-of" in n or "as_of" in n for n in res.notes)


@BOTH
def test_Ti3_after_as_of_excluded_and_counted(ext: str) -> None:
    _, res = run(f"Ti3.{ext}")
    assert quarantined(res) == [(4, "AFTER_AS_OF", "date", "2025-03-01")]


def test_Ti4_gaps_and_partial_last_month_warned() -> None:
    from segkit.clean.quality import monthly_coverage

    _, res = run("Ti4.csv")
    cov = monthly_coverage(res)
    assert cov.table["month"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert cov.table["transactions"].tolist() == [1, 1, 0, 1, 1]
    assert cov.warnings == [
        "no transactions in 2024-03",
        "the last month 2024-05 is partial: data ends 2024-05-03",
    ]


# --- Scale -------------------------------------------------------------------------------
def test_Sc1_excel_row_limit_splits_never_truncates(tmp_path: Path) -> None:
    from segkit.outputs.excel_writer import write_sheets

    frame = pd.DataFrame({"客户ID": [f"{i:05d}" for i in range(7)], "值": range(7)})
    path = write_sheets({"客户": frame}, tmp_path / "big.xlsx", max_rows=3)
    wb = openpyxl.load_workbook(path)
    sizes = [ws.max_row - 1 for ws in wb.worksheets]
    assert wb.sheetnames == ["客户", "客户 (2)", "客户 (3)"] and sizes == [3, 3, 1]


def test_Sc2_hundreds_of_columns_only_mapped_ones_read() -> None:
    col, res = run("Sc2.csv")
    assert kept(res) == ["00001", "00002", "00003"]
    assert col.con.sql("SELECT * FROM staged").columns.__len__() < 20


def test_Sc3_fewer_customers_than_k_and_zero_variance() -> None:
    from segkit.cluster.estimator import SegmentClusterer

    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]})
    with pytest.raises(InputError) as info:
        SegmentClusterer("kmeans", n_clusters=6).fit(frame)
    assert info.value.code in {"TOO_FEW_CUSTOMERS", "ZERO_VARIANCE"}


def test_Sc4_huge_line_quarantined() -> None:
    _, res = run("Sc4.csv")
    assert quarantined(res) == [(3, "LINE_TOO_LONG", None, "<3300030 bytes>")]
    assert kept(res) == ["00001", "00003"]


# --- Adversarial -------------------------------------------------------------------------
@BOTH
def test_A1_formula_triggers_escaped_on_export(ext: str, tmp_path: Path) -> None:
    from segkit.outputs.excel_writer import write_sheets
    from segkit.outputs.tables import write_table

    table = read_table(FILES / f"A1.{ext}")
    out = write_table(table, tmp_path / "a1.csv").read_text(encoding="utf-8")
    for trigger in ("=HYPERLINK", "+1", "-2+3", "@SUM"):
        assert f"\"'{trigger}" in out
    xlsx = write_sheets({"t": table}, tmp_path / "a1.xlsx")
    ws = openpyxl.load_workbook(xlsx).active
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_A2_html_payloads_escaped() -> None:
    from segkit.outputs.html_labels import esc as _e
    from segkit.outputs.html_notebooks import sanitise

    table = read_table(FILES / "A2.csv")
    values = table["姓名"].tolist() + table["渠道"].tolist()
    escaped = "".join(_e(v) for v in values)  # the summary page's escaping helper
    assert "<script>" not in escaped and "<img" not in escaped and "&lt;script&gt;" in escaped
    cleaned = sanitise("".join(f"<p>{v}</p>" for v in values))  # notebook HTML
    assert "<script" not in cleaned and "onerror" not in cleaned


@pytest.mark.parametrize("name", ["A3.pkl", "A3.joblib"])
def test_A3_pickles_refused_before_opening(name: str) -> None:
    err = error(name)
    assert err.code == "REFUSED_FORMAT"


@pytest.mark.parametrize(
    ("name", "code"), [("A4_billion_laughs.xlsx", "XML_BOMB"), ("A4_zip_bomb.xlsx", "ZIP_BOMB")]
)
def test_A4_xml_and_zip_bombs_refused(name: str, code: str) -> None:
    assert error(name).code == code


@pytest.mark.parametrize("hostile", ["../../x", "CON", "/", "..", "a/../../b", "C:\\x"])
def test_A5_names_slugified_and_confined(hostile: str, tmp_path: Path) -> None:
    from segkit.paths import new_run_dir

    run_dir = new_run_dir(hostile, root=tmp_path)
    assert run_dir.resolve().is_relative_to(tmp_path.resolve())
    assert run_dir.parent.parent == tmp_path


def test_A6_config_parameter_names_allow_listed() -> None:
    from pydantic import ValidationError

    from segkit.config import RunConfig

    with pytest.raises(ValidationError) as info:
        RunConfig.from_yaml(FILES / "A6.yaml")
    assert "Extra inputs are not permitted" in str(info.value)


def test_A7_macros_never_run_nor_copied(tmp_path: Path) -> None:
    from segkit.outputs.excel_writer import write_sheets

    _, res = run("A7.xlsm")
    assert kept(res) == ["00001", "00002"]
    out = write_sheets({"t": res.kept()[["customer_id"]]}, tmp_path / "out.xlsx")
    import zipfile

    assert not [n for n in zipfile.ZipFile(out).namelist() if "vba" in n.lower()]


# --- Findings of the fuzzing run (fuzz/fuzz_parsers.py) -----------------------------------
def test_F1_control_character_ids_are_missing_keys() -> None:
    _, res = run("F1.csv")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [
        (3, "NO_CUSTOMER_KEY"),
        (4, "NO_CUSTOMER_KEY"),
    ]
    assert kept(res) == ["00001"]


def test_F2_percentages_of_an_empty_column() -> None:
    from segkit.clean.coding import parse_percentages

    table = read_table(FILES / "F2.csv")
    values, q = parse_percentages(table, "折扣率")
    assert values.isna().all() and len(values) == 2 and q.empty


# --- Issue 14: broken and hostile input (H1…) ----------------------------------------------
ACOLS = ColumnMap(customer_id="cid", order_id="oid", date="day", amount="amt", category="cat")


def arun(name: str, **read: Any) -> tuple[Collected, CleanResult]:
    """``run`` for the files with the ASCII header ``cid,oid,day,amt,cat``."""
    col = collect(FILES / name, ACOLS, ReadOptions(**read))
    return col, clean(col, as_of=AS_OF, policy=QUIET)


def values(res: CleanResult, *columns: str) -> list[list[Any]]:
    return res.kept()[list(columns)].values.tolist()


def aerror(name: str, **read: Any) -> InputError:
    with pytest.raises(InputError) as info:
        arun(name, **read)
    return info.value


def no_sentinel(err: InputError) -> None:
    """No internal marker of the reader reaches a message."""
    assert "SEGKIT" not in str(err) and "\x07" not in str(err)


# encodings, decided line by line
def test_H1_utf8_file_with_one_gbk_line() -> None:
    col, res = arun("H1.csv")
    assert col.sources[0]["encoding"] == "utf-8"
    assert values(res, "customer_id", "category") == [["C1", "服装"], ["C4", "鞋帽"]]
    assert quarantined(res) == [(3, "MIXED_ENCODING", None, "C3,O3,2024-01-03,30,家居")]
    assert "GB18030" in res.quarantine["detail"].iloc[0]
    balanced(res)


def test_H2_big5_with_an_ascii_header() -> None:
    col, res = arun("H2.csv")
    assert col.sources[0]["encoding"] == "big5"
    assert kept(res, "category") == ["服裝", "門市"]  # not 狝杆
    assert res.rows_removed == 0


def test_H3_longer_big5_file() -> None:
    col, res = arun("H3.csv")
    assert col.sources[0]["encoding"] == "big5"
    assert kept(res, "category") == [
        "服裝", "鞋帽", "家電", "書籍", "食品", "臺北門市", "線上商城", "會員專區"
    ]  # fmt: skip


def test_H4_gbk_that_big5_also_decodes_stays_gb18030() -> None:
    col, res = arun("H4.csv")
    assert col.sources[0]["encoding"] == "gb18030"
    assert kept(res, "category") == ["门店", "服装"]


def test_H5_gbk_file_with_one_utf8_line() -> None:
    col, res = arun("H5.csv")
    assert col.sources[0]["encoding"] == "gb18030"
    assert kept(res) == ["C1", "C2", "C3", "C4"] and set(kept(res, "category")) == {"门店"}
    assert quarantined(res) == [(6, "MIXED_ENCODING", None, "C9,O9,2024-01-09,90,线上")]
    assert "UTF-8" in res.quarantine["detail"].iloc[0]


def test_H6_utf8_file_with_one_big5_line() -> None:
    _, res = arun("H6.csv")
    assert kept(res, "category") == ["服装", "鞋帽"]
    assert quarantined(res) == [(4, "MIXED_ENCODING", None, "C3,O3,2024-01-03,30,服裝")]
    assert "BIG5" in res.quarantine["detail"].iloc[0]


def test_H7_utf8_bom_over_gbk_bytes_is_named_not_a_sentinel() -> None:
    err = error("H7.csv")
    assert (err.code, err.row) == ("BOM_MISMATCH", 1)
    assert "lines 1, 2, 3 are not UTF-8" in str(err) and "GB18030" in str(err)
    no_sentinel(err)


@pytest.mark.parametrize("name", ["H8.csv", "H9.csv"])
def test_H8_H9_latin1_and_shift_jis_cannot_be_told(name: str) -> None:
    err = aerror(name)
    assert (err.code, err.row, err.file) == ("UNKNOWN_ENCODING", 2, str(FILES / name))
    assert "lines 2, 3 are not UTF-8" in str(err) and "read.encoding" in str(err)


@pytest.mark.parametrize("name", ["H10.csv", "H11.txt"])
def test_H10_H11_utf16_either_byte_order(name: str) -> None:
    col, res = run(name)
    assert col.sources[0]["encoding"] == "utf-16"
    assert kept(res) == ["00001", "00002", "00003"][: res.rows_kept]
    assert res.rows_kept == (2 if name == "H10.csv" else 3) and res.rows_removed == 0
    assert kept(res, "channel") == ["线上"] * res.rows_kept


def test_H12_undecodable_line_shown_as_byte_escapes() -> None:
    _, res = run("H12.csv")
    assert quarantined(res) == [
        (5, "INVALID_ENCODING", None, "00009,O009,2024-03-01,10.00,\\xff\\xfe\\x80")
    ]
    assert kept(res) == ["00001", "00002", "00003"]


def test_H13_header_in_another_encoding_is_refused_at_line_1() -> None:
    err = error("H13.csv")
    assert (err.code, err.row) == ("MIXED_ENCODING", 1)
    assert "header line" in str(err)


def test_H14_explicit_big5() -> None:
    col, res = arun("H14.csv", encoding="big5")
    assert col.sources[0]["encoding"] == "big5" and kept(res, "category") == ["門市"]


def test_H15_explicit_utf8_quarantines_the_gbk_line() -> None:
    _, res = run("H15.csv", encoding="utf-8")
    assert quarantined(res) == [
        (4, "INVALID_ENCODING", None, "00009,O009,2024-03-01,1,\\xc3\\xc5\\xb5\\xea")
    ]
    assert kept(res) == ["00001", "00002"]


def test_H16_gbk_last_line_without_line_break() -> None:
    _, res = run("H16.csv")
    assert quarantined(res) == [(4, "MIXED_ENCODING", None, "00009,O009,2024-03-01,1,门店")]


def test_H17_bom_settles_utf8_and_the_gbk_line_is_quarantined() -> None:
    col, res = run("H17.csv")
    assert col.sources[0]["encoding"] == "utf-8" and kept(res) == ["00001"]
    assert quarantined(res) == [(3, "MIXED_ENCODING", None, "00009,O009,2024-03-01,1,门店")]


def test_H18_side_table_with_a_gbk_line_is_refused_naming_it() -> None:
    with pytest.raises(InputError) as info:
        read_table(FILES / "H18.csv")
    err = info.value
    assert (err.code, err.row) == ("MIXED_ENCODING", 3) and "GB18030" in str(err)


def test_H19_whitespace_file_with_a_gbk_line() -> None:
    _, res = run("H19.txt", delimiter="whitespace")
    assert kept(res) == ["00001"]
    assert quarantined(res) == [(3, "MIXED_ENCODING", None, "00002 O002 2024-01-02 20 门店")]


def test_H20_mixed_crlf_and_lf_are_read() -> None:
    col, res = run("H20.csv")
    assert kept(res) == ["00001", "00002", "00003", "00004"]
    assert kept(res, "channel") == ["线上"] * 4  # no stray carriage return
    assert res.kept()["source_row"].tolist() == [2, 3, 4, 5]
    assert col.sources[0]["line_endings"] == "mixed CRLF/LF, read as LF"


def test_H21_mixed_line_ends_and_a_gbk_line() -> None:
    _, res = run("H21.csv")
    assert kept(res) == ["00001", "00002"]
    assert quarantined(res) == [(4, "MIXED_ENCODING", None, "00009,O009,2024-03-01,1,门店")]


# dates beyond the run date; no dates; as-of before the data
@BOTH
def test_H22_typo_year_does_not_move_the_as_of_date(ext: str) -> None:
    col = collect(FILES / f"H22.{ext}", COLS)
    res = clean(col, policy=QUIET)  # no as-of: chosen from the believable dates
    assert res.as_of == dt.date(2024, 3, 6)
    assert quarantined(res) == [(3, "FUTURE_DATE", "date", "2099-12-31")]
    assert kept(res) == ["00001", "00003"]


@BOTH
def test_H23_every_date_in_the_future_and_no_as_of(ext: str) -> None:
    with pytest.raises(InputError) as info:
        clean(collect(FILES / f"H23.{ext}", COLS), policy=QUIET)
    err = info.value
    assert (err.code, err.column) == ("NO_DATES", "下单时间")
    assert "all 2 dates lie after 2025-12-31" in str(err)


@BOTH
def test_H24_no_parseable_date_and_no_as_of(ext: str) -> None:
    with pytest.raises(InputError) as info:
        clean(collect(FILES / f"H24.{ext}", COLS), policy=QUIET)
    err = info.value
    assert (err.code, err.column, err.file) == ("NO_DATES", "下单时间", str(FILES / f"H24.{ext}"))


@BOTH
def test_H25_as_of_before_all_data_is_an_error(ext: str) -> None:
    with pytest.raises(InputError) as info:
        clean(collect(FILES / f"H25.{ext}", COLS), as_of="2024-01-01", policy=QUIET)
    err = info.value
    assert (err.code, err.column) == ("AS_OF_BEFORE_DATA", "下单时间")
    assert "the earliest is 2024-05-01" in str(err)


@BOTH
def test_H26_default_as_of_is_never_after_the_run_date(ext: str) -> None:
    res = clean(collect(FILES / f"H26.{ext}", COLS), policy=QUIET)
    assert res.as_of == RUN_DATE  # not the day after the last transaction
    assert kept(res) == ["00001", "00002"] and res.rows_removed == 0
    assert res.to_dict()["max_date"] == str(RUN_DATE)


@pytest.mark.parametrize("name", ["H27.xlsx", "H28.xlsx"])
def test_H27_H28_bare_serials_follow_the_workbook_date_system(name: str) -> None:
    col, res = run(name)
    assert col.sources[0].get("date1904", False) is (name == "H27.xlsx")
    assert res.kept()["date"].tolist() == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-01-06 12:00"),
    ]


# amounts
@BOTH
def test_H29_amount_beyond_a_double(ext: str) -> None:
    # outliers flagged: the fences are bound as parameters, never pasted as text
    _, res = run(f"H29.{ext}", policy=CleanPolicy(max_date=RUN_DATE))
    q = res.quarantine[res.quarantine["action"] == "removed"]
    assert q[["source_row", "reason_code", "raw_value"]].values.tolist() == [
        [3, "UNPARSEABLE_AMOUNT", "1e309"]
    ]
    assert "beyond the range of a double" in q["detail"].iloc[0]
    assert kept(res) == ["00001", "00003", "00004"]


@BOTH
def test_H30_more_numbers_beyond_a_double(ext: str) -> None:
    _, res = run(f"H30.{ext}", policy=CleanPolicy(max_date=RUN_DATE, outliers="winsorise"))
    assert [(r, c, raw) for r, c, _, raw in quarantined(res)] == [
        (2, "UNPARSEABLE_AMOUNT", "-1e309"),
        (3, "UNPARSEABLE_AMOUNT", "1e400"),
        (4, "UNPARSEABLE_AMOUNT", "2e308万"),
    ]
    # winsorising runs (fences written as valid SQL literals) and leaves the one line as is
    assert kept(res) == ["00004"] and kept(res, "amount") == [104.5]


def test_H31_non_finite_typed_amounts() -> None:
    _, res = run("H31.parquet", policy=CleanPolicy(max_date=RUN_DATE))
    assert quarantined(res) == [
        (2, "NON_FINITE_AMOUNT", "amount", "inf"),
        (3, "NON_FINITE_AMOUNT", "amount", "-inf"),
        (4, "NON_FINITE_AMOUNT", "amount", "nan"),
    ]
    assert kept(res) == ["00001"] and res.detected["NON_FINITE_AMOUNT"] == 3


@BOTH
def test_H32_decimal_comma_refuses_a_decimal_point(ext: str) -> None:
    _, res = run(f"H32.{ext}", decimal=",")
    assert kept(res, "amount") == [12.5, 1234.5]
    assert quarantined(res) == [(3, "UNPARSEABLE_AMOUNT", "amount", "12.50")]
    assert "not guessed" in res.quarantine["detail"].iloc[0]


@BOTH
def test_H33_decimal_comma_with_thousands_points(ext: str) -> None:
    _, res = run(f"H33.{ext}", decimal=",")
    assert kept(res, "amount") == [1250.0, 2500000.5] and res.rows_removed == 0


# near-duplicates
@BOTH
def test_H34_same_order_exported_twice_with_cosmetic_differences(ext: str) -> None:
    _, res = run(f"H34.{ext}")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [(3, "DUPLICATE_ROW")]
    assert kept(res) == ["C1"] and kept(res, "amount") == [50.0]


@BOTH
def test_H35_dates_written_differently_are_one_order(ext: str) -> None:
    _, res = run(f"H35.{ext}")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [
        (3, "DUPLICATE_ROW"),
        (4, "DUPLICATE_ROW"),
    ]
    assert res.rows_kept == 1


@BOTH
def test_H36_near_but_unequal_lines_are_kept(ext: str) -> None:
    _, res = run(f"H36.{ext}")
    assert kept(res, "amount") == [50.0, 50.01] and res.rows_removed == 0


# Excel formulas
_FORMULA_COLS = ColumnMap(customer_id="客户编号", order_id="订单号", date="下单时间", amount="金额")


def test_H37_blank_cell_beside_a_cached_formula_is_read() -> None:
    res = clean(collect(FILES / "H37.xlsx", _FORMULA_COLS), as_of=AS_OF, policy=QUIET)
    assert kept(res, "amount") == [20.0, 30.0]


def test_H38_only_the_uncached_formula_is_named() -> None:
    with pytest.raises(InputError) as info:
        collect(FILES / "H38.xlsx", _FORMULA_COLS)
    err = info.value
    assert (err.code, err.sheet) == ("FORMULA_WITHOUT_VALUE", "交易")
    assert "['交易!F3']" in str(err) and "G2" not in str(err)


# files
def test_H39_empty_parquet() -> None:
    err = error("H39.parquet")
    assert (err.code, err.file) == ("EMPTY_FILE", str(FILES / "H39.parquet"))


def test_H40_text_under_a_parquet_name() -> None:
    err = error("H40.parquet")
    assert (err.code, err.file) == ("BAD_PARQUET", str(FILES / "H40.parquet"))


@BOTH
def test_H41_precision_lost_found_equals_removed(ext: str) -> None:
    _, res = run(f"H41.{ext}")
    assert quarantined(res) == [(3, "PRECISION_LOST", "customer_id", "1.38E+10")]
    row = res.summary().set_index("check").loc["PRECISION_LOST"]
    assert (row["detected"], row["removed"]) == (1, 1)
    assert re.search(r"PRECISION_LOST +1 found; removed 1,", res.summary_text())


@BOTH
def test_H42_summary_row_found_equals_removed(ext: str) -> None:
    _, res = run(f"H42.{ext}")
    row = res.summary().set_index("check").loc["SUMMARY_ROW"]
    assert (row["detected"], row["removed"]) == (1, 1)


def test_H43_file_growing_during_the_run_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import segkit.collect.sources as collect_mod

    path = tmp_path / "H43.csv"
    path.write_bytes((FILES / "H43.csv").read_bytes())
    real = collect_mod.read_csv_records

    def grows_then_reads(*args: Any, **kwargs: Any) -> Any:
        with open(path, "ab") as fh:  # another program appends after segkit hashed the file
            fh.write("00009,O009,2024-05-01,9.00,线上\n".encode())
        return real(*args, **kwargs)

    monkeypatch.setattr(collect_mod, "read_csv_records", grows_then_reads)
    with pytest.raises(InputError) as info:
        collect(path, COLS)
    assert (info.value.code, info.value.file) == ("FILE_CHANGED", str(path))
    monkeypatch.setattr(collect_mod, "read_csv_records", real)
    col = collect(path, COLS)  # once it has stopped changing, it is read, hash and all
    assert col.records == 4
    assert col.sources[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_H44_truncated_utf16_names_the_line() -> None:
    err = error("H44.csv")
    assert (err.code, err.row) == ("INVALID_ENCODING", 3)


def test_H45_line_numbers_survive_quarantined_lines() -> None:
    _, res = run("H45.csv")
    assert [(r, c) for r, c, _, _ in quarantined(res)] == [
        (4, "MIXED_ENCODING"),
        (5, "MISSING_COLUMNS"),
    ]
    assert res.kept()["source_row"].tolist() == [2, 3, 6]


def test_H46_gbk_file_with_traditional_characters() -> None:
    col, res = run("H46.csv")
    assert col.sources[0]["encoding"] == "gb18030"
    assert kept(res, "channel") == ["线上", "线上", "线上", "門市"]


def test_H47_big5_line_in_a_gbk_file() -> None:
    col, res = arun("H47.csv")
    assert col.sources[0]["encoding"] == "gb18030"
    assert kept(res, "category") == ["门店服装"] * 5
    assert quarantined(res) == [(7, "MIXED_ENCODING", None, "C9,O9,2024-01-09,1,臺北")]
    assert "BIG5" in res.quarantine["detail"].iloc[0]


def test_H48_gbk_line_in_a_big5_file() -> None:
    col, res = arun("H48.csv")
    assert col.sources[0]["encoding"] == "big5"
    assert kept(res, "category") == ["臺北門市"] * 5
    assert quarantined(res) == [(7, "MIXED_ENCODING", None, "C9,O9,2024-01-09,1,服装")]


def test_H49_gbk_line_that_is_also_valid_utf8() -> None:
    col, res = arun("H49.csv")
    assert col.sources[0]["encoding"] == "utf-8"
    assert kept(res, "category") == ["服装", "食品"]
    assert quarantined(res) == [(4, "MIXED_ENCODING", None, "C3,O3,2024-01-03,30,母婴")]


def test_H50_gbk_file_that_is_also_valid_utf8() -> None:
    col, res = arun("H50.csv")
    assert col.sources[0]["encoding"] == "gb18030"
    assert kept(res, "category") == ["母婴", "食品"]  # not ĸӤ


def test_H51_genuine_two_byte_utf8_characters() -> None:
    col, res = arun("H51.csv")
    assert col.sources[0]["encoding"] == "utf-8"
    assert kept(res, "category") == ["Café", "A·B", "2×3", "服装"] and res.rows_removed == 0


@BOTH
def test_F3_words_strptime_takes_for_dates_are_unparseable(ext: str) -> None:
    _, res = run(f"F3.{ext}")
    assert [(r, c, raw) for r, c, _, raw in quarantined(res)] == [
        (2, "UNPARSEABLE_DATE", "INFINItY"),
        (3, "UNPARSEABLE_DATE", "epoch"),
        (4, "UNPARSEABLE_DATE", "-infinity"),
    ]
    assert kept(res) == ["00004"]


def test_corpus_files_are_generated_by_the_script(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = FILES.parent / "make_corpus.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "files up to date" in done.stdout
