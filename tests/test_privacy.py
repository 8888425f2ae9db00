"""Tests for segkit.privacy: keyed pseudonyms, key handling, validation and masking."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.privacy import (
    KEY_ENV,
    PII_KINDS,
    MaskingFilter,
    assert_outside,
    default_key_path,
    install_log_masking,
    is_valid_id_number,
    is_valid_phone,
    load_key,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    normalise_pii,
    pseudonymise,
    pseudonymise_frame,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=60)
FW = str.maketrans("0123456789+-xX ", "０１２３４５６７８９＋－ｘＸ\u3000")  # full-width
PHONE_VARIANTS = [
    lambda p: p,
    lambda p: f"+86 {p[:3]}-{p[3:7]}-{p[7:]}",
    lambda p: f"0086{p}",
    lambda p: f"86-{p}",
    lambda p: f"(+86) {p[:3]}.{p[3:7]}.{p[7:]}",
    lambda p: f" {p[:3]} {p[3:7]} {p[7:]} ",
    lambda p: f"+86 {p[:3]}-{p[3:7]}-{p[7:]}".translate(FW),
]


def gb11643_check(first17: str) -> str:
    """Independent GB 11643-1999 check character (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


def with_check(first17: str) -> str:
    return first17 + gb11643_check(first17)


phones = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)


# --- pseudonymise -------------------------------------------------------------------------


def test_hmac_matches_independent_computation() -> None:
    out = pseudonymise(pd.Series(["+86 138-0013-8000"]), KEY, kind="phone")
    expected = hmac.new(KEY, b"phone\x1f13800138000", hashlib.sha256).hexdigest()[:16]
    assert out.iloc[0] == "P" + expected


@pytest.mark.parametrize("key", [bytes(32), b"k" * 64, b"long key " * 20])  # > block size
def test_hmac_matches_for_other_key_lengths(key: bytes) -> None:
    out = pseudonymise(pd.Series(["  Zhang.San@Example.COM "]), key, kind="email", prefix="E")
    digest = hmac.new(key, b"email\x1fzhang.san@example.com", hashlib.sha256)
    assert out.iloc[0] == "E" + digest.hexdigest()[:16]


def test_name_hashing_uses_utf8_of_the_normalised_name() -> None:
    out = pseudonymise(pd.Series(["  欧阳　娜娜 "]), KEY, kind="name")
    digest = hmac.new(KEY, "name\x1f欧阳 娜娜".encode(), hashlib.sha256).hexdigest()
    assert out.iloc[0] == "P" + digest[:16]


def test_different_keys_give_different_pseudonyms() -> None:
    s = pd.Series([PHONE, "13900139000"])
    a, b = pseudonymise(s, KEY, kind="phone"), pseudonymise(s, OTHER_KEY, kind="phone")
    assert not (a == b).any()


def test_kind_is_part_of_the_hash() -> None:
    s = pd.Series(["13800138000"])
    assert pseudonymise(s, KEY, kind="phone").iloc[0] != pseudonymise(s, KEY, kind="name").iloc[0]


def test_phone_variants_merge_to_one_pseudonym() -> None:
    raw = [f(PHONE) for f in PHONE_VARIANTS]
    out = pseudonymise(
        pd.Series([*raw, 13800138000, 13800138000.0], dtype=object), KEY, kind="phone"
    )
    assert out.nunique() == 1
    numeric = pd.Series([13800138000.0, np.nan])  # a CSV phone column with a gap
    assert pseudonymise(numeric, KEY, kind="phone").iloc[0] == out.iloc[0]


def test_missing_values_stay_missing_and_index_name_dtype_are_kept() -> None:
    s = pd.Series([None, np.nan, pd.NA, "", "   ", PHONE], index=[5, 4, 3, 2, 1, 0], name="手机")
    out = pseudonymise(s, KEY, kind="phone")
    assert out.isna().tolist() == [True] * 5 + [False]
    assert all(v is pd.NA for v in out.iloc[:5])
    assert out.index.equals(s.index) and out.name == "手机"
    assert isinstance(out.dtype, pd.StringDtype) and out.dtype.na_value is pd.NA
    assert re.fullmatch(r"P[0-9a-f]{16}", out.iloc[5])


def test_string_dtype_input_and_empty_series() -> None:
    s = pd.Series([PHONE, None], dtype="string")
    assert pseudonymise(s, KEY, kind="phone").isna().tolist() == [False, True]
    empty = pseudonymise(pd.Series([], dtype=object), KEY, kind="phone")
    assert len(empty) == 0 and isinstance(empty.dtype, pd.StringDtype)


