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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from segkit.cluster import SegmentClusterer, behaviour_features
from segkit.errors import InputError
from segkit.export import write_table
from segkit.kselect import KSelection, choose_k
from segkit.naming import apply_names, suggest_names
from segkit.rfm import assign_rfm_segments, rfm_scores
from segkit.segment_profiles import SegmentProfile, profile_segments
from segkit.strategy import build_strategy, dominant
from segkit.tiers import growth_tiers, lifecycle_stages, value_tiers
from segkit.validate import (
    DiscriminantReport,
    StabilityReport,
    bootstrap_stability,
    check_segment_sizes,
    discriminant_analysis,
)

Method = Literal["rfm", "value", "lifecycle", "kmeans", "minibatch", "ward", "gmm", "kprototypes"]
RULE_METHODS = ("rfm", "value", "lifecycle")
CLUSTER_METHODS = ("kmeans", "minibatch", "ward", "gmm", "kprototypes")
#: profile columns described in the segment profiles (when present)
PROFILE_VARIABLES = (
    "recency_days", "frequency", "monetary", "avg_order_value", "tenure_days", "return_rate",
    "active_months", "interval_mean_days", "orders_per_active_month",
)  # fmt: skip


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
        """Write every table into ``out_dir`` (created; existing files are never replaced)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {
            "assignments": write_table(self.assignments, out / "assignments.parquet"),
            "assignments_csv": write_table(self.assignments, out / "assignments.csv"),
            "segments": write_table(self.segments, out / "segments.csv"),
            "profiles": write_table(self.profile.table, out / "profiles.csv"),
            "profile_index": write_table(
                self.profile.wide("index").reset_index(), out / "profile_index.csv"
            ),
            "names": write_table(self.names, out / "names.csv"),
            "strategy": write_table(self.strategy, out / "strategy.csv"),
            "thresholds": write_table(self.thresholds, out / "thresholds.csv"),
            "sizes": write_table(self.sizes, out / "segment_sizes.csv"),
        }
        if self.k_selection is not None:
            files["k_selection"] = write_table(
                self.k_selection.to_frame().reset_index(), out / "k_selection.csv"
            )
            files["k_votes"] = write_table(
                self.k_selection.votes_.reset_index(), out / "k_votes.csv"
            )
        if self.stability is not None:
            files["stability"] = write_table(
                self.stability.table.reset_index(), out / "stability.csv"
            )
        if self.discriminant is not None:
            d = self.discriminant
            files["hit_rate"] = write_table(d.confusion.reset_index(), out / "lda_hit_rate.csv")
            files["lda_variables"] = write_table(
                d.univariate.reset_index(), out / "lda_variables.csv"
            )
            files["scoring_rule"] = write_table(
                d.scoring_rule.to_frame().reset_index(), out / "scoring_rule.csv"
            )
            path = out / "scoring_rule.json"
            if path.exists():
                raise FileExistsError(f"{path} exists; segkit never overwrites outputs")
            path.write_text(json.dumps(d.scoring_rule.to_dict(), ensure_ascii=False, indent=1))
            files["scoring_rule_json"] = path
        summary = out / "summary.txt"
        if summary.exists():
            raise FileExistsError(f"{summary} exists; segkit never overwrites outputs")
        summary.write_text(self.summary_text() + "\n", encoding="utf-8")
        files["summary"] = summary
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


def _profile_frame(profile: pd.DataFrame, describe: list[str] | None) -> pd.DataFrame:
    """The variables the segment profiles describe (default: the profile's main measures)."""
    frame = profile.copy()
    if {"frequency", "active_months"} <= set(frame.columns):
        frame["orders_per_active_month"] = frame["frequency"] / frame["active_months"]
    if describe is not None:
        return frame[describe]
    cols = [c for c in PROFILE_VARIABLES if c in frame.columns]
    cols += [c for c in frame.columns if c.startswith("share_") and not c.endswith("__other")]
    if not cols:  # not a segkit profile: describe every numeric column
        cols = [c for c in frame.select_dtypes("number").columns if c != "customer_id"]
    return frame[cols]


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
) -> SegmentationResult:
    """Segment the customers of a profile and describe, validate, name and plan for them.

    Parameters
    ----------
    profile : DataFrame
        One row per customer with ``customer_id`` (from ``build_profile``).
    method : str
        ``rfm``, ``value``, ``lifecycle`` (rules) or a clustering method.
    k : int, optional
        Number of clusters; chosen by :func:`segkit.kselect.choose_k` over ``k_range`` when
        omitted (clustering only).
    features : list of str, optional
        Clustering features (default :func:`segkit.cluster.behaviour_features`).
    n_boot : int
        Bootstrap resamples for stability (0 to skip).
    value_column : str
        The value measure: orders cluster labels, gives value shares and value tiers.
    describe : list of str, optional
        Variables for the segment profiles (default: the profile's main measures, or every
        numeric column when the table is not a segkit profile).
    names : dict, optional
        Segment → name overrides (see :func:`segkit.naming.apply_names`).
    """
    if "customer_id" not in profile:
        raise InputError("the profile needs a customer_id column", code="MISSING_COLUMN")
    data = profile.sort_values("customer_id", kind="stable").reset_index(drop=True)
    notes: list[str] = []
    selection = stability = None
    rule_names: dict[str, dict[str, str]] = {}
    if method in RULE_METHODS:
        labels, thresholds, rule_names = _rule_labels(data, method)
        X = data[[c for c in RULE_VARIABLES[method] if c in data]].astype(float)
    elif method in CLUSTER_METHODS:
        X = data[features] if features else behaviour_features(data)
        if k is None:
            lo, hi = k_range
            algo: Literal["kmeans", "minibatch"] = (
                "minibatch" if method == "minibatch" else "kmeans"
            )
            selection = choose_k(
                X,
                k_range=range(lo, hi + 1),
                method=algo,
                random_state=random_state,
                progress=progress,
            )
            k = int(selection.recommended_k_)
        cmethod: Any = method
        model = SegmentClusterer(cmethod, n_clusters=k, random_state=random_state)
        value = data[value_column] if value_column in data else None
        model.fit(X, value=value)
        labels = model.labels_.rename("segment")
        thresholds = model.cluster_centers_.reset_index()
        notes.append(f"preprocessing: {model.preprocessing_}")
        if n_boot:
            stability = bootstrap_stability(
                X,
                labels,
                fit_predict=SegmentClusterer(cmethod, n_clusters=k, random_state=random_state),
                n_boot=n_boot,
                random_state=random_state,
                progress=progress,
            )
    else:
        raise InputError(f"unknown method {method!r}", code="UNKNOWN_METHOD")

    sizes = check_segment_sizes(labels, min_size=min_size)
    if sizes["too_small"].any():
        small = sizes.index[sizes["too_small"]].tolist()
        notes.append(f"segments below {min_size} customers: {small}")
    described = _profile_frame(data, describe)
    if value_column not in data:
        raise InputError(
            f"no value column {value_column!r}", column=value_column, code="MISSING_COLUMN"
        )
    seg_profile = profile_segments(
        described.assign(**{value_column: data[value_column]}), labels, value_column=value_column
    )
    discriminant = None
    usable = X.loc[:, X.std() > 0]
    if labels.nunique() > 1 and usable.shape[1] and labels.value_counts().min() >= 2:
        discriminant = discriminant_analysis(usable, labels, random_state=random_state)
    suggested = suggest_names(seg_profile.wide("index"))
    # rule-based segments already have names (RFM config, tier names): keep them, and keep
    # the profile-based suggestion as the segment's traits
    named = apply_names(suggested, {**rule_names, **(names or {})})

    # segment-level traits for the playbook: the tier most members are in
    seg_labels = labels.reset_index(drop=True)
    traits = pd.DataFrame({"segment": sorted(seg_labels.unique(), key=_sort_key)})
    value_tier = value_tiers(data, column=value_column).labels
    traits["value"] = traits["segment"].map(dominant(value_tier, seg_labels))
    if {"recency_days", "tenure_days"} <= set(data.columns):
        traits["lifecycle"] = traits["segment"].map(
            dominant(lifecycle_stages(data).labels, seg_labels)
        )
    if {"monetary_h1", "monetary_h2"} <= set(data.columns):
        traits["growth"] = traits["segment"].map(dominant(growth_tiers(data).labels, seg_labels))
    value_share = seg_profile.sizes["value_share"]
    traits["value_share"] = traits["segment"].map(value_share).fillna(0.0)
    strategy = build_strategy(traits, playbook)

    segs = traits.merge(named[["segment", "name_zh", "name_en"]], on="segment")
    segs["size"] = segs["segment"].map(seg_profile.sizes["size"]).astype(int)
    segs["share"] = segs["segment"].map(seg_profile.sizes["share"])
    if stability is not None:
        segs["stability"] = segs["segment"].map(stability.table["mean_jaccard"])
        segs["verdict"] = segs["segment"].map(stability.table["verdict"])
    name_map = named.set_index("segment")
    assignments = pd.DataFrame(
        {
            "customer_id": data["customer_id"],
            "segment": seg_labels,
            "segment_name_zh": seg_labels.map(name_map["name_zh"]),
            "segment_name_en": seg_labels.map(name_map["name_en"]),
        }
    )
    return SegmentationResult(
        method=method,
        k=int(labels.nunique()),
        assignments=assignments,
        segments=segs,
        profile=seg_profile,
        names=named,
        strategy=strategy,
        thresholds=thresholds,
        sizes=sizes.reset_index(),
        k_selection=selection,
        stability=stability,
        discriminant=discriminant,
        notes=notes,
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
