"""Steps 1–4: collect, clean (+ profile and joined customer table), variables, rule tiers.

Examples
--------
>>> import tempfile
>>> from segkit.workflow.chain import scratch_run
>>> run = scratch_run("01_collect", customers=200, root=tempfile.mkdtemp())
>>> col = collect_step(run)
>>> col.records == col.staged + len(col.rejects), run.folder.exists("transactions")
(True, True)
>>> cl = clean_step(run)
>>> cl.cleaned.rows_in == cl.cleaned.rows_kept + cl.cleaned.rows_removed
True
>>> sorted(c for c in ("name", "phone") if c in cl.customers)  # pseudonymised, still there
['name', 'phone']
>>> bool(cl.customers["phone"].str.startswith("P").all())
True
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.clean.checks import CleanResult, clean, default_as_of, horizon
from segkit.cluster.prepare import behaviour_features
from segkit.collect.collected import Collected, collected_from_parquet
from segkit.collect.sources import collect
from segkit.collect.sql import sql_str
from segkit.config import ColumnMap, ReadOptions
from segkit.engine import connect
from segkit.errors import InputError
from segkit.workflow.artefacts import RunFolder
from segkit.workflow.customers import MASTER_ATTRIBUTES, survey_item_names
from segkit.workflow.profiling import DEMO_COLUMNS, DEMO_PII
from segkit.workflow.run import DEMO_AS_OF, Run


def _copy(con: Any, query: str, folder: RunFolder, name: str) -> None:
    """DuckDB writes artefact ``name`` to a temporary file, published when complete."""
    with folder.atomic(name) as tmp:
        con.execute(f"COPY ({query}) TO {sql_str(str(tmp))} (FORMAT parquet)")


# -- 01 collect ----------------------------------------------------------------------------
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
    if cfg.source is not None:
        return cfg.source.path, cfg.source.columns, cfg.source.read
    return run.demo_dir() / "transactions.csv", DEMO_COLUMNS, ReadOptions()


#: the data-quality rows of the personal-data checks: key → (check, column it counts in)
PRIVACY_CHECKS: dict[str, tuple[str, str]] = {
    "ids_pseudonymised": ("PII_CUSTOMER_ID (pseudonymised)", "changed"),
    "category_values_neutral": ("PII_OR_RARE_CATEGORY (neutral label)", "changed"),
    "channel_values_neutral": ("PII_OR_RARE_CHANNEL (neutral label)", "changed"),
    "master_columns_dropped": ("UNUSED_MASTER_COLUMN (dropped)", "removed"),
}


def _privacy_rows(counts: dict[str, int]) -> pd.DataFrame:
    """Data-quality rows for the personal-data checks (only those that found something)."""
    rows = []
    for key, n in counts.items():
        if n and key in PRIVACY_CHECKS:
            check, column = PRIVACY_CHECKS[key]
            rows.append({"check": check, "detected": n, "removed": 0, "changed": 0,
                         "flagged": 0, column: n})  # fmt: skip
    return pd.DataFrame(rows, columns=["check", "detected", "removed", "changed", "flagged"])


def _map_table(con: Any, name: str, mapping: dict[str, str]) -> None:
    frame = pd.DataFrame({"old": list(mapping), "new": list(mapping.values())}, dtype=object)
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")


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
    and the counts for the data-quality table (:data:`PRIVACY_CHECKS`).
    """
    from segkit.privacy import load_key, mask_text, neutral_labels, pseudonymise_ids

    cfg = run.config
    joins: list[str] = []
    replace: list[str] = []
    notes: list[str] = []
    counts: dict[str, int] = {}
    ids = pd.Series(
        [r[0] for r in con.execute("SELECT DISTINCT customer_id FROM staged").fetchall()],
        dtype=object,
    ).dropna()
    if cfg.report.reidentify:
        from segkit.privacy import pii_kind

        if ids.head(1000).astype(str).map(pii_kind).notna().any():
            notes.append(
                "customer ids are personal data (mobile / ID numbers / e-mails) and are kept "
                "in clear: report.reidentify is true"
            )
    else:
        aliases, replaced = pseudonymise_ids(ids.astype(str), load_key())
        if replaced:
            changed = ids.astype(str) != aliases
            old_ids = ids[changed].astype(str).tolist()
            _map_table(con, "id_map", dict(zip(old_ids, aliases[changed], strict=True)))
            joins.append("LEFT JOIN id_map i ON CAST(s.customer_id AS VARCHAR) = i.old")
            replace += [
                "coalesce(i.new, s.customer_id) AS customer_id",
                "CASE WHEN i.new IS NULL THEN s.raw_customer_id ELSE i.new END AS raw_customer_id",
            ]
            counts["ids_pseudonymised"] = replaced
            notes.append(
                f"{replaced:,} customer ids are mobile numbers, ID numbers or e-mails: "
                "replaced by keyed pseudonyms (C…) in every output"
            )
    for role in ("channel", "category"):
        if role not in roles:
            continue
        levels = con.execute(
            f"SELECT {role}, count(DISTINCT customer_id) FROM staged "
            f"WHERE {role} IS NOT NULL GROUP BY {role}"
        ).fetchall()
        mapping = neutral_labels(
            pd.Series({str(k): n for k, n in levels}, dtype="int64"), role,
            min_customers=cfg.report.min_report_size,
        )  # fmt: skip
        if mapping:
            counts[f"{role}_values_neutral"] = len(mapping)
            _map_table(con, f"{role}_map", mapping)
            a = f"{role[:2]}m"
            joins.append(f"LEFT JOIN {role}_map {a} ON CAST(s.{role} AS VARCHAR) = {a}.old")
            replace += [
                f"coalesce({a}.new, s.{role}) AS {role}",
                f"CASE WHEN {a}.new IS NULL THEN s.raw_{role} ELSE {a}.new END AS raw_{role}",
            ]
            notes.append(
                f"{len(mapping)} {role} values that may identify a person or that fewer than "
                f"{cfg.report.min_report_size} customers have are shown as neutral labels "
                f"({role}_NN)"
            )
    files = [r[0] for r in con.execute("SELECT DISTINCT source_file FROM staged").fetchall()]
    if masked := {f: mask_text(f) for f in files if isinstance(f, str) and mask_text(f) != f}:
        _map_table(con, "file_map", masked)
        joins.append("LEFT JOIN file_map fm ON s.source_file = fm.old")
        replace.append("coalesce(fm.new, s.source_file) AS source_file")
    if not replace:
        return "SELECT * FROM staged", notes, counts
    query = (
        f"SELECT s.* REPLACE ({', '.join(replace)}) FROM staged s {' '.join(joins)} "
        "ORDER BY s.source_file, s.source_row"
    )
    return query, notes, counts


