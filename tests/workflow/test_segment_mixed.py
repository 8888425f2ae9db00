"""Mixed data (issue 13, item 3): k-prototypes through ``segment_profile``, the CLI
(``segkit segment --method kprototypes --categorical ...``) and the report's step functions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from segkit import workflow as steps
from segkit.cli import app
from segkit.errors import InputError
from segkit.workflow.model import frozen_model
from segkit.workflow.segmenting import segment_profile

CATEGORICAL = ["city", "gender"]
#: the numbers the groups were planted in (a table that is not a segkit profile would
#: otherwise be clustered on every numeric column, monetary and frequency included)
FEATURES = ["avg_order_value", "orders_per_active_month"]


def mixed_customers(n_per: int = 80, seed: int = 0) -> pd.DataFrame:
    """A CRM-like table with three planted groups. Group 1 orders rarely and spends much per
    order; groups 2 and 3 overlap in their numbers and differ mainly in city and gender
    (90% of each group in its own level)."""
    rng = np.random.default_rng(seed)
    g = np.repeat([0, 1, 2], n_per)
    n = len(g)
    aov = np.exp(np.array([6.0, 4.2, 4.5])[g] + rng.normal(0, 0.25, n)).round(2)
    months = rng.integers(6, 13, n)
    per_month = np.exp(np.array([-1.0, 0.6, 0.8])[g] + rng.normal(0, 0.25, n))
    freq = np.maximum(1, np.round(per_month * months)).astype(int)
    cities, genders = np.array(["上海", "北京", "成都"]), np.array(["女", "男", "女"])
    return pd.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "avg_order_value": aov, "frequency": freq, "active_months": months,
        "monetary": (aov * freq).round(2), "orders_per_active_month": freq / months,
        "city": np.where(rng.random(n) < 0.9, cities[g], cities[(g + 1) % 3]),
        "gender": np.where(rng.random(n) < 0.9, genders[g], np.array(["男", "女", "男"])[g]),
        "group": g,
    })  # fmt: skip


def test_segment_profile_kprototypes_recovers_planted_groups(tmp_path: Path) -> None:
    table = mixed_customers()
    done = segment_profile(
        table.drop(columns="group"), tmp_path / "run", source="crm.csv", method="kprototypes",
        categorical=CATEGORICAL, features=FEATURES, n_boot=5, k_range=(2, 6),
    )  # fmt: skip
    sel = done.cluster.selection
    assert sel is not None and sel.recommended_k_ == 3, sel.reason_ if sel else None
    assert set(sel.votes_.index) == {"silhouette", "dunn", "knee"}
    labels = done.cluster.assignments.set_index("customer_id")["segment"]
    ari = adjusted_rand_score(table.set_index("customer_id")["group"], labels)
    assert ari > 0.8, ari
    spec = done.run.folder.read_json("cluster_model")
    assert spec["method"] == "kprototypes" and spec["categorical"] == CATEGORICAL
    assert set(spec["features"]).isdisjoint(CATEGORICAL)
    assert done.run.config.segment.categorical == CATEGORICAL
    v = done.validate.validation
    assert v.stability is not None and "segkit: the whole kprototypes" in v.stability.refit
    assert v.discriminant is not None and v.discriminant.hit_rate > 0.8
    assert any("dummy-coded" in note for note in v.notes)
    lda_vars = set(v.discriminant.univariate.index)
    assert {"city=北京", "city=成都", "gender=男"} <= lda_vars | {"city=上海", "gender=女"}
    # categorical profiles are shares of each level
    prof = done.validate.profile.table
    city = prof[(prof["variable"] == "city") & (prof["segment"] == prof["segment"].min())]
    assert city["kind"].eq("categorical").all() and city["level"].nunique() == 3
    assert len(done.named.plan.names) == 3
    model, _ = frozen_model(done.run)  # the recipe refits to the same labels
    assert model.categorical == CATEGORICAL


def test_cli_segment_kprototypes(tmp_path: Path) -> None:
    table = mixed_customers(seed=3)
    src = tmp_path / "crm.csv"
    table.drop(columns="group").to_csv(src, index=False)
    runner = CliRunner()
    out = tmp_path / "run"
    args = ["segment", str(src), "--out", str(out), "--method", "kprototypes",
            "--categorical", "city,gender", "--features", ",".join(FEATURES),
            "--n-boot", "3", "--k-range", "2-6", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Segmentation: kprototypes, 3 segments" in result.output
    got = pd.read_parquet(out / "artefacts" / "05_assignments.parquet").set_index("customer_id")
    ari = adjusted_rand_score(table.set_index("customer_id")["group"], got["segment"])
    assert ari > 0.8, ari
    # without categorical columns k-prototypes is refused before any folder is made
    bad = runner.invoke(app, ["segment", str(src), "--out", str(tmp_path / "x"),
                              "--method", "kprototypes"])  # fmt: skip
    assert bad.exit_code == 2 and "MISSING_CATEGORICAL" in bad.output
    assert not (tmp_path / "x").exists()
    bad = runner.invoke(app, ["segment", str(src), "--out", str(tmp_path / "y"),
                              "--categorical", "city"])  # fmt: skip
    assert bad.exit_code == 2 and "UNSUPPORTED_METHOD" in bad.output


def test_segment_profile_gower(tmp_path: Path) -> None:
    """The second mixed-data method: Gower distance + average linkage, k given."""
    table = mixed_customers()
    done = segment_profile(
        table.drop(columns="group"), tmp_path / "run", source="crm.csv", method="gower",
        categorical=CATEGORICAL, features=FEATURES, n_boot=3, k=3,
    )  # fmt: skip
    assert done.cluster.k == 3 and done.cluster.preprocessing["city"] == "categorical (matching)"
    v = done.validate.validation
    assert v.stability is not None and "segkit: the whole gower" in v.stability.refit
    assert v.discriminant is not None
    model, spec = frozen_model(done.run)
    assert spec["method"] == "gower" and model.categorical == CATEGORICAL
    labels = done.cluster.assignments.set_index("customer_id")["segment"]
    ari = adjusted_rand_score(table.set_index("customer_id")["group"], labels)
    assert ari > 0.5, ari


def test_mixed_stability_on_samples_above_the_kprototypes_limit(monkeypatch) -> None:
    """Above KPROTOTYPES_SAMPLE customers each resample of k-prototypes is fitted on a
    bootstrap sample of that size (one start) and every customer is assigned by predict."""
    from segkit.workflow import segment as seg

    monkeypatch.setattr(seg, "KPROTOTYPES_SAMPLE", 150)
    table = mixed_customers()
    X = table[["avg_order_value", "frequency", "city", "gender"]]
    labels = pd.Series(table["group"].to_numpy() + 1, name="segment")
    v = seg.validate_segments(X, labels, method="kprototypes", categorical=CATEGORICAL,
                              n_boot=3, progress=False)  # fmt: skip
    assert v.stability is not None and "one start" in v.stability.refit
    assert any("bootstrap samples of 150 customers" in note for note in v.notes)
    assert v.stability.table["mean_jaccard"].between(0, 1).all()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEGKIT_HOME", str(tmp_path))
    return tmp_path


def test_report_steps_cluster_with_master_attributes(home: Path) -> None:
    """The report's steps 5–7 with k-prototypes on the step-3 features and two master
    attributes of the customer table (``segment.categorical`` in the run config)."""
    run = steps.scratch_run("05_cluster", customers=300, seed=2, smoke=True)
    with pytest.raises(InputError) as err:
        steps.cluster_step(run, method="kprototypes")
    assert err.value.code == "MISSING_CATEGORICAL"
    cat = ["gender", "income_band"]
    cs = steps.cluster_step(run, method="kprototypes", k=3, categorical=cat)
    assert cs.k == 3 and cs.preprocessing["gender"] == "categorical (matching)"
    vs = steps.validate_step(run, n_boot=2)
    assert vs.validation.discriminant is not None
    ns = steps.name_strategy_step(run)
    assert ns.plan.segments["size"].sum() == len(cs.labels)
    levels = set(ns.profile.table.query("variable == 'gender'")["level"])
    assert levels == {"女", "男"}
    model, spec = frozen_model(run)
    assert spec["categorical"] == cat and model.categorical == cat
