"""Segment labels and sizes (可操作性): labels aligned with a feature frame, segments too small.

* :func:`align_labels` — a labelling as a Series on the rows of a feature frame (every
  validation step starts here).
* :func:`check_segment_sizes` — size and share of every segment, flagging those too small to
  act on; :func:`small_segments_note` says which in one line.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from segkit.errors import InputError

__all__ = ["align_labels", "check_segment_sizes", "small_segments_note"]


def align_labels(frame: pd.DataFrame, labels: Any) -> pd.Series:
    """Return ``labels`` as a Series on ``frame.index`` (reordered if it is a permutation).

    Raises :class:`~segkit.errors.InputError` (``LABELS_NOT_ALIGNED``, ``MISSING_LABELS``).

    Examples
    --------
    >>> f = pd.DataFrame({"x": [1, 2]}, index=["a", "b"])
    >>> align_labels(f, pd.Series([2, 1], index=["b", "a"])).tolist()
    [1, 2]
    """
    if isinstance(labels, pd.Series):
        same = labels.index.equals(frame.index)
        if not same and not (
            len(labels) == len(frame)
            and labels.index.is_unique
            and frame.index.isin(labels.index).all()
        ):
            raise InputError("labels and features have different rows", code="LABELS_NOT_ALIGNED")
        out = labels.copy() if same else labels.reindex(frame.index)
    else:
        out = pd.Series(np.asarray(labels))
        if out.ndim != 1 or len(out) != len(frame):
            raise InputError(f"{len(out)} labels for {len(frame)} rows", code="LABELS_NOT_ALIGNED")
        out.index = frame.index
    if out.isna().any():
        raise InputError(f"{int(out.isna().sum())} rows have no segment", code="MISSING_LABELS")
    out.name = out.name if out.name is not None else "segment"
    return out


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def check_segment_sizes(
    labels: Any,
    *,
    min_size: int = 30,
    min_share: float = 0.02,
    on_small: Literal["flag", "warn", "raise"] = "flag",
) -> pd.DataFrame:
    """Size and share of every segment, flagging those too small to act on.

    Parameters
    ----------
    labels : Series or array-like
    min_size, min_share
        A segment is ``too_small`` below either; ``reason`` names the rule(s) that fired.
    on_small : {"flag", "warn", "raise"}
        Only flag, also warn (``UserWarning``), or raise ``InputError`` (``SMALL_SEGMENT``).

    Examples
    --------
    >>> check_segment_sizes(["a"] * 98 + ["b"] * 2, min_size=5)["too_small"].to_dict()
    {'a': False, 'b': True}
    """
    lab = pd.Series(np.asarray(labels))
    if lab.isna().any():
        raise InputError(f"{int(lab.isna().sum())} rows have no segment", code="MISSING_LABELS")
    segs, counts = np.unique(lab.to_numpy(), return_counts=True)
    share = counts / max(len(lab), 1)
    by_size, by_share = counts < min_size, share < min_share
    small = by_size | by_share
    reasons = [
        "; ".join(
            ([f"{n:,} < {min_size:,} customers (min_size)"] if sz else [])
            + ([f"share {p:.1%} < {min_share:.1%} (min_share)"] if sh else [])
        )
        for n, p, sz, sh in zip(counts, share, by_size, by_share, strict=True)
    ]
    table = pd.DataFrame(
        {"size": counts, "share": share, "too_small": small, "reason": reasons},
        index=pd.Index([_scalar(s) for s in segs], name="segment"),
    )
    flagged = table.index[table["too_small"]].tolist()
    if flagged and on_small != "flag":
        msg = small_segments_note(table)
        if on_small == "raise":
            raise InputError(msg, code="SMALL_SEGMENT")
        warnings.warn(msg, UserWarning, stacklevel=2)
    return table


def small_segments_note(sizes: pd.DataFrame) -> str:
    """One line naming each too-small segment and the rule that flagged it.

    ``sizes`` is a :func:`check_segment_sizes` table; empty string when none is flagged.

    Examples
    --------
    >>> t = check_segment_sizes(["a"] * 368 + ["b"] * 24_000 + ["c"] * 10, min_size=30)
    >>> small_segments_note(t)  # doctest: +NORMALIZE_WHITESPACE
    'segments too small to act on: a (368 customers: share 1.5% < 2.0% (min_share));
     c (10 customers: 10 < 30 customers (min_size); share 0.0% < 2.0% (min_share))'
    """
    flagged = sizes[sizes["too_small"]]
    if flagged.empty:
        return ""
    parts = [
        f"{seg} ({int(r['size']):,} customers: {r['reason']})" for seg, r in flagged.iterrows()
    ]
    return "segments too small to act on: " + "; ".join(parts)