def collect_step(run: Run) -> CollectStep:
    """Read the run's transaction source into ``01_transactions.parquet`` (the staged table:
    typed role columns, their raw text, source file and row; personal data taken out of the
    values by :func:`private_staged`) and ``01_rejects.csv``."""
    import logging

    from segkit.privacy import install_log_masking, mask_json

    install_log_masking()
    path, columns, read = _source(run)
    collected = collect(path, columns, read, con=connect(date_order=read.date_order))
    folder = run.folder
    query, notes, counts = private_staged(run, collected.con, collected.roles)
    for note in notes:
        logging.getLogger("segkit.privacy").warning(note)
    _copy(collected.con, query, folder, "transactions")
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
    """Step 1's output: a :class:`~segkit.collect.collected.Collected` over the Parquet file."""
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
    that is not after the run date (:func:`segkit.clean.checks.default_as_of`, the rule
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


# -- 02 clean ------------------------------------------------------------------------------
@dataclass
class CleanStep:
    """Step 2: the cleaning account, the profile and the joined customer table."""

    cleaned: CleanResult
    quality: pd.DataFrame
    profile: pd.DataFrame
    customers: pd.DataFrame
    integration: pd.DataFrame
    pii_columns: list[str] = field(default_factory=list)

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


def clean_step(run: Run) -> CleanStep:
    """Clean the collected transactions, build the profile (客户档案) and join the customer
    master (PII pseudonymised unless ``report.reidentify``) and the survey."""
    from segkit.privacy import install_log_masking, load_key, mask_frame_text
    from segkit.profile import build_profile, excluded_customers
    from segkit.workflow.customers import integrate_sides

    install_log_masking()
    cfg = run.config
    cleaned = clean(load_collected(run), as_of=analysis_date(run), policy=cfg.policy)
    profile = build_profile(cleaned)
    pii = _pii(run)
    key = None if cfg.report.reidentify else load_key()
    if cfg.demo is not None:
        demo = run.demo_dir()
        joined, master_q = integrate_sides(
            profile, demo / "customers.csv", demo / "survey.csv", key=key, pii=pii,
            keep_columns=MASTER_ATTRIBUTES,
        )  # fmt: skip
    else:
        master = cfg.master
        joined, master_q = integrate_sides(
            profile,
            master.path if master else None,
            cfg.survey,
            key=key,
            pii=pii,
            id_column=master.customer_id if master else "customer_id",
            source_column=master.source if master else None,
            keep_columns=MASTER_ATTRIBUTES,
        )
    folder = run.folder
    _copy(cleaned.con, "SELECT * FROM clean_tx", folder, "clean_transactions")
    quarantine = cleaned.quarantine
    if len(master_q):
        master_q = mask_frame_text(master_q, ("source_file", "column", "raw_value", "detail"))
        quarantine = pd.concat([quarantine, master_q.astype(quarantine.dtypes.to_dict())])
    folder.write_frame("quarantine", quarantine.reset_index(drop=True))
    quality = cleaned.summary()
    privacy = dict(folder.read_json("sources").get("privacy", {}))
    privacy["master_columns_dropped"] = len(joined.dropped_columns)
    if len(extra := _privacy_rows(privacy)):
        quality = pd.concat([quality, extra.astype(quality.dtypes.to_dict())], ignore_index=True)
    folder.write_frame("quality", quality)
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
    )


