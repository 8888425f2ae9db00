"""Every file of a report run, in one place.

A run folder ``reports/<client>/<YYYYmmdd-HHMMSS>-<id>/`` holds the run's config, the
executed notebooks, the report and one artefact per step; each notebook reads the previous
step's artefacts and writes its own. Paths are relative to the run folder and never leave it.

Examples
--------
>>> import tempfile
>>> run = RunFolder(tempfile.mkdtemp())
>>> run.path("profile").relative_to(run.root).as_posix()
'artefacts/02_profile.parquet'
>>> run.path("nope")
Traceback (most recent call last):
...
KeyError: "unknown artefact 'nope'"
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.atomic import atomic_path, refuse_existing, write_text

#: name → path inside the run folder. Steps are numbered like the notebooks.
ARTEFACTS: dict[str, str] = {
    # the run
    "params": "params.yaml",
    "manifest": "manifest.json",
    "report": "report.html",
    "excel": "segments.xlsx",
    "log": "run.log",
    "notebooks": "notebooks",
    # `segkit segment`: the summary it prints
    "summary": "summary.txt",
    # 01 collect: typed transactions (one row per good record) and unreadable records
    "transactions": "artefacts/01_transactions.parquet",
    "collect_rejects": "artefacts/01_rejects.csv",
    "sources": "artefacts/01_sources.json",
    # 01 collect, a customer table or a survey (source.kind): its rows as text, with source_row
    "source_table": "artefacts/01_table.parquet",
    # 02 clean (+ the customer profile, 客户档案, and the joined customer table)
    "clean_transactions": "artefacts/02_clean_transactions.parquet",
    "quarantine": "artefacts/02_quarantine.csv",
    "quality": "artefacts/02_quality.csv",
    "profile": "artefacts/02_profile.parquet",
    "excluded_customers": "artefacts/02_excluded_customers.csv",
    "customers": "artefacts/02_customers.parquet",
    "integration": "artefacts/02_integration.csv",
    "codebook": "artefacts/02_codebook.csv",
    "coverage": "artefacts/02_coverage.csv",
    # a customer table or survey (`segkit segment`, source.kind): id, features, value, log rule
    "table": "artefacts/02_table.json",
    # 03 variables: screening, factor analysis, the clustering features
    "screening": "artefacts/03_screening.csv",
    "factor_loadings": "artefacts/03_factor_loadings.csv",
    "features": "artefacts/03_features.parquet",
    # 03 variables of a survey (source.kind: survey): adequacy, number of factors, alpha
    "factor_adequacy": "artefacts/03_adequacy.json",
    "n_factors": "artefacts/03_n_factors.json",
    "reliability": "artefacts/03_reliability.csv",
    # 04 rule-based segments: value tiers, ABC, RFM, lifecycle, growth, CLV
    "tiers": "artefacts/04_tiers.parquet",
    "tier_thresholds": "artefacts/04_thresholds.csv",
    # 05 clustering
    "k_selection": "artefacts/05_k_selection.csv",
    "k_votes": "artefacts/05_k_votes.csv",
    "assignments": "artefacts/05_assignments.parquet",
    "centers": "artefacts/05_centers.csv",
    # a rule's cut points (rfm, value, lifecycle; `segkit segment --method rfm`)
    "rule_thresholds": "artefacts/05_thresholds.csv",
    # the clustering's recipe (method, k, seed, features): steps 6 and 8 refit the same model
    "cluster_model": "artefacts/05_model.json",
    # 06 validation
    "stability": "artefacts/06_stability.csv",
    "lda_hit_rate": "artefacts/06_lda_hit_rate.csv",
    "lda_variables": "artefacts/06_lda_variables.csv",
    "scoring_rule": "artefacts/06_scoring_rule.json",
    "segment_profiles": "artefacts/06_profiles.csv",
    "profile_index": "artefacts/06_profile_index.csv",
    # 07 names and strategy: one row per segment (size, share, value share, names, traits)
    "segments": "artefacts/07_segments.csv",
    "names": "artefacts/07_names.csv",
    "strategy": "artefacts/07_strategy.csv",
    # 08 monitoring: two periods scored by the frozen model
    "period_assignments": "artefacts/08_period_assignments.parquet",
    "migration": "artefacts/08_migration.csv",
    "drift": "artefacts/08_drift.csv",
}

#: artefacts only some runs write: a source that is one row per customer (customer table or
#: survey: ``source_table``, ``table``; a survey's factor analysis: ``factor_adequacy``,
#: ``n_factors``, ``reliability``) and a rule method's cut points instead of centres
CONDITIONAL: frozenset[str] = frozenset(
    {"source_table", "table", "factor_adequacy", "n_factors", "reliability", "rule_thresholds"}
)

#: the notebooks of a run, in order
NOTEBOOKS: tuple[str, ...] = (
    "00_overview",
    "01_collect",
    "02_clean",
    "03_variables",
    "04_tiers",
    "05_cluster",
    "06_validate",
    "07_name_and_strategy",
    "08_monitor",
)


@dataclass(frozen=True)
class RunFolder:
    """A run folder and its artefacts.

    Writing never replaces an existing file: a run only adds files, and an earlier run is
    never touched. Every file appears whole or not at all (:mod:`segkit.atomic`).
    """

    root: Path

    def __init__(self, root: str | Path) -> None:
        object.__setattr__(self, "root", Path(root).resolve())

    def path(self, name: str) -> Path:
        """The path of artefact ``name`` (see :data:`ARTEFACTS`)."""
        try:
            rel = ARTEFACTS[name]
        except KeyError:
            raise KeyError(f"unknown artefact {name!r}") from None
        return self.root / rel

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def atomic(self, name: str) -> contextlib.AbstractContextManager[Path]:
        """A temporary path for artefact ``name`` for a writer that is not a DataFrame (e.g.
        DuckDB's ``COPY``), published under the artefact's name when the block succeeds
        (:func:`segkit.atomic.atomic_path`); refuses an existing file, creates the folder."""
        return atomic_path(self.path(name))

    def _target(self, name: str) -> Path:
        path = self.path(name)
        refuse_existing(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_frame(self, name: str, frame: pd.DataFrame) -> Path:
        """Write a table: formula-safe CSV (:func:`~segkit.outputs.tables.write_table`), Parquet."""
        from segkit.outputs.tables import write_table

        return write_table(frame, self._target(name))

    def read_frame(self, name: str) -> pd.DataFrame:
        """Read a table artefact written by an earlier step."""
        path = self.path(name)
        if not path.exists():
            raise FileNotFoundError(
                f"artefact {name!r} ({path.relative_to(self.root)}) is missing: run the "
                "earlier notebooks of this run first"
            )
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        from segkit.outputs.cells import unescape_frame  # CSV artefacts keep a spreadsheet guard

        return unescape_frame(pd.read_csv(path, dtype={"customer_id": str}))

    def write_json(self, name: str, data: Any) -> Path:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        return write_text(self._target(name), text)

    def read_json(self, name: str) -> Any:
        return json.loads(self.path(name).read_text(encoding="utf-8"))


def private_config_path(run_dir: str | Path) -> Path:
    """Where a run's unmasked config is kept when ``params.yaml`` had to be masked: beside the
    run folder, not in it (``reports/<client>/.private/<run>.yaml``), so the folder a
    consultant hands over holds no phone, ID number or e-mail even when the user's own config
    named an input file or a column after one.

    >>> private_config_path("reports/acme/20240101-000000-abcdef").as_posix()
    'reports/acme/.private/20240101-000000-abcdef.yaml'
    """
    run_dir = Path(run_dir)
    return run_dir.parent / ".private" / f"{run_dir.name}.yaml"


def read_artefact(run: RunFolder, name: str) -> pd.DataFrame | None:
    """An artefact table, or None when the run has none. CSV artefacts were written
    formula-safe (:func:`segkit.outputs.tables.safe_frame` puts ``'`` before ``= + - @`` …);
    :meth:`RunFolder.read_frame` undoes that escape, because the report and the workbook
    write typed, inert cells.
    """
    if not run.exists(name):
        return None
    return run.read_frame(name)  # CSV: the guard is undone by RunFolder.read_frame
