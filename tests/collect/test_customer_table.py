"""segkit.collect.customer_table: a customer-level table read in any encoding, numbers typed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit.collect.customer_table import read_customer_table, typed_columns
from segkit.errors import InputError


def test_gb18030_table_reads_like_utf8_and_types_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"客户编号": ["007", "008", "009"], "城市": ["上海", "北京", "广州"],
         "生鲜": ["1,200", "35", "无"], "区号": ["021", "010", "020"]}
    )  # fmt: skip
    frame.to_csv(tmp_path / "u.csv", index=False)
    frame.to_csv(tmp_path / "g.csv", index=False, encoding="gb18030")
    utf8 = read_customer_table(tmp_path / "u.csv", id_column="客户编号")
    gb = read_customer_table(tmp_path / "g.csv", id_column="客户编号")
    pd.testing.assert_frame_equal(utf8, gb)
    assert utf8["客户编号"].tolist() == ["007", "008", "009"]  # ids stay text
    assert utf8["生鲜"].tolist()[:2] == [1200.0, 35.0] and pd.isna(utf8["生鲜"].iloc[2])  # 无 = NA
    assert utf8["区号"].tolist() == ["021", "010", "020"]  # zero-padded codes stay text
    assert utf8["城市"].tolist() == ["上海", "北京", "广州"]
    assert utf8["source_row"].tolist() == [2, 3, 4]


def test_a_bad_cell_in_a_column_of_numbers_names_its_row() -> None:
    frame = pd.DataFrame({"source_row": [2, 3, 4], "milk": ["1", "x", "3"]})
    with pytest.raises(InputError) as err:
        typed_columns(frame, file="t.csv")
    assert str(err.value).startswith("file 't.csv', row 3, column 'milk': [NOT_NUMERIC]")
    assert "'x'" not in str(err.value)  # the value is never quoted
    text = typed_columns(pd.DataFrame({"source_row": [2, 3], "note": ["a", "1"]}))
    assert text["note"].tolist() == ["a", "1"]  # mostly text: a text column


def test_parquet_is_read_as_stored(tmp_path: Path) -> None:
    pd.DataFrame({"customer_id": ["a"], "spend": [1.5]}).to_parquet(tmp_path / "p.parquet")
    frame = read_customer_table(tmp_path / "p.parquet")
    assert frame.columns.tolist() == ["source_row", "customer_id", "spend"]
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="UNREADABLE"):
        read_customer_table(tmp_path / "bad.parquet")
