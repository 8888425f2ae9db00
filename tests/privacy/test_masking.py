"""segkit.privacy.masking: text, logs, tables and labels never show personal data."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segkit.privacy import (
    MaskingFilter,
    install_log_masking,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    neutral_labels,
    safe_label,
)
from tests.privacy.values import (
    ID_NUMBER,
    PHONE,
    PHONE_VARIANTS,
    PROPERTY,
    phones,
)

# --- masking ------------------------------------------------------------------------------


def test_masks() -> None:
    assert mask_phone(PHONE) == "138****8000"
    assert mask_phone("+86 138-0013-8000") == "138****8000"
    assert mask_id_number(ID_NUMBER) == "110*************2X"
    assert mask_id_number("110105491231002") == "110**********02"
    assert mask_phone("1234567890") == "**********" and mask_id_number("12345") == "*****"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("John Smith") == "J*** S****"
    assert mask_name(" John   Smith ") == "J*** S****"
    assert mask_name("李") == "*" and mask_name("") == ""


def test_mask_text_scrubs_phone_id_email_but_not_amounts_dates_orders() -> None:
    line = (
        "客户 张三 手机 +86 138-0013-8000 身份证 11010519491231002X 邮箱 zhang.san@example.com "
        "金额 1234.50 订单 O0000001234 日期 20230928"
    )
    out = mask_text(line)
    assert "138****8000" in out and "110*************2X" in out and "z***@example.com" in out
    digits = re.sub(r"\D", "", out)
    assert PHONE not in digits and "1101051949123100" not in digits
    for leaked in ["0013", "19491231", "zhang.san"]:
        assert leaked not in out
    for kept in ["金额 1234.50", "O0000001234", "20230928", "客户 张三"]:
        assert kept in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13800138000，谢谢", "电话138****8000，谢谢"),
        ("１３８００１３８０００", "138****8000"),
        ("＋８６\u3000１３８－００１３－８０００。", "138****8000。"),
        ("call 008613800138000.", "call 138****8000."),
        ("old 110105491231002 id", "old 110**********02 id"),
        ("mail 13800138000@qq.com", "mail 1***@qq.com"),
        ("tel (+86) 138.0013.8000", "tel (+86) 138****8000"),
        ("邮箱zhang@example.cn。", "邮箱z***@example.cn。"),
    ],
)
def test_mask_text_variants(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "213800138000",  # a 12-digit run is not a mobile
        "13800138000123",
        "card 6222021234567890123",
        "amount 13800138000.50 yuan",  # decimals are amounts
        "ts 2023-09-28 13:45:01, rows 1380013",
        "a 110105194912310021234",
    ],
)
def test_mask_text_leaves_longer_runs_and_amounts(text: str) -> None:
    assert mask_text(text) == text


# --- logging ------------------------------------------------------------------------------


@pytest.fixture
def clean_loggers():
    touched: list[logging.Logger] = []
    yield touched.append
    for lg in touched:
        for f in [f for f in lg.filters if isinstance(f, MaskingFilter)]:
            lg.removeFilter(f)


def test_masking_filter_masks_logged_phone(caplog: pytest.LogCaptureFixture, clean_loggers):
    logger = logging.getLogger("segkit.test_privacy.filter")
    clean_loggers(logger)
    install_log_masking(logger)
    install_log_masking(logger)  # idempotent
    assert sum(isinstance(f, MaskingFilter) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("calling %s about order %s", "+86 138-0013-8000", "O0000001234")
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            logger.exception("row %d failed", 7)
    assert PHONE not in caplog.text and "0013" not in caplog.text
    assert ID_NUMBER not in caplog.text and "19491231" not in caplog.text
    assert "138****8000" in caplog.text and "O0000001234" in caplog.text
    assert caplog.records[0].getMessage() == "calling 138****8000 about order O0000001234"
    assert caplog.records[1].getMessage() == "row 7 failed"


def test_install_log_masking_reaches_existing_child_loggers(caplog, clean_loggers):
    parent = logging.getLogger("segkit.test_privacy.parent")
    child = logging.getLogger("segkit.test_privacy.parent.io")
    clean_loggers(parent)
    clean_loggers(child)
    install_log_masking(parent)
    with caplog.at_level(logging.INFO, logger=child.name):
        child.warning("customer %s", PHONE)
    assert PHONE not in caplog.text and "138****8000" in caplog.text


def test_masking_filter_survives_bad_format_args() -> None:
    rec = logging.LogRecord("segkit", logging.INFO, "", 0, "%d %s", (PHONE,), None)
    assert MaskingFilter().filter(rec)
    assert rec.args == () and PHONE not in rec.getMessage()


@PROPERTY
@given(
    phones,
    st.sampled_from(PHONE_VARIANTS),
    st.text(st.characters(exclude_categories=["N", "Cs"]), max_size=12),
    st.text(st.characters(exclude_categories=["N", "Cs"]), max_size=12),
)
def test_mask_text_never_leaks_a_phone(phone: str, variant, before: str, after: str) -> None:
    out = mask_text(before + variant(phone) + after)
    digits = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", out))
    assert phone not in digits and f"{phone[:3]}****{phone[7:]}" in out


numbers_and_words = st.one_of(
    st.integers(0, 10**10 - 1).map(str),  # at most 10 digits: never a mobile
    st.builds(lambda i, c: f"{i}.{c:02d}", st.integers(0, 10**12), st.integers(0, 99)),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
    st.integers(0, 10**10 - 1).map(lambda i: f"O{i:010d}"),
    st.text(st.characters(categories=["L"]), min_size=1, max_size=6),
)


@PROPERTY
@given(st.lists(numbers_and_words, max_size=8))
def test_mask_text_leaves_ordinary_text_alone(parts: list[str]) -> None:
    text = ", ".join(parts)
    assert mask_text(text) == text


def test_neutral_labels_rank_personal_and_rare_levels() -> None:
    counts = pd.Series({"服装": 120, "13900139000": 40, "李莫愁": 160, "稀罕货": 1, "美妆": 50})
    labels = neutral_labels(counts, "category", min_customers=5)
    # ranks by customers: 李莫愁 1, 服装 2, 美妆 3, 13900139000 4, 稀罕货 5
    assert labels == {"李莫愁": "category_01", "13900139000": "category_04",
                      "稀罕货": "category_05"}  # fmt: skip
    assert neutral_labels(counts, "category") == {
        "李莫愁": "category_01", "13900139000": "category_04"}  # fmt: skip


def test_safe_label_and_errors_mask_file_names() -> None:
    from segkit.errors import InputError

    assert safe_label("回访_13800138000") == "回访_138****8000"
    assert safe_label("李莫愁", "survey_item_01") == "survey_item_01"
    err = InputError("bad", file="/x/orders_13700137000.csv", column="cat", code="X")
    assert "13700137000" not in str(err) and "orders_137****7000.csv" in str(err)