def test_bad_kind_and_short_key_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown PII kind"):
        pseudonymise(pd.Series([PHONE]), KEY, kind="mobile")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        pseudonymise(pd.Series([PHONE]), b"short", kind="phone")


def test_pseudonymise_frame_returns_new_frame_and_leaves_input_untouched() -> None:
    df = pd.DataFrame(
        {"客户": ["张三", "李四"], "手机": ["+86 138-0013-8000", None], "金额": [1234.5, 8.0]},
        index=["a", "b"],
    )
    before = df.copy(deep=True)
    out = pseudonymise_frame(df, KEY, {"客户": "name", "手机": "phone"})
    pd.testing.assert_frame_equal(df, before)
    assert out is not df and out.columns.tolist() == df.columns.tolist()
    assert out.index.equals(df.index)
    pd.testing.assert_series_equal(out["金额"], df["金额"])
    assert out.loc["a", "手机"] == pseudonymise(pd.Series([PHONE]), KEY, kind="phone").iloc[0]
    assert pd.isna(out.loc["b", "手机"])
    assert not out[["客户", "手机"]].isin(["张三", "李四", "+86 138-0013-8000"]).any().any()
    with pytest.raises(KeyError, match="电话"):
        pseudonymise_frame(df, KEY, {"电话": "phone"})


# --- keys ---------------------------------------------------------------------------------


def test_key_file_is_created_0600_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "deep" / "dir" / "pseudonym.key"
    monkeypatch.setenv("SEGKIT_KEY_FILE", str(path))
    key = load_key()
    assert len(key) == 32 and path.read_text().strip() == key.hex()
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    assert load_key() == key and load_key(path, create=False) == key


def test_env_key_wins_and_no_file_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    env_key = bytes(range(100, 140))
    monkeypatch.setenv(KEY_ENV, env_key.hex())
    path = tmp_path / "k.key"
    assert load_key(path) == env_key
    assert not path.exists()


def test_missing_key_without_create(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=KEY_ENV):
        load_key(tmp_path / "none.key", create=False)
    assert not (tmp_path / "none.key").exists()


@pytest.mark.parametrize("secret", ["zz" + "ab" * 40, "c0ffee" * 5, "  " + "12" * 31 + "  "])
def test_bad_env_key_error_does_not_reveal_it(monkeypatch: pytest.MonkeyPatch, secret: str):
    monkeypatch.setenv(KEY_ENV, secret)
    with pytest.raises(ValueError) as info:
        load_key()
    text = f"{info.value} {info.value!r} {info.value.__cause__!r} {info.value.__context__!r}"
    assert KEY_ENV in str(info.value)
    assert secret.strip() not in text and secret.strip()[:12] not in text


def test_bad_key_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    path.write_text("not-hex-secret-material\n")
    with pytest.raises(ValueError, match="not a hex string") as info:
        load_key(path)
    assert "secret-material" not in str(info.value)
    assert path.read_text() == "not-hex-secret-material\n"


def test_default_key_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGKIT_KEY_FILE", str(tmp_path / "explicit.key"))
    assert default_key_path() == tmp_path / "explicit.key"
    monkeypatch.delenv("SEGKIT_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_key_path() == tmp_path / "xdg" / "segkit" / "pseudonym.key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_key_path() == Path.home() / ".config" / "segkit" / "pseudonym.key"
    assert default_key_path().is_relative_to(tmp_path)


def test_assert_outside(tmp_path: Path) -> None:
    out, keys = tmp_path / "reports", tmp_path / "keys"
    assert_outside(keys / "k.key", out, tmp_path / "data")
    assert_outside(tmp_path / "reports-old" / "k.key", out)  # a sibling, not inside
    with pytest.raises(ValueError, match="inside output directory"):
        assert_outside(out / "sub" / "k.key", tmp_path / "data", out)
    with pytest.raises(ValueError, match="inside output directory"):
        assert_outside(keys / ".." / "reports" / "k.key", out)  # resolved first


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


# --- properties ---------------------------------------------------------------------------


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_pseudonyms_deterministic_and_collision_free_on_1000_phones(seed: int) -> None:
    rng = np.random.default_rng(seed)
    numbers = rng.choice(7 * 10**9, size=1000, replace=False) + 13 * 10**9
    s = pd.Series([str(n) for n in numbers])
    out = pseudonymise(s, KEY, kind="phone")
    assert out.nunique() == 1000 and out.notna().all()
    pd.testing.assert_series_equal(pseudonymise(s, KEY, kind="phone"), out)
    order = rng.permutation(1000)
    shuffled = pseudonymise(s.iloc[order], KEY, kind="phone")
    pd.testing.assert_series_equal(shuffled, out.iloc[order])


@PROPERTY
@given(phones, st.sampled_from(PHONE_VARIANTS))
def test_phone_variant_invariance(phone: str, variant) -> None:
    written = variant(phone)
    out = pseudonymise(pd.Series([phone, written]), KEY, kind="phone")
    assert out.iloc[0] == out.iloc[1]
    assert is_valid_phone(written) and normalise_pii(written, "phone") == phone
    assert mask_phone(written) == f"{phone[:3]}****{phone[7:]}"


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


@settings(PROPERTY, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PII_KINDS), st.text(max_size=20))
def test_normalise_pii_is_idempotent(kind: str, value: str) -> None:
    once = normalise_pii(value, kind)
    assert normalise_pii(once, kind) == once


