"""The outcome of cleaning: :class:`CleanResult`, the row account and its data-quality summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from segkit.clean.reasons import horizon
from segkit.config import CleanPolicy


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
