"""The same SQL on Spark and DuckDB: rule tiers and in-engine scorers give equal results
(demo data and the CDNOW profile). Needs the ``spark`` extra and Java; one SparkSession."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segkit import scoring
from segkit.cluster.estimator import SegmentClusterer
from segkit.tiers.lifecycle import lifecycle_stages
from segkit.tiers.rfm import rfm_scores
from segkit.tiers.rules import value_tiers
from segkit.validate.discriminant import discriminant_analysis

from .scoring.test_scoring import scoring_table

pytestmark = pytest.mark.spark


def both(spark, frame: pd.DataFrame, path: Path, name: str):
    """The frame as a Parquet file, a DuckDB view and a Spark temp view of the same name."""
    frame.to_parquet(path, index=False)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    spark.read.parquet(str(path)).createOrReplaceTempView(name)
    return con


def results(spark, con, scorers, table: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = scoring.score(con, scorers, table).df()
    s = scoring.score(spark, scorers, table).toPandas()
    key = "customer_id"
    d, s = (x.sort_values(key).reset_index(drop=True) for x in (d, s))
    return d, s


def assert_same(d: pd.DataFrame, s: pd.DataFrame) -> None:
    assert list(d.columns) == list(s.columns)
    assert len(d) == len(s)
    for col in d.columns:
        a, b = d[col], s[col]
        if pd.api.types.is_numeric_dtype(a):
            a, b = a.astype("Int64"), b.astype("Int64")
        else:
            a, b = a.astype(object), b.astype(object)
        assert a.equals(b), col


def rule_scorers(spark, con, table: str) -> list[scoring.SQLScorer]:
    cuts_d = scoring.tie_aware_cuts_in(con, table, "monetary")
    cuts_s = scoring.tie_aware_cuts_in(spark, table, "monetary")
    assert cuts_d == cuts_s
    return [
        scoring.cut_scorer("monetary", cuts_d, ["low", "mid", "high"], name="value_tier"),
        *scoring.rfm_scorer(),
        scoring.lifecycle_scorer(lang="zh"),
    ]


def test_demo_rule_tiers_and_scorers_equal_on_spark_and_duckdb(spark, tmp_path):
    frame = scoring_table()
    con = both(spark, frame, tmp_path / "demo.parquet", "demo_profile")
    from segkit.cluster.prepare import behaviour_features

    X = behaviour_features(frame)
    km = SegmentClusterer("kmeans", 6, value_column="avg_order_value").fit(
        X.sample(2000, random_state=0)
    )
    gmm = SegmentClusterer("gmm", 4, value_column="avg_order_value").fit(
        X.sample(2000, random_state=1)
    )
    rule = discriminant_analysis(X, km.predict(X), cv=2).scoring_rule
    fitted = rfm_scores(frame.sample(1500, random_state=4))
    thr = scoring.rfm_threshold_scorer(fitted, names=["R_thr", "F_thr", "M_thr"])
    scorers = [
        *rule_scorers(spark, con, "demo_profile"),
        scoring.cluster_scorer(km, name="km"),
        scoring.cluster_scorer(gmm, name="gmm"),
        scoring.rule_scorer(rule, name="lda"),
        *thr,
    ]
    d, s = results(spark, con, scorers, "demo_profile")
    assert_same(d, s)
    # and both equal the in-memory computations
    ref = frame.set_index("customer_id").loc[d["customer_id"]]
    X = X.set_axis(frame["customer_id"]).loc[d["customer_id"]]
    assert (d["km"].to_numpy() == km.predict(X).to_numpy()).all()
    assert (d["gmm"].to_numpy() == gmm.predict(X).to_numpy()).all()
    assert (d["lda"].to_numpy() == rule.score(X).to_numpy()).all()
    assert (d["value_tier"].to_numpy() == value_tiers(ref).labels.astype(str).to_numpy()).all()
    zh = lifecycle_stages(ref, lang="zh").labels.astype(str).to_numpy()
    assert (d["lifecycle"].to_numpy() == zh).all()
    rfm = rfm_scores(ref).scores
    assert (d[["R", "F", "M"]].to_numpy() == rfm[["R", "F", "M"]].to_numpy()).all()
    app = scoring.apply_rfm_thresholds(ref, fitted)
    assert (d[["R_thr", "F_thr", "M_thr"]].to_numpy() == app.to_numpy()).all()


@pytest.mark.shared
def test_cdnow_rule_tiers_equal_on_spark_and_duckdb(spark, shared_data, tmp_path):
    from segkit.config import ColumnMap, ReadOptions
    from segkit.workflow.profiling import profile_source

    run = profile_source(
        shared_data / "cdnow" / "CDNOW_master.txt",
        ColumnMap(
            customer_id="customer_id", date="date", amount="dollar_value", quantity="number_of_cds"
        ),
        read=ReadOptions(delimiter="whitespace"),
        as_of="1998-07-01",
    )
    profile = run.profile
    con = both(spark, profile, tmp_path / "cdnow.parquet", "cdnow_profile")
    feats = profile[["avg_order_value", "frequency", "monetary"]].astype(float)
    km = SegmentClusterer("kmeans", 4).fit(feats.sample(5000, random_state=0))
    scorers = [*rule_scorers(spark, con, "cdnow_profile"), scoring.cluster_scorer(km, name="km")]
    d, s = results(spark, con, scorers, "cdnow_profile")
    assert_same(d, s)
    assert len(d) == 23_570
    ref = profile.set_index("customer_id").loc[d["customer_id"]]
    assert (
        d["lifecycle"].to_numpy() == lifecycle_stages(ref, lang="zh").labels.astype(str).to_numpy()
    ).all()
    assert (
        d[["R", "F", "M"]].to_numpy() == rfm_scores(ref).scores[["R", "F", "M"]].to_numpy()
    ).all()
    feats = feats.set_axis(profile["customer_id"]).loc[d["customer_id"]]
    assert (d["km"].to_numpy() == km.predict(feats).to_numpy()).all()


def test_core_features_on_spark_equal_build_profile(spark, tmp_path):
    from segkit.features import core_features_sql

    from .test_features import AS_OF, assert_features_equal, demo_clean_tx

    profile, path = demo_clean_tx(tmp_path / "tx.parquet")
    spark.read.parquet(str(path)).createOrReplaceTempView("clean_tx")
    got = spark.sql(core_features_sql("clean_tx", as_of=AS_OF, dialect="spark")).toPandas()
    assert_features_equal(got, profile)


@pytest.mark.shared
def test_cdnow_core_features_on_spark_and_duckdb(spark, shared_data, tmp_path):
    from segkit.config import ColumnMap, ReadOptions
    from segkit.features import core_features_sql
    from segkit.workflow.profiling import profile_source

    from .test_features import assert_features_equal

    run = profile_source(
        shared_data / "cdnow" / "CDNOW_master.txt",
        ColumnMap(customer_id="customer_id", date="date", amount="dollar_value"),
        read=ReadOptions(delimiter="whitespace"),
        as_of="1998-07-01",
        features="core",
    )
    path = tmp_path / "cdnow_tx.parquet"
    run.cleaned.con.execute(f"COPY (SELECT * FROM clean_tx) TO '{path}' (FORMAT parquet)")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW clean_tx AS SELECT * FROM read_parquet('{path}')")
    spark.read.parquet(str(path)).createOrReplaceTempView("cdnow_tx")
    profile = run.profile.assign(
        gross_sales=run.profile["monetary"],
        avg_order_value=run.profile["monetary"] / run.profile["frequency"],
    )  # CDNOW has no returns: gross = net
    duck = con.execute(core_features_sql("clean_tx", as_of="1998-07-01")).df()
    sp = spark.sql(core_features_sql("cdnow_tx", as_of="1998-07-01", dialect="spark")).toPandas()
    assert len(duck) == 23_570
    assert_features_equal(duck, profile)
    assert_features_equal(sp, profile)