# --- issue 14: personal data hidden in values, labels, column and file names ---------------

from segkit.privacy import (  # noqa: E402
    looks_like_name,
    looks_personal,
    mask_frame_text,
    neutral_labels,
    pii_kind,
    pseudonymise_ids,
    safe_label,
)


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


def test_neutral_labels_rank_personal_and_rare_levels() -> None:
    counts = pd.Series({"服装": 120, "13900139000": 40, "李莫愁": 160, "稀罕货": 1, "美妆": 50})
    labels = neutral_labels(counts, "category", min_customers=5)
    # ranks by customers: 李莫愁 1, 服装 2, 美妆 3, 13900139000 4, 稀罕货 5
    assert labels == {"李莫愁": "category_01", "13900139000": "category_04",
                      "稀罕货": "category_05"}  # fmt: skip
    assert neutral_labels(counts, "category") == {
        "李莫愁": "category_01", "13900139000": "category_04"}  # fmt: skip


def test_profile_never_names_a_feature_after_personal_data() -> None:
    from segkit.clean.checks import clean
    from segkit.collect.sources import collect_frame
    from segkit.config import ColumnMap
    from segkit.profile import build_profile

    tx = pd.DataFrame(
        {"cid": ["C1", "C1", "C2", "C3"], "oid": ["O1", "O2", "O3", "O4"],
         "day": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
         "amt": ["10", "20", "30", "40"],
         "cat": ["服装", "13900139000", "李莫愁", "a@b.cn"]}
    )  # fmt: skip
    cols = ColumnMap(customer_id="cid", order_id="oid", date="day", amount="amt", category="cat")
    prof = build_profile(clean(collect_frame(tx, cols), as_of="2024-01-05"))
    shares = sorted(c for c in prof.columns if c.startswith("share_category"))
    assert "share_category_服装" in shares
    assert not [c for c in shares if looks_personal(c.removeprefix("share_category_"))]
    assert len(shares) == 5  # 服装, three neutral ranks, _other
    assert prof[shares].sum(axis=1).round(9).eq(1).all()  # the shares are all still there


def test_clean_quarantine_masks_raw_values_and_file_names() -> None:
    from segkit.clean.checks import clean
    from segkit.collect.sources import collect_frame
    from segkit.config import ColumnMap

    tx = pd.DataFrame(
        {"cid": ["C1", "C2", "C3", "C4"], "oid": ["O1", "O2", "O3", "O4"],
         "day": ["2024-01-01", "11010519491231002X", "2024-01-02", "2024-01-03"],
         "amt": ["10", "20", "138-0013-8000", "a.b@example.com"]}
    )  # fmt: skip
    cols = ColumnMap(customer_id="cid", order_id="oid", date="day", amount="amt")
    q = clean(collect_frame(tx, cols), as_of="2024-01-05").quarantine
    assert len(q) >= 3
    text = q.to_csv()
    for secret in ("11010519491231002X", "13800138000", "a.b@example.com"):
        assert secret not in text
    assert "110*************2X" in text and "138****8000" in text
    masked = mask_frame_text(
        pd.DataFrame({"source_file": ["orders_13700137000.csv"]}), ["source_file"]
    )
    assert masked.loc[0, "source_file"] == "orders_137****7000.csv"


