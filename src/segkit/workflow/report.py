"""``segkit report``: one config → a new run folder with executed notebooks, report and table.

:func:`run_report` validates nothing itself (the config is a :class:`~segkit.runconfig.RunConfig`
already); it resolves the input paths, creates ``reports/<client>/<timestamp>-<id>/``, writes
``params.yaml``, executes the notebooks of :data:`segkit.workflow.artefacts.NOTEBOOKS` in order with
papermill (progress per notebook, see :mod:`segkit.progress`), then builds ``report.html``
(:mod:`segkit.outputs.html`), ``segments.xlsx`` (:mod:`segkit.outputs.excel`) and ``manifest.json``.
A failing notebook stops the run: the executed notebook with the error stays in the run folder,
the manifest says which step failed, and :class:`StepFailed` carries a one-line message.

Notebook parameters are safe by construction: papermill receives only the names a notebook
declares that are also in :data:`~segkit.runconfig.NOTEBOOK_PARAMETERS`; every string value is
the run folder or a literal from a closed set; and the parameter code papermill will inject is
generated with papermill's own translator and checked with :mod:`ast` to consist of literal
assignments that evaluate back to exactly those values (:func:`check_parameter_code`).

Where the notebooks come from (:func:`default_notebooks_dir`): ``$SEGKIT_NOTEBOOKS``, else
the package's ``segkit/notebooks/`` (package data: in the wheel, and in the checkout, whose
top-level ``notebooks/`` is a link to it for JupyterLab).

Examples
--------
>>> select_parameters(["run_dir", "seed", "extra"], {"run_dir": "/r", "seed": 1, "k": 3}, "/r")
{'run_dir': '/r', 'seed': 1}
>>> check_parameter_code('# Parameters\\nseed = 1\\n', {"seed": 1})
>>> check_parameter_code('seed = 1; import os\\n', {"seed": 1})
Traceback (most recent call last):
...
segkit.workflow.report.ParameterError: the generated parameter cell is not only literal ...
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import glob
import hashlib
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, get_args

from segkit import __version__, paths
from segkit.atomic import DiskFullError, is_disk_full, publish, write_text
from segkit.config import NOTEBOOK_PARAMETERS, RunConfig, SegmentSpec, notebook_parameters
from segkit.errors import InputError, SegkitError
from segkit.privacy import install_log_masking, mask_text
from segkit.workflow.artefacts import NOTEBOOKS, RunFolder, private_config_path

log = logging.getLogger("segkit.workflow.report")

#: the stages after the notebooks, shown in the run's progress
FINAL_STAGES = ("report.html", "segments.xlsx")
#: the Jupyter kernel the notebooks run in (registered in the venv on first use)
KERNEL_NAME = "segkit"
NOTEBOOKS_ENV = "SEGKIT_NOTEBOOKS"
#: string parameters other than ``run_dir`` may only take these values
CLOSED_STRINGS: dict[str, tuple[str, ...]] = {
    "language": get_args(RunConfig.model_fields["language"].annotation),
    "method": get_args(SegmentSpec.model_fields["method"].annotation),
}
_VERSIONS = (
    "pandas", "numpy", "duckdb", "pyarrow", "scikit-learn", "scipy", "factor-analyzer",
    "matplotlib", "seaborn", "papermill", "nbformat", "nbconvert", "nbclient", "ipykernel",
    "openpyxl", "nh3", "pydantic",
)  # fmt: skip


class ParameterError(SegkitError, ValueError):
    """A notebook parameter that cannot be passed safely."""


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


@dataclass
class ReportRun:
    """What :func:`run_report` produced."""

    run_dir: Path
    steps: list[StepRun] = field(default_factory=list)
    report: Path | None = None
    excel: Path | None = None
    manifest: Path | None = None
    notes: list[str] = field(default_factory=list)


# --- where the notebooks are ------------------------------------------------------------------


def default_notebooks_dir() -> Path:
    """The notebooks a run executes: ``$SEGKIT_NOTEBOOKS``, else the package's own
    ``segkit/notebooks`` (shipped in the wheel; the checkout's ``notebooks/`` links to it)."""
    if env := os.environ.get(NOTEBOOKS_ENV):
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[1] / "notebooks"


# --- inputs -----------------------------------------------------------------------------------


def _resolve(path: str, base: Path, role: str, *, pattern: bool = False) -> tuple[str, list[Path]]:
    p = Path(path).expanduser()
    full = p if p.is_absolute() else base / p
    matches = sorted(Path(m) for m in glob.glob(str(full))) if pattern else [full] * full.is_file()
    if not matches:
        raise InputError(
            f"{role} file not found: {full} (relative paths are read from {base})",
            file=path,
            code="MISSING_FILE",
        )
    return str(full), matches


def resolve_inputs(cfg: RunConfig, base: str | Path | None = None) -> tuple[RunConfig, list[dict]]:
    """Make the config's file paths absolute (relative to ``base``, default the project folder
    :func:`segkit.paths.home`) and check that they exist; returns the new config and the list
    of input files (role, path) for the manifest."""
    root = Path(base) if base is not None else paths.home()
    update: dict[str, Any] = {}
    files: list[dict] = []
    if cfg.source is not None:
        full, found = _resolve(cfg.source.path, root, "transactions", pattern=True)
        update["source"] = cfg.source.model_copy(update={"path": full})
        files += [{"role": "transactions", "path": str(m)} for m in found]
    if cfg.master is not None:
        full, found = _resolve(cfg.master.path, root, "customer master")
        update["master"] = cfg.master.model_copy(update={"path": full})
        files += [{"role": "master", "path": str(m)} for m in found]
    if cfg.survey is not None:
        full, found = _resolve(cfg.survey, root, "survey")
        update["survey"] = full
        files += [{"role": "survey", "path": str(m)} for m in found]
    return cfg.model_copy(update=update), files


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- parameters -------------------------------------------------------------------------------


def select_parameters(
    declared: Iterable[str], values: Mapping[str, Any], run_dir: str
) -> dict[str, Any]:
    """The papermill parameters of one notebook: the declared names that are in
    :data:`NOTEBOOK_PARAMETERS`, with values checked for type and, for strings, against the
    run folder or :data:`CLOSED_STRINGS`."""
    out: dict[str, Any] = {}
    for name in declared:
        if name not in NOTEBOOK_PARAMETERS or name not in values:
            continue
        value, kind = values[name], NOTEBOOK_PARAMETERS[name]
        if type(value) is not kind:
            raise ParameterError(f"parameter {name!r} must be {kind.__name__}, got {value!r}")
        if kind is str:
            allowed = (run_dir,) if name == "run_dir" else CLOSED_STRINGS.get(name, ())
            if value not in allowed:
                raise ParameterError(f"parameter {name!r}: {value!r} is not one of {allowed}")
        out[name] = value
    return out


def declared_parameters(notebook: str | Path) -> list[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (parsed with :mod:`ast`;
    papermill's own inspector skips a line whose help comment contains ``=``)."""
    import nbformat

    nb = nbformat.read(Path(notebook), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return []
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as exc:
        raise ParameterError(
            f"{Path(notebook).name}: the parameters cell does not parse: {exc}"
        ) from None
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    raise ParameterError(f"parameter value is not a literal: {ast.unparse(node)[:80]}")


def check_parameter_code(code: str, expected: Mapping[str, Any]) -> None:
    """Raise :class:`ParameterError` unless ``code`` is only ``name = literal`` lines that
    assign exactly ``expected`` (same names, same values, same types)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise ParameterError(f"the generated parameter cell does not parse: {exc}") from None
    got: dict[str, Any] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            raise ParameterError(
                "the generated parameter cell is not only literal assignments: "
                f"{ast.unparse(node)[:80]!r}"
            )
        got[node.targets[0].id] = _literal(node.value)
    same = got.keys() == expected.keys() and all(
        type(got[k]) is type(v) and got[k] == v for k, v in expected.items()
    )
    if not same:
        raise ParameterError(
            "the generated parameter cell does not reproduce the parameters exactly "
            f"(names {sorted(got)} vs {sorted(expected)}); a value has characters papermill "
            "cannot pass safely (backslash, quote or control character)"
        )


def parameter_code(params: Mapping[str, Any]) -> str:
    """The code papermill injects for ``params`` (its own translator, as it will run it)."""
    from papermill.translators import translate_parameters

    return str(translate_parameters(KERNEL_NAME, "python", dict(params), "Parameters"))


def _pm_path(path: Path) -> str:
    """papermill runs ``str.format`` on paths: escape braces so they stay literal."""
    return str(path).replace("{", "{{").replace("}", "}}")


def check_run_root(root: Path) -> None:
    """Refuse a reports folder whose path cannot be passed to a notebook as a literal."""
    probe = (root / "client" / "20000101-000000-abcdef").resolve().as_posix()
    check_parameter_code(parameter_code({"run_dir": probe}), {"run_dir": probe})


# --- the kernel -------------------------------------------------------------------------------


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


# --- the run ----------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "segkit": __version__}
    for name in _VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["platform"] = platform.platform()
    return out


def _as_of(cfg: RunConfig, run: RunFolder) -> dict[str, str | None]:
    """The analysis date: from the config, else from the profile (last purchase + recency)."""
    if cfg.as_of is not None:
        return {"value": cfg.as_of.isoformat(), "source": "config"}
    if run.exists("profile"):
        import pandas as pd

        prof = pd.read_parquet(run.path("profile"), columns=["last_purchase", "recency_days"])
        prof = prof.dropna()
        if len(prof):
            row = prof.iloc[0]
            day = pd.Timestamp(row["last_purchase"]).normalize() + pd.Timedelta(
                days=int(row["recency_days"])
            )
            return {"value": day.date().isoformat(), "source": "profile (last purchase + recency)"}
    return {"value": None, "source": "unknown (the profile was not written)"}


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


def _log_to(path: Path) -> logging.Handler:
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


def _unlog(handler: logging.Handler) -> None:
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


def _failed(stage: str, exc: BaseException) -> dict[str, str]:
    """What the manifest says about a failure outside the notebooks (one masked line)."""
    if is_disk_full(exc):
        what = str(exc if isinstance(exc, DiskFullError) else DiskFullError(None))
    else:
        text = str(exc).strip()
        what = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
    return {"stage": stage, "message": mask_text(what)[:500]}


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
    import papermill as pm

    from segkit.progress import Stages

    install_log_masking()
    started = time.perf_counter()
    cfg, inputs = resolve_inputs(cfg, base)
    nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else default_notebooks_dir()
    present = [n for n in NOTEBOOKS if (nb_dir / f"{n}.ipynb").is_file()]
    if not present:
        raise SegkitError(f"no report notebooks ({NOTEBOOKS[0]}.ipynb …) found in {nb_dir}")
    root = Path(reports_root) if reports_root is not None else paths.reports_dir()
    check_run_root(root)
    kernel = ensure_kernel()

    run_dir = paths.new_run_dir(cfg.client, root=root).resolve()
    folder = RunFolder(run_dir)
    result = ReportRun(run_dir=run_dir)
    handler = _log_to(run_dir / "run.log")
    manifest: dict[str, Any] = {
        "segkit": __version__,
        "status": "running",
        "run_id": run_dir.name,
        "client": cfg.client,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "demo": cfg.demo.model_dump() if cfg.demo else None,
        "personal_data": {
            "report_html": "never shown",
            "segments_xlsx": "REIDENTIFIED: real names (report.reidentify = true)"
            if cfg.report.reidentify
            else "pseudonyms (keyed HMAC-SHA256)",
        },
        "notebooks_dir": str(nb_dir),
    }
    stage = "params.yaml"
    finished = False
    try:
        as_given = cfg.to_yaml()
        shown = mask_text(as_given)  # a phone in a file or column name the config gives
        if shown != as_given:
            private = private_config_path(run_dir)
            private.parent.mkdir(mode=0o700, exist_ok=True)
            write_text(private, as_given)
            log.info("params.yaml masked; the config as given is kept outside the run folder")
        params_path = write_text(folder.path("params"), shown)
        manifest["params_sha256"] = sha256_file(params_path)
        log.info("run %s: %d notebooks from %s", run_dir.name, len(present), nb_dir)
        manifest["inputs"] = [
            {
                **f,
                "path": mask_text(f["path"]),  # a phone in a file name stays out
                "bytes": Path(f["path"]).stat().st_size,
                "sha256": sha256_file(Path(f["path"])),
            }
            for f in inputs
        ]
        values = notebook_parameters(cfg, run_dir)
        values["run_dir"] = run_dir.as_posix()
        out_dir = folder.path("notebooks")
        out_dir.mkdir()
        stages = Stages(
            "segkit report", [*present, *FINAL_STAGES], enabled=progress, bar=progress_bar
        )
        stage = "notebooks"
        with stages:
            with shared_kernel(kernel, run_dir) as km:
                for name in present:
                    stages.start(name)
                    src = nb_dir / f"{name}.ipynb"
                    declared = declared_parameters(src)
                    params = select_parameters(declared, values, run_dir.as_posix())
                    check_parameter_code(parameter_code(params), params)
                    step = StepRun(name, src, out_dir / f"{name}.ipynb", params)
                    result.steps.append(step)
                    log.info("step %s: parameters %s", name, sorted(params))
                    t0 = time.perf_counter()
                    # papermill writes to a temporary name; the notebook is published whole
                    partial = step.output.with_name(f".{name}.partial.ipynb")
                    try:
                        pm.execute_notebook(
                            _pm_path(src),
                            _pm_path(partial),
                            parameters=params,
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
                        message = _failure_message(name, step.output, exc)
                        log.error(message)
                        manifest["failed"] = {"notebook": name, "message": message}
                        raise StepFailed(
                            message, run_dir=run_dir, notebook=name, output=step.output
                        ) from None
                    step.seconds, step.status = time.perf_counter() - t0, "ok"
                    log.info("step %s done in %.1f s", name, step.seconds)

            from segkit.outputs.excel import write_segments_workbook
            from segkit.outputs.html import build_report

            stages.start(FINAL_STAGES[0])
            t0 = time.perf_counter()
            stage = "report.html"
            manifest["as_of"] = _as_of(cfg, folder)
            result.report = build_report(
                folder, cfg, [s.output for s in result.steps], as_of=manifest["as_of"]["value"]
            )
            manifest["report_seconds"] = round(time.perf_counter() - t0, 2)
            stages.start(FINAL_STAGES[1])
            t0 = time.perf_counter()
            stage = "segments.xlsx"
            if folder.exists("customers") or folder.exists("profile"):
                result.excel = write_segments_workbook(folder, cfg)
                manifest["excel_seconds"] = round(time.perf_counter() - t0, 2)
            else:
                result.notes.append(
                    "segments.xlsx not written: the run has no customer table "
                    "(artefacts/02_customers.parquet or 02_profile.parquet; step 02)"
                )
                log.warning(result.notes[-1])
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
        manifest["failed"] = _failed(stage, exc)
        log.error("run failed at %s: %s", stage, manifest["failed"]["message"])
        if is_disk_full(exc) and not isinstance(exc, DiskFullError):
            raise DiskFullError(run_dir / stage) from None
        raise
    finally:
        manifest.setdefault("status", "failed")
        if manifest["status"] == "running":
            manifest["status"] = "failed"
        if "as_of" not in manifest:
            manifest["as_of"] = _as_of(cfg, folder)
        manifest["notebooks"] = [
            {
                "name": s.name,
                "source_sha256": sha256_file(s.source),
                "parameters": s.parameters,
                "seconds": round(s.seconds, 2),
                "status": s.status,
            }
            for s in result.steps
        ]
        manifest["versions"] = _versions()
        manifest["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        manifest["seconds"] = round(time.perf_counter() - started, 2)
        try:
            # atomic: manifest.json is whole (saying what failed) or absent, never cut
            result.manifest = folder.write_json("manifest", manifest)
        except OSError as exc:
            log.error("manifest.json not written: %s", exc)
            if finished:  # otherwise the run's own failure is the one to report
                raise
        finally:
            _unlog(handler)
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


def load_manifest(run_dir: str | Path) -> dict[str, Any]:
    """Read a run's ``manifest.json``."""
    return dict(json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8")))
