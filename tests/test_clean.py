"""clean: every reason code, the policies, and the balance of the row account."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segkit.clean import clean, dedupe_master
from segkit.collect import collect_frame
from segkit.config import CleanPolicy, ColumnMap

COLS = ColumnMap(customer_id="c", date="d", amount="a", order_id="o", quantity="q")


def tx(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["o", "c", "d", "a", "q"], dtype="object")


def run(rows: list[tuple], policy: CleanPolicy | None = None, as_of: str = "2024-01-31"):
    col = collect_frame(tx(rows), COLS)
    return clean(col, as_of=as_of, policy=policy or CleanPolicy(outliers="none"))


def test_each_reason_code_with_row_and_raw_value() -> None:
    res = run(
        [
            ("O1", "001", "2024-01-02", "10", "1"),  # row 2 kept
            ("O1", "001", "2024-01-02", "10", "1"),  # row 3 DUPLICATE_ROW
            ("O2", "", "2024-01-03", "5", "1"),  # row 4 NO_CUSTOMER_KEY
            ("O3", "002", "someday", "5", "1"),  # row 5 UNPARSEABLE_DATE
            ("O4", "002", None, "5", "1"),  # row 6 MISSING_DATE
            ("O5", "002", "2024-01-04", "5 块", "1"),  # row 7 UNPARSEABLE_AMOUNT
            ("O6", "002", "2024-01-04", "", "1"),  # row 8 MISSING_AMOUNT
            ("O7", "002", "1900-01-01", "5", "1"),  # row 9 DATE_OUT_OF_RANGE
            ("O8", "002", "2024-02-01", "5", "1"),  # row 10 AFTER_AS_OF
            ("O9", "002", "2024-01-31 23:59", "5", "1"),  # row 11 kept (same day as as_of)
        ]
    )
    q = res.quarantine
    assert q[["source_row", "reason_code", "raw_value", "action"]].values.tolist() == [
        [3, "DUPLICATE_ROW", "001 | 2024-01-02 | O1 | 10 | 1", "removed"],
        [4, "NO_CUSTOMER_KEY", "", "removed"],
        [5, "UNPARSEABLE_DATE", "someday", "removed"],
        [6, "MISSING_DATE", None, "removed"],
        [7, "UNPARSEABLE_AMOUNT", "5 块", "removed"],
        [8, "MISSING_AMOUNT", "", "removed"],
        [9, "DATE_OUT_OF_RANGE", "1900-01-01", "removed"],
        [10, "AFTER_AS_OF", "2024-02-01", "removed"],
    ]
    assert q["column"].tolist() == [
        None,
        "customer_id",
        "date",
        "date",
        "amount",
        "amount",
        "date",
        "date",
    ]
    assert (res.rows_in, res.rows_kept, res.rows_removed) == (10, 2, 8)
    assert res.kept()["source_row"].tolist() == [2, 11]


def test_returns_net_or_drop() -> None:
    rows = [("O1", "001", "2024-01-02", "100", "1"), ("O1-R", "001", "2024-01-05", "(30)", "-1")]
    net = run(rows)
    assert net.kept()["amount"].tolist() == [100.0, -30.0]
    assert net.detected["NEGATIVE_AMOUNT"] == 1
    dropped = run(rows, CleanPolicy(returns="drop", outliers="none"))
    assert dropped.quarantine["reason_code"].tolist() == ["RETURN_LINE"]
    assert dropped.rows_kept == 1


def test_cancellations_by_prefix() -> None:
    rows = [("536365", "1", "2024-01-02", "10", "2"), ("C536366", "1", "2024-01-03", "-10", "-2")]
    res = run(rows, CleanPolicy(cancellation_prefix="C", outliers="none"))
    assert res.quarantine[["source_row", "reason_code", "raw_value"]].values.tolist() == [
        [3, "CANCELLED", "C536366"]
    ]
    kept = run(rows, CleanPolicy(cancellation_prefix="C", cancellations="net", outliers="none"))
    assert kept.rows_kept == 2 and kept.detected["CANCELLED"] == 1


def test_bad_quantity_policy() -> None:
    rows = [("O1", "1", "2024-01-02", "10", "0"), ("O2", "1", "2024-01-02", "10", "2")]
    res = run(rows, CleanPolicy(non_positive_quantity="drop", outliers="none"))
    assert res.quarantine["reason_code"].tolist() == ["BAD_QUANTITY"]


def test_without_order_id_duplicates_are_flagged_not_removed() -> None:
    frame = pd.DataFrame({"c": ["1", "1", "2"], "d": ["2024-01-02"] * 3, "a": [5.0, 5.0, 7.0]})
    col = collect_frame(frame, ColumnMap(customer_id="c", date="d", amount="a"))
    res = clean(col, as_of="2024-01-31", policy=CleanPolicy(outliers="none"))
    assert res.rows_kept == 3 and res.rows_removed == 0
    assert res.quarantine[["source_row", "reason_code", "action"]].values.tolist() == [
        [3, "POSSIBLE_DUPLICATE", "flagged"]
    ]
    assert "POSSIBLE_DUPLICATE" in res.summary_text()
    exact = clean(
        collect_frame(frame, ColumnMap(customer_id="c", date="d", amount="a")),
        as_of="2024-01-31",
        policy=CleanPolicy(dedupe="exact", outliers="none"),
    )
    assert exact.rows_removed == 1


def test_outliers_flag_and_winsorise() -> None:
    rows = [
        (f"O{i}", "1", "2024-01-02", str(v), "1") for i, v in enumerate([10] * 98 + [1e9, 0.01])
    ]
    flag = run(rows, CleanPolicy(outlier_fences=(0.01, 0.99)))
    assert sorted(flag.quarantine["reason_code"]) == ["OUTLIER_HIGH", "OUTLIER_LOW"]
    assert set(flag.quarantine["action"]) == {"flagged"}
    assert flag.rows_kept == 100
    win = run(rows, CleanPolicy(outliers="winsorise", outlier_fences=(0.01, 0.99)))
    assert set(win.quarantine["reason_code"]) == {"WINSORISED"}
    assert set(win.quarantine["action"]) == {"changed"}
    assert win.kept()["amount"].max() < 1e9
    assert win.rows_kept == 100


def test_as_of_defaults_to_day_after_latest_never_today() -> None:
    col = collect_frame(tx([("O1", "1", "2024-01-02 10:00", "5", "1")]), COLS)
    res = clean(col)
    assert res.as_of == dt.date(2024, 1, 3)
    assert "as_of not given" in res.summary_text()


def test_summary_balances() -> None:
    res = run([("O1", "1", "2024-01-02", "5", "1"), ("O2", "", "2024-01-02", "5", "1")])
    s = res.summary().set_index("check")
    assert s.loc["records read", "detected"] == 2
    assert s.loc["rows kept", "detected"] == 1
    assert s.loc["rows quarantined", "detected"] == 1
    assert s.loc["NO_CUSTOMER_KEY", "removed"] == 1
    assert "2 = 1 kept + 1 quarantined -> OK" in res.summary_text()


def test_dedupe_master_conflicts_keep_last() -> None:
    m = pd.DataFrame(
        {
            "customer_id": ["1", "1", "1", "2", ""],
            "city": ["京", "京", "沪", "粤", "x"],
        }
    )
    kept, q = dedupe_master(m)
    assert kept[["customer_id", "city"]].values.tolist() == [["1", "沪"], ["2", "粤"]]
    assert q[["source_row", "reason_code"]].values.tolist() == [
        [3, "DUPLICATE_ROW"],
        [2, "CONFLICTING_RECORD"],
        [6, "NO_CUSTOMER_KEY"],
    ] or q[["source_row", "reason_code"]].values.tolist() == [
        [2, "CONFLICTING_RECORD"],
        [3, "DUPLICATE_ROW"],
        [6, "NO_CUSTOMER_KEY"],
    ]
    assert "city" in q.loc[q.reason_code == "CONFLICTING_RECORD", "detail"].iloc[0]
    assert len(kept) + len(q) == len(m)


@pytest.mark.parametrize("bad", [(0.5, 0.2), (-0.1, 0.5), (0.1, 1.5)])
def test_policy_validates_fences(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="fences"):
        CleanPolicy(outlier_fences=bad)


def test_order_under_two_customers_is_flagged_not_dropped() -> None:
    res = run(
        [
            ("O1", "001", "2024-01-02", "10", "1"),
            ("O1", "002", "2024-01-02", "12", "1"),
            ("O2", "002", "2024-01-03", "5", "1"),
        ]
    )
    assert res.rows_kept == 3
    assert res.quarantine[["source_row", "reason_code", "action"]].values.tolist() == [
        [2, "CONFLICTING_ORDER", "flagged"],
        [3, "CONFLICTING_ORDER", "flagged"],
    ]
    assert res.detected["CONFLICTING_ORDER"] == 2


# --- issue 14: dates beyond the run date, non-finite amounts, normalised duplicates -------
def test_default_horizon_is_the_run_date() -> None:
    """No max_date: a date after today is FUTURE_DATE and the as-of is never after today."""
    col = collect_frame(
        tx([("O1", "1", "2024-01-02", "5", "1"), ("O2", "2", "2999-01-01", "5", "1")]), COLS
    )
    res = clean(col)
    assert res.as_of == dt.date(2024, 1, 3) and res.as_of <= dt.date.today()
    q = res.quarantine
    assert q[["source_row", "reason_code"]].values.tolist() == [[3, "FUTURE_DATE"]]
    assert res.to_dict()["max_date"] == str(dt.date.today())


def test_explicit_max_date_moves_the_horizon() -> None:
    rows = [("O1", "1", "2024-01-02", "5", "1"), ("O2", "2", "2024-01-20", "5", "1")]
    res = clean(collect_frame(tx(rows), COLS), policy=CleanPolicy(max_date=dt.date(2024, 1, 10)))
    assert res.as_of == dt.date(2024, 1, 3)
    assert res.quarantine["reason_code"].tolist() == ["FUTURE_DATE"]
    assert any("FUTURE_DATE" in n for n in res.notes)


def test_typed_non_finite_amounts_are_quarantined() -> None:
    frame = pd.DataFrame(
        {
            "o": ["O1", "O2", "O3"],
            "c": ["1", "2", "3"],
            "d": ["2024-01-02"] * 3,
            "a": [5.0, float("inf"), float("-inf")],  # (pandas NaN is a missing value)
            "q": ["1"] * 3,
        }
    )
    res = clean(collect_frame(frame, COLS), as_of="2024-01-31")
    got = res.quarantine[res.quarantine["action"] == "removed"]
    assert got[["source_row", "reason_code"]].values.tolist() == [
        [3, "NON_FINITE_AMOUNT"],
        [4, "NON_FINITE_AMOUNT"],
    ]
    assert res.detected["NON_FINITE_AMOUNT"] == 2 and res.rows_kept == 1


def test_duplicates_are_found_on_normalised_values() -> None:
    rows = [
        ("O1", "1 ", "2024-01-02", "50.0", "1"),
        ("O1", "1", "2024-01-02 00:00", "50.00", "1"),
        ("O1", "1", "2024-01-02", "50.01", "1"),  # a different amount: kept
    ]
    res = run(rows)
    assert res.quarantine[["source_row", "reason_code"]].values.tolist() == [[3, "DUPLICATE_ROW"]]
    assert res.rows_kept == 2
