"""Write the bad-input corpus: one fixture file per case of ``shared/reliability-cases.md``.

Run from the repository root::

    python tests/corpus/make_corpus.py            # (re)writes tests/corpus/files/
    python tests/corpus/make_corpus.py --check    # exit 1 if a committed file differs

Every case writes a CSV (or the format the case is about); cases that apply to Excel also
write an ``.xlsx`` with the same cells. The expected outcome of each case is asserted in
``tests/test_corpus.py``. The files are small and deterministic (Excel files get fixed
document dates), so regenerating them gives the same bytes.
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

#: the standard transaction header of the corpus, and its column map
HEADER = ["客户编号", "订单号", "下单时间", "金额", "渠道"]
Rows = list[list[object]]


def good(n: int = 3, start: int = 1) -> Rows:
    """``n`` clean transaction rows (customer 00001.., order O001.., 2024 dates)."""
    return [
        [f"{i:05d}", f"O{i:03d}", f"2024-0{1 + i % 9}-1{i % 10}", f"{100 + i}.50", "线上"]
        for i in range(start, start + n)
    ]


def csv_text(rows: Rows, header: list[str] | None = None, sep: str = ",") -> str:
    """Rows as CSV text; fields with the separator, quotes or newlines are quoted."""

    def field(v: object) -> str:
        s = "" if v is None else str(v)
        if any(ch in s for ch in (sep, '"', "\n", "\r")):
            return '"' + s.replace('"', '""') + '"'
        return s

    lines = [sep.join(field(v) for v in r) for r in ([header or HEADER, *rows])]
    return "\n".join(lines) + "\n"


FIXED = dt.datetime(2024, 1, 1)


def xlsx_bytes(
    sheets: dict[str, Rows],
    *,
    hidden: tuple[str, ...] = (),
    epoch1904: bool = False,
    formulas: bool = False,
) -> bytes:
    """An .xlsx with the given sheets (first row = header) and fixed document dates.

    Text starting with ``=`` is stored as text unless ``formulas`` (then it is a formula
    without a cached value, as a program that never ran Excel writes it)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if epoch1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        wb.epoch = CALENDAR_MAC_1904
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if not formulas:
            for line in ws.iter_rows():
                for cell in line:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip with fixed member timestamps (deterministic bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _fixed_core(body)
            new = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(new, body)
        for name, body in (extra or {}).items():
            new = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(new, body)
    return out.getvalue()


def _fixed_core(body: bytes) -> bytes:
    import re

    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", body)


def tx_sheet(rows: Rows) -> dict[str, Rows]:
    return {"交易": [HEADER, *rows]}


# --- the cases --------------------------------------------------------------------------
# Each writer returns {file name: bytes}. Names start with the case id.

Writer = Callable[[], dict[str, bytes]]
CASES: dict[str, Writer] = {}


def case(cid: str) -> Callable[[Writer], Writer]:
    def register(fn: Writer) -> Writer:
        CASES[cid] = fn
        return fn

    return register


def both(cid: str, rows: Rows, header: list[str] | None = None) -> dict[str, bytes]:
    """The same table as UTF-8 CSV and as .xlsx (all cells text)."""
    h = header or HEADER
    return {
        f"{cid}.csv": csv_text(rows, h).encode("utf-8"),
        f"{cid}.xlsx": xlsx_bytes({"交易": [h, *rows]}),
    }


# Encoding ---------------------------------------------------------------------------------
@case("E1")
def _e1() -> dict[str, bytes]:
    rows = good(3)
    rows[0][4] = "门店"
    return {"E1.csv": csv_text(rows).encode("gb18030")}


@case("E2")
def _e2() -> dict[str, bytes]:
    rows = good(2)
    rows[1][4] = "刘䶮的店"  # U+4DAE: GB18030 only, not GBK
    return {"E2.csv": csv_text(rows).encode("gb18030")}


@case("E3")
def _e3() -> dict[str, bytes]:
    return {"E3.csv": codecs.BOM_UTF8 + csv_text(good(2)).encode("utf-8")}


@case("E4")
def _e4() -> dict[str, bytes]:
    return {"E4.txt": csv_text(good(3), sep="\t").encode("utf-16")}


@case("E5")
def _e5() -> dict[str, bytes]:
    head = csv_text(good(2)).encode("utf-8")
    tail = "00009,O009,2024-03-01,10.00,门店\n".encode("gb18030")
    return {"E5.csv": head + tail + "00010,O010,2024-03-02,11.00,线上\n".encode()}


@case("E6")
def _e6() -> dict[str, bytes]:
    header = ["客户　编号", "订单号\u200b", "下单时间", "金额", "渠道"]
    rows = good(2)
    rows[0][0] = "０００１２"  # full-width digits
    rows[1][0] = "00013\u200b"  # zero-width space
    return both("E6", rows, header)


# Structure --------------------------------------------------------------------------------
@case("S1")
def _s1() -> dict[str, bytes]:
    text = (
        csv_text(good(2))
        + "00003,O003,2024-02-01,5.00,线上,多余\n"
        + csv_text(good(1, 4))[len(",".join(HEADER)) + 1 :]
    )
    return {"S1.csv": text.encode("utf-8")}


@case("S2")
def _s2() -> dict[str, bytes]:
    text = csv_text(good(2)) + "00003,O003,2024-02-01\n"
    return {"S2.csv": text.encode("utf-8")}


@case("S3")
def _s3() -> dict[str, bytes]:
    text = csv_text(good(2)) + '00003,O003,2024-02-01,"5.00,线上\n00004,O004,2024-02-02,6.00,线上\n'
    return {"S3.csv": text.encode("utf-8")}


@case("S4")
def _s4() -> dict[str, bytes]:
    band = ["客户信息", None, "订单信息", None, None]
    return {"S4.xlsx": xlsx_bytes({"交易": [band, HEADER, *good(3)]})}


@case("S5")
def _s5() -> dict[str, bytes]:
    header = ["客户编号", "订单号", "下单时间", "金额", "金额"]
    return both("S5", [[*r[:4], "1"] for r in good(2)], header)


@case("S6")
def _s6() -> dict[str, bytes]:
    rows: Rows = [["客户编号", "订单号", "下单时间", "单价", "数量", "金额"]]
    for i in range(1, 4):
        rows.append([f"{i:05d}", f"O{i:03d}", "2024-01-0" + str(i), 10, i, f"=D{i + 1}*E{i + 1}"])
    return {"S6.xlsx": xlsx_bytes({"交易": rows}, formulas=True)}


@case("S7")
def _s7() -> dict[str, bytes]:
    rows = [
        *good(3),
        ["合计", None, None, "307.50", None],
        ["注：数据截至2024年12月31日", None, None, None, None],
    ]
    return {
        "S7.csv": csv_text(rows).encode("utf-8"),
        "S7.xlsx": xlsx_bytes(
            {"说明": [["本表为交易明细"]], "交易": [HEADER, *rows], "隐藏": [HEADER, *good(1)]},
            hidden=("隐藏",),
        ),
    }


@case("S8")
def _s8() -> dict[str, bytes]:
    return {
        "S8_empty.csv": b"",
        "S8_header.csv": csv_text([]).encode("utf-8"),
        "S8_header.xlsx": xlsx_bytes({"交易": [HEADER]}),
    }


@case("S9")
def _s9() -> dict[str, bytes]:
    rows = good(3)
    files = {
        "S9_semicolon.csv": csv_text(rows, sep=";").encode(),
        "S9_pipe.csv": csv_text(rows, sep="|").encode(),
        "S9_tab.tsv": csv_text(rows, sep="\t").encode(),
        "S9_fullwidth.csv": csv_text(rows, sep="，").encode(),
    }
    dec = [[*r[:3], str(r[3]).replace(".", ","), *r[4:]] for r in rows]
    files["S9_decimal_comma.csv"] = csv_text(dec, sep=";").encode()
    return files


@case("S10")
def _s10() -> dict[str, bytes]:
    jan = csv_text(good(2)).encode()
    feb_header = ["客户编号", "订单编号", "下单时间", "金额", "渠道", "门店"]
    feb = csv_text([[*r, "A店"] for r in good(2, 3)], feb_header).encode()
    return {"S10_2024-01.csv": jan, "S10_2024-02.csv": feb}


# Types ------------------------------------------------------------------------------------
@case("T1")
def _t1() -> dict[str, bytes]:
    rows = good(2)
    rows[0][0] = "00123"
    rows[1][0] = "0"
    return both("T1", rows)


@case("T2")
def _t2() -> dict[str, bytes]:
    rows = good(3)
    rows[0][0] = "110101199003077792"
    rows[1][0] = "1.1010119900307778e+17"
    rows[2][0] = "110101199003077793"
    x = xlsx_bytes(tx_sheet([[110101199003077792, *rows[0][1:]], rows[2]]))
    return {"T2.csv": csv_text(rows).encode(), "T2.xlsx": x}


@case("T3")
def _t3() -> dict[str, bytes]:
    amounts = ["¥1,234.50", "1,234.50元", "(1,234.50)", "１２３", "1.2万", "abc", "12..5"]
    rows = [[f"{i:05d}", f"O{i:03d}", "2024-01-05", a, "线上"] for i, a in enumerate(amounts, 1)]
    return both("T3", rows)


@case("T4")
def _t4() -> dict[str, bytes]:
    rows: Rows = [[f"{i:05d}", f"O{i:03d}", d, "10.00", "线上"] for i, d in
                  enumerate(["45197", "2023-09-28", "2023/9/28"], 1)]  # fmt: skip
    x1900 = xlsx_bytes(tx_sheet([[*rows[0][:2], 45197, *rows[0][3:]], rows[1], rows[2]]))
    dated = [[*rows[0][:2], dt.datetime(2023, 9, 28), *rows[0][3:]], rows[1]]
    x1904 = xlsx_bytes(tx_sheet(dated), epoch1904=True)
    return {"T4.csv": csv_text(rows).encode(), "T4.xlsx": x1900, "T4_1904.xlsx": x1904}


@case("T5")
def _t5() -> dict[str, bytes]:
    dates = ["2023年9月28日", "2023年09月28日 14:05", "去年秋天"]
    rows = [[f"{i:05d}", f"O{i:03d}", d, "10.00", "线上"] for i, d in enumerate(dates, 1)]
    return both("T5", rows)


@case("T6")
def _t6() -> dict[str, bytes]:
    rows = [[f"{i:05d}", f"O{i:03d}", d, "10.00", "线上"] for i, d in
            enumerate(["03/04/2023", "13/04/2023"], 1)]  # fmt: skip
    return both("T6", rows)


@case("T7")
def _t7() -> dict[str, bytes]:
    ids = ["NA", "None", "N/A", "null", "无", "-", "—", "空", ""]
    rows = [[c, f"O{i:03d}", "2024-01-05", "10.00", "NA"] for i, c in enumerate(ids, 1)]
    return both("T7", rows)


@case("T8")
def _t8() -> dict[str, bytes]:
    header = ["客户编号", "会员", "同意营销", "折扣率"]
    rows: Rows = [
        ["00001", "是", "Y", "12%"],
        ["00002", "否", "N", "0.5%"],
        ["00003", "Yes", "n", "100%"],
        ["00004", "也许", "Y", "12"],
    ]
    return both("T8", rows, header)


# Values -----------------------------------------------------------------------------------
@case("V1")
def _v1() -> dict[str, bytes]:
    rows = good(3)
    rows[1][3] = "-101.50"
    rows[2][3] = "-20.00"
    rows[2][4] = "退款"
    return both("V1", rows)


@case("V2")
def _v2() -> dict[str, bytes]:
    rows = good(200)
    rows[0][3] = "0.01"
    rows[1][3] = "1000000000"
    return {"V2.csv": csv_text(rows).encode()}


@case("V3")
def _v3() -> dict[str, bytes]:
    dates = ["2030-01-01", "1899-05-01", "1900-01-00", "2024-02-30", "2024-06-01"]
    rows = [[f"{i:05d}", f"O{i:03d}", d, "10.00", "线上"] for i, d in enumerate(dates, 1)]
    return both("V3", rows)


@case("V4")
def _v4() -> dict[str, bytes]:
    header = ["客户编号", "姓名", "手机", "身份证号"]
    rows: Rows = [
        ["00001", "张三", "+86 138-0013-8000", "11010519491231002X"],
        ["00002", "李四", "12345678901", "110105194912310021"],
        ["00003", "王五", "1380013800", "11010519491231002X"],
    ]
    return both("V4", rows, header)


@case("V5")
def _v5() -> dict[str, bytes]:
    rows = good(3)
    rows[1][3] = "HK$100.00"
    rows[2][3] = "US$5"
    return both("V5", rows)


# Identity ---------------------------------------------------------------------------------
@case("I1")
def _i1() -> dict[str, bytes]:
    rows = good(3)
    return both("I1", [*rows, list(rows[0]), list(rows[0])])


@case("I2")
def _i2() -> dict[str, bytes]:
    header = ["客户编号", "姓名", "手机"]
    rows: Rows = [
        ["00001", "张三", "+86 138-0013-8000"],
        ["00002", "张三", "13800138000"],
        ["00003", "李四", "13900139000"],
    ]
    return both("I2", rows, header)


@case("I3")
def _i3() -> dict[str, bytes]:
    header = ["客户编号", "姓名", "城市"]
    rows: Rows = [["00001", "张三", "北京"], ["00001", "张叁", "上海"], ["00002", "李四", "杭州"]]
    return both("I3", rows, header)


@case("I4")
def _i4() -> dict[str, bytes]:
    rows = good(3)
    rows[1][0] = ""
    rows[2][0] = "   "
    return both("I4", rows)


@case("I5")
def _i5() -> dict[str, bytes]:
    master = csv_text([["00001", "北京"], ["00002", "上海"]], ["客户编号", "城市"]).encode()
    return {"I5.csv": csv_text(good(3)).encode(), "I5_master.csv": master}


@case("I6")
def _i6() -> dict[str, bytes]:
    data = csv_text(good(2)).encode()
    return {"I6_a.csv": data, "I6_b.csv": data}


# Time -------------------------------------------------------------------------------------
@case("Ti1")
def _ti1() -> dict[str, bytes]:
    dates = ["2024-01-05T02:00:00Z", "2024-01-05 10:00:00", "2024-01-05T10:00:00+08:00"]
    rows = [[f"{i:05d}", f"O{i:03d}", d, "10.00", "线上"] for i, d in enumerate(dates, 1)]
    return {"Ti1.csv": csv_text(rows).encode()}


@case("Ti2")
def _ti2() -> dict[str, bytes]:
    return both("Ti2", good(5))


@case("Ti3")
def _ti3() -> dict[str, bytes]:
    rows = good(3)
    rows[2][2] = "2025-03-01"
    return both("Ti3", rows)


@case("Ti4")
def _ti4() -> dict[str, bytes]:
    months = ["2024-01-10", "2024-02-10", "2024-04-10", "2024-05-03"]
    rows = [[f"{i:05d}", f"O{i:03d}", d, "10.00", "线上"] for i, d in enumerate(months, 1)]
    return {"Ti4.csv": csv_text(rows).encode()}


# Scale ------------------------------------------------------------------------------------
@case("Sc1")
def _sc1() -> dict[str, bytes]:
    return {"Sc1.csv": csv_text(good(3)).encode()}  # the frame is grown in the test


@case("Sc2")
def _sc2() -> dict[str, bytes]:
    header = HEADER + [f"备用{i}" for i in range(300)]
    rows = [r + [str(i) for i in range(300)] for r in good(3)]
    return {"Sc2.csv": csv_text(rows, header).encode()}


@case("Sc3")
def _sc3() -> dict[str, bytes]:
    return {"Sc3.csv": csv_text(good(3)).encode()}


@case("Sc4")
def _sc4() -> dict[str, bytes]:
    rows = good(3)
    rows[1][4] = "长" * 1_100_000  # a 3.3 MB line, above the 2 MB line limit
    return {"Sc4.csv": csv_text(rows).encode()}


# Adversarial ------------------------------------------------------------------------------
@case("A1")
def _a1() -> dict[str, bytes]:
    header = ["客户编号", "姓名", "备注"]
    rows: Rows = [
        ["00001", '=HYPERLINK("http://x")', "+1"],
        ["00002", "-2+3", "@SUM(A1)"],
        ["00003", "\tTAB", "\rCR"],
    ]
    return both("A1", rows, header)


@case("A2")
def _a2() -> dict[str, bytes]:
    header = ["客户编号", "姓名", "渠道"]
    rows: Rows = [
        ["00001", "<script>alert(1)</script>", "<img src=x onerror=alert(2)>"],
        ["00002", "李四", "线上"],
    ]
    return both("A2", rows, header)


@case("A3")
def _a3() -> dict[str, bytes]:
    import pickle

    class_free = pickle.dumps({"rows": good(2)}, protocol=4)
    return {"A3.pkl": class_free, "A3.joblib": class_free}


@case("A4")
def _a4() -> dict[str, bytes]:
    base = xlsx_bytes(tx_sheet(good(2)))
    doctype = '<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n'
    for i in range(1, 10):
        prev = "&lol;" if i == 1 else f"&lol{i - 1};"
        doctype += f'<!ENTITY lol{i} "{prev * 10}">\n'
    doctype += "]>\n"
    src = zipfile.ZipFile(io.BytesIO(base))
    laughs = io.BytesIO()
    with zipfile.ZipFile(laughs, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # billion laughs in a cell
                text = body.decode()
                text = doctype + text.replace("<t>线上</t>", "<t>&lol9;</t>", 1)
                body = text.encode()
            new = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(new, body)
    # a zip bomb: one highly compressible member far above the size cap
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(new, src.read(info.filename))
        pad = zipfile.ZipInfo("xl/media/pad.bin", date_time=(2024, 1, 1, 0, 0, 0))
        pad.compress_type = zipfile.ZIP_DEFLATED
        dst.writestr(pad, b"\0" * (120 << 20))
    return {"A4_billion_laughs.xlsx": laughs.getvalue(), "A4_zip_bomb.xlsx": zb.getvalue()}


@case("A5")
def _a5() -> dict[str, bytes]:
    return {"A5.csv": csv_text(good(2)).encode()}  # the hostile names are in the test


@case("A6")
def _a6() -> dict[str, bytes]:
    return {"A6.yaml": b'client: demo\ndemo: {customers: 60}\n"x = 1\\nimport os\\ny": 1\n'}


@case("A7")
def _a7() -> dict[str, bytes]:
    base = xlsx_bytes(tx_sheet(good(2)))
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504  # an OLE header: a fake vbaProject
    return {"A7.xlsm": _fixed_zip(base, {"xl/vbaProject.bin": vba})}


# Fuzzing findings (fuzz/fuzz_parsers.py) ------------------------------------------------
@case("F1")
def _f1() -> dict[str, bytes]:
    """Ids made only of control characters were kept as customers."""
    rows = good(3)
    rows[1][0] = "\x1f"
    rows[2][0] = "\r"
    return {"F1.csv": csv_text(rows).encode()}


@case("F2")
def _f2() -> dict[str, bytes]:
    """parse_percentages crashed on a column with no values."""
    return {"F2.csv": csv_text([["00001", ""], ["00002", ""]], ["客户编号", "折扣率"]).encode()}


# Issue 14: broken and hostile input (H1…) -------------------------------------------------
# Mixed encodings decided line by line, dates beyond the run date, non-finite and
# ambiguous amounts, near-duplicate exports, Excel date systems and cached formulas,
# empty or broken Parquet, mixed line ends, files that change while read.

#: an ASCII header (the Big5 and mixed-encoding reproductions of issue 14 use one)
ASCII_HEADER = ["cid", "oid", "day", "amt", "cat"]


def _ascii(rows: Rows) -> str:
    return csv_text(rows, ASCII_HEADER)


@case("H1")
def _h1() -> dict[str, bytes]:
    """Issue 14's reproduction: a UTF-8 file with one GBK line (was: all read as GB18030)."""
    head = _ascii([["C1", "O1", "2024-01-01", "10", "服装"]]).encode()
    gbk = "C3,O3,2024-01-03,30,家居\n".encode("gbk")
    tail = "C4,O4,2024-01-04,40,鞋帽\n".encode()
    return {"H1.csv": head + gbk + tail}


@case("H2")
def _h2() -> dict[str, bytes]:
    """Big5 with an ASCII header (was: read as GB18030, 服裝 → 狝杆)."""
    rows = [["C1", "O1", "2024-01-01", "10", "服裝"], ["C2", "O2", "2024-01-02", "20", "門市"]]
    return {"H2.csv": _ascii(rows).encode("big5")}


@case("H3")
def _h3() -> dict[str, bytes]:
    """A longer Big5 file of traditional-Chinese categories."""
    cats = ["服裝", "鞋帽", "家電", "書籍", "食品", "臺北門市", "線上商城", "會員專區"]
    rows = [[f"C{i}", f"O{i}", f"2024-02-{i + 1:02d}", str(10 + i), c] for i, c in enumerate(cats)]
    return {"H3.csv": _ascii(rows).encode("big5")}


@case("H4")
def _h4() -> dict[str, bytes]:
    """GBK text that Big5 also decodes (门店 → 藷虛): GB18030 is chosen (common characters)."""
    rows = [["C1", "O1", "2024-01-01", "10", "门店"], ["C2", "O2", "2024-01-02", "20", "服装"]]
    return {"H4.csv": _ascii(rows).encode("gbk")}


@case("H5")
def _h5() -> dict[str, bytes]:
    """The reverse mix: a GBK file with one UTF-8 line appended."""
    rows = [[f"C{i}", f"O{i}", "2024-01-0" + str(i), "10", "门店"] for i in range(1, 5)]
    body = _ascii(rows).encode("gbk")
    return {"H5.csv": body + "C9,O9,2024-01-09,90,线上\n".encode()}


@case("H6")
def _h6() -> dict[str, bytes]:
    """A UTF-8 file with one Big5 line (a Taiwan branch's export appended)."""
    head = _ascii(
        [["C1", "O1", "2024-01-01", "10", "服装"], ["C2", "O2", "2024-01-02", "20", "鞋帽"]]
    )
    return {"H6.csv": head.encode() + "C3,O3,2024-01-03,30,服裝\n".encode("big5")}


@case("H7")
def _h7() -> dict[str, bytes]:
    """A UTF-8 byte-order mark over GBK bytes (was: an internal hex sentinel was shown)."""
    return {"H7.csv": codecs.BOM_UTF8 + csv_text(good(2)).encode("gbk")}


@case("H8")
def _h8() -> dict[str, bytes]:
    """Latin-1 text: neither UTF-8 nor a plausible Chinese encoding."""
    rows = [["C1", "O1", "2024-01-01", "10", "café"], ["C2", "O2", "2024-01-02", "20", "crème"]]
    return {"H8.csv": _ascii(rows).encode("latin-1")}


@case("H9")
def _h9() -> dict[str, bytes]:
    """Shift-JIS text: decodes as GB18030, but as rare characters only."""
    rows = [["C1", "O1", "2024-01-01", "10", "東京"], ["C2", "O2", "2024-01-02", "20", "大阪"]]
    return {"H9.csv": _ascii(rows).encode("shift_jis")}


@case("H10")
def _h10() -> dict[str, bytes]:
    """UTF-16 big-endian with its byte-order mark (was: refused)."""
    return {"H10.csv": codecs.BOM_UTF16_BE + csv_text(good(2)).encode("utf-16-be")}


@case("H11")
def _h11() -> dict[str, bytes]:
    """UTF-16 little-endian, tab-separated, CRLF line ends (Excel's "Unicode text")."""
    text = csv_text(good(3), sep="\t").replace("\n", "\r\n")
    return {"H11.txt": codecs.BOM_UTF16_LE + text.encode("utf-16-le")}


@case("H12")
def _h12() -> dict[str, bytes]:
    """A line of bytes that no encoding decodes, in a UTF-8 file."""
    head = csv_text(good(3)).encode()
    return {"H12.csv": head + b"00009,O009,2024-03-01,10.00,\xff\xfe\x80\n"}


@case("H13")
def _h13() -> dict[str, bytes]:
    """The header line in GBK, the data in UTF-8: the header cannot be quarantined."""
    head = (",".join(HEADER) + "\n").encode("gbk")
    return {"H13.csv": head + csv_text(good(2))[len(",".join(HEADER)) + 1 :].encode()}


@case("H14")
def _h14() -> dict[str, bytes]:
    """A Big5 file read with an explicit read.encoding='big5'."""
    rows = [["C1", "O1", "2024-01-01", "10", "門市"]]
    return {"H14.csv": _ascii(rows).encode("big5")}


@case("H15")
def _h15() -> dict[str, bytes]:
    """read.encoding='utf-8' given explicitly: the GBK line is INVALID_ENCODING."""
    return {"H15.csv": csv_text(good(2)).encode() + "00009,O009,2024-03-01,1,门店\n".encode("gbk")}


@case("H16")
def _h16() -> dict[str, bytes]:
    """The GBK line is the last one, without a final line break."""
    return {"H16.csv": csv_text(good(2)).encode() + "00009,O009,2024-03-01,1,门店".encode("gbk")}


@case("H17")
def _h17() -> dict[str, bytes]:
    """A UTF-8 BOM, UTF-8 lines and one GBK line: the BOM settles the file's encoding."""
    body = csv_text(good(1)).encode() + "00009,O009,2024-03-01,1,门店\n".encode("gbk")
    return {"H17.csv": codecs.BOM_UTF8 + body}


@case("H18")
def _h18() -> dict[str, bytes]:
    """A customer master (side table) in UTF-8 with one GBK line."""
    head = csv_text([["00001", "北京"]], ["客户编号", "城市"]).encode()
    return {"H18.csv": head + "00002,上海\n".encode("gbk")}


@case("H19")
def _h19() -> dict[str, bytes]:
    """A blank-separated file (read.delimiter='whitespace') with one GBK line."""
    head = "客户编号 订单号 下单时间 金额 渠道\n00001 O001 2024-01-01 10 线上\n".encode()
    return {"H19.txt": head + "00002 O002 2024-01-02 20 门店\n".encode("gbk")}


@case("H20")
def _h20() -> dict[str, bytes]:
    """Mixed CRLF and LF line ends (was: the whole file refused, no line named)."""
    lines = csv_text(good(4)).splitlines()
    text = "".join(ln + ("\r\n" if i % 2 == 0 else "\n") for i, ln in enumerate(lines))
    return {"H20.csv": text.encode()}


@case("H21")
def _h21() -> dict[str, bytes]:
    """Mixed line ends and a GBK line in a UTF-8 file."""
    text = csv_text(good(2)).replace("\n", "\r\n", 2).encode()
    return {"H21.csv": text + "00009,O009,2024-03-01,1,门店\n".encode("gbk")}


# dates beyond the run date, no date, as-of before the data
def _dated(days: list[str]) -> Rows:
    return [[f"{i:05d}", f"O{i:03d}", d, f"{10 * i}.00", "线上"] for i, d in enumerate(days, 1)]


@case("H22")
def _h22() -> dict[str, bytes]:
    """Issue 14: one typo year (2099-12-31) and no as-of (was: as-of 2100-01-01)."""
    return both("H22", _dated(["2024-03-01", "2099-12-31", "2024-03-05"]))


@case("H23")
def _h23() -> dict[str, bytes]:
    """Every date after the run date, and no as-of."""
    return both("H23", _dated(["2099-12-31", "2088-01-01"]))


@case("H24")
def _h24() -> dict[str, bytes]:
    """No parseable date at all, and no as-of (was: a ValueError traceback)."""
    return both("H24", _dated(["bad", "不详"]))


@case("H25")
def _h25() -> dict[str, bytes]:
    """An as-of date before all the data (was: an empty profile, exit 0)."""
    return both("H25", _dated(["2024-05-01", "2024-06-01"]))


@case("H26")
def _h26() -> dict[str, bytes]:
    """The latest transaction on the run date: the default as-of is the run date, not later."""
    return both("H26", _dated(["2025-06-01", "2025-12-31"]))


@case("H27")
def _h27() -> dict[str, bytes]:
    """A 1904-date workbook with dates written as bare serial numbers (was: 4 years off)."""
    rows: Rows = [["00001", "O001", 43834, "10", "线上"], ["00002", "O002", 43835.5, "20", "线上"]]
    return {"H27.xlsx": xlsx_bytes(tx_sheet(rows), epoch1904=True)}


@case("H28")
def _h28() -> dict[str, bytes]:
    """The same serial numbers in a 1900-date workbook (the control of H27)."""
    rows: Rows = [["00001", "O001", 45296, "10", "线上"], ["00002", "O002", 45297.5, "20", "线上"]]
    return {"H28.xlsx": xlsx_bytes(tx_sheet(rows))}


# amounts
@case("H29")
def _h29() -> dict[str, bytes]:
    """Issue 14: an amount of 1e309 (was: a DuckDB traceback from a pasted fence)."""
    rows = good(4)
    rows[1][3] = "1e309"
    return both("H29", rows)


@case("H30")
def _h30() -> dict[str, bytes]:
    """More numbers beyond a double: -1e309, 1e400, 2e308万."""
    rows = good(4)
    rows[0][3], rows[1][3], rows[2][3] = "-1e309", "1e400", "2e308万"
    return both("H30", rows)


@case("H31")
def _h31() -> dict[str, bytes]:
    """A typed Parquet amount column holding inf, -inf and NaN."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "客户编号": ["00001", "00002", "00003", "00004"],
            "订单号": ["O001", "O002", "O003", "O004"],
            "下单时间": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
            "金额": [10.0, float("inf"), float("-inf"), float("nan")],
            "渠道": ["线上"] * 4,
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="none", store_schema=False)
    return {"H31.parquet": buf.getvalue()}


@case("H32")
def _h32() -> dict[str, bytes]:
    """read.decimal=',' and 12.50 (was: silently 1250)."""
    rows = good(3)
    rows[0][3], rows[1][3], rows[2][3] = "12,50", "12.50", "1.234,50"
    return both("H32", rows)


@case("H33")
def _h33() -> dict[str, bytes]:
    """read.decimal=',' with points only in thousands groups (1.250 is 1250)."""
    rows = good(2)
    rows[0][3], rows[1][3] = "1.250", "2.500.000,5"
    return both("H33", rows)


# near-duplicates
@case("H34")
def _h34() -> dict[str, bytes]:
    """Issue 14: one order exported twice as "C1 " / 50.0 and "C1" / 50.00."""
    rows: Rows = [["C1 ", "O001", "2024-01-05", "50.0", "线上"],
                  ["C1", "O001", "2024-01-05", "50.00", "线上"]]  # fmt: skip
    return both("H34", rows)


@case("H35")
def _h35() -> dict[str, bytes]:
    """The same order with its date written two ways and a midnight time added."""
    rows: Rows = [["00001", "O001", "2024-01-05", "50", "线上"],
                  ["00001", "O001", "2024/1/5 00:00", "50", "线上"],
                  ["00001", "O001", "2024年1月5日", "¥50.00", " 线上 "]]  # fmt: skip
    return both("H35", rows)


@case("H36")
def _h36() -> dict[str, bytes]:
    """Near but not equal (50.00 / 50.01): two lines, not a duplicate (control)."""
    rows: Rows = [["00001", "O001", "2024-01-05", "50.00", "线上"],
                  ["00001", "O001", "2024-01-05", "50.01", "线上"]]  # fmt: skip
    return both("H36", rows)


def _cached(xlsx: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells a cached value, as Excel writes them when it saves."""
    import re

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                for ref, value in values.items():
                    body = re.sub(
                        rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v ?/>'.encode(),
                        rb"\1\2<v>" + value.encode() + b"</v>",
                        body,
                    )
            dst.writestr(info, body)
    return out.getvalue()


@case("H37")
def _h37() -> dict[str, bytes]:
    """A blank cell beside a formula with a cached value (was: refused as uncached)."""
    rows: Rows = [["客户编号", "订单号", "下单时间", "单价", "数量", "金额", "渠道"]]
    rows.append(["00001", "O001", "2024-01-01", 10, 2, "=D2*E2", None])
    rows.append(["00002", "O002", "2024-01-02", 10, 3, "=D3*E3", "线上"])
    book = xlsx_bytes({"交易": rows}, formulas=True)
    return {"H37.xlsx": _cached(book, {"F2": "20", "F3": "30"})}


@case("H38")
def _h38() -> dict[str, bytes]:
    """One formula without a cached value, in a row with another blank cell: only it is named."""
    rows: Rows = [["客户编号", "订单号", "下单时间", "单价", "数量", "金额", "渠道"]]
    rows.append(["00001", "O001", "2024-01-01", 10, 2, "=D2*E2", None])
    rows.append(["00002", "O002", "2024-01-02", 10, 3, "=D3*E3", None])
    book = xlsx_bytes({"交易": rows}, formulas=True)
    return {"H38.xlsx": _cached(book, {"F2": "20"})}


# files
@case("H39")
def _h39() -> dict[str, bytes]:
    """A 0-byte Parquet file (was: a DuckDB traceback)."""
    return {"H39.parquet": b""}


@case("H40")
def _h40() -> dict[str, bytes]:
    """A Parquet file that is not one (text under a .parquet name)."""
    return {"H40.parquet": csv_text(good(2)).encode()}


@case("H41")
def _h41() -> dict[str, bytes]:
    """An id in scientific notation: PRECISION_LOST found 1, removed 1 (was: found 0)."""
    rows = good(3)
    rows[1][0] = "1.38E+10"
    return both("H41", rows)


@case("H42")
def _h42() -> dict[str, bytes]:
    """A total row: SUMMARY_ROW found and removed alike."""
    rows = [*good(2), ["合计", None, None, "203.00", None]]
    return both("H42", rows)


@case("H43")
def _h43() -> dict[str, bytes]:
    """A plain file the test appends to while segkit reads it (hash ≠ data before)."""
    return {"H43.csv": csv_text(good(3)).encode()}


@case("H44")
def _h44() -> dict[str, bytes]:
    """A UTF-16 file cut in the middle of a character (an odd number of bytes)."""
    return {"H44.csv": codecs.BOM_UTF16_LE + csv_text(good(2)).encode("utf-16-le")[:-1]}


@case("H45")
def _h45() -> dict[str, bytes]:
    """GBK lines in a UTF-8 file beside a short record: every line keeps its number."""
    text = csv_text(good(2)).encode()
    text += "00007,O007,2024-03-01,1,门店\n".encode("gbk")
    text += b"00008,O008\n"
    text += "00009,O009,2024-03-02,2,线上\n".encode()
    return {"H45.csv": text}


@case("H46")
def _h46() -> dict[str, bytes]:
    """A GBK file whose last line holds traditional characters written in GBK (門市 is
    outside GB2312): still one file in GB18030, every line read."""
    body = csv_text(good(3)).encode("gbk")
    return {"H46.csv": body + "00009,O009,2024-03-01,1,門市\n".encode("gbk")}


@case("H47")
def _h47() -> dict[str, bytes]:
    """A GBK file with one Big5 line: GB18030 decodes it, but only as rare characters,
    while Big5 reads it as common ones (臺北)."""
    rows = [[f"C{i}", f"O{i}", f"2024-01-0{i}", "1", "门店服装"] for i in range(1, 6)]
    body = _ascii(rows).encode("gbk")
    return {"H47.csv": body + "C9,O9,2024-01-09,1,臺北\n".encode("big5")}


@case("H48")
def _h48() -> dict[str, bytes]:
    """A Big5 file with one GBK line (服装 read as Big5 is 督蚾, half rare)."""
    rows = [[f"C{i}", f"O{i}", f"2024-01-0{i}", "1", "臺北門市"] for i in range(1, 6)]
    body = _ascii(rows).encode("big5")
    return {"H48.csv": body + "C9,O9,2024-01-09,1,服装\n".encode("gbk")}


@case("H49")
def _h49() -> dict[str, bytes]:
    """A UTF-8 file with one GBK line whose bytes are valid UTF-8 too (母婴 = C4B8 D3A4,
    which UTF-8 reads as ĸӤ): the whole file is valid UTF-8, yet the line is GBK."""
    head = _ascii(
        [["C1", "O1", "2024-01-01", "10", "服装"], ["C2", "O2", "2024-01-02", "20", "食品"]]
    )
    return {"H49.csv": head.encode() + "C3,O3,2024-01-03,30,母婴\n".encode("gbk")}


@case("H50")
def _h50() -> dict[str, bytes]:
    """A GBK file every line of which is also valid UTF-8 (the messy demo's case)."""
    rows = [[f"C{i}", f"O{i}", f"2024-01-0{i}", "1", w] for i, w in enumerate(["母婴", "食品"], 1)]
    return {"H50.csv": _ascii(rows).encode("gbk")}


@case("H51")
def _h51() -> dict[str, bytes]:
    """Genuine UTF-8 two-byte characters (é, ·, ×) beside CJK: read as UTF-8."""
    rows = [
        ["C1", "O1", "2024-01-01", "10", "Café"],
        ["C2", "O2", "2024-01-02", "20", "A·B"],
        ["C3", "O3", "2024-01-03", "30", "2×3"],
        ["C4", "O4", "2024-01-04", "40", "服装"],
    ]
    return {"H51.csv": _ascii(rows).encode()}


@case("F3")
def _f3() -> dict[str, bytes]:
    """DuckDB's strptime read the words 'infinity' (year 294247) and 'epoch' as dates."""
    rows = good(4)
    rows[0][2], rows[1][2], rows[2][2] = "INFINItY", "epoch", "-infinity"
    return both("F3", rows)


def build() -> dict[str, bytes]:
    """Every fixture file of the corpus: name → bytes."""
    files: dict[str, bytes] = {}
    for writer in CASES.values():
        files.update(writer())
    return files


def _read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, don't write")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        bad = [
            n for n, b in files.items() if not (FILES / n).exists() or (FILES / n).read_bytes() != b
        ]
        print("differ:", bad) if bad else print(f"{len(files)} files up to date")
        return 1 if bad else 0
    FILES.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (FILES / name).write_bytes(body)
    print(f"wrote {len(files)} files for {len(CASES)} cases to {FILES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
