"""segkit.tiers.clv: RFM summary, calibration/holdout, CLV (incl. CDNOW acceptance)."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.errors import InputError
from segkit.tiers.clv import calibration_holdout, customer_lifetime_value, rfm_summary
from segkit.tiers.clv_models import (
    BetaGeoModel,
    DependenceWarning,
    GammaGammaModel,
)

from .test_clv_models import CDNOW_BGNBD, CDNOW_GG


# --------------------------------------------------------------------------- rfm_summary
def test_rfm_summary_hand_computed() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",
                    "2024-01-15 00:00",
                    "2024-01-29 00:00",
                    "2024-01-08 00:00",
                    "2024-01-03 00:00",
                    "2024-03-01 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 30.0, 20.0, 20.0, 7.0, 99.0],
        }
    )
    s = rfm_summary(tx, calibration_end="2024-01-29", time_unit="W").set_index("customer_id")
    # a: days 01-01 (15), 01-15 (30), 01-29 (20) -> 2 repeat days, mean 25
    assert s.loc["a"].tolist() == [2, 4.0, 4.0, 25.0]
    assert s.loc["b"].tolist() == [0, 0.0, 3.0, 0.0]
    # c: the March purchase is after calibration_end
    assert s.loc["c", "frequency"] == 0 and s.loc["c", "T"] == pytest.approx(26 / 7)
    d = rfm_summary(tx, calibration_end="2024-01-29", time_unit="D")
    assert d["T"].tolist() == [28.0, 21.0, 26.0] and d.attrs["time_unit"] == "D"
    with pytest.raises(InputError, match="MISSING_COLUMN"):
        rfm_summary(tx.drop(columns="amount"), calibration_end="2024-01-29")
    with pytest.raises(InputError, match="BAD_TIME_UNIT"):
        rfm_summary(tx, calibration_end="2024-01-29", time_unit="M")  # type: ignore[arg-type]


def test_calibration_holdout() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 3],
            "date": [
                "2024-01-01",
                "2024-01-08",
                "2024-01-20",
                "2024-01-20",
                "2024-01-02",
                "2024-01-21",
            ],
            "amount": [5.0, 7.0, 4.0, 5.0, 3.0, 8.0],
        }
    )
    s = calibration_holdout(tx, calibration_end="2024-01-14", observation_end="2024-01-28")
    assert s["customer_id"].tolist() == [1, 2]  # customer 3 starts in the holdout
    assert s["frequency_holdout"].tolist() == [1, 0]
    assert s["monetary_value_holdout"].tolist() == [9.0, 0.0]
    assert (s["duration_holdout"] == 2.0).all()


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 60), st.floats(0.5, 100.0)),
        min_size=1,
        max_size=40,
    )
)
def test_rfm_summary_invariants(rows: list[tuple[int, int, float]]) -> None:
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    tx["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(tx["day"], unit="D")
    s = rfm_summary(tx, calibration_end="2024-03-31", time_unit="D").set_index("customer_id")
    days = tx.groupby("customer_id")["day"]
    assert (s["frequency"] == days.nunique() - 1).all()
    assert (s["recency"] <= s["T"]).all() and (s["recency"] >= 0).all()
    assert (s.loc[s["frequency"] == 0, ["recency", "monetary_value"]] == 0).all().all()
    # total value = first day's value + frequency x mean repeat value
    first = tx[tx["day"] == days.transform("min")].groupby("customer_id")["amount"].sum()
    total = tx.groupby("customer_id")["amount"].sum()
    np.testing.assert_allclose(first + s["frequency"] * s["monetary_value"], total)


# --------------------------------------------------------------------------- CLV
def test_clv_discounting() -> None:
    bgf = BetaGeoModel.from_params(**CDNOW_BGNBD)
    ggf = GammaGammaModel.from_params(**CDNOW_GG)
    s = pd.DataFrame(
        {
            "customer_id": ["u", "v", "w"],
            "frequency": [0, 2, 7],
            "recency": [0.0, 30.43, 35.0],
            "T": [38.86, 38.86, 38.86],
            "monetary_value": [0.0, 30.0, 55.0],
        }
    )
    s.attrs["time_unit"] = "W"
    clvs = [
        customer_lifetime_value(bgf, ggf, s, discount_rate_monthly=d)["clv"].to_numpy()
        for d in (0.0, 0.01, 0.05, 0.2)
    ]
    assert all(np.all(hi > lo) for hi, lo in itertools.pairwise(clvs))
    out = customer_lifetime_value(bgf, ggf, s, discount_rate_monthly=0.0, horizon_months=12)
    # undiscounted CLV = expected purchases over the horizon x expected average value
    np.testing.assert_allclose(
        out["clv"], out["expected_purchases"] * out["expected_average_value"]
    )
    horizon = 12 * 365.25 / 12 / 7
    np.testing.assert_allclose(
        out["expected_purchases"],
        bgf.expected_purchases(horizon, *s[["frequency", "recency", "T"]].T.values),
    )
    assert out["customer_id"].tolist() == ["u", "v", "w"]
    # the same in days gives the same answer
    days = s.assign(recency=s["recency"] * 7, T=s["T"] * 7)
    bgf_d = BetaGeoModel.from_params(**{**CDNOW_BGNBD, "alpha": CDNOW_BGNBD["alpha"] * 7})
    out_d = customer_lifetime_value(bgf_d, ggf, days, time_unit="D")
    np.testing.assert_allclose(out_d["clv"], customer_lifetime_value(bgf, ggf, s)["clv"])


# --------------------------------------------------------------------------- CDNOW acceptance
def _cdnow_transactions(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(
        shared / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


@pytest.mark.shared
def test_cdnow_published_results(shared_data: Path) -> None:
    tx = _cdnow_transactions(shared_data)
    s = rfm_summary(tx, calibration_end="1997-09-30", time_unit="W")
    assert len(s) == 2357
    pub = pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary.csv")
    pub = pub.set_index("ID").loc[s["customer_id"]]
    # repeat purchases are repeat purchase DAYS: counting rows would differ for 80 customers
    np.testing.assert_array_equal(s["frequency"], pub["frequency"])
    np.testing.assert_allclose(s["recency"], pub["recency"], atol=0.01)
    np.testing.assert_allclose(s["T"], pub["T"], atol=0.01)
    rows = tx[tx["date"] <= "1997-09-30"].groupby("customer_id").size() - 1
    assert (rows.to_numpy() != s["frequency"].to_numpy()).sum() == 80

    bgf = BetaGeoModel().fit(s)
    from_pub = BetaGeoModel().fit(pub)  # the published (rounded) summary gives the same fit
    np.testing.assert_allclose(from_pub.params_, bgf.params_, rtol=1e-3)
    for name, value in CDNOW_BGNBD.items():
        assert bgf.params_[name] == pytest.approx(value, rel=0.01), name
    assert bgf.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert bgf.expected_purchases(39, 2, 30.43, 38.86)[()] == pytest.approx(1.226, abs=0.005)

    with warnings.catch_warnings():
        warnings.simplefilter("error", DependenceWarning)  # corr is only ~0.11 here
        ggf = GammaGammaModel().fit(s)
    assert ggf.n_customers_ == 946
    assert ggf.correlation_ == pytest.approx(0.11, abs=0.01)
    assert s.loc[s["frequency"] > 0, "monetary_value"].mean() == pytest.approx(35.078, abs=1e-3)
    for name, value in CDNOW_GG.items():
        assert ggf.params_[name] == pytest.approx(value, rel=0.01), name

    clv = customer_lifetime_value(bgf, ggf, s, horizon_months=12)
    assert clv.index.equals(s.index) and (clv["clv"] > 0).all()
