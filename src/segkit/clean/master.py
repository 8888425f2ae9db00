"""De-duplication of a customer master: one row per customer id, every dropped row quarantined."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.collect.quarantine import QUARANTINE_COLUMNS


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
