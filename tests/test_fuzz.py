"""A short fuzzing run in CI: the harness works and today's parsers yield no finding.

The long run is on demand: ``.venv/bin/python fuzz/fuzz_parsers.py --minutes 10``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_parsers.py"


def _harness():
    spec = importlib.util.spec_from_file_location("fuzz_parsers", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_fuzz_run_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fuzz = _harness()
    monkeypatch.setattr(fuzz, "FINDINGS", tmp_path)
    assert fuzz.run(minutes=0.0, examples=15, seed=1) == []


def test_harness_records_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fuzz = _harness()
    monkeypatch.setattr(fuzz, "FINDINGS", tmp_path)

    def broken(values: list[str | None]) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(fuzz, "target_amounts", broken)
    found = fuzz.run(minutes=0.0, examples=3, seed=1)
    assert [p.name.split("-")[0] for p in found] == ["amounts"]
    assert "RuntimeError: boom" in found[0].read_text()
