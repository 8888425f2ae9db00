"""One progress style for every long command: a tqdm bar over named stages.

On a terminal the bar shows the stage being run and its elapsed time (refreshed every second,
so a long stage never looks hung). Elsewhere — CI logs, ``make demo | tee log``, a pipe —
there are no bars: one line when a stage starts (``segkit report [3/11] 02_clean``) and, while
a stage runs longer than :data:`HEARTBEAT_SECONDS`, one ``… still running`` line every
:data:`HEARTBEAT_SECONDS`. ``--quiet`` prints nothing at all.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> with Stages("segkit profile", ["read", "write"], file=out) as stages:
...     stages.start("read")
...     stages.start("write")
>>> print(out.getvalue(), end="")
segkit profile [1/2] read
segkit profile [2/2] write
>>> quiet = io.StringIO()
>>> with Stages("segkit profile", ["read"], enabled=False, file=quiet) as stages:
...     stages.start("read")
>>> quiet.getvalue()
''
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any

from tqdm.auto import tqdm

#: seconds between ``still running`` lines when not on a terminal
HEARTBEAT_SECONDS = 20.0


def is_terminal(file: IO[str] | None = None) -> bool:
    """True when ``file`` (default stderr) is an interactive terminal."""
    stream = file if file is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Stages:
    """Progress over a known list of named stages (see the module docstring).

    Parameters
    ----------
    desc : str
        What runs, e.g. ``"segkit report"``; starts every line.
    stages : sequence of str
        The stage names in order (their count is the bar's total).
    enabled : bool
        ``False`` (``--quiet``) prints nothing.
    file : text stream, optional
        Where to write (default stderr).
    bar : bool, optional
        Force a tqdm bar (``True``) or plain lines (``False``); default: a bar on a terminal.
    heartbeat : float
        Seconds between ``still running`` lines in line mode (``0`` turns them off).
    """

    def __init__(
        self,
        desc: str,
        stages: Sequence[str],
        *,
        enabled: bool = True,
        file: IO[str] | None = None,
        bar: bool | None = None,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.desc = desc
        self.stages = list(stages)
        self.enabled = enabled
        self.file = file if file is not None else sys.stderr
        self.use_bar = enabled and (is_terminal(self.file) if bar is None else bar)
        self.heartbeat = heartbeat
        self.current: str | None = None
        self.index = 0
        self.times: dict[str, float] = {}
        self._t0 = self._last_line = time.perf_counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._bar: Any = None
        self._thread: threading.Thread | None = None
        if self.use_bar:
            self._bar = tqdm(
                total=len(self.stages), desc=desc, unit="step", file=self.file, leave=True
            )
        if enabled and (self.use_bar or heartbeat > 0):
            self._thread = threading.Thread(target=self._tick, name="segkit-progress", daemon=True)
            self._thread.start()

    # -- the public calls --------------------------------------------------------------------

    def start(self, name: str) -> None:
        """Mark the previous stage done and ``name`` started."""
        with self._lock:
            self._finish_current()
            self.index += 1
            self.current, self._t0 = name, time.perf_counter()
            if not self.enabled:
                return
            if self._bar is not None:
                self._bar.set_postfix_str(name)
            else:
                self._line(f"{self.desc} [{self.index}/{len(self.stages)}] {name}")

    def note(self, text: str) -> None:
        """One line of information that does not break the bar (nothing when quiet)."""
        if not self.enabled:
            return
        with self._lock:
            if self._bar is not None:
                self._bar.write(text, file=self.file)
            else:
                self._line(text)

    def close(self) -> None:
        """Mark the last stage done and stop the bar and the heartbeat."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self._finish_current()
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    def __enter__(self) -> Stages:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.current = None  # a failed stage is not counted as done
        self.close()

    # -- internals -----------------------------------------------------------------------------

    def _finish_current(self) -> None:
        if self.current is None:
            return
        self.times[self.current] = time.perf_counter() - self._t0
        if self._bar is not None:
            self._bar.update(1)
        self.current = None

    def _line(self, text: str) -> None:
        print(text, file=self.file, flush=True)
        self._last_line = time.perf_counter()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                if self._bar is not None:
                    self._bar.refresh()  # the elapsed time moves even within a long stage
                    continue
                now = time.perf_counter()
                if self.current is not None and now - self._last_line >= self.heartbeat:
                    running = now - self._t0
                    self._line(f"{self.desc} … still running {self.current} ({running:.0f} s)")
