"""The step functions the notebooks call, on small real demo runs (no kernels)."""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit import workflow as steps
from segkit.errors import InputError
from segkit.workflow.artefacts import ARTEFACTS, NOTEBOOKS
from segkit.workflow.model import frozen_model


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEGKIT_HOME", str(tmp_path))
    return tmp_path


def _written(run: steps.Run) -> set[str]:
    return {
        n for n, rel in ARTEFACTS.items() if rel.startswith("artefacts/") and run.folder.exists(n)
    }


def test_scratch_run_lives_in_the_workspace_and_runs_only_earlier_steps(home: Path) -> None:
    run = steps.scratch_run("03_variables", customers=300, seed=3, smoke=True)
    assert run.root.parent == home / "reports" / "scratch"
    assert steps.workspace() == home
    done = _written(run)
    assert {"transactions", "collect_rejects", "sources", "customers", "quality"} <= done
    assert not {n for n in done if ARTEFACTS[n].startswith(("artefacts/03", "artefacts/04"))}
    assert (home / "data" / "demo-300-3-messy" / "transactions.csv").exists()
    table = steps.overview(run)
    assert table["notebook"].tolist() == list(NOTEBOOKS)
    assert table.set_index("notebook").loc["02_clean", "written"] == 9
    # the same run opened by its path, absolute or relative to the workspace
    assert steps.open_run(run.root).config == run.config
    assert steps.open_run(run.root.relative_to(home)).root == run.root
    assert steps.start(str(run.root), "03_variables").root == run.root
    assert "reports/scratch/" in run.describe() and "300 customers" in run.describe()


def test_open_run_needs_params(home: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"params\.yaml"):
        steps.open_run(home)
    with pytest.raises(ValueError, match="unknown notebook"):
        steps.scratch_run("09_nope")


def test_model_steps_with_fixed_k_and_no_bootstrap(home: Path) -> None:
    run = steps.scratch_run("05_cluster", customers=400, seed=11, smoke=True)
    cs = steps.cluster_step(run, k=3)
    assert cs.k == 3 and cs.selection is None
    assert not run.folder.exists("k_selection")
    assert run.folder.read_json("cluster_model")["k_chosen_by"] == "given"
    vs = steps.validate_step(run, n_boot=0)
    assert vs.validation.stability is None and not run.folder.exists("stability")
    ns = steps.name_strategy_step(run)
    assert "stability" not in ns.plan.segments
    assert ns.plan.segments["size"].sum() == len(cs.labels)
    named = ns.named_labels("en")
    assert named.str.match(r"^[123] \S").all()
    assert ns.named_labels("both").iloc[0].count(" ") >= 2
    # names are made once, at step 7: step 5's assignments hold the segment only
    assert list(run.folder.read_frame("assignments").columns) == ["customer_id", "segment"]
    assert run.folder.read_frame("names")["name_en"].tolist() == ns.plan.names["name_en"].tolist()
    model, spec = frozen_model(run)
    assert model.n_clusters == 3 and spec["method"] == "kmeans"
    ms = steps.monitor_step(run, months=3)
    counts = ms.migration.counts
    before, after = (ms.assignments[ms.assignments["period"] == p] for p in ("before", "after"))
    assert counts.to_numpy().sum() == len(set(before["customer_id"]) | set(after["customer_id"]))
    assert ms.periods["end"].iloc[0] < ms.periods["start"].iloc[1]


def test_kprototypes_without_categorical_columns_is_refused_clearly(home: Path) -> None:
    run = steps.scratch_run("05_cluster", customers=300, seed=2, smoke=True)
    with pytest.raises(InputError, match="k-prototypes needs categorical columns") as err:
        steps.cluster_step(run, method="kprototypes")
    assert err.value.code == "MISSING_CATEGORICAL"


def test_a_step_never_overwrites(home: Path) -> None:
    run = steps.scratch_run("02_clean", customers=300, seed=4, smoke=True)
    with pytest.raises(FileExistsError):
        steps.collect_step(run)


def test_tiers_step_thresholds_and_clv_check_are_reported(home: Path) -> None:
    """Issue 12: lifecycle rows of 04_thresholds.csv had NaN bounds and no rule text, and
    the Gamma-Gamma independence check was swallowed."""
    run = steps.scratch_run("04_tiers", customers=400, seed=7, smoke=True)
    ti = steps.tiers_step(run)
    thr = run.folder.read_frame("tier_thresholds")
    life = thr[thr["rule"] == "lifecycle_stage"].set_index("tier")
    assert len(life) == 5 and life["lower"].notna().all() and life["upper"].notna().all()
    assert (life["condition"].str.len() > 10).all()
    bounds = life[["column", "lower", "upper"]].values.tolist()
    by_stage = dict(zip(life.index, bounds, strict=True))
    assert by_stage["新客户"] == ["tenure_days", 0.0, 90.0]
    assert by_stage["已流失"][:2] == ["recency_days", 180.0]
    assert by_stage["流失风险"][:2] == ["recency_days / interval_mean_days", 2.0]
    assert thr["condition"].notna().all() and (thr["condition"].str.len() > 0).all()
    assert any(n.startswith("Gamma-Gamma independence check: corr(") for n in ti.notes)
