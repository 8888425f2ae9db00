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


def read_profile_table(path: Path) -> pd.DataFrame:
    """Read the profile ``segkit segment`` works on (``.parquet``, else CSV), or raise an
    :class:`~segkit.errors.InputError` whose message says what to do.

    Raises
    ------
    InputError
        ``FILE_NOT_FOUND`` (with the ``segkit profile`` command that makes one),
        ``NOT_A_FILE`` (a folder), ``UNREADABLE`` (permissions, not Parquet/CSV) or
        ``NOT_A_PROFILE`` (a transaction table: run ``segkit profile`` first).
    """
    if not path.exists():
        raise _unreadable(
            path,
            "no such file; make the profile first: " + PROFILE_HOWTO.format(out=path),
            "FILE_NOT_FOUND",
        )
    if path.is_dir():
        raise _unreadable(path, "it is a folder; give the profile file inside it", "NOT_A_FILE")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            from segkit.outputs.cells import unescape_frame  # undo the spreadsheet guard

            frame = unescape_frame(
                pd.read_csv(path, dtype={"customer_id": str}, encoding="utf-8-sig")
            )
    except PermissionError as exc:
        raise _unreadable(path, exc.strerror or "permission denied", "UNREADABLE") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "UTF-8 CSV"
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise _unreadable(path, f"not a readable {kind} file ({first})", "UNREADABLE") from None
    why = transactions_hint(frame)
    if why is not None:
        raise InputError(
            f"this looks like transactions ({why}), not a customer profile: run `segkit profile` "
            "first, then segment its output: "
            + PROFILE_HOWTO.replace("<transactions>", str(path)).format(out="profile.parquet"),
            file=path,
            code="NOT_A_PROFILE",
        )
    return frame
