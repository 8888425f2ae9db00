import pandas as pd
import pytest

from segkit.clean.coding import CategoryCoder
from segkit.collect import integrate
from segkit.errors import InputError


def test_left_join_and_unmatched_both_sides() -> None:
    prof = pd.DataFrame({"customer_id": ["01", "02", "04"], "monetary": [10.0, 5.0, 1.0]})
    master = pd.DataFrame(
        {
            "customer_id": ["01", "03", "04"],
            "city": ["上海", "北京", "成都"],
            "source_row": [2, 3, 4],
        }
    )
    survey = pd.DataFrame({"customer_id": ["04", "05"], "q01": [3, 4]})
    res = integrate(prof, master=master, survey=survey)
    assert res.table["customer_id"].tolist() == ["01", "02", "04"]
    assert res.table["city"].tolist()[0] == "上海" and pd.isna(res.table["city"].iloc[1])
    assert "source_row" not in res.table
    assert res.unmatched == {
        "profile_not_in_master": ["02"],
        "master_not_in_profile": ["03"],
        "profile_not_in_survey": ["01", "02"],
        "survey_not_in_profile": ["05"],
    }
    assert res.summary()["ids"].tolist() == [1, 1, 2, 1]


def test_duplicate_keys_refused() -> None:
    prof = pd.DataFrame({"customer_id": ["01"], "m": [1.0]})
    master = pd.DataFrame({"customer_id": ["01", "01"], "city": ["a", "b"]})
    with pytest.raises(InputError, match="DUPLICATE_KEY"):
        integrate(prof, master=master)


def test_clashing_columns_prefixed() -> None:
    prof = pd.DataFrame({"customer_id": ["01"], "channel": ["x"]})
    master = pd.DataFrame({"customer_id": ["01"], "channel": ["门店"]})
    assert integrate(prof, master=master).table.columns.tolist() == [
        "customer_id",
        "channel",
        "master_channel",
    ]


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
