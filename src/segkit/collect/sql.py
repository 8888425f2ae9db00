"""SQL text for values and names that come from the client's files.

Every file path, header and missing-value marker that reaches a DuckDB statement goes
through one of these two quoters, so a quote in a column name cannot end the literal.

Examples
--------
>>> print(sql_str("O'Neil"), sql_ident('a"b'))
'O''Neil' "a""b"
"""

from __future__ import annotations


def sql_str(text: str) -> str:
    """A SQL string literal holding ``text``."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """A quoted SQL identifier (column or table name) for ``name``."""
    return '"' + name.replace('"', '""') + '"'
