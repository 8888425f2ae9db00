"""The command line and the demo pipeline, end to end on small demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit import datasets
from segkit.cli import app
from segkit.pipeline import run_demo

from .conftest import sha256

runner = CliRunner()


@pytest.fixture(scope="module")
def messy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("messy") / "demo"
    result = runner.invoke(
        app, ["demo-data", "--out", str(out), "--customers", "300", "--seed", "7", "--messy"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_messy_demo_profiles_with_exact_quarantine(messy_dir: Path, tmp_path: Path) -> None:
    injected = json.loads((messy_dir / "injected.json").read_text())
    tx = messy_dir / "transactions.csv"
    before = sha256(tx)
    out = tmp_path / "p.parquet"
    result = runner.invoke(
        app,
        [
            "profile",
            str(tx),
            "--customer-col",
            "customer_id",
            "--date-col",
            "order_time",
            "--amount-col",
            "amount",
            "--order-col",
            "order_id",
            "--channel-col",
            "channel",
            "--category-col",
            "category",
            "--as-of",
            "2024-12-31",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sha256(tx) == before
    q = pd.read_csv(tmp_path / "p.quarantine.csv", encoding="utf-8-sig")
    removed = q[q["action"] == "removed"]
    assert (removed["reason_code"] == "DUPLICATE_ROW").sum() == injected["duplicates"]
    assert (removed["reason_code"] == "NO_CUSTOMER_KEY").sum() == injected["missing_customer_id"]
    assert set(removed["reason_code"]) <= {"DUPLICATE_ROW", "NO_CUSTOMER_KEY"}
    prof = pd.read_parquet(out)
    clean_demo = datasets.make_demo(300, seed=7)
    # every customer still has a purchase after the mess is removed
    assert len(prof) == clean_demo.customers["customer_id"].nunique()
    assert prof["customer_id"].str.len().eq(8).all()  # zeros kept
    expected = clean_demo.transactions.groupby("customer_id")["amount"].sum()
    got = prof.set_index("customer_id")["monetary"]
    missing_id_rows = injected["missing_customer_id"]
    assert (got - expected.reindex(got.index)).abs().gt(0.005).sum() <= missing_id_rows
    assert "balance" in result.output and "-> OK" in result.output


def test_profile_error_names_the_column(messy_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "profile",
            str(messy_dir / "transactions.csv"),
            "--customer-col",
            "客户编号",
            "--date-col",
            "order_time",
            "--amount-col",
            "amount",
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "transactions.csv" in result.output and "客户编号" in result.output
    assert "Traceback" not in result.output


def test_profile_refuses_to_overwrite(messy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    out.write_text("keep me")
    result = runner.invoke(
        app,
        [
            "profile",
            str(messy_dir / "transactions.csv"),
            "--customer-col",
            "customer_id",
            "--date-col",
            "order_time",
            "--amount-col",
            "amount",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2 and out.read_text() == "keep me"


def test_demo_data_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    result = runner.invoke(app, ["demo-data", "--out", str(tmp_path), "--customers", "50"])
    assert result.exit_code == 2


def test_run_demo_writes_a_new_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    first = run_demo(customers=400, seed=3, data_root=tmp_path / "data", reports_root=tmp_path)
    hashes = {p.name: sha256(p) for p in first.rglob("*") if p.is_file()}
    second = run_demo(customers=400, seed=3, data_root=tmp_path / "data", reports_root=tmp_path)
    assert first != second
    after = {p.name: sha256(p) for p in first.rglob("*") if p.is_file()}
    assert after == hashes  # earlier run untouched
    assert {p.name for p in first.iterdir()} >= {
        "profile.parquet",
        "profile.quarantine.csv",
        "profile.quality.csv",
        "profile.quality.txt",
        "profile.manifest.json",
        "customers.parquet",
        "segments",
    }
    assert (first / "segments" / "strategy.csv").exists()
    manifest = json.loads((first / "profile.manifest.json").read_text())
    assert manifest["cleaning"]["as_of"] == "2024-12-31"
    assert len(manifest["sources"][0]["sha256"]) == 64
    customers = pd.read_parquet(first / "customers.parquet")
    assert len(customers) == 400
    demo = datasets.make_demo(400, seed=3)
    # personal data is pseudonymised in every output
    for path in (p for p in first.rglob("*") if p.is_file()):
        text = path.read_bytes()
        for phone in demo.customers["phone"].head(50):
            assert phone.encode() not in text
        for name in demo.customers["name"].head(50):
            assert len(name) < 2 or name.encode() not in text
    assert customers["phone"].str.startswith("P").all()
    assert json.loads((first / "privacy.json").read_text())["personal_data"].startswith(
        "pseudonymised"
    )
    out = capsys.readouterr().out
    assert str(second) in out
    assert not any(p in out for p in demo.customers["phone"])


def test_run_demo_keeps_personal_data_only_when_asked(tmp_path: Path) -> None:
    run = run_demo(
        customers=200,
        seed=4,
        data_root=tmp_path / "data",
        reports_root=tmp_path,
        pseudonymise=False,
    )
    privacy = json.loads((run / "privacy.json").read_text())
    assert privacy["personal_data"].startswith("KEPT")
    customers = pd.read_parquet(run / "customers.parquet")
    demo = datasets.make_demo(200, seed=4)
    assert set(customers["phone"]) == set(demo.customers["phone"])
