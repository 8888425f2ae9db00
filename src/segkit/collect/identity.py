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

:func:`master_identity` runs both on a master's personal-data columns, before they are
pseudonymised (:func:`segkit.workflow.customers.integrate_sides`, step 2): the flags join the
quarantine (action ``flagged``, one ``SAME_PERSON`` row per proposed merge) and the merge map
is counted in the integration summary (:class:`segkit.collect.integration.Integrated`).

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


def master_identity(
    master: pd.DataFrame,
    pii: dict[str, str],
    *,
    customer_id: str = "customer_id",
    file: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both identity checks of a customer master, on its raw personal-data columns.

    Parameters
    ----------
    master : DataFrame
        The master as read (``source_row`` and the customer id column), before
        pseudonymisation: a pseudonym cannot be checked.
    pii : dict
        ``{column: kind}`` of the master's personal data; the ``phone`` and ``id_number``
        columns are checked.
    customer_id : str
        The customer id column.
    file : str, optional
        The (masked) file name for the quarantine rows.

    Returns
    -------
    flags : DataFrame
        Quarantine rows, action ``flagged`` (every row stays): :func:`check_contacts`, then
        one ``SAME_PERSON`` row per id that shares a phone or ID number with a smaller id.
    merges : DataFrame
        :func:`same_person`'s proposed merge map; nothing is merged.

    Examples
    --------
    >>> m = pd.DataFrame({"source_row": [2, 3], "customer_id": ["A", "B"],
    ...                   "tel": ["13800138000", "138 0013 8000"]})
    >>> flags, merges = master_identity(m, {"tel": "phone"})
    >>> flags[["source_row", "reason_code", "raw_value", "detail"]].values.tolist()
    [[3, 'SAME_PERSON', 'B', 'same tel as customer A: reported, not merged']]
    """
    kinds = {kind: column for column, kind in pii.items()}
    phone, id_number = kinds.get("phone"), kinds.get("id_number")
    flags = check_contacts(master, phone=phone, id_number=id_number, file=file)
    merges = same_person(master, customer_id=customer_id, phone=phone, id_number=id_number)
    if not len(merges):
        return flags, merges
    rows = _rows(master).groupby(master[customer_id].astype(str).to_numpy()).min()
    same = pd.DataFrame(
        {
            "source_file": file,
            "source_row": [int(rows[c]) for c in merges["customer_id"]],
            "column": merges["matched_on"].to_numpy(),
            "reason_code": "SAME_PERSON",
            "raw_value": merges["customer_id"].to_numpy(),
            "action": "flagged",
            "detail": [
                f"same {on} as customer {into}: reported, not merged"
                for on, into in zip(merges["matched_on"], merges["merged_into"], strict=True)
            ],
        },
        columns=QUARANTINE_COLUMNS,
    )
    return pd.concat([flags, same], ignore_index=True), merges
