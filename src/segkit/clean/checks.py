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
>>> from segkit.collect.sources import collect_frame
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

import pandas as pd

from segkit.clean.fastpath import CORE_TABLE
from segkit.clean.kept import match_cancellations, outlier_rows
from segkit.clean.passes import (
    CleanPass,
    count_detected,
    find_duplicates,
    issues_table,
    plan,
    removed_rows,
)
from segkit.clean.reasons import default_as_of, horizon, no_dates_error, refuse_column_problems
from segkit.clean.result import CleanResult
from segkit.collect.collected import Collected
from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.collect.staging import ROLE_ORDER
from segkit.config import CleanPolicy
from segkit.privacy import mask_frame_text


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
    notes: list[str] = []
    as_of_d = _choose_as_of(collected, as_of, policy, notes)
    refuse_column_problems(collected)
    p = plan(collected, policy, as_of_d)
    fused, scope = find_duplicates(p, fast_path)
    issues_table(p, scope)
    count_detected(p, fused)
    p.parts.append(removed_rows(p))
    _duplicate_flags(p)
    _conflicting_orders(p)
    source, cancelled = _kept_lines(p)
    _outliers(p, source)
    quarantine = _quarantine(p)
    kept = _refuse_empty(p, quarantine)
    # the fused sums include matched cancellation pairs: then the profile reads clean_tx
    core = fused is not None and policy.outliers != "winsorise" and not cancelled
    result = CleanResult(
        con=p.con,
        quarantine=quarantine,
        rows_in=collected.records,
        rows_kept=kept,
        rows_removed=int((quarantine["action"] == "removed").sum()),
        detected=p.detected,
        as_of=as_of_d,
        policy=policy,
        notes=notes,
        core_table=CORE_TABLE if core else None,
        cancelled_customers=cancelled,
    )
    if result.rows_in != result.rows_kept + result.rows_removed:  # pragma: no cover - invariant
        raise AssertionError(f"row account does not balance:\n{result.summary_text()}")
    return result


def _choose_as_of(
    collected: Collected, as_of: dt.date | str | None, policy: CleanPolicy, notes: list[str]
) -> dt.date:
    """The analysis date: the one given, or :func:`default_as_of` (with a note saying so)."""
    if as_of is None:
        last_day = horizon(policy)
        as_of, latest, future = default_as_of(collected.con, "staged", policy)
        if as_of is None or latest is None:
            raise no_dates_error(collected, int(future), last_day)
        day_after = (pd.Timestamp(latest).normalize() + pd.Timedelta(days=1)).date()
        notes.append(
            f"as_of not given: using the day after the latest transaction ({as_of})"
            if as_of == day_after
            else f"as_of not given: using the run date ({as_of}; latest transaction "
            f"{latest:%Y-%m-%d})"
        )
        if future:
            notes.append(f"{future:,} dates after {last_day} quarantined as FUTURE_DATE")
    return pd.Timestamp(as_of).date()


def _duplicate_flags(p: CleanPass) -> None:
    """Without exact de-duplication, identical rows are flagged (``flag``) or not counted."""
    if p.dedupe == "flag":
        flagged = p.con.sql(
            f"""SELECT source_file, source_row, NULL AS "column",
                       'POSSIBLE_DUPLICATE' AS reason_code, {p.all_raw} AS raw_value,
                       'flagged' AS action,
                       'identical to an earlier row; without an order id it may be a '
                       || 'second equal purchase, so it is kept' AS detail
                FROM tx_issues WHERE is_dup AND q IS NULL"""
        ).df()
        p.detected["POSSIBLE_DUPLICATE"] = len(flagged)
        p.detected.pop("DUPLICATE_ROW", None)
        p.parts.append(flagged)
    elif p.dedupe == "none":
        p.detected.pop("DUPLICATE_ROW", None)


