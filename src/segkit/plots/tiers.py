"""Plots of the tiers step (04): the Pareto curve and the RFM grid.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> ax = plot_pareto(pd.Series([50.0, 30, 10, 5, 5]))
>>> ax.get_xlabel()
'share of customers, best first (客户占比)'
>>> plt.close("all")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from segkit.plots.canvas import axes_for

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_pareto(
    values: pd.Series | Any,
    *,
    shares: tuple[float, ...] = (0.8, 0.95),
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Pareto (ABC) curve: cumulative share of value against the share of customers, best
    first, with reference lines at the ABC ``shares`` (values ≤ 0 count as 0)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))[::-1]
    v = v[~np.isnan(v)]
    x = np.arange(1, len(v) + 1) / max(len(v), 1)
    y = np.cumsum(v) / max(v.sum(), 1e-300)
    ax = axes_for(ax)
    sns.lineplot(x=np.r_[0.0, x], y=np.r_[0.0, y], ax=ax)
    for s in shares:
        ax.axhline(s, color="grey", linestyle="--", linewidth=1, gid="reference")
        reach = float(x[np.searchsorted(y, s - 1e-12)]) if len(v) else 0.0
        ax.annotate(f"{s:.0%} of value ← {reach:.0%} of customers", (reach, s),
                    xytext=(5, -12), textcoords="offset points", fontsize=8)  # fmt: skip
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of customers, best first (客户占比)")
    ax.set_ylabel("cumulative share of value (累计价值占比)")
    ax.set_title(title or "Pareto curve of customer value (帕累托曲线)")
    return ax


def plot_rfm_grid(
    scores: pd.DataFrame,
    value: pd.Series | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """R × F grid of RFM scores: customers per cell, or the mean ``value`` (e.g. monetary).

    Examples
    --------
    >>> s = pd.DataFrame({"R": [5, 5, 1], "F": [5, 4, 1]})
    >>> ax = plot_rfm_grid(s)
    >>> [t.get_text() for t in ax.texts]
    ['1', '', '1', '', '', '1']
    """
    data = scores[["R", "F"]].astype(int)
    if value is None:
        grid = pd.crosstab(data["F"], data["R"])
        label, fmt = "customers (客户数)", ".0f"
    else:
        vals = pd.Series(np.asarray(value, dtype=float), index=data.index)
        grid = vals.groupby([data["F"], data["R"]]).mean().unstack("R")
        label, fmt = "mean value (平均价值)", ".0f"
    grid = grid.sort_index(ascending=False).sort_index(axis=1, ascending=False)  # 5 → 1
    ax = axes_for(ax, (6.5, 5.0))
    annot = grid.map(lambda v: "" if pd.isna(v) or v == 0 else format(v, fmt))
    sns.heatmap(grid, ax=ax, cmap="viridis", annot=annot, fmt="", cbar_kws={"label": label})
    ax.set_xlabel("R score, 5 = most recent (最近购买)")
    ax.set_ylabel("F score, 5 = most frequent (购买频率)")
    ax.set_title(title or "RFM grid (RFM 网格)")
    return ax
