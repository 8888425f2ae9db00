"""In-engine scoring (库内打分): fitted models and rule tiers as SQL for DuckDB and Spark.

Fit on a sample in pandas / scikit-learn, then assign every customer where the data live:
each function here turns a fitted model or a rule into a :class:`SQLScorer` — a small chain
of SQL expressions written once in sqlglot's dialect-neutral SQL, parsed by sqlglot and
generated for ``"duckdb"`` or ``"spark"`` (:func:`to_sql`). :func:`score` runs the query in a
DuckDB connection or a SparkSession and returns the engine's own lazy relation / DataFrame,
so the table is never pulled into Python.

=======================================  ==================================================
scorer                                   exported from
=======================================  ==================================================
:func:`cluster_scorer`                   :class:`~segkit.cluster.estimator.SegmentClusterer`
                                         (kmeans, minibatch, ward: nearest centroid; gmm with tied
                                         covariance: linear posterior), with the recorded
                                         log1p / standardisation
:func:`rule_scorer`                      :class:`~segkit.validate.discriminant.ScoringRule`
                                         (Fisher's linear classification functions)
:func:`cut_scorer`, :func:`tier_scorer`  threshold tables (:class:`~segkit.tiers.result.TierResult`
                                         of ``quantile`` / ``fixed`` tiers)
:func:`rfm_scorer`                       R, F, M scores 1..bins by the rank definition of
                                         :func:`segkit.tiers.rfm.rfm_scores` (window functions)
:func:`rfm_threshold_scorer`             a fitted :class:`~segkit.tiers.rfm.RFMScores` applied
                                         as a threshold table (fit on a sample)
:func:`lifecycle_scorer`                 :func:`segkit.tiers.lifecycle.lifecycle_stages`
=======================================  ==================================================

Numerics
--------
Numbers enter the SQL as ``CAST('<repr>' AS DOUBLE)``: the shortest repr that round-trips,
parsed with correct rounding by both engines (plain decimal literals would be DECIMALs).
Integer columns are cast to DOUBLE before arithmetic. ``log1p`` (missing in DuckDB) is
computed as ``CASE WHEN 1 + x = 1 THEN x ELSE LN(1 + x) * x / ((1 + x) - 1) END``
(Goldberg's accurate form). Nearest-centroid and discriminant scores are linear functions
``c_j + Σ w_ji z_i`` summed left to right; NumPy / BLAS may sum in another order, so a score
can differ in the last bits: only a customer whose two best scores are within ~1e-12 of each
other could get another segment (none on the demo data; see the tests). **Ties**: the first
segment in the model's internal order wins (as ``numpy.argmax`` / scikit-learn's
``predict``), then it is mapped to the canonical label. A missing input gives a NULL
segment for the model scorers; tiers follow their Python rules (missing → lowest tier, or
``lost`` for lifecycle).

Examples
--------
>>> import duckdb
>>> import pandas as pd
>>> con = duckdb.connect()
>>> con.execute("CREATE TABLE p AS SELECT * FROM (VALUES ('a', 5.0), ('b', 50.0), "
...             "('c', NULL)) AS t(customer_id, monetary)").fetchall()
[(3,)]
>>> tiers = cut_scorer("monetary", [10.0, 40.0], ["low", "mid", "high"], name="value_tier")
>>> score(con, [tiers], "p").df()["value_tier"].tolist()
['low', 'high', 'low']
>>> print(to_sql([tiers], "p", dialect="spark"))  # doctest: +ELLIPSIS
SELECT `customer_id`, `value_tier` FROM (SELECT *, CASE WHEN `monetary` IS NULL THEN 'low' ...
"""

from __future__ import annotations

from segkit.scoring.models import cluster_scorer, linear_argmax_scorer, rule_scorer
from segkit.scoring.sql import SQLScorer, engine_kind, score, to_sql
from segkit.scoring.tiers import (
    apply_rfm_thresholds,
    cut_scorer,
    lifecycle_scorer,
    rfm_scorer,
    rfm_threshold_scorer,
    rfm_threshold_table,
    tie_aware_cuts_in,
    tier_scorer,
)

# fmt: off
__all__ = ["SQLScorer", "apply_rfm_thresholds", "cluster_scorer", "cut_scorer", "engine_kind",
           "lifecycle_scorer", "linear_argmax_scorer", "rfm_scorer", "rfm_threshold_scorer",
           "rfm_threshold_table", "rule_scorer", "score", "tie_aware_cuts_in", "tier_scorer",
           "to_sql"]
# fmt: on
