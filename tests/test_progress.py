"""segkit.progress: one line per stage off a terminal, a tqdm bar on one, nothing when quiet."""

from __future__ import annotations

import io
import time

import pytest

from segkit.progress import Stages, is_terminal


def test_lines_off_a_terminal_number_every_stage() -> None:
    out = io.StringIO()
    with Stages("segkit x", ["read", "clean", "write"], file=out, heartbeat=0) as stages:
        for name in ("read", "clean", "write"):
            stages.start(name)
        stages.note("note: something worth one line")
    assert out.getvalue().splitlines() == [
        "segkit x [1/3] read",
        "segkit x [2/3] clean",
        "segkit x [3/3] write",
        "note: something worth one line",
    ]
    assert list(stages.times) == ["read", "clean", "write"]


def test_a_long_stage_prints_still_running_lines() -> None:
    out = io.StringIO()
    with Stages("segkit x", ["slow"], file=out, heartbeat=0.5) as stages:
        stages.start("slow")
        time.sleep(2.2)
    lines = out.getvalue().splitlines()
    assert lines[0] == "segkit x [1/1] slow"
    still = [line for line in lines if line.startswith("segkit x … still running slow (")]
    assert 2 <= len(still) <= 5, lines  # one every 0.5 s, checked once a second
    assert stages.times["slow"] >= 2.2


def test_quiet_prints_nothing_even_for_long_stages() -> None:
    out = io.StringIO()
    with Stages("segkit x", ["a", "b"], enabled=False, file=out, heartbeat=0.2) as stages:
        stages.start("a")
        time.sleep(1.2)
        stages.start("b")
        stages.note("hidden")
    assert out.getvalue() == ""
    assert set(stages.times) == {"a", "b"}  # still timed


def test_bar_mode_is_one_tqdm_bar_with_the_stage_name() -> None:
    out = io.StringIO()
    with Stages("segkit x", ["read", "write"], file=out, bar=True) as stages:
        stages.start("read")
        stages.start("write")
    text = out.getvalue()
    assert "segkit x" in text and "2/2" in text and "write" in text
    assert "[1/2] read" not in text  # bars, not lines


def test_a_failed_stage_is_not_counted_done() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), Stages("x", ["a", "b"], file=out, heartbeat=0) as stages:
        stages.start("a")
        stages.start("b")
        raise RuntimeError("boom")
    assert list(stages.times) == ["a"]


def test_a_string_buffer_is_not_a_terminal() -> None:
    assert not is_terminal(io.StringIO())
