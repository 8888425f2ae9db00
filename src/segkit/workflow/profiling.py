"""``segkit profile``: collect → clean → profile on one transaction source, written beside it;
and the demo company's column map the steps read it with.

:func:`profile_source` runs the library's collect, clean and profile on one transaction
source and returns every artefact; :func:`write_profile_outputs` writes them without
overwriting anything. The whole method on the bundled demo company is ``segkit report --demo``
(``make demo``).

Why this is not :func:`~segkit.workflow.collect_data.collect_step` and
:func:`~segkit.workflow.clean_data.clean_step` over a run folder: those steps open their own DuckDB
connections (no ``--memory-limit`` or spill folder, so no out-of-core profile of a 100M-line
export), copy the transactions twice into the run folder as Parquet (``01_transactions``,
``02_clean_transactions``), build the full profile only (no ``--features core``), and take
personal data out of the values as a report does (keyed pseudonyms for ids that are phones,
neutral labels for rare categories), where ``segkit profile`` keeps the user's ids so its
profile joins back to the user's own tables.
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
from segkit.clean import CleanResult, clean
from segkit.collect.collected import Collected
from segkit.collect.sources import collect
from segkit.config import CleanPolicy, ColumnMap, ReadOptions
from segkit.outputs.tables import write_table
from segkit.privacy import mask_json
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