def test_ids_that_are_personal_data_get_one_pseudonym_per_person() -> None:
    ids = pd.Series(["+8613600136001", "136 0013 6001", "11010519491231002X", "x@y.cn", "C7"])
    out, n = pseudonymise_ids(ids, KEY)
    assert n == 4 and out[0] == out[1] and out[4] == "C7"
    assert out[:4].str.fullmatch(r"C[0-9a-f]{16}").all()
    assert [pii_kind(v) for v in ids] == ["phone", "phone", "id_number", "email", None]
    assert pseudonymise_ids(ids, OTHER_KEY)[0][0] != out[0]  # keyed


def test_survey_header_and_failing_value_never_reach_a_message(tmp_path: Path) -> None:
    from segkit.errors import InputError
    from segkit.workflow.customers import integrate_sides, survey_item_names

    assert survey_item_names(["customer_id", "q1", "回访_13800138000", "王小明"]) == {
        "q1": "q1", "回访_13800138000": "survey_item_02", "王小明": "survey_item_03"}  # fmt: skip
    profile = pd.DataFrame({"customer_id": ["C1", "C2"], "monetary": [1.0, 2.0]})
    survey = tmp_path / "回访_13800138000.csv"
    survey.write_text("customer_id,回访_13800138000\nC1,4\nC2,张无忌\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        integrate_sides(profile, None, survey, key=KEY)
    message = str(err.value)
    assert "张无忌" not in message and "13800138000" not in message, message
    assert err.value.code == "NOT_NUMERIC" and err.value.row == 3
    assert "survey_item_01" in message and "138****8000" in message  # file, masked


def test_undeclared_master_columns_are_dropped(tmp_path: Path) -> None:
    from segkit.workflow.customers import MASTER_ATTRIBUTES, integrate_sides

    master = tmp_path / "crm.csv"
    master.write_text(
        "id,姓名,地址,备用邮箱,紧急联系人,age,渠道\n"
        "13600136001,张三,金丝雀路1号,s@x.cn,欧阳锋,30,web\n",
        encoding="utf-8",
    )
    ids = pseudonymise_ids(pd.Series(["13600136001"]), KEY)[0]  # as step 1 writes them
    profile = pd.DataFrame({"customer_id": ids, "monetary": [1.0]})
    joined, _ = integrate_sides(
        profile, master, None, key=KEY, pii={"姓名": "name"}, id_column="id",
        source_column="渠道", keep_columns=MASTER_ATTRIBUTES,
    )  # fmt: skip
    table = joined.table
    assert set(table.columns) == {"customer_id", "monetary", "姓名", "age", "acquisition_channel"}
    assert joined.dropped_columns == ["地址", "备用邮箱", "紧急联系人"]
    assert table.loc[0, "姓名"].startswith("P") and table.loc[0, "customer_id"].startswith("C")
    assert joined.summary().set_index("check").loc["master_columns_dropped_unused", "ids"] == 3


def test_safe_label_and_errors_mask_file_names() -> None:
    from segkit.errors import InputError

    assert safe_label("回访_13800138000") == "回访_138****8000"
    assert safe_label("李莫愁", "survey_item_01") == "survey_item_01"
    err = InputError("bad", file="/x/orders_13700137000.csv", column="cat", code="X")
    assert "13700137000" not in str(err) and "orders_137****7000.csv" in str(err)


def test_csv_guard_is_undone_where_segkit_reads_its_own_csv(tmp_path: Path) -> None:
    from segkit.outputs.tables import write_table
    from segkit.workflow.artefacts import RunFolder

    frame = pd.DataFrame(
        {"customer_id": ["+8613800138001", "=1+1", "'=x", "C1"], "v": [1.0, -2.0, 3.0, 4.0]}
    )
    run = RunFolder(tmp_path)
    path = run.write_frame("quality", frame)
    raw = path.read_text(encoding="utf-8-sig")
    assert '"\'+8613800138001"' in raw and '"\'=1+1"' in raw  # guarded for spreadsheets
    back = run.read_frame("quality")
    assert back["customer_id"].tolist() == frame["customer_id"].tolist()
    assert back["v"].tolist() == [1.0, -2.0, 3.0, 4.0]
    write_table(frame, tmp_path / "p.parquet")  # Parquet is never escaped
    assert pd.read_parquet(tmp_path / "p.parquet")["customer_id"][0] == "+8613800138001"
