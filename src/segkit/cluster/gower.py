"""Gower's (1971) general dissimilarity for mixed numeric/categorical data (Gower 距离).

:func:`gower_distance` computes it as R ``cluster::daisy(x, metric = "gower")``: per
variable, numeric ``|x_i − x_j| / range`` and categorical 0 (same level) or 1 (different),
averaged over the variables. Shared by :class:`segkit.cluster.estimator.SegmentClusterer`
(``method="gower"``: Gower distance + average-linkage hierarchical clustering) and the k vote
on mixed data (:mod:`segkit.cluster.mixed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["gower_distance", "gower_ranges"]


def _is_categorical(s: pd.Series, name: str, cat: set[str]) -> bool:
    return name in cat or not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def gower_ranges(frame: pd.DataFrame, categorical: Sequence[str] = ()) -> dict[str, float]:
    """The range (max − min) of every numeric column: Gower's scale for each."""
    cat = set(map(str, categorical))
    return {str(c): float(np.ptp(frame[c].to_numpy(float))) for c in frame.columns
            if not _is_categorical(frame[c], str(c), cat)}  # fmt: skip


def gower_distance(
    frame: pd.DataFrame,
    categorical: Sequence[str] = (),
    *,
    other: pd.DataFrame | None = None,
    ranges: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Gower dissimilarities between the rows of ``frame`` (and ``other``), R ``daisy``'s.

    Parameters
    ----------
    frame : DataFrame
        Numeric and categorical columns, no missing values.
    categorical : sequence of str
        Columns compared by matching (non-numeric columns are categorical anyway).
    other : DataFrame, optional
        Rows to compare ``frame``'s rows with (same columns); default ``frame`` itself.
    ranges : mapping, optional
        Range of each numeric column (default: :func:`gower_ranges` of ``frame``); give the
        training data's to compare new rows on the same scale.

    Returns
    -------
    ndarray
        ``len(frame)`` × ``len(other)`` matrix, values in [0, 1] (zero diagonal when
        ``other`` is omitted). A column with zero range contributes 0, as in ``daisy``; a
        new row beyond the training range counts at most 1 on that column.

    Examples
    --------
    >>> f = pd.DataFrame({"spend": [0.0, 5.0, 10.0], "city": ["a", "a", "b"]})
    >>> gower_distance(f).round(3).tolist()
    [[0.0, 0.25, 1.0], [0.25, 0.0, 0.75], [1.0, 0.75, 0.0]]
    """
    cat = set(map(str, categorical))
    right = frame if other is None else other
    scale = gower_ranges(frame, categorical) if ranges is None else dict(ranges)
    total = np.zeros((len(frame), len(right)))
    for col in frame.columns:
        a, b = frame[col], right[col]
        if _is_categorical(a, str(col), cat):
            codes, _ = pd.factorize(pd.concat([a, b]).astype(str))
            total += codes[: len(a), None] != codes[None, len(a) :]
        elif (rng := scale.get(str(col), 0.0)) > 0:
            x, y = a.to_numpy(float), b.to_numpy(float)
            total += np.minimum(np.abs(x[:, None] - y[None, :]) / rng, 1.0)
    return total / max(frame.shape[1], 1)
