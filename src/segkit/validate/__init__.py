"""Validate and adjust segments (验证与调整): are they stable, distinct and big enough?

* :mod:`~segkit.validate.stability` — bootstrap re-clustering (Hennig's clusterboot).
* :mod:`~segkit.validate.discriminant` — LDA hit rate, Wilks' lambda and the scoring rule.
* :mod:`~segkit.validate.sizes` — labels aligned with the features; segments too small.
* :mod:`~segkit.validate.describe` — segment profiles against the whole.
"""

from __future__ import annotations

from segkit.validate.describe import SegmentProfile, profile_segments
from segkit.validate.discriminant import DiscriminantReport, ScoringRule, discriminant_analysis
from segkit.validate.sizes import align_labels, check_segment_sizes, small_segments_note
from segkit.validate.stability import (
    ClusterbootKMeans,
    StabilityReport,
    bootstrap_stability,
    cluster_jaccard,
    hartigan_refine,
)

__all__ = [
    "ClusterbootKMeans",
    "DiscriminantReport",
    "ScoringRule",
    "SegmentProfile",
    "StabilityReport",
    "align_labels",
    "bootstrap_stability",
    "check_segment_sizes",
    "cluster_jaccard",
    "discriminant_analysis",
    "hartigan_refine",
    "profile_segments",
    "small_segments_note",
]
