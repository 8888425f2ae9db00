"""plots.labels: readable feature labels (data/labels.yaml) and the logical order of tiers."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from segkit import plots
from segkit.plots.labels import category_order, feature_label
from segkit.tiers import LIFECYCLE_ZH, value_tiers

pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    plt.close("all")


def ticks(ax: plt.Axes) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def test_tier_bars_in_logical_order_for_shuffled_input() -> None:
    rng = np.random.default_rng(7)
    zh = rng.permutation(["低价值"] * 5 + ["中价值"] * 3 + ["高价值"] * 2)
    assert ticks(plots.plot_segment_sizes(pd.Series(zh))) == ["高价值", "中价值", "低价值"]
    en = rng.permutation(["lost", "new", "mature", "churning", "growing", "new"])
    order = ["new", "growing", "mature", "churning", "lost"]
    assert ticks(plots.plot_segment_sizes(pd.Series(en))) == order
    abc = rng.permutation(list("CCCBBA"))
    assert ticks(plots.plot_segment_sizes(abc)) == ["A", "B", "C"]
    # cluster numbers stay ascending
    assert ticks(plots.plot_segment_sizes(np.array([3, 1, 2, 10]))) == ["1", "2", "3", "10"]


def test_tier_results_come_out_in_logical_order() -> None:
    profile = pd.DataFrame(
        {
            "monetary": np.linspace(1.0, 100.0, 30),
            "frequency": np.r_[np.ones(10), np.full(20, 4.0)],
            "avg_order_value": np.linspace(1.0, 25.0, 30),
        }
    )
    tiers = value_tiers(profile, lang="zh").labels.sample(frac=1.0, random_state=1)
    assert category_order(tiers) == ["高价值", "中价值", "低价值"]
    expected = list(LIFECYCLE_ZH.values())  # 新客户 … 已流失, as tiers.result defines them
    assert expected[0] == "新客户" and expected[-1] == "已流失"
    assert category_order(pd.Series(expected[::-1] + expected[1:3])) == expected


def test_rfm_grid_scores_5_to_1() -> None:
    scores = pd.DataFrame({"R": [1, 2, 3, 4, 5, 5], "F": [5, 4, 3, 2, 1, 1]})
    ax = plots.plot_rfm_grid(scores)
    assert ticks(ax) == ["5", "4", "3", "2", "1"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]


@pytest.mark.parametrize(
    ("language", "label"),
    [("zh", "客单价（元）"), ("en", "Average order value (CNY)")],
)
def test_axis_label_is_readable(language: str, label: str) -> None:
    data = pd.DataFrame(
        {
            "avg_order_value": [10.0, 20, 30, 40],
            "value_tier": ["低价值", "高价值", "中价值", "高价值"],
        }
    )
    ax = plots.plot_distribution(data, column="avg_order_value", by="value_tier", language=language)
    assert ax.get_xlabel() == label
    legend = ax.get_legend()
    assert legend.get_title().get_text() == ("价值层级" if language == "zh" else "Value tier")
    assert [t.get_text() for t in legend.get_texts()] == ["高价值", "中价值", "低价值"]
    # the legend sits outside the data: its left edge is right of the Axes
    ax.figure.canvas.draw()
    assert legend.get_window_extent().x0 > ax.get_window_extent().x1
    snake = plots.plot_snake(data, ["a", "a", "b", "b"], variables=["avg_order_value"],
                             language=language)  # fmt: skip
    assert ticks(snake) == [label]


def test_feature_label_share_and_unknown_columns() -> None:
    assert feature_label("share_category_食品", "zh") == "食品占比"
    assert feature_label("share_category_食品", "en") == "share of 食品"
    assert feature_label("share_category_食品", "both") == "食品占比 / share of 食品"
    assert feature_label("share_channel_线上", "zh") == "线上渠道占比"
    assert feature_label("avg_order_value", "both") == "客单价（元） / Average order value (CNY)"
    assert feature_label("满意度_q3", "zh") == "满意度_q3"  # unknown: the name itself
    assert feature_label("share_category_", "en") == "share_category_"
