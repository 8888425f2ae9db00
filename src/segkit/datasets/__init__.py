"""The demo company: a synthetic Chinese retailer with known ground truth (客户分层演示数据).

One import point (``from segkit import datasets``) for three modules:

* :mod:`segkit.datasets.demo` — the company (its segments, categories, survey) and
  :func:`make_demo`, which draws customers, order lines, a survey and the truth;
* :mod:`segkit.datasets.mess` — :func:`make_messy_transactions`, real-world mess with exact
  counts;
* :mod:`segkit.datasets.files` — :func:`write_demo`, the tables as CSV or Parquet files.
"""

from segkit.datasets.demo import (
    CATEGORIES,
    LIFECYCLE_STAGES,
    SEGMENTS,
    SURVEY_FACTORS,
    SURVEY_ITEMS,
    DemoData,
    make_demo,
)
from segkit.datasets.files import write_demo
from segkit.datasets.mess import make_messy_transactions

__all__ = [
    "CATEGORIES",
    "LIFECYCLE_STAGES",
    "SEGMENTS",
    "SURVEY_FACTORS",
    "SURVEY_ITEMS",
    "DemoData",
    "make_demo",
    "make_messy_transactions",
    "write_demo",
]
