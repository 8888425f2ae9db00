"""What the command line says when an input is not what a command expects.

Each function turns a situation a newcomer meets in the first hour into one line that says
what is wrong and what to do: a profile file that is missing or unreadable
(:func:`read_profile_table`), a transaction file given where a profile is expected (it names
the evidence and says to run ``segkit profile`` first), and a column name that matched the
file's header only after ignoring case, blanks or full-width forms
(:func:`column_match_note`). No cell values are quoted, so no personal data reaches the
terminal.

Examples
--------
>>> column_match_note({"customer_id": "CustomerId", "date": "InvoiceDate"},
...                   [{"columns": {"customer_id": "CustomerID", "date": "InvoiceDate"}}])
"note: column 'CustomerId' taken as 'CustomerID' (names match ignoring case, width and blanks)"
>>> column_match_note({"date": "InvoiceDate"}, [{"columns": {"date": "InvoiceDate"}}]) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.config import ReadOptions
from segkit.errors import InputError

#: columns that only a transaction table has (lower case); a profile has none of them
TRANSACTION_HINTS = (
    "order_id", "order_time", "order_date", "invoiceno", "invoicedate", "invoice", "quantity",
    "unit_price", "unitprice", "amount", "date", "dollar_value", "stockcode",
)  # fmt: skip


def transactions_hint(table: pd.DataFrame) -> str | None:
    """Why ``table`` looks like a transaction table rather than a customer profile, or None.

    A profile (:func:`segkit.profile.build_profile`) has one row per ``customer_id`` and the
    columns ``recency_days``, ``frequency`` and ``monetary``. A table without them that repeats
    its customer ids, or that has order-line columns (``order_id``, ``InvoiceDate``,
    ``Quantity`` …), is transactions: it has to go through ``segkit profile`` first.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0]})
    >>> transactions_hint(tx)
    "3 rows for 2 customer ids and order-line columns ['amount']"
    >>> transactions_hint(pd.DataFrame({"customer_id": ["a"], "recency_days": [3],
    ...                                 "frequency": [1], "monetary": [9.0]})) is None
    True
    """
    if {"recency_days", "frequency", "monetary"} <= set(table.columns):
        return None
    ids = next((c for c in table.columns if str(c).casefold() in _ID_NAMES), None)
    reasons = []
    if ids is not None and len(table):
        n_ids = int(table[ids].nunique(dropna=True))
        if n_ids < len(table):
            reasons.append(f"{len(table):,} rows for {n_ids:,} customer ids")
    lines = [str(c) for c in table.columns if str(c).casefold() in TRANSACTION_HINTS]
    if lines:
        reasons.append(f"order-line columns {lines[:4]}")
    return " and ".join(reasons) or None


_ID_NAMES = ("customer_id", "customerid", "customer id", "cust_id", "客户编号", "客户id")

PROFILE_HOWTO = (
    "segkit profile <transactions> --customer-col … --date-col … --amount-col … --out {out}"
)


def column_match_note(
    wanted: Mapping[str, str | None], sources: Sequence[Mapping[str, Any]]
) -> str | None:
    """One line naming the columns that matched only case-/blank-/width-insensitively.

    Parameters
    ----------
    wanted : mapping
        Role → column name as the user gave it (:meth:`segkit.config.ColumnMap.roles`).
    sources : sequence of mapping
        :attr:`segkit.collect.collected.Collected.sources`; each holds ``columns`` (role → header).
    """
    pairs: dict[str, str] = {}
    for src in sources:
        for role, actual in dict(src.get("columns", {})).items():
            given = wanted.get(role)
            if given is not None and str(actual) != given:
                pairs.setdefault(given, str(actual))
    if not pairs:
        return None
    listed = ", ".join(f"{given!r} taken as {actual!r}" for given, actual in pairs.items())
    noun = "column" if len(pairs) == 1 else "columns"
    return f"note: {noun} {listed} (names match ignoring case, width and blanks)"


def _unreadable(path: Path, reason: str, code: str) -> InputError:
    return InputError(f"cannot read profile {str(path)!r}: {reason}", file=path, code=code)


def read_profile_table(
    path: Path, *, id_col: str = "customer_id", read: ReadOptions | None = None
) -> pd.DataFrame:
    """Read the customer table ``segkit segment`` works on — a segkit profile or any table
    with one row per customer (:func:`segkit.collect.customer_table.read_customer_table`:
    ``.parquet`` as stored; CSV/TXT/Excel in any encoding ``segkit profile`` reads, numbers
    typed) — or raise an :class:`~segkit.errors.InputError` whose message says what to do.

    The result has ``source_row`` (the file's line) and the id column ``id_col`` as text.

    Raises
    ------
    InputError
        ``FILE_NOT_FOUND`` (with the ``segkit profile`` command that makes one),
        ``NOT_A_FILE`` (a folder), ``UNREADABLE`` (permissions, not Parquet/CSV),
        ``NOT_A_PROFILE`` (a transaction table: run ``segkit profile`` first),
        ``MISSING_COLUMN`` (no id column ``id_col``) or the reader's codes.
    """
    from segkit.collect.customer_table import read_customer_table

    if not path.exists():
        raise _unreadable(
            path,
            "no such file; make the profile first: " + PROFILE_HOWTO.format(out=path),
            "FILE_NOT_FOUND",
        )
    if path.is_dir():
        raise _unreadable(path, "it is a folder; give the profile file inside it", "NOT_A_FILE")
    try:
        frame = read_customer_table(path, read, id_column=id_col)
    except PermissionError as exc:
        raise _unreadable(path, exc.strerror or "permission denied", "UNREADABLE") from None
    except InputError as exc:
        if exc.code == "UNREADABLE":
            raise _unreadable(path, exc.detail, "UNREADABLE") from None
        raise
    ids = frame[id_col] if id_col in frame else None
    repeated = ids is not None and ids.nunique(dropna=True) < len(frame)
    if ids is None or repeated:
        why = transactions_hint(frame.drop(columns="source_row"))
        if why is None and repeated:
            why = f"{len(frame):,} rows for {int(ids.nunique()):,} customer ids"  # type: ignore[union-attr]
        if why is not None:
            raise InputError(
                f"this looks like transactions ({why}), not a customer profile: run "
                "`segkit profile` first, then segment its output: "
                + PROFILE_HOWTO.replace("<transactions>", str(path)).format(out="profile.parquet"),
                file=path,
                code="NOT_A_PROFILE",
            )
        columns = ", ".join(repr(str(c)) for c in frame.columns if c != "source_row")
        raise InputError(
            f"no id column {id_col!r}; name it with --id-col (the columns: {columns})",
            file=path,
            column=id_col,
            code="MISSING_COLUMN",
        )
    return frame


def config_error(source: str, exc: Exception) -> str:
    """A run config that does not load: one line per problem, naming the key
    (``segment.k_max: ...``)."""
    from pydantic import ValidationError

    from segkit.config import ConfigFileError

    if isinstance(exc, ConfigFileError):
        return str(exc)
    if isinstance(exc, ValidationError):
        lines = [f"{source}: {exc.error_count()} problem(s) in the run config"]
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  {where}: {err['msg']}")
        return "\n".join(lines)
    return f"{source}: {exc}"
