"""Customer tiers (客户分层): rules, RFM and customer lifetime value.

* :mod:`~segkit.tiers.rules` — value (ABC, percentile), frequency, purchasing power, growth.
* :mod:`~segkit.tiers.lifecycle` — lifecycle stages (new … lost).
* :mod:`~segkit.tiers.result` — :class:`TierResult`, tier names, tie-aware cut points.
* :mod:`~segkit.tiers.rfm` — RFM scores and named RFM segments.
* :mod:`~segkit.tiers.clv` — the per-customer summary and the CLV table;
  :mod:`~segkit.tiers.clv_models` — the BG/NBD and Gamma-Gamma models behind it.
"""

from __future__ import annotations

from segkit.tiers.clv import (
    DAYS_PER_MONTH,
    calibration_holdout,
    customer_lifetime_value,
    rfm_summary,
)
from segkit.tiers.clv_models import (
    BetaGeoModel,
    DependenceWarning,
    GammaGammaModel,
    bgnbd_log_likelihood,
    gamma_gamma_log_likelihood,
)
from segkit.tiers.lifecycle import LIFECYCLE_COLUMNS, lifecycle_stages
from segkit.tiers.result import (
    LIFECYCLE_ZH,
    TierResult,
    chinese_name,
    cuts_from_counts,
    tie_aware_cuts,
)
from segkit.tiers.rfm import (
    LintReport,
    RFMScores,
    RFMSegments,
    assign_rfm_segments,
    lint_rfm_config,
    load_rfm_config,
    rfm_scores,
)
from segkit.tiers.rules import (
    INCOME_LEVELS,
    frequency_tiers,
    growth_tiers,
    purchasing_power_tiers,
    value_tiers,
)

__all__ = [
    "DAYS_PER_MONTH",
    "INCOME_LEVELS",
    "LIFECYCLE_COLUMNS",
    "LIFECYCLE_ZH",
    "BetaGeoModel",
    "DependenceWarning",
    "GammaGammaModel",
    "LintReport",
    "RFMScores",
    "RFMSegments",
    "TierResult",
    "assign_rfm_segments",
    "bgnbd_log_likelihood",
    "calibration_holdout",
    "chinese_name",
    "customer_lifetime_value",
    "cuts_from_counts",
    "frequency_tiers",
    "gamma_gamma_log_likelihood",
    "growth_tiers",
    "lifecycle_stages",
    "lint_rfm_config",
    "load_rfm_config",
    "purchasing_power_tiers",
    "rfm_scores",
    "rfm_summary",
    "tie_aware_cuts",
    "value_tiers",
]
