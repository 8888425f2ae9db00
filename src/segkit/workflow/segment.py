"""One segmentation, start to finish: segments → validation → profiles → names → strategy.

This is what ``segkit segment`` and the notebooks call. Given a customer profile (from
:func:`segkit.profile.build_profile`) and a method, it

1. assigns segments — rule-based (``rfm``, ``value``, ``lifecycle``) or by clustering
   (``kmeans``, ``minibatch``, ``ward``, ``gmm``, ``kprototypes``) on behavioural features,
   with k chosen by a vote of 9 indices when not given;
2. validates them — bootstrap stability (clustering only), discriminant analysis (LDA
   hit rate, Wilks' λ, a scoring rule for new customers), minimum segment sizes;
3. profiles every segment against the population, suggests Chinese and English names, and
   maps each segment to a strategy from the playbook.

Every table is returned in a :class:`SegmentationResult`; :meth:`SegmentationResult.write`
puts them in a folder as CSV (Parquet for the assignments) plus a text summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering

from segkit.atomic import all_or_nothing, write_text
from segkit.cluster.estimator import SegmentClusterer
from segkit.cluster.kvote import KSelection, choose_k
from segkit.cluster.prepare import behaviour_features, describe_preprocessor, make_preprocessor
from segkit.errors import InputError
from segkit.features import with_derived
from segkit.naming import apply_names, suggest_names
from segkit.outputs.tables import write_table
from segkit.strategy import build_strategy, overrepresented, value_level
from segkit.tiers.lifecycle import lifecycle_stages
from segkit.tiers.rfm import assign_rfm_segments, rfm_scores
from segkit.tiers.rules import growth_tiers, value_tiers
from segkit.validate.describe import SegmentProfile, profile_segments
from segkit.validate.discriminant import DiscriminantReport, discriminant_analysis
from segkit.validate.sizes import check_segment_sizes, small_segments_note
from segkit.validate.stability import ClusterbootKMeans, StabilityReport, bootstrap_stability

Method = Literal["rfm", "value", "lifecycle", "kmeans", "minibatch", "ward", "gmm", "kprototypes"]
RULE_METHODS = ("rfm", "value", "lifecycle")
CLUSTER_METHODS = ("kmeans", "minibatch", "ward", "gmm", "kprototypes")
#: profile columns described in the segment profiles (when present)
PROFILE_VARIABLES = (
    "recency_days", "frequency", "monetary", "avg_order_value", "tenure_days", "return_rate",
    "active_months", "interval_mean_days", "orders_per_active_month",
)  # fmt: skip
#: the stages :func:`segment_customers` announces through ``on_stage``
SEGMENT_STAGES = ("segment", "validate", "profile segments", "names and strategy")
#: columns that only a transaction table has (lower case); a profile has none of them
TRANSACTION_HINTS = (
    "order_id", "order_time", "order_date", "invoiceno", "invoicedate", "invoice", "quantity",
    "unit_price", "unitprice", "amount", "date", "dollar_value", "stockcode",
)  # fmt: skip


def transactions_hint(table: pd.DataFrame) -> str | None:
    """Why ``table`` looks like a transaction table rather than a customer profile, or None.

    A profile (:func:`segkit.profile.build_profile`) has one row per ``customer_id`` and the
    columns ``recency_days``, ``frequency`` and ``monetary``. A table without them that repeats
    its customer ids, or that has order-line columns (``order_id``, ``InvoiceDate``,
    ``Quantity`` …), is transactions: it has to go through ``segkit profile`` first.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0]})
    >>> transactions_hint(tx)
    "3 rows for 2 customer ids and order-line columns ['amount']"
    >>> transactions_hint(pd.DataFrame({"customer_id": ["a"], "recency_days": [3],
    ...                                 "frequency": [1], "monetary": [9.0]})) is None
    True
    """
    if {"recency_days", "frequency", "monetary"} <= set(table.columns):
        return None
    ids = next((c for c in table.columns if str(c).casefold() in _ID_NAMES), None)
    reasons = []
    if ids is not None and len(table):
        n_ids = int(table[ids].nunique(dropna=True))
        if n_ids < len(table):
            reasons.append(f"{len(table):,} rows for {n_ids:,} customer ids")
    lines = [str(c) for c in table.columns if str(c).casefold() in TRANSACTION_HINTS]
    if lines:
        reasons.append(f"order-line columns {lines[:4]}")
    return " and ".join(reasons) or None


_ID_NAMES = ("customer_id", "customerid", "customer id", "cust_id", "客户编号", "客户id")


@dataclass
class SegmentationResult:
    """Everything one segmentation produced."""

    method: str
    k: int
    assignments: pd.DataFrame
    segments: pd.DataFrame
    profile: SegmentProfile
    names: pd.DataFrame
    strategy: pd.DataFrame
    thresholds: pd.DataFrame
    sizes: pd.DataFrame
    k_selection: KSelection | None = None
    stability: StabilityReport | None = None
    discriminant: DiscriminantReport | None = None
    notes: list[str] = field(default_factory=list)

    def summary_text(self) -> str:
        """A short, printable account of the segmentation."""
        lines = [f"Segmentation: {self.method}, {self.k} segments"]
        if self.k_selection is not None:
            lines.append(f"  k: {self.k_selection.reason_}")
        seg = self.segments
        for r in seg.itertuples(index=False):
            lines.append(
                f"  {r.segment}: {r.name_zh} / {r.name_en} — {r.size:,} customers "
                f"({r.share:.1%}), value share {r.value_share:.1%}"
                + (f", stability {r.stability:.2f} ({r.verdict})" if "stability" in seg else "")
            )
        if self.discriminant is not None:
            d = self.discriminant
            lines.append(
                f"  discriminant analysis: cross-validated hit rate {d.hit_rate:.1%} "
                f"(chance {d.chance_proportional:.1%}), Wilks' Λ {d.wilks_lambda:.3f}"
            )
        if self.stability is not None:
            lines.append(f"  mean bootstrap Jaccard {self.stability.overall_mean:.2f}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write every table into ``out_dir`` (created; existing files are never replaced).

        All or nothing: each file appears whole under its name, and if one cannot be written
        (a full disk) the files this call wrote are removed again (:mod:`segkit.atomic`).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        tables: dict[str, tuple[pd.DataFrame, str]] = {
            "assignments": (self.assignments, "assignments.parquet"),
            "assignments_csv": (self.assignments, "assignments.csv"),
            "segments": (self.segments, "segments.csv"),
            "profiles": (self.profile.table, "profiles.csv"),
            "profile_index": (self.profile.wide("index").reset_index(), "profile_index.csv"),
            "names": (self.names, "names.csv"),
            "strategy": (self.strategy, "strategy.csv"),
            "thresholds": (self.thresholds, "thresholds.csv"),
            "sizes": (self.sizes, "segment_sizes.csv"),
        }
        texts: dict[str, tuple[str, str]] = {}
        if self.k_selection is not None:
            sel = self.k_selection
            tables["k_selection"] = (sel.to_frame().reset_index(), "k_selection.csv")
            tables["k_votes"] = (sel.votes_.reset_index(), "k_votes.csv")
        if self.stability is not None:
            tables["stability"] = (self.stability.table.reset_index(), "stability.csv")
        if self.discriminant is not None:
            d = self.discriminant
            tables["hit_rate"] = (d.confusion.reset_index(), "lda_hit_rate.csv")
            tables["lda_variables"] = (d.univariate.reset_index(), "lda_variables.csv")
            tables["scoring_rule"] = (d.scoring_rule.to_frame().reset_index(), "scoring_rule.csv")
            rule = json.dumps(d.scoring_rule.to_dict(), ensure_ascii=False, indent=1)
            texts["scoring_rule_json"] = (rule, "scoring_rule.json")
        texts["summary"] = (self.summary_text() + "\n", "summary.txt")
        files: dict[str, Path] = {}
        with all_or_nothing() as written:
            for key, (frame, name) in tables.items():
                files[key] = write_table(frame, out / name)
                written.append(files[key])
            for key, (text, name) in texts.items():
                files[key] = write_text(out / name, text)
                written.append(files[key])
        return files


#: variables each rule-based method is defined on (used for the discriminant check)
RULE_VARIABLES = {
    "rfm": ["recency_days", "frequency", "monetary"],
    "value": ["monetary", "frequency", "avg_order_value"],
    "lifecycle": ["recency_days", "tenure_days", "frequency", "orders_h1", "orders_h2"],
}


def _rule_labels(
    profile: pd.DataFrame, method: str
) -> tuple[pd.Series, pd.DataFrame, dict[str, dict[str, str]]]:
    """Labels, thresholds and the rule's own names (segment → {"zh", "en"})."""
    if method == "rfm":
        scores = rfm_scores(profile)
        en = assign_rfm_segments(scores).labels.astype(str)
        zh = assign_rfm_segments(scores, lang="zh").labels.astype(str)
        thresholds = scores.thresholds
    else:
        make = value_tiers if method == "value" else lifecycle_stages
        tier_en, tier_zh = make(profile), make(profile, lang="zh")
        en, zh = tier_en.labels.astype(str), tier_zh.labels.astype(str)
        thresholds = tier_en.thresholds
    names = {e: {"zh": z, "en": e} for e, z in zip(en, zh, strict=True)}
    return en.rename("segment"), thresholds, names


