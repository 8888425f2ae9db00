"""Issue 14: personal data hidden in values, labels, column and file names does not
reach a feature name, a quarantine, a message or a CSV read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit.privacy import (
    looks_personal,
    mask_frame_text,
    pseudonymise_ids,
)
from tests.privacy.values import (
    KEY,
)


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
