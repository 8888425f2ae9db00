"""Choose the segmentation variables (选择细分变量): screen them, then factor-analyse items.

* :mod:`~segkit.variables.screening` — low-variance, correlation and VIF filters.
* :mod:`~segkit.variables.adequacy` — KMO and Bartlett's test (is factor analysis sensible?).
* :mod:`~segkit.variables.factor_count` — how many factors (Kaiser, parallel analysis).
* :mod:`~segkit.variables.factor` — :class:`FactorModel`, the factor-analysis transformer.
* :mod:`~segkit.variables.reliability` — Cronbach's α of a scale.
* :mod:`~segkit.variables.frames` — the numeric input checks they share.
"""

from __future__ import annotations

from segkit.variables.adequacy import AdequacyReport, adequacy, kmo_label
from segkit.variables.factor import FactorModel
from segkit.variables.factor_count import FactorCountReport, n_factors
from segkit.variables.frames import numeric_frame
from segkit.variables.reliability import AlphaReport, cronbach_alpha
from segkit.variables.screening import (
    CorrelationFilter,
    LowVarianceFilter,
    Screening,
    VIFFilter,
    screen_variables,
    vif_from_corr,
)

__all__ = [
    "AdequacyReport",
    "AlphaReport",
    "CorrelationFilter",
    "FactorCountReport",
    "FactorModel",
    "LowVarianceFilter",
    "Screening",
    "VIFFilter",
    "adequacy",
    "cronbach_alpha",
    "kmo_label",
    "n_factors",
    "numeric_frame",
    "screen_variables",
    "vif_from_corr",
]
