"""segkit.validate.sizes: labels aligned with the features, segments too small to act on."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from segkit.errors import InputError
from segkit.validate.sizes import align_labels, check_segment_sizes, small_segments_note


def test_align_labels() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3]}, index=["a", "b", "c"])
    assert align_labels(frame, pd.Series([3, 1, 2], index=["c", "a", "b"])).tolist() == [1, 2, 3]
    with pytest.raises(InputError, match="LABELS_NOT_ALIGNED"):
        align_labels(frame, pd.Series([1, 2, 3], index=["a", "b", "z"]))
    with pytest.raises(InputError, match="MISSING_LABELS"):
        align_labels(frame, [1.0, np.nan, 2.0])


# ---------------------------------------------------------------- segment sizes


def test_check_segment_sizes() -> None:
    labels = ["a"] * 950 + ["b"] * 40 + ["c"] * 10
    table = check_segment_sizes(labels)
    assert table["size"].tolist() == [950, 40, 10]
    assert table["share"].tolist() == [0.95, 0.04, 0.01]
    assert table["too_small"].tolist() == [False, False, True]  # c: 10 < 30 and 1 % < 2 %
    assert check_segment_sizes(labels, min_size=50)["too_small"].tolist() == [False, True, True]
    with pytest.warns(UserWarning, match="too small"):
        check_segment_sizes(labels, on_small="warn")
    with pytest.raises(InputError, match="SMALL_SEGMENT"):
        check_segment_sizes(labels, on_small="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_segment_sizes(["a"] * 100, on_small="warn")  # nothing small: no warning


def test_small_segment_note_names_the_rule_that_fired() -> None:
    """Issue 12: a segment of 368 flagged by the 2% share rule was noted "below 30 customers"."""
    labels = ["big"] * 20_000 + ["share"] * 368 + ["tiny"] * 12_000 + ["few"] * 20
    sizes = check_segment_sizes(labels, min_size=30)
    assert sizes.loc["share", "reason"] == "share 1.1% < 2.0% (min_share)"
    assert sizes.loc["few", "reason"].startswith("20 < 30 customers (min_size)")
    assert sizes.loc["big", "reason"] == ""
    note = small_segments_note(sizes)
    assert "share (368 customers: share 1.1% < 2.0% (min_share))" in note
    assert "min_size" not in note.split("few")[0]  # the share rule alone fired for 'share'
    from segkit.workflow.segment import validate_segments

    X = pd.DataFrame({"x": np.arange(len(labels), dtype=float)})
    checked = validate_segments(X, pd.Series(labels), n_boot=0, progress=False)
    assert note in checked.notes
