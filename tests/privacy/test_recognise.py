"""segkit.privacy.recognise: canonical forms, valid mobiles and ID numbers, looks_personal."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.privacy import (
    PII_KINDS,
    is_valid_id_number,
    is_valid_phone,
    looks_like_name,
    looks_personal,
    normalise_pii,
)
from tests.privacy.values import (
    FW,
    ID_NUMBER,
    PHONE,
    PHONE_VARIANTS,
    PROPERTY,
    gb11643_check,
    with_check,
)

# --- normalisation and validation ---------------------------------------------------------


def test_normalise_pii_examples() -> None:
    assert normalise_pii("＋８６　１３８－００１３－８０００", "phone") == PHONE
    assert normalise_pii("（0086）138.0013.8000", "phone") == PHONE
    assert normalise_pii("+86 10 1234 5678", "phone") == "+861012345678"  # landline kept
    assert normalise_pii(" １１０１０５ １９４９１２３１００２ｘ ", "id_number") == ID_NUMBER
    assert normalise_pii(" 欧阳\u3000 娜娜\n", "name") == "欧阳 娜娜"
    assert normalise_pii(" Zhang.San@Example.COM ", "email") == "zhang.san@example.com"
    with pytest.raises(ValueError, match="unknown PII kind"):
        normalise_pii("x", "passport")
    with pytest.raises(TypeError):
        normalise_pii(13800138000, "phone")  # type: ignore[arg-type]


def test_is_valid_phone() -> None:
    for f in PHONE_VARIANTS:
        assert is_valid_phone(f(PHONE))
    for bad in ["12800138000", "1380013800", "138001380001", "010-12345678", "", "abc"]:
        assert not is_valid_phone(bad)
    assert not is_valid_phone(None)  # type: ignore[arg-type]


def test_is_valid_id_number_known_id_and_one_digit_changes() -> None:
    assert gb11643_check(ID_NUMBER[:17]) == "X"  # hand-checked fixture
    assert is_valid_id_number(ID_NUMBER)
    assert is_valid_id_number(ID_NUMBER.lower()) and is_valid_id_number(ID_NUMBER.translate(FW))
    assert not is_valid_id_number("11010519491231003X")  # one digit changed
    for i in range(17):  # MOD 11-2 catches every single-digit substitution
        for d in "0123456789":
            if d != ID_NUMBER[i]:
                assert not is_valid_id_number(ID_NUMBER[:i] + d + ID_NUMBER[i + 1 : 17] + "X")


def test_is_valid_id_number_birth_date_and_shape() -> None:
    this_year = date.today().year
    assert is_valid_id_number(with_check("11010520000229123"))  # leap day
    assert not is_valid_id_number(with_check("11010519490231002"))  # 31 Feb
    assert not is_valid_id_number(with_check("11010518991231002"))  # before 1900
    assert not is_valid_id_number(with_check(f"110105{this_year + 1}0101002"))
    assert not is_valid_id_number(with_check("11010519491331002"))  # month 13
    for bad in ["110105194912310", ID_NUMBER[:17], ID_NUMBER + "0", "1101051949123100XX", ""]:
        assert not is_valid_id_number(bad)
    assert not is_valid_id_number(None)  # type: ignore[arg-type]


@settings(PROPERTY, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PII_KINDS), st.text(max_size=20))
def test_normalise_pii_is_idempotent(kind: str, value: str) -> None:
    once = normalise_pii(value, kind)
    assert normalise_pii(once, kind) == once


def test_looks_personal_catches_every_route_of_the_issue() -> None:
    personal = ["13900139000", "+8613800138001", "回访_13800138000", "11010519491231002X",
                "a.b@example.com", "李莫愁", "欧阳娜娜", "金丝雀", "Canaryname Zed",
                "orders_137 0013 7000.csv"]  # fmt: skip
    ordinary = ["服装", "美妆", "数码", "家居", "食品", "母婴", "运动", "online", "offline",
                "app", "满意度", "q1", "recency_days", "share_category__other", "2024-12-31",
                "O0000001234", "12345.50", "数码产品", "category_07"]  # fmt: skip
    assert [v for v in personal if not looks_personal(v)] == []
    assert [v for v in ordinary if looks_personal(v)] == []
    assert looks_like_name("李") is False and looks_like_name("张三丰四五") is False
