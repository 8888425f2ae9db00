"""Executing the notebooks of a report run: the Jupyter kernel (registered once, shared by
the notebooks of a run, over IPC sockets), papermill, the published executed notebook and
what a failing notebook says; and the run's ``run.log``.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segkit.atomic import DiskFullError, is_disk_full, publish
from segkit.errors import SegkitError
from segkit.privacy import install_log_masking, mask_text

log = logging.getLogger("segkit.workflow.report")

#: the Jupyter kernel the notebooks run in (registered in the venv on first use)
KERNEL_NAME = "segkit"


class StepFailed(SegkitError):
    """A notebook of the run failed; the run folder keeps the executed notebook."""

    def __init__(self, message: str, *, run_dir: Path, notebook: str, output: Path) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.notebook = notebook
        self.output = output


@dataclass
class StepRun:
    """One executed notebook."""

    name: str
    source: Path
    output: Path
    parameters: dict[str, Any]
    seconds: float = 0.0
    status: str = "pending"


def ensure_kernel() -> str:
    """Register the ``segkit`` kernel for this Python (``sys.prefix``) unless it already
    points at this interpreter; returns its name."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def current() -> bool:
        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return False
        return bool(spec.argv) and Path(spec.argv[0]) == Path(sys.executable)

    if not current():
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL_NAME, display_name="segkit (Python 3)", prefix=sys.prefix)
        log.info("registered the %s kernel in %s", KERNEL_NAME, sys.prefix)
        if not current():
            raise SegkitError(
                f"a Jupyter kernel named {KERNEL_NAME!r} outside this environment shadows "
                f"segkit's; remove it (jupyter kernelspec remove {KERNEL_NAME})"
            )
    return KERNEL_NAME


def _pm_path(path: Path) -> str:
    """papermill runs ``str.format`` on paths: escape braces so they stay literal."""
    return str(path).replace("{", "{{").replace("}", "}}")


class _PapermillNoise(logging.Filter):
    """papermill's own parameter inspector cannot read a help comment containing ``=`` and
    then warns about parameters we checked ourselves (:func:`declared_parameters`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not msg.startswith(("Passed unknown parameter", "Unable to parse line"))


class _RunLog(logging.FileHandler):
    """``run.log``: a line that cannot be written (a full disk) is dropped quietly instead of
    printing logging's traceback to stderr; the failure itself reaches the manifest."""

    dropped = 0

    def handleError(self, record: logging.LogRecord) -> None:  # logging's name
        self.dropped += 1


def log_to(path: Path) -> logging.Handler:
    handler = _RunLog(path, encoding="utf-8")
    handler.addFilter(_PapermillNoise())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("segkit", "papermill"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
        install_log_masking(logger)
    return handler


def unlog(handler: logging.Handler) -> None:
    for name in ("segkit", "papermill"):
        logging.getLogger(name).removeHandler(handler)
    handler.close()


def _failure_message(name: str, output: Path, exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        where = f"at cell {exc.cell_index} (In [{exc.exec_count}])"
        what = f"{exc.ename}: {exc.evalue}"
    elif is_disk_full(exc):
        where, what = "while writing the executed notebook", str(DiskFullError(output))
    else:
        where, what = "while running", f"{type(exc).__name__}: {exc}"
    what = mask_text(what.strip().splitlines()[0] if what.strip() else what)[:500]
    kept = (
        f"the executed notebook with the error is kept: {output}"
        if output.is_file()
        else "the executed notebook could not be kept"
    )
    return f"step {name} failed {where}: {what}\n{kept}"


@contextlib.contextmanager
def shared_kernel(kernel_name: str, cwd: Path) -> Iterator[Any]:
    """One kernel for all notebooks of a run (started in the run folder, shut down after).

    Starting a kernel and importing the scientific stack costs about 3 s per notebook; the
    notebooks still run on their own (nbval tests each with its default parameters).
    """
    import tempfile

    from jupyter_client.manager import KernelManager

    # IPC transport: the kernel's sockets are files in a private folder (mode 0700) instead of
    # TCP ports on localhost, so no other user can reach them and ipykernel has no reason to
    # warn "Kernel is running over TCP without encryption" (dependency notes P7). The folder
    # is short (/tmp/segkit-kernel-XXXX) because a socket path is limited to ~100 bytes.
    with tempfile.TemporaryDirectory(prefix="segkit-kernel-") as sockets:
        km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=f"{sockets}/k")
        km.start_kernel(cwd=str(cwd))
        try:
            yield km
        finally:
            km.shutdown_kernel(now=True)
            km.cleanup_resources()


def _keep_notebook(tmp: Path, output: Path) -> None:
    """Publish papermill's output notebook under its name if it is a whole notebook (it is
    rewritten after every cell, so a full disk can cut it); otherwise remove it."""
    import nbformat

    try:
        nb = nbformat.read(tmp, as_version=4)
    except Exception:  # cut or missing: nothing whole to keep
        tmp.unlink(missing_ok=True)
        return
    try:
        meta = nb.metadata.get("papermill")
        if meta is not None and meta.get("output_path") != str(output):
            meta["output_path"] = str(output)  # the name it is published under
            nbformat.write(nb, tmp)
        publish(tmp, output)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def execute_step(step: StepRun, *, kernel: str, km: Any, run_dir: Path) -> None:
    """Execute one notebook with papermill in the shared kernel ``km``; the executed notebook
    is written to a temporary name and published whole (:func:`_keep_notebook`).

    Raises
    ------
    StepFailed
        The notebook failed; the executed notebook with the error is kept when it is whole.
    """
    import papermill as pm

    t0 = time.perf_counter()
    partial = step.output.with_name(f".{step.name}.partial.ipynb")
    try:
        pm.execute_notebook(
            _pm_path(step.source),
            _pm_path(partial),
            parameters=step.parameters,
            kernel_name=kernel,
            language="python",
            progress_bar=False,
            cwd=str(run_dir),
            km=km,
        )
        _keep_notebook(partial, step.output)
    except Exception as exc:
        step.seconds, step.status = time.perf_counter() - t0, "failed"
        with contextlib.suppress(OSError):
            _keep_notebook(partial, step.output)
        message = _failure_message(step.name, step.output, exc)
        log.error(message)
        raise StepFailed(message, run_dir=run_dir, notebook=step.name, output=step.output) from None
    step.seconds, step.status = time.perf_counter() - t0, "ok"
    log.info("step %s done in %.1f s", step.name, step.seconds)
