"""segkit.collect.side_tables: a customer master or survey read whole, as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit.collect import read_table
from segkit.errors import InputError


def test_read_table_keeps_text(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("customer_id,name,age\n007,张三,31\n".encode("gb18030"))
    table = read_table(path)
    assert table.to_dict("records") == [
        {"source_row": 2, "customer_id": "007", "name": "张三", "age": "31"}
    ]


def test_read_table_of_a_big5_master(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("cid,city\n001,臺北\n002,高雄\n".encode("big5"))
    table = read_table(path)
    assert table["city"].tolist() == ["臺北", "高雄"]


def test_broken_or_empty_parquet_side_table(tmp_path: Path) -> None:
    empty = tmp_path / "m.parquet"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="EMPTY_FILE"):
        read_table(empty)
    text = tmp_path / "t.parquet"
    text.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="BAD_PARQUET"):
        read_table(text)
