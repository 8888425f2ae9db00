"""A customer table as ``segkit segment`` segments it: id, features, value, log rule.

A customer-level table (a CRM export with annual spend per product line, a credit-card
summary, a segkit profile) becomes step 2's customers by :func:`prepare_table`: the id column
is named (``--id-col``; it becomes ``customer_id`` inside the run folder), the clustering
features are every numeric column but the id unless named (``--features``), categorical
columns are named (``--categorical``, for a mixed-data method), and the value measure is a
column (``--value-col``) or absent — then no value shares are computed. Customers with a
missing feature, categorical or value cell are left out and listed with their line
(``02_excluded_customers.csv``). What was chosen is recorded in ``02_table.json``, and the
later steps read it (:func:`table_spec`): the value column and the log rule.

The log rule (``--log``; :data:`LOG_MODES`) decides which features are log1p-transformed
before standardisation:

* ``auto`` (default): a feature is transformed when its sample skewness (pandas' adjusted
  Fisher–Pearson coefficient G1, Joanes & Gill 1998) exceeds 1, its minimum is ≥ 0 and its
  maximum > 1 — :func:`segkit.cluster.prepare.default_preprocessor`, the rule every segkit
  clustering uses. Skewness beyond 1 is the usual mark of a highly skewed distribution
  (Bulmer 1979, *Principles of Statistics*, p. 63); spend and counts are right-skewed and
  non-negative, and k-means on them otherwise gives a few big spenders segments of their
  own. Shares and rates bounded by 1 stay linear, and so does a left-skewed column (a
  tenure capped at 12 months), whose left tail a log would stretch.
* ``none``: standardise only. ``all``: log1p of every feature (each must be ≥ 0).

Examples
--------
>>> t = pd.DataFrame({"source_row": [2, 3, 4], "cid": ["a", "b", "c"],
...                   "milk": [1.0, 2.0, None], "fresh": [5.0, 6.0, 7.0]})
>>> table = prepare_table(t, id_col="cid")
>>> table.features, table.frame["customer_id"].tolist(), table.excluded["reason"].tolist()
(['milk', 'fresh'], ['a', 'b'], ['missing milk'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.errors import InputError
from segkit.workflow.artefacts import RunFolder

__all__ = ["LOG_MODES", "CustomerTable", "prepare_table", "preprocess_for", "table_spec"]

#: ``--log`` choices → the clustering's ``preprocess``
#: (:func:`segkit.cluster.prepare.make_preprocessor`)
LOG_PREPROCESS = {"auto": "auto", "none": "standard", "all": "log"}
LOG_MODES = tuple(LOG_PREPROCESS)
#: the columns that make a table a segkit profile (:func:`segkit.profile.build_profile`)
PROFILE_COLUMNS = ("recency_days", "frequency", "monetary")
#: what the steps assume when a run has no ``02_table.json`` (a report run on transactions)
DEFAULT_SPEC: dict[str, Any] = {"value_column": "monetary", "log": "auto", "categorical": []}


@dataclass
class CustomerTable:
    """The customers ``segkit segment`` segments and how (see :func:`prepare_table`)."""

    frame: pd.DataFrame
    id_column: str
    features: list[str] | None
    categorical: list[str]
    value_column: str | None
    log: str
    excluded: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def record(self, source: str) -> dict[str, Any]:
        """What ``02_table.json`` holds."""
        return {"source": source, "id_column": self.id_column, "features": self.features,
                "categorical": self.categorical, "value_column": self.value_column,
                "log": self.log, "customers": len(self.frame),
                "excluded": len(self.excluded), "notes": self.notes}  # fmt: skip


def preprocess_for(log: str) -> str:
    """The clustering's ``preprocess`` for a ``--log`` mode."""
    if log not in LOG_PREPROCESS:
        raise InputError(f"--log must be one of {', '.join(LOG_MODES)}, not {log!r}",
                         code="BAD_OPTION")  # fmt: skip
    return LOG_PREPROCESS[log]


def table_spec(folder: RunFolder) -> dict[str, Any]:
    """``02_table.json`` of a run (value column, log rule, categorical columns), or the
    defaults of a run on transactions (value = ``monetary``, log rule ``auto``)."""
    if not folder.exists("table"):
        return dict(DEFAULT_SPEC)
    return DEFAULT_SPEC | folder.read_json("table")


def _check_columns(frame: pd.DataFrame, names: Sequence[str], option: str, file: Any) -> None:
    for name in names:
        if name not in frame:
            columns = ", ".join(repr(str(c)) for c in frame.columns if c != "source_row")
            raise InputError(f"{option}: no such column (the columns: {columns})",
                             file=file, column=name, code="MISSING_COLUMN")  # fmt: skip


def _numeric(frame: pd.DataFrame, names: Sequence[str], option: str, file: Any) -> None:
    for name in names:
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise InputError(f"{option}: the column is not numbers", file=file, column=name,
                             code="NOT_NUMERIC")  # fmt: skip


