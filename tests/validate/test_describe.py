"""segkit.validate.describe (segment profiles): means, shares, index, effect sizes and tests against
hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from segkit.errors import InputError
from segkit.validate.describe import SegmentProfile, profile_segments

# Segment 1: spend 10, 20, 30 (mean 20), channel 店, 店, 网
# Segment 2: spend 40, 50, 60, 70 (mean 55), channel 网 ×4
# Overall spend mean = 280/7 = 40; 店 share = 2/7.
FRAME = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e", "f", "g"],
        "spend": [10.0, 20, 30, 40, 50, 60, 70],
        "channel": ["店", "店", "网", "网", "网", "网", "网"],
    }
)
LABELS = [1, 1, 1, 2, 2, 2, 2]


@pytest.fixture(scope="module")
def prof() -> SegmentProfile:
    return profile_segments(FRAME, LABELS, value_column="spend")


def row(p: SegmentProfile, segment: int, feature: str) -> pd.Series:
    t = p.table
    return t[(t["segment"] == segment) & (t["feature"] == feature)].iloc[0]


def test_numeric_by_hand(prof: SegmentProfile) -> None:
    r = row(prof, 1, "spend")
    assert (r["stat_segment"], r["stat_overall"], r["stat_rest"]) == (20.0, 40.0, 55.0)
    assert r["index"] == pytest.approx(50.0)
    assert r["diff"] == pytest.approx(-35.0)
    # Cohen's d: pooled SD = sqrt((2*100 + 3*166.67) / 5) = sqrt(140)
    assert r["effect_size"] == pytest.approx(-35 / np.sqrt(140))
    welch = stats.ttest_ind([10, 20, 30], [40, 50, 60, 70], equal_var=False)
    assert r["statistic"] == pytest.approx(welch.statistic)
    assert r["p_value"] == pytest.approx(welch.pvalue)
    assert (r["kind"], r["stat"], r["test"], r["effect_measure"]) == (
        "numeric",
        "mean",
        "welch_t",
        "cohen_d",
    )
    assert row(prof, 2, "spend")["index"] == pytest.approx(55 / 40 * 100)


def test_categorical_by_hand(prof: SegmentProfile) -> None:
    r = row(prof, 1, "channel=店")
    assert r["stat_segment"] == pytest.approx(2 / 3)
    assert r["stat_overall"] == pytest.approx(2 / 7)
    assert r["stat_rest"] == 0.0
    assert r["index"] == pytest.approx((2 / 3) / (2 / 7) * 100)  # 233.3
    assert r["effect_size"] == pytest.approx(2 * np.arcsin(np.sqrt(2 / 3)))  # Cohen's h
    # two-proportion z: pooled p = 2/7, se = sqrt(p(1-p)(1/3 + 1/4))
    se = np.sqrt(2 / 7 * 5 / 7 * (1 / 3 + 1 / 4))
    assert r["statistic"] == pytest.approx((2 / 3) / se)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf((2 / 3) / se))
    # = chi-square test of the 2x2 table without continuity correction
    chi = stats.chi2_contingency([[2, 1], [0, 4]], correction=False)
    assert r["p_value"] == pytest.approx(chi.pvalue)
    assert (r["variable"], r["level"], r["kind"]) == ("channel", "店", "categorical")


def test_q_values_and_sizes(prof: SegmentProfile) -> None:
    t = prof.table
    assert np.allclose(t["q_value"], stats.false_discovery_control(t["p_value"]))
    assert (t["q_value"] >= t["p_value"] - 1e-12).all()
    assert prof.sizes["size"].tolist() == [3, 4]
    assert prof.sizes["value_share"].tolist() == pytest.approx([60 / 280, 220 / 280])
    assert prof.sizes["value_index"].iloc[0] == pytest.approx((60 / 280) / (3 / 7) * 100)
    assert t.loc[t["segment"] == 1, "value_share"].tolist() == [pytest.approx(60 / 280)] * 3
    assert prof.skipped == ["customer_id"]


def test_wide_and_order(prof: SegmentProfile) -> None:
    wide = prof.wide()
    assert list(wide.index) == [1, 2]
    assert list(wide.columns) == ["spend", "channel=店", "channel=网"]
    assert prof.wide("p_value").shape == (2, 3)
    with pytest.raises(KeyError):
        prof.wide("nope")
    # rows in segment order, then column order, then level
    assert prof.table["feature"].tolist() == ["spend", "channel=店", "channel=网"] * 2


def test_top_traits(prof: SegmentProfile) -> None:
    top = prof.top_traits(2)
    assert top.groupby("segment").size().tolist() == [2, 2]
    seg1 = top[top["segment"] == 1]
    # |d| = 35/sqrt(140) = 2.96 > |h(店)| = 1.91 = |h(网)|
    assert seg1["feature"].tolist() == ["spend", "channel=店"]
    assert seg1["direction"].tolist() == ["低于平均", "高于平均"]
    assert seg1["direction_en"].tolist() == ["below average", "above average"]
    assert seg1["rank"].tolist() == [1, 2]
    assert prof.top_traits(5, max_q=1e-9).empty


def test_deterministic_under_row_order() -> None:
    shuffled = FRAME.sample(frac=1.0, random_state=3)
    labels = pd.Series(LABELS, index=FRAME.index).loc[shuffled.index]
    a = profile_segments(FRAME, LABELS).table
    b = profile_segments(shuffled, labels).table
    pd.testing.assert_frame_equal(a, b, check_exact=False)


def test_labels_aligned_by_index_and_missing_values() -> None:
    frame = FRAME.set_index("customer_id")
    frame.loc["a", "spend"] = np.nan
    labels = pd.Series(LABELS, index=frame.index).iloc[::-1]  # reversed: aligned by index
    p = profile_segments(frame, labels, variables=["spend"])
    r = row(p, 1, "spend")
    assert r["n"] == 2 and r["stat_segment"] == 25.0 and r["segment_size"] == 3


def test_column_selection() -> None:
    frame = FRAME.assign(
        when=pd.to_datetime(["2024-01-01"] * 7),
        code=[1, 1, 2, 2, 2, 3, 3],
        flag=[True, False, True, False, False, False, False],
        note=[f"free text {i}" for i in range(7)],
    )
    p = profile_segments(frame, LABELS, categorical=["code"], max_levels=5)
    assert p.skipped == ["customer_id", "when", "note"]
    kinds = p.table.drop_duplicates("feature").set_index("feature")["kind"]
    assert kinds["code=2"] == "categorical" and kinds["flag=True"] == "categorical"
    with pytest.raises(InputError, match="MISSING_COLUMN"):
        profile_segments(frame, LABELS, value_column="nope")


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.floats(1, 100), st.sampled_from("abc")),
        min_size=4,
        max_size=40,
    )
)
def test_indices_average_to_100(rows: list[tuple[int, float, str]]) -> None:
    """Share-weighted segment means equal the overall mean; level shares sum to 1."""
    frame = pd.DataFrame(rows, columns=["seg", "x", "cat"])
    p = profile_segments(frame[["x", "cat"]], frame["seg"])
    t = p.table
    num = t[t["feature"] == "x"]
    assert (num["segment_share"] * num["index"]).sum() == pytest.approx(100.0)
    assert t[t["kind"] == "categorical"].groupby("segment")["stat_segment"].sum().tolist() == [
        pytest.approx(1.0)
    ] * len(p.sizes)
    assert t["p_value"].dropna().between(0, 1).all()


@pytest.fixture(scope="module")
def demo_profile() -> tuple[pd.DataFrame, pd.Series]:
    from ..conftest import demo_profile_and_truth

    profile, truth = demo_profile_and_truth(3000, 1)
    return profile, pd.Series(truth["segment"].to_numpy(), index=profile.index)


def test_demo_segments_profile(demo_profile: tuple[pd.DataFrame, pd.Series]) -> None:
    profile, segment = demo_profile
    p = profile_segments(profile, segment, value_column="monetary")
    assert p.skipped == ["customer_id", "first_purchase", "last_purchase"]
    wide = p.wide()
    assert wide.loc["vip_loyal", "monetary"] > 150  # VIPs spend far above average
    assert wide.loc["digital_big_ticket", "share_category_数码"] > 150
    assert p.sizes["value_share"].sum() == pytest.approx(1.0)
    assert p.sizes.loc["vip_loyal", "value_index"] > 200
    top = p.top_traits(3)
    assert top.groupby("segment").size().eq(3).all()


def test_skewed_columns_compared_on_the_log_scale() -> None:
    """``log1p=``: Cohen's d and Welch's t of log(1 + x); mean and index stay in the units.
    By hand: segment 1 log1p(10, 20, 30), segment 2 log1p(40, 50, 60, 70); d = (m1 − m2) /
    s_pooled, s_pooled² = (SS1 + SS2) / 5 = (0.5477 + 0.1679) / 5, so d = −1.0459 / 0.3783
    = −2.765 (Cohen 1988, §2.2); Welch's t as scipy.stats.ttest_ind(equal_var=False)."""
    logged = profile_segments(FRAME, LABELS, log1p=["spend"])
    r = row(logged, 1, "spend")
    a, b = np.log1p([10.0, 20, 30]), np.log1p([40.0, 50, 60, 70])
    pooled = np.sqrt((((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / 5)
    assert r["effect_size"] == pytest.approx((a.mean() - b.mean()) / pooled)
    assert r["effect_size"] == pytest.approx(-2.765, abs=1e-3)
    welch = stats.ttest_ind(a, b, equal_var=False)
    assert r["statistic"] == pytest.approx(welch.statistic)
    assert r["p_value"] == pytest.approx(welch.pvalue)
    assert (r["effect_measure"], r["test"]) == ("cohen_d_log1p", "welch_t_log1p")
    assert r["stat_segment"] == pytest.approx(20.0) and r["index"] == pytest.approx(50.0)
    # the categorical rows are untouched
    plain = profile_segments(FRAME, LABELS)
    assert row(logged, 1, "channel=店")["effect_size"] == row(plain, 1, "channel=店")["effect_size"]
    with pytest.raises(InputError, match="NEGATIVE_VALUES"):
        profile_segments(FRAME.assign(spend=-FRAME["spend"]), LABELS, log1p=["spend"])
