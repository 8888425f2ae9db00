"""Step 7's computation: name the segments, give each its value, lifecycle and growth trait
and a strategy (:func:`plan_segments`, called by :func:`segkit.workflow.model.name_strategy_step`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.naming import apply_names, code_columns, suggest_names
from segkit.strategy import build_strategy, overrepresented, value_level
from segkit.tiers.lifecycle import lifecycle_stages
from segkit.tiers.rules import growth_tiers
from segkit.validate.describe import SegmentProfile


@dataclass
class Plan:
    """Names, segment traits and the strategy of a segmentation."""

    names: pd.DataFrame
    segments: pd.DataFrame
    strategy: pd.DataFrame


def plan_segments(
    data: pd.DataFrame,
    labels: pd.Series,
    seg_profile: SegmentProfile,
    *,
    value_column: str | None = "monetary",
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

    Without a value column (``value_column`` None, or a profile without value shares) the
    segments have no value trait and no value share: the strategy splits the budget equally.

    ``data`` and ``labels`` are aligned by row (``data`` has ``customer_id``); ``stability`` is
    :attr:`StabilityReport.table` (``mean_jaccard``, ``verdict`` by segment).
    """
    # names from the traits with the largest effect sizes; ids and codes never name
    suggested = suggest_names(seg_profile, ignore=code_columns(data))
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
    valued = value_column is not None and "value_share" in sizes
    if valued:
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
    value_cols = ["value_share", "value_index"] if valued else []
    first = ["segment", *(["value"] if valued else []), *[k for k, _ in kinds], *value_cols]
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
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
