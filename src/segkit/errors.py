"""Errors that name the file, sheet, row and column, with PII masked.

Every error segkit raises about a user's data is an :class:`InputError`. Its message
always starts with *where* (file, sheet, row, column) and a reason code, so an analyst can
open the file and find the cell; values quoted in the message pass through
:func:`segkit.privacy.mask_text` so phones and ID numbers never reach a log.
"""

from __future__ import annotations

from pathlib import Path


class SegkitError(Exception):
    """Base class of segkit's own errors."""


class InputError(SegkitError, ValueError):
    """Bad input data, located precisely.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, what to do about it.
    file, sheet, row, column : optional
        Where the problem is. ``row`` is the 1-based line (CSV) or row (Excel) number.
    code : str, optional
        A stable reason code such as ``MISSING_COLUMN`` or ``AMBIGUOUS_DATE``.

    Examples
    --------
    >>> err = InputError("no such column", file="tx.csv", column="金额", code="MISSING_COLUMN")
    >>> str(err)
    "file 'tx.csv', column '金额': [MISSING_COLUMN] no such column"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        code: str | None = None,
    ) -> None:
        from segkit.privacy import mask_text

        self.file = None if file is None else str(file)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.code = code
        self.detail = mask_text(message)
        super().__init__(self._format())

    def _format(self) -> str:
        from segkit.privacy import mask_text

        where = []
        if self.file is not None:
            where.append(f"file '{Path(self.file).name}'")
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = mask_text(", ".join(where))  # e.g. a phone in a file name
        code = f"[{self.code}] " if self.code else ""
        return f"{prefix}: {code}{self.detail}" if prefix else f"{code}{self.detail}"