def _conflicting_orders(p: CleanPass) -> None:
    """One order id under several customer ids: the lines are kept (which customer is right
    cannot be decided here) and flagged for the analyst."""
    if not (p.has_order and p.policy.conflicting_orders == "flag"):
        return
    conflicts = p.con.sql(
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
    p.detected["CONFLICTING_ORDER"] = len(conflicts)
    if len(conflicts):
        p.parts.append(conflicts)


def _kept_lines(p: CleanPass) -> tuple[str, tuple[str, ...]]:
    """View ``clean_tx`` over the kept lines; returns its source and the customers with a
    matched cancellation.

    The kept lines are the source minus the removed records (an anti-join with a small table),
    so the line table is never copied; the profile reads this view directly. With
    cancellations kept to net (the default), a cancellation line and the purchase line it
    cancels are removed together, so the cancelled purchase is no order and no purchase date.
    """
    con, policy = p.con, p.policy
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _removed AS
        SELECT source_file, source_row FROM tx_issues WHERE q IS NOT NULL"""
    )
    nothing_removed = not con.execute("SELECT count(*) FROM _removed").fetchall()[0][0]
    anti = "staged ANTI JOIN _removed USING (source_file, source_row)"
    source = "staged" if nothing_removed else anti
    cancelled: tuple[str, ...] = ()
    if policy.cancellation_prefix and p.has_order and policy.cancellations == "net":
        pairs = match_cancellations(con, source, policy.cancellation_prefix)
        if len(pairs):
            p.detected["CANCELLED_PURCHASE"] = int(
                (pairs["reason_code"] == "CANCELLED_PURCHASE").sum()
            )
            cancelled = tuple(sorted(set(pairs.pop("customer_id"))))
            p.parts.append(pairs)
            con.register("_pairs_df", pairs[["source_file", "source_row"]])
            con.execute("INSERT INTO _removed SELECT source_file, source_row FROM _pairs_df")
            con.unregister("_pairs_df")
            source = anti
    _define_kept(p, source, "amount")
    return source, cancelled


def _define_kept(p: CleanPass, source: str, amount_sql: str) -> None:
    """(Re)define view ``clean_tx``: typed role columns with ``amount_sql`` as the amount."""
    typed = [r for r in ROLE_ORDER if r in p.roles or r == "amount"]
    cols = ", ".join(f"{amount_sql} AS amount" if c == "amount" else c for c in typed)
    order_key = "order_id" if p.has_order else "source_file || ':' || source_row"
    p.con.execute(
        f"""CREATE OR REPLACE TEMP VIEW clean_tx AS
        SELECT source_file, source_row, {cols},
               {order_key} AS order_key, amount < 0 AS is_return
        FROM {source}"""
    )


def _outliers(p: CleanPass, source: str) -> None:
    """Outliers on kept positive lines: flagged, or winsorised to the fences."""
    found = outlier_rows(p.con, p.policy)
    if found is None:
        return
    out, winsorised = found
    p.detected["OUTLIER_HIGH"] = int((out["reason_code"] == "OUTLIER_HIGH").sum())
    p.detected["OUTLIER_LOW"] = int((out["reason_code"] == "OUTLIER_LOW").sum())
    if winsorised is not None:
        out["reason_code"] = "WINSORISED"
        _define_kept(p, source, winsorised)
    p.parts.append(out)


def _quarantine(p: CleanPass) -> pd.DataFrame:
    """The quarantine table: unreadable records first, then the checks' rows, sorted by
    source file and row, personal data in values and file names masked (as in collect's
    rejects)."""
    found = pd.concat(p.parts, ignore_index=True) if len(p.parts) > 1 else p.parts[0]
    quarantine = pd.concat(
        [p.collected.rejects.astype("object"), found.astype("object")], ignore_index=True
    ).reindex(columns=QUARANTINE_COLUMNS)
    quarantine["source_row"] = quarantine["source_row"].astype("int64")
    for text_col in ("column", "raw_value", "detail"):
        values = quarantine[text_col].astype("object")
        quarantine[text_col] = values.where(values.notna(), None)
    quarantine = mask_frame_text(quarantine, ("source_file", "column", "raw_value", "detail"))
    quarantine = quarantine.sort_values(["source_file", "source_row", "action"], kind="stable")
    return quarantine.reset_index(drop=True)


def _refuse_empty(p: CleanPass, quarantine: pd.DataFrame) -> int:
    """The kept lines, counted (not derived: the balance is a real check; cheap, only row
    keys are read). An as-of date before every transaction is refused: an empty profile
    would look like a result."""
    kept = int(p.con.execute("SELECT count(*) FROM clean_tx").fetchall()[0][0])
    late = int((quarantine["reason_code"] == "AFTER_AS_OF").sum())
    if kept == 0 and late:
        from segkit.errors import InputError

        first = p.con.execute(
            "SELECT min(date) FROM staged WHERE date >= ?::DATE + INTERVAL 1 DAY", [p.as_of]
        ).fetchall()[0][0]
        raise InputError(
            f"the as-of date {p.as_of} is before every transaction (the earliest is "
            f"{first:%Y-%m-%d}): {late:,} rows would be "
            "quarantined as AFTER_AS_OF and the profile would be empty; choose a later as-of",
            file=p.collected.sources[0]["path"] if p.collected.sources else "<input>",
            column=p.collected.source_column("date"),
            code="AS_OF_BEFORE_DATA",
        )
    return kept
