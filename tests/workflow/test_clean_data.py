"""Step 2 (workflow.clean_data) on small real runs: what collect produced is cleaned, the master
is pseudonymised and minimised, its qualitative columns are coded with a code book, and the
monthly coverage reaches the data-quality table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit import workflow as steps
from segkit.clean.checks import clean
from segkit.collect.sources import collect
from segkit.config import RunConfig
from segkit.workflow.collect_data import load_collected
from segkit.workflow.profiling import DEMO_COLUMNS


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEGKIT_HOME", str(tmp_path))
    return tmp_path


def test_clean_step_cleans_exactly_what_collect_produced(home: Path) -> None:
    """Handing the collected records over through Parquet changes nothing."""
    run = steps.scratch_run("02_clean", customers=300, seed=5, smoke=True)
    direct = clean(collect(run.demo_dir() / "transactions.csv", DEMO_COLUMNS), as_of="2024-12-31")
    via = clean(load_collected(run), as_of="2024-12-31")
    pd.testing.assert_frame_equal(via.summary(), direct.summary())
    assert via.quarantine.equals(direct.quarantine)
    cols = ["customer_id", "order_id", "date", "amount"]
    pd.testing.assert_frame_equal(via.kept()[cols], direct.kept()[cols])
    assert direct.rows_removed > 0  # the messy demo has something to quarantine


def test_clean_step_on_client_files_pseudonymises_the_master(home: Path, tmp_path: Path) -> None:
    from segkit import datasets

    demo = datasets.make_demo(300, seed=9)
    src = tmp_path / "client"
    paths = datasets.write_demo(demo, src)
    master = pd.read_csv(paths["customers"], dtype=str)
    master = master.rename(columns={"customer_id": "客户编号", "acquisition_channel": "客户来源"})
    master.to_csv(src / "crm.csv", index=False)
    cfg = RunConfig.model_validate(
        {
            "client": "acme",
            "source": {"path": str(paths["transactions"]), "columns": DEMO_COLUMNS.model_dump()},
            "master": {"path": str(src / "crm.csv"), "customer_id": "客户编号",
                       "pii": {"name": "name", "phone": "phone"}, "source": "客户来源"},
            "survey": str(paths["survey"]),
        }
    )  # fmt: skip
    root = home / "reports" / "acme" / "run1"
    root.mkdir(parents=True)
    (root / "params.yaml").write_text(cfg.to_yaml(), encoding="utf-8")
    run = steps.open_run(root)
    steps.collect_step(run)
    cl = steps.clean_step(run)
    customers = cl.customers
    assert "acquisition_channel" in customers and "客户来源" not in customers
    assert not customers["phone"].isin(master["phone"]).any()
    assert not customers["name"].isin(master["name"]).any()
    # not declared as PII and not used by the method: dropped at load (minimisation, issue 14)
    assert not {"id_number", "city", "occupation", "signup_date"} & set(customers.columns)
    assert {"age", "gender", "income_band"} <= set(customers.columns)  # described by step 6
    assert "UNUSED_MASTER_COLUMN (dropped)" in cl.quality["check"].tolist()
    assert cl.pii_columns == ["name", "phone"]
    assert "phone" not in cl.safe_customers()
    # without a demo the as-of date is the day after the latest transaction
    assert str(cl.cleaned.as_of) == "2024-12-31"
    va = steps.variables_step(run)
    assert va.factor_model is not None and len(va.loadings) == 15


def test_clean_step_codes_the_demo_masters_qualitative_columns(home: Path) -> None:
    run = steps.scratch_run("02_clean", customers=300, seed=4, smoke=True)
    cl = steps.clean_step(run)
    customers = run.folder.read_frame("customers")  # what steps 3-8 read
    master = pd.read_csv(run.demo_dir() / "customers.csv", dtype=str)
    for column in ("gender", "city", "occupation"):
        coded = [c for c in customers if c.startswith(f"{column}=")]
        levels = sorted(master[column].dropna().unique())
        assert coded == [f"{column}={lv}" for lv in levels], column
        # one level per customer of the master, none for profiled customers not in it
        in_master = customers["customer_id"].isin(master["customer_id"])
        assert (customers.loc[in_master, coded].sum(axis=1) == 1).all(), column
        assert (customers.loc[~in_master, coded].sum(axis=1) == 0).all(), column
    # the coded columns replace the text the method does not describe; gender stays as text
    assert "gender" in customers and not {"city", "occupation"} & set(customers.columns)
    row = customers.set_index("customer_id").loc[master["customer_id"].iloc[0]]
    assert row[f"city={master['city'].iloc[0]}"] == 1
    # the mapping is an artefact, and says how many customers each level has
    book = run.folder.read_frame("codebook")
    assert list(book.columns) == ["variable", "level", "code", "kind", "output_column", "customers"]
    assert set(book["variable"]) == {"gender", "city", "occupation"}
    assert set(book["kind"]) == {"onehot"}
    coded_levels = book.dropna(subset=["level"])
    assert coded_levels["output_column"].tolist() == [
        c for c in customers if c.split("=")[0] in ("gender", "city", "occupation") and "=" in c
    ]
    for out_col, n in zip(coded_levels["output_column"], coded_levels["customers"], strict=True):
        assert customers[out_col].sum() == n
    assert len(book) == len(cl.codebook)
    # nothing was set missing in the clean demo master: no quarantine rows, no quality rows
    quarantine = run.folder.read_frame("quarantine")
    assert not quarantine["reason_code"].isin(["UNKNOWN_LEVEL", "RARE_LEVEL"]).any()
    assert not cl.quality["check"].str.endswith("(master coding)").any()
    # the monthly coverage is written and its warnings (if any) are quality rows
    coverage = run.folder.read_frame("coverage")
    assert coverage["transactions"].sum() == cl.cleaned.rows_kept
    assert cl.coverage is not None
    gaps = sum(w.startswith("no transactions") for w in cl.coverage.warnings)
    checks = cl.quality.set_index("check")["detected"]
    assert checks.get("NO_DATA_MONTH (coverage, months)", 0) == gaps


def test_clean_step_quarantines_master_values_it_cannot_code(home: Path) -> None:
    run = steps.scratch_run("02_clean", customers=300, seed=4, smoke=True)
    path = run.demo_dir() / "customers.csv"
    master = pd.read_csv(path, dtype=str)
    buyers = set(run.folder.read_frame("transactions")["customer_id"].dropna())
    first = master.index[master["customer_id"].isin(buyers)][:3]  # profiled customers
    master.loc[first[0], "gender"] = "未知"  # not a declared level
    master.loc[first[1], "city"] = "13800138000"  # personal data, never a column name
    master.loc[first[2], "occupation"] = "宇航员"  # one customer: too rare to code
    master.to_csv(path, index=False)
    cl = steps.clean_step(run)
    q = run.folder.read_frame("quarantine")
    coding = q[q["reason_code"].isin(["UNKNOWN_LEVEL", "PERSONAL_LEVEL", "RARE_LEVEL"])]
    assert sorted(zip(coding["column"], coding["reason_code"], strict=True)) == [
        ("city", "PERSONAL_LEVEL"),
        ("gender", "UNKNOWN_LEVEL"),
        ("occupation", "RARE_LEVEL"),
    ]
    assert set(coding["action"]) == {"set_missing"}
    assert set(coding["source_file"]) == {"02_customers.parquet"}
    customers = run.folder.read_frame("customers")
    rows = customers.iloc[coding["source_row"].to_numpy() - 1]  # 1-based rows of the table
    assert sorted(rows["customer_id"]) == sorted(master.loc[first, "customer_id"])
    assert "13800138000" not in " ".join(map(str, q["raw_value"].dropna()))
    assert not any("13800138000" in c or "宇航员" in c for c in customers.columns)
    quality = cl.quality.set_index("check")
    for code in ("UNKNOWN_LEVEL", "PERSONAL_LEVEL", "RARE_LEVEL"):
        assert quality.loc[f"{code} (master coding)", "changed"] == 1
    book = run.folder.read_frame("codebook")
    uncoded = book[book["level"].isna()].set_index("variable")["customers"]
    assert (uncoded >= 1).all()
