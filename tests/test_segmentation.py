"""The whole method chain: demo acceptance, the CLI, determinism, and CC_GENERAL end to end."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from typer.testing import CliRunner

from segkit.cli import app
from segkit.cluster.prepare import behaviour_features, make_preprocessor
from segkit.validate.discriminant import discriminant_analysis
from segkit.variables.adequacy import adequacy
from segkit.variables.factor import FactorModel
from segkit.variables.factor_count import n_factors
from segkit.variables.screening import screen_variables
from segkit.workflow.segment import cluster_segments, segment_customers, validate_segments

from .conftest import demo_profile_and_truth, sha256


@pytest.fixture(scope="module")
def demo_profile() -> tuple[pd.DataFrame, pd.DataFrame]:
    return demo_profile_and_truth(3000, 1)


def test_default_clustering_recovers_the_demo_segments(demo_profile) -> None:
    profile, truth = demo_profile
    result = segment_customers(profile, method="kmeans", n_boot=10, progress=False)
    assert result.k_selection is not None and result.k_selection.recommended_k_ == 6
    assert result.k == 6
    ari = adjusted_rand_score(truth["segment"], result.assignments["segment"])
    assert ari >= 0.8
    assert result.stability is not None
    # clusterboot (one random start per resample, fpc's kmeansCBI runs = 1) is stricter than
    # refitting 10 starts: most segments stable, none dissolved
    assert "clusterboot (R fpc)" in result.stability.refit
    table = result.stability.table
    assert (table["verdict"] == "stable").sum() >= 4 and (table["mean_jaccard"] > 0.5).all()
    assert result.discriminant is not None and result.discriminant.hit_rate > 0.9
    assert result.names["name_zh"].is_unique and result.names["name_en"].is_unique
    strategy = result.strategy
    assert len(strategy) == 6 and strategy.filter(like="_rule").notna().all().all()
    assert strategy["resource_share"].sum() == pytest.approx(1.0)
    # segment 1 is the highest-value segment (canonical order)
    means = profile.groupby(result.assignments["segment"].to_numpy())["monetary"].mean()
    assert means.idxmax() == 1 and means.is_monotonic_decreasing


@pytest.mark.parametrize(
    ("method", "names"),
    [
        ("rfm", {"Champions": "重要价值客户"}),
        ("lifecycle", {"mature": "成熟客户", "new": "新客户"}),
        ("value", {"high": "高价值"}),
    ],
)
def test_rule_methods_keep_their_own_names(demo_profile, method, names) -> None:
    profile, _ = demo_profile
    result = segment_customers(profile, method=method, progress=False)
    named = result.names.set_index("segment")["name_zh"]
    for segment, zh in names.items():
        assert named[segment] == zh
    assert result.stability is None  # rules are deterministic; nothing to resample
    assert len(result.assignments) == len(profile)


def test_cli_segment_is_deterministic_and_row_order_free(demo_profile, tmp_path: Path) -> None:
    profile, _ = demo_profile
    runner = CliRunner()
    a, shuffled = tmp_path / "p.parquet", tmp_path / "shuffled.csv"
    profile.to_parquet(a)
    profile.sample(frac=1.0, random_state=5).to_csv(shuffled, index=False)
    outs = []
    for i, src in enumerate([a, a, shuffled]):
        out = tmp_path / f"run{i}"
        args = ["segment", str(src), "--out", str(out), "--k", "6", "--n-boot", "3"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        outs.append(out)
    first = {p.name: sha256(p) for p in outs[0].iterdir()}
    assert first == {p.name: sha256(p) for p in outs[1].iterdir()}
    assert first["assignments.csv"] == sha256(outs[2] / "assignments.csv")
    assert {
        "assignments.csv",
        "strategy.csv",
        "names.csv",
        "stability.csv",
        "lda_hit_rate.csv",
        "scoring_rule.json",
        "summary.txt",
    } <= set(first)
    again = runner.invoke(app, ["segment", str(a), "--out", str(outs[0])])
    assert again.exit_code == 2  # never writes into a used folder
    bad = runner.invoke(app, ["segment", str(a), "--out", str(tmp_path / "x"), "--method", "nope"])
    assert bad.exit_code == 2 and "UNKNOWN_METHOD" in bad.output


@pytest.mark.shared
def test_cc_general_full_chain_without_warnings(shared_data: Path) -> None:
    cc = pd.read_csv(shared_data / "CC_GENERAL.csv").rename(columns={"CUST_ID": "customer_id"})
    complete = cc.dropna().reset_index(drop=True)
    assert len(complete) == 8_636
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept, report = screen_variables(complete.drop(columns="customer_id"))
        assert report["dropped"].any()
        gate = adequacy(kept)
        assert gate.passed
        count = n_factors(kept, n_iter=20)
        model = FactorModel(n_factors=count.recommended, random_state=0)
        scores = model.fit_transform(kept)
        scores.columns = [f"F{i + 1}" for i in range(scores.shape[1])]
        table = pd.concat([complete, scores], axis=1)
        result = segment_customers(
            table,
            method="kmeans",
            features=list(scores.columns),
            value_column="PURCHASES",
            k_range=(2, 8),
            n_boot=10,
            progress=False,
        )
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert messages == []
    assert 2 <= result.k <= 8
    assert result.stability is not None and result.discriminant is not None
    assert result.discriminant.hit_rate > 0.8
    assert len(result.strategy) == result.k and result.names["name_zh"].is_unique


def test_segment_traits_come_from_each_segments_own_figures() -> None:
    """Issue 12: a segment whose value share equalled its customer share was labelled 高价值,
    and every segment read "成熟客户 / 高成长潜力". On the demo's true segments, the summary
    text (trait + figures, as report.html renders it) must differ unless the figures do."""
    from segkit.outputs.html import _trait, _trait_figures
    from segkit.workflow.segment import describe_segments, plan_segments

    profile, truth = demo_profile_and_truth()
    labels = pd.Series(truth["segment_id"].to_numpy() + 1, name="segment")
    seg_profile = describe_segments(profile, labels, describe=["avg_order_value", "frequency"])
    segs = plan_segments(profile, labels, seg_profile).segments.set_index("segment")
    # value: from the value index (mean value ÷ the population's), never from member counts
    ratio = segs["value_share"] / segs["share"]
    assert segs["value_index"].tolist() == pytest.approx(ratio.tolist())
    assert (segs.loc[ratio >= 1.2, "value"] == "high").all()
    assert (segs.loc[(ratio > 0.8) & (ratio < 1.2), "value"] == "mid").all()
    assert (segs.loc[ratio <= 0.8, "value"] == "low").all()
    # lifecycle / growth: the most over-represented level, so not the same for everyone
    assert segs["lifecycle"].nunique() > 1 and segs["growth"].nunique() > 1
    assert (segs["lifecycle_index"] >= 1).all() and (segs["growth_index"] >= 1).all()
    for lang in ("zh", "en", "both"):
        texts = {}
        for _, r in segs.iterrows():
            text = " / ".join(
                _trait(c, r[c], lang) + _trait_figures(c, r, lang)
                for c in ("value", "lifecycle", "growth")
            )
            figures = tuple(
                round(float(r[c]), 2)
                for c in ("value_index", "lifecycle_share", "lifecycle_index", "growth_share",
                          "growth_index")
            )  # fmt: skip
            texts.setdefault(text, set()).add(figures)
        # each text stands for one set of figures
        assert all(len(f) == 1 for f in texts.values()), texts
        assert len(texts) == len(segs)


def test_validation_runs_on_the_clustering_scale(demo_profile) -> None:
    """Issue 12: LDA on the log1p-standardised features the clustering used; its hit rate is
    a direct scikit-learn LDA's on those features (same stratified folds)."""
    profile, _ = demo_profile
    X = behaviour_features(profile.sort_values("customer_id").reset_index(drop=True))
    labels = cluster_segments(X, k=4, progress=False).labels
    checked = validate_segments(X, labels, method="kmeans", n_boot=0, progress=False)
    d = checked.discriminant
    assert d is not None
    z = make_preprocessor("auto", X).transform(X)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    direct = cross_val_predict(LinearDiscriminantAnalysis(), z, labels.to_numpy(), cv=folds)
    assert d.hit_rate == pytest.approx(np.mean(direct == labels.to_numpy()), abs=1e-12)
    training = LinearDiscriminantAnalysis().fit(z, labels).predict(z)
    assert d.training_hit_rate == pytest.approx(np.mean(training == labels.to_numpy()))
    logged = d.univariate.index[d.univariate["scale"] == "log1p"].tolist()
    assert logged == ["avg_order_value", "orders_per_active_month"]
    assert any("clustering's scale (log1p of avg_order_value" in n for n in checked.notes)
    # the scoring rule reads raw values and applies log1p itself
    assert d.scoring_rule.transforms == dict.fromkeys(logged, "log1p")
    assert (d.scoring_rule.score(X) == d.model.predict(d_input(X, logged))).all()
    raw = discriminant_analysis(X.loc[:, X.std() > 0], labels)
    assert raw.hit_rate < d.hit_rate  # on the raw scale the segments look less separated


def d_input(X: pd.DataFrame, logged: list[str]) -> pd.DataFrame:
    out = X.loc[:, X.std() > 0].copy()
    out[logged] = np.log1p(out[logged])
    return out
