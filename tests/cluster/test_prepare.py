"""segkit.cluster.prepare: the default preprocessing, behavioural features, stable row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.cluster.prepare import (
    DEFAULT_BEHAVIOUR_FEATURES,
    behaviour_features,
    default_preprocessor,
    describe_preprocessor,
    stable_order,
)
from segkit.errors import InputError

from .test_estimator import FEATURES, blobs


def test_default_preprocessor_logs_skewed_spend_not_shares():
    f = blobs()[FEATURES]
    pre = default_preprocessor(f).set_output(transform="pandas")
    out = pre.fit_transform(f)
    assert list(out.columns) == ["monetary", "visits", "share_online"] or set(out.columns) == set(
        FEATURES
    )
    desc = describe_preprocessor(pre)
    assert desc == {
        "monetary": "log1p + standardise",
        "visits": "standardise",
        "share_online": "standardise",
    }
    np.testing.assert_allclose(out.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(ddof=0), 1, atol=1e-12)
    logm = np.log1p(f["monetary"])
    np.testing.assert_allclose(out["monetary"], (logm - logm.mean()) / logm.std(ddof=0))


def test_default_preprocessor_options():
    f = blobs()[FEATURES]
    q = default_preprocessor(f, transform="quantile").fit(f)
    assert describe_preprocessor(q)["monetary"] == "quantile-normal + standardise"
    none = default_preprocessor(f, skewed=None).fit(f)
    assert set(describe_preprocessor(none).values()) == {"standardise"}
    listed = default_preprocessor(f, skewed=["visits"]).fit(f)
    assert describe_preprocessor(listed)["visits"] == "log1p + standardise"
    with pytest.raises(InputError) as err:
        default_preprocessor(f.assign(visits=-f["visits"]), skewed=["visits"])
    assert err.value.code == "NEGATIVE_VALUES"


def test_behaviour_features_expands_patterns_and_derives():
    p = pd.DataFrame({
        "avg_order_value": [50.0, 900.0, 30.0], "frequency": [6, 1, 4], "active_months": [3, 1, 4],
        "share_channel_online": [1.0, 0.2, 0.5], "share_category_a": [0.3, 1.0, 0.0],
        "share_category_b": [0.7, 0.0, 1.0], "share_category__other": [0.0, 0.0, 0.0],
        "recency_days": [3, 300, 40],
    })  # fmt: skip
    f = behaviour_features(p)
    assert "recency_days" not in f and "share_category__other" not in f
    assert f["orders_per_active_month"].tolist() == [2.0, 1.0, 1.0]
    assert "share_category_*" in DEFAULT_BEHAVIOUR_FEATURES
    with pytest.raises(InputError) as err:
        behaviour_features(p.drop(columns="avg_order_value"))
    assert err.value.code == "MISSING_COLUMN"


def test_stable_order_ignores_input_order():
    f = blobs()[FEATURES]
    perm = np.random.default_rng(1).permutation(len(f))
    a = f.index[stable_order(f)]
    b = f.iloc[perm].index[stable_order(f.iloc[perm])]
    assert a.tolist() == b.tolist()


def test_auto_logs_right_skew_only() -> None:
    """A left-skewed non-negative column (a tenure capped at 12 months, as CC_GENERAL's
    TENURE: pandas skewness −2.9) is not logged; a right-skewed spend column (skewness 2.2)
    is. The rule: skewness > 1, minimum ≥ 0, maximum > 1."""
    f = pd.DataFrame({"tenure": [12.0] * 16 + [6, 8, 9, 11], "spend": [1.0] * 16 + [5, 9, 20, 80]})
    assert f["tenure"].skew() < -1 and f["spend"].skew() > 1
    pre = default_preprocessor(f).fit(f)
    assert describe_preprocessor(pre) == {"spend": "log1p + standardise", "tenure": "standardise"}
