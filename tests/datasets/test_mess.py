"""make_messy_transactions: every kind of mess injected exactly as counted, reproducibly."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from segkit.datasets import DemoData, make_demo, make_messy_transactions


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return make_demo(5000, seed=7)


def _parse_amount(s: str) -> float:
    s = s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    neg = s.startswith("(")
    v = float(re.sub(r"[¥元,()]", "", s))
    return -v if neg else v


def test_messy_counts_exact(demo: DemoData) -> None:
    tx = demo.transactions
    messy, counts = make_messy_transactions(tx, seed=5)
    assert all(pd.api.types.is_string_dtype(messy[c]) for c in messy.columns)
    assert list(messy.columns) == list(tx.columns)
    assert counts["rows_in"] == len(tx) and counts["rows_out"] == len(messy)
    assert len(messy) == len(tx) + counts["duplicates"]
    assert int(messy.duplicated().sum()) == counts["duplicates"] > 0
    dup = messy.duplicated().to_numpy()
    assert messy[dup].reset_index(drop=True).equals(messy[np.roll(dup, -1)].reset_index(drop=True))
    assert int((messy["customer_id"] == "").sum()) == counts["missing_customer_id"] > 0
    amount, when = messy["amount"], messy["order_time"]
    assert int(amount.str.contains("[¥元]").sum()) == counts["yuan_amounts"] > 0
    assert int(amount.str.contains("¥").sum()) > 0 and amount.str.contains(r"\d,\d").any()
    assert int(amount.str.startswith("(").sum()) == counts["paren_negatives"] > 0
    assert int(amount.str.contains("[０-９]").sum()) == counts["fullwidth_amounts"] > 0
    assert int(when.str.contains("年").sum()) == counts["chinese_dates"] > 0
    assert int(when.str.contains("/").sum()) == counts["slash_dates"] > 0
    assert counts["excel_serial_dates"] == 0
    assert when.str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").any()
    assert when.str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}").any()
    # injected kinds are disjoint, so each row carries at most one kind of mess
    kinds = pd.concat(
        [
            amount.str.contains("[¥元(０-９]"),
            when.str.contains("[年/]"),
            messy["customer_id"] == "",
        ],
        axis=1,
    ).sum(axis=1)
    assert kinds.max() == 1
    # values survive the formatting: parse back and compare to the clean log
    clean = messy[~dup].reset_index(drop=True)
    assert np.allclose(clean["amount"].map(_parse_amount), tx["amount"])
    iso = ~when[~dup].str.contains("年").to_numpy()
    parsed = pd.to_datetime(clean.loc[iso, "order_time"].str.replace("/", "-"))
    assert (parsed.to_numpy() == tx.loc[iso, "order_time"].to_numpy()).all()


def test_messy_deterministic(demo: DemoData) -> None:
    a, ca = make_messy_transactions(demo.transactions, seed=1)
    b, cb = make_messy_transactions(demo.transactions, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert ca == cb
