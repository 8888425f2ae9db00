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
    res = run(rows, CleanPolicy(cancellation_prefix="C", cancellations="drop", outliers="none"))
    assert res.quarantine[["source_row", "reason_code", "raw_value"]].values.tolist() == [
        [3, "CANCELLED", "C536366"]
    ]
    net = run(rows, CleanPolicy(cancellation_prefix="C", cancellations="net", outliers="none"))
    # the cancellation cancels the purchase of the same amount: both go, each naming the other
    assert net.rows_kept == 0 and net.detected["CANCELLED"] == 1
    assert net.quarantine[["source_row", "reason_code", "detail"]].values.tolist() == [
        [2, "CANCELLED_PURCHASE", "cancelled by row 3"],
        [3, "CANCELLED", "cancels the purchase at row 2"],
    ]


def test_cancellations_net_by_default_even_when_returns_are_dropped() -> None:
    """Issue 12: a cancelled order must not count as a sale under the default policy."""
    from segkit.profile import build_profile, excluded_customers

    rows = [
        ("536365", "1", "2024-01-02", "10", "2"),
        ("536367", "1", "2024-01-02", "4", "1"),
        ("C536366", "1", "2024-01-03", "-10", "-2"),
        ("536368", "2", "2024-01-04", "7", "1"),
        ("536368-R", "2", "2024-01-05", "-7", "-1"),
        ("536369", "3", "2024-01-06", "20", "4"),
        ("C536370", "3", "2024-01-07", "-5", "-1"),  # partial: no purchase of 5 to cancel
        ("536371", "4", "2024-01-08", "9", "1"),
        ("C536372", "4", "2024-01-08", "-9", "-1"),  # all 4's purchases cancelled
    ]
    for policy in (
        CleanPolicy(cancellation_prefix="C", outliers="none"),
        CleanPolicy(cancellation_prefix="C", returns="drop", outliers="none"),
        CleanPolicy(
            cancellation_prefix="C", returns="drop", non_positive_quantity="drop", outliers="none"
        ),
    ):
        res = run(rows, policy)
        assert res.detected["CANCELLED"] == 3 and res.detected["CANCELLED_PURCHASE"] == 2
        kept = res.kept()["order_id"].tolist()
        assert "C536370" in kept  # unmatched: nets
        assert not {"536365", "C536366", "536371", "C536372"} & set(kept)
        assert res.rows_in == res.rows_kept + res.rows_removed
        for features in ("core", "full"):
            prof = build_profile(res, features=features).set_index("customer_id")
            # 10 + 4 − 10 cancelled: the cancelled order is no order either
            assert prof.loc["1", ["monetary", "frequency"]].tolist() == [4.0, 1]
            expected_2 = 0.0 if policy.returns == "net" else 7.0  # a return, not a cancellation
            assert prof.loc["2", "monetary"] == expected_2
            assert prof.loc["3", "monetary"] == 15.0
            assert "4" not in prof.index
            excluded = excluded_customers(prof)
            assert excluded.values.tolist() == [["4", "ALL_CANCELLED"]]


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


# --- outlier fences: a robust rule that flags nothing on clean data (issue 12) --------------


def _amount_rows(amounts: list[float]) -> list[tuple]:
    return [
        (f"O{i}", str(i % 50), "2024-01-02", repr(float(v)), "1") for i, v in enumerate(amounts)
    ]


def test_log_tukey_fences_flag_nothing_on_clean_amounts() -> None:
    import numpy as np

    seven = [12.5, 30.0, 45.0, 18.0, 99.0, 60.0, 22.0]  # the former rule flagged 12.5 and 99
    res = run(_amount_rows(seven), CleanPolicy())
    assert res.quarantine.empty and res.detected.get("OUTLIER_HIGH", 0) == 0
    old = run(_amount_rows(seven), CleanPolicy(outlier_rule="quantile"))
    assert sorted(old.quarantine["raw_value"].astype(float)) == [12.5, 99.0]

    lognormal = np.random.default_rng(0).lognormal(4.0, 1.0, 2000).round(2).tolist()
    assert run(_amount_rows(lognormal), CleanPolicy()).quarantine.empty
    # quantile fences flag 0.1 % + 0.1 % of any data set: here 2 + 2 lines
    assert len(run(_amount_rows(lognormal), CleanPolicy(outlier_rule="quantile")).quarantine) == 4


def test_log_tukey_fences_by_hand() -> None:
    import numpy as np

    amounts = [10.0, 20.0, 40.0, 80.0, 160.0, 1e6, 0.001]
    res = run(_amount_rows(amounts), CleanPolicy())
    q1, q3 = np.quantile(np.log(amounts), [0.25, 0.75])  # quantile_cont = numpy's linear
    lo, hi = np.exp(q1 - 3 * (q3 - q1)), np.exp(q3 + 3 * (q3 - q1))
    flagged = res.quarantine.set_index("raw_value")["reason_code"].to_dict()
    expected = {repr(v): ("OUTLIER_HIGH" if v > hi else "OUTLIER_LOW") for v in amounts
                if not lo <= v <= hi}  # fmt: skip
    assert flagged == expected and expected  # 1e6 is beyond the upper fence
    detail = res.quarantine["detail"].iloc[0]
    assert detail.startswith("outside the Tukey fences on the log scale (k = 3)")
    assert f"{hi:.6g}" in detail
    wider = run(_amount_rows(amounts), CleanPolicy(outlier_k=100))
    assert wider.quarantine.empty


def test_fences_when_most_amounts_are_equal() -> None:
    rows = _amount_rows([10.0] * 98 + [1e9, 0.01])
    res = run(rows, CleanPolicy())
    assert sorted(res.quarantine["reason_code"]) == ["OUTLIER_HIGH", "OUTLIER_LOW"]
    assert "×/÷ 10 of the median" in res.quarantine["detail"].iloc[0]
    # half equal, the rest spread: the 5-95 % range gives the spread, nothing is flagged
    mixed = [9.99] * 60 + [5.0 + i for i in range(40)]
    assert run(_amount_rows(mixed), CleanPolicy()).quarantine.empty
    with pytest.raises(ValueError):
        CleanPolicy(outlier_k=0)


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
