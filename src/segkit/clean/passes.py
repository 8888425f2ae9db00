"""The two passes of :func:`segkit.clean.checks.clean` over the staged lines: exact
de-duplication (or the fused fast path, :mod:`segkit.clean.fastpath`) and the row checks
(:mod:`segkit.clean.reasons`), into table ``tx_issues``, the detection counts and the
quarantine rows of the removed records.

:class:`CleanPass` carries what one call of ``clean`` works with; the functions here fill it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from segkit.clean.fastpath import CORE_TABLE, FusedStats, run_fused, suspect_scope
from segkit.clean.reasons import (
    RAW_TEXT,
    REMOVING,
    detect_sql,
    no_key_sql,
    reason_sql,
    removed_sql,
)
from segkit.collect.collected import Collected
from segkit.collect.staging import dedupe_key_sql
from segkit.config import CleanPolicy


@dataclass
class CleanPass:
    """What one call of :func:`clean` works with; ``detected`` and ``parts`` grow as the
    checks run (the quarantine's parts in the order they are found)."""

    collected: Collected
    policy: CleanPolicy
    as_of: dt.date
    dedupe: str
    no_key: str
    detect: dict[str, str]
    detected: dict[str, int] = field(default_factory=dict)
    parts: list[pd.DataFrame] = field(default_factory=list)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.collected.con

    @property
    def roles(self) -> tuple[str, ...]:
        return self.collected.roles

    @property
    def has_order(self) -> bool:
        return "order_id" in self.roles

    @property
    def all_raw(self) -> str:
        """SQL: every mapped column's raw text, joined (the raw value of a whole record)."""
        raw = [f"coalesce(raw_{r}, '')" for r in self.roles if r not in ("unit_price",)]
        return " || ' | ' || ".join(raw)


def plan(collected: Collected, policy: CleanPolicy, as_of: dt.date) -> CleanPass:
    """The de-duplication mode (``auto``: exact with an order id, else flag) and the checks."""
    dedupe: str = policy.dedupe
    if dedupe == "auto":
        dedupe = "exact" if "order_id" in collected.roles else "flag"
    no_key = no_key_sql(collected)
    detect = detect_sql(policy, collected.roles, as_of, no_key)
    return CleanPass(collected, policy, as_of, dedupe, no_key, detect)


def find_duplicates(p: CleanPass, fast_path: bool) -> tuple[FusedStats | None, str | None]:
    """Fill table ``_dups`` (the later copies of identical records) and return the fused
    pass's statistics (None: general path) and the lines the row checks must still read.

    Fast path (:mod:`segkit.clean.fastpath`): with an order id, one grouped pass runs the row
    checks, proves most orders free of duplicates and sums the kept lines into the core
    profile. Only removed lines and customers with an unproven order are looked at again.
    """
    con = p.con
    fused: FusedStats | None = None
    scope: str | None = "staged"
    bad = removed_sql(p.policy, p.roles, p.as_of, p.no_key)
    if fast_path and p.has_order and p.dedupe in ("exact", "none"):
        counters = {k: c for k, c in p.detect.items() if k not in REMOVING}
        fused = run_fused(con, bad, counters)
        scope = suspect_scope(
            con,
            bad,
            with_bad=fused.has_removed,
            with_suspects=p.dedupe == "exact" and fused.suspect_customers > 0,
        )
    # De-duplication: whole-row hashes seen more than once, then the exact rank among those
    # few candidates, verified on every mapped column's raw text.
    con.execute("CREATE OR REPLACE TEMP TABLE _dups(source_file VARCHAR, source_row BIGINT)")
    if p.dedupe != "none" and scope is not None:
        con.execute(
            f"""INSERT INTO _dups
            WITH scope AS (SELECT * FROM {scope}),
            cand AS (SELECT _row_hash FROM scope GROUP BY _row_hash HAVING count(*) > 1)
            SELECT source_file, source_row FROM (
                SELECT source_file, source_row,
                       row_number() OVER (PARTITION BY _row_hash, {dedupe_key_sql(p.roles)}
                                          ORDER BY source_file, source_row) AS dup_rank
                FROM scope SEMI JOIN cand USING (_row_hash))
            WHERE dup_rank > 1"""
        )
    if fused is None:
        return None, scope
    # the checks need the removed lines only (kept lines were counted by the fused pass)
    removed_only = f"(SELECT * FROM staged WHERE {bad})" if fused.has_removed else None
    if fused.suspect_customers and con.execute("SELECT count(*) FROM _dups").fetchall()[0][0]:
        # a kept line may be a duplicate: the fused sums are not the profile's
        con.execute(f"DROP TABLE {CORE_TABLE}")
        return None, "staged"
    return fused, removed_only


def issues_table(p: CleanPass, scope: str | None) -> None:
    """Table ``tx_issues``: every record any check has something to say about — a small table.

    The typed columns cannot tell an empty cell from an unparseable one, so raw text is read
    where a typed value is missing, and kept for these records only.
    """
    reason = reason_sql(p.policy, p.roles, p.as_of, p.no_key)
    if p.dedupe == "exact":
        reason = f"CASE WHEN is_dup THEN 'DUPLICATE_ROW' ELSE {reason} END"
    flags = ", ".join(f'({c}) IS TRUE AS "f_{k}"' for k, c in p.detect.items())
    p.con.execute(
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
        WHERE q IS NOT NULL OR is_dup OR {" OR ".join(f'"f_{k}"' for k in p.detect)}"""
    )


def count_detected(p: CleanPass, fused: FusedStats | None) -> None:
    """How many records each check found (before precedence), unreadable records included.

    With the fast path, ``tx_issues`` holds the removed lines (and kept lines of suspect
    customers, counted already by the fused pass): the removed ones only are counted here.
    """
    only = " AND q IS NOT NULL" if fused is not None else ""
    sums = ", ".join(f'count(*) FILTER (WHERE "f_{k}"{only})' for k in p.detect)
    counts = p.con.execute(f"SELECT count(*) FILTER (WHERE is_dup), {sums} FROM tx_issues")
    row = counts.fetchall()[0]
    detected = p.detected
    detected["DUPLICATE_ROW"] = int(row[0])
    detected.update({k: int(v) for k, v in zip(p.detect, row[1:], strict=True)})
    if fused is not None:
        for k, v in fused.good_counts.items():
            detected[k] += v
    for code, n in p.collected.rejects["reason_code"].value_counts().items():
        detected[str(code)] = int(n)


def removed_rows(p: CleanPass) -> pd.DataFrame:
    """Quarantine rows of the removed records: the column and raw text each reason is about."""
    roles = p.roles
    raw_case = " ".join(
        f"WHEN '{code}' THEN {raw}"
        for code, (_, raw) in RAW_TEXT.items()
        if raw.removeprefix("raw_") in roles or raw == "raw_amount"
    )
    col_case = " ".join(f"WHEN '{code}' THEN '{role}'" for code, (role, _) in RAW_TEXT.items())
    quarantine = p.con.sql(
        f"""SELECT source_file, source_row,
                   CASE q {col_case} ELSE NULL END AS "column",
                   q AS reason_code,
                   CASE q {raw_case} ELSE {p.all_raw} END AS raw_value,
                   'removed' AS action, NULL AS detail
            FROM tx_issues WHERE q IS NOT NULL"""
    ).df()
    return _amount_hints(quarantine, p.collected)


def _amount_hints(quarantine: pd.DataFrame, collected: Collected) -> pd.DataFrame:
    """A ``detail`` for unparseable amounts whose form suggests the cause: a decimal comma, a
    number beyond a double, or a decimal point in a file read with a decimal comma."""
    unparseable = quarantine["reason_code"] == "UNPARSEABLE_AMOUNT"
    raw = quarantine["raw_value"].astype("string")

    def _full(pattern: str) -> pd.Series:
        return unparseable & raw.str.fullmatch(pattern).fillna(False).astype(bool)

    comma = _full(r"\s*[-+]?\d{1,3}(\.\d{3})*,\d{1,2}\s*|\s*[-+]?\d+,\d{1,2}\s*")
    quarantine.loc[comma, "detail"] = "a decimal comma? set read.decimal=',' for this file"
    huge = _full(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+\s*")
    quarantine.loc[huge, "detail"] = "a number beyond the range of a double (about ±1.8e308)"
    comma_files = {Path(src["path"]).name for src in collected.sources if src.get("decimal") == ","}
    point = (
        unparseable
        & quarantine["source_file"].isin(comma_files)
        & raw.str.contains(".", regex=False).fillna(False)
    ).astype(bool)
    quarantine.loc[point, "detail"] = (
        "a decimal point in a file read with read.decimal=',': 12.50 could be 12.5 or 1250, "
        "so it is not guessed"
    )
    return quarantine
