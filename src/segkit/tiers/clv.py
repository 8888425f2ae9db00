"""Customer lifetime value (客户终身价值): BG/NBD purchase counts × Gamma-Gamma spend.

The two-model recipe of Fader, Hardie & Lee: a **BG/NBD** model ("Counting your customers
the easy way", Marketing Science 2005) for how many purchases a customer will still make,
and a **Gamma-Gamma** model ("RFM and CLV", JMR 2005) for how much each purchase is worth
(both in :mod:`segkit.tiers.clv_models`).

Inputs per customer (:func:`rfm_summary`), in a time unit of days (``"D"``) or weeks (``"W"``):

``frequency``
    repeat purchase *days*: distinct purchase days in the calibration period minus one
    (several orders on one day are one transaction, as in Fader-Hardie and ``lifetimes``).
``recency``
    time from the first to the last purchase day (0 when ``frequency`` is 0).
``T``
    time from the first purchase day to ``calibration_end``.
``monetary_value``
    mean value of the repeat purchase days (each day's amounts summed, the first day left
    out); 0 when ``frequency`` is 0.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from segkit.errors import InputError
from segkit.tiers.clv_models import BetaGeoModel, GammaGammaModel, _arrays

TimeUnit = Literal["D", "W"]
_DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0}
#: Average month length used by :func:`customer_lifetime_value` (365.25 / 12 days).
DAYS_PER_MONTH = 365.25 / 12

__all__ = ["DAYS_PER_MONTH", "calibration_holdout", "customer_lifetime_value", "rfm_summary"]


def _unit(time_unit: str) -> float:
    if time_unit not in _DAYS_PER_UNIT:
        raise InputError(f"time_unit must be 'D' or 'W', got {time_unit!r}", code="BAD_TIME_UNIT")
    return _DAYS_PER_UNIT[time_unit]


def _daily(tx: pd.DataFrame, customer_col: str, date_col: str, amount_col: str) -> pd.DataFrame:
    """One row per (customer, calendar day) with the day's amounts summed."""
    for col in (customer_col, date_col, amount_col):
        if col not in tx.columns:
            raise InputError("transactions need this column", column=col, code="MISSING_COLUMN")
        if tx[col].isna().any():
            raise InputError("missing values; fix them first", column=col, code="MISSING_VALUE")
    dates = pd.to_datetime(tx[date_col])
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    frame = pd.DataFrame(
        {
            "customer_id": tx[customer_col].to_numpy(),
            "date": dates.dt.normalize().to_numpy(),
            "amount": pd.to_numeric(tx[amount_col]).to_numpy(dtype=float),
        }
    )
    return frame.groupby(["customer_id", "date"], as_index=False, sort=True)["amount"].sum()


