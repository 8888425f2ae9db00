"""The foundation pipeline: collect → clean → profile (→ integrate), written to a run folder.

:func:`profile_source` runs the steps on one transaction source and returns every artefact;
:func:`write_profile_outputs` writes them without overwriting anything; :func:`run_demo` does
both on the bundled synthetic company, which is what ``make demo`` runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit import __version__
from segkit.clean import CleanResult, clean, dedupe_master
from segkit.collect import QUARANTINE_COLUMNS, Collected, collect, read_table
from segkit.config import CleanPolicy, ColumnMap, ReadOptions
from segkit.errors import InputError
from segkit.export import write_table
from segkit.integrate import Integrated, integrate
from segkit.privacy import install_log_masking, load_key, pseudonymise_frame
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
            "sources": self.collected.sources,
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
    ``<stem>.manifest.json``. Existing files are never overwritten.
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
    clash = [str(p) for p in paths.values() if p.exists()]
    if clash:
        raise FileExistsError(f"refusing to overwrite {clash}")
    write_table(run.profile, paths["profile"])
    write_table(run.cleaned.quarantine, paths["quarantine"])
    write_table(run.cleaned.summary(), paths["quality"])
    paths["quality_text"].write_text(run.cleaned.summary_text() + "\n", encoding="utf-8")
    paths["manifest"].write_text(
        json.dumps(run.manifest(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return paths


def integrate_demo_sides(
    profile: pd.DataFrame, demo_dir: Path, key: bytes | None
) -> tuple[Integrated, pd.DataFrame]:
    """Read the demo master and survey, pseudonymise PII (unless ``key`` is None: the user
    opted out), clean the master and join."""
    pii = {column: kind for kind, column in DEMO_PII.items()}
    return integrate_sides(
        profile, demo_dir / "customers.csv", demo_dir / "survey.csv", key=key, pii=pii
    )


def integrate_sides(
    profile: pd.DataFrame,
    master_path: str | Path | None,
    survey_path: str | Path | None,
    *,
    key: bytes | None,
    pii: dict[str, str] | None = None,
    id_column: str = "customer_id",
    source_column: str | None = None,
) -> tuple[Integrated, pd.DataFrame]:
    """Join a customer master and a survey onto the profile (:func:`segkit.integrate.integrate`).

    The master's ``id_column`` becomes ``customer_id`` and its ``source_column`` (客户来源)
    ``acquisition_channel``; its PII columns (``{column: kind}``) are pseudonymised with
    ``key`` (None: kept, the user's explicit choice) before duplicates are quarantined
    (:func:`segkit.clean.dedupe_master`, returned second). Survey items must be numeric.
    """
    master = master_q = survey = None
    if master_path is not None:
        master = read_table(master_path, id_columns=(id_column,))
        master = master.rename(columns={id_column: "customer_id"})
        if source_column is not None and source_column in master:
            master = master.rename(columns={source_column: "acquisition_channel"})
        if key is not None and pii:
            master = pseudonymise_frame(master, key, pii)
        master, master_q = dedupe_master(master, source_file=Path(master_path).name)
        if "age" in master:
            master["age"] = pd.to_numeric(master["age"], errors="raise")
    if survey_path is not None:
        survey = read_table(survey_path, id_columns=(id_column,))
        survey = survey.drop(columns=["source_row"]).rename(columns={id_column: "customer_id"})
        items = [c for c in survey.columns if c != "customer_id"]
        for item in items:
            try:
                survey[item] = pd.to_numeric(survey[item], errors="raise")
            except ValueError as exc:
                raise InputError(
                    f"survey answers must be numbers ({exc})",
                    file=survey_path,
                    column=item,
                    code="NOT_NUMERIC",
                ) from None
    if master_q is None:
        master_q = pd.DataFrame(columns=QUARANTINE_COLUMNS)
    return integrate(profile, master=master, survey=survey), master_q


def run_demo(
    *,
    customers: int = 10_000,
    seed: int = 42,
    data_root: str | Path | None = None,
    reports_root: str | Path | None = None,
    pseudonymise: bool = True,
) -> Path:
    """The main job for now: demo data → profile, data-quality summary and a k-means
    segmentation (validated, profiled, named, with strategy) in a new run folder.

    The demo data is generated once into ``data/demo-<customers>-<seed>/`` (raw data is
    never rewritten) and each call writes a new ``reports/demo/<timestamp>-<id>/``.
    Names, phones and ID numbers are replaced by keyed pseudonyms unless
    ``pseudonymise=False`` (the user's explicit choice, recorded in ``privacy.json``).
    Returns the run folder.
    """
    from segkit import datasets, paths

    install_log_masking()
    data_root = Path(data_root) if data_root is not None else paths.data_dir()
    demo_dir = data_root / f"demo-{customers}-{seed}"
    if not (demo_dir / "transactions.csv").exists():
        log.info("generating demo data in %s", demo_dir)
        demo = datasets.make_demo(customers, seed=seed, as_of=DEMO_AS_OF)
        datasets.write_demo(demo, demo_dir)
    as_of = DEMO_AS_OF
    run_dir = paths.new_run_dir("demo", root=reports_root)
    run = profile_source(demo_dir / "transactions.csv", DEMO_COLUMNS, as_of=as_of)
    written = write_profile_outputs(run, run_dir / "profile.parquet")
    key = load_key() if pseudonymise else None
    joined, master_q = integrate_demo_sides(run.profile, demo_dir, key)
    (run_dir / "privacy.json").write_text(
        json.dumps(
            {
                "personal_data": "pseudonymised (keyed HMAC-SHA256)"
                if pseudonymise
                else "KEPT: the user turned pseudonymisation off",
                "columns": sorted(DEMO_PII),
                "key": "outside the run folder (SEGKIT_PSEUDONYM_KEY or the key file)",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    write_table(joined.table, run_dir / "customers.parquet")
    write_table(master_q, run_dir / "customers.quarantine.csv")
    write_table(joined.summary(), run_dir / "integration.csv")
    from segkit.segmentation import segment_customers

    segmentation = segment_customers(run.profile, method="kmeans", random_state=seed)
    segmentation.write(run_dir / "segments")
    print(run.cleaned.summary_text())
    print(f"customers profiled: {len(run.profile):,}; joined table: {joined.table.shape}")
    print(segmentation.summary_text())
    print(f"run folder: {run_dir}")
    log.info("wrote %s", sorted(p.name for p in written.values()))
    return run_dir
