"""The notebook parameters of a report run, safe by construction, and the run's input files.

papermill receives only the names a notebook declares that are also in
:data:`~segkit.config.NOTEBOOK_PARAMETERS` (:func:`select_parameters`); every string value is
the run folder or a literal from a closed set (:data:`CLOSED_STRINGS`); and the parameter code
papermill will inject is generated with papermill's own translator and checked with
:mod:`ast` to consist of literal assignments that evaluate back to exactly those values
(:func:`check_parameter_code`).

Examples
--------
>>> select_parameters(["run_dir", "seed", "extra"], {"run_dir": "/r", "seed": 1, "k": 3}, "/r")
{'run_dir': '/r', 'seed': 1}
>>> check_parameter_code('# Parameters\\nseed = 1\\n', {"seed": 1})
>>> check_parameter_code('seed = 1; import os\\n', {"seed": 1})
Traceback (most recent call last):
...
segkit.workflow.report_params.ParameterError: the generated parameter cell is not only literal ...
"""

from __future__ import annotations

import ast
import glob
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args

from segkit import paths
from segkit.config import NOTEBOOK_PARAMETERS, RunConfig, SegmentSpec
from segkit.errors import InputError, SegkitError
from segkit.workflow.report_kernel import KERNEL_NAME

#: string parameters other than ``run_dir`` may only take these values
CLOSED_STRINGS: dict[str, tuple[str, ...]] = {
    "language": get_args(RunConfig.model_fields["language"].annotation),
    "method": get_args(SegmentSpec.model_fields["method"].annotation),
}


class ParameterError(SegkitError, ValueError):
    """A notebook parameter that cannot be passed safely."""


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
        role = {"customers": "customer table"}.get(cfg.source.kind, cfg.source.kind)
        full, found = _resolve(cfg.source.path, root, role, pattern=True)
        update["source"] = cfg.source.model_copy(update={"path": full})
        files += [{"role": role, "path": str(m)} for m in found]
    if cfg.master is not None:
        full, found = _resolve(cfg.master.path, root, "customer master")
        update["master"] = cfg.master.model_copy(update={"path": full})
        files += [{"role": "master", "path": str(m)} for m in found]
    if cfg.survey is not None:
        full, found = _resolve(cfg.survey, root, "survey")
        update["survey"] = full
        files += [{"role": "survey", "path": str(m)} for m in found]
    return cfg.model_copy(update=update), files


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


def check_run_root(root: Path) -> None:
    """Refuse a reports folder whose path cannot be passed to a notebook as a literal."""
    probe = (root / "client" / "20000101-000000-abcdef").resolve().as_posix()
    check_parameter_code(parameter_code({"run_dir": probe}), {"run_dir": probe})