def profile_variables(frame: pd.DataFrame, extra: tuple[str, ...] = ()) -> list[str]:
    """The variables segment profiles describe: the profile's main measures, its channel and
    category shares, and the ``extra`` columns present (e.g. demographics of the master);
    every numeric column when the table is not a segkit profile."""
    cols = [c for c in PROFILE_VARIABLES if c in frame.columns]
    cols += [c for c in frame.columns if c.startswith("share_") and not c.endswith("__other")]
    if not cols:  # not a segkit profile: describe every numeric column
        cols = [c for c in frame.select_dtypes("number").columns if c != "customer_id"]
    return cols + [c for c in extra if c in frame.columns and c not in cols]


def _profile_frame(profile: pd.DataFrame, describe: list[str] | None) -> pd.DataFrame:
    """The variables the segment profiles describe (default: :func:`profile_variables`)."""
    frame = with_derived(profile)
    return frame[describe if describe is not None else profile_variables(frame)]


@dataclass
class Clustering:
    """A fitted clusterer, its canonical labels and (when k was voted on) the k selection."""

    model: SegmentClusterer
    labels: pd.Series
    selection: KSelection | None = None


def cluster_segments(
    X: pd.DataFrame,
    *,
    method: str = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    random_state: int = 0,
    value: pd.Series | None = None,
    progress: bool = True,
) -> Clustering:
    """Choose k by the index vote (when not given) and fit a :class:`SegmentClusterer`."""
    if method not in CLUSTER_METHODS:
        raise InputError(f"unknown clustering method {method!r}", code="UNKNOWN_METHOD")
    selection = None
    if k is None:
        lo, hi = k_range
        algo: Literal["kmeans", "minibatch"] = "minibatch" if method == "minibatch" else "kmeans"
        selection = choose_k(
            X, k_range=range(lo, hi + 1), method=algo, random_state=random_state, progress=progress
        )
        k = int(selection.recommended_k_)
    cmethod: Any = method
    model = SegmentClusterer(cmethod, n_clusters=k, random_state=random_state)
    model.fit(X, value=value)
    return Clustering(model=model, labels=model.labels_.rename("segment"), selection=selection)


