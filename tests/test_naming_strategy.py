from pathlib import Path

import pandas as pd
import pytest

from segkit.errors import InputError
from segkit.naming import apply_names, load_vocabulary, suggest_names
from segkit.strategy import build_strategy, dominant, lint_playbook, load_playbook


def idx(rows: dict[str, list[float]], segments=(1, 2, 3)) -> pd.DataFrame:
    return pd.DataFrame(rows, index=pd.Index(list(segments), name="segment"))


def test_names_from_strongest_traits_in_vocabulary_order() -> None:
    table = idx(
        {
            "monetary": [300.0, 100.0, 20.0],
            "avg_order_value": [90.0, 400.0, 100.0],
            "share_category_数码": [100.0, 500.0, 100.0],
            "recency_days": [50.0, 100.0, 260.0],
            "unknown_var": [999.0, 999.0, 999.0],
        }
    )
    names = suggest_names(table)
    assert names["name_zh"].tolist() == ["高价值活跃客户", "大单数码客户", "低价值沉睡客户"]
    assert names["name_en"].tolist() == [
        "High-value active customers",
        "Big-ticket digital customers",
        "Low-value dormant customers",
    ]
    assert "monetary index 300" in names["traits"].iloc[0]
    assert "unknown_var" not in "".join(names["traits"])


def test_typical_segment_and_unique_names() -> None:
    names = suggest_names(idx({"monetary": [100.0, 300.0, 300.0]}))
    assert names["name_zh"].tolist() == ["一般客户", "高价值客户", "高价值客户 2"]


def test_user_vocabulary_and_overrides(tmp_path: Path) -> None:
    vocab = {"traits": {"score*": {"high": {"zh": "高分", "en": "high-scoring"}}}}
    names = suggest_names(idx({"score_x": [200.0, 100.0, 100.0]}), vocabulary=vocab)
    assert names["name_zh"].iloc[0] == "高分客户"
    assert "monetary" in load_vocabulary(vocab)["traits"]  # merged over the default
    named = apply_names(names, {2: "潜力客户", 3: {"zh": "观望客户", "en": "Wait-and-see"}})
    assert named["name_zh"].tolist() == ["高分客户", "潜力客户", "观望客户"]
    assert named["source"].tolist() == ["suggested", "user", "user"]
    with pytest.raises(InputError, match="UNKNOWN_SEGMENT"):
        apply_names(names, {9: "x"})
    with pytest.raises(InputError, match="DUPLICATE_NAME"):
        apply_names(names, {2: "高分客户"})


def test_strategy_most_specific_rule_wins_and_is_traceable() -> None:
    segs = pd.DataFrame(
        {
            "segment": [1, 2, 3, 4],
            "value": ["high", "high", "low", "mid"],
            "lifecycle": ["mature", "lost", "new", None],
            "need": [None, None, "price", "convenience"],
            "value_share": [0.5, 0.2, 0.1, 0.2],
        }
    )
    s = build_strategy(segs).set_index("segment")
    assert s.loc[1, "service_level_rule"] == "value-high"
    assert s.loc[2, "promotion_rule"] == "high-value-at-risk"
    assert s.loc[2, "response_time"] == "当日响应 / same day"
    assert s.loc[3, "price_rule"] == "need-price"
    assert s.loc[3, "promotion_rule"] == "lifecycle-new"
    assert s.loc[4, "channel_rule"] == "need-convenience"
    assert s.loc[4, "care_rule"] == "default"  # nothing more specific
    assert s.filter(like="_rule").notna().all().all()  # every dimension filled
    assert s["resource_share"].sum() == pytest.approx(1.0)
    # high-value share 0.5 × weight 4 dominates
    assert s["resource_share"].idxmax() == 1
    assert "挽回率" in s.loc[2, "kpis"]


def test_playbook_lint() -> None:
    book = load_playbook()
    lint_playbook(book)
    broken = {"dimensions": ["price"], "rules": [{"id": "x", "when": {"colour": ["red"]}}]}
    with pytest.raises(InputError, match="PLAYBOOK") as err:
        build_strategy(pd.DataFrame({"segment": [1]}), broken)
    assert "default" in str(err.value) and "colour" in str(err.value)


def test_dominant() -> None:
    got = dominant(pd.Series(["a", "b", "b", "c", "c"]), pd.Series([1, 1, 1, 2, 2]))
    assert got.to_dict() == {1: "b", 2: "c"}


def test_unknown_variables_give_plain_names_only_as_fallback() -> None:
    table = idx({"PURCHASES": [300.0, 100.0, 300.0], "monetary": [100.0, 100.0, 200.0]})
    names = suggest_names(table)
    assert names["name_zh"].tolist() == ["PURCHASES偏高客户", "一般客户", "高价值客户"]
    assert names["name_en"].iloc[0] == "High-PURCHASES customers"


def test_no_segment_name_is_built_from_personal_data() -> None:
    """Issue 14: a segment was named ``share_category_李莫愁偏高客户``; a variable that may be
    personal data never becomes a word of a name (the profile also never makes one)."""
    index = pd.DataFrame(
        {"share_category_李莫愁": [400.0, 50.0], "share_category_13900139000": [300.0, 60.0],
         "share_category_category_03": [100.0, 100.0]},
        index=pd.Index([1, 2], name="segment"),
    )  # fmt: skip
    names = suggest_names(index)
    text = names.to_csv()
    assert "李莫愁" not in text and "13900139000" not in text, text
    assert names["name_zh"].tolist() == ["一般客户", "一般客户 2"]
    index["share_category_category_03"] = [250.0, 100.0]  # a neutral label may name
    assert suggest_names(index).loc[0, "name_zh"] == "share_category_category_03偏高客户"
