"""Step 2, clean: the cleaning account, the profile (客户档案), the joined customer table with
the master's qualitative columns coded, the monthly coverage and the data-quality table.

Examples
--------
>>> import tempfile
>>> from segkit.workflow.chain import scratch_run
>>> run = scratch_run("02_clean", customers=200, root=tempfile.mkdtemp())
>>> cl = clean_step(run)
>>> cl.cleaned.rows_in == cl.cleaned.rows_kept + cl.cleaned.rows_removed
True
>>> sorted(c for c in ("name", "phone") if c in cl.customers)  # pseudonymised, still there
['name', 'phone']
>>> bool(cl.customers["phone"].str.startswith("P").all())
True
>>> [c for c in cl.customers if c.startswith("gender")]  # the text is described, the code clusters
['gender', 'gender=女', 'gender=男']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from segkit.clean.checks import clean
from segkit.clean.coding import CodedTable, code_qualitative
from segkit.clean.quality import Coverage, monthly_coverage
from segkit.clean.result import CleanResult
from segkit.collect.integration import Integrated
from segkit.workflow.collect_data import analysis_date, load_collected, write_query
from segkit.workflow.customers import MASTER_ATTRIBUTES
from segkit.workflow.profiling import DEMO_PII
from segkit.workflow.run import Run
from segkit.workflow.table_steps import clean_table, source_kind

log = logging.getLogger("segkit.clean")

#: the data-quality rows of the personal-data checks: key → (check, column it counts in)
PRIVACY_CHECKS: dict[str, tuple[str, str]] = {
    "ids_pseudonymised": ("PII_CUSTOMER_ID (pseudonymised)", "changed"),
    "category_values_neutral": ("PII_OR_RARE_CATEGORY (neutral label)", "changed"),
    "channel_values_neutral": ("PII_OR_RARE_CHANNEL (neutral label)", "changed"),
    "master_columns_dropped": ("UNUSED_MASTER_COLUMN (dropped)", "removed"),
}

#: The demo master's qualitative columns, coded one-hot (``gender=女`` …) by
#: :func:`segkit.clean.coding.code_qualitative`: column → declared levels, or None for the
#: levels seen that hold no personal data and that at least ``report.min_report_size``
#: customers have. They are kept through the master's data minimisation for this.
DEMO_CODING: dict[str, tuple[str, ...] | None] = {
    "gender": ("女", "男"),
    "city": None,
    "occupation": None,
}

_QUALITY_COLUMNS = ["check", "detected", "removed", "changed", "flagged"]


@dataclass
class CleanStep:
    """Step 2: the cleaning account, the profile and the joined customer table (a customer
    table or survey source: no transactions, so ``cleaned`` is None and ``summary`` says
    what step 2 did)."""

    cleaned: CleanResult | None
    quality: pd.DataFrame
    profile: pd.DataFrame
    customers: pd.DataFrame
    integration: pd.DataFrame
    pii_columns: list[str] = field(default_factory=list)
    #: the code book of the master's coded qualitative columns (``02_codebook.csv``)
    codebook: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: transactions per month of the kept data, with gap / partial-month warnings
    coverage: Coverage | None = None
    #: the cleaning account in words (a customer table or survey; else the CleanResult's)
    summary: str = ""

    def summary_text(self) -> str:
        """The cleaning account in words."""
        return self.cleaned.summary_text() if self.cleaned is not None else self.summary

    def safe_customers(self) -> pd.DataFrame:
        """The customer table without its personal-data columns (for display)."""
        return self.customers.drop(columns=self.pii_columns, errors="ignore")


def _pii(run: Run) -> dict[str, str]:
    """Personal-data columns of the master, ``{column: kind}``."""
    cfg = run.config
    if cfg.demo is not None:
        return {column: kind for kind, column in DEMO_PII.items()}
    if cfg.master is None:
        return {}
    return {column: kind for kind, column in cfg.master.pii.items()}


def master_coding(run: Run) -> dict[str, tuple[str, ...] | None]:
    """The master columns step 2 codes: :data:`DEMO_CODING` for the demo, else none."""
    return dict(DEMO_CODING) if run.config.demo is not None else {}


def _integrate(
    run: Run, profile: pd.DataFrame, pii: dict[str, str]
) -> tuple[Integrated, pd.DataFrame]:
    """The profile joined with the master and the survey, and the master's quarantine rows."""
    from segkit.privacy import load_key
    from segkit.workflow.customers import integrate_sides

    cfg = run.config
    key = None if cfg.report.reidentify else load_key()
    keep = (*MASTER_ATTRIBUTES, *(c for c in master_coding(run) if c not in MASTER_ATTRIBUTES))
    if cfg.demo is not None:
        demo = run.demo_dir()
        return integrate_sides(
            profile, demo / "customers.csv", demo / "survey.csv", key=key, pii=pii,
            keep_columns=keep,
        )  # fmt: skip
    master = cfg.master
    return integrate_sides(
        profile,
        master.path if master else None,
        cfg.survey,
        key=key,
        pii=pii,
        id_column=master.customer_id if master else "customer_id",
        source_column=master.source if master else None,
        keep_columns=keep,
    )