@dataclass
class Validation:
    """Stability (clustering only), discriminant analysis and segment sizes."""

    sizes: pd.DataFrame
    stability: StabilityReport | None = None
    discriminant: DiscriminantReport | None = None
    notes: list[str] = field(default_factory=list)


#: above this many customers, bootstrap stability fits on samples of this size
BOOTSTRAP_SAMPLE = 20_000


def clustering_scale(X: pd.DataFrame, preprocess: Any = "auto") -> tuple[pd.DataFrame, list[str]]:
    """The features on the clustering's scale (``preprocess`` as :class:`SegmentClusterer`:
    ``auto`` = log1p of skewed spend/count columns, then standardise) and the log1p columns."""
    pre = make_preprocessor(preprocess, X)
    if pre is None:
        return X.astype(float), []
    z = pd.DataFrame(
        np.asarray(pre.transform(X), dtype=float), index=X.index,
        columns=list(getattr(pre, "get_feature_names_out", lambda: X.columns)()),
    )  # fmt: skip
    if set(z.columns) == set(X.columns):
        z = z[list(X.columns)]
    treatment = describe_preprocessor(pre)
    logged = [c for c in X.columns if str(treatment.get(str(c), "")).startswith("log1p")]
    return z, logged


def validate_segments(
    X: pd.DataFrame,
    labels: pd.Series,
    *,
    method: str | None = None,
    n_boot: int = 50,
    random_state: int = 0,
    min_size: int = 30,
    progress: bool = True,
    refit: Literal["clusterboot", "segkit"] = "clusterboot",
    preprocess: Any = "auto",
) -> Validation:
    """Bootstrap stability, LDA and the minimum-size check of a segmentation.

    Both checks run on the clustering's own scale for a clustering ``method`` (``preprocess``
    as in :class:`SegmentClusterer`, default log1p of skewed columns then standardisation);
    rule segments are checked on the rule variables as given.

    * Stability (clustering only; ``n_boot=0`` skips it). ``refit="clusterboot"`` (default)
      follows R fpc's ``clusterboot(x, B, bootmethod = "boot", clustermethod = kmeansCBI,
      runs = 1)``: each resample's distinct customers, on the clustering's scale, are
      re-clustered from **one** random start (k-means: Lloyd then Hartigan's exchange, as R
      ``kmeans``; ward: the same Ward clustering; gmm: one mixture fit), and each segment's
      stability is the mean over resamples of its best Jaccard (within ±0.03 of fpc on
      USArrests, see the tests). ``"segkit"``: refit the whole :class:`SegmentClusterer`
      (preprocessing and 10 k-means++ starts) per resample — a milder test that calls
      segments "stable" that clusterboot calls doubtful. kprototypes always uses it.
    * Discriminant analysis on the usable (non-constant) variables, with log1p of the
      columns the clustering log-transforms
      (:func:`segkit.validate.stability.discriminant_analysis`).
    """
    notes: list[str] = []
    stability = None
    k = int(labels.nunique())
    clustering = method in CLUSTER_METHODS
    numeric = all(pd.api.types.is_numeric_dtype(X[c]) for c in X.columns)
    Z, logged = clustering_scale(X, preprocess) if clustering and numeric else (X, [])
    if clustering and n_boot:
        cmethod: Any = method
        large = len(X) > BOOTSTRAP_SAMPLE and method in ("kmeans", "minibatch", "gmm")
        clusterboot = refit == "clusterboot" and method != "kprototypes" and numeric
        model: Any
        if clusterboot:
            data = Z
            if method in ("kmeans", "minibatch"):
                model = ClusterbootKMeans(k, random_state=random_state)
                how = "k-means from one random start (fpc kmeansCBI, runs = 1)"
            elif method == "ward":
                model = AgglomerativeClustering(k, linkage="ward")
                how = "Ward clustering (fpc hclustCBI, method = ward.D2)"
            else:
                model = SegmentClusterer(cmethod, n_clusters=k, preprocess=None, n_init=1,
                                         random_state=random_state)  # fmt: skip
                how = f"{method} from one start"
            scheme = f"clusterboot (R fpc): {how} on the clustering's scale, per resample"
        else:
            data = X
            model = SegmentClusterer(cmethod, n_clusters=k, random_state=random_state)
            scheme = f"segkit: the whole {method} clustering (preprocessing, all starts) refitted"
        if large:
            # large data: fit on bootstrap samples, assign every customer (clusterboot's
            # comparison on all rows; the cost no longer grows with n)
            stability = bootstrap_stability(
                data, labels, fit=model, n_boot=n_boot, random_state=random_state,
                sample_size=BOOTSTRAP_SAMPLE, progress=progress, refit=scheme,
            )  # fmt: skip
            notes.append(
                f"stability: each of {n_boot} bootstrap samples of {BOOTSTRAP_SAMPLE:,} "
                "customers re-clustered, every customer assigned"
            )
        else:
            stability = bootstrap_stability(
                data, labels, fit_predict=model, n_boot=n_boot, random_state=random_state,
                progress=progress, multipleboot=not clusterboot, refit=scheme,
            )  # fmt: skip
        notes.append(f"stability refit: {scheme}")
    sizes = check_segment_sizes(labels, min_size=min_size)
    if sizes["too_small"].any():
        notes.append(small_segments_note(sizes))
    discriminant = None
    usable = X.loc[:, X.std() > 0]
    if labels.nunique() > 1 and usable.shape[1] and labels.value_counts().min() >= 2:
        logs = [c for c in logged if c in usable.columns]
        discriminant = discriminant_analysis(usable, labels, random_state=random_state, log1p=logs)
        if clustering:
            scale = f"log1p of {', '.join(map(str, logs))}" if logs else "the variables as given"
            notes.append(f"discriminant analysis on the clustering's scale ({scale})")
    return Validation(sizes=sizes, stability=stability, discriminant=discriminant, notes=notes)


