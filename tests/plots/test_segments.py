"""plots: each function returns an Axes with the expected bars / lines / labels (Agg backend)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D

from segkit import plots
from segkit.validate.describe import profile_segments
from segkit.validate.stability import StabilityReport

pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")


@pytest.fixture(autouse=True)
def _no_show(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("plot functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


def bars(ax: plt.Axes) -> list[float]:
    return [float(b.get_height()) for c in ax.containers if isinstance(c, BarContainer) for b in c]


def data_lines(ax: plt.Axes, n: int) -> list[Line2D]:
    """Lines with n points, leaving out reference lines (gid "reference")."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) == n and ln.get_gid() != "reference"]


def ticks(labels: list[plt.Text]) -> list[str]:
    return [t.get_text() for t in labels]


def renders(ax: plt.Axes) -> bool:
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    return buf.tell() > 0


FRAME = pd.DataFrame(
    {
        "消费金额": [10.0, 20, 30, 40, 50, 60, 70, 80],
        "频次": [1.0, 2, 2, 3, 5, 5, 6, 7],
        "渠道": ["店", "店", "网", "网", "网", "店", "网", "网"],
    }
)
LABELS = pd.Series(["低价值", "低价值", "低价值", "中价值", "中价值", "高价值", "高价值", "高价值"])


def test_index_heatmap_from_profile() -> None:
    prof = profile_segments(FRAME, LABELS)
    ax = plots.plot_index_heatmap(prof)
    features = ["消费金额", "频次", "渠道=店", "渠道=网"]
    assert ticks(ax.get_yticklabels()) == features
    assert ticks(ax.get_xticklabels()) == ["高价值", "中价值", "低价值"]  # logical order
    assert len(ax.texts) == 12  # every cell annotated
    mesh = ax.collections[0]
    assert mesh.norm.vmin + mesh.norm.vmax == pytest.approx(200)  # centred at 100
    assert "index" in ax.get_title()
    assert renders(ax)


def test_index_heatmap_from_frame_and_effect_sizes() -> None:
    prof = profile_segments(FRAME, LABELS)
    _fig, ax = plt.subplots()
    out = plots.plot_index_heatmap(prof.wide("effect_size"), stat="effect_size", ax=ax, fmt=".2f")
    assert out is ax
    mesh = ax.collections[0]
    assert mesh.norm.vmin == pytest.approx(-mesh.norm.vmax)  # centred at 0
    assert ax.texts[0].get_text() == f"{prof.wide('effect_size').loc['高价值'].iloc[0]:.2f}"


def test_snake_plot() -> None:
    ax = plots.plot_snake(FRAME, LABELS, title="蛇形图")
    lines = data_lines(ax, 2)
    assert len(lines) == 3  # one line per segment over the 2 numeric variables
    assert [ln.get_gid() for ln in ax.get_lines()].count("reference") == 1  # the zero line
    assert ticks(ax.get_xticklabels()) == ["消费金额", "频次"]
    assert ticks(ax.get_legend().get_texts()) == ["高价值", "中价值", "低价值"]  # logical order
    assert ax.get_title() == "蛇形图"
    # standardised: the high-value segment is above 0 on spend
    high = lines[0].get_ydata()
    assert high[0] > 0
    raw = plots.plot_snake(FRAME, LABELS, standardise=False, variables=["频次"])
    assert "mean" in raw.get_ylabel()
    assert renders(ax)


def test_segment_sizes_customers_and_value() -> None:
    ax = plots.plot_segment_sizes(LABELS, value=FRAME["消费金额"])
    heights = bars(ax)
    assert len(heights) == 6  # 3 segments x (customer share, value share)
    assert heights[:3] == pytest.approx([3 / 8, 2 / 8, 3 / 8])  # high, mid, low
    assert heights[3:] == pytest.approx([210 / 360, 90 / 360, 60 / 360])
    assert ticks(ax.get_xticklabels()) == ["高价值", "中价值", "低价值"]
    assert ticks(ax.get_legend().get_texts()) == ["customers 客户占比", "value 价值占比"]
    assert "8 customers" in ax.get_title()
    only = plots.plot_segment_sizes(np.array([1, 2, 2]))
    assert bars(only) == pytest.approx([1 / 3, 2 / 3])
    # value aligned by index (reversed order here), missing values count as 0
    value = pd.Series([np.nan, 1.0, 3.0], index=[0, 1, 2]).iloc[::-1]
    aligned = plots.plot_segment_sizes(pd.Series([1, 2, 2]), value=value)
    assert bars(aligned)[2:] == pytest.approx([0.0, 1.0])
    assert renders(ax)


def test_k_selection() -> None:
    table = pd.DataFrame(
        {"k": [2, 3, 4, 5], "silhouette": [0.3, 0.5, 0.4, 0.35], "inertia": [900, 500, 420, 400]}
    )
    ax = plots.plot_k_selection(table, selected=3)
    legend = ticks(ax.get_legend().get_texts())
    assert legend == ["silhouette (max best)", "inertia"]
    assert [float(t) for t in ax.get_xticks()] == [2, 3, 4, 5]
    lines = data_lines(ax, 4)
    assert len(lines) == 2
    assert max(max(ln.get_ydata()) for ln in lines) == pytest.approx(1.0)  # scaled 0-1
    assert min(min(ln.get_ydata()) for ln in lines) == pytest.approx(0.0)
    single = plots.plot_k_selection(table.set_index("k"), metrics=["silhouette"])
    assert single.get_ylabel() == "silhouette"
    with pytest.raises(KeyError):
        plots.plot_k_selection(table.rename(columns={"k": "n"}))


def test_stability_plot() -> None:
    table = pd.DataFrame(
        {"mean_jaccard": [0.9, 0.7, 0.4], "std_jaccard": [0.05, 0.1, 0.2],
         "verdict": ["stable", "doubtful", "unstable"]},
        index=pd.Index([1, 2, 3], name="segment"),
    )  # fmt: skip
    report = StabilityReport(
        table, pd.DataFrame(), 2.0 / 3, 10, None, "resample",
        {"stable": 0.75, "unstable": 0.6, "dissolved": 0.5},
    )  # fmt: skip
    ax = plots.plot_stability(report)
    assert sorted(bars(ax)) == pytest.approx([0.4, 0.7, 0.9])
    assert ticks(ax.get_xticklabels()) == ["1", "2", "3"]
    refs = {ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_gid() == "reference"}
    assert refs == {0.6, 0.75}
    assert ax.get_ylim() == (0, 1.05)
    assert "stab" in ax.get_title().lower()
    # a bare table without verdicts: classified with the default thresholds
    ax2 = plots.plot_stability(table.drop(columns="verdict"))
    assert ticks(ax2.get_legend().get_texts()) == ["stable", "doubtful", "unstable"]
