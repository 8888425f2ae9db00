"""Shared fixtures: an isolated pseudonymisation key and the optional ../shared/data folder."""

from __future__ import annotations

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