# -- 03 variables --------------------------------------------------------------------------
@dataclass
class VariablesStep:
    """Step 3: candidate variables, their screening, the features and the factor analysis."""

    candidates: pd.DataFrame
    screening: pd.DataFrame
    features: list[str]
    loadings: pd.DataFrame
    factor_model: Any = None
    notes: list[str] = field(default_factory=list)


def survey_items(run: Run, customers: pd.DataFrame) -> tuple[list[str], dict[str, Any]]:
    """The survey's item columns in the customer table, and their readable labels."""
    from segkit import datasets

    if run.config.demo is not None:
        lang = 0 if run.lang == "zh" else 1
        labels = {q: text[lang] for q, text in datasets.SURVEY_ITEMS.items()}
        return [q for q in datasets.SURVEY_ITEMS if q in customers], labels
    if run.config.survey is None:
        return [], {}
    from segkit.collect.side_tables import read_table

    header = read_table(run.config.survey).columns
    id_column = run.config.master.customer_id if run.config.master else "customer_id"
    items = list(survey_item_names([c for c in header if c != id_column]).values())
    items = [c if c in customers else f"survey_{c}" for c in items]
    return [c for c in items if c in customers], {}


def variables_step(run: Run) -> VariablesStep:
    """Screen the behavioural candidates (variance, correlation, VIF) into the clustering
    features, and run a factor analysis of the survey items when there is a survey."""
    from segkit.variables.factor import FactorModel
    from segkit.variables.screening import screen_variables

    customers = run.folder.read_frame("customers").sort_values("customer_id", kind="stable")
    customers = customers.reset_index(drop=True)
    candidates = behaviour_features(customers)
    screened = screen_variables(candidates)
    kept = list(screened.frame.columns)
    folder = run.folder
    folder.write_frame("screening", screened.report)
    folder.write_frame("features", pd.concat([customers[["customer_id"]], screened.frame], axis=1))
    items, labels = survey_items(run, customers)
    notes: list[str] = []
    model = None
    loadings = pd.DataFrame(columns=["item", "label", "primary_factor", "communality"])
    if len(items) >= 3:
        try:
            model = FactorModel(
                random_state=run.config.seed, item_labels=labels,
                n_iter=20 if run.config.smoke else 100,
            ).fit(customers[items])  # fmt: skip
        except InputError as exc:
            notes.append(f"factor analysis not run: {exc}")
    else:
        notes.append("no survey items: factor analysis not run")
    if model is not None:
        loadings = model.loadings_.rename_axis("item").reset_index()
        loadings.insert(1, "label", [labels.get(i, i) for i in loadings["item"]])
        loadings["primary_factor"] = loadings["item"].map(model.primary_factor_)
        loadings["communality"] = loadings["item"].map(model.communalities_)
    folder.write_frame("factor_loadings", loadings)
    return VariablesStep(
        candidates=candidates,
        screening=screened.report,
        features=kept,
        loadings=loadings,
        factor_model=model,
        notes=notes,
    )


