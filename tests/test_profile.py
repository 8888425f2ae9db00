"""profile: every measure checked against a hand-computed fixture."""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.clean.checks import clean
from segkit.collect import collect_frame
from segkit.config import CleanPolicy, ColumnMap
from segkit.profile import CORE_FEATURES, build_profile

COLS = ColumnMap(customer_id="c", date="d", amount="a", order_id="o", channel="ch", category="cat")

# customer A: orders O1 (2 lines) on Jan 1, O2 on Jan 11, O3 on Mar 1, return of O2 on Mar 5
# customer B: a single order on Feb 20
ROWS = [
    ("O1", "A", "2024-01-01 09:00", 60.0, "online", "服装"),
    ("O1", "A", "2024-01-01 09:00", 40.0, "online", "美妆"),
    ("O2", "A", "2024-01-11 10:00", 50.0, "offline", "服装"),
    ("O3", "A", "2024-03-01 12:00", 50.0, "online", "服装"),
    ("O2-R", "A", "2024-03-05 12:00", -20.0, "offline", "服装"),
    ("O9", "B", "2024-02-20 08:00", 30.0, "offline", "数码"),
]


@pytest.fixture(scope="module")
def prof() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["o", "c", "d", "a", "ch", "cat"])
    res = clean(collect_frame(frame, COLS), as_of="2024-03-31", policy=CleanPolicy(outliers="none"))
    return build_profile(res, window_start="2024-01-01").set_index("customer_id")


def test_rfm_and_tenure(prof: pd.DataFrame) -> None:
    a, b = prof.loc["A"], prof.loc["B"]
    assert a.recency_days == 30  # Mar 1 -> Mar 31
    assert a.frequency == 3  # O1, O2, O3; the return line is not a purchase
    assert a.monetary == pytest.approx(180.0)  # 200 - 20
    assert a.tenure_days == 90  # Jan 1 -> Mar 31 (2024 is a leap year)
    assert (b.recency_days, b.frequency, b.monetary, b.tenure_days) == (40, 1, 30.0, 40)


def test_value_measures(prof: pd.DataFrame) -> None:
    a = prof.loc["A"]
    assert a.gross_sales == pytest.approx(200.0)
    assert a.returns_value == pytest.approx(20.0)
    assert a.return_rate == pytest.approx(0.1)
    assert a.avg_order_value == pytest.approx(200.0 / 3)
    assert a.active_months == 2  # Jan and Mar
    assert a.purchase_days == 3


def test_intervals(prof: pd.DataFrame) -> None:
    a = prof.loc["A"]
    # purchase dates Jan 1, Jan 11, Mar 1: gaps 10 and 50 days
    assert a.interval_mean_days == pytest.approx(30.0)
    assert a.interval_median_days == pytest.approx(30.0)
    assert a.interval_std_days == pytest.approx(28.2842712, rel=1e-6)
    assert pd.isna(prof.loc["B", "interval_mean_days"])


def test_half_windows(prof: pd.DataFrame) -> None:
    # window Jan 1 .. Mar 31 (90 days), midpoint Feb 15
    a, b = prof.loc["A"], prof.loc["B"]
    assert (a.orders_h1, a.orders_h2) == (2, 1)
    assert a.monetary_h1 == pytest.approx(150.0)
    assert a.monetary_h2 == pytest.approx(30.0)  # 50 - 20
    assert (b.orders_h1, b.orders_h2) == (0, 1)


def test_shares(prof: pd.DataFrame) -> None:
    a = prof.loc["A"]
    assert a.share_channel_online == pytest.approx(150 / 200)
    assert a.share_channel_offline == pytest.approx(50 / 200)
    assert a.share_category_服装 == pytest.approx(160 / 200)
    assert a.share_category_美妆 == pytest.approx(40 / 200)
    assert prof.loc["B", "share_category_数码"] == pytest.approx(1.0)
    shares = prof.filter(like="share_category_").sum(axis=1)
    assert shares.round(12).tolist() == [1.0, 1.0]


def test_core_features_only() -> None:
    frame = pd.DataFrame(ROWS, columns=["o", "c", "d", "a", "ch", "cat"])
    res = clean(collect_frame(frame, COLS), as_of="2024-03-31")
    core = build_profile(res, features="core")
    assert tuple(core.columns) == CORE_FEATURES
    assert core["monetary"].tolist() == [180.0, 30.0]


def test_share_levels_capped_with_other() -> None:
    rows = [(f"O{i}", "A", "2024-01-01", 10.0, "x", f"cat{i}") for i in range(5)]
    frame = pd.DataFrame(rows, columns=["o", "c", "d", "a", "ch", "cat"])
    res = clean(collect_frame(frame, COLS), as_of="2024-01-31")
    p = build_profile(res, max_levels=2)
    cats = [c for c in p.columns if c.startswith("share_category_")]
    assert len(cats) == 3 and "share_category__other" in cats
    assert p[cats].sum(axis=1).iloc[0] == pytest.approx(1.0)
    assert p["share_category__other"].iloc[0] == pytest.approx(0.6)


@pytest.mark.parametrize("features", ["core", "full"])
@pytest.mark.parametrize("with_order", [True, False])
def test_returns_only_customer_is_listed_not_lost(features: str, with_order: bool) -> None:
    """Issue 12: a customer whose one line is a −56 refund is counted and listed."""
    from segkit.profile import excluded_customers

    tx = pd.DataFrame(
        {
            "c": ["a", "a", "r"],
            "o": ["O1", "O2", "O3-R"],
            "d": ["2024-01-01", "2024-01-11", "2024-01-05"],
            "amt": [10.0, 30.0, -56.0],
        }
    )
    cols = ColumnMap(customer_id="c", date="d", amount="amt", order_id="o" if with_order else None)
    res = clean(collect_frame(tx, cols), as_of="2024-01-31", policy=CleanPolicy(outliers="none"))
    prof = build_profile(res, features=features)  # type: ignore[arg-type]
    assert prof["customer_id"].tolist() == ["a"]
    assert prof.attrs["returns_only_customers"] == 1
    excluded = excluded_customers(prof)
    assert excluded.values.tolist() == [["r", "RETURNS_ONLY"]]
    seen = res.con.execute("SELECT count(DISTINCT customer_id) FROM clean_tx").fetchall()[0][0]
    assert seen == len(prof) + len(excluded)  # the customer account balances
