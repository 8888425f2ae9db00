"""The customer table of step 2 (:func:`segkit.workflow.clean_data.clean_step`): a customer master
and a survey joined onto the profile, personal data pseudonymised, survey headers that may be
personal renamed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from segkit.clean.master import dedupe_master
from segkit.collect.identity import master_identity
from segkit.collect.integration import Integrated, integrate
from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.collect.side_tables import read_table
from segkit.errors import InputError
from segkit.privacy import pseudonymise_frame

log = logging.getLogger("segkit")

#: master columns the method uses besides the id, the declared PII and the source (客户来源):
#: the segment profiles describe them (``segkit.workflow.model.DESCRIBE_EXTRA``)
MASTER_ATTRIBUTES = ("age", "gender", "income_band", "acquisition_channel")


def survey_item_names(columns: list[str] | pd.Index) -> dict[str, str]:
    """Survey item columns → the names segkit uses: a header that may be personal data
    (``回访_13800138000``, a person's name: :func:`segkit.privacy.looks_personal`) becomes
    ``survey_item_<position>``; other headers keep their name.

    Examples
    --------
    >>> survey_item_names(["customer_id", "q1", "回访_13800138000"])
    {'q1': 'q1', '回访_13800138000': 'survey_item_02'}
    """
    from segkit.privacy import looks_personal

    items = [str(c) for c in columns if c not in ("customer_id", "source_row")]
    return {c: f"survey_item_{i:02d}" if looks_personal(c) else c for i, c in enumerate(items, 1)}


def _pseudonymise_ids(frame: pd.DataFrame, key: bytes | None, what: str) -> pd.DataFrame:
    from segkit.privacy import pii_kind, pseudonymise_ids

    if key is None:
        if frame["customer_id"].dropna().astype(str).head(1000).map(pii_kind).notna().any():
            log.warning(
                "%s: customer ids are personal data (mobile / ID numbers / e-mails) and are "
                "kept in clear because report.reidentify is true",
                what,
            )
        return frame
    ids, replaced = pseudonymise_ids(frame["customer_id"], key)
    if replaced:
        log.warning(
            "%s: %d customer ids are mobile numbers, ID numbers or e-mails: replaced by keyed "
            "pseudonyms (C…) in every output",
            what,
            replaced,
        )
    return frame.assign(customer_id=ids)


def integrate_sides(
    profile: pd.DataFrame,
    master_path: str | Path | None,
    survey_path: str | Path | None,
    *,
    key: bytes | None,
    pii: dict[str, str] | None = None,
    id_column: str = "customer_id",
    source_column: str | None = None,
    keep_columns: tuple[str, ...] | None = None,
) -> tuple[Integrated, pd.DataFrame]:
    """Join a customer master and a survey onto the profile.

    See :func:`segkit.collect.integration.integrate`.

    The master's ``id_column`` becomes ``customer_id`` and its ``source_column`` (客户来源)
    ``acquisition_channel``; its PII columns (``{column: kind}``) are pseudonymised with
    ``key`` (None: kept, the user's explicit choice) before duplicates are quarantined
    (:func:`segkit.clean.master.dedupe_master`, returned second); before that, its phones and
    ID numbers are checked (:func:`segkit.collect.identity.master_identity`): invalid ones and
    ids that look like one person are flagged there too, never merged. With ``keep_columns`` (data
    minimisation), master columns that are neither the id, the PII, the source nor in
    ``keep_columns`` are dropped at load time (named in the log, counted in the integration
    summary). Customer ids that are personal data (mobile numbers, ID numbers, e-mails) are
    replaced by the same keyed pseudonyms as the transactions' (``key`` None: kept, with a
    warning). Survey items must be numeric; a header that may be personal data is renamed
    (:func:`survey_item_names`).
    """
    master = master_q = survey = same = None
    dropped: list[str] = []
    if master_path is not None:
        master, master_q, dropped, same = _load_master(
            master_path, key=key, pii=pii or {}, id_column=id_column,
            source_column=source_column, keep_columns=keep_columns,
        )  # fmt: skip
    if survey_path is not None:
        survey = _load_survey(survey_path, key=key, id_column=id_column)
    if master_q is None:
        master_q = pd.DataFrame(columns=QUARANTINE_COLUMNS)
    joined = integrate(profile, master=master, survey=survey)
    joined.same_person = same
    if keep_columns is not None and master is not None:
        joined.dropped_columns = dropped
    return joined, master_q


def _load_master(
    path: str | Path,
    *,
    key: bytes | None,
    pii: dict[str, str],
    id_column: str,
    source_column: str | None,
    keep_columns: tuple[str, ...] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame]:
    """The customer master as :func:`integrate_sides` joins it, its quarantined duplicates
    and identity flags, the columns dropped at load (data minimisation) and the ids that look
    like one person (:func:`segkit.collect.identity.master_identity`, never merged)."""
    from segkit.privacy import mask_text, safe_label

    master = read_table(path, id_columns=(id_column,))
    master = master.rename(columns={id_column: "customer_id"})
    if source_column is not None and source_column in master:
        master = master.rename(columns={source_column: "acquisition_channel"})
    dropped: list[str] = []
    if keep_columns is not None:
        used = {"customer_id", "source_row", "acquisition_channel", *pii, *keep_columns}
        dropped = [c for c in master.columns if c not in used]
        master = master.drop(columns=dropped)
        if dropped:
            log.warning(
                "customer master: %d columns not used by the method dropped at load "
                "(data minimisation): %s",
                len(dropped),
                ", ".join(safe_label(c, "column") for c in dropped),
            )
    name = mask_text(Path(path).name)
    flags, same = master_identity(master, pii, file=name)  # on the raw values, so first
    if key is not None and pii:
        master = pseudonymise_frame(master, key, pii)
    master = _pseudonymise_ids(master, key, "customer master")
    master, master_q = dedupe_master(master, source_file=name)
    master_q = pd.concat([master_q, flags], ignore_index=True) if len(flags) else master_q
    if "age" in master:
        master["age"] = pd.to_numeric(master["age"], errors="raise")
    return master, master_q, dropped, same


def _load_survey(path: str | Path, *, key: bytes | None, id_column: str) -> pd.DataFrame:
    """The survey as :func:`integrate_sides` joins it: personal headers renamed, ids
    pseudonymised like the transactions', every answer a number."""
    from segkit.privacy import mask_text

    survey = read_table(path, id_columns=(id_column,))
    rows = survey["source_row"]
    survey = survey.drop(columns=["source_row"]).rename(columns={id_column: "customer_id"})
    survey = survey.rename(columns=survey_item_names(survey.columns))
    survey = _pseudonymise_ids(survey, key, "survey")
    for item in [c for c in survey.columns if c != "customer_id"]:
        numbers = pd.to_numeric(survey[item], errors="coerce")
        bad = numbers.isna() & survey[item].notna() & (survey[item].astype(str) != "")
        if bad.any():  # the value itself is never quoted: it may be personal data
            raise InputError(
                f"survey answers must be numbers: {int(bad.sum())} answer(s) are not, "
                "the first is shown by its row",
                file=mask_text(Path(path).name),
                row=int(rows[bad].iloc[0]),
                column=item,
                code="NOT_NUMERIC",
            )
        survey[item] = numbers
    return survey
