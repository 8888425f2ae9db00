"""Steps 5–7: clustering, validation, names and strategy (step 8: :mod:`.monitor_step`).

Steps 5–8 all work on the customers of ``02_customers.parquet`` sorted by ``customer_id`` and the
clustering features of ``03_features.parquet`` (same order). Step 5 records the model's
recipe (method, k, seed, features) in ``05_model.json``; steps 6 and 8 refit exactly that
model (same data, same seed: the same labels, which is checked) instead of storing a pickle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segkit.cluster.estimator import SegmentClusterer
from segkit.cluster.kvote import KSelection
from segkit.errors import InputError
from segkit.features import with_derived
from segkit.validate.describe import SegmentProfile
from segkit.workflow.customers import MASTER_ATTRIBUTES
from segkit.workflow.needs_labels import needs_plan
from segkit.workflow.planning import Plan, plan_segments
from segkit.workflow.run import Run
from segkit.workflow.segment import (
    RULE_METHODS,
    RULE_VARIABLES,
    Validation,
    cluster_segments,
    describe_segments,
    profile_variables,
    rule_labels,
    validate_segments,
)
from segkit.workflow.table_steps import source_kind
from segkit.workflow.tables import preprocess_for, table_spec

#: master columns described in the segment profiles when present (never PII)
DESCRIBE_EXTRA = MASTER_ATTRIBUTES
VALUE_COLUMN = "monetary"


def step_customers(run: Run) -> pd.DataFrame:
    frame = run.folder.read_frame("customers").sort_values("customer_id", kind="stable")
    return frame.reset_index(drop=True)


def _features(run: Run, customers: pd.DataFrame) -> pd.DataFrame:
    feats = run.folder.read_frame("features").set_index("customer_id")
    return feats.loc[customers["customer_id"]].reset_index(drop=True)


def _model_data(run: Run, customers: pd.DataFrame, spec: Mapping[str, Any]) -> pd.DataFrame:
    """The variables step 5 segmented on: the step-3 features, or (a rule method) the rule's
    own variables from the customer table."""
    if spec["method"] in RULE_METHODS:
        return customers[spec["features"]].astype(float)
    return with_categorical(_features(run, customers)[spec["features"]], customers, spec)


def with_categorical(
    X: pd.DataFrame, customers: pd.DataFrame, spec: Mapping[str, Any]
) -> pd.DataFrame:
    """``X`` and the ``categorical`` columns of the customer table (missing → ``"(missing)"``)."""
    cat = [c for c in spec.get("categorical") or [] if c not in X.columns]
    if missing := [c for c in cat if c not in customers.columns]:
        raise InputError("no categorical column", column=missing[0], code="MISSING_COLUMN")
    extra = customers[cat].astype("string").fillna("(missing)").astype(str)
    return pd.concat([X.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)


def _labels(run: Run, customers: pd.DataFrame) -> pd.Series:
    assigned = run.folder.read_frame("assignments").set_index("customer_id")["segment"]
    return assigned.loc[customers["customer_id"]].reset_index(drop=True).rename("segment")


def segment_profile(
    customers: pd.DataFrame,
    labels: pd.Series,
    value_column: str | None = VALUE_COLUMN,
    features: Sequence[str] = (),
    categorical: list[str] | None = None,
) -> SegmentProfile:
    """The segment profiles every step describes segments with (same variables each time):
    :func:`~segkit.workflow.segment.profile_variables`, the master attributes and the
    clustering ``features`` of the customer table (what the segments differ on);
    ``value_column`` None (a customer table without one): no value shares; ``categorical``
    columns are described by the share of each level."""
    frame = with_derived(customers)
    extra = tuple(dict.fromkeys([*DESCRIBE_EXTRA, *features, *(categorical or [])]))
    describe = profile_variables(frame, extra)
    return describe_segments(
        frame, labels, value_column=value_column, describe=describe, categorical=categorical
    )


def _value_column(spec: Mapping[str, Any], customers: pd.DataFrame) -> str | None:
    """The step-5 recipe's value column when the customers have it (else no value)."""
    column = spec.get("value_column", VALUE_COLUMN)
    return column if column is not None and column in customers else None


