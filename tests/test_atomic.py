"""Outputs under a full disk and at hostile names: whole or absent, never written through a link.

Issue 14: a full disk left report.html cut with no end, a 0-byte manifest.json and a profile
CSV cut mid-row that a rerun then refused to overwrite; a dangling symbolic link at a sidecar
name was written through. Two ways of filling the disk are used:

* an injected ``OSError(ENOSPC)`` at each atomic write in turn (every output goes through
  :func:`segkit.atomic.publish`, so failing its flush at call *n* fails write site *n*);
* a real full disk: a small tmpfs (``mount -t tmpfs -o size=…``; skipped where the machine
  does not allow mounting), so writers fail in the middle of writing, as on a real disk.

After each failure: no file with ``.partial`` in its name, every file under a final name is
whole (it parses), the error says "disk full" with no traceback, and the manifest — when there
was room for it — says ``status: failed`` and what failed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from segkit import atomic, datasets
from segkit.atomic import DiskFullError, all_or_nothing, atomic_path, write_text
from segkit.cli import app
from segkit.outputs.tables import write_table
from segkit.workflow.profiling import DEMO_COLUMNS, profile_source, write_profile_outputs
from segkit.workflow.segmenting import segment_profile

REPO = Path(__file__).resolve().parents[1]
FIXTURE_NOTEBOOKS = REPO / "tests" / "notebooks"
runner = CliRunner()


class FullAt:
    """Stand-in for :func:`segkit.atomic._fsync` that fails with ENOSPC at call ``n``
    (``n = 0``: never; counts the calls)."""

    def __init__(self, n: int = 0) -> None:
        self.n, self.calls, self.real = n, 0, atomic._fsync

    def __call__(self, path: Path) -> None:
        self.calls += 1
        if self.calls == self.n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        self.real(path)


def assert_whole(folder: Path) -> list[str]:
    """Every file below ``folder`` parses as what its name says; none is a temporary file.
    Returns the relative names."""
    names = []
    for p in sorted(folder.rglob("*")):
        if p.is_dir():
            continue
        rel = p.relative_to(folder).as_posix()
        names.append(rel)
        assert ".partial" not in p.name, f"temporary file left behind: {rel}"
        assert not p.is_symlink(), rel
        suffix = p.suffix.lower()
        if suffix == ".parquet":
            pq.read_table(p)
        elif suffix == ".csv":
            pd.read_csv(p, encoding="utf-8-sig")
        elif suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))
        elif suffix == ".ipynb":
            nbformat.read(p, as_version=4)
        elif suffix == ".html":
            assert p.read_text(encoding="utf-8").rstrip().endswith("</html>"), rel
        elif suffix == ".xlsx":
            openpyxl.load_workbook(p, read_only=True).close()
        elif suffix == ".yaml":
            yaml.safe_load(p.read_text(encoding="utf-8"))
    return names


# --- the helper ---------------------------------------------------------------------------------


def test_a_failed_writer_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "report.html") as tmp:
        tmp.write_text("<html><body>half", encoding="utf-8")
        raise RuntimeError("crash in the middle")
    assert list(tmp_path.iterdir()) == []
    write_text(tmp_path / "report.html", "<html></html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_dangling_link_at_the_name_is_refused_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    link = tmp_path / "p.quality.txt"
    link.symlink_to(victim)  # dangling: Path.exists() says False
    assert not link.exists()
    with pytest.raises(FileExistsError, match="symbolic link"):
        write_text(link, "quality")
    table_link = tmp_path / "x.csv"
    table_link.symlink_to(victim)
    with pytest.raises(FileExistsError, match="symbolic link"):
        write_table(pd.DataFrame({"a": [1]}), table_link)
    assert not victim.exists() and link.is_symlink()
    # where a file is regenerated (demo data), the link is replaced, never followed
    write_text(link, "regenerated", overwrite=True)
    assert not victim.exists() and not link.is_symlink()
    assert link.read_text(encoding="utf-8") == "regenerated"


def test_enospc_becomes_disk_full_and_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic, "_fsync", FullAt(1))
    with pytest.raises(DiskFullError, match=r"disk full: could not write manifest\.json") as err:
        write_text(tmp_path / "manifest.json", json.dumps({"status": "ok"}))
    assert isinstance(err.value, OSError) and err.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_a_group_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_fsync", FullAt(3))
    with pytest.raises(DiskFullError), all_or_nothing() as written:
        for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
            written.append(write_text(tmp_path / name, name))
    assert list(tmp_path.iterdir()) == []


# --- injected ENOSPC at each write site ---------------------------------------------------------


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    datasets.write_demo(datasets.make_demo(200, seed=3), folder)
    return folder


def test_profile_outputs_fail_whole_at_each_write(
    small_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = profile_source(small_demo / "transactions.csv", DEMO_COLUMNS, as_of=None)
    count = FullAt()
    monkeypatch.setattr(atomic, "_fsync", count)
    write_profile_outputs(run, tmp_path / "ok" / "p.csv")
    assert count.calls == 5  # profile, quarantine, quality csv, quality txt, manifest
    for n in range(1, count.calls + 1):
        out = tmp_path / f"full{n}"
        out.mkdir()
        monkeypatch.setattr(atomic, "_fsync", FullAt(n))
        with pytest.raises(DiskFullError, match="disk full"):
            write_profile_outputs(run, out / "p.csv")
        assert list(out.iterdir()) == [], n  # nothing half: a rerun is not refused
        monkeypatch.setattr(atomic, "_fsync", count.real)
        written = write_profile_outputs(run, out / "p.csv")
        assert sorted(p.name for p in written.values()) == sorted(assert_whole(out))


def test_segment_run_files_are_whole_at_each_failed_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``segkit segment``'s run folder: a full disk at any write stops the run, and every file
    already in the folder is whole (no half artefact)."""
    from .conftest import demo_profile_and_truth

    profile, _ = demo_profile_and_truth(400, seed=5)
    kwargs = {"source": "p.parquet", "method": "kmeans", "k": 3, "n_boot": 3}
    count = FullAt()
    monkeypatch.setattr(atomic, "_fsync", count)
    segment_profile(profile, tmp_path / "ok", **kwargs)
    written = assert_whole(tmp_path / "ok")
    assert count.calls == len(written) >= 15
    for n in range(1, count.calls + 1):
        out = tmp_path / f"full{n}"
        monkeypatch.setattr(atomic, "_fsync", FullAt(n))
        with pytest.raises(DiskFullError):
            segment_profile(profile, out, **kwargs)
        assert len(assert_whole(out)) == n - 1, n


