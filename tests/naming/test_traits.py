"""segkit.naming.traits: which columns may name a segment, and the effect sizes that rank them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.naming import code_columns, code_like_level, code_like_name, trait_table
from segkit.validate.describe import profile_segments


@pytest.mark.parametrize(
    "name",
    ["customer_id", "CUST_ID", "CustomerID", "会员ID", "store_code", "member_no", "会员编号",
     "card_number", "SKU", "订单号码"],
)  # fmt: skip
def test_identifier_and_code_names(name: str) -> None:
    assert code_like_name(name) and code_like_name(name, numeric=True)


@pytest.mark.parametrize("name", ["Channel", "Region", "sales_region", "渠道", "store", "gender"])
def test_a_numeric_category_column_holds_codes(name: str) -> None:
    # UCI Wholesale customers: Channel 1/2, Region 1/2/3 — the mean of a code is no trait
    assert code_like_name(name, numeric=True)
    assert not code_like_name(name)  # as text its levels are real categories ("channel=线上")


@pytest.mark.parametrize(
    "name",
    ["fresh", "grocery", "Detergents_Paper", "BALANCE", "PURCHASES_TRX", "paid_amount",
     "avg_order_value", "share_channel_online", "share_category_服装", "f_price", "q2",
     "满意度", "frequency", "valid_orders"],
)  # fmt: skip
def test_ordinary_columns_are_not_codes(name: str) -> None:
    assert not code_like_name(name, numeric=True)


def test_code_levels() -> None:
    assert code_like_level("2") and code_like_level("03") and code_like_level(" 17-4 ")
    assert not code_like_level("线上") and not code_like_level("A") and not code_like_level("VIP")


def test_code_columns_by_name_values_and_declaration() -> None:
    rng = np.random.default_rng(3)
    n = 40
    frame = pd.DataFrame(
        {
            "row": rng.permutation(np.arange(1001, 1001 + n)),  # distinct, dense: a number
            "Region": rng.integers(1, 4, n),
            "fresh": rng.integers(100, 90_000, n),  # integers, but spend: a sparse range
            "visits": rng.integers(1, 6, n),  # few levels, repeated: a count
            "ref": np.arange(n) * 7,  # declared
        }
    )
    assert code_columns(frame, declared=["ref"]) == ["ref", "row", "Region"]


def test_traits_are_ranked_by_cohens_d_from_the_profile() -> None:
    # Segment 1: spend 10, 20, 30; segment 2: 40, 50, 60, 70 (tests/validate/test_describe.py).
    # Cohen (1988, §2.2): d = (20 − 55) / s_pooled, s_pooled² = (200 + 500) / 5 = 140,
    # so d = −35 / 11.8322 = −2.958 for segment 1 and +2.958 for segment 2.
    frame = pd.DataFrame({"spend": [10.0, 20, 30, 40, 50, 60, 70], "store_code": [1] * 3 + [9] * 4})
    traits = trait_table(profile_segments(frame, [1, 1, 1, 2, 2, 2, 2]))
    assert traits["variable"].tolist() == ["spend", "spend"]  # the code column is not a trait
    one = traits.set_index("segment").loc[1]
    assert one["effect"] == pytest.approx(-2.958, abs=1e-3)
    assert one["side"] == "low" and one["measure"] == "cohen_d" and bool(one["main"])
