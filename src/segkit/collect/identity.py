"""Identity checks on a customer master: invalid contacts and one person under two keys.

Client masters are keyed by an account id, but people open several accounts, and phone or
ID-number fields carry typos. Two checks report what a trustworthy tool would not decide
alone:

* :func:`check_contacts` flags phones that are not mainland mobile numbers after
  normalisation (``+86``, blanks and dashes removed) and ID numbers whose GB 11643 check
  digit or birth date is wrong (V4). Rows are kept; the flags carry *masked* values only.
* :func:`same_person` lists customer ids that share a normalised phone (or ID number) with
  an earlier id (I2): a proposed merge map ``customer_id → merged_into`` that the user can
  apply (e.g. to the transactions' customer column) and that is reported, never applied
  silently.

Examples
--------
>>> import pandas as pd
>>> m = pd.DataFrame({"source_row": [2, 3], "id": ["A", "B"],
...                   "phone": ["+86 138-0013-8000", "13800138000"]})
>>> same_person(m, customer_id="id", phone="phone")[["customer_id", "merged_into"]].values.tolist()
[['B', 'A']]
"""

from __future__ import annotations

import pandas as pd

from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.privacy import (
    is_valid_id_number,
    is_valid_phone,
    mask_id_number,
    mask_phone,
    normalise_pii,
)


def _rows(table: pd.DataFrame) -> pd.Series:
    if "source_row" in table:
        return table["source_row"]
    return pd.Series(range(2, len(table) + 2), index=table.index)


def check_contacts(
    table: pd.DataFrame,
    *,
    phone: str | None = None,
    id_number: str | None = None,
    file: str | None = None,
) -> pd.DataFrame:
    """Flag invalid phones (``INVALID_PHONE``) and ID numbers (``INVALID_ID_NUMBER``).

    Returns quarantine rows (action ``flagged``; the rows stay in the master) ordered by
    source row, then column. ``raw_value`` is masked (``138****8000``): the flags may be
    written to a report folder.
    """
    out = []
    rows = _rows(table)
    checks = [
        (phone, "INVALID_PHONE", "phone", is_valid_phone, mask_phone),
        (id_number, "INVALID_ID_NUMBER", "id_number", is_valid_id_number, mask_id_number),
    ]
    for order, (column, code, kind, valid, mask) in enumerate(checks):
        if column is None:
            continue
        for idx, value in table[column].items():
            if value is None or value != value or str(value).strip() == "":
                continue
            norm = normalise_pii(str(value), kind)
            if not valid(norm):
                out.append(
                    {
                        "source_file": file,
                        "source_row": int(rows[idx]),
                        "column": column,
                        "reason_code": code,
                        "raw_value": mask(norm),
                        "action": "flagged",
                        "detail": f"not a valid {kind.replace('_', ' ')}",
                        "_o": order,
                    }
                )
    frame = pd.DataFrame(out, columns=[*QUARANTINE_COLUMNS, "_o"])
    frame = frame.sort_values(["source_row", "_o"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)


def same_person(
    table: pd.DataFrame,
    *,
    customer_id: str,
    phone: str | None = None,
    id_number: str | None = None,
) -> pd.DataFrame:
    """Customer ids that share a normalised phone or ID number with an earlier id.

    Returns one row per proposed merge: ``customer_id``, ``merged_into`` (the smallest id of
    the group, so the rule is deterministic), ``matched_on`` (the column). No personal data
    is returned.
    """
    merges: dict[str, tuple[str, str]] = {}
    for column, kind in ((phone, "phone"), (id_number, "id_number")):
        if column is None:
            continue
        key = table[column].map(
            lambda v, k=kind: (
                None if v is None or v != v or not str(v).strip() else normalise_pii(str(v), k)
            )
        )
        ids = table[customer_id].astype(str)
        for _, group in ids.groupby(key):
            members = sorted(set(group))
            for other in members[1:]:
                merges.setdefault(other, (members[0], column))
    rows = [
        {"customer_id": c, "merged_into": m, "matched_on": on}
        for c, (m, on) in sorted(merges.items())
    ]
    return pd.DataFrame(rows, columns=["customer_id", "merged_into", "matched_on"])
