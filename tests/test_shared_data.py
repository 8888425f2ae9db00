"""Acceptance on real public data in ../shared/data (skipped when the folder is absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit.cli import app
from segkit.config import CleanPolicy, ColumnMap, ReadOptions
from segkit.workflow.profiling import profile_source

from .conftest import sha256

pytestmark = pytest.mark.shared


def test_cdnow_profile_via_cli_reconciles(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "cdnow" / "CDNOW_master.txt"
    before = sha256(src)
    out = tmp_path / "cdnow.csv"
    result = CliRunner().invoke(
        app,
        [
            "profile",
            str(src),
            "--customer-col",
            "customer_id",
            "--date-col",
            "date",
            "--amount-col",
            "dollar_value",
            "--quantity-col",
            "number_of_cds",
            "--delimiter",
            "whitespace",
            "--as-of",
            "1998-07-01",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sha256(src) == before  # the input is never modified
    prof = pd.read_csv(out, dtype={"customer_id": str})
    quarantine = pd.read_csv(tmp_path / "cdnow.quarantine.csv")

    # independent pandas computation: every row is one order (no order id in the file)
    raw = pd.read_csv(src, sep=r"\s+", dtype={"customer_id": str})
    ref = raw.groupby("customer_id").agg(orders=("date", "size"), value=("dollar_value", "sum"))
    assert len(prof) == 23_570 == len(ref)
    merged = prof.set_index("customer_id").join(ref)
    assert (merged["frequency"] == merged["orders"]).all()
    assert (merged["monetary"] - merged["value"]).abs().max() < 1e-6

    # the 255 exact duplicates are kept as orders and flagged, never silent
    assert (quarantine["reason_code"] == "POSSIBLE_DUPLICATE").sum() == 255
    assert set(quarantine.loc[quarantine.reason_code == "POSSIBLE_DUPLICATE", "action"]) == {
        "flagged"
    }
    removed = quarantine[quarantine["action"] == "removed"]
    assert removed.empty
    assert round(prof["monetary"].sum(), 2) == 2_500_315.63
    text = (tmp_path / "cdnow.quality.txt").read_text(encoding="utf-8")
    assert "POSSIBLE_DUPLICATE" in text and "69,659 = 69,659 kept + 0 quarantined -> OK" in text


def test_online_retail_reference_facts(shared_data: Path) -> None:
    src = shared_data / "online_retail.parquet"
    before = sha256(src)
    run = profile_source(
        src,
        ColumnMap(
            customer_id="CustomerID",
            order_id="InvoiceNo",
            date="InvoiceDate",
            quantity="Quantity",
            unit_price="UnitPrice",
            category="Country",
        ),
        read=ReadOptions(),
        # the "usual cleaning" of the reference facts: cancellations and returns dropped
        policy=CleanPolicy(
            cancellation_prefix="C", cancellations="drop", non_positive_quantity="drop"
        ),
        as_of="2011-12-10",
        features="core",
    )
    res = run.cleaned
    assert sha256(src) == before
    assert res.rows_in == 541_909
    assert res.rows_kept + res.rows_removed == 541_909
    removed = res.quarantine[res.quarantine["action"] == "removed"]
    assert len(removed) == res.rows_removed
    assert removed[["source_file", "source_row"]].duplicated().sum() == 0
    # reference facts from ../shared/data/README.md
    assert res.detected["NO_CUSTOMER_KEY"] == 135_080
    assert res.detected["DUPLICATE_ROW"] == 5_268
    assert res.detected["CANCELLED"] == 9_288
    assert res.con.execute("SELECT count(DISTINCT customer_id) FROM clean_tx").fetchall() == [
        (4_339,)
    ]
    assert len(run.profile) == 4_339
    # kept rows + duplicates removed among "usual cleaning" rows = 397,924
    dup_among_usual = res.con.execute(
        "SELECT count(*) FROM staged s WHERE customer_id IS NOT NULL AND quantity > 0"
    ).fetchall()[0][0]
    assert dup_among_usual == 397_924
    assert res.rows_kept == 397_924 - int(
        (removed["reason_code"] == "DUPLICATE_ROW").sum() - _dups_outside_usual(res, removed)
    )


def _dups_outside_usual(res, removed: pd.DataFrame) -> int:
    """Duplicate rows that would also fail the usual cleaning (no id or quantity <= 0)."""
    rows = removed.loc[removed["reason_code"] == "DUPLICATE_ROW", "source_row"].tolist()
    res.con.execute("CREATE OR REPLACE TEMP TABLE _dups AS SELECT unnest(?) AS r", [rows])
    return res.con.execute(
        "SELECT count(*) FROM staged s JOIN _dups d ON s.source_row = d.r "
        "WHERE customer_id IS NULL OR quantity <= 0"
    ).fetchall()[0][0]


@pytest.mark.parametrize("features", ["core", "full"])
def test_online_retail_cancelled_orders_are_not_sales(shared_data: Path, features: str) -> None:
    """Issue 12, with examples/online_retail.yaml (cancellation prefix C, default policy).

    Reference facts from the file itself (InvoiceNo, Quantity × UnitPrice): customer 12346
    bought 74,215 × £1.04 = £77,183.60 (541431) and cancelled it 16 minutes later
    (C541433), so nothing of it stands; 16446 bought 2 items for £2.90 (553573) and
    80,995 × £2.08 = £168,469.60 (581483), cancelled 12 minutes later (C581484), so £2.90
    stands. "core" reads the fused fast path, "full" the general SQL: both must agree.
    Each cancellation is matched to the purchase it cancels and both are removed, so 12346
    is left with no purchase (listed as ALL_CANCELLED, not profiled) and 16446 with one order.
    """
    from segkit.clean.checks import clean
    from segkit.collect import collect
    from segkit.config import RunConfig
    from segkit.engine import connect
    from segkit.profile import build_profile, excluded_customers

    root = Path(__file__).resolve().parents[1]
    cfg = RunConfig.from_yaml(root / "examples" / "online_retail.yaml")
    assert cfg.source is not None and cfg.policy.cancellations == "net"
    collected = collect(shared_data / "online_retail.parquet", cfg.source.columns, con=connect())
    res = clean(collected, as_of=cfg.as_of, policy=cfg.policy)
    prof = build_profile(res, features=features)  # type: ignore[arg-type]
    spend = prof.set_index("customer_id")["monetary"]
    not_cancelled = {"12346": 0.0, "16446": 2.90}
    for customer, stands in not_cancelled.items():
        assert spend.get(customer, 0.0) <= stands + 0.005, customer
    assert spend["16446"] == pytest.approx(2.90, abs=0.005)
    row = prof.set_index("customer_id").loc["16446"]
    assert row["frequency"] == 1 and str(row["last_purchase"])[:10] == "2011-05-18"
    excluded = excluded_customers(prof).set_index("customer_id")["reason_code"]
    assert "12346" not in spend.index and excluded["12346"] == "ALL_CANCELLED"
    pairs = res.quarantine[res.quarantine["reason_code"] == "CANCELLED_PURCHASE"]
    assert len(pairs) == res.detected["CANCELLED_PURCHASE"] > 0
