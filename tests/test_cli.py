"""The command line and the demo pipeline, end to end on small demo data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit import datasets
from segkit.cli import app

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


# --- hostile or mistaken arguments (issue 14): a clear one-line error before any work -------------

_PROFILE_ARGS = ["--customer-col", "customer_id", "--date-col", "order_time"]
_PROFILE_ARGS += ["--amount-col", "amount", "--order-col", "order_id", "--as-of", "2025-01-01"]


@pytest.fixture(scope="module")
def small_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    datasets.write_demo(datasets.make_demo(300, seed=11), folder / "demo")
    out = folder / "p.parquet"
    args = ["profile", str(folder / "demo" / "transactions.csv"), *_PROFILE_ARGS]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _one_line_error(result: object, expected: str) -> None:
    # the stage lines of the progress (segkit.progress, stderr) may come first
    output = "".join(
        line
        for line in result.output.splitlines(keepends=True)  # type: ignore[attr-defined]
        if not re.match(r"segkit \w+ \[\d+/\d+\] ", line)
    )
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert output.startswith("error: ") and expected in output, output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1, output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--k", "0"], "--k 0: a segmentation needs at least 2 clusters"),
        (["--k", "1"], "--k 1: a segmentation needs at least 2 clusters"),
        (["--k-range", "10-2"], "--k-range 10-2: need 2 <= low <= high"),
        (["--k-range", "1-5"], "--k-range 1-5: need 2 <= low <= high"),
        (["--k-range", "two-ten"], "--k-range must look like 2-10"),
    ],
)
def test_segment_refuses_impossible_k(
    small_profile: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    out = tmp_path / "seg"
    result = runner.invoke(app, ["segment", str(small_profile), "--out", str(out), *args])
    _one_line_error(result, expected)
    assert not out.exists()


def test_out_that_is_an_existing_file_is_refused(small_profile: Path, tmp_path: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me", encoding="utf-8")
    for args in (
        ["segment", str(small_profile), "--out", str(existing)],
        ["demo-data", "--out", str(existing), "--customers", "50"],
    ):
        result = runner.invoke(app, args)
        _one_line_error(result, f"--out {existing} exists and is not a folder")
        assert existing.read_text(encoding="utf-8") == "keep me"


def test_profile_refuses_an_unsupported_out_before_reading(tmp_path: Path) -> None:
    """``--out p.txt`` is refused up front (the input does not even exist here)."""
    args = ["profile", str(tmp_path / "absent.csv"), *_PROFILE_ARGS]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "p.txt")])
    _one_line_error(result, "unsupported output type '.txt'; use .csv or .parquet")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "limit", ["1GB'; COPY (SELECT 1) TO '/tmp/x.csv'; --", "lots", "4 GB extra", "-1GB"]
)
def test_memory_limit_is_validated_not_pasted_into_sql(tmp_path: Path, limit: str) -> None:
    args = ["profile", str(tmp_path / "absent.csv"), *_PROFILE_ARGS, "--memory-limit", limit]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "p.csv")])
    _one_line_error(result, "is not a size: give a number and a unit")


def test_memory_limit_accepts_sizes(small_profile: Path) -> None:
    from segkit.engine import connect

    for limit, shown in (("512MB", "488.2 MiB"), ("1GiB", "1.0 GiB"), ("2 GB", "1.8 GiB")):
        con = connect(memory_limit=limit)
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == (shown,)


def test_dangling_link_at_a_sidecar_name_is_not_written_through(
    small_profile: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "outside" / "victim.txt"
    victim.parent.mkdir()
    (tmp_path / "p.quality.txt").symlink_to(victim)
    source = small_profile.parent / "demo" / "transactions.csv"
    result = runner.invoke(
        app, ["profile", str(source), *_PROFILE_ARGS, "--out", str(tmp_path / "p.csv")]
    )
    _one_line_error(result, "symbolic links, never written through")
    assert not victim.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "p.quality.txt"]
