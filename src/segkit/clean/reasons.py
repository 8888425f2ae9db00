"""The row checks of :func:`segkit.clean.checks.clean` as SQL: reason codes, their order, the
detection counters, and the whole-column problems that stop a run.

Every function here returns SQL text over the ``staged`` table (or raises); the driver in
:mod:`segkit.clean.checks` runs it. The reason codes and their precedence are listed in
:mod:`segkit.clean.checks`.

Examples
--------
>>> from segkit.config import CleanPolicy
>>> import datetime as dt
>>> [code for _, code in reason_cases(CleanPolicy(), ("customer_id", "date", "amount"),
...                                   dt.date(2024, 1, 1))][:4]
['SUMMARY_ROW', 'PRECISION_LOST', 'NO_CUSTOMER_KEY', 'MISSING_DATE']
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from segkit.collect.collected import Collected
from segkit.collect.staging import na_marker_sql
from segkit.config import CleanPolicy

#: reason → (column role, raw text expression) for the quarantine's ``column`` and ``raw_value``
RAW_TEXT = {
    "SUMMARY_ROW": ("customer_id", "raw_customer_id"),
    "PRECISION_LOST": ("customer_id", "raw_customer_id"),
    "NO_CUSTOMER_KEY": ("customer_id", "raw_customer_id"),
    "MISSING_DATE": ("date", "raw_date"),
    "UNPARSEABLE_DATE": ("date", "raw_date"),
    "MISSING_AMOUNT": ("amount", "raw_amount"),
    "UNPARSEABLE_AMOUNT": ("amount", "raw_amount"),
    "NON_FINITE_AMOUNT": ("amount", "raw_amount"),
    "DATE_OUT_OF_RANGE": ("date", "raw_date"),
    "FUTURE_DATE": ("date", "raw_date"),
    "AFTER_AS_OF": ("date", "raw_date"),
    "CANCELLED": ("order_id", "raw_order_id"),
    "BAD_QUANTITY": ("quantity", "raw_quantity"),
    "RETURN_LINE": ("amount", "raw_amount"),
}

#: footer rows of spreadsheet exports: totals (合计/总计…) and notes (注：…) (S7)
SUMMARY_PATTERN = (
    r"^\s*(合计|总计|小计|汇总|共计|总合计|total|subtotal|grand total|sum)([\s:：]|$)"
    r"|^\s*(注|备注|说明|note)\s*[:：]"
)
#: an id written in scientific notation lost its last digits (T2)
SCIENTIFIC_ID = r"\s*[+-]?\d+(\.\d+)?[eE][+-]?\d+\s*"
#: currency markers other than yuan (V5): a column mixing them needs a conversion table
FOREIGN_CURRENCY = (
    r"(HK\$|US\$|NT\$|S\$|A\$|C\$|USD|HKD|EUR|GBP|JPY|€|£|\$|美元|港币|港元|欧元|日元)"
)


NO_KEY = "customer_id IS NULL"


def horizon(policy: CleanPolicy) -> dt.date:
    """The latest believable transaction date: ``policy.max_date``, or the run date."""
    return policy.max_date or dt.date.today()


def no_key_sql(collected: Collected) -> str:
    """SQL true where a line has no customer key: a missing id, or one of the source's
    missing-value markers (``ReadOptions.na_values``, T7; see
    :func:`segkit.collect.staging.na_marker_sql`)."""
    markers = collected.sources[0].get("na_values", ()) if collected.sources else ()
    test = na_marker_sql("customer_id", markers, trimmed=True)  # segkit_id trimmed it
    return NO_KEY if test is None else f"({NO_KEY} OR {test})"


def default_as_of(
    con: duckdb.DuckDBPyConnection, table: str, policy: CleanPolicy
) -> tuple[dt.date | None, dt.datetime | None, int]:
    """The as-of date used when none is given: the day after the latest transaction on or
    before :func:`horizon` (a typo such as 2099-12-31 must not move it), and never later
    than the horizon itself.

    Parameters
    ----------
    con : duckdb connection
    table : str
        SQL table expression with a ``date`` column (``staged``, or ``read_parquet(...)``).
    policy : CleanPolicy

    Returns
    -------
    as_of, latest, future
        The date (``None`` when no believable date exists), the latest believable
        transaction time, and how many dates lie after the horizon.
    """
    last_day = horizon(policy)
    latest, future = con.execute(
        "SELECT max(date) FILTER (WHERE date < ?::DATE + INTERVAL 1 DAY), "
        f"count(*) FILTER (WHERE date >= ?::DATE + INTERVAL 1 DAY) FROM {table}",
        [last_day, last_day],
    ).fetchall()[0]
    if latest is None:
        return None, None, int(future)
    day_after = (pd.Timestamp(latest).normalize() + pd.Timedelta(days=1)).date()
    return min(day_after, last_day), latest, int(future)


def no_dates_error(collected: Collected, future: int, last_day: dt.date) -> Exception:
    """No believable transaction date to choose a default as-of date from."""
    from segkit.errors import InputError

    first = collected.sources[0]["path"] if collected.sources else "<input>"
    why = (
        f"all {future:,} dates lie after {last_day} (policy.max_date, default the run date)"
        if future
        else "no date in the file could be read"
    )
    return InputError(
        f"cannot choose an as-of date: {why}; pass --as-of / as_of, or fix the dates",
        file=first,
        column=collected.source_column("date"),
        code="NO_DATES",
    )


def reason_cases(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> list[tuple[str, str]]:
    """(condition, reason code) pairs, first match wins."""
    missing = "date IS NULL OR order_id IS NULL" if "order_id" in roles else "date IS NULL"
    # The rare-case tests are CASE-guarded: a cheap test first, the regular expression only
    # on the few rows that pass it (a plain AND is evaluated on every row in a projection,
    # which the fused fast path is).
    summary = f"regexp_matches(lower(customer_id), '{SUMMARY_PATTERN}')"
    scientific = f"regexp_full_match(raw_customer_id, '{SCIENTIFIC_ID}')"
    cases = [
        (f"CASE WHEN {missing} THEN {summary} ELSE FALSE END", "SUMMARY_ROW"),
        (
            "CASE WHEN contains(raw_customer_id, 'e+') OR contains(raw_customer_id, 'E+') "
            f"THEN {scientific} ELSE FALSE END",
            "PRECISION_LOST",
        ),
        (no_key, "NO_CUSTOMER_KEY"),
        ("_date_blank", "MISSING_DATE"),
        ("date IS NULL", "UNPARSEABLE_DATE"),
        ("_amount_blank", "MISSING_AMOUNT"),
        ("amount IS NULL", "UNPARSEABLE_AMOUNT"),
        ("NOT isfinite(amount)", "NON_FINITE_AMOUNT"),
        (f"date < DATE '{policy.min_date}'", "DATE_OUT_OF_RANGE"),
        (f"date >= DATE '{horizon(policy)}' + INTERVAL 1 DAY", "FUTURE_DATE"),
        (f"date >= DATE '{as_of}' + INTERVAL 1 DAY", "AFTER_AS_OF"),
    ]
    if policy.cancellation_prefix and "order_id" in roles and policy.cancellations == "drop":
        prefix = policy.cancellation_prefix.replace("'", "''")
        cases.append((f"starts_with(order_id, '{prefix}')", "CANCELLED"))
    not_cancel = ""
    if policy.cancellation_prefix and "order_id" in roles:
        # kept cancellations net against the purchases they cancel: never a return to drop
        prefix = policy.cancellation_prefix.replace("'", "''")
        not_cancel = f" AND NOT coalesce(starts_with(order_id, '{prefix}'), FALSE)"
    if policy.non_positive_quantity == "drop" and "quantity" in roles:
        cases.append(("quantity <= 0 AND NOT amount < 0", "BAD_QUANTITY"))
        if policy.returns == "drop":
            cases.append((f"quantity <= 0{not_cancel}", "BAD_QUANTITY"))
    if policy.returns == "drop":
        cases.append((f"amount < 0{not_cancel}", "RETURN_LINE"))
    return cases


def reason_sql(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> str:
    pairs = reason_cases(policy, roles, as_of, no_key)
    cases = " ".join(f"WHEN {c} THEN '{code}'" for c, code in pairs)
    return f"CASE {cases} ELSE NULL END"


def removed_sql(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> str:
    """Boolean SQL over ``staged``: true where :func:`reason_sql` gives a reason.

    The blank tests only choose between two reasons for a NULL date or amount, so they are
    left out (a line is removed whenever its date or amount is NULL).
    """
    conds = [c for c, _ in reason_cases(policy, roles, as_of, no_key) if not c.startswith("_")]
    return " OR ".join(f"({c}) IS TRUE" for c in conds)


#: Checks only a removed line can fail; the others may be true on kept lines.
REMOVING = {
    "SUMMARY_ROW",
    "PRECISION_LOST",
    "NON_FINITE_AMOUNT",
    "FUTURE_DATE",
    "NO_CUSTOMER_KEY",
    "UNPARSEABLE_DATE",
    "MISSING_DATE",
    "UNPARSEABLE_AMOUNT",
    "MISSING_AMOUNT",
    "DATE_OUT_OF_RANGE",
    "AFTER_AS_OF",
}


def detect_sql(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> dict[str, str]:
    cases = dict((code, cond) for cond, code in reason_cases(policy, roles, as_of, no_key))
    checks = {
        # found by the same tests that remove them, so "found" and "removed" agree
        "SUMMARY_ROW": cases["SUMMARY_ROW"],
        "PRECISION_LOST": cases["PRECISION_LOST"],
        "NO_CUSTOMER_KEY": no_key,
        "UNPARSEABLE_DATE": "date IS NULL AND NOT _date_blank",
        "MISSING_DATE": "_date_blank",
        "UNPARSEABLE_AMOUNT": "amount IS NULL AND NOT _amount_blank",
        "MISSING_AMOUNT": "_amount_blank",
        "NON_FINITE_AMOUNT": "NOT isfinite(amount)",
        "DATE_OUT_OF_RANGE": f"date < DATE '{policy.min_date}'",
        "FUTURE_DATE": cases["FUTURE_DATE"],
        # a date after the run date is a FUTURE_DATE, not also a late one
        "AFTER_AS_OF": f"date >= DATE '{as_of}' + INTERVAL 1 DAY AND NOT ({cases['FUTURE_DATE']})",
        "NEGATIVE_AMOUNT": "amount < 0",
    }
    if policy.cancellation_prefix and "order_id" in roles:
        prefix = policy.cancellation_prefix.replace("'", "''")
        checks["CANCELLED"] = f"starts_with(order_id, '{prefix}')"
    if "quantity" in roles:
        checks["NON_POSITIVE_QUANTITY"] = "quantity <= 0"
    return checks


def refuse_column_problems(collected: Collected) -> None:
    """Problems that concern a whole column, not a row: an error naming the first row.

    * day/month order not configured while dates like ``03/04/2023`` occur (T6);
    * amounts in a foreign currency beside yuan amounts (V5).
    """
    from segkit.collect.parse import AMBIGUOUS_DATE_PATTERN
    from segkit.errors import InputError

    con = collected.con
    order = collected.sources[0].get("date_order", "YMD") if collected.sources else "YMD"
    checks = [("amount", "MIXED_CURRENCY", f"amount IS NULL AND regexp_matches(raw_amount, "
               f"'{FOREIGN_CURRENCY}')")]  # fmt: skip
    if order == "YMD" and "date" in collected.roles:
        pattern = AMBIGUOUS_DATE_PATTERN.replace("'", "''")
        checks.insert(0, ("date", "AMBIGUOUS_DATE",
                          f"date IS NULL AND regexp_matches(raw_date, '{pattern}')"))  # fmt: skip
    for role, code, condition in checks:
        if role == "amount" and "amount" not in collected.roles:
            continue
        found = con.execute(
            f"SELECT source_file, source_row, raw_{role}, count(*) OVER () FROM staged "
            f"WHERE {condition} ORDER BY source_file, source_row LIMIT 1"
        ).fetchall()
        if not found:
            continue
        file, row, raw, n = found[0]
        message = (
            f"{n} dates like {raw!r} could be day/month or month/day: set read.date_order "
            "('DMY' or 'MDY'); segkit does not guess"
            if code == "AMBIGUOUS_DATE"
            else f"{n} amounts in another currency (e.g. {raw!r}) beside yuan amounts: convert "
            "them first (a conversion table), or map a single-currency column"
        )
        raise InputError(
            message, file=file, row=int(row), column=collected.source_column(role), code=code
        )
