"""clean.coding: qualitative columns coded with a code book; nothing lost silently."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.clean.coding import CategoryCoder, code_qualitative
from segkit.collect.sources import QUARANTINE_COLUMNS
from segkit.errors import InputError


def test_category_coder_codebook_and_unknown_levels() -> None:
    train = pd.DataFrame(
        {"band": ["低", "高", "中"], "job": ["教师", "医护", "教师"], "x": [1, 2, 3]}
    )
    coder = CategoryCoder(ordinal={"band": ["低", "中", "高"]}, onehot=["job"]).fit(train)
    out = coder.transform(train)
    assert out.columns.tolist() == ["band", "job=医护", "job=教师", "x"]
    assert out["band"].tolist() == [0, 2, 1]
    assert out["job=教师"].tolist() == [1, 0, 1]
    assert len(coder.codebook_) == 5
    with pytest.raises(InputError, match="UNKNOWN_LEVEL"):
        coder.transform(pd.DataFrame({"band": ["特高"], "job": ["教师"], "x": [1]}))
    with pytest.raises(InputError, match="UNKNOWN_LEVEL"):
        CategoryCoder(ordinal={"band": ["低", "中"]}).fit(train)
    sorted_coder = CategoryCoder(ordinal={"job": None}).fit(train)
    assert sorted_coder.levels_["job"] == ["医护", "教师"]


def test_code_qualitative_one_hot_ordinal_and_codebook() -> None:
    table = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3", "4", "5"],
            "gender": ["女", " 男", "女", "", None],  # trimmed; blank and None are missing
            "band": ["低", "高", "中", "中", "低"],
        }
    )
    res = code_qualitative(
        table, onehot={"gender": ("女", "男")}, ordinal={"band": ("低", "中", "高")},
        keep_text=("gender",),
    )  # fmt: skip
    out = res.table
    assert out.columns.tolist() == ["customer_id", "gender", "gender=女", "gender=男", "band_code"]
    assert out["gender=女"].tolist() == [1, 0, 1, 0, 0]
    assert out["gender=男"].tolist() == [0, 1, 0, 0, 0]
    assert out["band_code"].tolist() == [0, 2, 1, 1, 0]
    book = res.codebook.set_index(["variable", "level"])
    assert book.loc[("band", "高"), "code"] == 2
    assert book.loc[("band", "高"), "output_column"] == "band_code"
    assert book.loc[("gender", "男"), "output_column"] == "gender=男"
    missing = res.codebook[res.codebook["level"].isna()].set_index("variable")["customers"]
    assert missing.to_dict() == {"gender": 2, "band": 0}
    assert res.quarantine.empty and list(res.quarantine.columns) == QUARANTINE_COLUMNS


def test_code_qualitative_quarantines_unknown_personal_and_rare_values() -> None:
    table = pd.DataFrame(
        {
            "source_row": [2, 3, 4, 5, 6, 7],
            "gender": ["女", "M", "男", "女", "男", "女"],
            "city": ["上海", "上海", "成都", "成都", "13800138000", "拉萨"],
        }
    )
    res = code_qualitative(
        table, onehot={"gender": ("女", "男"), "city": None}, min_count=2, file="m.csv"
    )
    q = res.quarantine
    assert q[["source_row", "column", "reason_code"]].values.tolist() == [
        [3, "gender", "UNKNOWN_LEVEL"],
        [6, "city", "PERSONAL_LEVEL"],
        [7, "city", "RARE_LEVEL"],
    ]
    assert set(q["action"]) == {"set_missing"} and set(q["source_file"]) == {"m.csv"}
    assert q.loc[q.reason_code == "PERSONAL_LEVEL", "raw_value"].isna().all()  # never kept
    assert q.loc[q.reason_code == "UNKNOWN_LEVEL", "raw_value"].tolist() == ["M"]
    # a place name that looks like a person's name (成都) is coded: only rare levels and
    # phones / ID numbers / e-mails are held back
    assert [c for c in res.table if c.startswith("city=")] == ["city=上海", "city=成都"]
    assert "13800138000" not in " ".join(res.table.columns)
    assert res.table.loc[[4, 5], ["city=上海", "city=成都"]].to_numpy().sum() == 0
    uncoded = res.codebook[res.codebook["level"].isna()].set_index("variable")["customers"]
    assert uncoded.to_dict() == {"gender": 1, "city": 2}
    assert not {"gender", "city"} & set(res.table.columns)  # coded text is not kept


def test_code_qualitative_skips_absent_columns() -> None:
    table = pd.DataFrame({"customer_id": ["1"]})
    res = code_qualitative(table, onehot={"city": None})
    assert res.table.columns.tolist() == ["customer_id"]
    assert res.codebook.empty and res.quarantine.empty


def test_category_coder_unknown_level_at_transform_names_the_column() -> None:
    coder = CategoryCoder(onehot=["g"]).fit(pd.DataFrame({"g": ["a", "b"]}))
    with pytest.raises(InputError) as err:
        coder.transform(pd.DataFrame({"g": ["c"]}))
    assert err.value.column == "g"