def test_cli_says_disk_full_without_a_traceback(
    small_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic, "_fsync", FullAt(2))
    args = ["profile", str(small_demo / "transactions.csv"), "--customer-col", "customer_id"]
    args += ["--date-col", "order_time", "--amount-col", "amount", "--order-col", "order_id"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 2, result.output
    assert "error: disk full: could not write p.quarantine.csv" in result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert list(tmp_path.iterdir()) == []


def _two_step_notebooks(tmp_path: Path) -> Path:
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    for name in ("00_overview", "02_clean"):
        shutil.copy(FIXTURE_NOTEBOOKS / f"{name}.ipynb", nbs)
    return nbs


def _report(root: Path, nbs: Path) -> object:
    args = ["report", "--demo", "--customers", "100", "--smoke", "--no-progress"]
    return runner.invoke(app, [*args, "--reports-root", str(root), "--notebooks", str(nbs)])


@pytest.mark.slow
def test_report_run_fails_whole_at_each_write_of_the_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """params.yaml, each executed notebook, report.html, segments.xlsx, manifest.json."""
    monkeypatch.setenv("SEGKIT_HOME", str(tmp_path))
    nbs = _two_step_notebooks(tmp_path)
    count = FullAt()
    monkeypatch.setattr(atomic, "_fsync", count)
    ok = _report(tmp_path / "ok", nbs)
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    (good,) = (tmp_path / "ok" / "demo").iterdir()
    assert {"params.yaml", "report.html", "segments.xlsx", "manifest.json"} <= set(
        assert_whole(good)
    )
    assert count.calls == 6
    for name in ("00_overview", "02_clean"):  # papermill's record names the published file
        nb = nbformat.read(good / "notebooks" / f"{name}.ipynb", as_version=4)
        assert nb.metadata.papermill.output_path == str(good / "notebooks" / f"{name}.ipynb")
    stages = ["params.yaml", "notebooks", "notebooks", "report.html", "segments.xlsx", None]
    for n, stage in enumerate(stages, start=1):
        root = tmp_path / f"full{n}"
        monkeypatch.setattr(atomic, "_fsync", FullAt(n))
        result = _report(root, nbs)
        out = result.output  # type: ignore[attr-defined]
        assert result.exit_code != 0, (n, out)  # type: ignore[attr-defined]
        assert "disk full" in out and "Traceback" not in out, (n, out)
        (run,) = (root / "demo").iterdir()
        names = assert_whole(run)
        if stage is None:  # the manifest itself could not be written: absent, not empty
            assert "manifest.json" not in names
            continue
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["status"] == "failed", n
        failed = manifest["failed"]
        assert "disk full" in failed["message"], (n, failed)
        assert failed.get("stage", "notebooks") == stage, (n, failed)


# --- a real full disk (tmpfs) -------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``folder`` (skips the test where mounting is not
    allowed: not root, or a sandbox without the capability)."""
    folder.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs root on Linux")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mount not allowed here: {done.stderr.strip()[:100]}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def _profile_cli(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``segkit profile`` in its own process (as a user runs it; stderr captured apart)."""
    args = [sys.executable, "-m", "segkit", "profile", str(source), "--customer-col"]
    args += ["customer_id", "--date-col", "order_time", "--amount-col", "amount"]
    args += ["--order-col", "order_id", "--as-of", "2025-01-01", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(args, capture_output=True, text=True, check=False, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("size", ["24k", "40k"])
def test_profile_on_a_full_tmpfs(small_demo: Path, tmp_path: Path, size: str) -> None:
    """The profile CSV is ~35 KB and its four sidecars ~1 page each: a 24 KiB disk fills in
    the middle of the CSV, a 40 KiB one at a sidecar. Nothing is left (no CSV cut mid-row),
    the error says disk full, and with room the same command succeeds."""
    with tmpfs(tmp_path / "disk", size) as disk:
        done = _profile_cli(small_demo / "transactions.csv", disk / "p.csv")
        assert done.returncode == 2, done.stderr
        *stages, last = done.stderr.strip().splitlines()
        assert last.startswith("error: disk full: could not write"), done.stderr
        assert all(line.startswith("segkit profile [") for line in stages), done.stderr
        assert "Traceback" not in done.stderr
        assert assert_whole(disk) == []
    with tmpfs(tmp_path / "bigger", "4m") as disk:
        done = _profile_cli(small_demo / "transactions.csv", disk / "p.csv")
        assert done.returncode == 0, done.stderr
        assert len(assert_whole(disk)) == 5


def _report_cli(root: Path, home: Path, key: Path) -> subprocess.CompletedProcess[str]:
    """``segkit report --demo`` (fixture notebooks, 100 customers) in its own process."""
    args = [sys.executable, "-m", "segkit", "report", "--demo", "--customers", "100"]
    args += ["--smoke", "--no-progress", "--reports-root", str(root)]
    args += ["--notebooks", str(FIXTURE_NOTEBOOKS)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SEGKIT_HOME": str(home)}
    env["SEGKIT_KEY_FILE"] = str(key)
    return subprocess.run(args, capture_output=True, text=True, check=False, env=env)


@pytest.fixture(scope="module")
def report_run_kib(tmp_path_factory: pytest.TempPathFactory) -> int:
    """What a whole run takes on a tmpfs (KiB, every file rounded up to 4 KiB pages; ~384 with
    the fixture notebooks of today), measured on an ordinary disk."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a tmpfs needs root on Linux")
    base = tmp_path_factory.mktemp("measure")
    (base / "home").mkdir()
    done = _report_cli(base / "reports", base / "home", base / "key")
    assert done.returncode == 0, done.stderr
    sizes = [p.stat().st_size for p in (base / "reports").rglob("*") if p.is_file()]
    return sum(-(-size // 4096) * 4 for size in sizes)


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.02, 0.2, 0.72, 0.94])
def test_report_run_on_a_full_tmpfs(tmp_path: Path, report_run_kib: int, fraction: float) -> None:
    """``segkit report`` with its reports folder on a disk too small for the run: the run
    stops wherever the disk fills, every file left is whole, none is temporary, stderr says
    disk full without a traceback, and the manifest says what failed when there was room.

    With today's fixture notebooks (~384 KiB a run) the four sizes fill the disk at the first
    executed notebook, inside step 02's notebook (an artefact written by the kernel), at
    report.html and at segments.xlsx."""
    home = tmp_path / "home"
    home.mkdir()
    size = f"{max(4, int(report_run_kib * fraction))}k"
    with tmpfs(tmp_path / "disk", size) as disk:
        done = _report_cli(disk, home, tmp_path / "key")
        assert done.returncode != 0, (size, done.stdout, done.stderr)
        assert "disk full" in done.stderr and "Traceback" not in done.stderr, done.stderr
        runs = list((disk / "demo").iterdir()) if (disk / "demo").exists() else []
        for run in runs:
            names = assert_whole(run)
            assert "report.html" not in names or "manifest.json" in names
            if "manifest.json" in names:
                manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
                assert manifest["status"] == "failed"
                assert "disk full" in manifest["failed"]["message"], manifest["failed"]
