"""Issue 11: no output format imports another one.

The formats are ``html`` (``report.html``), ``excel`` (``segments.xlsx``) and ``tables``
(CSV / Parquet); a module belongs to a format when its name is the format or starts with it
and ``_`` (``html_summary``, ``excel_writer``). Everything else in :mod:`segkit.outputs` is
neutral (``cells``: the spreadsheet formula guard) and may be imported by any format, but
imports no format itself. Imports are read with :mod:`ast`, function-level ones included.
"""

from __future__ import annotations

import ast
from pathlib import Path

OUTPUTS = Path(__file__).resolve().parents[2] / "src" / "segkit" / "outputs"
FORMATS = ("html", "excel", "tables")


def format_of(module: str) -> str | None:
    """The format a module of ``segkit.outputs`` belongs to (``None``: neutral).

    Examples
    --------
    >>> format_of("html_summary"), format_of("excel"), format_of("cells")
    ('html', 'excel', None)
    """
    head = module.split("_")[0]
    return head if head in FORMATS else None


def outputs_imported(path: Path) -> set[str]:
    """The ``segkit.outputs`` modules (short names) that any import of ``path`` names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .cells import x / from . import cells
                base = f"segkit.outputs.{base}" if base else "segkit.outputs"
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["segkit", "outputs"] and len(parts) > 2:
                found.add(parts[2])
    return found


def test_the_reader_sees_relative_and_function_level_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from .cells import X\n\ndef f():\n    import segkit.outputs.excel\n")
    assert outputs_imported(module) == {"cells", "excel"}


def test_no_output_format_imports_another() -> None:
    modules = {p.stem: p for p in OUTPUTS.glob("*.py") if p.stem != "__init__"}
    assert {"html", "excel", "tables", "cells"} <= set(modules)
    wrong = [
        f"{name} ({format_of(name) or 'neutral'}) imports {other} ({format_of(other)})"
        for name, path in sorted(modules.items())
        for other in sorted(outputs_imported(path) - {name})
        if format_of(other) is not None and format_of(other) != format_of(name)
    ]
    assert not wrong, "; ".join(wrong)
    # and the check reads real edges: the workbook writer uses the neutral formula guard
    assert "cells" in outputs_imported(modules["excel_writer"])
