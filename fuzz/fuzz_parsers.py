"""Fuzz segkit's parsers: amounts, dates, ids, encodings/CSV structure, files whose lines are
each in their own encoding (UTF-8, GBK, Big5, GB18030, Latin-1, junk; BOM; CRLF/LF),
side-table codings.

Hypothesis generates inputs (random Unicode, near-miss money and date strings, random
bytes); each target asserts that the parser either returns a well-formed value or refuses
with segkit's documented :class:`~segkit.errors.InputError` — any other exception, or a
malformed value, is a finding. Findings are written to ``fuzz/findings/`` (input repr and
traceback) and each one becomes a case in ``tests/corpus`` once understood.

Run (the documented command; ``--minutes`` is the wall-clock budget)::

    .venv/bin/python fuzz/fuzz_parsers.py --minutes 10

Exit status 1 when a finding was recorded. A short run (``--minutes 0.2``) is part of the
test suite (``tests/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.clean.coding import parse_booleans, parse_percentages
from segkit.collect import collect, parse_amounts, parse_dates
from segkit.config import ColumnMap
from segkit.errors import InputError
from segkit.privacy import mask_text, normalise_pii

HERE = Path(__file__).resolve().parent
FINDINGS = HERE / "findings"

# --- strategies ----------------------------------------------------------------------------
money_bits = st.sampled_from(
    ["¥", "￥", "元", "RMB", "CNY", ",", ".", "(", ")", "-", "+", "万", "亿", " ", "　", "１", "９",
     "0", "1", "9", "e", "E", "%", "$", "US$", "HK$", "€", "\u200b", "\ufeff", "'", '"']
)  # fmt: skip
date_bits = st.sampled_from(
    ["2024", "1999", "0000", "9999", "-", "/", ".", "年", "月", "日", " ", "T", ":", "Z", "+08:00",
     "1", "12", "31", "00", "13", "60", "45300", ".123", "时", "分", "秒", "上午", "下午"]
)  # fmt: skip
junk = st.text(alphabet=st.characters(codec="utf-8"), max_size=25)
amount_text = st.one_of(junk, st.lists(money_bits, max_size=12).map("".join))
date_text = st.one_of(junk, st.lists(date_bits, max_size=10).map("".join))
batch = st.lists  # one DuckDB query per example: parse a batch of values


def _finite(x: object) -> bool:
    return isinstance(x, float) and math.isfinite(x)


# --- targets -------------------------------------------------------------------------------
def target_amounts(values: list[str | None]) -> None:
    out = parse_amounts(values)
    assert len(out) == len(values)
    for v, x in zip(values, out, strict=True):
        assert x is None or _finite(x), (v, x)


def target_amount_round_trip(x: float) -> None:
    text = f"¥{x:,.2f}"
    (got,) = parse_amounts([text])
    assert got is not None and abs(got - round(x, 2)) < 1e-6, (text, got)


def target_dates(values: list[str | None], order: str) -> None:
    out = parse_dates(values, date_order=order)
    assert len(out) == len(values)
    for v, x in zip(values, out, strict=True):
        assert x is None or isinstance(x, pd.Timestamp), (v, x)
        if x is not None:
            assert dt.datetime(1, 1, 1) <= x.to_pydatetime() <= dt.datetime(9999, 12, 31), (v, x)


def target_date_round_trip(d: dt.datetime) -> None:
    for text in (d.strftime("%Y-%m-%d %H:%M:%S"), f"{d.year}年{d.month}月{d.day}日"):
        (got,) = parse_dates([text])
        assert got is not None and got.date() == d.date(), (text, got)


def target_ids(values: list[str | None]) -> None:
    frame = pd.DataFrame({"c": values, "d": "2024-01-01", "a": "1"})
    from segkit.collect import collect_frame

    col = collect_frame(frame, ColumnMap(customer_id="c", date="d", amount="a"))
    ids = col.frame()["customer_id"].tolist()
    assert len(ids) == len(values)
    for v, x in zip(values, ids, strict=True):
        assert pd.isna(x) or (isinstance(x, str) and x == x.strip() and x != ""), (v, x)


def target_file_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(b"cid,day,amt\n" + data)
        try:
            col = collect(path, ColumnMap(customer_id="cid", date="day", amount="amt"))
        except InputError:
            return
        staged = col.con.execute("SELECT count(*) FROM staged").fetchall()[0][0]
        assert staged + len(col.rejects) == col.records, (staged, len(col.rejects), col.records)


#: category words for the mixed-encoding target: simplified (GBK) and traditional (Big5)
SIMPLIFIED = ["服装", "门店", "线上", "家居", "鞋帽", "刘䶮", "食品", "会员"]
TRADITIONAL = ["服裝", "門市", "線上", "臺北", "書籍", "會員專區", "家電", "食品"]
LINE_ENCODINGS = ["utf-8", "gbk", "big5", "gb18030", "latin-1", "junk"]


def target_mixed_encodings(
    lines: list[tuple[int, str | None]], base: str, bom: bool, crlf: list[bool]
) -> None:
    """Lines each in its own encoding (the line-by-line decoder, issue 14). A run either
    refuses the file (InputError) or: the account balances; a line written in the encoding
    the file is read in comes back exactly; a non-ASCII UTF-8 line is never read as anything
    but itself (UTF-8 files) or quarantined (legacy files)."""
    written: dict[int, tuple[str, str]] = {}  # line number -> (encoding, category)
    body = b"cid,oid,day,amt,cat\r\n" if crlf[:1] == [True] else b"cid,oid,day,amt,cat\n"
    for i, (word, line_enc) in enumerate(lines):
        enc = line_enc or base  # most lines in the file's own encoding, a few in others
        cat = (TRADITIONAL if enc == "big5" else SIMPLIFIED)[word % 8]
        end = "\r\n" if crlf[(i + 1) % len(crlf)] else "\n"
        text = f"C{i},O{i},2024-01-01,{i + 1},"
        if enc == "junk":
            raw = text.encode() + bytes([0x80 + word * 7 % 0x7F, 0xFF]) + end.encode()
        elif enc == "latin-1":
            raw = (text + "café" + end).encode("latin-1")
        else:
            try:
                raw = (text + cat + end).encode(enc)
            except UnicodeEncodeError:  # 刘䶮 is not GBK
                raw = (text + cat + end).encode("gb18030")
                enc = "gb18030"
        written[i + 2] = (enc, cat)
        body += raw
    if bom:
        body = b"\xef\xbb\xbf" + body
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mixed.csv"
        path.write_bytes(body)
        cols = ColumnMap(
            customer_id="cid", order_id="oid", date="day", amount="amt", category="cat"
        )
        try:
            col = collect(path, cols)
        except InputError:
            return
        staged = col.con.execute("SELECT count(*) FROM staged").fetchall()[0][0]
        assert staged + len(col.rejects) == col.records == len(lines), (staged, col.records)
        file_enc = col.sources[0]["encoding"]
        got = dict(col.con.execute("SELECT source_row, category FROM staged").fetchall())
        same = {"gbk": "gb18030", "gb18030": "gb18030", "big5": "big5", "utf-8": "utf-8"}
        for row, value in got.items():
            enc, cat = written[int(row)]
            if same.get(enc) == file_enc:
                assert value == cat, (row, enc, file_enc, value, cat)
            if enc == "utf-8":  # never garbled: read right (UTF-8 file) or quarantined
                assert file_enc == "utf-8" and value == cat, (row, file_enc, value, cat)
            assert "SEGKIT" not in str(value), value


def target_side_tables(values: list[str | None]) -> None:
    table = pd.DataFrame({"source_row": range(2, len(values) + 2), "v": values})
    b, qb = parse_booleans(table, "v")
    p, qp = parse_percentages(table, "v")
    assert len(b) == len(p) == len(values)
    assert set(qb["source_row"]) <= set(table["source_row"])
    assert all(x is None or isinstance(x, bool) for x in b)
    assert all(pd.isna(x) or math.isfinite(float(x)) for x in p)
    assert len(qp) <= len(values)


def target_pii(text: str) -> None:
    for kind in ("phone", "id_number", "name", "email"):
        once = normalise_pii(text, kind)
        assert normalise_pii(once, kind) == once, (kind, text)
    masked = mask_text(text)
    assert isinstance(masked, str)


def _wrap(test: Callable[..., None], examples: int, seed: int) -> Callable[[], None]:
    from hypothesis import seed as with_seed

    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )(with_seed(seed)(test))


def build_tests() -> dict[str, Callable[..., None]]:
    """Each target wrapped with its strategy (hypothesis ``@given``)."""
    return {
        "amounts": given(batch(st.one_of(st.none(), amount_text), max_size=40))(target_amounts),
        "amount_round_trip": given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))(
            target_amount_round_trip
        ),
        "dates": given(
            batch(st.one_of(st.none(), date_text), max_size=40),
            st.sampled_from(["YMD", "DMY", "MDY"]),
        )(target_dates),
        "date_round_trip": given(
            st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1))
        )(target_date_round_trip),
        "ids": given(batch(st.one_of(st.none(), junk), min_size=1, max_size=30))(target_ids),
        "file_bytes": given(st.binary(max_size=400), st.sampled_from([".csv", ".txt", ".tsv"]))(
            target_file_bytes
        ),
        "mixed_encodings": given(
            st.lists(
                st.tuples(st.integers(0, 7), st.sampled_from([None] * 12 + LINE_ENCODINGS)),
                min_size=1,
                max_size=25,
            ),
            st.sampled_from(["utf-8", "gbk", "big5", "gb18030"]),
            st.sampled_from([False, False, False, True]),  # a UTF-8 BOM, now and then
            st.lists(st.booleans(), min_size=1, max_size=4),
        )(target_mixed_encodings),
        "side_tables": given(batch(st.one_of(st.none(), junk, amount_text), max_size=30))(
            target_side_tables
        ),
        "pii": given(junk)(target_pii),
    }


def run(minutes: float, examples: int = 100, seed: int = 0) -> list[Path]:
    """Run every target round after round until ``minutes`` are used; return findings."""
    FINDINGS.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tests = build_tests()
    deadline = time.monotonic() + minutes * 60
    found: list[Path] = []
    rounds = 0
    counts = dict.fromkeys(tests, 0)
    while time.monotonic() < deadline or rounds == 0:
        rounds += 1
        for name, test in build_tests().items():  # fresh wrappers: settings apply once
            if time.monotonic() >= deadline and rounds > 1:
                break
            wrapped = _wrap(test, examples, rng.randrange(2**32))
            try:
                wrapped()
                counts[name] += examples
            except Exception:  # a finding: record it and go on
                path = FINDINGS / f"{name}-{int(time.time())}-{len(found)}.txt"
                path.write_text(traceback.format_exc(), encoding="utf-8")
                found.append(path)
                print(f"FINDING in {name}: {path}", file=sys.stderr)
    total = sum(counts.values())
    print(f"fuzzed {minutes:g} min: {rounds} rounds, ~{total:,} examples, {len(found)} findings")
    for name, n in counts.items():
        print(f"  {name:<18} ~{n:,} examples")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fuzz segkit's parsers")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--examples", type=int, default=100, help="examples per target per round")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    found = run(args.minutes, args.examples, args.seed)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
