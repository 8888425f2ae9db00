"""Plots of the data steps: collection (01), cleaning (02) and variables (03).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> ax = plot_distribution(pd.DataFrame({"monetary": [1.0, 2.0, 2.5, 40.0]}), column="monetary")
>>> plt.close("all")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import seaborn as sns

from segkit.plots.canvas import axes_for, legend_outside
from segkit.plots.labels import Language, category_order, feature_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
    ax = axes_for(ax, (8.0, 3.5))
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
    ax = axes_for(ax, (7.0, 0.45 * max(len(rows), 2) + 1.5))
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
    language: Language = "both",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Histogram of one column (optionally one colour per group ``by``, in logical order; log
    x-axis with ``log``, non-positive values left out); the x-axis and legend carry the
    readable labels of :func:`~segkit.plots.labels.feature_label` in ``language``.

    Examples
    --------
    >>> d = pd.DataFrame({"monetary": [1.0, 10, 100, 1000], "tier": ["a", "a", "b", "b"]})
    >>> plot_distribution(d, column="monetary", by="tier", log=True).get_xscale()
    'log'
    """
    frame = data[data[column] > 0] if log else data.dropna(subset=[column])
    name = feature_label(column, language)
    ax = axes_for(ax)
    if frame.empty:  # nothing to draw (e.g. a model could not be fitted): say so
        ax.text(0.5, 0.5, f"no values of {name} (无数据)", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_title(title or f"Distribution of {name} (分布)")
        return ax
    sns.histplot(
        data=frame, x=column, hue=by, log_scale=log, element="step", bins=30, ax=ax,
        hue_order=category_order(frame[by]) if by else None,
    )  # fmt: skip
    if by:
        legend_outside(ax, feature_label(by, language))
    ax.set_xlabel(name)
    ax.set_ylabel("customers (客户数)")
    ax.set_title(title or f"Distribution of {name} (分布)")
    return ax


def plot_correlation(
    frame: pd.DataFrame,
    *,
    method: str = "spearman",
    annot: bool | None = None,
    language: Language = "both",
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
    corr = corr.rename(index=lambda c: feature_label(c, language)).rename(
        columns=lambda c: feature_label(c, language)
    )
    n = corr.shape[0]
    ax = axes_for(ax, (0.5 * n + 3, 0.45 * n + 2))
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
    ax = axes_for(ax, (1.2 * len(factors) + 5, 0.4 * len(data) + 1.5))
    sns.heatmap(
        data, ax=ax, cmap="RdBu_r", center=0.0, vmin=-1, vmax=1, annot=True, fmt=".2f",
        cbar_kws={"label": "loading (载荷)"},
    )  # fmt: skip
    ax.set_ylabel("")
    ax.set_xlabel("factor (因子)")
    ax.set_title(title or "Factor loadings (因子载荷)")
    return ax
