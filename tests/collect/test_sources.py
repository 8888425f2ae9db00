"""segkit.collect.sources: encodings, structure, types and column mapping, each with an exact
outcome."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segkit.collect import collect, collect_frame, detect_encoding
from segkit.config import ColumnMap, ReadOptions
from segkit.engine import connect
from segkit.errors import InputError

COLS = ColumnMap(customer_id="客户编号", date="日期", amount="金额", order_id="订单号")
HEADER = "订单号,客户编号,日期,金额\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def staged(path: Path, cols: ColumnMap = COLS, **read) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    col = collect(path, cols, ReadOptions(**read))
    return col.frame(), col.rejects, col.records


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings_read_without_replacement(tmp_path: Path, encoding: str) -> None:
    text = HEADER + 'A1,00123,2023年9月28日,"¥1,234.50"\nA2,刘䶮,2023-09-29,5\n'
    frame, rejects, n = staged(write(tmp_path, text, encoding))
    assert n == 2 and rejects.empty
    assert frame["customer_id"].tolist() == ["00123", "刘䶮"]
    assert frame["amount"].tolist() == [1234.5, 5.0]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-09-28", "2023-09-29"]
    assert frame["source_row"].tolist() == [2, 3]


def test_encoding_detection(tmp_path: Path) -> None:
    assert detect_encoding(write(tmp_path, "客户\n", "gb18030")) == "gb18030"
    assert detect_encoding(write(tmp_path, "客户\n", "utf-8")) == "utf-8"
    assert detect_encoding(write(tmp_path, "客户\n", "utf-16")) == "utf-16"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x81\x20\xff\xfe\xfd")
    with pytest.raises(InputError, match=r"bad\.csv.*UNKNOWN_ENCODING"):
        detect_encoding(bad)


def test_a_column_named_rowid_is_data_and_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    # a file's own "rowid" column hides DuckDB's pseudo-column that numbers the records
    text = (
        "rowid,订单号,客户编号,日期,金额\n"
        "7,A1,001,2023-09-28,5\n8,A2,002,x,y,z\n9,A3,003,2023-09-28,6\n"
    )
    col = collect(write(tmp_path, text), COLS)
    frame = col.frame()
    assert frame["source_row"].tolist() == [2, 4]
    assert frame["customer_id"].tolist() == ["001", "003"]
    assert col.rejects[["source_row", "reason_code"]].values.tolist() == [[3, "TOO_MANY_COLUMNS"]]


def test_line_numbers_hold_when_duckdb_reads_a_large_csv_in_parallel(tmp_path: Path) -> None:
    # ~50 MB: DuckDB's CSV reader splits the file between threads; every record's source_row
    # must still be its line in the file (the customer id below is the line number)
    n = 2_000_000
    bad = {700_001: ",2023-09-28,5,extra", 1_500_001: None}  # extra field; short line
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for line in range(2, n + 2):
            if line in bad:
                fh.write(f"B{line},{line}{bad[line]}\n" if bad[line] else f"B{line}\n")
            else:
                fh.write(f"A{line},{line},2023-09-28,5\n")
    con = connect()
    con.execute("SET preserve_insertion_order = false")  # a caller's setting (held for reads)
    col = collect(path, COLS, con=con)
    assert col.records == n
    assert col.rejects["source_row"].tolist() == sorted(bad)
    assert con.sql("SELECT current_setting('preserve_insertion_order')").fetchall() == [(False,)]
    wrong = col.con.sql(
        "SELECT count(*), count(*) FILTER (WHERE CAST(customer_id AS BIGINT) <> source_row) "
        "FROM staged"
    ).fetchall()
    assert wrong == [(n - len(bad), 0)]


def test_mixed_encoding_lines_are_quarantined(tmp_path: Path) -> None:
    good = (HEADER + "A1,001,2023-09-28,5\n").encode("gb18030")
    bad_line = b"A2,002,2023-09-28,6\n" + b"A3,\xff\xfe,2023-09-28,7\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + bad_line)
    frame, rejects, n = staged(path)
    assert n == 3
    assert frame["customer_id"].tolist() == ["001", "002"]
    assert rejects[["source_row", "reason_code"]].values.tolist() == [[4, "INVALID_ENCODING"]]


def test_too_many_and_too_few_fields(tmp_path: Path) -> None:
    text = HEADER + "A1,001,2023-09-28,5\nA2,002,2023-09-28,6,extra\nA3,003\nA4,004,2023-09-28,8\n"
    frame, rejects, n = staged(write(tmp_path, text))
    assert n == 4
    assert frame["source_row"].tolist() == [2, 5]
    assert rejects[["source_row", "reason_code"]].values.tolist() == [
        [3, "TOO_MANY_COLUMNS"],
        [4, "MISSING_COLUMNS"],
    ]
    assert rejects["raw_value"].tolist() == ["A2,002,2023-09-28,6,extra", "A3,003"]
    assert set(rejects["source_file"]) == {"tx.csv"}


def test_missing_column_names_near_matches(tmp_path: Path) -> None:
    text = "订单号,客户编码,日期,金额\nA1,001,2023-09-28,5\n"
    with pytest.raises(InputError) as err:
        staged(write(tmp_path, text))
    msg = str(err.value)
    assert "tx.csv" in msg and "客户编号" in msg and "MISSING_COLUMN" in msg and "客户编码" in msg


def test_header_with_fullwidth_and_zero_width_chars_matches(tmp_path: Path) -> None:
    text = "订单号,客户\u3000编号\u200b,日期,金额\nA1,001,2023-09-28,5\n"
    frame, _, _ = staged(write(tmp_path, text))
    assert frame["customer_id"].tolist() == ["001"]


def test_duplicate_and_unnamed_headers_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="DUPLICATE_HEADER"):
        staged(write(tmp_path, "订单号,客户编号,日期,金额,金额\nA1,001,2023-09-28,5,6\n"))


def test_ids_keep_zeros_and_eighteen_digits(tmp_path: Path) -> None:
    text = (
        HEADER
        + "A1,00123,2023-09-28,5\nA2,110105194912310021,2023-09-28,5\nA3,０１２,2023-09-28,5\n"
    )
    frame, _, _ = staged(write(tmp_path, text))
    assert frame["customer_id"].tolist() == ["00123", "110105194912310021", "012"]


def test_unparseable_values_are_kept_raw_for_the_cleaner(tmp_path: Path) -> None:
    text = HEADER + "A1,001,someday,5\nA2,002,2023-09-28,US$5\n"
    frame, _, _ = staged(write(tmp_path, text))
    assert frame["date"].isna().tolist() == [True, False]
    assert frame["raw_date"].tolist() == ["someday", "2023-09-28"]
    assert frame["amount"].isna().tolist() == [False, True]
    assert frame["raw_amount"].tolist() == ["5", "US$5"]


def test_semicolon_and_tab_delimiters_are_sniffed(tmp_path: Path) -> None:
    for delim in (";", "\t", "|"):
        text = (HEADER + "A1,001,2023-09-28,5\n").replace(",", delim)
        frame, _, _ = staged(write(tmp_path, text, name=f"d{ord(delim)}.csv"))
        assert frame["customer_id"].tolist() == ["001"]


def test_whitespace_delimited_file(tmp_path: Path) -> None:
    text = " cid  day    amt\r\n 00001 19970101  11.77\r\n 00002 19970112 12.00 9\r\n"
    col = collect(
        write(tmp_path, text, name="cd.txt"),
        ColumnMap(customer_id="cid", date="day", amount="amt"),
        ReadOptions(delimiter="whitespace"),
    )
    assert col.frame()["customer_id"].tolist() == ["00001"]
    assert col.rejects[["source_row", "reason_code"]].values.tolist() == [[3, "TOO_MANY_COLUMNS"]]


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="EMPTY_FILE"):
        staged(write(tmp_path, "", name="empty.csv"))
    with pytest.raises(InputError, match="0 data rows"):
        staged(write(tmp_path, HEADER, name="header.csv"))


def test_pickles_refused_before_opening(tmp_path: Path) -> None:
    path = tmp_path / "data.pkl"  # does not even exist: refused by name, never opened
    with pytest.raises(InputError, match="REFUSED_FORMAT"):
        collect(path, COLS)


def test_excel_named_sheet_and_row_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["this sheet is notes"])
    data = wb.create_sheet("订单")
    data.append(["订单号", "客户编号", "日期", "金额"])
    data.append(["A1", "00123", "2023年9月28日", "¥1,234.50"])
    data.append([None, None, None, None])
    data.append(["A2", "00456", 45197, 99.5])
    path = tmp_path / "tx.xlsx"
    wb.save(path)
    col = collect(path, COLS, ReadOptions(sheet="订单"))
    frame = col.frame()
    assert frame["customer_id"].tolist() == ["00123", "00456"]
    assert frame["amount"].tolist() == [1234.5, 99.5]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-09-28", "2023-09-28"]
    assert frame["source_row"].tolist() == [2, 4]
    with pytest.raises(InputError, match="MISSING_SHEET"):
        collect(path, COLS, ReadOptions(sheet="nope"))


def test_parquet_and_glob_with_schema_drift(tmp_path: Path) -> None:
    a = pd.DataFrame({"订单号": ["A1"], "客户编号": ["001"], "日期": ["2023-09-28"], "金额": [5.0]})
    a.to_parquet(tmp_path / "m01.parquet")
    a.assign(订单号="A2").to_parquet(tmp_path / "m02.parquet")
    col = collect(tmp_path / "m*.parquet", COLS)
    assert col.frame()["order_id"].tolist() == ["A1", "A2"]
    assert [s["records"] for s in col.sources] == [1, 1]
    a.assign(渠道="x").to_parquet(tmp_path / "m03.parquet")
    with pytest.raises(InputError, match=r"m03.parquet.*SCHEMA_DRIFT.*渠道"):
        collect(tmp_path / "m*.parquet", COLS)


def test_quantity_times_price(tmp_path: Path) -> None:
    frame = pd.DataFrame({"c": ["1"], "d": ["2023-01-01"], "q": ["3"], "p": ["¥2.50"]})
    col = collect_frame(frame, ColumnMap(customer_id="c", date="d", quantity="q", unit_price="p"))
    assert col.frame()["amount"].tolist() == [7.5]


def test_column_map_needs_an_amount() -> None:
    with pytest.raises(ValueError, match="amount"):
        ColumnMap(customer_id="c", date="d")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="NOT_A_FILE"):
        collect(folder, COLS)
