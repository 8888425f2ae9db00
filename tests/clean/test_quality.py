"""clean.quality: months without data and a partial last month are reported."""

from __future__ import annotations

import pandas as pd

from segkit.clean import clean, monthly_coverage
from segkit.collect.sources import collect_frame
from segkit.config import CleanPolicy, ColumnMap


def test_monthly_coverage_of_the_kept_lines() -> None:
    tx = pd.DataFrame(
        {
            "c": ["1", "2", "3", ""],  # the last line is quarantined: not counted
            "d": ["2024-01-10", "2024-03-02", "2024-03-03", "2024-04-20"],
            "a": ["10", "20", "30", "5"],
        }
    )
    col = collect_frame(tx, ColumnMap(customer_id="c", date="d", amount="a"))
    cleaned = clean(col, as_of="2024-03-31", policy=CleanPolicy(outliers="none"))
    cov = monthly_coverage(cleaned)
    assert cov.table["month"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert cov.table["transactions"].tolist() == [1, 0, 2]
    assert cov.warnings == [
        "no transactions in 2024-02",
        "the last month 2024-03 is partial: data ends 2024-03-03",
    ]
