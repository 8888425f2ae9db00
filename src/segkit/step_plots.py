"""Plots for the data steps of the method: collection, cleaning, variables, tiers, monitoring.

Seaborn-shaped like :mod:`segkit.plots`, which re-exports them (import them from there):
``plot_x(data, *, ..., ax=None) -> Axes``, labels in Chinese and English, no ``plt.show()``.

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

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_correlation",
    "plot_distribution",
    "plot_loadings",
    "plot_matrix",
    "plot_monthly",
    "plot_pareto",
    "plot_quality",
    "plot_rfm_grid",
]


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def plot_monthly(
    data: pd.DataFrame,
    *,
    x: str = "month",
    y: str = "lines",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A monthly series (e.g. transaction lines per month) as a line with markers.

    Examples
    --------
    >>> m = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...                   "lines": [10, 14]})
    >>> plot_monthly(m).get_lines()[0].get_ydata().tolist()
    [10.0, 14.0]
    """
    ax = _axes(ax, (8.0, 3.5))
    sns.lineplot(data=data, x=x, y=y, marker="o", ax=ax)
    ax.set_xlabel("month (月份)")
    ax.set_ylabel(y)
    ax.set_title(title or f"{y} per month (每月{y})")
    return ax


def plot_quality(
    summary: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Records removed, changed and flagged by each cleaning check (checks with none left out).

    ``summary`` is :meth:`segkit.clean.result.CleanResult.summary` (``check``, ``removed``,
    ``changed``, ``flagged``).

    Examples
    --------
    >>> s = pd.DataFrame({"check": ["records read", "DUPLICATE_ROW", "OUTLIER_HIGH"],
    ...                   "detected": [100, 3, 2], "removed": [0, 3, 0],
    ...                   "changed": [0, 0, 0], "flagged": [0, 0, 2]})
    >>> [t.get_text() for t in plot_quality(s).get_yticklabels()]
    ['DUPLICATE_ROW', 'OUTLIER_HIGH']
    """
    actions = ["removed", "changed", "flagged"]
    rows = summary[~summary["check"].isin(["records read", "rows kept", "rows quarantined"])]
    rows = rows[rows[actions].sum(axis=1) > 0]
    long = rows.melt(id_vars="check", value_vars=actions, var_name="action", value_name="records")
    ax = _axes(ax, (7.0, 0.45 * max(len(rows), 2) + 1.5))
    if len(long):
        sns.barplot(data=long, y="check", x="records", hue="action", hue_order=actions, ax=ax)
    ax.set_xlabel("records (记录数)")
    ax.set_ylabel("")
    ax.set_title(title or "What cleaning did, by check (清洗结果)")
    return ax


def plot_distribution(
    data: pd.DataFrame,
    *,
    column: str,
    by: str | None = None,
    log: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Histogram of one column (optionally one colour per group ``by``; log x-axis with ``log``,
    non-positive values left out).

    Examples
    --------
    >>> d = pd.DataFrame({"monetary": [1.0, 10, 100, 1000], "tier": ["a", "a", "b", "b"]})
    >>> plot_distribution(d, column="monetary", by="tier", log=True).get_xscale()
    'log'
    """
    frame = data[data[column] > 0] if log else data.dropna(subset=[column])
    ax = _axes(ax)
    if frame.empty:  # nothing to draw (e.g. a model could not be fitted): say so
        ax.text(0.5, 0.5, f"no values of {column} (无数据)", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_title(title or f"Distribution of {column} (分布)")
        return ax
    sns.histplot(
        data=frame, x=column, hue=by, log_scale=log, element="step", bins=30, ax=ax,
        hue_order=sorted(frame[by].dropna().unique()) if by else None,
    )  # fmt: skip
    ax.set_ylabel("customers (客户数)")
    ax.set_title(title or f"Distribution of {column} (分布)")
    return ax


def plot_correlation(
    frame: pd.DataFrame,
    *,
    method: str = "spearman",
    annot: bool | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of the correlations between candidate variables (−1 blue … +1 red).

    Examples
    --------
    >>> f = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 9], "c": [4.0, 1, 3, 2]})
    >>> [t.get_text() for t in plot_correlation(f).get_yticklabels()]
    ['a', 'b', 'c']
    """
    corr = frame.corr(method=method)
    n = corr.shape[0]
    ax = _axes(ax, (0.5 * n + 3, 0.45 * n + 2))
    sns.heatmap(
        corr, ax=ax, cmap="RdBu_r", center=0.0, vmin=-1, vmax=1, square=True,
        annot=n <= 12 if annot is None else annot, fmt=".2f", cbar_kws={"label": method},
    )  # fmt: skip
    ax.set_title(title or f"Correlation of candidate variables, {method} (相关系数)")
    return ax


def plot_loadings(
    loadings: pd.DataFrame,
    *,
    label: str = "label",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of factor loadings: items (rows, by their ``label``) × factors ``F1..Fk``.

    Examples
    --------
    >>> t = pd.DataFrame({"item": ["q1", "q2"], "label": ["价格", "品质"],
    ...                   "F1": [0.8, 0.1], "F2": [0.0, 0.7]})
    >>> ax = plot_loadings(t)
    >>> [t.get_text() for t in ax.get_xticklabels()], len(ax.texts)
    (['F1', 'F2'], 4)
    """
    factors = [c for c in loadings.columns if str(c).startswith("F") and str(c)[1:].isdigit()]
    index = loadings[label] if label in loadings else loadings.iloc[:, 0]
    data = loadings[factors].set_axis(index.astype(str)).astype(float)
    ax = _axes(ax, (1.2 * len(factors) + 5, 0.4 * len(data) + 1.5))
    sns.heatmap(
        data, ax=ax, cmap="RdBu_r", center=0.0, vmin=-1, vmax=1, annot=True, fmt=".2f",
        cbar_kws={"label": "loading (载荷)"},
    )  # fmt: skip
    ax.set_ylabel("")
    ax.set_xlabel("factor (因子)")
    ax.set_title(title or "Factor loadings (因子载荷)")
    return ax


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
    ax = _axes(ax)
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
    ['', '1', '', '1', '1', '']
    """
    data = scores[["R", "F"]].astype(int)
    if value is None:
        grid = pd.crosstab(data["F"], data["R"])
        label, fmt = "customers (客户数)", ".0f"
    else:
        vals = pd.Series(np.asarray(value, dtype=float), index=data.index)
        grid = vals.groupby([data["F"], data["R"]]).mean().unstack("R")
        label, fmt = "mean value (平均价值)", ".0f"
    grid = grid.sort_index(ascending=False)
    ax = _axes(ax, (6.5, 5.0))
    annot = grid.map(lambda v: "" if pd.isna(v) or v == 0 else format(v, fmt))
    sns.heatmap(grid, ax=ax, cmap="viridis", annot=annot, fmt="", cbar_kws={"label": label})
    ax.set_xlabel("R score, 5 = most recent (最近购买)")
    ax.set_ylabel("F score, 5 = most frequent (购买频率)")
    ax.set_title(title or "RFM grid (RFM 网格)")
    return ax


def plot_matrix(
    table: pd.DataFrame,
    *,
    fmt: str = ".0%",
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a rows × columns table of shares: a hit-rate table of the discriminant
    analysis, or a migration matrix (rows: before, columns: after).

    Examples
    --------
    >>> t = pd.DataFrame([[0.9, 0.1], [0.2, 0.8]], index=[1, 2], columns=[1, 2])
    >>> [x.get_text() for x in plot_matrix(t).texts]
    ['90%', '10%', '20%', '80%']
    """
    ax = _axes(ax, (0.9 * table.shape[1] + 3, 0.6 * table.shape[0] + 2))
    sns.heatmap(table.astype(float), ax=ax, cmap="Blues", vmin=0, annot=True, fmt=fmt, cbar=False)
    ax.set_xlabel(xlabel or str(table.columns.name or ""))
    ax.set_ylabel(ylabel or str(table.index.name or ""))
    ax.set_title(title or "")
    return ax
