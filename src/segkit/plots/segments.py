"""Plots of the segments: sizes, choosing k (05), profiles and stability (06), matrices.

:func:`plot_matrix` draws a hit-rate table (06) or a migration matrix (08 monitor).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> ax = plot_segment_sizes(pd.Series([1, 1, 2, 3]), value=pd.Series([5.0, 5, 30, 60]))
>>> [t.get_text() for t in ax.get_xticklabels()], [len(bars) for bars in ax.containers]
(['1', '2', '3'], [3, 3])
>>> plt.close("all")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from segkit.plots.canvas import axes_for, legend_outside
from segkit.plots.labels import Language, category_order, feature_label
from segkit.validate.describe import SegmentProfile
from segkit.validate.sizes import align_labels
from segkit.validate.stability import StabilityReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_segment_sizes(
    labels: Any,
    value: Any = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bars of each segment's share of customers and (optionally) of value, side by side.

    ``value`` is a per-customer value (e.g. ``monetary``) aligned with ``labels``. Segments
    come in logical order (:func:`~segkit.plots.labels.category_order`: value tiers high →
    low, lifecycle new → lost, segment numbers ascending); the legend sits right of the bars.
    """
    lab = labels if isinstance(labels, pd.Series) else pd.Series(np.asarray(labels))
    segs = category_order(lab)
    counts = lab.value_counts().reindex(segs, fill_value=0)
    rows = {"customers 客户占比": counts.to_numpy() / counts.sum()}
    if value is not None:
        if isinstance(value, pd.Series) and not value.index.equals(lab.index):
            value = value.reindex(lab.index)
        val = pd.Series(np.asarray(value, dtype=float), index=lab.index)
        sums = val.groupby(lab.to_numpy()).sum().reindex(segs, fill_value=0.0)
        rows["value 价值占比"] = sums.to_numpy() / sums.sum()
    long = pd.DataFrame(
        [(str(s), m, float(v[i])) for m, v in rows.items() for i, s in enumerate(segs)],
        columns=["segment", "measure", "share"],
    )
    ax = axes_for(ax)
    sns.barplot(
        data=long, x="segment", y="share", hue="measure", order=[str(s) for s in segs],
        hue_order=list(rows), ax=ax,
    )  # fmt: skip
    for container in ax.containers:
        ax.bar_label(container, fmt="{:.0%}".format, fontsize=8)  # type: ignore[arg-type]
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if max(len(str(s)) for s in segs) > 8:
        ax.tick_params(axis="x", labelrotation=30)
    legend_outside(ax, "")
    ax.set_xlabel("segment (细分)")
    ax.set_ylabel("share (占比)")
    ax.set_title(title or f"Segment sizes, {int(counts.sum()):,} customers (细分规模)")
    return ax


