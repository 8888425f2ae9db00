"""Step 1, collect: the run's transaction source read into the staged table, personal data
taken out of the values (:func:`private_staged`), and the helpers later steps use to read it
back (:func:`load_collected`, :func:`analysis_date`).

Examples
--------
>>> import tempfile
>>> from segkit.workflow.chain import scratch_run
>>> run = scratch_run("01_collect", customers=200, root=tempfile.mkdtemp())
>>> col = collect_step(run)
>>> col.records == col.staged + len(col.rejects), run.folder.exists("transactions")
(True, True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.clean.reasons import default_as_of, horizon
from segkit.collect.collected import Collected, collected_from_parquet
from segkit.collect.sources import collect
from segkit.collect.sql import sql_str
from segkit.config import ColumnMap, ReadOptions
from segkit.engine import connect
from segkit.errors import InputError
from segkit.workflow.artefacts import RunFolder
from segkit.workflow.profiling import DEMO_COLUMNS
from segkit.workflow.run import DEMO_AS_OF, Run
from segkit.workflow.table_steps import collect_table, source_kind


def write_query(con: Any, query: str, folder: RunFolder, name: str) -> None:
    """DuckDB writes artefact ``name`` to a temporary file, published when complete."""
    with folder.atomic(name) as tmp:
        con.execute(f"COPY ({query}) TO {sql_str(str(tmp))} (FORMAT parquet)")


@dataclass
class CollectStep:
    """What step 1 read: record counts, unreadable records, sources and a monthly series."""

    records: int
    staged: int
    rejects: pd.DataFrame
    sources: list[dict[str, Any]]
    monthly: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """One row per source file: format, encoding, records."""
        keys = ("format", "encoding", "delimiter", "records")
        rows = [{"file": Path(s["path"]).name, **{k: s.get(k) for k in keys}} for s in self.sources]
        return pd.DataFrame(rows)


def _source(run: Run) -> tuple[str | Path, ColumnMap, ReadOptions]:
    cfg = run.config
    if cfg.source is not None and cfg.source.columns is not None:
        return cfg.source.path, cfg.source.columns, cfg.source.read
    return run.demo_dir() / "transactions.csv", DEMO_COLUMNS, ReadOptions()


def _map_table(con: Any, name: str, mapping: dict[str, str]) -> None:
    frame = pd.DataFrame({"old": list(mapping), "new": list(mapping.values())}, dtype=object)
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")


@dataclass
class _Rewrite:
    """What :func:`private_staged` replaces: joins, ``REPLACE`` expressions, notes, counts."""

    joins: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _private_ids(run: Run, con: Any, out: _Rewrite) -> None:
    """Customer ids that are personal data become keyed pseudonyms (or, with
    ``report.reidentify``, stay and a note says so)."""
    from segkit.privacy import load_key, pii_kind, pseudonymise_ids

    ids = pd.Series(
        [r[0] for r in con.execute("SELECT DISTINCT customer_id FROM staged").fetchall()],
        dtype=object,
    ).dropna()
    if run.config.report.reidentify:
        if ids.head(1000).astype(str).map(pii_kind).notna().any():
            out.notes.append(
                "customer ids are personal data (mobile / ID numbers / e-mails) and are kept "
                "in clear: report.reidentify is true"
            )
        return
    aliases, replaced = pseudonymise_ids(ids.astype(str), load_key())
    if not replaced:
        return
    changed = ids.astype(str) != aliases
    old_ids = ids[changed].astype(str).tolist()
    _map_table(con, "id_map", dict(zip(old_ids, aliases[changed], strict=True)))
    out.joins.append("LEFT JOIN id_map i ON CAST(s.customer_id AS VARCHAR) = i.old")
    out.replace += [
        "coalesce(i.new, s.customer_id) AS customer_id",
        "CASE WHEN i.new IS NULL THEN s.raw_customer_id ELSE i.new END AS raw_customer_id",
    ]
    out.counts["ids_pseudonymised"] = replaced
    out.notes.append(
        f"{replaced:,} customer ids are mobile numbers, ID numbers or e-mails: "
        "replaced by keyed pseudonyms (C…) in every output"
    )


def _private_levels(run: Run, con: Any, role: str, out: _Rewrite) -> None:
    """Channel or category levels that may be personal data, or that too few customers
    have, become neutral labels (raw text included)."""
    from segkit.privacy import neutral_labels

    size = run.config.report.min_report_size
    levels = con.execute(
        f"SELECT {role}, count(DISTINCT customer_id) FROM staged "
        f"WHERE {role} IS NOT NULL GROUP BY {role}"
    ).fetchall()
    counts = pd.Series({str(k): n for k, n in levels}, dtype="int64")
    mapping = neutral_labels(counts, role, min_customers=size)
    if not mapping:
        return
    out.counts[f"{role}_values_neutral"] = len(mapping)
    _map_table(con, f"{role}_map", mapping)
    a = f"{role[:2]}m"
    out.joins.append(f"LEFT JOIN {role}_map {a} ON CAST(s.{role} AS VARCHAR) = {a}.old")
    out.replace += [
        f"coalesce({a}.new, s.{role}) AS {role}",
        f"CASE WHEN {a}.new IS NULL THEN s.raw_{role} ELSE {a}.new END AS raw_{role}",
    ]
    out.notes.append(
        f"{len(mapping)} {role} values that may identify a person or that fewer than "
        f"{size} customers have are shown as neutral labels ({role}_NN)"
    )


def private_staged(
    run: Run, con: Any, roles: tuple[str, ...] | list[str]
) -> tuple[str, list[str], dict[str, int]]:
    """The query that writes step 1's table with personal data taken out of the values.

    * customer ids that are mobile numbers, ID numbers or e-mails become keyed pseudonyms
      (:func:`segkit.privacy.pseudonymise_ids`; the master and survey get the same ones),
      unless ``report.reidentify`` (then kept, with a warning);
    * channel and category levels that may be personal data (a phone, an ID number, an
      e-mail, a name-like value) or that fewer than ``report.min_report_size`` customers have
      become neutral labels such as ``category_07`` (:func:`segkit.privacy.neutral_labels`),
      raw text included, so no feature, segment name or artefact can carry them;
    * source file names are masked (:func:`segkit.privacy.mask_text`).

    Returns the query (``SELECT * FROM staged`` when nothing changes), notes for the log
    and the counts for the data-quality table
    (:data:`segkit.workflow.clean_data.PRIVACY_CHECKS`).
    """
    from segkit.privacy import mask_text

    out = _Rewrite()
    _private_ids(run, con, out)
    for role in ("channel", "category"):
        if role in roles:
            _private_levels(run, con, role, out)
    files = [r[0] for r in con.execute("SELECT DISTINCT source_file FROM staged").fetchall()]
    if masked := {f: mask_text(f) for f in files if isinstance(f, str) and mask_text(f) != f}:
        _map_table(con, "file_map", masked)
        out.joins.append("LEFT JOIN file_map fm ON s.source_file = fm.old")
        out.replace.append("coalesce(fm.new, s.source_file) AS source_file")
    if not out.replace:
        return "SELECT * FROM staged", out.notes, out.counts
    query = (
        f"SELECT s.* REPLACE ({', '.join(out.replace)}) FROM staged s {' '.join(out.joins)} "
        "ORDER BY s.source_file, s.source_row"
    )
    return query, out.notes, out.counts


def collect_step(run: Run) -> CollectStep:
    """Read the run's transaction source into ``01_transactions.parquet`` (the staged table:
    typed role columns, their raw text, source file and row; personal data taken out of the
    values by :func:`private_staged`) and ``01_rejects.csv``. A customer table or survey
    (``source.kind``) is read by :func:`segkit.workflow.table_steps.collect_table` into
    ``01_table.parquet`` instead."""
    import logging

    if source_kind(run) != "transactions":
        return CollectStep(**collect_table(run))

    from segkit.privacy import install_log_masking, mask_json

    install_log_masking()
    path, columns, read = _source(run)
    collected = collect(path, columns, read, con=connect(date_order=read.date_order))
    folder = run.folder
    query, notes, counts = private_staged(run, collected.con, collected.roles)
    for note in notes:
        logging.getLogger("segkit.privacy").warning(note)
    write_query(collected.con, query, folder, "transactions")
    folder.write_frame("collect_rejects", collected.rejects)
    sources: list[dict[str, Any]] = mask_json(collected.sources)  # type: ignore[assignment]
    folder.write_json(
        "sources",
        {
            "sources": sources,
            "roles": list(collected.roles),
            "records": collected.records,
            "privacy": counts,
        },
    )
    staged = collected.con.execute("SELECT count(*) FROM staged").fetchall()[0][0]
    monthly = collected.con.sql(
        """SELECT date_trunc('month', date) AS month, count(*) AS lines, sum(amount) AS amount
        FROM staged WHERE date IS NOT NULL GROUP BY ALL ORDER BY month"""
    ).df()
    return CollectStep(
        records=collected.records,
        staged=int(staged),
        rejects=collected.rejects,
        sources=sources,
        monthly=monthly,
        notes=notes,
    )


def load_collected(run: Run) -> Collected:
    """Step 1's output: a :class:`~segkit.collect.sources.Collected` view over the Parquet file."""
    meta = run.folder.read_json("sources")
    rejects = run.folder.read_frame("collect_rejects").astype("object")
    rejects = rejects.astype({"source_row": "int64"}).where(rejects.notna(), None)
    date_order = run.config.source.read.date_order if run.config.source else "YMD"
    return collected_from_parquet(
        run.folder.path("transactions"),
        roles=meta["roles"],
        rejects=rejects,
        records=meta["records"],
        sources=meta["sources"],
        con=connect(date_order=date_order),
    )


def analysis_date(run: Run) -> dt.date:
    """The as-of date: the config's, the demo's, or the day after the latest collected date
    that is not after the run date (:func:`segkit.clean.reasons.default_as_of`, the rule
    :func:`segkit.clean.checks.clean` uses)."""
    cfg = run.config
    if cfg.as_of is not None:
        return cfg.as_of
    if cfg.demo is not None:
        return DEMO_AS_OF
    con = connect()
    path = sql_str(str(run.folder.path("transactions")))
    as_of, _, future = default_as_of(con, f"read_parquet({path})", cfg.policy)
    if as_of is None:
        why = (
            f"all {future:,} dates lie after {horizon(cfg.policy)} (policy.max_date, default "
            "the run date)"
            if future
            else "no date in the data could be read"
        )
        raise InputError(
            f"cannot choose an as-of date: {why}; set as_of, or fix the dates", code="NO_DATES"
        )
    return as_of