def _quality_rows(rows: list[tuple[str, int, str | None]]) -> pd.DataFrame:
    """Data-quality rows ``(check, detected, column it also counts in)``, those found only."""
    out = []
    for check, n, column in rows:
        if n:
            row = {"check": check, "detected": n, "removed": 0, "changed": 0, "flagged": 0}
            out.append(row if column is None else {**row, column: n})
    return pd.DataFrame(out, columns=_QUALITY_COLUMNS)


def _quality(
    run: Run, cleaned: CleanResult, joined: Integrated, coded: CodedTable, coverage: Coverage
) -> pd.DataFrame:
    """The data-quality table: the cleaning account, then the personal-data checks, the
    values of the master not coded (set missing) and the coverage warnings (months)."""
    privacy = dict(run.folder.read_json("sources").get("privacy", {}))
    privacy["master_columns_dropped"] = len(joined.dropped_columns)
    extra: list[tuple[str, int, str | None]] = [
        (PRIVACY_CHECKS[k][0], n, PRIVACY_CHECKS[k][1])
        for k, n in privacy.items()
        if k in PRIVACY_CHECKS
    ]
    for code, n in coded.quarantine["reason_code"].value_counts(sort=False).items():
        extra.append((f"{code} (master coding)", int(n), "changed"))
    gaps = sum(w.startswith("no transactions in") for w in coverage.warnings)
    extra.append(("NO_DATA_MONTH (coverage, months)", gaps, None))
    partial = sum(w.startswith("the last month") for w in coverage.warnings)
    extra.append(("PARTIAL_LAST_MONTH (coverage, months)", partial, None))
    quality = cleaned.summary()
    if len(more := _quality_rows(extra)):
        quality = pd.concat([quality, more.astype(quality.dtypes.to_dict())], ignore_index=True)
    return quality


def clean_step(run: Run) -> CleanStep:
    """Clean the collected transactions, build the profile (客户档案), join the customer
    master (PII pseudonymised unless ``report.reidentify``) and the survey, and code the
    master's qualitative columns (:func:`master_coding`; code book ``02_codebook.csv``,
    values not coded quarantined with the row of ``02_customers.parquet``). A customer table
    or survey (``source.kind``) is cleaned by :func:`segkit.workflow.table_steps.clean_table`."""
    if source_kind(run) != "transactions":
        return CleanStep(**clean_table(run))
    from segkit.privacy import install_log_masking, mask_frame_text
    from segkit.profile import build_profile, excluded_customers

    install_log_masking()
    cfg = run.config
    folder = run.folder
    cleaned = clean(load_collected(run), as_of=analysis_date(run), policy=cfg.policy)
    profile = build_profile(cleaned)
    pii = _pii(run)
    joined, master_q = _integrate(run, profile, pii)
    coded = code_qualitative(
        joined.table, onehot=master_coding(run), keep_text=MASTER_ATTRIBUTES,
        min_count=cfg.report.min_report_size, file=folder.path("customers").name,
    )  # fmt: skip
    joined.table = coded.table
    coverage = monthly_coverage(cleaned)
    for warning in coverage.warnings:
        log.warning("monthly coverage: %s", warning)
    write_query(cleaned.con, "SELECT * FROM clean_tx", folder, "clean_transactions")
    quarantine = cleaned.quarantine
    for side in (master_q, coded.quarantine):
        if len(side):
            side = mask_frame_text(side, ("source_file", "column", "raw_value", "detail"))
            quarantine = pd.concat([quarantine, side.astype(quarantine.dtypes.to_dict())])
    folder.write_frame("quarantine", quarantine.reset_index(drop=True))
    quality = _quality(run, cleaned, joined, coded, coverage)
    folder.write_frame("quality", quality)
    folder.write_frame("coverage", coverage.table)
    folder.write_frame("codebook", coded.codebook)
    folder.write_frame("profile", profile)
    # customers with only returns / cancellations: not profiled, but listed and counted
    folder.write_frame("excluded_customers", excluded_customers(profile))
    folder.write_frame("customers", joined.table)
    integration = joined.summary()
    folder.write_frame("integration", integration)
    return CleanStep(
        cleaned=cleaned,
        quality=quality,
        profile=profile,
        customers=joined.table,
        integration=integration,
        pii_columns=sorted(pii),
        codebook=coded.codebook,
        coverage=coverage,
    )
