"""write_demo: CSV round trip, the messy GB18030 log with its counts, Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from segkit.datasets import make_demo, write_demo


def test_write_demo_csv_round_trip(tmp_path: Path) -> None:
    small = make_demo(300, seed=11)
    paths = write_demo(small, tmp_path / "csv")
    assert set(paths) == {"customers", "transactions", "survey", "truth"}
    assert all(p.exists() and p.suffix == ".csv" for p in paths.values())
    cust = pd.read_csv(paths["customers"], dtype=str)
    assert cust["customer_id"].iloc[0] == "00000001"
    assert cust["customer_id"].str.fullmatch(r"\d{8}").all()
    assert cust["signup_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    tx = pd.read_csv(paths["transactions"], dtype=str, encoding="utf-8")
    assert tx["order_time"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert tx["customer_id"].str.fullmatch(r"\d{8}").all()
    assert tx["order_id"].equals(small.transactions["order_id"])
    truth = pd.read_csv(paths["truth"], dtype={"customer_id": str})
    assert truth["customer_id"].equals(small.truth["customer_id"])


def test_write_demo_messy_gb18030(tmp_path: Path) -> None:
    small = make_demo(600, seed=12)
    paths = write_demo(small, tmp_path, messy=True)
    raw = paths["transactions"].read_bytes()
    text = raw.decode("gb18030", errors="strict")
    assert "年" in text and "¥" in text
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    paths["customers"].read_bytes().decode("utf-8")  # the other files stay UTF-8
    counts = json.loads(paths["injected"].read_text(encoding="utf-8"))
    back = pd.read_csv(paths["transactions"], dtype=str, encoding="gb18030", keep_default_na=False)
    assert len(back) == counts["rows_out"]
    assert int(back.duplicated().sum()) == counts["duplicates"]
    assert int((back["customer_id"] == "").sum()) == counts["missing_customer_id"]
    assert back["customer_id"].str.fullmatch(r"\d{8}|").all()


def test_write_demo_parquet(tmp_path: Path) -> None:
    small = make_demo(200, seed=13)
    paths = write_demo(small, tmp_path, fmt="parquet")
    for name in ("customers", "transactions", "survey", "truth"):
        back = pd.read_parquet(paths[name])
        pd.testing.assert_frame_equal(back, getattr(small, name), check_dtype=False)
    with pytest.raises(ValueError):
        write_demo(small, tmp_path, fmt="xlsx")  # type: ignore[arg-type]