# -- 04 rule tiers -------------------------------------------------------------------------
@dataclass
class TiersStep:
    """Step 4: rule-based tiers per customer, their cut points, RFM scores and CLV."""

    tiers: pd.DataFrame
    thresholds: pd.DataFrame
    rfm: pd.DataFrame
    profile: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _threshold_rows(rule: str, column: str, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``04_thresholds.csv``: the rule, tier, measure, bounds and the rule's text
    (a tier table's own ``column`` wins over ``column``, e.g. lifecycle stages)."""
    return pd.DataFrame(
        {"rule": rule, "tier": table["tier"].astype(str),
         "column": table["column"] if "column" in table else column,
         "lower": table["lower"].astype(float), "upper": table["upper"].astype(float),
         "condition": table["rule"].astype(str) if "rule" in table else ""}
    )  # fmt: skip


#: CLV models are fitted on at most this many customers (a fixed-seed sample)
CLV_FIT_SAMPLE = 20_000


def clv_table(run: Run, horizon_months: int = 12) -> pd.DataFrame:
    """CLV per customer (BG/NBD × Gamma-Gamma) from the clean transactions, at the as-of date."""
    from segkit.tiers.clv import customer_lifetime_value, rfm_summary
    from segkit.tiers.clv_models import BetaGeoModel, DependenceWarning, GammaGammaModel

    con = connect()
    path = sql_str(str(run.folder.path("clean_transactions")))
    daily = con.sql(
        f"""SELECT customer_id, CAST(date AS DATE) AS date, sum(amount) AS amount
        FROM read_parquet({path}) GROUP BY ALL"""
    ).df()
    summary = rfm_summary(daily, calibration_end=analysis_date(run), time_unit="W")
    # net of returns a repeat buyer's mean spend can be <= 0: the models need >= 0, and
    # Gamma-Gamma is fitted on the repeat buyers with a positive mean only
    summary["monetary_value"] = summary["monetary_value"].clip(lower=0.0)
    # the four (BG/NBD) and three (Gamma-Gamma) parameters are estimated as well from a
    # fixed-seed sample of 20,000 customers as from all of them, at a fraction of the cost;
    # every customer is then scored
    fit_on = (
        summary.sample(n=CLV_FIT_SAMPLE, random_state=run.config.seed)
        if len(summary) > CLV_FIT_SAMPLE
        else summary
    )
    usable = fit_on[(fit_on["frequency"] == 0) | (fit_on["monetary_value"] > 0)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bgf = BetaGeoModel().fit(fit_on)
        ggf = GammaGammaModel().fit(usable)
    out = customer_lifetime_value(bgf, ggf, summary, horizon_months=horizon_months)
    # the Gamma-Gamma independence check is reported (TiersStep.notes, shown in the
    # notebook and the report), never swallowed; optimiser chatter is left out
    corr = float(getattr(ggf, "correlation_", float("nan")))
    check = (
        f"Gamma-Gamma independence check: corr(frequency, monetary_value) = {corr:.3f} among "
        f"repeat buyers (threshold |r| <= {ggf.corr_threshold:g})"
    )
    dependent = [str(w.message) for w in caught if issubclass(w.category, DependenceWarning)]
    out.attrs["clv_notes"] = [
        f"{check}: WARNING — the model assumes spend per order is independent of the number "
        "of orders; CLV spend estimates may be biased"
        if dependent
        else f"{check}: OK"
    ]
    return out


def tiers_step(run: Run) -> TiersStep:
    """Value tiers, ABC (Pareto), RFM scores and segments, lifecycle, growth and CLV."""
    from segkit.tiers.lifecycle import LIFECYCLE_COLUMNS, lifecycle_stages
    from segkit.tiers.rfm import assign_rfm_segments, rfm_scores
    from segkit.tiers.rules import growth_tiers, value_tiers

    profile = run.folder.read_frame("profile")
    lang: Any = run.lang
    value = value_tiers(profile, lang=lang)
    abc = value_tiers(profile, method="pareto", name="abc_class")
    scores = rfm_scores(profile)
    rfm_seg = assign_rfm_segments(scores, lang=lang)
    life = lifecycle_stages(profile, lang=lang, name="lifecycle_stage")
    notes: list[str] = []
    with_clv = profile
    try:
        clv = clv_table(run)
        with_clv = profile.assign(
            clv=profile["customer_id"].map(clv.set_index("customer_id")["clv"])
        )
        notes.extend(clv.attrs.get("clv_notes", []))
    except (InputError, ValueError, FloatingPointError) as exc:
        notes.append(f"CLV not computed: {exc}")
    # growth against each customer's own past, new customers apart, and the CLV when there
    growth = growth_tiers(with_clv, predicted="clv" if "clv" in with_clv else None, lang=lang)
    tiers = pd.DataFrame(
        {"customer_id": profile["customer_id"], "value_tier": value.labels.astype(str),
         "abc_class": abc.labels.astype(str), "rfm_score": scores.scores["rfm_code"],
         "rfm_segment": rfm_seg.labels.astype(str),
         "lifecycle_stage": life.labels.astype(str), "growth_tier": growth.labels.astype(str)}
    )  # fmt: skip
    if "clv" in with_clv:
        tiers["clv"] = with_clv["clv"].to_numpy()
    rfm_rows = scores.thresholds.rename(columns={"dimension": "tier"})
    column = {"R": "recency_days", "F": "frequency", "M": "monetary"}
    rfm_rows["tier"] = rfm_rows["tier"] + rfm_rows["score"].astype(str)
    rfm_rows["rule"] = [
        f"{lo:g} <= {col} <= {hi:g} (range of the customers with this score)"
        for lo, col, hi in zip(
            rfm_rows["lower"], rfm_rows["column"], rfm_rows["upper"], strict=True
        )
    ]
    thresholds = pd.concat(
        [
            _threshold_rows("value_tier", "monetary", value.thresholds),
            _threshold_rows("abc_class", "monetary", abc.thresholds),
            _threshold_rows("rfm_score", "", rfm_rows).assign(
                column=rfm_rows["tier"].str[0].map(column)
            ),
            _threshold_rows(
                "lifecycle_stage", "", life.thresholds.assign(column=list(LIFECYCLE_COLUMNS))
            ),
            _threshold_rows(
                "growth_tier",
                "",
                growth.thresholds.assign(
                    column=["tenure_days", *["g (orders_late vs orders_early)"] * 3]
                ),
            ),
        ],
        ignore_index=True,
    )
    run.folder.write_frame("tiers", tiers)
    run.folder.write_frame("tier_thresholds", thresholds)
    return TiersStep(
        tiers=tiers, thresholds=thresholds, rfm=scores.scores, profile=profile, notes=notes
    )
