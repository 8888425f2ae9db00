"""Shared fixtures: an isolated pseudonymisation key and the optional ../shared/data folder."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never read or create the user's real key file during tests."""
    key_dir = tmp_path_factory.mktemp("key")
    monkeypatch.setenv("SEGKIT_KEY_FILE", str(key_dir / "pseudonym.key"))
    monkeypatch.delenv("SEGKIT_PSEUDONYM_KEY", raising=False)


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; the test is skipped when the folder is absent (a user's clone)."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=4)
def _demo_profile_cached(n: int, seed: int):
    from segkit import datasets
    from segkit.clean.checks import clean
    from segkit.collect import collect_frame
    from segkit.profile import build_profile
    from segkit.workflow.profiling import DEMO_COLUMNS

    demo = datasets.make_demo(n, seed=seed)
    res = clean(collect_frame(demo.transactions, DEMO_COLUMNS), as_of="2024-12-31")
    profile = build_profile(res)
    truth = demo.truth.set_index("customer_id").loc[profile["customer_id"]]
    return profile, truth


def demo_profile_and_truth(n: int = 3000, seed: int = 1):
    """The demo company's profile and the generator's truth, aligned by row (fresh copies of
    a per-session cache, so tests may modify them)."""
    profile, truth = _demo_profile_cached(n, seed)
    return profile.copy(), truth.copy()


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for every Spark test (``local[2]``, 2 shuffle partitions, no UI,
    quiet logs); skipped without pyspark (the ``spark`` extra) or without Java."""
    import os
    import shutil

    pytest.importorskip("pyspark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Spark needs Java (none on PATH, no JAVA_HOME)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("segkit-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Dlog4j.rootLogger=ERROR,console")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
