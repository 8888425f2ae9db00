"""Collect (method step 1, and the integration that ends step 2): client exports in, one
typed, audited transaction table and one customer table out.

The public API, importable from here (``from segkit.collect import collect, read_table``):

* :func:`collect` / :func:`collect_frame` → :class:`Collected` (:mod:`.sources`,
  :mod:`.collected`); :func:`collected_from_parquet` hands step 1's result to step 2;
* :func:`read_table` for a customer master or a survey (:mod:`.side_tables`);
* :func:`integrate` → :class:`Integrated` (:mod:`.integration`), with the master's identity
  checks (:mod:`.identity`);
* :func:`detect_encoding`, :func:`file_sha256`, :func:`read_excel_text`,
  :func:`parse_amounts`, :func:`parse_dates` and :data:`QUARANTINE_COLUMNS`.

The names are loaded on first use (PEP 562): :mod:`segkit.engine` imports
:mod:`segkit.collect.parse`, and :mod:`.sources` imports :mod:`segkit.engine`, so a package
``__init__`` that imported :mod:`.sources` eagerly would run half-way through importing the
engine. No sub-module shares a public name (hence :mod:`.integration`, not ``integrate``):
once imported, a sub-module is an attribute of the package and would hide the function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segkit.collect.collected import Collected, collected_from_parquet
    from segkit.collect.encoding import detect_encoding
    from segkit.collect.excel import read_excel_text
    from segkit.collect.files import file_sha256
    from segkit.collect.integration import Integrated, integrate
    from segkit.collect.parse import parse_amounts, parse_dates
    from segkit.collect.quarantine import QUARANTINE_COLUMNS
    from segkit.collect.side_tables import read_table
    from segkit.collect.sources import collect, collect_frame

#: public name → the module that defines it
_HOMES = {
    "Collected": "collected",
    "collected_from_parquet": "collected",
    "detect_encoding": "encoding",
    "read_excel_text": "excel",
    "file_sha256": "files",
    "Integrated": "integration",
    "integrate": "integration",
    "parse_amounts": "parse",
    "parse_dates": "parse",
    "QUARANTINE_COLUMNS": "quarantine",
    "read_table": "side_tables",
    "collect": "sources",
    "collect_frame": "sources",
}

__all__ = [
    "QUARANTINE_COLUMNS",
    "Collected",
    "Integrated",
    "collect",
    "collect_frame",
    "collected_from_parquet",
    "detect_encoding",
    "file_sha256",
    "integrate",
    "parse_amounts",
    "parse_dates",
    "read_excel_text",
    "read_table",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