def plot_index_heatmap(
    profile: SegmentProfile | pd.DataFrame,
    *,
    stat: str = "index",
    center: float | None = None,
    limit: float | None = None,
    annot: bool = True,
    fmt: str = ".0f",
    cmap: str = "RdBu_r",
    language: Language = "both",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of features (rows) × segments (columns), diverging around the average.

    Parameters
    ----------
    profile : SegmentProfile or DataFrame
        A profile (``profile.wide(stat)`` is drawn) or a segments × features table.
    stat : str
        Column of the profile table; ``index`` (centred at 100) or e.g. ``effect_size`` (0).
    center, limit : float, optional
        Colour centre (default 100 for the index, else 0) and half-range (default the
        largest deviation, at most 100 for the index); annotations show the real values.

    Examples
    --------
    >>> wide = pd.DataFrame({"spend": [150.0, 60.0], "visits": [90.0, 110.0]}, index=[1, 2])
    >>> ax = plot_index_heatmap(wide)
    >>> len(ax.texts), [t.get_text() for t in ax.get_yticklabels()]
    (4, ['spend', 'visits'])
    """
    wide = profile.wide(stat) if isinstance(profile, SegmentProfile) else profile
    data = wide.T.astype(float).rename(index=lambda c: feature_label(c, language))
    data = data[category_order(pd.Series(data.columns, dtype=object))]
    if center is None:
        center = 100.0 if stat == "index" else 0.0
    if limit is None:
        dev = float(np.nanmax(np.abs(data.to_numpy() - center))) if data.size else 1.0
        limit = min(dev, 100.0) if stat == "index" else dev
        limit = limit if np.isfinite(limit) and limit > 0 else 1.0
    ax = axes_for(ax, (1.2 * data.shape[1] + 3, 0.4 * data.shape[0] + 2))
    sns.heatmap(
        data, ax=ax, cmap=cmap, center=center, vmin=center - limit, vmax=center + limit,
        annot=annot, fmt=fmt, linewidths=0.5, cbar_kws={"label": stat},
    )  # fmt: skip
    ax.set_xlabel("segment (细分)")
    ax.set_ylabel("")
    label = "index, average = 100 (指数)" if stat == "index" else stat
    ax.set_title(title or f"Segment profile: {label}")
    return ax


def plot_snake(
    frame: pd.DataFrame,
    labels: Any,
    *,
    standardise: bool = True,
    variables: Sequence[str] | None = None,
    language: Language = "both",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Snake plot: each segment's mean of every (standardised) variable, one line per segment.

    Examples
    --------
    >>> f = pd.DataFrame({"r": [1.0, 2, 9, 8], "f": [5.0, 6, 1, 2], "m": [9.0, 8, 1, 1]})
    >>> ax = plot_snake(f, [1, 1, 2, 2])
    >>> len(ax.get_legend().get_texts()), [t.get_text() for t in ax.get_xticklabels()]
    (2, ['r', 'f', 'm'])
    """
    lab = align_labels(frame, labels)
    cols = list(variables) if variables is not None else [
        c for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]  # fmt: skip
    data = frame[cols].astype(float)
    if standardise:
        std = data.std(ddof=0).replace(0, np.nan)
        data = ((data - data.mean()) / std).fillna(0.0)
    segs = category_order(lab)
    means = data.groupby(lab.to_numpy()).mean().reindex(segs)
    means = means.rename(columns=lambda c: feature_label(c, language))
    long = means.rename_axis("segment").reset_index().melt("segment", var_name="variable")
    long["segment"] = long["segment"].astype(str)
    ax = axes_for(ax, (max(6.0, 0.8 * len(cols) + 2), 4.5))
    sns.lineplot(
        data=long, x="variable", y="value", hue="segment", hue_order=[str(s) for s in segs],
        marker="o", sort=False, ax=ax,
    )  # fmt: skip
    if standardise:
        ax.axhline(0.0, color="grey", linewidth=0.8, linestyle="--", gid="reference")
    legend_outside(ax, "segment (细分)")
    ax.set_ylabel("mean z-score (标准化均值)" if standardise else "mean (均值)")
    ax.set_xlabel("")
    ax.tick_params(axis="x", labelrotation=45)
    for tick in ax.get_xticklabels():  # long readable labels end under their point
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")
    ax.set_title(title or "Snake plot of segment means (细分群体均值)")
    return ax


_BEST = {"silhouette": "max", "calinski": "max", "davies": "min", "bic": "min", "aic": "min"}


def plot_k_selection(
    table: pd.DataFrame,
    *,
    k: str = "k",
    metrics: Sequence[str] | None = None,
    normalise: bool | None = None,
    selected: int | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Criteria against the number of segments k, one line per criterion.

    Parameters
    ----------
    table : DataFrame
        A ``k`` column (or index) and numeric criteria columns (silhouette, inertia, ...).
    metrics : sequence of str, optional
        Criteria to draw; default all numeric columns.
    normalise : bool, optional
        Rescale each criterion to 0–1 (default when there is more than one).
    selected : int, optional
        The chosen k, marked with a vertical line.

    Examples
    --------
    >>> t = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.4, 0.6, 0.5], "inertia": [90, 40, 35]})
    >>> ax = plot_k_selection(t, selected=3)
    >>> len(ax.get_legend().get_texts()), ax.get_xlabel()
    (2, 'k')
    """
    data = table.reset_index() if k not in table.columns and table.index.name == k else table
    if k not in data.columns:
        raise KeyError(f"no column {k!r} with the number of segments")
    names = list(metrics) if metrics is not None else [
        c for c in data.columns if c != k and pd.api.types.is_numeric_dtype(data[c])
    ]  # fmt: skip
    scale = len(names) > 1 if normalise is None else normalise
    long = data.melt(id_vars=k, value_vars=names, var_name="criterion")
    if scale:
        grp = long.groupby("criterion")["value"]
        span = (grp.transform("max") - grp.transform("min")).replace(0, np.nan)
        long["value"] = ((long["value"] - grp.transform("min")) / span).fillna(0.5)
    labels = {
        n: next((f"{n} ({v} best)" for key, v in _BEST.items() if key in n.lower()), n)
        for n in names
    }
    long["criterion"] = long["criterion"].map(labels)
    ax = axes_for(ax)
    sns.lineplot(data=long, x=k, y="value", hue="criterion", marker="o", ax=ax)
    legend_outside(ax, "")
    if selected is not None:
        ax.axvline(selected, color="grey", linestyle="--", linewidth=1, gid="reference")
    ax.set_xticks(sorted(pd.unique(data[k])))
    ax.set_ylabel("criterion, scaled 0–1 (标准化)" if scale else str(names[0]))
    ax.set_title(title or "Choosing the number of segments k (选择细分数)")
    return ax


_VERDICT_COLOURS = {"stable": "#2a9d8f", "doubtful": "#e9c46a", "unstable": "#e76f51"}


def plot_stability(
    report: StabilityReport | pd.DataFrame,
    *,
    stable: float = 0.75,
    unstable: float = 0.6,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bars of each segment's mean bootstrap Jaccard (± std) with 0.6 / 0.75 reference lines.

    ``report`` is a :class:`~segkit.validate.stability.StabilityReport` (its thresholds are used)
    or its
    ``table``.
    """
    if isinstance(report, StabilityReport):
        table = report.table
        stable, unstable = report.thresholds["stable"], report.thresholds["unstable"]
    else:
        table = report
    data = table.rename_axis("segment").reset_index()
    data["segment"] = data["segment"].astype(str)
    if "verdict" not in data:
        m = data["mean_jaccard"]
        data["verdict"] = np.where(
            m >= stable, "stable", np.where(m < unstable, "unstable", "doubtful")
        )
    ax = axes_for(ax)
    sns.barplot(
        data=data, x="segment", y="mean_jaccard", hue="verdict", palette=_VERDICT_COLOURS,
        hue_order=[v for v in _VERDICT_COLOURS if v in set(data["verdict"])], dodge=False, ax=ax,
    )  # fmt: skip
    if "std_jaccard" in data:
        ax.errorbar(
            np.arange(len(data)), data["mean_jaccard"], yerr=data["std_jaccard"].fillna(0),
            fmt="none", ecolor="black", capsize=3, linewidth=1,
        )  # fmt: skip
    for y, name in ((unstable, "unstable <"), (stable, "stable ≥")):
        ax.axhline(y, color="grey", linestyle="--", linewidth=1, gid="reference")
        ax.annotate(f"{name} {y:g}", (1.01, y), xycoords=("axes fraction", "data"),
                    ha="left", va="center", fontsize=8, color="grey")  # fmt: skip
    legend_outside(ax, "", below=True)  # the reference lines are annotated on the right
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("segment (细分)")
    ax.set_ylabel("mean Jaccard (平均 Jaccard)")
    ax.set_title(title or "Segment stability, bootstrap (稳定性)")
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
    ax = axes_for(ax, (0.9 * table.shape[1] + 3, 0.6 * table.shape[0] + 2))
    sns.heatmap(table.astype(float), ax=ax, cmap="Blues", vmin=0, annot=True, fmt=fmt, cbar=False)
    ax.set_xlabel(xlabel or str(table.columns.name or ""))
    ax.set_ylabel(ylabel or str(table.index.name or ""))
    ax.set_title(title or "")
    return ax
