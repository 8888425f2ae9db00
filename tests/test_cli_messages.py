"""What the command line tells a newcomer: errors that say what to do, progress lines per
stage (none under --quiet), and no WARNING lines from a report run (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit.cli import app
from segkit.workflow.report import steps_present

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = runner.invoke(app, ["demo-data", "--out", str(out), "--customers", "200"])
    assert result.exit_code == 0, result.output
    return out


def _profile_args(tx: Path, out: Path, customer: str = "customer_id", date: str = "order_time"):
    return ["profile", str(tx), "--customer-col", customer, "--date-col", date,
            "--amount-col", "amount", "--as-of", "2024-12-31", "--out", str(out)]  # fmt: skip


def test_segment_missing_file_says_why_and_how_to_make_it(tmp_path: Path) -> None:
    missing = tmp_path / "reports" / "nope.parquet"
    result = runner.invoke(app, ["segment", str(missing), "--out", str(tmp_path / "seg")])
    assert result.exit_code == 2
    assert "[FILE_NOT_FOUND]" in result.output and "no such file" in result.output
    assert f"--out {missing}" in result.output and "segkit profile" in result.output
    assert "Traceback" not in result.output


def test_segment_folder_instead_of_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["segment", str(tmp_path), "--out", str(tmp_path / "seg")])
    assert result.exit_code == 2
    assert "[NOT_A_FILE]" in result.output and "it is a folder" in result.output


def test_segment_unreadable_parquet(tmp_path: Path) -> None:
    bad = tmp_path / "p.parquet"
    bad.write_text("customer_id,frequency\n1,2\n")
    result = runner.invoke(app, ["segment", str(bad), "--out", str(tmp_path / "seg")])
    assert result.exit_code == 2
    assert "[UNREADABLE]" in result.output and "not a readable Parquet file" in result.output
    assert "Traceback" not in result.output


def test_segment_on_transactions_says_run_profile_first(demo_dir: Path, tmp_path: Path) -> None:
    tx = demo_dir / "transactions.csv"
    n_rows = len(pd.read_csv(tx))
    result = runner.invoke(app, ["segment", str(tx), "--out", str(tmp_path / "seg")])
    assert result.exit_code == 2
    assert "[NOT_A_PROFILE] this looks like transactions" in result.output
    assert f"{n_rows:,} rows for 200 customer ids" in result.output
    assert "run `segkit profile` first" in result.output
    assert f"segkit profile {tx} --customer-col" in result.output
    assert "avg_order_value" not in result.output  # not the old, puzzling message
    assert not (tmp_path / "seg").exists() or not any((tmp_path / "seg").iterdir())


def test_segment_on_transactions_without_customer_id_column(tmp_path: Path) -> None:
    # an Online Retail-shaped export: no customer_id column, InvoiceDate and Quantity
    tx = tmp_path / "retail.csv"
    pd.DataFrame(
        {"InvoiceNo": ["1", "2"], "CustomerID": ["17850", "17850"],
         "InvoiceDate": ["2011-01-01", "2011-01-02"], "Quantity": [1, 2]}
    ).to_csv(tx, index=False)  # fmt: skip
    result = runner.invoke(app, ["segment", str(tx), "--out", str(tmp_path / "seg")])
    assert result.exit_code == 2
    assert "this looks like transactions (2 rows for 1 customer ids" in result.output
    assert "['InvoiceNo', 'InvoiceDate', 'Quantity']" in result.output


def test_profile_announces_case_insensitive_column_matches(demo_dir: Path, tmp_path: Path):
    tx = tmp_path / "tx.csv"
    frame = pd.read_csv(demo_dir / "transactions.csv", dtype=str)
    frame.rename(columns={"customer_id": "CustomerID", "order_time": "OrderTime"}).to_csv(
        tx, index=False
    )
    args = _profile_args(tx, tmp_path / "p.parquet", customer="CustomerId", date="ORDER TIME")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: columns 'CustomerId' taken as 'CustomerID', 'ORDER TIME' taken as 'OrderTime' "
        "(names match ignoring case, width and blanks)"
    ]


def test_profile_exact_names_give_no_note_and_one_line_per_stage(demo_dir: Path, tmp_path):
    result = runner.invoke(app, _profile_args(demo_dir / "transactions.csv", tmp_path / "p.csv"))
    assert result.exit_code == 0, result.output
    assert "note:" not in result.output
    stages = [line for line in result.output.splitlines() if line.startswith("segkit profile")]
    assert stages == [
        "segkit profile [1/4] read",
        "segkit profile [2/4] clean",
        "segkit profile [3/4] profile",
        "segkit profile [4/4] write",
    ]


def test_quiet_hides_the_progress_lines(demo_dir: Path, tmp_path: Path) -> None:
    args = _profile_args(demo_dir / "transactions.csv", tmp_path / "p.parquet")
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert "segkit profile [" not in result.output
    assert "-> OK" in result.output  # the results are still printed
    seg = runner.invoke(
        app, ["segment", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "s"),
              "--method", "rfm", "-q"],
    )  # fmt: skip
    assert seg.exit_code == 0, seg.output
    assert "segkit segment [" not in seg.output and "wrote" in seg.output
    seg2 = runner.invoke(
        app, ["segment", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "s2"),
              "--method", "rfm"],
    )  # fmt: skip
    assert seg2.exit_code == 0, seg2.output
    lines = [line for line in seg2.output.splitlines() if line.startswith("segkit segment [")]
    assert lines[0] == "segkit segment [1/6] read" and lines[-1] == "segkit segment [6/6] write"
    assert len(lines) == 6


@pytest.mark.slow
def test_report_demo_smoke_prints_no_warning(tmp_path: Path) -> None:
    """The README's report command as a user runs it (a real process, a real kernel; output
    piped, so one line per stage): no WARNING line, e.g. not ipykernel's "Kernel is running
    over TCP without encryption" (dependency notes P7; the kernel uses IPC sockets)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    args = [sys.executable, "-m", "segkit.cli", "report", "--demo", "--smoke"]
    args += ["--customers", "400", "--reports-root", str(tmp_path)]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "WARNING" not in output and "Traceback" not in output, output
    n = len(steps_present(REPO / "src" / "segkit" / "notebooks")) + 2  # + report, table
    stages = [line for line in proc.stderr.splitlines() if line.startswith("segkit report [")]
    assert len(stages) == n, proc.stderr
    assert stages[-2:] == [f"segkit report [{n - 1}/{n}] report.html",
                           f"segkit report [{n}/{n}] segments.xlsx"]  # fmt: skip
    assert proc.stdout.strip().splitlines()[-1].startswith("report:")
    assert "IPKernelApp" not in output
