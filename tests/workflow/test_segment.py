"""The segmentation steps on a profile (``segkit segment``, :mod:`segkit.workflow.segmenting`)
and their helpers (:mod:`segkit.workflow.segment`): demo acceptance, the CLI, determinism,
and CC_GENERAL end to end."""

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
from segkit.workflow.segment import cluster_segments, validate_segments
from segkit.workflow.segmenting import SegmentRun, segment_profile

from ..conftest import demo_profile_and_truth, sha256


@pytest.fixture(scope="module")
def demo_profile() -> tuple[pd.DataFrame, pd.DataFrame]:
    return demo_profile_and_truth(3000, 1)


def _segment(profile: pd.DataFrame, out: Path, **kwargs) -> SegmentRun:
    return segment_profile(profile, out, source="profile.parquet", **kwargs)


def test_default_clustering_recovers_the_demo_segments(demo_profile, tmp_path: Path) -> None:
    profile, truth = demo_profile
    done = _segment(profile, tmp_path / "run", method="kmeans", n_boot=10)
    selection = done.cluster.selection
    assert selection is not None and selection.recommended_k_ == 6
    assert done.cluster.k == 6
    ari = adjusted_rand_score(truth["segment"], done.cluster.assignments["segment"])
    assert ari >= 0.8
    stability = done.validate.validation.stability
    assert stability is not None
    # clusterboot (one random start per resample, fpc's kmeansCBI runs = 1) is stricter than
    # refitting 10 starts: most segments stable, none dissolved
    assert "clusterboot (R fpc)" in stability.refit
    table = stability.table
    assert (table["verdict"] == "stable").sum() >= 4 and (table["mean_jaccard"] > 0.5).all()
    discriminant = done.validate.validation.discriminant
    assert discriminant is not None and discriminant.hit_rate > 0.9
    names = done.named.plan.names
    assert names["name_zh"].is_unique and names["name_en"].is_unique
    strategy = done.named.plan.strategy
    assert len(strategy) == 6 and strategy.filter(like="_rule").notna().all().all()
    assert strategy["resource_share"].sum() == pytest.approx(1.0)
    # segment 1 is the highest-value segment (canonical order)
    means = profile.groupby(done.cluster.assignments["segment"].to_numpy())["monetary"].mean()
    assert means.idxmax() == 1 and means.is_monotonic_decreasing


@pytest.mark.parametrize(
    ("method", "names"),
    [
        ("rfm", {"Champions": "重要价值客户"}),
        ("lifecycle", {"mature": "成熟客户", "new": "新客户"}),
        ("value", {"high": "高价值"}),
    ],
)
def test_rule_methods_keep_their_own_names(demo_profile, method, names, tmp_path) -> None:
    profile, _ = demo_profile
    done = _segment(profile, tmp_path / "run", method=method)
    named = done.named.plan.names.set_index("segment")["name_zh"]
    for segment, zh in names.items():
        assert named[segment] == zh
    # rules are deterministic; nothing to resample
    assert done.validate.validation.stability is None
    assert len(done.cluster.assignments) == len(profile)
    assert done.run.folder.exists("rule_thresholds")
    assert done.run.folder.read_json("cluster_model")["k_chosen_by"] == "rule"


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
    first = _files(outs[0])
    assert first == _files(outs[1])
    for name in ("artefacts/05_assignments.parquet", "artefacts/07_names.csv", "summary.txt"):
        assert first[name] == _files(outs[2])[name], name
    assert {
        "params.yaml",
        "artefacts/05_assignments.parquet",
        "artefacts/06_stability.csv",
        "artefacts/06_lda_hit_rate.csv",
        "artefacts/06_scoring_rule.json",
        "artefacts/06_profiles.csv",
        "artefacts/07_names.csv",
        "artefacts/07_strategy.csv",
        "summary.txt",
    } <= set(first)
    again = runner.invoke(app, ["segment", str(a), "--out", str(outs[0])])
    assert again.exit_code == 2  # never writes into a used folder
    bad = runner.invoke(app, ["segment", str(a), "--out", str(tmp_path / "x"), "--method", "nope"])
    assert bad.exit_code == 2 and "UNKNOWN_METHOD" in bad.output
    kproto = tmp_path / "kproto"
    bad = runner.invoke(app, ["segment", str(a), "--out", str(kproto), "--method", "kprototypes"])
    assert bad.exit_code == 2 and "MISSING_CATEGORICAL" in bad.output  # no --categorical
    assert not kproto.exists()  # refused before the run folder is made


def _files(run: Path) -> dict[str, str]:
    return {p.relative_to(run).as_posix(): sha256(p) for p in run.rglob("*") if p.is_file()}


@pytest.mark.shared
def test_cc_general_full_chain_without_warnings(shared_data: Path, tmp_path: Path) -> None:
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
        # the steps' value measure is "monetary": here, the purchases
        table = pd.concat([complete, scores], axis=1).assign(monetary=complete["PURCHASES"])
        done = _segment(
            table, tmp_path / "run", method="kmeans", features=list(scores.columns),
            k_range=(2, 8), n_boot=10,
        )  # fmt: skip
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert messages == []
    k = done.cluster.k
    assert 2 <= k <= 8
    checked = done.validate.validation
    assert checked.stability is not None and checked.discriminant is not None
    assert checked.discriminant.hit_rate > 0.8
    plan = done.named.plan
    assert len(plan.strategy) == k and plan.names["name_zh"].is_unique


def test_segment_traits_come_from_each_segments_own_figures() -> None:
    """Issue 12: a segment whose value share equalled its customer share was labelled 高价值,
    and every segment read "成熟客户 / 高成长潜力". On the demo's true segments, the summary
    text (trait + figures, as report.html renders it) must differ unless the figures do."""
    from segkit.outputs.html_labels import trait as _trait
    from segkit.outputs.html_labels import trait_figures as _trait_figures
    from segkit.workflow.planning import plan_segments
    from segkit.workflow.segment import describe_segments

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
