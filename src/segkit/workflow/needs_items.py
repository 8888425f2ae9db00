"""Survey input of needs segmentation: reading the answers and screening the items.

:func:`read_survey` reads a survey file encoding-robustly
(:func:`segkit.collect.side_tables.read_table`) into an id column and numeric items;
:func:`screen_items` drops items answered by fewer than half the respondents, items with no
variation (:class:`segkit.variables.screening.LowVarianceFilter`) and, one at a time from
the lowest, items whose KMO measure of sampling adequacy (MSA, R psych ``KMO``'s ``MSAi``)
is below 0.5 (Kaiser 1974). Used by :mod:`segkit.workflow.needs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from segkit.errors import InputError
from segkit.variables.adequacy import Correlation, _adequacy, _items

__all__ = ["MIN_ANSWERED", "read_survey", "screen_items"]

MIN_ANSWERED = 0.5
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "."}


def read_survey(
    path: str | Path, *, id_col: str = "customer_id", items: Sequence[str] | None = None
) -> pd.DataFrame:
    """A survey file (CSV/TXT in any encoding, Excel, Parquet) as ``id_col`` plus numeric items.

    Read with :func:`segkit.collect.side_tables.read_table` (encoding-robust, ids as text).
    ``items`` default to every other column whose answers are all numbers. ``NA``, ``-`` and
    empty cells are missing answers; any other non-number in an item is an error.
    """
    from segkit.collect.side_tables import read_table

    raw = read_table(path, id_columns=(id_col,)).drop(columns="source_row", errors="ignore")
    if id_col not in raw:
        raise InputError(
            f"no id column {id_col!r}; columns are {', '.join(map(str, raw.columns))}",
            column=id_col,
            file=str(path),
            code="MISSING_COLUMN",
        )
    numbers = {c: _numbers(raw[c]) for c in raw.columns if c != id_col}
    if items is None:
        items = [c for c, v in numbers.items() if v is not None and v.notna().any()]
    out = pd.DataFrame({id_col: raw[id_col].astype("string")})
    for item in items:
        if item not in numbers:
            raise InputError(
                f"no item column {item!r}", column=item, file=str(path), code="MISSING_COLUMN"
            )
        values = numbers[item]
        if values is None:
            bad = raw[item][pd.to_numeric(_blank(raw[item]), errors="coerce").isna()]
            bad = bad[_blank(bad).notna()]
            raise InputError(
                f"item {item!r} has answers that are not numbers, e.g. {bad.iloc[0]!r}; code "
                "the answers as numbers (e.g. 1-5) first",
                column=item,
                file=str(path),
                code="NON_NUMERIC",
            )
        out[item] = values
    return out


def _blank(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.strip()
    return text.mask(text.str.lower().isin(_MISSING))


def _numbers(s: pd.Series) -> pd.Series | None:
    """The column as floats, or None when a non-missing answer is not a number."""
    text = _blank(s)
    values = pd.to_numeric(text, errors="coerce")
    return None if (values.isna() & text.notna()).any() else values.astype("float64")


def screen_items(
    frame: pd.DataFrame, correlation: Correlation = "pairwise"
) -> tuple[list[str], pd.DataFrame]:
    """Items kept for factor analysis and the report (``item``, ``step``, ``statistic``,
    ``dropped``, ``reason``): answered share, variation, then MSA < 0.5 one at a time."""
    from segkit.variables.screening import LowVarianceFilter

    rows: list[tuple[str, str, float, bool, str]] = []
    answered = frame.notna().mean()
    keep = []
    for item, share in answered.items():
        low = bool(share < MIN_ANSWERED)
        why = f"answered by {share:.0%} < {MIN_ANSWERED:.0%} of respondents" if low else ""
        rows.append((str(item), "answered", float(share), low, why))
        keep += [] if low else [str(item)]
    if keep:
        var = LowVarianceFilter().fit(frame[keep]).report_
        rows += [
            (r.variable, "variance", r.statistic, r.dropped, r.reason) for r in var.itertuples()
        ]
        keep = [r.variable for r in var.itertuples() if not r.dropped]
    while len(keep) >= 3:
        msa = _adequacy(_items(frame[keep], "screen_items", correlation), correlation)
        worst = msa.kmo_per_item.idxmin()
        if msa.kmo_per_item[worst] >= 0.5:
            break
        rows.append(
            (
                str(worst),
                "msa",
                float(msa.kmo_per_item[worst]),
                True,
                f"MSA {msa.kmo_per_item[worst]:.3f} < 0.5",
            )
        )
        keep.remove(str(worst))
    report = pd.DataFrame(rows, columns=["item", "step", "statistic", "dropped", "reason"])
    return keep, report
