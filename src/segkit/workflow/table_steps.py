"""Steps 1 and 2 when the run's source is one row per customer (``source.kind``:
``customers``, a CRM table, or ``survey``, one row per respondent).

Step 1 reads the table encoding-robustly (:func:`segkit.collect.side_tables.read_table`:
UTF-8, GB18030, Big5 …, every value as text with its ``source_row``), sets aside the rows
without an id and pseudonymises ids that are personal data; step 2 quarantines repeated ids
(the first row is kept), converts the numeric columns with explicit rules (a value that is
not a number becomes missing and is quarantined), reports the missing values, codes the
qualitative columns (:func:`segkit.clean.coding.code_qualitative`) and writes
``02_customers`` and ``02_profile`` (the same table: there are no transactions to profile),
which steps 3, 5, 6 and 7 read. Which steps apply to which kind: :func:`skip_reason`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.clean.coding import code_qualitative
from segkit.collect.quarantine import QUARANTINE_COLUMNS
from segkit.config import SourceConfig
from segkit.errors import InputError
from segkit.workflow.run import Run

log = logging.getLogger("segkit.clean")

#: parts of the method that need transactions (dates, orders), and why they are skipped
_NEEDS_DATES = {
    "profile": "the customer profile (recency, frequency, monetary value) sums up transactions",
    "coverage": "monthly coverage counts transactions per month",
    "04_tiers": "value tiers, RFM, lifecycle, growth and CLV are computed from dated transactions",
    "08_monitor": "monitoring compares two periods of dated transactions",
}

#: the data-quality table's columns (as step 2 of a transaction run writes them)
QUALITY_COLUMNS = ["check", "detected", "removed", "changed", "flagged"]

#: money signs and grouping blanks a numeric cell may carry ("¥1,200")
_NOISE = str.maketrans("", "", "¥￥$€£  ")


def source_kind(run: Run) -> str:
    """``transactions``, ``customers`` or ``survey`` (the run config's ``source.kind``)."""
    return run.config.source_kind


def table_source(run: Run) -> SourceConfig:
    """The run's one-row-per-customer source (an error for a transaction run)."""
    src = run.config.source
    if src is None or src.kind == "transactions":
        raise InputError("this run's source is transactions, not a customer table or survey")
    return src


def skip_reason(run: Run, part: str) -> str | None:
    """Why ``part`` (a notebook such as ``04_tiers``, or ``profile`` / ``coverage``) does not
    apply to this run's source, in one sentence; ``None`` when it applies.

    Examples
    --------
    >>> from segkit.config import RunConfig
    >>> from segkit.workflow.artefacts import RunFolder
    >>> cfg = RunConfig.model_validate(
    ...     {"source": {"kind": "survey", "path": "s.csv", "id_column": "id", "items": ["q1"]}})
    >>> skip_reason(Run(RunFolder("."), cfg), "04_tiers")[:57]
    'Skipped: the source is a survey (source.kind: survey) wit'
    """
    kind = source_kind(run)
    if kind == "transactions" or part not in _NEEDS_DATES:
        return None
    what = "a customer table" if kind == "customers" else "a survey"
    return (
        f"Skipped: the source is {what} (source.kind: {kind}) without transactions, and "
        f"{_NEEDS_DATES[part]}."
    )


def value_column(run: Run) -> str | None:
    """The money measure behind value shares: ``monetary`` for transactions, the customer
    table's ``value_column`` (may be None), none for a survey."""
    kind = source_kind(run)
    if kind == "transactions":
        return "monetary"
    return table_source(run).value_column if kind == "customers" else None


def _named_columns(src: SourceConfig) -> dict[str, tuple[str, ...]]:
    """Config key → the columns it names (to check them against the header)."""
    return {
        "id_column": (src.id_column or "",),
        "features": src.features or (),
        "categorical": src.categorical,
        "value_column": (src.value_column,) if src.value_column else (),
        "items": src.items or (),
    }


def collect_table(run: Run) -> dict[str, Any]:
    """Step 1 for a customer table or survey: ``01_table.parquet`` (the id as
    ``customer_id``, the columns as text, ``source_row``), ``01_rejects.csv`` (rows without
    an id) and ``01_sources.json``. Returns the fields of
    :class:`segkit.workflow.collect_data.CollectStep`."""
    from segkit.collect.side_tables import read_table
    from segkit.privacy import load_key, mask_text, pseudonymise_ids

    src = table_source(run)
    id_col = str(src.id_column)
    raw = read_table(src.path, src.read, id_columns=(id_col,))
    for key, columns in _named_columns(src).items():
        if missing := [c for c in columns if c not in raw.columns]:
            raise InputError(
                f"source.{key}: the table has no column {missing[0]!r} "
                f"(its columns: {', '.join(map(str, raw.columns[1:12]))} …)",
                column=missing[0], code="MISSING_COLUMN",
            )  # fmt: skip
    name = mask_text(Path(src.path).name)
    table = raw.drop(columns=["customer_id"] if id_col != "customer_id" else [], errors="ignore")
    table = table.rename(columns={id_col: "customer_id"})
    ids = table["customer_id"].map(lambda v: None if v is None else str(v).strip() or None)
    no_id = ids.isna()
    rejects = pd.DataFrame(
        {"source_file": name, "source_row": table.loc[no_id, "source_row"],
         "column": id_col, "reason_code": "MISSING_ID", "raw_value": None, "action": "removed",
         "detail": f"no {src.kind[:-1] if src.kind == 'customers' else 'respondent'} id"},
        columns=QUARANTINE_COLUMNS,
    )  # fmt: skip
    table = table.assign(customer_id=ids)[~no_id].reset_index(drop=True)
    replaced = 0
    if not run.config.report.reidentify:
        aliases, replaced = pseudonymise_ids(table["customer_id"], load_key())
        table = table.assign(customer_id=aliases)
    folder = run.folder
    text = {c: "object" for c in table if c != "source_row"}
    folder.write_frame("source_table", table.astype(text))
    folder.write_frame("collect_rejects", rejects.reset_index(drop=True))
    sources = [{"path": name, "format": Path(src.path).suffix.lstrip(".").lower() or "text",
                "encoding": src.read.encoding, "delimiter": src.read.delimiter,
                "records": len(raw)}]  # fmt: skip
    folder.write_json(
        "sources",
        {"sources": sources, "roles": [], "records": len(raw), "kind": src.kind,
         "privacy": {"ids_pseudonymised": replaced} if replaced else {}},
    )  # fmt: skip
    notes = (
        [f"{replaced:,} ids are personal data: replaced by keyed pseudonyms"] if replaced else []
    )
    return {
        "records": len(raw), "staged": len(table), "rejects": rejects, "sources": sources,
        "monthly": pd.DataFrame(columns=["month", "lines", "amount"]), "notes": notes,
    }  # fmt: skip


def to_number(text: pd.Series, decimal: str = ".") -> pd.Series:
    """Text cells as numbers: money signs and blanks removed, ``1,200`` read as 1200 (with
    ``decimal=","``: ``1.200,5`` as 1200.5); anything else that is not a number is NaN.

    >>> to_number(pd.Series(["¥1,200", " 3.5", "abc", None])).tolist()
    [1200.0, 3.5, nan, nan]
    """
    s = text.map(lambda v: None if v is None or v != v else str(v).translate(_NOISE))
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        s = s.str.replace(",", "", regex=False)
    return pd.to_numeric(s, errors="coerce").astype(float)


def numeric_columns(run: Run, table: pd.DataFrame) -> list[str]:
    """The columns step 2 converts to numbers: a survey's items; a customer table's
    ``features`` and ``value_column`` — without ``features``, every column whose filled cells
    are at least 95% numbers (except the id and the ``categorical`` columns)."""
    src = table_source(run)
    if src.kind == "survey":
        return list(src.items or ())
    value = [src.value_column] if src.value_column else []
    if src.features is not None:
        return [*src.features, *[v for v in value if v not in src.features]]
    skip = {"customer_id", "source_row", *src.categorical}
    out = []
    for col in table.columns:
        if col in skip:
            continue
        filled = table[col].notna()
        if col in value or (
            filled.any() and to_number(table.loc[filled, col]).notna().mean() >= 0.95
        ):
            out.append(col)
    return out


def feature_columns(run: Run, customers: pd.DataFrame) -> list[str]:
    """A customer table's clustering columns: ``features`` (default: the numeric columns but
    the value column) and the 0/1 codes of the ``categorical`` columns; a survey's items."""
    src = table_source(run)
    if src.kind == "survey":
        return list(src.items or ())
    codes = [c for c in customers.columns if any(c.startswith(f"{q}=") for q in src.categorical)]
    if src.features is not None:
        return [*src.features, *codes]
    skip = {"customer_id", "source_row", src.value_column, *src.categorical, *codes}
    numeric = [
        c for c in customers.columns
        if c not in skip and pd.api.types.is_numeric_dtype(customers[c])
    ]  # fmt: skip
    return [*numeric, *codes]


def _quarantine(name: str, rows: pd.Series, column: str, code: str, raw: pd.Series,
                action: str, detail: str) -> pd.DataFrame:  # fmt: skip
    return pd.DataFrame(
        {"source_file": name, "source_row": rows.to_numpy(), "column": column,
         "reason_code": code, "raw_value": raw.astype("object").to_numpy(), "action": action,
         "detail": detail}, columns=QUARANTINE_COLUMNS,
    )  # fmt: skip


def clean_table(run: Run) -> dict[str, Any]:
    """Step 2 for a customer table or survey (see the module docstring). Returns the fields
    of :class:`segkit.workflow.clean_data.CleanStep`."""
    from segkit.privacy import mask_frame_text, mask_text

    src = table_source(run)
    folder = run.folder
    table = folder.read_frame("source_table")
    name = mask_text(Path(src.path).name)
    dup = table["customer_id"].duplicated(keep="first")
    parts = [_quarantine(name, table.loc[dup, "source_row"], str(src.id_column), "DUPLICATE_ID",
                         table.loc[dup, "customer_id"], "removed",
                         "the id appears on an earlier row, which is kept")]  # fmt: skip
    table = table[~dup].reset_index(drop=True)
    numeric = numeric_columns(run, table)
    rows: list[tuple[str, int, str | None]] = [("DUPLICATE_ID", int(dup.sum()), "removed")]
    for col in numeric:
        values = to_number(table[col], src.read.decimal)
        bad = values.isna() & table[col].notna()
        parts.append(_quarantine(
            name, table.loc[bad, "source_row"], col, "NOT_NUMERIC", table.loc[bad, col],
            "changed", "not a number: set missing",
        ))  # fmt: skip
        rows.append((f"NOT_NUMERIC ({col})", int(bad.sum()), "changed"))
        rows.append((f"MISSING_VALUE ({col})", int(values.isna().sum()), "flagged"))
        table[col] = values
    coded = code_qualitative(
        table, onehot={c: None for c in src.categorical}, keep_text=src.categorical,
        min_count=run.config.report.min_report_size, file=name,
    )  # fmt: skip
    for code, n in coded.quarantine["reason_code"].value_counts(sort=False).items():
        rows.append((f"{code} (coding)", int(n), "changed"))
    sources = folder.read_json("sources")
    privacy = sources.get("privacy", {})
    if n_ids := privacy.get("ids_pseudonymised", 0):
        rows.append(("PII_CUSTOMER_ID (pseudonymised)", int(n_ids), "changed"))
    # the id, the numbers, the qualitative text and its 0/1 codes; no other column of the
    # table (it may be personal data) reaches an artefact
    codes = [c for c in coded.table.columns if any(c.startswith(f"{q}=") for q in src.categorical)]
    keep = ["customer_id", *numeric, *src.categorical]
    customers = pd.concat(
        [table[keep].reset_index(drop=True), coded.table[codes].reset_index(drop=True)], axis=1
    )
    quarantine = pd.concat([p for p in [*parts, coded.quarantine] if len(p)] or [parts[0]])
    quarantine = mask_frame_text(quarantine, ("source_file", "column", "raw_value", "detail"))
    # the row account the report checks: records read = kept + quarantined (rows without an
    # id were set aside at step 1, repeated ids here)
    n_read = int(sources.get("records", len(dup)))
    n_rejects = len(folder.read_frame("collect_rejects"))
    rows = [("records read", n_read, None), ("rows kept", len(customers), None),
            ("rows quarantined", n_rejects + int(dup.sum()), None),
            ("MISSING_ID", n_rejects, "removed"), *rows]  # fmt: skip
    quality = pd.DataFrame(
        [{"check": c, "detected": n, "removed": 0, "changed": 0, "flagged": 0,
          **({col: n} if col else {})} for c, n, col in rows if n],
        columns=QUALITY_COLUMNS,
    )  # fmt: skip
    integration = pd.DataFrame(columns=["check", "ids"])
    folder.write_frame("quarantine", quarantine.reset_index(drop=True))
    folder.write_frame("quality", quality)
    folder.write_frame("codebook", coded.codebook)
    folder.write_frame("profile", customers)
    folder.write_frame("customers", customers)
    folder.write_frame("integration", integration)
    # the table's choices, read back by steps 05–07 (as `segkit segment` records them):
    # categorical columns are coded 0/1 above, so the clustering sees numbers only
    folder.write_json(
        "table", {"id_column": src.id_column, "value_column": value_column(run), "log": "auto",
                  "categorical": []},
    )  # fmt: skip
    missing = int(customers[numeric].isna().sum().sum()) if numeric else 0
    summary = (
        f"rows 行 {len(dup):,} = kept 保留 {len(customers):,} + duplicate ids 重复编号 "
        f"{int(dup.sum()):,} (quarantined 隔离); numeric columns 数值列 {len(numeric)}; "
        f"values not a number 非数值 {int(sum(len(p) for p in parts[1:])):,} (set missing); "
        f"missing values 缺失值 {missing:,}"
    )
    log.info("step 2 (%s): %s", src.kind, summary)
    return {
        "cleaned": None, "quality": quality, "profile": customers, "customers": customers,
        "integration": integration, "codebook": coded.codebook, "summary": summary,
    }  # fmt: skip


def impute_median(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Missing values set to the column's median (clustering needs complete rows), and a
    note naming the columns changed.

    >>> out, notes = impute_median(pd.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, 1, 1]}))
    >>> out["a"].tolist(), notes[0][-11:]
    ([1.0, 2.0, 3.0], ': a (1 → 2)')
    """
    changed = []
    out = frame.astype(float)
    for col in out.columns:
        n = int(out[col].isna().sum())
        if n:
            med = float(np.nanmedian(out[col])) if out[col].notna().any() else 0.0
            out[col] = out[col].fillna(med)
            changed.append((col, n, med))
    if not changed:
        return out, []
    total = sum(n for _, n, _ in changed)
    cols = ", ".join(f"{c} ({n:,} → {m:g})" for c, n, m in changed)
    note = (
        f"{total:,} missing value(s) in {len(changed)} column(s) set to the median for "
        f"clustering: {cols}"
    )
    return out, [note]
