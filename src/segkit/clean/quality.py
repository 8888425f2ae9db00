"""Data-quality checks that look at the cleaned data as a whole (not row by row).

:func:`monthly_coverage` counts transactions per calendar month between the first
transaction and the as-of date and warns about months without data (a missing export) and a
partial last month (Ti4): both bias recency and frequency, so the report shows them.

Examples
--------
>>> import pandas as pd
>>> dates = pd.to_datetime(["2024-01-10", "2024-03-02"])
>>> cov = coverage_from_dates(dates, as_of="2024-03-31")
>>> cov.table["transactions"].tolist()
[1, 0, 1]
>>> cov.warnings  # doctest: +NORMALIZE_WHITESPACE
['no transactions in 2024-02',
 'the last month 2024-03 is partial: data ends 2024-03-02']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from segkit.clean.result import CleanResult


@dataclass
class Coverage:
    """Transactions per month, and warnings about gaps and a partial last month."""

    table: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _coverage(monthly: pd.DataFrame, as_of: dt.date | str | None) -> Coverage:
    """``monthly``: one row per month with data (``month`` Period, ``transactions``,
    ``first``, ``last``)."""
    columns = ["month", "transactions", "first", "last"]
    if monthly.empty:
        return Coverage(pd.DataFrame(columns=columns))
    by = monthly.set_index("month")
    span = pd.period_range(by.index.min(), by.index.max(), freq="M")
    table = by.reindex(span)
    table["transactions"] = table["transactions"].fillna(0).astype(int)
    table = table.reset_index(names="month")
    table["month"] = table["month"].astype(str)
    warnings = [f"no transactions in {m}" for m in table.loc[table.transactions == 0, "month"]]
    last_day = pd.Timestamp(monthly["last"].max()).normalize()
    month_end = span[-1].end_time.normalize()
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else None
    if last_day < month_end - pd.Timedelta(days=2) and (as_of_ts is None or as_of_ts > last_day):
        warnings.append(
            f"the last month {span[-1]} is partial: data ends {last_day.date().isoformat()}"
        )
    return Coverage(table=table[columns], warnings=warnings)


def coverage_from_dates(
    dates: pd.Series | pd.DatetimeIndex, *, as_of: dt.date | str | None = None
) -> Coverage:
    """Coverage of a set of transaction dates (see :func:`monthly_coverage`)."""
    stamps = pd.Series(pd.to_datetime(dates)).dropna()
    grouped = stamps.groupby(stamps.dt.to_period("M"))
    monthly = (
        pd.DataFrame(
            {"transactions": grouped.size(), "first": grouped.min(), "last": grouped.max()}
        )
        .rename_axis("month")
        .reset_index()
    )
    return _coverage(monthly, as_of)


def monthly_coverage(cleaned: CleanResult) -> Coverage:
    """Transactions per month of the kept data, with gap and partial-month warnings.

    Computed in DuckDB: one row per month comes back, not the transactions.
    """
    monthly = cleaned.con.execute(
        "SELECT strftime(date, '%Y-%m') AS month, count(*) AS transactions, min(date) AS first,"
        " max(date) AS last FROM clean_tx WHERE date IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).df()
    monthly["month"] = pd.PeriodIndex(monthly["month"], freq="M")
    return _coverage(monthly, cleaned.as_of)
