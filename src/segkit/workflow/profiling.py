"""``segkit profile``: collect → clean → profile on one transaction source, written beside it;
and the integration helpers the step functions use (:mod:`segkit.workflow`).

:func:`profile_source` runs the steps on one transaction source and returns every artefact;
:func:`write_profile_outputs` writes them without overwriting anything. The whole method on
the bundled demo company is ``segkit report --demo`` (``make demo``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit import __version__
from segkit.atomic import all_or_nothing, write_text
from segkit.clean import CleanResult, clean, dedupe_master
from segkit.collect.integrate import Integrated, integrate
from segkit.collect.sources import QUARANTINE_COLUMNS, Collected, collect, read_table
from segkit.config import CleanPolicy, ColumnMap, ReadOptions
from segkit.errors import InputError
from segkit.outputs.tables import write_table
from segkit.privacy import mask_json, pseudonymise_frame
from segkit.profile import build_profile

log = logging.getLogger("segkit")

#: The demo company's columns, as a user would map them.
DEMO_COLUMNS = ColumnMap(
    customer_id="customer_id",
    order_id="order_id",
    date="order_time",
    amount="amount",
    quantity="quantity",
    channel="channel",
    category="category",
)
DEMO_PII = {"name": "name", "phone": "phone", "id_number": "id_number"}
DEMO_AS_OF = "2024-12-31"
#: the stages :func:`profile_source` announces through ``on_stage``
PROFILE_STAGES = ("read", "clean", "profile")


@dataclass
class ProfileRun:
    """Everything the foundation pipeline produced."""

    collected: Collected
    cleaned: CleanResult
    profile: pd.DataFrame

    def manifest(self) -> dict[str, Any]:
        """Inputs (with hashes), versions, policy and counts, for ``manifest.json``."""
        return {
            "segkit": __version__,
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "duckdb": __import__("duckdb").__version__,
            "sources": mask_json(self.collected.sources),  # e.g. a phone in a file name
            "cleaning": self.cleaned.to_dict(),
            "customers": len(self.profile),
            "created": dt.datetime.now().isoformat(timespec="seconds"),
        }


def profile_source(
    path: str | Path,
    columns: ColumnMap,
    *,
    read: ReadOptions | None = None,
    policy: CleanPolicy | None = None,
    as_of: dt.date | str | None = None,
    features: str = "full",
    memory_limit: str | None = None,
    temp_dir: str | Path | None = None,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> ProfileRun:
    """Collect, clean and profile one transaction source (a file or a glob of files).

    ``memory_limit`` / ``temp_dir`` bound DuckDB's memory and say where it spills;
    ``progress`` shows DuckDB's progress bar on long statements
    (see :func:`segkit.engine.connect`); ``on_stage`` is called with each stage name of
    :data:`PROFILE_STAGES` as it starts (``segkit profile`` shows them as progress).
    """
    from segkit.engine import connect

    read = read or ReadOptions()
    con = connect(
        memory_limit=memory_limit, temp_dir=temp_dir, date_order=read.date_order, progress=progress
    )
    stage = on_stage if on_stage is not None else (lambda name: None)
    stage(PROFILE_STAGES[0])
    collected = collect(path, columns, read, con=con)
    stage(PROFILE_STAGES[1])
    cleaned = clean(collected, as_of=as_of, policy=policy)
    stage(PROFILE_STAGES[2])
    profile = build_profile(cleaned, features=features)  # type: ignore[arg-type]
    return ProfileRun(collected=collected, cleaned=cleaned, profile=profile)


def write_profile_outputs(run: ProfileRun, out: str | Path) -> dict[str, Path]:
    """Write profile, quarantine, quality summary and manifest beside ``out``.

    ``out`` is the profile file (``.csv`` or ``.parquet``); the others take its stem:
    ``<stem>.quarantine.csv``, ``<stem>.quality.csv``, ``<stem>.quality.txt``,
    ``<stem>.manifest.json``. Existing files (or links at those names) are never
    overwritten, and the set is all or nothing: each file appears whole under its name, and if
    one cannot be written (a full disk) the ones already written are removed again, so a
    rerun is not refused (:mod:`segkit.atomic`).
    """
    out = Path(out)
    stem = out.with_suffix("")
    paths = {
        "profile": out,
        "quarantine": Path(f"{stem}.quarantine.csv"),
        "quality": Path(f"{stem}.quality.csv"),
        "quality_text": Path(f"{stem}.quality.txt"),
        "manifest": Path(f"{stem}.manifest.json"),
    }
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"unsupported output type {out.suffix!r}: use .csv or .parquet")
    clash = [str(p) for p in paths.values() if os.path.lexists(p)]
    if clash:
        links = [c for c in clash if Path(c).is_symlink()]
        what = f" (symbolic links, never written through: {links})" if links else ""
        raise FileExistsError(f"refusing to overwrite {clash}{what}")
    manifest = json.dumps(run.manifest(), ensure_ascii=False, indent=2, default=str)
    with all_or_nothing() as written:
        written.append(write_table(run.profile, paths["profile"]))
        written.append(write_table(run.cleaned.quarantine, paths["quarantine"]))
        written.append(write_table(run.cleaned.summary(), paths["quality"]))
        written.append(write_text(paths["quality_text"], run.cleaned.summary_text() + "\n"))
        written.append(write_text(paths["manifest"], manifest))
    return paths


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

    See :func:`segkit.collect.integrate.integrate`.

    The master's ``id_column`` becomes ``customer_id`` and its ``source_column`` (客户来源)
    ``acquisition_channel``; its PII columns (``{column: kind}``) are pseudonymised with
    ``key`` (None: kept, the user's explicit choice) before duplicates are quarantined
    (:func:`segkit.clean.master.dedupe_master`, returned second). With ``keep_columns`` (data
    minimisation), master columns that are neither the id, the PII, the source nor in
    ``keep_columns`` are dropped at load time (named in the log, counted in the integration
    summary). Customer ids that are personal data (mobile numbers, ID numbers, e-mails) are
    replaced by the same keyed pseudonyms as the transactions' (``key`` None: kept, with a
    warning). Survey items must be numeric; a header that may be personal data is renamed
    (:func:`survey_item_names`).
    """
    from segkit.privacy import mask_text, safe_label

    master = master_q = survey = None
    dropped: list[str] = []
    if master_path is not None:
        master = read_table(master_path, id_columns=(id_column,))
        master = master.rename(columns={id_column: "customer_id"})
        if source_column is not None and source_column in master:
            master = master.rename(columns={source_column: "acquisition_channel"})
        if keep_columns is not None:
            used = {"customer_id", "source_row", "acquisition_channel", *(pii or {})}
            used |= set(keep_columns)
            dropped = [c for c in master.columns if c not in used]
            master = master.drop(columns=dropped)
            if dropped:
                log.warning(
                    "customer master: %d columns not used by the method dropped at load "
                    "(data minimisation): %s",
                    len(dropped),
                    ", ".join(safe_label(c, "column") for c in dropped),
                )
        if key is not None and pii:
            master = pseudonymise_frame(master, key, pii)
        master = _pseudonymise_ids(master, key, "customer master")
        master, master_q = dedupe_master(master, source_file=mask_text(Path(master_path).name))
        if "age" in master:
            master["age"] = pd.to_numeric(master["age"], errors="raise")
    if survey_path is not None:
        survey = read_table(survey_path, id_columns=(id_column,))
        rows = survey["source_row"]
        survey = survey.drop(columns=["source_row"]).rename(columns={id_column: "customer_id"})
        survey = survey.rename(columns=survey_item_names(survey.columns))
        survey = _pseudonymise_ids(survey, key, "survey")
        items = [c for c in survey.columns if c != "customer_id"]
        for item in items:
            numbers = pd.to_numeric(survey[item], errors="coerce")
            bad = numbers.isna() & survey[item].notna() & (survey[item].astype(str) != "")
            if bad.any():  # the value itself is never quoted: it may be personal data
                raise InputError(
                    f"survey answers must be numbers: {int(bad.sum())} answer(s) are not, "
                    "the first is shown by its row",
                    file=mask_text(Path(survey_path).name),
                    row=int(rows[bad].iloc[0]),
                    column=item,
                    code="NOT_NUMERIC",
                )
            survey[item] = numbers
    if master_q is None:
        master_q = pd.DataFrame(columns=QUARANTINE_COLUMNS)
    joined = integrate(profile, master=master, survey=survey)
    if keep_columns is not None and master is not None:
        joined.dropped_columns = dropped
    return joined, master_q
