"""Property tests: the row account always balances, inputs are never modified, and the
profile does not depend on row order."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.clean.checks import clean
from segkit.collect import collect, collect_frame
from segkit.config import CleanPolicy, ColumnMap
from segkit.errors import InputError
from segkit.profile import build_profile

from .conftest import sha256

COLS = ColumnMap(customer_id="cid", date="day", amount="amt", order_id="oid")

ids = st.sampled_from(["001", "002", "0003", "", " ", "刘䶮", "A-9"])
days = st.sampled_from(
    ["2024-01-05", "2024年2月3日", "2024/3/1 10:00", "45300", "bad", "", "2030-01-01", "1899-01-01"]
)
amounts = st.sampled_from(["10", "¥1,234.50", "(5.00)", "１２", "x", "", "1.5万", "-3", "4 块"])
orders = st.sampled_from(["O1", "O2", "O3", "C4", ""])
rows = st.lists(st.tuples(orders, ids, days, amounts), min_size=1, max_size=40)
# some rows repeated verbatim, in place
with_dups = rows.flatmap(
    lambda rs: st.lists(st.integers(0, len(rs) - 1), max_size=5).map(
        lambda idx: rs + [rs[i] for i in idx]
    )
)
policies = st.builds(
    CleanPolicy,
    dedupe=st.sampled_from(["auto", "exact", "none"]),
    returns=st.sampled_from(["net", "drop"]),
    cancellation_prefix=st.sampled_from([None, "C"]),
    outliers=st.sampled_from(["flag", "winsorise", "none"]),
)

SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(data=with_dups, policy=policies)
def test_row_account_balances_and_input_is_untouched(data, policy) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tx.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["oid", "cid", "day", "amt"])
            writer.writerows(data)
        before = sha256(path)
        try:
            res = clean(collect(path, COLS), as_of="2024-12-31", policy=policy)
        except InputError as exc:  # nothing kept and rows after the as-of date: refused
            assert exc.code == "AS_OF_BEFORE_DATA"
            assert sha256(path) == before
            return
        assert sha256(path) == before
    assert res.rows_in == len(data)
    assert res.rows_in == res.rows_kept + res.rows_removed
    removed = res.quarantine[res.quarantine["action"] == "removed"]
    kept_rows = set(res.kept()["source_row"])
    removed_rows = set(removed["source_row"])
    assert len(removed_rows) == len(removed)  # one reason per removed record
    assert kept_rows.isdisjoint(removed_rows)
    assert kept_rows | removed_rows == set(range(2, len(data) + 2))
    assert res.quarantine["reason_code"].notna().all()


clean_rows = st.lists(
    st.tuples(
        st.sampled_from(["O1", "O2", "O3", "O4", "O5", "O6"]),
        st.sampled_from(["001", "002", "003"]),
        st.dates(
            min_value=pd.Timestamp("2024-01-01").date(), max_value=pd.Timestamp("2024-06-30").date()
        ),
        st.integers(-50, 500),
        st.sampled_from(["online", "offline"]),
    ),
    min_size=1,
    max_size=30,
)


@SETTINGS
@given(data=clean_rows, seed=st.integers(0, 2**16))
def test_profile_is_row_order_invariant(data, seed) -> None:
    frame = pd.DataFrame(data, columns=["oid", "cid", "day", "amt", "ch"])
    frame["day"] = frame["day"].astype(str)
    frame["amt"] = frame["amt"].astype(float)
    cols = ColumnMap(customer_id="cid", date="day", amount="amt", order_id="oid", channel="ch")

    def profile(f: pd.DataFrame) -> pd.DataFrame:
        res = clean(collect_frame(f, cols), as_of="2024-07-01", policy=CleanPolicy(outliers="none"))
        return build_profile(res, window_start="2024-01-01")

    a = profile(frame)
    b = profile(frame.sample(frac=1.0, random_state=seed).reset_index(drop=True))
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
