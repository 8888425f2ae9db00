"""segkit.collect.identity through the real step: a customer master joined onto the profile
(:func:`segkit.workflow.customers.integrate_sides`) has its phones and ID numbers checked
before they are pseudonymised; invalid ones and one person under two ids are flagged in the
quarantine and counted in the integration summary, never merged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segkit.collect.identity import master_identity
from segkit.workflow.customers import integrate_sides

MASTER = (
    "客户编号,手机,身份证号,城市\n"
    "00001,+86 138-0013-8000,11010519491231002X,上海\n"
    "00002,13800138000,,北京\n"  # the same phone as 00001: one person, two keys
    "00003,12345678901,110105194912310021,广州\n"  # invalid phone and check digit
)


def test_master_identity_flags_are_quarantined_and_nothing_is_merged(tmp_path: Path) -> None:
    path = tmp_path / "master.csv"
    path.write_text(MASTER, encoding="utf-8")
    profile = pd.DataFrame({"customer_id": ["00001", "00002", "00003"], "monetary": [1.0, 2, 3]})
    joined, quarantine = integrate_sides(
        profile,
        path,
        None,
        key=bytes(range(32)),
        pii={"手机": "phone", "身份证号": "id_number"},
        id_column="客户编号",
    )
    got = quarantine[["source_row", "column", "reason_code", "action"]].values.tolist()
    assert got == [
        [4, "手机", "INVALID_PHONE", "flagged"],
        [4, "身份证号", "INVALID_ID_NUMBER", "flagged"],
        [3, "手机", "SAME_PERSON", "flagged"],
    ]
    same = quarantine[quarantine["reason_code"] == "SAME_PERSON"].iloc[0]
    assert (same["raw_value"], same["source_file"]) == ("00002", "master.csv")
    assert "00001" in same["detail"] and "not merged" in same["detail"]
    text = quarantine.to_csv()  # only masked personal data reaches the quarantine
    assert "12345678901" not in text and "13800138000" not in text
    assert joined.table["customer_id"].tolist() == ["00001", "00002", "00003"]  # not merged
    assert joined.table["手机"].str.startswith("P").all()  # pseudonymised after the checks
    counts = joined.summary().set_index("check")["ids"].to_dict()
    assert counts["master_same_person_not_merged"] == 1


def test_a_master_without_contact_columns_has_no_flags() -> None:
    master = pd.DataFrame({"source_row": [2, 3], "customer_id": ["A", "B"], "city": ["x", "y"]})
    flags, merges = master_identity(master, {})
    assert flags.empty and merges.empty
    assert list(flags.columns)[:3] == ["source_file", "source_row", "column"]
