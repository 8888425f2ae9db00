"""The CJK font every plot asks for: found by family, by glyph coverage, or a warning once."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import matplotlib
import pytest
from matplotlib import font_manager

from segkit.plots import canvas


@pytest.fixture
def fresh_font_search(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    canvas._find_cjk_font.cache_clear()
    monkeypatch.setattr(canvas, "_warned", False)
    with matplotlib.rc_context():
        yield
    canvas._find_cjk_font.cache_clear()


@pytest.mark.usefixtures("fresh_font_search")
def test_use_cjk_font_none_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    latin = [e for e in font_manager.fontManager.ttflist if "DejaVu" in e.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda fontpaths=None: [])
    before = list(matplotlib.rcParams["font.sans-serif"])
    with pytest.warns(UserWarning, match="fonts-noto-cjk"):
        assert canvas.use_cjk_font() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warns only once
        assert canvas.use_cjk_font() is None
    assert matplotlib.rcParams["font.sans-serif"] == before


@pytest.mark.usefixtures("fresh_font_search")
def test_use_cjk_font_found(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = font_manager.FontEntry(fname="/nonexistent/NotoSansCJK.ttc", name="Noto Sans CJK SC")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [fake])
    assert canvas.use_cjk_font() == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False


@pytest.mark.usefixtures("fresh_font_search")
def test_use_cjk_font_by_glyph_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = font_manager.FontEntry(fname="/fonts/odd.ttf", name="Odd Han Font")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [entry])
    monkeypatch.setattr(canvas, "_covers", lambda path: path == "/fonts/odd.ttf")
    assert canvas.use_cjk_font() == "Odd Han Font"
