"""The spreadsheet formula guard: no data value can come out of segkit as a formula.

Spreadsheets evaluate text cells that start with ``= + - @`` or a tab / carriage return
(OWASP: CSV injection). pandas writes such strings verbatim. :func:`safe_frame` prefixes
them with ``'`` — text cells only; real numbers, negative ones included, stay numbers.
CSV outputs are meant for spreadsheets and keep this guard; where segkit reads its own CSV
back it undoes it (:func:`unescape_frame`), so data such as an id ``+8613800138001`` is
never changed by a round trip. The workbook writer (:mod:`segkit.outputs.excel_writer`)
uses the same :data:`TRIGGERS` to give such cells Excel's quote prefix.

Examples
--------
>>> import pandas as pd
>>> safe_frame(pd.DataFrame({"name": ["=HYPERLINK(1)", "张三"], "x": [-1.5, 2.0]})).to_dict("list")
{'name': ["'=HYPERLINK(1)", '张三'], 'x': [-1.5, 2.0]}
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

#: first characters that make a spreadsheet evaluate a text cell
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


_QUOTED = (*TRIGGERS, "'")


def _escape(value: object) -> object:
    # a value that already starts with ' + trigger (or '') is quoted too: the escape is
    # reversible, so :func:`unescape_frame` gives back exactly what was written
    if isinstance(value, str) and (
        value.startswith(TRIGGERS) or (value.startswith("'") and value[1:].startswith(_QUOTED))
    ):
        return "'" + value
    return value


def unescape(value: object) -> object:
    """Undo :func:`safe_frame`'s quote on one cell.

    Examples
    --------
    >>> [unescape(_escape(v)) for v in ["+8613800138001", "'=x", "'abc", "''", "-"]]
    ['+8613800138001', "'=x", "'abc", "''", '-']
    """
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_QUOTED):
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, fn: Callable[[object], object]) -> pd.DataFrame:
    """A copy with ``fn`` applied to every column name and every text cell."""
    out = frame.copy()
    out.columns = [fn(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(fn, na_action="ignore")
    return out


def unescape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV written by :func:`~segkit.outputs.tables.write_table` read back as the data it
    was written from: the spreadsheet guard (``'`` before ``= + - @`` …) is removed from
    text cells and headers.

    segkit's CSV outputs are meant for spreadsheets and keep the guard; every place where
    segkit reads one of its own CSVs back (run artefacts, ``segkit segment`` on a profile
    CSV) calls this, so an id such as ``+8613800138001`` survives a round trip.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> safe_frame(pd.DataFrame({"customer_id": ["+8613800138001", "C1"]})).to_csv(buf, index=False)
    >>> back = pd.read_csv(io.StringIO(buf.getvalue()), dtype=str)
    >>> back["customer_id"].tolist(), unescape_frame(back)["customer_id"].tolist()
    (["'+8613800138001", 'C1'], ['+8613800138001', 'C1'])
    """
    return _map_text(frame, unescape)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell that a spreadsheet would execute escaped."""
    return _map_text(frame, _escape)
