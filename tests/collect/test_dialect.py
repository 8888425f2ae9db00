"""Header matching (segkit.collect.dialect): what makes two headers the same column."""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit.collect.dialect import match_columns
from segkit.collect.side_tables import read_table
from segkit.errors import InputError

F = Path("t.csv")


def test_headers_that_differ_only_by_case_are_two_columns(tmp_path: Path) -> None:
    # FactoMineR's tea survey (../shared/data/surveys/tea.csv) has both "How" and "how"
    path = tmp_path / "tea.csv"
    path.write_text("respondent,How,how,age\n1,alone,tea bag,39\n2,lemon,unpackaged,45\n")
    table = read_table(path)
    assert table[["How", "how"]].values.tolist() == [["alone", "tea bag"], ["lemon", "unpackaged"]]


def test_exact_and_case_insensitive_matches() -> None:
    header = ["How", "how", "Amount", "客户\u3000编号"]
    got = match_columns(
        header, {"a": "how", "b": "AMOUNT", "c": "客户编号"}, file=F, case_counts=True
    )
    assert got == {"a": "how", "b": "Amount", "c": "客户\u3000编号"}


def test_a_name_that_matches_two_columns_ignoring_case_is_refused() -> None:
    with pytest.raises(InputError) as err:
        match_columns(["How", "how"], {"channel": "HOW"}, file=F, case_counts=True)
    assert err.value.code == "AMBIGUOUS_COLUMN" and err.value.column == "HOW"


def test_the_same_header_twice_is_still_refused() -> None:
    with pytest.raises(InputError) as err:
        match_columns(["金额", "金额\u200b"], {}, file=F, case_counts=True)
    assert err.value.code == "DUPLICATE_HEADER"
    # a transaction source goes to DuckDB, whose column names ignore case
    with pytest.raises(InputError) as err:
        match_columns(["How", "how"], {}, file=F)
    assert err.value.code == "DUPLICATE_HEADER"
