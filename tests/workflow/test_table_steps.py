"""Steps 1–3, 5–7 of a run whose source is a customer table or a survey (``source.kind``;
:mod:`segkit.workflow.table_steps`, :mod:`segkit.workflow.table_variables`), called directly
on small fixtures (the notebooks and the report: ``test_report_kinds.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from segkit import workflow
from segkit.config import RunConfig
from segkit.errors import InputError
from segkit.workflow.artefacts import RunFolder
from segkit.workflow.needs_labels import label_segments
from segkit.workflow.run import Run
from segkit.workflow.table_steps import skip_reason, to_number, value_column

BFI = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "surveys" / "bfi.csv"
SPEND = ["食品", "服装", "家居", "数码", "美妆", "母婴"]
#: the wording of the items of :func:`survey_table` (price: q1–q3, service: q4–q6)
WORDING = {"q1": "看重低价", "q2": "常用优惠券", "q3": "会比较价格",
           "q4": "看重服务", "q5": "喜欢听店员建议", "q6": "重视售后"}  # fmt: skip


def customer_table(path: Path, n: int = 150, encoding: str = "utf-8") -> Path:
    """A wholesaler's customer table: id, six annual spend columns (three groups of buyers),
    a region; one repeated id, one spend that is not a number, one blank."""
    rng = np.random.default_rng(7)
    group = np.arange(n) % 3
    base = np.array(
        [[900, 80, 60, 40, 50, 30], [60, 700, 90, 30, 600, 20], [50, 40, 80, 800, 30, 500]]
    )
    spend = rng.lognormal(np.log(base[group]), 0.3).round(2)
    frame = pd.DataFrame(spend, columns=SPEND)
    frame.insert(0, "客户编号", [f"K{i:04d}" for i in range(n)])
    frame["地区"] = np.where(group == 0, "华东", np.where(group == 1, "华南", "华北"))
    frame = frame.astype({c: object for c in SPEND})
    frame.loc[5, "服装"] = "abc"
    frame.loc[6, "家居"] = None
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)  # K0003 twice
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def survey_table(path: Path, n: int = 240) -> Path:
    """Six items on a 1–6 scale loading on two factors (price: q1–q3, service: q4–q6)."""
    rng = np.random.default_rng(11)
    f = rng.normal(size=(n, 2))
    items = {}
    for j in range(6):
        latent = f[:, 0] if j < 3 else f[:, 1]
        items[f"q{j + 1}"] = np.clip(np.round(3.5 + 1.2 * latent + rng.normal(0, 0.7, n)), 1, 6)
    frame = pd.DataFrame(items)
    frame.insert(0, "rid", [f"R{i}" for i in range(n)])
    frame.to_csv(path, index=False)
    return path


def make_run(tmp: Path, source: dict[str, Any]) -> Run:
    cfg = RunConfig.model_validate(
        {"client": "t", "smoke": True, "source": source, "segment": {"n_boot": 2, "k_max": 5}}
    )
    folder = RunFolder(tmp / "run")
    folder.root.mkdir()
    (folder.root / "params.yaml").write_text(cfg.to_yaml(), encoding="utf-8")
    return Run(folder, cfg)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_customer_table_steps(tmp_path: Path, encoding: str) -> None:
    path = customer_table(tmp_path / "crm.csv", encoding=encoding)
    run = make_run(
        tmp_path,
        {"kind": "customers", "path": str(path), "id_column": "客户编号",
         "categorical": ["地区"], "value_column": "食品"},
    )  # fmt: skip
    col = workflow.collect_step(run)
    assert (col.records, col.staged, len(col.rejects)) == (151, 151, 0)
    cl = workflow.clean_step(run)
    assert len(cl.customers) == 150  # the repeated id is quarantined, the first row kept
    q = run.folder.read_frame("quarantine")
    assert q.groupby("reason_code").size().to_dict() == {"DUPLICATE_ID": 1, "NOT_NUMERIC": 1}
    assert q.loc[q["reason_code"] == "NOT_NUMERIC", "raw_value"].tolist() == ["abc"]
    quality = cl.quality.set_index("check")
    assert quality.loc["MISSING_VALUE (服装)", "flagged"] == 1  # "abc", set missing
    assert quality.loc["MISSING_VALUE (家居)", "flagged"] == 1
    # the row account the report checks: 151 records = 150 kept + 1 quarantined
    account = quality.loc[["records read", "rows kept", "rows quarantined"], "detected"]
    assert account.tolist() == [151, 150, 1]
    assert {"地区=华东", "地区=华南", "地区=华北"} <= set(cl.customers.columns)
    assert cl.cleaned is None and "duplicate ids" in cl.summary_text()
    va = workflow.variables_step(run)
    assert "客户编号" not in va.features and "source_row" not in va.features
    assert any("median" in note for note in va.notes)
    cs = workflow.cluster_step(run)
    assert cs.value is not None and value_column(run) == "食品"
    assert run.folder.read_json("cluster_model")["value_column"] == "食品"
    workflow.validate_step(run)
    ns = workflow.name_strategy_step(run)
    assert len(ns.plan.segments) == cs.k and ns.plan.segments["value_share"].notna().all()
    assert skip_reason(run, "04_tiers") and skip_reason(run, "05_cluster") is None
    with pytest.raises(InputError, match="Skipped: the source is a customer table"):
        workflow.tiers_step(run)


def test_customer_table_names_missing_column(tmp_path: Path) -> None:
    path = customer_table(tmp_path / "crm.csv")
    run = make_run(
        tmp_path, {"kind": "customers", "path": str(path), "id_column": "客户编号",
                   "features": ["食品", "酒水"]},
    )  # fmt: skip
    with pytest.raises(InputError, match=r"source\.features: the table has no column '酒水'"):
        workflow.collect_step(run)


def test_survey_steps(tmp_path: Path) -> None:
    path = survey_table(tmp_path / "survey.csv")
    run = make_run(
        tmp_path, {"kind": "survey", "path": str(path), "id_column": "rid",
                   "items": [f"q{i}" for i in range(1, 7)], "wording": WORDING},
    )  # fmt: skip
    workflow.collect_step(run)
    workflow.clean_step(run)
    va = workflow.variables_step(run)
    assert va.factor_model is not None and va.features == ["F1", "F2"]
    adequacy = run.folder.read_json("factor_adequacy")
    assert {"kmo", "bartlett_chi2", "bartlett_df", "bartlett_p"} <= set(adequacy)
    assert adequacy["bartlett_df"] == 15  # p (p - 1) / 2 with p = 6 items
    counts = run.folder.read_json("n_factors")
    assert {"parallel_factors", "parallel_components", "kaiser"} <= set(counts)
    assert counts["parallel_factors"] == 2
    rel = run.folder.read_frame("reliability")
    assert {"factor", "items", "alpha"} <= set(rel.columns) and rel["factor"].iloc[-1] == "all"
    loadings = run.folder.read_frame("factor_loadings").set_index("item")
    assert loadings.loc["q1", "label"] == "看重低价"
    features = run.folder.read_frame("features")
    assert list(features.columns) == ["customer_id", "F1", "F2"] and features.notna().all().all()
    cs = workflow.cluster_step(run)
    assert cs.value is None and list(cs.X.columns) == ["F1", "F2"]
    workflow.validate_step(run)
    ns = workflow.name_strategy_step(run)
    segments = ns.plan.segments
    assert "value" not in segments and "value_share" not in segments  # a survey has no value
    for name in segments["name_zh"]:  # named from the items' wording
        assert {w.rstrip(" ↑↓") for w in name.split(" · ")} <= set(WORDING.values())
    # the same names and needs as `segkit segment --method needs` gives these segments
    scores = run.folder.read_frame("features").set_index("customer_id")[["F1", "F2"]]
    loadings = run.folder.read_frame("factor_loadings").set_index("item")[["F1", "F2"]]
    named, _ = label_segments(scores, ns.labels.set_axis(scores.index), loadings, WORDING)
    assert segments["name_zh"].tolist() == named["name"].tolist()
    assert set(segments["need"]) <= {"price", "service", ""} and segments["need"].any()
    rules = ns.plan.strategy["matched_rules"].str.split(", ").explode()
    assert rules.str.startswith("need-").any()  # the playbook's needs rules fire
    with pytest.raises(InputError, match="Skipped: the source is a survey"):
        workflow.monitor_step(run)


def test_survey_without_factors_names_from_items(tmp_path: Path) -> None:
    """Fewer than 3 usable items (q7 never varies): no factor model; the items themselves
    are clustered and each is its own factor for the names."""
    frame = pd.read_csv(survey_table(tmp_path / "base.csv"))[["rid", "q1", "q4"]]
    frame.assign(q7=3).to_csv(tmp_path / "survey.csv", index=False)
    run = make_run(
        tmp_path, {"kind": "survey", "path": str(tmp_path / "survey.csv"), "id_column": "rid",
                   "items": ["q1", "q4", "q7"], "wording": {"q1": "看重低价", "q4": "看重服务"}},
    )  # fmt: skip
    workflow.collect_step(run)
    workflow.clean_step(run)
    va = workflow.variables_step(run)
    assert va.factor_model is None and any("factor analysis not run" in n for n in va.notes)
    assert va.features == ["q1", "q4"]  # q7 screened out for no variation
    workflow.cluster_step(run)
    workflow.validate_step(run)
    names = workflow.name_strategy_step(run).plan.names["name_zh"]
    for name in names:
        assert {w.rstrip(" ↑↓") for w in name.split(" · ")} <= {"看重低价", "看重服务"}


@pytest.mark.skipif(not BFI.is_file(), reason="../shared/data/surveys/bfi.csv is absent")
def test_survey_adequacy_matches_psych(tmp_path: Path) -> None:
    """The first 300 respondents of psych's ``bfi`` (25 items). Reference, R 4.2 psych:
    ``x <- read.csv("bfi.csv")[1:300, 2:26]; KMO(x)$MSA`` = 0.784772 and
    ``cortest.bartlett(x)`` chisq = 2544.601041, df = 300 (both on pairwise correlations)."""
    path = tmp_path / "bfi300.csv"
    pd.read_csv(BFI).head(300).to_csv(path, index=False)
    items = [f"{t}{i}" for t in "ACENO" for i in range(1, 6)]
    run = make_run(
        tmp_path, {"kind": "survey", "path": str(path), "id_column": "respondent", "items": items}
    )
    workflow.collect_step(run)
    workflow.clean_step(run)
    workflow.variables_step(run)
    adequacy = json.loads(run.folder.path("factor_adequacy").read_text(encoding="utf-8"))
    assert adequacy["kmo"] == pytest.approx(0.784772, abs=5e-4)
    assert adequacy["bartlett_chi2"] == pytest.approx(2544.601041, abs=5e-3)
    assert adequacy["bartlett_df"] == 300


def test_to_number_reads_money_text() -> None:
    assert to_number(pd.Series(["¥1,200", "3.5", "abc", None])).tolist()[:2] == [1200.0, 3.5]
    assert to_number(pd.Series(["1.200,5"]), decimal=",").tolist() == [1200.5]


def test_phone_ids_are_pseudonymised(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    frame = pd.read_csv(customer_table(tmp_path / "base.csv"), encoding="utf-8")
    frame["客户编号"] = [f"1380013{i:04d}" for i in range(len(frame))]
    frame.drop_duplicates("客户编号").to_csv(path, index=False)
    run = make_run(tmp_path, {"kind": "customers", "path": str(path), "id_column": "客户编号"})
    workflow.collect_step(run)
    cl = workflow.clean_step(run)
    assert cl.customers["customer_id"].str.startswith("C").all()
    assert not run.folder.read_frame("source_table")["customer_id"].str.startswith("138").any()
    quality = cl.quality.set_index("check")
    assert quality.loc["PII_CUSTOMER_ID (pseudonymised)", "changed"] == len(cl.customers)
