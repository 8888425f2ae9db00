"""In-engine scoring (segkit.scoring) on DuckDB equals the in-memory scorers on the demo data."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from segkit import scoring
from segkit.cluster.estimator import SegmentClusterer
from segkit.cluster.prepare import behaviour_features
from segkit.errors import InputError
from segkit.tiers.lifecycle import lifecycle_stages
from segkit.tiers.rfm import rfm_scores
from segkit.tiers.rules import frequency_tiers, value_tiers
from segkit.validate.discriminant import discriminant_analysis

from ..conftest import demo_profile_and_truth

N_DEMO = 5000


def scoring_table(n: int = N_DEMO) -> pd.DataFrame:
    """Demo profile plus the behavioural features, one row per customer."""
    profile, _ = demo_profile_and_truth(n, 1)
    feats = behaviour_features(profile)
    extra = feats[[c for c in feats.columns if c not in profile.columns]]
    return pd.concat([profile, extra], axis=1)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, str]:
    frame = scoring_table()
    path = tmp_path_factory.mktemp("scoring") / "profile.parquet"
    frame.to_parquet(path, index=False)  # NaN -> NULL, as a real table holds them
    return frame, str(path)


@pytest.fixture()
def con(table: tuple[pd.DataFrame, str]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(f"CREATE VIEW profile AS SELECT * FROM read_parquet('{table[1]}')")
    return c


def run(con: duckdb.DuckDBPyConnection, scorers: list[scoring.SQLScorer]) -> pd.DataFrame:
    out = scoring.score(con, scorers, "profile").df()
    assert out["customer_id"].is_unique
    return out


def aligned(frame: pd.DataFrame, result: pd.DataFrame, col: str) -> pd.Series:
    return result.set_index("customer_id")[col].reindex(frame["customer_id"]).reset_index(drop=True)


CLUSTER_CASES = [
    ("kmeans", "auto"),
    ("kmeans", "standard"),
    ("kmeans", None),
    ("minibatch", "auto"),
    ("ward", "auto"),
    ("gmm", "auto"),
]


@pytest.mark.parametrize(("method", "preprocess"), CLUSTER_CASES)
def test_cluster_scorer_equals_predict(table, con, method, preprocess):
    frame, _ = table
    X = behaviour_features(frame)
    sample = X.sample(1500, random_state=3)  # fit on a sample, assign everyone
    sc = SegmentClusterer(method, 5, preprocess=preprocess, value_column="avg_order_value",
                          n_init=3).fit(sample)  # fmt: skip
    if method != "kmeans" or preprocess == "auto":
        assert preprocess != "auto" or "log1p" in " ".join(sc.preprocessing_.values())
    expected = sc.predict(X).reset_index(drop=True)
    got = aligned(frame, run(con, [scoring.cluster_scorer(sc)]), "segment")
    assert got.notna().all()
    mismatch = int((got.astype(int) != expected).sum())
    assert mismatch == 0, f"{mismatch} customers differ"
    assert set(expected) == set(range(1, 6))


def test_cluster_scorer_refuses_what_sql_cannot_express():
    X = behaviour_features(scoring_table(600))
    for est in (SegmentClusterer("kmeans", 3, preprocess="quantile").fit(X),
                SegmentClusterer("gmm", 3, covariance_type="full").fit(X)):  # fmt: skip
        with pytest.raises(InputError) as err:
            scoring.cluster_scorer(est)
        assert err.value.code == "NOT_EXPORTABLE"


def test_discriminant_rule_equals_score(table, con):
    frame, _ = table
    X = behaviour_features(frame)
    labels = SegmentClusterer("kmeans", 4, n_init=3).fit(X).labels_
    rule = discriminant_analysis(X, labels, cv=2).scoring_rule
    got = aligned(frame, run(con, [scoring.rule_scorer(rule, name="lda")]), "lda")
    expected = rule.score(X).reset_index(drop=True)
    assert (got.astype(int) == expected.astype(int)).all()
    # the sorted top-two margins show why equality is robust, not luck
    dec = np.sort(rule.decision(X).to_numpy(), axis=1)
    assert (dec[:, -1] - dec[:, -2]).min() > 1e-9


def test_missing_feature_gives_null_segment():
    X = pd.DataFrame({"customer_id": ["a", "b", "c"], "spend": [1.0, None, 50.0],
                      "share": [0.1, 0.5, 0.9]})  # fmt: skip
    sc = SegmentClusterer("kmeans", 2, preprocess="standard", value_column="spend").fit(
        X.dropna()[["spend", "share"]]
    )
    c = duckdb.connect()
    c.register("x", X)
    out = scoring.score(c, [scoring.cluster_scorer(sc)], "x").df()
    assert out["segment"].isna().tolist() == [False, True, False]


def test_value_and_frequency_tiers_in_engine_equal_pandas(table, con):
    frame, _ = table
    cuts = scoring.tie_aware_cuts_in(con, "profile", "monetary")
    vt = value_tiers(frame)
    assert cuts == vt.thresholds["lower"].iloc[1:].tolist()
    ft = frequency_tiers(frame)
    fcuts = scoring.tie_aware_cuts_in(con, "profile", "frequency")
    assert fcuts == ft.thresholds["lower"].iloc[1:].tolist()
    scorers = [scoring.cut_scorer("monetary", cuts, ["low", "mid", "high"], name="value_tier"),
               scoring.tier_scorer(ft, "frequency")]  # fmt: skip
    out = run(con, scorers)
    assert (aligned(frame, out, "value_tier") == vt.labels.astype(str)).all()
    assert (aligned(frame, out, "frequency_tier") == ft.labels.astype(str)).all()


def test_tiers_fitted_on_sample_applied_to_everyone(table, con):
    frame, _ = table
    fitted = value_tiers(frame.sample(800, random_state=1), lang="zh")
    cuts = fitted.thresholds["lower"].iloc[1:].tolist()
    expected = value_tiers(frame, method="fixed", cuts=cuts, lang="zh").labels.astype(str)
    got = aligned(frame, run(con, [scoring.tier_scorer(fitted, "monetary")]), "value_tier")
    assert (got == expected).all()
    with pytest.raises(InputError):
        scoring.tier_scorer(value_tiers(frame, method="pareto"), "monetary")


def test_rfm_scores_in_engine_equal_pandas(table, con):
    frame, _ = table
    expected = rfm_scores(frame).scores
    out = run(con, scoring.rfm_scorer())
    for dim in ("R", "F", "M"):
        assert (aligned(frame, out, dim).astype(int) == expected[dim]).all(), dim


def test_rfm_scores_with_missing_values_and_ties():
    p = pd.DataFrame({"customer_id": list("abcdefgh"),
                      "recency_days": [5, 5, 9, None, 1, 30, 30, 2],
                      "frequency": [1, 1, 1, 1, 1, 2, 3, None],
                      "monetary": [10.0, 10, 20, 30, None, 5, 5, 5]})  # fmt: skip
    c = duckdb.connect()
    c.register("p", p)
    out = scoring.score(c, scoring.rfm_scorer(bins=3), "p").df().set_index("customer_id")
    expected = rfm_scores(p, bins=3).scores.set_index(p["customer_id"])
    for dim in ("R", "F", "M"):
        assert out[dim].reindex(expected.index).astype(int).equals(expected[dim]), dim


def test_rfm_thresholds_fitted_on_sample(table, con):
    frame, _ = table
    sample = frame.sample(1000, random_state=2)
    fitted = rfm_scores(sample)
    # the threshold table reproduces the fitted scores on the fitting data
    assert scoring.apply_rfm_thresholds(sample, fitted).equals(fitted.scores[["R", "F", "M"]])
    expected = scoring.apply_rfm_thresholds(frame, fitted)
    out = run(con, scoring.rfm_threshold_scorer(fitted))
    for dim in ("R", "F", "M"):
        assert (aligned(frame, out, dim).astype(int) == expected[dim]).all(), dim


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lifecycle_in_engine_equals_pandas(table, con, lang):
    frame, _ = table
    expected = lifecycle_stages(frame, lang=lang).labels.astype(str)
    got = aligned(frame, run(con, [scoring.lifecycle_scorer(lang=lang)]), "lifecycle")
    assert (got == expected).all()
    assert expected.nunique() == 5


def test_all_rule_tiers_in_one_query_and_spark_sql(table, con):
    frame, _ = table
    scorers = [scoring.lifecycle_scorer(), *scoring.rfm_scorer(),
               scoring.cut_scorer("monetary", [100.0, 1000.0], ["l", "m", "h"])]  # fmt: skip
    out = run(con, scorers)
    assert list(out.columns) == ["customer_id", "lifecycle", "R", "F", "M", "monetary_tier"]
    assert len(out) == len(frame)
    spark_sql = scoring.to_sql(scorers, "profile", dialect="spark")
    assert "`recency_days`" in spark_sql and " DIV " in spark_sql
    with pytest.raises(InputError):
        scoring.to_sql(scorers, "profile", keep=["R"])


def test_discriminant_rule_on_the_log_scale_equals_score(table, con):
    """A rule fitted on log1p of some variables (the clustering's scale) scores raw columns
    in SQL as in Python."""
    frame, _ = table
    X = behaviour_features(frame)
    labels = SegmentClusterer("kmeans", 4, n_init=3).fit(X).labels_
    logged = ["avg_order_value", "orders_per_active_month"]
    rule = discriminant_analysis(X, labels, cv=2, log1p=logged).scoring_rule
    assert rule.transforms == dict.fromkeys(logged, "log1p")
    assert rule.to_frame().index[1] == "log1p(avg_order_value)"
    again = type(rule).from_dict(json.loads(json.dumps(rule.to_dict())))
    assert again.transforms == rule.transforms
    got = aligned(frame, run(con, [scoring.rule_scorer(again, name="lda")]), "lda")
    assert (got.astype(int) == rule.score(X).reset_index(drop=True).astype(int)).all()
