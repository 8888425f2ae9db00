"""Variable screening: low variance, correlation and VIF filters (segkit.variables.screening)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.pipeline import make_pipeline

from segkit.errors import InputError
from segkit.variables.screening import (
    REPORT_COLUMNS,
    CorrelationFilter,
    LowVarianceFilter,
    VIFFilter,
    screen_variables,
    vif_from_corr,
)


@pytest.fixture
def hand() -> pd.DataFrame:
    """a, b, c independent; dup = a; const = 3; total = a + b (exact linear combination)."""
    rng = np.random.default_rng(7)
    a, b, c = rng.normal(size=(3, 200))
    frame = pd.DataFrame({"a": a, "b": b, "dup": a.copy(), "const": 3.0, "c": c, "total": a + b})
    frame.index = pd.Index([f"id{i}" for i in range(200)], name="customer_id")
    return frame


def test_low_variance_cv_by_hand() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [10.0, 10.0, 10.0], "z": [0.0, -1.0, 1.0]})
    f = LowVarianceFilter(threshold=0.6).fit(X)
    rep = f.report_.set_index("variable")
    assert rep.loc["x", "statistic"] == pytest.approx(0.5)  # std 1 / mean 2
    assert rep.loc["y", "statistic"] == 0.0  # constant: 0, not 0/0
    assert rep.loc["z", "statistic"] == np.inf  # mean 0 but varies: kept
    assert rep["dropped"].tolist() == [True, True, False]
    assert rep.loc["x", "reason"] == "CV=0.5 ≤ 0.6"
    assert rep.loc["y", "reason"] == "zero variance: constant 10"
    absolute = LowVarianceFilter(threshold=0.9, relative=False).fit(X).report_
    assert absolute["statistic"].tolist() == pytest.approx([1.0, 0.0, 1.0])
    assert absolute["dropped"].tolist() == [False, True, False]


def test_zero_variance_and_all_missing_dropped_with_reason(hand: pd.DataFrame) -> None:
    X = hand.assign(empty=np.nan)
    for f in (LowVarianceFilter(), CorrelationFilter(), VIFFilter()):
        rep = f.fit(X).report_.set_index("variable")
        assert rep.loc["const", "dropped"] and rep.loc["const", "statistic"] == 0.0
        assert rep.loc["const", "reason"] == "zero variance: constant 3"
        assert rep.loc["empty", "dropped"] and "all values missing" in rep.loc["empty", "reason"]
        assert list(f.report_.columns) == REPORT_COLUMNS
        assert f.report_["statistic"].drop(index=[6]).notna().all()  # only "empty" is NaN


def test_correlation_filter_drops_the_duplicate(hand: pd.DataFrame) -> None:
    f = CorrelationFilter().fit(hand)
    rep = f.report_.set_index("variable")
    # a and dup tie on mean |r| with the rest -> the later column (dup) goes
    assert rep.loc["dup", "dropped"]
    assert rep.loc["dup", "reason"].startswith("r=1.00 with a (spearman)")
    assert f.get_feature_names_out().tolist() == ["a", "b", "c", "total"]
    kept = f.correlation_.loc[["a", "b", "c", "total"], ["a", "b", "c", "total"]].abs()
    assert (kept.to_numpy()[~np.eye(4, dtype=bool)] <= 0.9).all()


def test_correlation_rule_drops_the_more_redundant_variable() -> None:
    # x and y correlate 0.95+; y also correlates with z, so y is the more redundant one.
    rng = np.random.default_rng(1)
    z = rng.normal(size=500)
    y = z + 0.4 * rng.normal(size=500)
    x = y + 0.1 * rng.normal(size=500)
    f = CorrelationFilter(threshold=0.95, method="pearson").fit(pd.DataFrame({"y": y, "x": x}))
    assert f.get_feature_names_out().tolist() == ["y"]  # tie on mean |r|: later column
    g = CorrelationFilter(threshold=0.95, method="pearson")
    g.fit(pd.DataFrame({"x": x, "y": y, "z": z}))
    assert g.get_feature_names_out().tolist() == ["x", "z"]
    assert "with x (pearson)" in g.report_.set_index("variable").loc["y", "reason"]


def test_vif_drops_the_linear_combination(hand: pd.DataFrame) -> None:
    X = hand[["a", "b", "c", "total"]]
    f = VIFFilter().fit(X)
    rep = f.report_.set_index("variable")
    assert rep.loc["total", "dropped"] and rep.loc["total", "statistic"] == np.inf
    assert rep.loc["total", "reason"] == "VIF=inf: exact linear dependence among a, b, total"
    assert f.get_feature_names_out().tolist() == ["a", "b", "c"]
    assert rep.loc[["a", "b", "c"], "statistic"].between(1, 1.1).all()


def test_vif_matches_regression_r2() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    X[:, 3] = X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=300)
    vif, dep = vif_from_corr(np.corrcoef(X, rowvar=False))
    for j in range(4):
        others = np.column_stack([np.ones(300), np.delete(X, j, axis=1)])
        resid = X[:, j] - others @ np.linalg.lstsq(others, X[:, j], rcond=None)[0]
        r2 = 1 - resid.var() / X[:, j].var()
        assert vif[j] == pytest.approx(1 / (1 - r2), rel=1e-9)
    assert not dep.any()
    f = VIFFilter(threshold=5).fit(X)  # numpy input: names x0..x3
    assert f.report_["variable"].tolist() == ["x0", "x1", "x2", "x3"]
    assert f.get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    assert f.report_.loc[3, "reason"].startswith("VIF=")


def test_non_numeric_columns_raise_naming_them(hand: pd.DataFrame) -> None:
    X = hand.assign(city="上海", day=pd.Timestamp("2024-01-01"))
    for f in (LowVarianceFilter(), CorrelationFilter(), VIFFilter()):
        with pytest.raises(InputError, match="city, day") as err:
            f.fit(X)
        assert err.value.code == "NON_NUMERIC" and err.value.column == "city"
    with pytest.raises(InputError, match="city"):
        screen_variables(X)


def test_bad_parameters() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    for f in (
        LowVarianceFilter(threshold=-1),
        CorrelationFilter(threshold=1.5),
        CorrelationFilter(method="cosine"),
        VIFFilter(threshold=0.5),
    ):
        with pytest.raises(ValueError):
            f.fit(X)


def test_set_output_pandas_and_pipeline(hand: pd.DataFrame) -> None:
    pipe = make_pipeline(LowVarianceFilter(), CorrelationFilter(), VIFFilter())
    out = pipe.set_output(transform="pandas").fit_transform(hand)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["a", "b", "c"]
    assert out.index.equals(hand.index)
    assert pipe.get_feature_names_out().tolist() == ["a", "b", "c"]
    arr = CorrelationFilter().fit(hand).transform(hand)  # default output: numpy
    assert isinstance(arr, np.ndarray) and arr.shape == (200, 4)  # no dup, no const


def test_missing_values_are_allowed() -> None:
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    X.loc[::7, "a"] = np.nan
    X["a_again"] = X["a"] * 2 + 1
    f = CorrelationFilter().fit(X)
    assert f.get_feature_names_out().tolist() == ["a", "b", "c"]
    assert VIFFilter().fit(X).report_.set_index("variable").loc["a_again", "dropped"]
    assert f.set_output(transform="pandas").transform(X)["a"].isna().sum() == 15


def test_screen_variables_combined_report(hand: pd.DataFrame) -> None:
    kept, report = screen_variables(hand)
    assert list(kept.columns) == ["a", "b", "c"] and kept.index.equals(hand.index)
    dropped = report.loc[report["dropped"], ["step", "variable"]].values.tolist()
    assert dropped == [["variance", "const"], ["correlation", "dup"], ["vif", "total"]]
    assert list(report.columns) == ["step", *REPORT_COLUMNS]
    assert len(report) == 6 + 5 + 4  # each step reports the variables it saw
    kept2, report2 = screen_variables(
        hand, variance=False, correlation={"threshold": 0.5}, vif=VIFFilter(threshold=100)
    )
    assert "variance" not in set(report2["step"])
    assert "const" in set(report2.loc[report2["dropped"], "variable"])  # still zero variance
    assert list(kept2.columns) == ["a", "b", "c"]  # total drops for r ≈ 0.7 with a and b
    none_kept, none_report = screen_variables(hand, variance=None, correlation=None, vif=None)
    assert none_kept.equals(hand) and none_report.empty


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    p=st.integers(2, 7),
    shared=st.floats(0.0, 3.0),
    threshold=st.floats(0.3, 0.95),
)
def test_kept_pairs_respect_the_threshold(
    seed: int, p: int, shared: float, threshold: float
) -> None:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(60, p)) + shared * rng.normal(size=(60, 1)))
    X.columns = [f"v{i}" for i in range(p)]
    f = CorrelationFilter(threshold=threshold, method="pearson").fit(X)
    kept = list(f.get_feature_names_out())
    r = X[kept].corr().abs().to_numpy()
    assert (r[~np.eye(len(kept), dtype=bool)] <= threshold).all()
    assert f.report_["variable"].tolist() == list(X.columns) and len(kept) >= 1
    v = VIFFilter(threshold=2 + threshold).fit(X)
    vif, _ = vif_from_corr(np.atleast_2d(np.corrcoef(X[list(v.get_feature_names_out())].T)))
    assert (np.atleast_1d(vif) <= 2 + threshold + 1e-9).all()


@pytest.mark.shared
def test_cc_general_screening(shared_data) -> None:
    cc = pd.read_csv(shared_data / "CC_GENERAL.csv").drop(columns="CUST_ID")
    kept, report = screen_variables(cc)
    drops = report.loc[report["dropped"]].set_index("variable")
    assert drops["step"].to_dict() == {
        "ONEOFF_PURCHASES": "correlation",  # r=0.95 with ONEOFF_PURCHASES_FREQUENCY
        "INSTALLMENTS_PURCHASES": "correlation",  # r=0.92 with PURCHASES_INSTALLMENTS_FREQ.
        "CASH_ADVANCE": "correlation",  # r=0.95 with CASH_ADVANCE_TRX
        "CASH_ADVANCE_FREQUENCY": "correlation",  # r=0.98 with CASH_ADVANCE_TRX
        "PURCHASES_TRX": "correlation",  # r=0.92 with PURCHASES_FREQUENCY
        "PURCHASES_FREQUENCY": "vif",  # VIF 10.001, just above 10
    }
    assert drops.loc["CASH_ADVANCE_FREQUENCY", "reason"].startswith(
        "r=0.98 with CASH_ADVANCE_TRX (spearman)"
    )
    assert drops.loc["PURCHASES_FREQUENCY", "statistic"] == pytest.approx(10.0013, abs=1e-4)
    assert kept.shape == (8950, 11)
    # VIF alone on all 17: PURCHASES ≈ ONEOFF + INSTALLMENTS (VIF ≈ 47,806), then PURCHASES_FREQ.
    vif = VIFFilter().fit(cc).report_.set_index("variable")
    assert vif.index[vif["dropped"]].tolist() == ["PURCHASES", "PURCHASES_FREQUENCY"]
    assert vif.loc["PURCHASES", "statistic"] == pytest.approx(47806, rel=1e-3)
