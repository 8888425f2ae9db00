"""segkit.privacy.pseudonyms: keyed HMAC pseudonyms, the key, customer ids that are personal."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segkit.privacy import (
    KEY_ENV,
    assert_outside,
    default_key_path,
    is_valid_phone,
    load_key,
    mask_phone,
    normalise_pii,
    pii_kind,
    pseudonymise,
    pseudonymise_frame,
    pseudonymise_ids,
)
from tests.privacy.values import (
    KEY,
    OTHER_KEY,
    PHONE,
    PHONE_VARIANTS,
    PROPERTY,
    phones,
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


def test_ids_that_are_personal_data_get_one_pseudonym_per_person() -> None:
    ids = pd.Series(["+8613600136001", "136 0013 6001", "11010519491231002X", "x@y.cn", "C7"])
    out, n = pseudonymise_ids(ids, KEY)
    assert n == 4 and out[0] == out[1] and out[4] == "C7"
    assert out[:4].str.fullmatch(r"C[0-9a-f]{16}").all()
    assert [pii_kind(v) for v in ids] == ["phone", "phone", "id_number", "email", None]
    assert pseudonymise_ids(ids, OTHER_KEY)[0][0] != out[0]  # keyed
