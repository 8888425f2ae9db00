"""segkit.collect.csvread: DuckDB's reader, the decoder's sentinels and line numbers."""

from __future__ import annotations

from pathlib import Path

from segkit.collect.csvread import read_csv_records
from segkit.config import ReadOptions
from segkit.engine import connect


def test_one_column_file_with_a_quarantined_line(tmp_path: Path) -> None:
    """The sentinel of a set-aside line is one field: in a one-column file it is not a row."""
    path = tmp_path / "one.csv"
    path.write_bytes("客户编号\n001\n".encode() + "刘备\n".encode("gbk") + b"003\n")
    con = connect()
    header, rej, info = read_csv_records(con, path, ReadOptions(), tmp_path, "src0")
    assert header == ["客户编号"] and info["encoding"] == "utf-8"
    assert rej[["source_row", "reason_code", "raw_value"]].values.tolist() == [
        [3, "MIXED_ENCODING", "刘备"]
    ]
    rows = con.execute('SELECT _row, "客户编号" FROM src0_v ORDER BY _row').fetchall()
    assert rows == [(2, "001"), (4, "003")]
