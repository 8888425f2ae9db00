import pandas as pd
import pytest

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
