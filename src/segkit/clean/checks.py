"""Clean: quarantine what cannot be trusted, account for every record.

Cleaning decides, by explicit policy (:class:`segkit.config.CleanPolicy`), what happens to each
kind of problem row. Nothing disappears: every record removed goes to the **quarantine table**
(source file, source row, column, reason code, raw value, action), every value changed is
logged there too (action ``changed``), and rows kept but suspicious are logged as ``flagged``.
The data-quality summary proves the account balances::

    records read = rows kept + rows quarantined (removed)

Reason codes (first match wins, in this order)
----------------------------------------------
``TOO_MANY_COLUMNS``, ``MISSING_COLUMNS``, ``INVALID_ENCODING``, ``MIXED_ENCODING``
                        record could not be read (or is in another encoding than its file)
``DUPLICATE_ROW``       identical to an earlier record in every source column (de-duplication)
``NO_CUSTOMER_KEY``     customer id empty
``UNPARSEABLE_DATE`` / ``MISSING_DATE``       no date rule accepts the text / empty
``UNPARSEABLE_AMOUNT`` / ``MISSING_AMOUNT``   no money rule accepts the text / empty
``NON_FINITE_AMOUNT``   an amount too large for a number (``1e309``), infinite or NaN
``DATE_OUT_OF_RANGE``   before ``policy.min_date``
``FUTURE_DATE``         after ``policy.max_date`` (default: the run date), e.g. a 2099 typo
``AFTER_AS_OF``         after the analysis date (Ti3)
``CANCELLED``           order id starts with ``policy.cancellation_prefix`` (if
                        ``cancellations="drop"``; by default only those matched to the
                        purchase they cancel, see :func:`match_cancellations`; the others
                        are kept and net)
``CANCELLED_PURCHASE``  the purchase line a matched cancellation cancels (default policy)
``BAD_QUANTITY``        quantity ≤ 0 on a non-return line (if dropped)
``RETURN_LINE``         negative amount, not a cancellation (if ``returns="drop"``)

Flags (row kept): ``POSSIBLE_DUPLICATE`` (identical rows without an order id),
``CONFLICTING_ORDER`` (one order id under several customer ids), ``OUTLIER_HIGH``/
``OUTLIER_LOW``. Changes: ``WINSORISED``.

Examples
--------
>>> import pandas as pd, datetime as dt
>>> from segkit.collect import collect_frame
>>> from segkit.config import ColumnMap
>>> tx = pd.DataFrame({"c": ["1", "1", "", "2"], "d": ["2024-01-01"] * 4,
...                    "a": ["10", "10", "5", "x"], "o": ["A", "A", "B", "C"]})
>>> col = collect_frame(tx, ColumnMap(customer_id="c", date="d", amount="a", order_id="o"))
>>> res = clean(col, as_of=dt.date(2024, 2, 1))
>>> res.quarantine[["source_row", "reason_code"]].values.tolist()
[[3, 'DUPLICATE_ROW'], [4, 'NO_CUSTOMER_KEY'], [5, 'UNPARSEABLE_AMOUNT']]
>>> res.rows_in, res.rows_kept, res.rows_removed
(4, 1, 3)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from segkit.clean.fastpath import CORE_TABLE, FusedStats, run_fused, suspect_scope
from segkit.collect.collected import Collected
from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.collect.staging import ROLE_ORDER, dedupe_key_sql, na_marker_sql
from segkit.config import CleanPolicy
from segkit.privacy import mask_frame_text

_RAW = {  # reason → (column role, raw text expression)
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


@dataclass
class CleanResult:
    """Outcome of :func:`clean`.

    Attributes
    ----------
    con : duckdb connection
        Holds table ``clean_tx``: the kept transactions (typed role columns, source_file,
        source_row, ``is_return``, ``order_key``).
    quarantine : pandas.DataFrame
        One row per removed, changed or flagged record (:data:`QUARANTINE_COLUMNS`).
    rows_in, rows_kept, rows_removed : int
        The account: ``rows_in == rows_kept + rows_removed`` always.
    detected : dict
        How many records each check found, before precedence (a record with a missing id
        that is also a duplicate counts in both).
    as_of : datetime.date
    """

    con: duckdb.DuckDBPyConnection
    quarantine: pd.DataFrame
    rows_in: int
    rows_kept: int
    rows_removed: int
    detected: dict[str, int]
    as_of: dt.date
    policy: CleanPolicy
    notes: list[str] = field(default_factory=list)
    #: Table of per-customer core sums from the fused pass (see :mod:`segkit.clean.fastpath`),
    #: which :func:`segkit.profile.build_profile` reads; ``None`` when not computed.
    core_table: str | None = None
    #: Customers with a cancellation matched to the purchase it cancels
    #: (:func:`match_cancellations`); those left with no kept line are listed by the profile.
    cancelled_customers: tuple[str, ...] = ()

    def kept(self) -> pd.DataFrame:
        """Kept transactions as pandas (small data only)."""
        return self.con.sql("SELECT * FROM clean_tx ORDER BY source_file, source_row").df()

    def summary(self) -> pd.DataFrame:
        """The data-quality summary: one row per check, and the balance.

        Columns: ``check``, ``detected`` (records the check found), ``removed``,
        ``changed``, ``flagged`` (records acted on under this reason).
        """
        q = self.quarantine
        acted = q.groupby(["reason_code", "action"]).size().unstack(fill_value=0)
        rows = []
        for code in sorted(set(self.detected) | set(acted.index)):
            rows.append(
                {
                    "check": code,
                    "detected": int(self.detected.get(code, 0)),
                    **{
                        a: int(acted.loc[code, a]) if code in acted.index and a in acted else 0
                        for a in ("removed", "changed", "flagged")
                    },
                }
            )
        table = pd.DataFrame(rows, columns=["check", "detected", "removed", "changed", "flagged"])
        totals = pd.DataFrame(
            [
                {"check": "records read", "detected": self.rows_in},
                {"check": "rows kept", "detected": self.rows_kept},
                {"check": "rows quarantined", "detected": self.rows_removed},
            ]
        )
        return (
            pd.concat([totals, table], ignore_index=True)
            .fillna(0)
            .astype({c: "int64" for c in ("detected", "removed", "changed", "flagged")})
        )

    def summary_text(self) -> str:
        """A printable data-quality summary that ends with the balance check."""
        lines = ["Data-quality summary (数据质量摘要)", f"  as-of date: {self.as_of}"]
        for r in self.summary().itertuples(index=False):
            if r.check in ("records read", "rows kept", "rows quarantined"):
                lines.append(f"  {r.check:<20}{r.detected:>12,}")
            elif r.detected or r.removed or r.changed or r.flagged:
                lines.append(
                    f"  {r.check:<20}{r.detected:>12,} found; removed {r.removed:,}, "
                    f"changed {r.changed:,}, flagged {r.flagged:,}"
                )
        ok = self.rows_in == self.rows_kept + self.rows_removed
        lines.append(
            f"  balance: {self.rows_in:,} = {self.rows_kept:,} kept + {self.rows_removed:,} "
            f"quarantined -> {'OK' if ok else 'MISMATCH'}"
        )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Counts for a run manifest."""
        return {
            "as_of": str(self.as_of),
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "rows_quarantined": self.rows_removed,
            "max_date": str(horizon(self.policy)),
            "detected": dict(self.detected),
            "policy": self.policy.model_dump(mode="json"),
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


def _sql_double(x: float) -> str:
    """A float as a SQL literal that is valid for every value, ``inf`` and ``nan`` included
    (``repr`` pasted bare turns ``inf`` into a column name)."""
    return f"CAST('{float(x)!r}' AS DOUBLE)"


def horizon(policy: CleanPolicy) -> dt.date:
    """The latest believable transaction date: ``policy.max_date``, or the run date."""
    return policy.max_date or dt.date.today()


def _no_key_sql(collected: Collected) -> str:
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


def _no_dates_error(collected: Collected, future: int, last_day: dt.date) -> Exception:
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


def _reason_cases(
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


def _reason_sql(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> str:
    pairs = _reason_cases(policy, roles, as_of, no_key)
    cases = " ".join(f"WHEN {c} THEN '{code}'" for c, code in pairs)
    return f"CASE {cases} ELSE NULL END"


def _removed_sql(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> str:
    """Boolean SQL over ``staged``: true where :func:`_reason_sql` gives a reason.

    The blank tests only choose between two reasons for a NULL date or amount, so they are
    left out (a line is removed whenever its date or amount is NULL).
    """
    conds = [c for c, _ in _reason_cases(policy, roles, as_of, no_key) if not c.startswith("_")]
    return " OR ".join(f"({c}) IS TRUE" for c in conds)


#: Checks only a removed line can fail; the others may be true on kept lines.
_REMOVING = {
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


def _detect_sql(
    policy: CleanPolicy, roles: tuple[str, ...], as_of: dt.date, no_key: str = NO_KEY
) -> dict[str, str]:
    cases = dict((code, cond) for cond, code in _reason_cases(policy, roles, as_of, no_key))
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


def _refuse_column_problems(collected: Collected) -> None:
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


def clean(
    collected: Collected,
    *,
    as_of: dt.date | str | None = None,
    policy: CleanPolicy | None = None,
    fast_path: bool = True,
) -> CleanResult:
    """Apply the cleaning policy to staged transactions.

    Parameters
    ----------
    collected : Collected
        Output of :func:`segkit.collect.sources.collect`.
    as_of : date or ISO string, optional
        The analysis date; later transactions are quarantined (``AFTER_AS_OF``). When omitted,
        the day after the latest transaction date is used and a note says so; the result never
        depends on today's date.
    policy : CleanPolicy, optional
    fast_path : bool
        With an order id mapped, run the checks, the duplicate search and the core profile
        in one fused pass (:mod:`segkit.clean.fastpath`) and fall back to the general passes only
        where it cannot prove the result. ``False`` always uses the general passes; the
        results are the same.

    Returns
    -------
    CleanResult
    """
    policy = policy or CleanPolicy()
    con = collected.con
    roles = collected.roles
    notes: list[str] = []
    last_day = horizon(policy)
    if as_of is None:
        as_of, latest, future = default_as_of(con, "staged", policy)
        if as_of is None or latest is None:
            raise _no_dates_error(collected, int(future), last_day)
        day_after = (pd.Timestamp(latest).normalize() + pd.Timedelta(days=1)).date()
        notes.append(
            f"as_of not given: using the day after the latest transaction ({as_of})"
            if as_of == day_after
            else f"as_of not given: using the run date ({as_of}; latest transaction "
            f"{latest:%Y-%m-%d})"
        )
        if future:
            notes.append(f"{future:,} dates after {last_day} quarantined as FUTURE_DATE")
    as_of_d: dt.date = pd.Timestamp(as_of).date()
    _refuse_column_problems(collected)

    has_order = "order_id" in roles
    dedupe: str = policy.dedupe
    if dedupe == "auto":
        dedupe = "exact" if has_order else "flag"
    order_key = "order_id" if has_order else "source_file || ':' || source_row"

    key_cols = dedupe_key_sql(roles)
    typed = [r for r in ROLE_ORDER if r in roles or r == "amount"]
    no_key = _no_key_sql(collected)
    detect = _detect_sql(policy, roles, as_of_d, no_key)
    # Fast path (segkit.clean.fastpath): with an order id, one grouped pass runs the row checks,
    # proves most orders free of duplicates and sums the kept lines into the core profile.
    # Only removed lines and customers with an unproven order are looked at again.
    fused: FusedStats | None = None
    scope: str | None = "staged"
    if fast_path and has_order and dedupe in ("exact", "none"):
        bad = _removed_sql(policy, roles, as_of_d, no_key)
        counters = {k: c for k, c in detect.items() if k not in _REMOVING}
        fused = run_fused(con, bad, counters)
        scope = suspect_scope(
            con,
            bad,
            with_bad=fused.has_removed,
            with_suspects=dedupe == "exact" and fused.suspect_customers > 0,
        )
    # Pass 1 (de-duplication only): whole-row hashes seen more than once, then the exact
    # rank among those few candidates, verified on every mapped column's raw text.
    con.execute("CREATE OR REPLACE TEMP TABLE _dups(source_file VARCHAR, source_row BIGINT)")
    if dedupe != "none" and scope is not None:
        con.execute(
            f"""INSERT INTO _dups
            WITH scope AS (SELECT * FROM {scope}),
            cand AS (SELECT _row_hash FROM scope GROUP BY _row_hash HAVING count(*) > 1)
            SELECT source_file, source_row FROM (
                SELECT source_file, source_row,
                       row_number() OVER (PARTITION BY _row_hash, {key_cols}
                                          ORDER BY source_file, source_row) AS dup_rank
                FROM scope SEMI JOIN cand USING (_row_hash))
            WHERE dup_rank > 1"""
        )
    if fused is not None:
        # the checks need the removed lines only (kept lines were counted by the fused pass)
        removed_only = f"(SELECT * FROM staged WHERE {bad})" if fused.has_removed else None
        if fused.suspect_customers and con.execute("SELECT count(*) FROM _dups").fetchall()[0][0]:
            # a kept line may be a duplicate: the fused sums are not the profile's
            con.execute(f"DROP TABLE {CORE_TABLE}")
            fused, removed_only = None, "staged"
        scope = removed_only
    # Pass 2: every record any check has something to say about — a small table. The
    # typed columns cannot tell an empty cell from an unparseable one, so raw text is read
    # where a typed value is missing, and kept for these records only.
    reason = _reason_sql(policy, roles, as_of_d, no_key)
    if dedupe == "exact":
        reason = f"CASE WHEN is_dup THEN 'DUPLICATE_ROW' ELSE {reason} END"
    flags = ", ".join(f'({c}) IS TRUE AS "f_{k}"' for k, c in detect.items())
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tx_issues AS
        WITH s AS (
            SELECT s.*, d.source_row IS NOT NULL AS is_dup,
                   CASE WHEN date IS NULL THEN raw_date IS NULL END AS _date_blank,
                   CASE WHEN amount IS NULL THEN nullif(trim(raw_amount), '') IS NULL END
                       AS _amount_blank
            FROM {scope or "(SELECT * FROM staged WHERE FALSE)"} s
            LEFT JOIN _dups d USING (source_file, source_row)),
        q AS (
            SELECT *, {flags}, {reason} AS q FROM s)
        SELECT * EXCLUDE (_row_hash) FROM q
        WHERE q IS NOT NULL OR is_dup OR {" OR ".join(f'"f_{k}"' for k in detect)}"""
    )
    # With the fast path, tx_issues holds the removed lines (and kept lines of suspect
    # customers, counted already by the fused pass): count the removed ones only.
    only = " AND q IS NOT NULL" if fused is not None else ""
    sums = ", ".join(f'count(*) FILTER (WHERE "f_{k}"{only})' for k in detect)
    counts = con.execute(f"SELECT count(*) FILTER (WHERE is_dup), {sums} FROM tx_issues")
    row = counts.fetchall()[0]
    detected = {"DUPLICATE_ROW": int(row[0])}
    detected.update({k: int(v) for k, v in zip(detect, row[1:], strict=True)})
    if fused is not None:
        for k, v in fused.good_counts.items():
            detected[k] += v
    for code, n in collected.rejects["reason_code"].value_counts().items():
        detected[str(code)] = int(n)

    raw_case = " ".join(
        f"WHEN '{code}' THEN {raw}"
        for code, (_, raw) in _RAW.items()
        if raw.removeprefix("raw_") in roles or raw == "raw_amount"
    )
    col_case = " ".join(f"WHEN '{code}' THEN '{role}'" for code, (role, _) in _RAW.items())
    all_raw = " || ' | ' || ".join(
        f"coalesce(raw_{r}, '')" for r in roles if r not in ("unit_price",)
    )
    quarantine = con.sql(
        f"""SELECT source_file, source_row,
                   CASE q {col_case} ELSE NULL END AS "column",
                   q AS reason_code,
                   CASE q {raw_case} ELSE {all_raw} END AS raw_value,
                   'removed' AS action, NULL AS detail
            FROM tx_issues WHERE q IS NOT NULL"""
    ).df()
    comma = (quarantine["reason_code"] == "UNPARSEABLE_AMOUNT") & quarantine["raw_value"].astype(
        "string"
    ).str.fullmatch(r"\s*[-+]?\d{1,3}(\.\d{3})*,\d{1,2}\s*|\s*[-+]?\d+,\d{1,2}\s*").fillna(
        False
    ).astype(bool)
    quarantine.loc[comma, "detail"] = "a decimal comma? set read.decimal=',' for this file"
    huge = (quarantine["reason_code"] == "UNPARSEABLE_AMOUNT") & quarantine["raw_value"].astype(
        "string"
    ).str.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+\s*").fillna(False).astype(bool)
    quarantine.loc[huge, "detail"] = "a number beyond the range of a double (about ±1.8e308)"
    comma_files = {Path(src["path"]).name for src in collected.sources if src.get("decimal") == ","}
    point = (
        (quarantine["reason_code"] == "UNPARSEABLE_AMOUNT")
        & quarantine["source_file"].isin(comma_files)
        & quarantine["raw_value"].astype("string").str.contains(".", regex=False).fillna(False)
    ).astype(bool)
    quarantine.loc[point, "detail"] = (
        "a decimal point in a file read with read.decimal=',': 12.50 could be 12.5 or 1250, "
        "so it is not guessed"
    )
    if dedupe == "flag":
        flagged = con.sql(
            f"""SELECT source_file, source_row, NULL AS "column",
                       'POSSIBLE_DUPLICATE' AS reason_code, {all_raw} AS raw_value,
                       'flagged' AS action,
                       'identical to an earlier row; without an order id it may be a '
                       || 'second equal purchase, so it is kept' AS detail
                FROM tx_issues WHERE is_dup AND q IS NULL"""
        ).df()
        detected["POSSIBLE_DUPLICATE"] = len(flagged)
        detected.pop("DUPLICATE_ROW", None)
        quarantine = pd.concat([quarantine, flagged], ignore_index=True)
    elif dedupe == "none":
        detected.pop("DUPLICATE_ROW", None)

    # Conflicting records: one order id under several customer ids. The lines are kept
    # (which customer is right cannot be decided here) and flagged for the analyst.
    if has_order and policy.conflicting_orders == "flag":
        conflicts = con.sql(
            """WITH bad AS (
                    SELECT order_id FROM staged WHERE customer_id IS NOT NULL
                    GROUP BY order_id HAVING min(hash(customer_id)) <> max(hash(customer_id)))
                SELECT source_file, source_row, 'order_id' AS "column",
                       'CONFLICTING_ORDER' AS reason_code, raw_order_id AS raw_value,
                       'flagged' AS action,
                       'this order id appears under more than one customer id' AS detail
                FROM staged SEMI JOIN bad USING (order_id)
                WHERE customer_id IS NOT NULL"""
        ).df()
        detected["CONFLICTING_ORDER"] = len(conflicts)
        if len(conflicts):
            quarantine = pd.concat([quarantine, conflicts], ignore_index=True)

    # The kept lines: the source minus the removed records (an anti-join with a small
    # table), so the line table is never copied; the profile reads this view directly.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _removed AS
        SELECT source_file, source_row FROM tx_issues WHERE q IS NOT NULL"""
    )
    nothing_removed = not con.execute("SELECT count(*) FROM _removed").fetchall()[0][0]
    source = (
        "staged" if nothing_removed else "staged ANTI JOIN _removed USING (source_file, source_row)"
    )
    # Cancellations kept to net (the default): a cancellation line and the purchase line it
    # cancels are removed together, so the cancelled purchase is no order and no purchase date
    cancelled_customers: tuple[str, ...] = ()
    if policy.cancellation_prefix and has_order and policy.cancellations == "net":
        pairs = match_cancellations(con, source, policy.cancellation_prefix)
        if len(pairs):
            detected["CANCELLED_PURCHASE"] = int(
                (pairs["reason_code"] == "CANCELLED_PURCHASE").sum()
            )
            cancelled_customers = tuple(sorted(set(pairs.pop("customer_id"))))
            quarantine = pd.concat([quarantine, pairs], ignore_index=True)
            con.register("_pairs_df", pairs[["source_file", "source_row"]])
            con.execute("INSERT INTO _removed SELECT source_file, source_row FROM _pairs_df")
            con.unregister("_pairs_df")
            source = "staged ANTI JOIN _removed USING (source_file, source_row)"

    def _define_kept(amount_sql: str) -> None:
        cols = ", ".join(f"{amount_sql} AS amount" if c == "amount" else c for c in typed)
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW clean_tx AS
            SELECT source_file, source_row, {cols},
                   {order_key} AS order_key, amount < 0 AS is_return
            FROM {source}"""
        )

    _define_kept("amount")
    # Outliers on kept positive lines: flag, or winsorise to the fences.
    if policy.outliers != "none":
        fences = outlier_fences(con, policy)
        if fences is not None:
            lo, hi, rule = fences
            action = "changed" if policy.outliers == "winsorise" else "flagged"
            detail = f"outside the {rule} [{_num_text(lo)}, {_num_text(hi)}]"
            out = con.execute(
                """SELECT source_file, source_row, 'amount' AS "column",
                    CASE WHEN amount > $hi THEN 'OUTLIER_HIGH' ELSE 'OUTLIER_LOW' END
                        AS reason_code,
                    CAST(amount AS VARCHAR) AS raw_value, $action AS action, $detail AS detail
                FROM clean_tx WHERE amount > 0 AND (amount > $hi OR amount < $lo)""",
                {"lo": lo, "hi": hi, "action": action, "detail": detail},
            ).df()
            detected["OUTLIER_HIGH"] = int((out["reason_code"] == "OUTLIER_HIGH").sum())
            detected["OUTLIER_LOW"] = int((out["reason_code"] == "OUTLIER_LOW").sum())
            if policy.outliers == "winsorise":
                out["reason_code"] = "WINSORISED"
                lo_sql, hi_sql = _sql_double(lo), _sql_double(hi)  # a view takes no parameters
                _define_kept(
                    f"CASE WHEN amount > 0 THEN least(greatest(amount, {lo_sql}), {hi_sql}) "
                    "ELSE amount END"
                )
            quarantine = pd.concat([quarantine, out], ignore_index=True)

    quarantine = pd.concat(
        [collected.rejects.astype("object"), quarantine.astype("object")], ignore_index=True
    ).reindex(columns=QUARANTINE_COLUMNS)
    quarantine["source_row"] = quarantine["source_row"].astype("int64")
    for text_col in ("column", "raw_value", "detail"):
        values = quarantine[text_col].astype("object")
        quarantine[text_col] = values.where(values.notna(), None)
    # personal data in quarantined values and file names is masked, as in collect's rejects
    quarantine = mask_frame_text(quarantine, ("source_file", "column", "raw_value", "detail"))
    quarantine = quarantine.sort_values(["source_file", "source_row", "action"], kind="stable")
    quarantine = quarantine.reset_index(drop=True)
    removed = int((quarantine["action"] == "removed").sum())
    # counted, not derived: the balance below is a real check (cheap: only row keys are read)
    kept = con.execute("SELECT count(*) FROM clean_tx").fetchall()[0][0]
    late = int((quarantine["reason_code"] == "AFTER_AS_OF").sum())
    if kept == 0 and late:  # an empty profile would look like a result: refuse
        from segkit.errors import InputError

        first = con.execute(
            "SELECT min(date) FROM staged WHERE date >= ?::DATE + INTERVAL 1 DAY", [as_of_d]
        ).fetchall()[0][0]
        raise InputError(
            f"the as-of date {as_of_d} is before every transaction (the earliest is "
            f"{first:%Y-%m-%d}): {late:,} rows would be "
            "quarantined as AFTER_AS_OF and the profile would be empty; choose a later as-of",
            file=collected.sources[0]["path"] if collected.sources else "<input>",
            column=collected.source_column("date"),
            code="AS_OF_BEFORE_DATA",
        )
    result = CleanResult(
        con=con,
        quarantine=quarantine,
        rows_in=collected.records,
        rows_kept=int(kept),
        rows_removed=removed,
        detected=detected,
        as_of=as_of_d,
        policy=policy,
        notes=notes,
        # the fused sums include matched cancellation pairs: then the profile reads clean_tx
        core_table=CORE_TABLE
        if fused is not None and policy.outliers != "winsorise" and not cancelled_customers
        else None,
        cancelled_customers=cancelled_customers,
    )
    if result.rows_in != result.rows_kept + result.rows_removed:  # pragma: no cover - invariant
        raise AssertionError(f"row account does not balance:\n{result.summary_text()}")
    return result


def match_cancellations(con: duckdb.DuckDBPyConnection, source: str, prefix: str) -> pd.DataFrame:
    """Pair each cancellation line with the purchase line it cancels; both are removed.

    Rule: within one customer, a cancellation line (order id starting with ``prefix``,
    amount −a) cancels a purchase line of exactly +a (to the cent) that is not a
    cancellation; lines of the same customer and amount are paired one-to-one, the most
    recent cancellation with the most recent purchase, and so on; a pair whose purchase is
    dated after its cancellation is not a pair. Unpaired cancellation lines (a partial
    cancellation, or one whose purchase is before the data) stay and net as negative amounts.

    Returns quarantine rows (``CANCELLED`` for the cancellation line, ``CANCELLED_PURCHASE``
    for the purchase, each naming the other's row in ``detail``) plus ``customer_id``.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES "
    ...     "('f', 2, '1', 'A1', 'A1', TIMESTAMP '2024-01-01', 5.0), "
    ...     "('f', 3, '1', 'C1', 'C1', TIMESTAMP '2024-01-02', -5.0), "
    ...     "('f', 4, '1', 'C2', 'C2', TIMESTAMP '2024-01-02', -3.0)) "
    ...     "AS t(source_file, source_row, customer_id, order_id, raw_order_id, date, amount)")
    >>> pairs = match_cancellations(con, "t", "C")
    >>> pairs[["source_row", "reason_code"]].values.tolist()
    [[3, 'CANCELLED'], [2, 'CANCELLED_PURCHASE']]
    >>> pairs["detail"].tolist()
    ['cancels the purchase at row 2', 'cancelled by row 3']
    """
    lit = "'" + prefix.replace("'", "''") + "'"
    return con.sql(
        f"""WITH k AS (
                SELECT source_file, source_row, customer_id, order_id, raw_order_id, date,
                       round(amount, 2) AS cents, starts_with(order_id, {lit}) AS is_c
                FROM {source} WHERE customer_id IS NOT NULL AND amount IS NOT NULL),
            c AS (
                SELECT *, row_number() OVER (PARTITION BY customer_id, -cents
                                             ORDER BY date DESC, source_file, source_row) AS rk
                FROM k WHERE is_c AND cents < 0),
            p AS (
                SELECT *, row_number() OVER (PARTITION BY customer_id, cents
                                             ORDER BY date DESC, source_file, source_row) AS rk
                FROM k SEMI JOIN (SELECT DISTINCT customer_id FROM c) USING (customer_id)
                WHERE NOT is_c AND cents > 0),
            pairs AS (
                SELECT c.customer_id, c.source_file AS c_file, c.source_row AS c_row,
                       c.raw_order_id AS c_raw, p.source_file AS p_file,
                       p.source_row AS p_row, p.raw_order_id AS p_raw
                FROM c JOIN p ON c.customer_id = p.customer_id AND -c.cents = p.cents
                                 AND c.rk = p.rk
                WHERE p.date <= c.date)
        SELECT * FROM (
            SELECT c_file AS source_file, c_row AS source_row, 'order_id' AS "column",
                   'CANCELLED' AS reason_code, c_raw AS raw_value, 'removed' AS action,
                   'cancels the purchase at row ' || p_row AS detail, customer_id
            FROM pairs
            UNION ALL
            SELECT p_file, p_row, 'order_id', 'CANCELLED_PURCHASE', p_raw, 'removed',
                   'cancelled by row ' || c_row, customer_id
            FROM pairs)
        ORDER BY reason_code, source_file, source_row"""
    ).df()


def dedupe_master(
    master: pd.DataFrame, *, key: str = "customer_id", source_file: str = "customers"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean a customer master: one row per id, every dropped row quarantined.

    Rules: an empty id is ``NO_CUSTOMER_KEY``; a row identical to an earlier one is
    ``DUPLICATE_ROW``; rows sharing an id but differing in other columns are
    ``CONFLICTING_RECORD`` — the **last** such row in file order is kept (exports append
    updates), the others are quarantined with the differing columns named in ``detail``.

    Returns the cleaned master and its quarantine rows.

    Examples
    --------
    >>> m = pd.DataFrame({"customer_id": ["1", "1", "2", None], "city": ["京", "沪", "粤", "x"]})
    >>> kept, q = dedupe_master(m)
    >>> kept["city"].tolist(), q["reason_code"].tolist()
    (['沪', '粤'], ['CONFLICTING_RECORD', 'NO_CUSTOMER_KEY'])
    """
    frame = master.copy()
    if "source_row" not in frame:
        frame["source_row"] = range(2, len(frame) + 2)
    ids = frame[key].astype("string").str.strip()
    frame[key] = ids.mask(ids == "")
    data_cols = [c for c in frame.columns if c not in ("source_row", "source_file")]
    q_rows: list[dict[str, Any]] = []

    def _q(rows: pd.DataFrame, code: str, detail: str | None = None) -> None:
        for r in rows.itertuples(index=False):
            q_rows.append(
                {
                    "source_file": source_file,
                    "source_row": int(getattr(r, "source_row")),  # noqa: B009
                    "column": key,
                    "reason_code": code,
                    "raw_value": None if pd.isna(getattr(r, key)) else str(getattr(r, key)),
                    "action": "removed",
                    "detail": detail,
                }
            )

    missing = frame[key].isna()
    _q(frame[missing], "NO_CUSTOMER_KEY")
    frame = frame[~missing]
    dup = frame.duplicated(subset=data_cols, keep="first")
    _q(frame[dup], "DUPLICATE_ROW")
    frame = frame[~dup]
    conflict = frame.duplicated(subset=[key], keep="last")
    for _, grp in frame[frame[key].isin(frame.loc[conflict, key])].groupby(key, sort=True):
        differing = [c for c in data_cols if c != key and grp[c].nunique(dropna=False) > 1]
        _q(
            grp.iloc[:-1],
            "CONFLICTING_RECORD",
            f"differs in {differing}; kept source_row {int(grp['source_row'].iloc[-1])}",
        )
    frame = frame[~conflict]
    quarantine = pd.DataFrame(q_rows, columns=QUARANTINE_COLUMNS)
    quarantine = quarantine.sort_values("source_row", kind="stable").reset_index(drop=True)
    return frame.reset_index(drop=True), quarantine


def _num_text(value: float) -> str:
    """A finite float as short text for messages (``inf`` spelled out, never pasted as SQL)."""
    return f"{value:.6g}" if np.isfinite(value) else str(value)


#: the 5–95 % range of a normal sample is 2.44 times its inter-quartile range
_RANGE_90_PER_IQR = 2 * 1.6448536269514722 / 1.3489795003921634


def outlier_fences(con: Any, policy: Any) -> tuple[float, float, str] | None:
    """(lower, upper, rule in words) for the positive amounts of ``clean_tx``, or None.

    ``log_tukey``: Tukey's fences on ln(amount), exp(Q1 − k·IQR) and exp(Q3 + k·IQR). When
    half the amounts are equal (IQR 0) the spread is the 5–95 % range / 2.44 (the ratio of a
    normal sample), and when 90 % are equal a factor of 10 either side of the median. On
    log-normal amounts k = 3 flags about one line in a million; on 7 ordinary amounts none.
    ``quantile``: the ``outlier_fences`` quantiles of the amounts.
    """
    if policy.outlier_rule == "quantile":
        lo_q, hi_q = policy.outlier_fences
        row = con.execute(
            "SELECT quantile_cont(amount, $lo), quantile_cont(amount, $hi) "
            "FROM clean_tx WHERE amount > 0",
            {"lo": float(lo_q), "hi": float(hi_q)},
        ).fetchall()[0]
        if row[0] is None:
            return None
        return float(row[0]), float(row[1]), f"{lo_q:g}–{hi_q:g} quantile fences"
    row = con.execute(
        "SELECT quantile_cont(ln(amount), [0.05, 0.25, 0.5, 0.75, 0.95]) "
        "FROM clean_tx WHERE amount > 0 AND isfinite(amount)"
    ).fetchall()[0][0]
    if row is None:
        return None
    p05, q1, med, q3, p95 = (float(v) for v in row)
    k = float(policy.outlier_k)
    iqr = q3 - q1
    if iqr > 0:
        lo, hi, how = q1 - k * iqr, q3 + k * iqr, ""
    elif p95 > p05:
        spread = (p95 - p05) / _RANGE_90_PER_IQR
        lo, hi, how = q1 - k * spread, q3 + k * spread, ", IQR 0: 5–95 % range / 2.44"
    else:
        lo, hi, how = med - np.log(10.0), med + np.log(10.0), ", 90 % equal: ×/÷ 10 of the median"
    rule = f"Tukey fences on the log scale (k = {k:g}{how})"
    return float(np.exp(lo)), float(np.exp(hi)), rule
