"""Steps 3 and 4: the clustering variables (screening, factor analysis) and the rule-based
tiers (value, ABC, RFM, lifecycle, growth, CLV)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segkit.cluster.prepare import behaviour_features
from segkit.collect.sql import sql_str
from segkit.engine import connect
from segkit.errors import InputError
from segkit.workflow.collect_data import analysis_date
from segkit.workflow.customers import survey_item_names
from segkit.workflow.run import Run
from segkit.workflow.table_steps import skip_reason, source_kind
from segkit.workflow.table_variables import table_variables


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
    features, and run a factor analysis of the survey items when there is a survey. A
    customer table or survey source: :func:`segkit.workflow.table_variables.table_variables`
    (its factor scores are a survey's clustering features)."""
    if source_kind(run) != "transactions":
        return VariablesStep(**table_variables(run))
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


def _thresholds(value: Any, abc: Any, scores: Any, life: Any, growth: Any) -> pd.DataFrame:
    """``04_thresholds.csv``: the cut points of every rule (:func:`_threshold_rows`)."""
    from segkit.tiers.lifecycle import LIFECYCLE_COLUMNS

    rfm_rows = scores.thresholds.rename(columns={"dimension": "tier"})
    column = {"R": "recency_days", "F": "frequency", "M": "monetary"}
    rfm_rows["tier"] = rfm_rows["tier"] + rfm_rows["score"].astype(str)
    rfm_rows["rule"] = [
        f"{lo:g} <= {col} <= {hi:g} (range of the customers with this score)"
        for lo, col, hi in zip(
            rfm_rows["lower"], rfm_rows["column"], rfm_rows["upper"], strict=True
        )
    ]
    return pd.concat(
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


def tiers_step(run: Run) -> TiersStep:
    """Value tiers, ABC (Pareto), RFM scores and segments, lifecycle, growth and CLV (a run
    on transactions only: :func:`segkit.workflow.table_steps.skip_reason` says why not)."""
    if why := skip_reason(run, "04_tiers"):
        raise InputError(why, code="NOT_APPLICABLE")
    from segkit.tiers.lifecycle import lifecycle_stages
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
    thresholds = _thresholds(value, abc, scores, life, growth)
    run.folder.write_frame("tiers", tiers)
    run.folder.write_frame("tier_thresholds", thresholds)
    return TiersStep(
        tiers=tiers, thresholds=thresholds, rfm=scores.scores, profile=profile, notes=notes
    )
