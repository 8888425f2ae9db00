"""Numeric input of the variable steps: a checked float frame, columns with no variation.

Shared by the screening filters (:mod:`segkit.variables.screening`) and factor analysis
(:mod:`segkit.variables.adequacy`, :mod:`segkit.variables.factor`,
:mod:`segkit.variables.reliability`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from segkit.errors import InputError

__all__ = ["checked_frame", "no_variation", "numeric_frame"]


def numeric_frame(X: Any, *, where: str) -> pd.DataFrame:
    """``X`` as a float DataFrame; raise :class:`InputError` naming non-numeric columns.

    Examples
    --------
    >>> numeric_frame(pd.DataFrame({"a": [1, 2], "b": [True, False]}), where="demo").dtypes.tolist()
    [dtype('float64'), dtype('float64')]
    >>> numeric_frame(pd.DataFrame({"a": [1], "id": ["x"]}), where="demo")
    Traceback (most recent call last):
    segkit.errors.InputError: column 'id': [NON_NUMERIC] demo needs numeric columns; ...
    """
    if isinstance(X, pd.DataFrame):
        bad = [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:
            raise InputError(
                f"{where} needs numeric columns; non-numeric: {', '.join(bad)}. "
                "Select or encode them first, e.g. frame.select_dtypes('number').",
                column=bad[0],
                code="NON_NUMERIC",
            )
        return X.astype("float64")
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise InputError(f"{where} needs a 2-D table, got {arr.ndim} dimension(s)", code="NOT_2D")
    try:
        values = arr.astype("float64")
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where} needs numeric values: {exc}", code="NON_NUMERIC") from exc
    return pd.DataFrame(values, columns=[f"x{i}" for i in range(arr.shape[1])])


def checked_frame(estimator: Any, X: Any, *, reset: bool) -> pd.DataFrame:
    """:func:`numeric_frame` plus scikit-learn's ``n_features_in_``/``feature_names_in_``.

    Columns are the fitted feature names (``x0, x1, ...`` for arrays).
    """
    frame = numeric_frame(X, where=type(estimator).__name__)
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = [f"x{i}" for i in range(frame.shape[1])]
    frame.columns = list(names)
    return frame


def no_variation(frame: pd.DataFrame) -> dict[str, str]:
    """Columns that are constant or entirely missing, with the reason text."""
    out: dict[str, str] = {}
    for col in frame.columns:
        values = frame[col].dropna()
        if values.empty:
            out[col] = "zero variance: all values missing"
        elif values.nunique() == 1:
            out[col] = f"zero variance: constant {values.iloc[0]:g}"
    return out
