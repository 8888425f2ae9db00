"""Describe the segments: segment profiles (细分群体画像), what sets each segment apart.

For every variable and segment: the segment's mean (numeric) or share of each level
(categorical), the overall value, the **index** = segment ÷ overall × 100 (100 = average;
120 = 20 % above), a standardised effect size of the segment against the rest of the
customers (Cohen's *d* for means, Cohen's *h* for shares; J. Cohen, *Statistical Power
Analysis for the Behavioral Sciences*, 2nd ed., 1988, §2.2 and §6.2), a test p-value (Welch's
t-test; two-proportion z-test) and its Benjamini–Hochberg q-value over the whole table. A
skewed spend or count column (:func:`segkit.cluster.prepare.skewed_columns`) may be compared
on the log scale (``log1p=``: *d* and Welch's test of log(1 + x), ``effect_measure``
``cohen_d_log1p``), as the clustering sees it; a few large customers then no longer hide
how far below the others a low-spending segment lies. This is the "analyse each segment's
traits" part of validation and the raw material for naming segments (:mod:`segkit.naming`).

Examples
--------
>>> frame = pd.DataFrame({"monetary": [10.0, 12, 11, 50, 55, 60],
...                       "channel": ["店", "店", "网", "网", "网", "网"]})
>>> prof = profile_segments(frame, [1, 1, 1, 2, 2, 2], value_column="monetary")
>>> prof.wide("index").round(0)  # doctest: +NORMALIZE_WHITESPACE
feature  monetary  channel=店  channel=网
segment
1            33.0      200.0       50.0
2           167.0        0.0      150.0
>>> prof.sizes["value_share"].round(3).tolist()
[0.167, 0.833]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segkit.cluster.prepare import skewed_columns
from segkit.errors import InputError
from segkit.validate.sizes import align_labels

__all__ = ["SegmentProfile", "profile_segments", "skewed_columns"]

_DIRECTION = {1: ("高于平均", "above average"), -1: ("低于平均", "below average")}
_FLAT = ("持平", "at average")


@dataclass
class SegmentProfile:
    """Outcome of :func:`profile_segments`.

    Attributes
    ----------
    table : DataFrame
        Long table, one row per segment × feature (a numeric variable, or ``variable=level``):
        ``segment``, ``variable``, ``level``, ``feature``, ``kind`` (numeric/categorical),
        ``stat_segment`` (mean or share), ``stat_overall``, ``stat_rest``, ``index``,
        ``diff`` (segment − rest), ``effect_size`` with ``effect_measure`` (cohen_d/cohen_h,
        cohen_d_log1p), ``statistic`` and ``test`` (welch_t/two_prop_z, welch_t_log1p),
        ``p_value``, ``q_value`` (BH),
        ``n`` (non-missing rows of the segment), ``segment_size``, ``segment_share`` and, with
        a value column, ``value_share``.
    sizes : DataFrame
        Per segment: ``size``, ``share`` and, with a value column, ``value_sum``,
        ``value_share`` and ``value_index`` (value share ÷ customer share × 100).
    value_column : str, optional
    skipped : list of str
        Columns not profiled (identifiers, dates, categoricals with too many levels).
    """

    table: pd.DataFrame
    sizes: pd.DataFrame
    value_column: str | None = None
    skipped: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The long table."""
        return self.table.copy()

    @property
    def segments(self) -> list[Any]:
        """Segments in profile order."""
        return list(self.sizes.index)

    def wide(self, stat: str = "index") -> pd.DataFrame:
        """Segments × features table of one column of :attr:`table` (default ``index``)."""
        if stat not in self.table.columns:
            raise KeyError(f"no column {stat!r}; choose one of {list(self.table.columns)}")
        features = list(dict.fromkeys(self.table["feature"]))
        wide = self.table.pivot(index="segment", columns="feature", values=stat)
        return wide.reindex(index=self.segments, columns=features).rename_axis(
            index="segment", columns="feature"
        )

    def top_traits(self, n: int = 5, *, max_q: float | None = None) -> pd.DataFrame:
        """The ``n`` features that set each segment apart most, by absolute effect size.

        Parameters
        ----------
        n : int
            Traits per segment.
        max_q : float, optional
            Keep only features with ``q_value`` at most this.

        Returns
        -------
        DataFrame
            ``segment``, ``rank``, ``feature``, ``stat_segment``, ``stat_overall``, ``index``,
            ``effect_size``, ``q_value``, ``direction`` (高于平均/低于平均) and
            ``direction_en`` (above/below average).
        """
        table = self.table
        if max_q is not None:
            table = table[table["q_value"] <= max_q]
        table = table.assign(_abs=table["effect_size"].abs()).sort_values(
            "_abs", ascending=False, kind="stable", na_position="last"
        )
        pos = {s: i for i, s in enumerate(self.segments)}
        table = table.sort_values("segment", key=lambda s: s.map(pos), kind="stable")
        top = table.groupby("segment", sort=False).head(n).copy()
        top["rank"] = top.groupby("segment", sort=False).cumcount() + 1
        sign = np.sign(top["diff"].fillna(0)).astype(int)
        top["direction"] = [_DIRECTION.get(s, _FLAT)[0] for s in sign]
        top["direction_en"] = [_DIRECTION.get(s, _FLAT)[1] for s in sign]
        cols = ["segment", "rank", "feature", "stat_segment", "stat_overall", "index"]
        cols += ["effect_size", "q_value", "direction", "direction_en"]
        return top[cols].reset_index(drop=True)