def frozen_model(run: Run) -> tuple[SegmentClusterer, dict[str, Any]]:
    """Refit the clustering of step 5 from its recipe and check it gives step 5's labels."""
    spec = run.folder.read_json("cluster_model")
    customers = step_customers(run)
    X = _model_data(run, customers, spec)
    model = SegmentClusterer(
        spec["method"], n_clusters=spec["k"], random_state=spec["seed"],
        preprocess=preprocess_for(spec.get("log", "auto")),
        categorical=spec.get("categorical") or None,
    )  # fmt: skip
    column = _value_column(spec, customers)
    model.fit(X, value=customers[column] if column else None)
    if not model.labels_.equals(_labels(run, customers)):  # pragma: no cover - determinism
        raise RuntimeError("refitting the step-5 model did not reproduce its segments")
    return model, spec


# -- 05 cluster ----------------------------------------------------------------------------
@dataclass
class ClusterStep:
    """Step 5: the k vote (when k was not given), the labels and the segments' centres."""

    method: str
    k: int
    X: pd.DataFrame
    labels: pd.Series
    #: the value measure per customer (None: the source has none, e.g. a survey)
    value: pd.Series | None
    centers: pd.DataFrame
    assignments: pd.DataFrame
    selection: KSelection | None = None
    preprocessing: dict[str, str] = field(default_factory=dict)


def check_method(method: str, categorical: list[str] | None = None) -> str:
    """``method`` when step 5 can segment with it: k-prototypes needs ``categorical`` columns
    (of the customer table, beside the step-3 features); only it and gower take them."""
    if method == "kprototypes" and not categorical:
        raise InputError(
            "k-prototypes needs categorical columns: name them (--categorical, "
            "segment.categorical in the run config, or categorical=)",
            code="MISSING_CATEGORICAL",
        )
    if categorical and method not in ("kprototypes", "gower"):
        msg = f"categorical columns are clustered by kprototypes or gower, not {method!r}"
        raise InputError(msg, code="UNSUPPORTED_METHOD")
    return method


def cluster_step(
    run: Run,
    *,
    method: str | None = None,
    k: int | None = None,
    k_min: int | None = None,
    k_max: int | None = None,
    progress: bool = False,
    categorical: list[str] | None = None,
) -> ClusterStep:
    """Cluster the customers on the step-3 features; ``k`` 0/None lets the 9 indices vote
    over ``k_min..k_max``. Arguments left out come from the run config.

    ``method`` may also be a rule (``rfm``, ``value``, ``lifecycle``; ``segkit segment``):
    the rule's segments on its own variables of the customer table, its cut points in
    ``05_thresholds.csv`` and its own names kept for step 7. ``progress`` shows the bars of
    the k vote. A customer table's ``02_table.json`` (:func:`segkit.workflow.tables.table_spec`)
    names the value column (or none) and the log rule; ``categorical`` (default: the table's,
    else the run config's ``segment.categorical``) names columns of the customer table
    clustered beside the step-3 features (k-prototypes, gower)."""
    seg = run.config.segment
    table = table_spec(run.folder)
    if categorical is None:
        categorical = table["categorical"] or seg.categorical
    cat = list(categorical)
    method = check_method(method or seg.method, cat)
    customers = step_customers(run)
    column = _value_column(table, customers)
    value = customers[column] if column else None
    if method in RULE_METHODS:
        return _rule_step(run, customers, method, value)
    feats = _features(run, customers)
    X = with_categorical(feats.drop(columns=cat, errors="ignore"), customers, {"categorical": cat})
    fitted = cluster_segments(
        X, method=method, k=k or seg.k or None, k_range=(k_min or seg.k_min, k_max or seg.k_max),
        random_state=run.config.seed, value=value, progress=progress,
        preprocess=preprocess_for(table["log"]), categorical=cat or None,
    )  # fmt: skip
    labels, sel = fitted.labels, fitted.selection
    centers = fitted.model.cluster_centers_.rename_axis("segment").reset_index()
    if sel is not None:
        run.folder.write_frame("k_selection", sel.to_frame().reset_index())
        run.folder.write_frame("k_votes", sel.votes_.reset_index())
    k_final = int(labels.nunique())
    assignments = _write_assignments(run, customers, labels)
    run.folder.write_frame("centers", centers)
    run.folder.write_json(
        "cluster_model",
        {"method": method, "k": k_final, "seed": run.config.seed,
         "features": [c for c in X.columns if c not in cat], "categorical": cat,
         "value_column": column, "log": table["log"],
         "preprocessing": fitted.model.preprocessing_,
         "k_chosen_by": "vote" if sel is not None else "given",
         "k_reason": sel.reason_ if sel is not None else f"k = {k_final} was given"},
    )  # fmt: skip
    return ClusterStep(
        method=method, k=k_final, X=X, labels=labels, value=value,
        centers=centers, assignments=assignments, selection=sel,
        preprocessing=fitted.model.preprocessing_,
    )  # fmt: skip


