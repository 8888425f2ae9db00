"""The fused fast path of clean (segkit.clean.fastpath) gives exactly the general path's results."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit.clean import CleanResult, clean
from segkit.collect import collect, collect_frame
from segkit.config import CleanPolicy, ColumnMap
from segkit.errors import InputError
from segkit.profile import build_profile

COLS = ColumnMap(customer_id="cid", date="day", amount="amt", order_id="oid")


def _both(make, policy: CleanPolicy, as_of: str = "2024-12-31", features: str = "core"):
    """(fast, general) results: clean + profile on fresh connections."""
    out = []
    for fast in (True, False):
        res = clean(make(), as_of=as_of, policy=policy, fast_path=fast)
        out.append((res, build_profile(res, features=features)))  # type: ignore[arg-type]
    return out


def _assert_same(fast: tuple[CleanResult, pd.DataFrame], general: tuple[CleanResult, pd.DataFrame]):
    (rf, pf), (rg, pg) = fast, general
    pd.testing.assert_frame_equal(pf, pg, check_exact=False, rtol=1e-12)
    assert pf.attrs == pg.attrs
    pd.testing.assert_frame_equal(rf.quarantine, rg.quarantine)
    assert (rf.rows_in, rf.rows_kept, rf.rows_removed) == (
        rg.rows_in,
        rg.rows_kept,
        rg.rows_removed,
    )
    assert rf.detected == rg.detected
    pd.testing.assert_frame_equal(rf.kept(), rg.kept())
    assert rg.core_table is None


ids = st.sampled_from(["001", "002", "0003", "", " ", "刘䶮", "A-9", "００１"])
days = st.sampled_from(["2024-01-05", "2024年2月3日", "bad", "", "2030-01-01", "1899-01-01"])
amounts = st.sampled_from(["10", "¥1,234.50", "(5.00)", "x", "", "-3", "NaN"])
orders = st.sampled_from(["O1", "O2", "C3", ""])
rows = st.lists(st.tuples(orders, ids, days, amounts), min_size=1, max_size=30)
with_dups = rows.flatmap(
    lambda rs: st.lists(st.integers(0, len(rs) - 1), max_size=4).map(
        lambda idx: rs + [rs[i] for i in idx]
    )
)
policies = st.builds(
    CleanPolicy,
    dedupe=st.sampled_from(["auto", "exact", "none"]),
    returns=st.sampled_from(["net", "drop"]),
    cancellation_prefix=st.sampled_from([None, "C"]),
    cancellations=st.sampled_from(["drop", "net"]),
    outliers=st.sampled_from(["flag", "winsorise", "none"]),
)


@settings(
    max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=with_dups, policy=policies, features=st.sampled_from(["core", "full"]))
def test_fast_and_general_paths_agree(data, policy, features) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tx.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["oid", "cid", "day", "amt"])
            writer.writerows(data)
        try:
            fast, general = _both(lambda: collect(path, COLS), policy, features=features)
        except InputError as exc:  # nothing kept, rows after the as-of date: refused
            assert exc.code == "AS_OF_BEFORE_DATA"
            for fast_path in (True, False):  # both paths refuse alike
                with pytest.raises(InputError, match="AS_OF_BEFORE_DATA"):
                    clean(collect(path, COLS), as_of="2024-12-31", policy=policy,
                          fast_path=fast_path)  # fmt: skip
            return
    _assert_same(fast, general)


def _orders_frame(lines_per_order: int, orders: int, dup: bool) -> pd.DataFrame:
    """Many lines per order (so the duplicate masks cannot prove every order), distinct."""
    recs = [
        {
            "oid": f"O{o}",
            "cid": f"{o % 7:03d}",
            "day": f"2024-03-{1 + o % 28:02d}",
            "amt": float(line + 1) * (-1 if line == 3 else 1),
            "line": line,
        }
        for o in range(orders)
        for line in range(lines_per_order)
    ]
    if dup:
        recs.append(dict(recs[5]))  # one repeated line inside an order
    return pd.DataFrame(recs)


def test_suspect_orders_without_duplicates_stay_on_the_fast_path() -> None:
    frame = _orders_frame(40, 30, dup=False)
    cols = ColumnMap(customer_id="cid", date="day", amount="amt", order_id="oid")
    fast, general = _both(lambda: collect_frame(frame, cols), CleanPolicy(), as_of="2024-06-30")
    assert fast[0].core_table is not None  # proven by the exact re-check of suspects
    assert fast[0].detected["DUPLICATE_ROW"] == 0
    _assert_same(fast, general)


def test_a_duplicate_line_falls_back_to_the_general_path() -> None:
    frame = _orders_frame(40, 30, dup=True)
    cols = ColumnMap(customer_id="cid", date="day", amount="amt", order_id="oid")
    fast, general = _both(lambda: collect_frame(frame, cols), CleanPolicy(), as_of="2024-06-30")
    assert fast[0].core_table is None
    assert fast[0].detected["DUPLICATE_ROW"] == 1
    _assert_same(fast, general)


def test_demo_company_profiles_agree() -> None:
    from segkit.datasets import make_demo
    from segkit.workflow.profiling import DEMO_AS_OF, DEMO_COLUMNS

    demo = make_demo(800, seed=3, as_of=DEMO_AS_OF)
    tx = demo.transactions
    for features in ("core", "full"):
        fast, general = _both(
            lambda: collect_frame(tx, DEMO_COLUMNS), CleanPolicy(), DEMO_AS_OF, features
        )
        assert fast[0].core_table is not None
        _assert_same(fast, general)