def _summary(daily: pd.DataFrame, end: pd.Timestamp, time_unit: str) -> pd.DataFrame:
    unit = _unit(time_unit)
    cal = daily[daily["date"] <= end]
    if cal.empty:
        raise InputError(f"no transactions on or before {end.date()}", code="EMPTY_CALIBRATION")
    g = cal.groupby("customer_id", sort=True)
    agg = g.agg(
        first=("date", "min"), last=("date", "max"), n=("date", "size"), total=("amount", "sum")
    )
    repeats = agg["n"] - 1  # `daily` is sorted by date: first() is the first day's value
    mean_repeat = (agg["total"] - g["amount"].first()) / repeats.where(repeats > 0)
    out = pd.DataFrame(
        {
            "customer_id": agg.index.to_numpy(),
            "frequency": repeats.to_numpy(dtype=np.int64),
            "recency": ((agg["last"] - agg["first"]).dt.days / unit).to_numpy(dtype=float),
            "T": ((end - agg["first"]).dt.days / unit).to_numpy(dtype=float),
            "monetary_value": mean_repeat.fillna(0.0).to_numpy(dtype=float),
        }
    )
    out.attrs.update(time_unit=time_unit, calibration_end=str(end.date()))
    return out


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    time_unit: TimeUnit = "W",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Build the BG/NBD and Gamma-Gamma inputs per customer from transactions.

    Parameters
    ----------
    transactions : DataFrame
        One row per order line or order, with a customer id, a date (time of day is
        dropped: the purchase period is the calendar day) and an amount.
    calibration_end : date-like
        Last day of the calibration period (inclusive). Later transactions are ignored and
        customers whose first purchase is later are left out.
    time_unit : {"W", "D"}
        Unit of ``recency`` and ``T``: weeks (days / 7) or days.
    customer_col, date_col, amount_col : str
        Column names in ``transactions``.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``frequency``, ``recency``, ``T``, ``monetary_value`` (see the
        module docstring), sorted by ``customer_id``; ``attrs`` holds ``time_unit`` and
        ``calibration_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "amount": [10.0, 5.0, 30.0, 20.0]})
    >>> rfm_summary(tx, calibration_end="2024-01-29", time_unit="W")
      customer_id  frequency  recency    T  monetary_value
    0           a          1      2.0  4.0            30.0
    1           b          0      0.0  3.0             0.0
    """
    daily = _daily(transactions, customer_col, date_col, amount_col)
    return _summary(daily, pd.Timestamp(calibration_end).normalize(), time_unit)


def calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    time_unit: TimeUnit = "W",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """:func:`rfm_summary` on the calibration period plus what happened in the holdout.

    Adds ``frequency_holdout`` (purchase days in ``(calibration_end, observation_end]``),
    ``monetary_value_holdout`` (their mean value, 0 if none) and ``duration_holdout``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1], "amount": [5.0, 7.0, 9.0],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-01-20"]})
    >>> s = calibration_holdout(tx, calibration_end="2024-01-14",
    ...                         observation_end="2024-01-28", time_unit="W")
    >>> s[["frequency", "frequency_holdout", "monetary_value_holdout", "duration_holdout"]]
       frequency  frequency_holdout  monetary_value_holdout  duration_holdout
    0          1                  1                     9.0               2.0
    """
    end = pd.Timestamp(calibration_end).normalize()
    obs = pd.Timestamp(observation_end).normalize()
    if obs <= end:
        raise InputError("observation_end must be after calibration_end", code="BAD_PERIOD")
    daily = _daily(transactions, customer_col, date_col, amount_col)
    out = _summary(daily, end, time_unit)
    hold = daily[(daily["date"] > end) & (daily["date"] <= obs)].groupby("customer_id")["amount"]
    ids = out["customer_id"]
    out["frequency_holdout"] = ids.map(hold.size()).fillna(0).to_numpy(dtype=np.int64)
    out["monetary_value_holdout"] = ids.map(hold.mean()).fillna(0.0).to_numpy(dtype=float)
    out["duration_holdout"] = (obs - end).days / _unit(time_unit)
    out.attrs["observation_end"] = str(obs.date())
    return out


def customer_lifetime_value(
    bgf: BetaGeoModel,
    ggf: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon_months: int = 12,
    discount_rate_monthly: float = 0.01,
    time_unit: TimeUnit | None = None,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Discounted expected value per customer over the next ``horizon_months``.

    ``CLV = margin · E[Z | z̄, x] · Σ_{m=1..H} (E[Y(m·M)] - E[Y((m-1)·M)]) / (1+d)^m``
    with ``M`` one month (365.25/12 days) in the summary's time unit.

    Parameters
    ----------
    bgf, ggf : fitted BetaGeoModel, GammaGammaModel
    summary : DataFrame
        From :func:`rfm_summary` (``frequency``, ``recency``, ``T``, ``monetary_value``).
    horizon_months : int
    discount_rate_monthly : float
        Monthly discount rate ``d`` (0.01 ≈ 12.7 % a year).
    time_unit : {"W", "D"}, optional
        Unit of ``recency``/``T``; defaults to ``summary.attrs["time_unit"]``.
    margin : float
        Profit margin applied to the expected value (1 = revenue).

    Returns
    -------
    DataFrame
        Same index as ``summary`` (``customer_id`` copied if present): ``expected_purchases``
        (over the horizon), ``probability_alive``, ``expected_average_value``, ``clv``.

    Examples
    --------
    >>> import pandas as pd
    >>> bgf = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> ggf = GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)
    >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86],
    ...                   "monetary_value": [0.0, 30.0]})
    >>> customer_lifetime_value(bgf, ggf, s, time_unit="W")["clv"].round(2).tolist()
    [8.37, 45.55]
    """
    unit = time_unit or summary.attrs.get("time_unit")
    if unit is None:
        raise InputError("pass time_unit (summary.attrs has none)", code="BAD_TIME_UNIT")
    if horizon_months < 1 or discount_rate_monthly <= -1:
        raise InputError("need horizon_months >= 1, discount_rate > -1", code="BAD_VALUE")
    x, tx, t_end, m = _arrays(summary, ("frequency", "recency", "T", "monetary_value"))
    month = DAYS_PER_MONTH / _unit(unit)
    steps = month * np.arange(horizon_months + 1, dtype=float)
    cum = np.column_stack([bgf.expected_purchases(s, x, tx, t_end) for s in steps])
    cum[:, 0] = 0.0
    discount = (1.0 + discount_rate_monthly) ** -np.arange(1, horizon_months + 1, dtype=float)
    value = margin * ggf.conditional_expected_average_profit(x, m)
    out = pd.DataFrame(index=summary.index)
    if "customer_id" in summary.columns:
        out["customer_id"] = summary["customer_id"]
    out["expected_purchases"] = cum[:, -1]
    out["probability_alive"] = bgf.probability_alive(x, tx, t_end)
    out["expected_average_value"] = value
    out["clv"] = value * (np.diff(cum, axis=1) @ discount)
    return out