def _write_assignments(run: Run, customers: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """``05_assignments``: customer → segment (names are given once, at step 7)."""
    assignments = pd.DataFrame(
        {"customer_id": customers["customer_id"].reset_index(drop=True), "segment": labels.values}
    )
    run.folder.write_frame("assignments", assignments)
    return assignments


def _rule_step(
    run: Run, customers: pd.DataFrame, method: str, value: pd.Series | None
) -> ClusterStep:
    """Step 5 with a rule: its segments, cut points (``05_thresholds``) and recipe."""
    labels, thresholds, names = rule_labels(customers, method)
    X = customers[[c for c in RULE_VARIABLES[method] if c in customers]].astype(float)
    assignments = _write_assignments(run, customers, labels)
    run.folder.write_frame("rule_thresholds", thresholds)
    k_final = int(labels.nunique())
    run.folder.write_json(
        "cluster_model",
        {"method": method, "k": k_final, "seed": run.config.seed, "features": list(X.columns),
         "value_column": VALUE_COLUMN, "preprocessing": {}, "k_chosen_by": "rule",
         "k_reason": f"the {method} rule gives {k_final} segments", "rule_names": names},
    )  # fmt: skip
    return ClusterStep(
        method=method, k=k_final, X=X, labels=labels,
        value=value if value is not None else pd.Series(dtype=float), centers=thresholds,
        assignments=assignments,
    )  # fmt: skip


# -- 06 validate ---------------------------------------------------------------------------
@dataclass
class ValidateStep:
    """Step 6: stability, discriminant analysis, sizes and the segment profiles."""

    validation: Validation
    profile: SegmentProfile
    X: pd.DataFrame
    labels: pd.Series


def validate_step(
    run: Run, *, n_boot: int | None = None, min_size: int | None = None, progress: bool = False
) -> ValidateStep:
    """Bootstrap stability of the step-5 clustering, LDA hit rate and scoring rule, minimum
    sizes and the segment profiles (index = segment ÷ all customers × 100). A smoke run uses
    at most 5 bootstrap resamples; rule segments are not resampled. ``progress`` shows the
    bar of the bootstrap."""
    seg = run.config.segment
    n_boot = seg.n_boot if n_boot is None else n_boot
    if run.config.smoke:
        n_boot = min(n_boot, 5)
    spec = run.folder.read_json("cluster_model")
    customers = step_customers(run)
    X = _model_data(run, customers, spec)
    labels = _labels(run, customers)
    cat = spec.get("categorical") or []
    checked = validate_segments(
        X, labels, method=spec["method"], n_boot=n_boot, random_state=spec["seed"],
        min_size=seg.min_size if min_size is None else min_size, progress=progress,
        preprocess=preprocess_for(spec.get("log", "auto")), categorical=cat,
    )  # fmt: skip
    profile = segment_profile(
        customers, labels, _value_column(spec, customers), spec.get("features", ()), cat
    )
    folder = run.folder
    if checked.stability is not None:
        folder.write_frame(
            "stability", checked.stability.table.rename_axis("segment").reset_index()
        )
    if (d := checked.discriminant) is not None:
        folder.write_frame("lda_hit_rate", d.confusion.reset_index())
        folder.write_frame("lda_variables", d.univariate.reset_index())
        folder.write_json("scoring_rule", d.scoring_rule.to_dict())
    folder.write_frame("segment_profiles", profile.table)
    folder.write_frame("profile_index", profile.wide("index").reset_index())
    return ValidateStep(validation=checked, profile=profile, X=X, labels=labels)


# -- 07 names and strategy -----------------------------------------------------------------
@dataclass
class NameStep:
    """Step 7: names, the segment table (客户类型分类管理表) and the strategy."""

    plan: Plan
    profile: SegmentProfile
    labels: pd.Series
    #: the value measure per customer (None: the source has none, e.g. a survey)
    value: pd.Series | None

    def named_labels(self, language: str = "zh") -> pd.Series:
        """Each customer's segment as ``"<segment> <name>"`` in ``language`` (zh, en, both)."""
        names = self.plan.names.set_index("segment")
        text = names["name_en"] if language == "en" else names["name_zh"]
        if language == "both":
            text = names["name_zh"] + " " + names["name_en"]
        label = pd.Series(text.index.astype(str), index=text.index) + " " + text
        return self.labels.map(label).rename("segment")


def name_strategy_step(
    run: Run, *, names: Mapping[int, Mapping[str, str]] | None = None
) -> NameStep:
    """Suggest names from the segment profiles, give each segment its value, lifecycle and
    growth trait (relative to the population, see :func:`segkit.workflow.planning.plan_segments`),
    and match the strategy playbook (a survey's needs segments: :func:`.needs_plan`).

    The analyst's names — the run config's ``names`` (segment → ``{zh, en}``), then
    ``names`` given here — replace the suggestions. This is the only place segment names are
    made: ``07_names`` / ``07_segments`` hold them, and the report, the Excel table and the
    CSV artefacts all read them from there."""
    customers = step_customers(run)
    labels = _labels(run, customers)
    spec = run.folder.read_json("cluster_model")
    column = _value_column(spec, customers)
    profile = segment_profile(
        customers, labels, column, spec.get("features", ()), spec.get("categorical") or []
    )
    if run.folder.exists("tiers") and "clv" not in customers:
        # the step-4 CLV feeds the growth trait (as it feeds the growth tiers)
        tiers = run.folder.read_frame("tiers").set_index("customer_id")
        if "clv" in tiers:
            customers = customers.assign(clv=customers["customer_id"].map(tiers["clv"]))
    stable = run.folder.exists("stability")
    stability = run.folder.read_frame("stability").set_index("segment") if stable else None
    given: dict[Any, Any] = {seg: name.override() for seg, name in run.config.names.items()}
    given |= {seg: dict(name) for seg, name in (names or {}).items()}
    # a rule's segments keep the rule's own names (RFM config, tier names) under the analyst's
    plan = plan_segments(customers, labels, profile, value_column=column, stability=stability,
                         rule_names=spec.get("rule_names"), names=given)  # fmt: skip
    plan = needs_plan(run, plan, given) if source_kind(run) == "survey" else plan
    for name in ("segments", "names", "strategy"):
        run.folder.write_frame(name, getattr(plan, name))
    value = customers[column] if column else None
    return NameStep(plan=plan, profile=profile, labels=labels, value=value)
