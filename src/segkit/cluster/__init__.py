"""Cluster customers (聚类分析) and choose the number of segments k (确定分群数).

* :mod:`~segkit.cluster.prepare` — behavioural features, scaling, input checks, row order.
* :mod:`~segkit.cluster.estimator` — :class:`SegmentClusterer` with canonical labels.
* :mod:`~segkit.cluster.kvote` — :func:`choose_k`: one k-means fit per k, nine indices vote.
* :mod:`~segkit.cluster.indices` — the indices' arithmetic and :func:`knee_point`.
* :mod:`~segkit.cluster.gap_statistic` — the gap statistic as R ``cluster::clusGap``.
"""

from __future__ import annotations

from segkit.cluster.estimator import METHODS, SegmentClusterer
from segkit.cluster.gap_statistic import GAP_RULES, GapResult, gap, max_se
from segkit.cluster.indices import knee_point
from segkit.cluster.kvote import INDICES, KMEANS_SAMPLE, KSelection, choose_k
from segkit.cluster.prepare import (
    DEFAULT_BEHAVIOUR_FEATURES,
    ONE_THREAD_UP_TO,
    WARD_MAX_CUSTOMERS,
    behaviour_features,
    default_preprocessor,
    describe_preprocessor,
    make_preprocessor,
    stable_order,
)

__all__ = [
    "DEFAULT_BEHAVIOUR_FEATURES",
    "GAP_RULES",
    "INDICES",
    "KMEANS_SAMPLE",
    "METHODS",
    "ONE_THREAD_UP_TO",
    "WARD_MAX_CUSTOMERS",
    "GapResult",
    "KSelection",
    "SegmentClusterer",
    "behaviour_features",
    "choose_k",
    "default_preprocessor",
    "describe_preprocessor",
    "gap",
    "knee_point",
    "make_preprocessor",
    "max_se",
    "stable_order",
]