def _numeric_stats(data: pd.DataFrame, codes: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Segment-vs-rest statistics, segments × variables, from grouped moments."""
    grouped = data.groupby(codes)
    n_s = grouped.count().reindex(range(k), fill_value=0).to_numpy(float)
    m_s = grouped.mean().reindex(range(k)).to_numpy(float)
    m2_s = (grouped.var(ddof=0).reindex(range(k)) * n_s).to_numpy(float)
    n_t, m_t = data.count().to_numpy(float), data.mean().to_numpy(float)
    m2_t = (data.var(ddof=0) * data.count()).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_r = n_t - n_s
        m_r = (n_t * m_t - n_s * m_s) / n_r
        delta = m_s - m_r
        # parallel-variance identity: M2_total = M2_s + M2_r + δ² n_s n_r / n
        m2_r = np.clip(m2_t - m2_s - delta**2 * n_s * n_r / n_t, 0, None)
        v_s, v_r = m2_s / (n_s - 1) / n_s, m2_r / (n_r - 1) / n_r
        pooled = np.sqrt((m2_s + m2_r) / (n_t - 2))
        d = delta / pooled
        se = np.sqrt(v_s + v_r)
        t = delta / se
        df = se**4 / (v_s**2 / (n_s - 1) + v_r**2 / (n_r - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    flat = se == 0  # both groups constant: equal means → p = 1, else certain difference
    p = np.where(flat, np.where(delta == 0, 1.0, 0.0), p)
    d = np.where(pooled == 0, np.where(delta == 0, 0.0, np.nan), d)
    return {"stat_segment": m_s, "stat_overall": np.broadcast_to(m_t, m_s.shape),
            "stat_rest": m_r, "diff": delta, "effect_size": d, "statistic": t,
            "p_value": p, "n": n_s}  # fmt: skip


def _share_stats(values: pd.Series, codes: np.ndarray, k: int) -> tuple[dict[str, Any], list[Any]]:
    """Segment-vs-rest statistics for every level's share, segments × levels."""
    ok = values.notna().to_numpy()
    ct = pd.crosstab(codes[ok], values[ok].to_numpy()).reindex(range(k), fill_value=0)
    x = ct.to_numpy(float)
    n_s = x.sum(axis=1, keepdims=True)
    total, n_t = x.sum(axis=0), x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        n_r = n_t - n_s
        p_s, p_t, p_r = x / n_s, total / n_t, (total - x) / n_r
        h = 2 * np.arcsin(np.sqrt(p_s)) - 2 * np.arcsin(np.sqrt(p_r))
        se = np.sqrt(p_t * (1 - p_t) * (1 / n_s + 1 / n_r))
        z = (p_s - p_r) / se
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(z)), 1.0)
    out = {"stat_segment": p_s, "stat_overall": np.broadcast_to(p_t, p_s.shape),
           "stat_rest": p_r, "diff": p_s - p_r, "effect_size": h, "statistic": z,
           "p_value": p, "n": np.broadcast_to(n_s, p_s.shape)}  # fmt: skip
    return out, list(ct.columns)


