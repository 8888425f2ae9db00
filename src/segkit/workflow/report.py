"""``segkit report``: one config → a new run folder with executed notebooks, report and table.

:func:`run_report` validates nothing itself (the config is a :class:`~segkit.config.RunConfig`
already); it resolves the input paths, creates ``reports/<client>/<timestamp>-<id>/``, writes
``params.yaml``, executes the notebooks of :data:`segkit.workflow.artefacts.NOTEBOOKS` in order with
papermill (progress per notebook, see :mod:`segkit.progress`), then builds ``report.html``
(:mod:`segkit.outputs.html`), ``segments.xlsx`` (:mod:`segkit.outputs.excel`) and ``manifest.json``.
A failing notebook stops the run: the executed notebook with the error stays in the run folder,
the manifest says which step failed, and :class:`~segkit.workflow.report_kernel.StepFailed`
carries a one-line message.

The run's parts: the notebook parameters and input files (:mod:`segkit.workflow.report_params`),
the kernel and papermill (:mod:`segkit.workflow.report_kernel`), the manifest
(:mod:`segkit.workflow.report_manifest`).

Where the notebooks come from (:func:`default_notebooks_dir`): ``$SEGKIT_NOTEBOOKS``, else
the package's ``segkit/notebooks/`` (package data: in the wheel, and in the checkout, whose
top-level ``notebooks/`` is a link to it for JupyterLab).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segkit import paths
from segkit.atomic import DiskFullError, is_disk_full, write_text
from segkit.config import RunConfig, notebook_parameters
from segkit.errors import SegkitError
from segkit.privacy import install_log_masking, mask_text
from segkit.workflow.artefacts import NOTEBOOKS, RunFolder, private_config_path
from segkit.workflow.report_kernel import (
    StepFailed,
    StepRun,
    ensure_kernel,
    execute_step,
    log_to,
    shared_kernel,
    unlog,
)
from segkit.workflow.report_manifest import (
    as_of_record,
    failure_record,
    finish_manifest,
    input_records,
    sha256_file,
    start_manifest,
)
from segkit.workflow.report_params import (
    check_parameter_code,
    check_run_root,
    declared_parameters,
    parameter_code,
    resolve_inputs,
    select_parameters,
)

log = logging.getLogger("segkit.workflow.report")

#: the stages after the notebooks, shown in the run's progress
FINAL_STAGES = ("report.html", "segments.xlsx")
NOTEBOOKS_ENV = "SEGKIT_NOTEBOOKS"


@dataclass
class ReportRun:
    """What :func:`run_report` produced."""

    run_dir: Path
    steps: list[StepRun] = field(default_factory=list)
    report: Path | None = None
    excel: Path | None = None
    manifest: Path | None = None
    notes: list[str] = field(default_factory=list)


def default_notebooks_dir() -> Path:
    """The notebooks a run executes: ``$SEGKIT_NOTEBOOKS``, else the package's own
    ``segkit/notebooks`` (shipped in the wheel; the checkout's ``notebooks/`` links to it)."""
    if env := os.environ.get(NOTEBOOKS_ENV):
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[1] / "notebooks"


@dataclass
class _Plan:
    """What a run needs before its folder exists: the config with absolute input paths, the
    input files, the notebooks to run and the kernel."""

    cfg: RunConfig
    inputs: list[dict[str, Any]]
    notebooks_dir: Path
    present: list[str]
    root: Path
    kernel: str


def _plan(
    cfg: RunConfig, notebooks_dir: str | Path | None, reports_root: str | Path | None, base: Any
) -> _Plan:
    cfg, inputs = resolve_inputs(cfg, base)
    nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else default_notebooks_dir()
    present = list(steps_present(nb_dir))
    if not present:
        raise SegkitError(f"no report notebooks ({NOTEBOOKS[0]}.ipynb …) found in {nb_dir}")
    root = Path(reports_root) if reports_root is not None else paths.reports_dir()
    check_run_root(root)
    return _Plan(cfg, inputs, nb_dir, present, root, ensure_kernel())


def _write_params(plan: _Plan, folder: RunFolder, manifest: dict[str, Any]) -> None:
    """``params.yaml`` (masked; the config as given kept beside the run folder when it had to
    be) and the inputs' hashes in the manifest."""
    as_given = plan.cfg.to_yaml()
    shown = mask_text(as_given)  # a phone in a file or column name the config gives
    if shown != as_given:
        private = private_config_path(folder.root)
        private.parent.mkdir(mode=0o700, exist_ok=True)
        write_text(private, as_given)
        log.info("params.yaml masked; the config as given is kept outside the run folder")
    params_path = write_text(folder.path("params"), shown)
    manifest["params_sha256"] = sha256_file(params_path)
    log.info(
        "run %s: %d notebooks from %s", folder.root.name, len(plan.present), plan.notebooks_dir
    )
    manifest["inputs"] = input_records(plan.inputs)


def _run_notebooks(
    plan: _Plan, folder: RunFolder, result: ReportRun, manifest: dict[str, Any], stages: Any
) -> None:
    """Execute the notebooks in order in one kernel; the first failure stops the run."""
    run_dir = folder.root
    values = notebook_parameters(plan.cfg, run_dir)
    values["run_dir"] = run_dir.as_posix()
    out_dir = folder.path("notebooks")
    out_dir.mkdir()
    with shared_kernel(plan.kernel, run_dir) as km:
        for name in plan.present:
            stages.start(name)
            src = plan.notebooks_dir / f"{name}.ipynb"
            params = select_parameters(declared_parameters(src), values, run_dir.as_posix())
            check_parameter_code(parameter_code(params), params)
            step = StepRun(name, src, out_dir / f"{name}.ipynb", params)
            result.steps.append(step)
            log.info("step %s: parameters %s", name, sorted(params))
            try:
                execute_step(step, kernel=plan.kernel, km=km, run_dir=run_dir)
            except StepFailed as exc:
                manifest["failed"] = {"notebook": name, "message": str(exc)}
                raise


def _build_report(
    plan: _Plan, folder: RunFolder, result: ReportRun, manifest: dict[str, Any], stages: Any
) -> None:
    """``report.html`` from the executed notebooks and the artefacts."""
    from segkit.outputs.html import build_report

    stages.start(FINAL_STAGES[0])
    t0 = time.perf_counter()
    manifest["as_of"] = as_of_record(plan.cfg, folder)
    result.report = build_report(
        folder, plan.cfg, [s.output for s in result.steps], as_of=manifest["as_of"]["value"]
    )
    manifest["report_seconds"] = round(time.perf_counter() - t0, 2)


def _build_table(
    plan: _Plan, folder: RunFolder, result: ReportRun, manifest: dict[str, Any], stages: Any
) -> None:
    """``segments.xlsx``, the classification table, when the run has a customer table."""
    from segkit.outputs.excel import write_segments_workbook

    stages.start(FINAL_STAGES[1])
    t0 = time.perf_counter()
    if folder.exists("customers") or folder.exists("profile"):
        result.excel = write_segments_workbook(folder, plan.cfg)
        manifest["excel_seconds"] = round(time.perf_counter() - t0, 2)
    else:
        result.notes.append(
            "segments.xlsx not written: the run has no customer table "
            "(artefacts/02_customers.parquet or 02_profile.parquet; step 02)"
        )
        log.warning(result.notes[-1])


def _write_manifest(
    folder: RunFolder, result: ReportRun, manifest: dict[str, Any], *, finished: bool
) -> None:
    """``manifest.json``, atomic: whole (saying what failed) or absent, never cut."""
    try:
        result.manifest = folder.write_json("manifest", manifest)
    except OSError as exc:
        log.error("manifest.json not written: %s", exc)
        if finished:  # otherwise the run's own failure is the one to report
            raise


def run_report(
    cfg: RunConfig,
    *,
    notebooks_dir: str | Path | None = None,
    reports_root: str | Path | None = None,
    base: str | Path | None = None,
    progress: bool = True,
    progress_bar: bool | None = None,
) -> ReportRun:
    """Execute a whole report run; see the module docstring.

    Parameters
    ----------
    cfg : RunConfig
        The validated run config.
    notebooks_dir : path, optional
        Folder holding ``00_overview.ipynb`` … (default :func:`default_notebooks_dir`); the
        notebooks of :data:`~segkit.workflow.artefacts.NOTEBOOKS` that exist there run, in order.
    reports_root : path, optional
        Default :func:`segkit.paths.reports_dir`; the run goes to ``<root>/<client>/<run>/``.
    base : path, optional
        Folder that relative input paths in ``cfg`` are read from (default: the project folder).
    progress : bool
        Show progress over the notebooks and the report/table stage on stderr
        (:class:`segkit.progress.Stages`: a bar on a terminal, one line per stage elsewhere);
        ``False`` is quiet.
    progress_bar : bool, optional
        Force the bar (``True``) or plain lines (``False``); default: a bar on a terminal.

    Raises
    ------
    StepFailed
        A notebook failed (the run folder and its failed notebook are kept).
    InputError
        An input file of the config does not exist.
    """
    from segkit.progress import Stages

    install_log_masking()
    started = time.perf_counter()
    plan = _plan(cfg, notebooks_dir, reports_root, base)
    run_dir = paths.new_run_dir(plan.cfg.client, root=plan.root).resolve()
    folder = RunFolder(run_dir)
    result = ReportRun(run_dir=run_dir)
    handler = log_to(run_dir / "run.log")
    manifest = start_manifest(plan.cfg, run_dir, plan.notebooks_dir)
    stage, finished = "params.yaml", False
    try:
        _write_params(plan, folder, manifest)
        stages = Stages(
            "segkit report", [*plan.present, *FINAL_STAGES], enabled=progress, bar=progress_bar
        )
        with stages:
            stage = "notebooks"
            _run_notebooks(plan, folder, result, manifest, stages)
            stage = "report.html"
            _build_report(plan, folder, result, manifest, stages)
            stage = "segments.xlsx"
            _build_table(plan, folder, result, manifest, stages)
        manifest["notes"] = result.notes
        manifest["status"] = "ok"
        manifest["outputs"] = {
            p.name: sha256_file(p) for p in (result.report, result.excel) if p is not None
        }
        log.info("report %s", result.report)
        finished = True
    except StepFailed:
        raise
    except BaseException as exc:
        manifest["failed"] = failure_record(stage, exc)
        log.error("run failed at %s: %s", stage, manifest["failed"]["message"])
        if is_disk_full(exc) and not isinstance(exc, DiskFullError):
            raise DiskFullError(run_dir / stage) from None
        raise
    finally:
        finish_manifest(manifest, plan.cfg, folder, result.steps, started)
        try:
            _write_manifest(folder, result, manifest, finished=finished)
        finally:
            unlog(handler)
    return result


def report_summary(result: ReportRun) -> str:
    """Lines to print after a run: the steps and their times, and the outputs."""
    lines = [f"  {s.name:<24}{s.seconds:6.1f} s  {s.status}" for s in result.steps]
    lines.append(f"run folder: {result.run_dir}")
    lines += [f"note:       {n}" for n in result.notes]
    if result.excel is not None:
        lines.append(f"table:      {result.excel}")
    if result.report is not None:
        lines.append(f"report:     {result.report}")
    return "\n".join(lines)


def steps_present(notebooks_dir: str | Path) -> Sequence[str]:
    """The notebooks of :data:`NOTEBOOKS` present in ``notebooks_dir``, in run order."""
    return [n for n in NOTEBOOKS if (Path(notebooks_dir) / f"{n}.ipynb").is_file()]