def prepare_table(
    table: pd.DataFrame,
    *,
    id_col: str = "customer_id",
    features: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    value_col: str | None = None,
    log: str = "auto",
    file: str | Path | None = None,
) -> CustomerTable:
    """Name the id, features, categorical and value columns of a customer table.

    Parameters
    ----------
    table : DataFrame
        One row per customer (:func:`segkit.hints.read_profile_table`); ``source_row``
        optional.
    id_col : str
        The id column; renamed ``customer_id`` (a table with another ``customer_id`` column
        is refused).
    features : list of str, optional
        Clustering features. Default: a segkit profile (``recency_days``, ``frequency``,
        ``monetary``) keeps step 3's screening (``features`` None); any other table uses every
        numeric column but the id and the categorical ones (constant ones left out, noted).
    categorical : list of str, optional
        Categorical columns for a mixed-data method.
    value_col : str, optional
        The value measure (value shares, canonical segment order). Default: a numeric
        ``monetary`` column (a segkit profile's), else none.
    log : {"auto", "none", "all"}
        The log rule (module docstring).
    file : path, optional
        Named in errors.
    """
    preprocess_for(log)
    categorical = list(categorical or [])
    _check_columns(table, [id_col], "--id-col", file)
    if id_col != "customer_id" and "customer_id" in table:
        raise InputError("the table has a customer_id column besides the id column; rename one",
                         file=file, column=id_col, code="DUPLICATE_ID_COLUMN")  # fmt: skip
    _check_columns(table, [*(features or []), *categorical], "--features/--categorical", file)
    if value_col is not None:
        _check_columns(table, [value_col], "--value-col", file)
        _numeric(table, [value_col], "--value-col", file)
    if id_col in [*categorical, *(features or []), value_col]:
        raise InputError("the id column cannot be a feature or the value",
                         file=file, column=id_col, code="BAD_OPTION")  # fmt: skip
    frame = table.rename(columns={id_col: "customer_id"})
    ids = frame["customer_id"]
    if ids.isna().any() or ids.duplicated().any():
        raise InputError(f"{len(frame):,} rows for {ids.nunique():,} customer ids: one row per "
                         "customer with an id is needed", file=file, column=id_col,
                         code="DUPLICATE_ID")  # fmt: skip
    rows = frame.pop("source_row") if "source_row" in frame else pd.Series(frame.index + 1)
    notes: list[str] = []
    is_profile = set(PROFILE_COLUMNS) <= set(frame.columns)
    chosen: list[str] | None
    if features is not None:
        chosen = [c for c in features if c not in categorical]
        _numeric(frame, chosen, "--features", file)
    elif is_profile and not categorical:
        chosen = None
    else:
        numeric = [c for c in frame.select_dtypes("number").columns if c != "customer_id"]
        chosen = [c for c in numeric if c not in categorical]
        if constant := [c for c in chosen if frame[c].nunique(dropna=True) <= 1]:
            chosen = [c for c in chosen if c not in constant]
            notes.append(f"constant columns left out of the features: {', '.join(constant)}")
    if chosen is not None and not chosen:
        raise InputError("no numeric feature to cluster on; name them with --features",
                         file=file, code="NO_FEATURES")  # fmt: skip
    if value_col is None and pd.api.types.is_numeric_dtype(frame.get("monetary", pd.Series("x"))):
        value_col = "monetary"  # a segkit profile's value measure
    used = list(dict.fromkeys([*(chosen or []), *categorical, *([value_col] if value_col else [])]))
    gaps = frame[used].isna()
    keep = ~gaps.any(axis=1)
    reasons = ["missing " + ", ".join(g.index[g]) for _, g in gaps[~keep].iterrows()]
    excluded = pd.DataFrame(
        {
            "customer_id": frame.loc[~keep, "customer_id"].to_numpy(),
            "source_row": rows[~keep].to_numpy("int64"),
            "reason": reasons,
        }
    )
    if len(excluded) == len(frame):
        raise InputError("every customer misses a feature or value cell",
                         file=file, code="NO_CUSTOMERS")  # fmt: skip
    if log == "all" and chosen:
        negative = frame.loc[keep, chosen] < 0
        if negative.any().any():
            col = str(negative.any().idxmax())
            raise InputError("--log all needs values ≥ 0 (log1p)", file=file,
                             row=int(rows[keep][negative[col]].iloc[0]), column=col,
                             code="NEGATIVE_VALUES")  # fmt: skip
    if len(excluded):
        notes.append(f"{len(excluded):,} customers with a missing cell left out "
                     "(02_excluded_customers.csv)")  # fmt: skip
    return CustomerTable(
        frame=frame[keep].reset_index(drop=True), id_column=id_col, features=chosen,
        categorical=categorical, value_column=value_col, log=log, excluded=excluded, notes=notes,
    )  # fmt: skip
