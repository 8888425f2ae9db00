"""rfm: hand-computed scores with ties, tie-rule properties, segment config lint and assignment."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.errors import InputError
from segkit.tiers.rfm import (
    RFMScores,
    _grid,
    _matches,
    assign_rfm_segments,
    lint_rfm_config,
    load_rfm_config,
    rfm_scores,
)

# 10 customers with ties in every column
FIXTURE = pd.DataFrame(
    {
        "customer_id": [f"C{i:02d}" for i in range(10)],
        "recency_days": [1, 1, 5, 10, 20, 20, 20, 40, 80, 100],
        "frequency": [1, 1, 1, 1, 1, 1, 2, 2, 3, 8],
        "monetary": [10.0, 20, 30, 40, 50, 50, 70, 80, 90, 100],
    },
    index=pd.RangeIndex(100, 110),
)


@pytest.fixture(scope="module")
def scores() -> RFMScores:
    return rfm_scores(FIXTURE)


def test_scores_hand_computed(scores: RFMScores) -> None:
    # score = floor((2·avg_rank − 1) · 5 / (2 · 10)) + 1
    # R ranks −recency: 100→1, 80→2, 40→3, 20×3→5, 10→7, 5→8, 1×2→9.5
    assert scores.scores["R"].tolist() == [5, 5, 4, 4, 3, 3, 3, 2, 1, 1]
    # F: six 1s share rank 3.5 -> 2; two 2s rank 7.5 -> 4; 3 -> rank 9 -> 5; 8 -> 5
    assert scores.scores["F"].tolist() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    # M: the two 50s share rank 5.5 -> 3
    assert scores.scores["M"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores.scores["rfm_code"].tolist() == [
        "521", "521", "422", "422", "323", "323", "344", "244", "155", "155",
    ]  # fmt: skip
    assert scores.scores.index.equals(FIXTURE.index)
    assert scores.n_distinct == {"R": 5, "F": 3, "M": 5}
    assert scores.bins == 5
    thr = scores.thresholds.set_index(["dimension", "score"])
    assert thr.loc[("R", 3), ["lower", "upper", "n"]].tolist() == [20.0, 20.0, 3]
    assert thr.loc[("F", 5), ["lower", "upper", "n"]].tolist() == [3.0, 8.0, 2]
    assert scores.to_frame().equals(scores.scores)


def test_other_bins_missing_values_and_errors() -> None:
    p = FIXTURE.assign(monetary=[np.nan, 20, 30, 40, 50, 50, 70, 80, 90, 100])
    s = rfm_scores(p, bins=3)
    assert s.scores["M"].iloc[0] == 1  # missing -> 1
    # 9 valid values, ranks 1..9 with 50s at 4.5: floor((2r−1)·3/18)+1
    assert s.scores["M"].tolist()[1:] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    with pytest.raises(InputError, match="BAD_BINS"):
        rfm_scores(p, bins=10)
    with pytest.raises(InputError, match="MISSING_COLUMN"):
        rfm_scores(p, monetary="gmv")


def test_skewed_frequency_keeps_distinct_scores() -> None:
    # 60% of customers have one order
    freq = np.r_[np.ones(600), np.full(200, 2), np.full(100, 3), np.full(60, 4), np.full(40, 9)]
    p = pd.DataFrame({"recency_days": np.arange(1000), "frequency": freq,
                      "monetary": np.arange(1000.0)})  # fmt: skip
    s = rfm_scores(p)
    assert s.n_distinct["F"] >= 3
    per_value = s.scores["F"].groupby(freq).agg(["nunique", "first"])
    assert (per_value["nunique"] == 1).all()  # equal values share a score
    assert per_value["first"].to_dict() == {1.0: 2, 2.0: 4, 3.0: 5, 4.0: 5, 9.0: 5}


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 15), min_size=1, max_size=80),
    st.integers(2, 9),
)
def test_scores_tie_and_monotone_properties(values: list[int], bins: int) -> None:
    x = pd.Series(values, dtype=float)
    p = pd.DataFrame({"recency_days": x, "frequency": x, "monetary": x})
    s = rfm_scores(p, bins=bins).scores
    for dim in ("R", "F", "M"):
        assert s[dim].between(1, bins).all()
        assert (s[dim].groupby(x).nunique() == 1).all()  # equal inputs -> equal scores
    order = x.sort_values(kind="stable").index
    assert s.loc[order, "F"].is_monotonic_increasing
    assert s.loc[order, "M"].is_monotonic_increasing
    assert s.loc[order, "R"].is_monotonic_decreasing  # more days since purchase -> lower R


# ---------------------------------------------------------------- config and lint


def test_default_config_covers_every_combination_once() -> None:
    cfg = load_rfm_config()
    report = lint_rfm_config(cfg)
    assert report.ok, str(report)
    assert (report.overlaps, report.gaps, report.unreachable) == ({}, [], [])
    grid, codes = _grid(5)
    assert len(codes) == 125
    assert (_matches(cfg["segments"], grid).sum(axis=1) == 1).all()
    names = {s["name_en"]: s["name_zh"] for s in cfg["segments"]}
    assert names["Champions"] == "重要价值客户"
    assert names["At risk"] == "重要挽留客户"
    assert all(s.get("description") for s in cfg["segments"])
    assert "OK" in str(report)


def _default() -> dict[str, Any]:
    return copy.deepcopy(load_rfm_config())


def _segment(cfg: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in cfg["segments"] if s["name_en"] == name)


def test_overlapping_config_is_reported_exactly() -> None:
    cfg = _default()
    _segment(cfg, "Loyal")["rules"] = [{"r": [3, 4], "fm": [4, 5]}]
    report = lint_rfm_config(cfg)
    assert not report.ok
    assert report.overlaps == {("Champions", "Loyal"): ["455", "454", "453", "445", "444", "435"]}
    assert report.gaps == []
    text = str(report)
    assert "overlap: Champions & Loyal both match 455, 454, 453, 445, 444, 435" in text
    with pytest.raises(InputError, match="RFM_CONFIG") as err:
        assign_rfm_segments(pd.DataFrame({"R": [4], "F": [4], "M": [4]}), cfg)
    assert "Champions & Loyal" in str(err.value)
    # non-strict: the first segment in config order wins
    res = assign_rfm_segments(pd.DataFrame({"R": [4, 3], "F": [4, 5], "M": [4, 5]}), cfg,
                              strict=False)  # fmt: skip
    assert res.labels.tolist() == ["Champions", "Loyal"]


def test_gappy_config_is_reported_exactly() -> None:
    cfg = _default()
    cfg["segments"] = [s for s in cfg["segments"] if s["name_en"] != "Lost"]
    report = lint_rfm_config(cfg)
    assert report.gaps == ["131", "122", "121", "113", "112", "111"]
    assert report.overlaps == {}
    assert "gaps: no segment matches 131, 122, 121, 113, 112, 111" in str(report)
    sc = pd.DataFrame({"R": [1, 5], "F": [1, 5], "M": [2, 5]}, index=["x", "y"])
    with pytest.raises(InputError, match="RFM_CONFIG"):
        assign_rfm_segments(sc, cfg)
    res = assign_rfm_segments(sc, cfg, strict=False, lang="zh")
    assert res.labels.tolist() == ["未分配", "重要价值客户"]
    assert res.labels.index.tolist() == ["x", "y"]
    # on a 4-level grid the default's R = 5 segment can never match: the linter says so
    four = lint_rfm_config(None, bins=4)
    assert (four.unreachable, four.gaps, four.ok) == (["New customers"], [], True)


def test_empty_and_unreachable_segments(scores: RFMScores) -> None:
    report = lint_rfm_config(scores=scores)
    assert report.ok  # empty segments are a warning, not a config error
    assert report.empty == ["Champions", "Potential loyalist", "About to sleep", "Hibernating",
                            "Lost"]  # fmt: skip
    assert "empty segments (no customers)" in str(report)
    cfg = _default()
    cfg["segments"].append({"name_en": "Ghost", "name_zh": "幽灵", "rules": {"fm": [6, 7]}})
    assert lint_rfm_config(cfg).unreachable == ["Ghost"]


def test_assign_default_segments(scores: RFMScores) -> None:
    res = assign_rfm_segments(scores)
    assert res.report.ok
    assert res.labels.name == "rfm_segment"
    assert res.labels.index.equals(FIXTURE.index)
    assert res.labels.tolist() == [
        "New customers", "New customers", "Promising", "Promising", "Need attention",
        "Need attention", "Loyal", "At risk", "Can't lose them", "Can't lose them",
    ]  # fmt: skip
    labels, report = res  # a NamedTuple: unpacks as (labels, report)
    assert report is res.report and labels is res.labels
    assert labels.cat.categories[0] == "Champions"  # config order
    zh = assign_rfm_segments(scores, lang="zh").labels
    assert zh.iloc[7] == "重要挽留客户"


def test_yaml_path_and_dict_override(tmp_path: Path, scores: RFMScores) -> None:
    cfg = {
        "bins": 5,
        "segments": [
            {"name_en": "Active", "name_zh": "活跃", "rules": {"r": [3, 5]}},
            {"name_en": "Inactive", "name_zh": "不活跃", "rules": [{"r": [1, 1]}, {"r": [2, 2]}]},
        ],
    }
    path = tmp_path / "seg.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    from_path = assign_rfm_segments(scores, path).labels
    assert from_path.tolist() == ["Active"] * 7 + ["Inactive"] * 3
    assert from_path.equals(assign_rfm_segments(scores, cfg).labels)


@pytest.mark.parametrize(
    "bad",
    [
        {"segments": "x"},
        {"segments": [{"name_en": "A", "rules": {"r": [1, 5]}}]},  # no name_zh
        {"segments": [{"name_en": "A", "name_zh": "甲", "rules": {"q": [1, 5]}}]},
        {"segments": [{"name_en": "A", "name_zh": "甲", "rules": {"r": [5, 1]}}]},
        {"segments": [{"name_en": "A", "name_zh": "甲", "rules": {"r": [1, 2, 3]}}]},
        {"segments": [{"name_en": "A", "name_zh": "甲", "rules": {"r": "15"}}]},
        {
            "segments": [
                {"name_en": "A", "name_zh": "甲", "rules": {"r": [1, 5]}},
                {"name_en": "A", "name_zh": "乙", "rules": {"r": [1, 5]}},
            ]
        },
    ],
)
def test_bad_config_is_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="RFM_CONFIG"):
        load_rfm_config(bad)


def test_bad_scores_are_rejected() -> None:
    with pytest.raises(InputError, match="RFM_SCORES"):
        assign_rfm_segments(pd.DataFrame({"R": [6], "F": [1], "M": [1]}))
    with pytest.raises(InputError, match="RFM_SCORES"):
        assign_rfm_segments(pd.DataFrame({"R": [1], "F": [1]}))