def describe_segments(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    value_column: str = "monetary",
    describe: list[str] | None = None,
) -> SegmentProfile:
    """Profile every segment against the population (see :func:`profile_variables`)."""
    if value_column not in data:
        raise InputError(
            f"no value column {value_column!r}", column=value_column, code="MISSING_COLUMN"
        )
    described = _profile_frame(data, describe)
    return profile_segments(
        described.assign(**{value_column: data[value_column]}), labels, value_column=value_column
    )


@dataclass
class Plan:
    """Names, segment traits and the strategy of a segmentation."""

    names: pd.DataFrame
    segments: pd.DataFrame
    strategy: pd.DataFrame
    assignments: pd.DataFrame


def plan_segments(
    data: pd.DataFrame,
    labels: pd.Series,
    seg_profile: SegmentProfile,
    *,
    value_column: str = "monetary",
    stability: pd.DataFrame | None = None,
    rule_names: dict[str, dict[str, str]] | None = None,
    names: dict[Any, Any] | None = None,
    playbook: Any = None,
) -> Plan:
    """Name the segments, give each its value, lifecycle and growth trait and a strategy.

    Traits come from each segment's own figures relative to the population: ``value``
    from ``value_index`` (value share ÷ customer share; :func:`segkit.strategy.value_level`),
    ``lifecycle`` / ``growth`` from the stage / tier most over-represented in the segment
    (:func:`segkit.strategy.overrepresented`; ``*_share`` and ``*_index`` give its share and
    index). Growth uses ``clv`` as the predicted value when ``data`` has it.

    ``data`` and ``labels`` are aligned by row (``data`` has ``customer_id``); ``stability`` is
    :attr:`StabilityReport.table` (``mean_jaccard``, ``verdict`` by segment).
    """
    suggested = suggest_names(seg_profile.wide("index"))
    # rule-based segments already have names (RFM config, tier names): keep them, and keep
    # the profile-based suggestion as the segment's traits
    named = apply_names(suggested, {**(rule_names or {}), **(names or {})})

    # segment-level traits for the playbook, each from the segment's own figures relative
    # to the population: value from its value index (mean value ÷ the population's),
    # lifecycle and growth from the stage / tier most over-represented in it
    seg_labels = labels.reset_index(drop=True)
    data = data.reset_index(drop=True)
    traits = pd.DataFrame({"segment": sorted(seg_labels.unique(), key=_sort_key)})
    sizes = seg_profile.sizes
    share = traits["segment"].map(sizes["share"]).astype(float)
    traits["value_share"] = traits["segment"].map(sizes["value_share"]).fillna(0.0)
    traits["value_index"] = traits["value_share"] / share.where(share > 0)
    traits["value"] = traits["value_index"].fillna(0.0).map(value_level)
    kinds = []
    if {"recency_days", "tenure_days"} <= set(data.columns):
        kinds.append(("lifecycle", lifecycle_stages(data).labels))
    if {"orders_early", "orders_late", "tenure_days"} <= set(data.columns):
        predicted = "clv" if "clv" in data.columns else None
        kinds.append(("growth", growth_tiers(data, predicted=predicted).labels))
    for kind, tier_labels in kinds:
        over = overrepresented(tier_labels, seg_labels)
        traits[kind] = traits["segment"].map(over["level"])
        traits[f"{kind}_share"] = traits["segment"].map(over["share"])
        traits[f"{kind}_index"] = traits["segment"].map(over["index"])
    # the traits first (as before), then the figures behind them
    first = ["segment", "value", *[k for k, _ in kinds], "value_share", "value_index"]
    traits = traits[first + [c for c in traits.columns if c not in first]]
    strategy = build_strategy(traits, playbook)

    segs = traits.merge(named[["segment", "name_zh", "name_en"]], on="segment")
    segs["size"] = segs["segment"].map(seg_profile.sizes["size"]).astype(int)
    segs["share"] = segs["segment"].map(seg_profile.sizes["share"])
    if stability is not None:
        segs["stability"] = segs["segment"].map(stability["mean_jaccard"])
        segs["verdict"] = segs["segment"].map(stability["verdict"])
    return Plan(
        names=named,
        segments=segs,
        strategy=strategy,
        assignments=assignment_table(data["customer_id"], seg_labels, named),
    )


