"""Clean: quarantine what cannot be trusted, account for every record (step 2).

* :mod:`~segkit.clean.checks` — :func:`clean`, the driver: the as-of date, the two passes,
  the checks on the kept lines, the quarantine table and the row account;
* :mod:`~segkit.clean.reasons` — the row checks as SQL (reason codes and their order);
* :mod:`~segkit.clean.passes` — de-duplication and the row-check pass (``tx_issues``);
* :mod:`~segkit.clean.fastpath` — the fused pass (checks, duplicate proof, core sums);
* :mod:`~segkit.clean.kept` — cancellations matched to their purchases, outliers;
* :mod:`~segkit.clean.result` — :class:`CleanResult` and its data-quality summary;
* :mod:`~segkit.clean.master` — de-duplication of a customer master;
* :mod:`~segkit.clean.coding` — qualitative columns coded with a code book;
* :mod:`~segkit.clean.quality` — monthly coverage (gaps, a partial last month).
"""

from segkit.clean.checks import clean
from segkit.clean.coding import (
    CategoryCoder,
    CodedTable,
    code_qualitative,
    parse_booleans,
    parse_percentages,
)
from segkit.clean.kept import match_cancellations, outlier_fences
from segkit.clean.master import dedupe_master
from segkit.clean.quality import Coverage, monthly_coverage
from segkit.clean.reasons import default_as_of, horizon
from segkit.clean.result import CleanResult

__all__ = [
    "CategoryCoder",
    "CleanResult",
    "CodedTable",
    "Coverage",
    "clean",
    "code_qualitative",
    "dedupe_master",
    "default_as_of",
    "horizon",
    "match_cancellations",
    "monthly_coverage",
    "outlier_fences",
    "parse_booleans",
    "parse_percentages",
]