def _log_scale(
    part: pd.DataFrame, data: pd.DataFrame, codes: np.ndarray, k: int, numeric: list[str]
) -> None:
    """Replace the effect size and test of ``data``'s columns in ``part`` (long rows of the
    ``numeric`` block) by those of log(1 + x)."""
    x = data.astype(float)
    if (x < 0).any().any():
        raise InputError("log1p needs values ≥ 0", column=str(x.columns[(x < 0).any()][0]),
                         code="NEGATIVE_VALUES")  # fmt: skip
    block = _long(_numeric_stats(np.log1p(x), codes, k))
    block["_feat"] = np.asarray([numeric.index(c) for c in data.columns])[block["_feat"]]
    merged = part[["_seg", "_feat"]].merge(block, on=["_seg", "_feat"], how="left", indicator=True)
    hit = (merged["_merge"] == "both").to_numpy()
    for name in ("effect_size", "statistic", "p_value"):
        part.loc[hit, name] = merged.loc[hit, name].to_numpy()
    part.loc[hit, "effect_measure"], part.loc[hit, "test"] = "cohen_d_log1p", "welch_t_log1p"


def _long(block: dict[str, Any]) -> pd.DataFrame:
    """Segments × features arrays to long rows (segment-major), with position columns."""
    k, f = np.shape(block["stat_segment"])
    frame = pd.DataFrame(
        {name: np.asarray(arr, dtype=float).ravel() for name, arr in block.items()}
    )
    frame.insert(0, "_seg", np.repeat(np.arange(k), f))
    frame.insert(1, "_feat", np.tile(np.arange(f), k))
    return frame


