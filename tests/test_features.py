"""The engine-neutral core-feature query equals build_profile (DuckDB here; Spark in
test_spark.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from segkit import datasets
from segkit.clean.checks import clean
from segkit.collect import collect_frame
from segkit.features import CORE_SQL_FEATURES, core_features_sql
from segkit.profile import build_profile
from segkit.workflow.profiling import DEMO_COLUMNS

AS_OF = "2024-12-31"


def demo_clean_tx(path: Path, n: int = 2000) -> tuple[pd.DataFrame, Path]:
    """The demo's cleaned transactions as Parquet, and build_profile's profile of them."""
    demo = datasets.make_demo(n, seed=3)
    res = clean(collect_frame(demo.transactions, DEMO_COLUMNS), as_of=AS_OF)
    res.con.execute(f"COPY (SELECT * FROM clean_tx) TO '{path}' (FORMAT parquet)")
    return build_profile(res), path


def assert_features_equal(got: pd.DataFrame, profile: pd.DataFrame) -> None:
    ref = profile[list(CORE_SQL_FEATURES)].sort_values("customer_id").reset_index(drop=True)
    got = got.sort_values("customer_id").reset_index(drop=True)
    assert list(got.columns) == list(CORE_SQL_FEATURES)
    assert got["customer_id"].astype(str).tolist() == ref["customer_id"].astype(str).tolist()
    for col in ("recency_days", "frequency", "tenure_days"):
        assert (got[col].astype(np.int64) == ref[col].astype(np.int64)).all(), col
    for col in ("first_purchase", "last_purchase"):
        a = pd.to_datetime(got[col]).dt.tz_localize(None).astype("datetime64[us]")
        assert (a == ref[col].astype("datetime64[us]")).all(), col
    for col in ("monetary", "gross_sales", "avg_order_value"):  # sums: order of addition
        np.testing.assert_allclose(got[col].astype(float), ref[col].astype(float), rtol=1e-12)


def test_core_features_on_duckdb_equal_build_profile(tmp_path):
    profile, path = demo_clean_tx(tmp_path / "tx.parquet")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW clean_tx AS SELECT * FROM read_parquet('{path}')")
    got = con.execute(core_features_sql("clean_tx", as_of=AS_OF)).df()
    assert_features_equal(got, profile)


def test_orders_per_active_month_is_derived_once() -> None:
    """Issue 11: the derived feature has one definition (segkit.features); clustering and the
    segment profiles get it from there and give the same values."""
    import re

    from segkit.cluster.prepare import behaviour_features
    from segkit.features import orders_per_active_month, with_derived

    src = Path(__file__).resolve().parents[1] / "src" / "segkit"
    dividers = [
        p.name
        for p in src.rglob("*.py")
        if re.search(r"/\s*\w+\[[\"']active_months[\"']\]", p.read_text(encoding="utf-8"))
    ]
    assert dividers == [], dividers
    p = pd.DataFrame({"frequency": [6, 1, 4], "active_months": [3, 1, 0],
                      "avg_order_value": [1.0, 2.0, 3.0]})  # fmt: skip
    expected = [2.0, 1.0, None]
    assert orders_per_active_month(p).replace(float("nan"), None).tolist() == expected
    derived = with_derived(p)["orders_per_active_month"]
    clustered = behaviour_features(p, ["orders_per_active_month"])["orders_per_active_month"]
    pd.testing.assert_series_equal(derived, clustered, check_names=False)
