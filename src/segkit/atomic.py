"""Atomic output files: a file appears under its final name whole, or not at all.

Every output segkit writes goes through :func:`atomic_path`: the writer fills a temporary
file in the same folder (``.<name>.<random>.partial``), which is flushed to disk and then
published under the final name. Publishing uses a hard link, which fails if anything — a
file, a directory, a dangling symbolic link — already has that name, so an existing output
is never overwritten and a link is never written through; where hard links are not
supported the name is checked and the file renamed. On any failure the temporary file is
removed, and a full disk (``ENOSPC``, ``EDQUOT``) becomes a :class:`DiskFullError` that
says so plainly.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_text(folder / "a.txt", "whole").read_text()
'whole'
>>> with atomic_path(folder / "b.txt") as tmp:
...     _ = tmp.write_text("half")
...     raise RuntimeError("crash")
Traceback (most recent call last):
...
RuntimeError: crash
>>> sorted(p.name for p in folder.iterdir())
['a.txt']
>>> write_text(folder / "a.txt", "again")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
FileExistsError: ...a.txt exists; segkit never overwrites outputs
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import secrets
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from segkit.errors import SegkitError

#: errno values that mean "no room left" (disk full, quota exceeded)
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
PARTIAL_SUFFIX = ".partial"


class DiskFullError(SegkitError, OSError):
    """No space left on the device while writing an output; nothing was left under its name.

    Examples
    --------
    >>> err = DiskFullError(Path("/r/report.html"))
    >>> str(err)  # doctest: +ELLIPSIS
    'disk full: could not write report.html in /r (no space left on device); nothing was ...'
    >>> isinstance(err, OSError), err.errno == errno.ENOSPC
    (True, True)
    >>> str(DiskFullError(None))
    'disk full: no space left on device - free some space and run again'

    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is None:
            message = "disk full: no space left on device - free some space and run again"
        else:
            message = (
                f"disk full: could not write {self.path.name} in {self.path.parent} (no space "
                "left on device); nothing was left under that name - free some space and run "
                "again"
            )
        SegkitError.__init__(self, message)
        self.errno = errno.ENOSPC
        self.strerror = message

    def __str__(self) -> str:
        return str(self.strerror)


def is_disk_full(exc: BaseException | None) -> bool:
    """True for an :class:`OSError` that means the disk (or the quota) is full, also when a
    library wraps it (xlsxwriter's ``FileCreateError(OSError(...))``, a chained cause).

    Examples
    --------
    >>> full = OSError(errno.ENOSPC, "No space left on device")
    >>> is_disk_full(full), is_disk_full(RuntimeError(full)), is_disk_full(OSError(2, "x"))
    (True, True, False)
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            return True
        wrapped = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = wrapped or exc.__cause__ or exc.__context__
    return False


def refuse_existing(path: str | Path) -> None:
    """Raise :class:`FileExistsError` if anything has the name ``path`` — including a
    symbolic link whose target does not exist (``Path.exists`` follows links and says no)."""
    path = Path(path)
    if path.is_symlink():
        raise FileExistsError(
            f"{path} is a symbolic link; segkit never writes through a link or overwrites outputs"
        )
    if os.path.lexists(path):
        raise FileExistsError(f"{path} exists; segkit never overwrites outputs")


def _temporary(target: Path) -> Path:
    """A new empty file beside ``target`` (mode from the umask, like a plain ``open``)."""
    stem = target.name[:180]
    while True:
        tmp = target.with_name(f".{stem}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - 1 in 4 billion
            continue


def _fsync(path: Path) -> None:
    """Flush a written file to the device: a full disk shows here at the latest."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: str | Path, target: str | Path, *, overwrite: bool = False) -> Path:
    """Give the finished file ``tmp`` the name ``target`` in one step.

    Without ``overwrite`` nothing that already has the name is replaced (a hard link cannot
    be created over an existing name, a dangling link included); with it, the name is
    replaced (a link at that name is replaced, never followed).
    """
    tmp, target = Path(tmp), Path(target)
    _fsync(tmp)
    if overwrite:
        os.replace(tmp, target)
        return target
    try:
        os.link(tmp, target, follow_symlinks=False)
    except FileExistsError:
        refuse_existing(target)
        raise
    except OSError as exc:
        if is_disk_full(exc):
            raise
        # a file system without hard links: check the name, then rename
        refuse_existing(target)
        os.rename(tmp, target)
        return target
    tmp.unlink()
    return target


def _release(exc: BaseException) -> None:
    """Drop the locals of the finished frames an exception went through, so a writer's open
    file handle (xlsxwriter keeps its zip file in a local) is closed now: space held by an
    unlinked but still open file is not given back to a full disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    # a half-written zipfile.ZipFile (xlsxwriter's) closes itself when its frame is cleared,
    # and its ZipFile.__del__ cannot flush to the full disk either: Python would print that
    # second "No space left" as "Exception ignored … Traceback" on stderr. The first error
    # is already being reported (DiskFullError), so a disk-full error raised in a __del__
    # while the frames are cleared is dropped; anything else still reaches the usual hook.
    hook = sys.unraisablehook

    def quiet(unraisable: Any) -> None:
        if not is_disk_full(unraisable.exc_value):
            hook(unraisable)

    sys.unraisablehook = quiet
    try:
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            traceback.clear_frames(current.__traceback__)
            current = current.__cause__ or current.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary path for a writer; on success its file is published as ``path``.

    Parameters
    ----------
    path : str or Path
        The final name. Its folder is created if missing.
    overwrite : bool
        Replace an existing file of that name (only for files segkit regenerates, such as
        the demo data); by default an existing name is refused before anything is written.

    Raises
    ------
    FileExistsError
        ``path`` exists (or is a symbolic link) and ``overwrite`` is false.
    DiskFullError
        The disk filled up; the temporary file is removed and ``path`` does not exist.
    """
    target = Path(path)
    if not overwrite:
        refuse_existing(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = _temporary(target)
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(target) from None
        raise
    try:
        yield tmp
        publish(tmp, target, overwrite=overwrite)
    except BaseException as exc:
        _release(exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
        if is_disk_full(exc) and not isinstance(exc, DiskFullError):
            raise DiskFullError(target) from None
        raise


def write_text(path: str | Path, text: str, *, overwrite: bool = False) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_path`)."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def write_bytes(path: str | Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write bytes atomically (see :func:`atomic_path`)."""
    target = Path(path)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return target


@contextlib.contextmanager
def all_or_nothing() -> Iterator[list[Path]]:
    """Collect the paths a group of writes publishes; if the group fails, remove them.

    A set of outputs that belong together (a profile and its sidecars, the files of a
    segmentation) is then either complete or absent, so a rerun is not refused because of
    the half that was written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with all_or_nothing() as written:  # doctest: +ELLIPSIS
    ...     written.append(write_text(folder / "one.txt", "1"))
    ...     raise DiskFullError(folder / "two.txt")
    Traceback (most recent call last):
    ...
    segkit.atomic.DiskFullError: disk full: could not write two.txt ...
    >>> list(folder.iterdir())
    []
    """
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for p in written:
            with contextlib.suppress(OSError):
                p.unlink()
        raise