def profile_segments(
    frame: pd.DataFrame,
    labels: Any,
    *,
    value_column: str | None = None,
    categorical: Sequence[str] | None = None,
    variables: Sequence[str] | None = None,
    max_levels: int = 30,
    log1p: Sequence[str] = (),
) -> SegmentProfile:
    """Profile every segment against the whole customer base (细分群体画像).

    Parameters
    ----------
    frame : DataFrame
        One row per customer (e.g. the profile from :func:`segkit.profile.build_profile`).
    labels : Series or array-like
        Segments aligned with ``frame``.
    value_column : str, optional
        A value measure (e.g. ``monetary``): adds each segment's value share.
    categorical : sequence of str, optional
        Columns to treat as categorical (shares of each level) even if numeric; non-numeric
        and boolean columns are categorical anyway.
    variables : sequence of str, optional
        Columns to profile; default all except ``customer_id`` and datetimes.
    max_levels : int
        Automatically detected categoricals with more levels are skipped (identifiers).
    log1p : sequence of str
        Numeric columns (≥ 0) whose effect size and test are computed on log(1 + x), e.g.
        :func:`segkit.cluster.prepare.skewed_columns`; means and index stay in the column's units.

    Returns
    -------
    SegmentProfile
    """
    lab = align_labels(frame, labels)
    segs, codes = np.unique(lab.to_numpy(), return_inverse=True)
    k, n = len(segs), len(frame)
    explicit = set(categorical or ())
    missing = [c for c in [*(variables or ()), *explicit, value_column] if c and c not in frame]
    if missing:
        raise InputError("no such column", column=str(missing[0]), code="MISSING_COLUMN")
    columns = list(variables) if variables is not None else list(frame.columns)
    numeric: list[str] = []
    cats: list[str] = []
    skipped: list[str] = []
    for col in columns:
        s = frame[col]
        is_num = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if col in explicit:
            cats.append(col)
        elif variables is None and (
            col == "customer_id" or pd.api.types.is_datetime64_any_dtype(s)
        ):
            skipped.append(col)
        elif is_num:
            numeric.append(col)
        elif s.nunique() <= max_levels:
            cats.append(col)
        else:
            skipped.append(col)
    order = {c: i for i, c in enumerate(columns)}

    parts = []
    if numeric:
        part = _long(_numeric_stats(frame[numeric].astype(float), codes, k))
        part["variable"] = np.tile(np.asarray(numeric, dtype=object), k)
        part["level"], part["feature"], part["kind"] = None, part["variable"], "numeric"
        part["stat"], part["effect_measure"], part["test"] = "mean", "cohen_d", "welch_t"
        logged = [c for c in numeric if c in set(log1p)]
        if logged:
            _log_scale(part, frame[logged], codes, k, numeric)
        parts.append(part)
    for col in cats:
        block, levels = _share_stats(frame[col], codes, k)
        part = _long(block)
        part["variable"], part["level"] = col, np.tile(np.asarray(levels, dtype=object), k)
        part["feature"] = [f"{col}={lv}" for lv in part["level"]]
        part["kind"], part["stat"] = "categorical", "share"
        part["effect_measure"], part["test"] = "cohen_h", "two_prop_z"
        parts.append(part)
    if not parts:
        raise InputError("no variable to profile", code="NO_VARIABLES")
    table = pd.concat(parts, ignore_index=True)
    table["_var"] = table["variable"].map(order)
    table = table.sort_values(["_seg", "_var", "_feat"], kind="stable").reset_index(drop=True)
    table.insert(0, "segment", segs[table["_seg"].to_numpy()])

    with np.errstate(divide="ignore", invalid="ignore"):
        table["index"] = np.where(
            table["stat_overall"] != 0, table["stat_segment"] / table["stat_overall"] * 100, np.nan
        )
    ok = table["p_value"].notna()
    table["q_value"] = np.nan
    if ok.any():
        table.loc[ok, "q_value"] = stats.false_discovery_control(table.loc[ok, "p_value"])

    size = np.bincount(codes, minlength=k)
    sizes = pd.DataFrame({"size": size, "share": size / n}, index=pd.Index(segs, name="segment"))
    if value_column is not None:
        value = pd.to_numeric(frame[value_column], errors="coerce")
        sums = value.groupby(codes).sum().reindex(range(k), fill_value=0).to_numpy()
        sizes["value_sum"] = sums
        sizes["value_share"] = sums / sums.sum() if sums.sum() != 0 else np.nan
        sizes["value_index"] = sizes["value_share"] / sizes["share"] * 100
    seg_pos = table["_seg"].to_numpy()
    table["segment_size"] = size[seg_pos]
    table["segment_share"] = sizes["share"].to_numpy()[seg_pos]
    if value_column is not None:
        table["value_share"] = sizes["value_share"].to_numpy()[seg_pos]
    cols = ["segment", "variable", "level", "feature", "kind", "stat", "stat_segment"]
    cols += ["stat_overall", "stat_rest", "index", "diff", "effect_size", "effect_measure"]
    cols += ["statistic", "test", "p_value", "q_value", "n", "segment_size", "segment_share"]
    cols += ["value_share"] if value_column is not None else []
    table["n"] = table["n"].astype("int64")
    return SegmentProfile(table[cols], sizes, value_column, skipped)