def assignment_table(
    customer_id: pd.Series, labels: pd.Series, names: pd.DataFrame
) -> pd.DataFrame:
    """``customer_id``, ``segment``, ``segment_name_zh``, ``segment_name_en`` (row-aligned)."""
    name_map = names.set_index("segment")
    seg = labels.reset_index(drop=True)
    return pd.DataFrame(
        {
            "customer_id": customer_id.reset_index(drop=True),
            "segment": seg,
            "segment_name_zh": seg.map(name_map["name_zh"]),
            "segment_name_en": seg.map(name_map["name_en"]),
        }
    )


def segment_customers(
    profile: pd.DataFrame,
    *,
    method: Method = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    features: list[str] | None = None,
    n_boot: int = 50,
    random_state: int = 0,
    value_column: str = "monetary",
    describe: list[str] | None = None,
    names: dict[Any, Any] | None = None,
    playbook: Any = None,
    min_size: int = 30,
    progress: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> SegmentationResult:
    """Segment the customers of a profile and describe, validate, name and plan for them.

    Parameters
    ----------
    profile : DataFrame
        One row per customer with ``customer_id`` (from ``build_profile``).
    method : str
        ``rfm``, ``value``, ``lifecycle`` (rules) or a clustering method.
    k : int, optional
        Number of clusters; chosen by :func:`segkit.cluster.kvote.choose_k` over ``k_range`` when
        omitted (clustering only).
    features : list of str, optional
        Clustering features (default :func:`segkit.cluster.estimator.behaviour_features`).
    n_boot : int
        Bootstrap resamples for stability (0 to skip).
    value_column : str
        The value measure: orders cluster labels, gives value shares and value tiers.
    describe : list of str, optional
        Variables for the segment profiles (default: the profile's main measures, or every
        numeric column when the table is not a segkit profile).
    names : dict, optional
        Segment → name overrides (see :func:`segkit.naming.apply_names`).
    on_stage : callable, optional
        Called with each stage name of :data:`SEGMENT_STAGES` as it starts (progress).
    """
    stage = on_stage if on_stage is not None else (lambda name: None)
    if "customer_id" not in profile:
        raise InputError("the profile needs a customer_id column", code="MISSING_COLUMN")
    data = profile.sort_values("customer_id", kind="stable").reset_index(drop=True)
    notes: list[str] = []
    selection = None
    rule_names: dict[str, dict[str, str]] = {}
    stage(SEGMENT_STAGES[0])
    if method in RULE_METHODS:
        labels, thresholds, rule_names = _rule_labels(data, method)
        X = data[[c for c in RULE_VARIABLES[method] if c in data]].astype(float)
    elif method in CLUSTER_METHODS:
        X = data[features] if features else behaviour_features(data)
        value = data[value_column] if value_column in data else None
        fitted = cluster_segments(
            X, method=method, k=k, k_range=k_range, random_state=random_state, value=value,
            progress=progress,
        )  # fmt: skip
        labels, selection = fitted.labels, fitted.selection
        thresholds = fitted.model.cluster_centers_.reset_index()
        notes.append(f"preprocessing: {fitted.model.preprocessing_}")
    else:
        raise InputError(f"unknown method {method!r}", code="UNKNOWN_METHOD")

    stage(SEGMENT_STAGES[1])
    checked = validate_segments(
        X, labels, method=method, n_boot=n_boot, random_state=random_state, min_size=min_size,
        progress=progress,
    )  # fmt: skip
    notes.extend(checked.notes)
    stage(SEGMENT_STAGES[2])
    seg_profile = describe_segments(data, labels, value_column=value_column, describe=describe)
    stability = checked.stability
    stage(SEGMENT_STAGES[3])
    plan = plan_segments(
        data, labels, seg_profile, value_column=value_column,
        stability=stability.table if stability is not None else None,
        rule_names=rule_names, names=names, playbook=playbook,
    )  # fmt: skip
    return SegmentationResult(
        method=method,
        k=int(labels.nunique()),
        assignments=plan.assignments,
        segments=plan.segments,
        profile=seg_profile,
        names=plan.names,
        strategy=plan.strategy,
        thresholds=thresholds,
        sizes=checked.sizes.reset_index(),
        k_selection=selection,
        stability=stability,
        discriminant=checked.discriminant,
        notes=notes,
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
