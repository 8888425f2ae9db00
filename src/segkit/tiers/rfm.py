"""RFM scores and named RFM segments (RFM 模型客户分群).

Scores
------
:func:`rfm_scores` turns recency, frequency and monetary value into scores ``1..bins``
(5 = best; R is reversed so the most recent customers score highest). The tie rule is explicit
and never collapses bins on skewed data:

1. rank the non-missing values with ties **averaged** (R ranks ``−recency``);
2. the percentile of a customer is the middle of its tie block, ``p = (rank − ½) / n``;
3. ``score = floor(p · bins) + 1`` (computed in integers, so no rounding surprises).

Equal values therefore always share a score, and scores are monotone in the value. A large
tie block sits at the score of its middle: if 60% of customers have one order, they all get
F = 2 (score 1 is then unused) and the remaining 40% spread over F = 4–5. The number of
distinct scores per dimension is reported. Missing values get score 1.

Segments
--------
Named segments (Champions 重要价值客户, At risk 重要挽留客户, ...) are **data**: rules on R, F, M
and ``fm`` = (F + M) / 2 in ``segkit/data/rfm_segments.yaml``, overridable with a dict or a
YAML path. :func:`lint_rfm_config` checks that every R×F×M combination matches exactly one
segment; :func:`assign_rfm_segments` lints first and then labels the customers.

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"recency_days": [5, 40, 200, 10], "frequency": [9, 3, 1, 1],
...                   "monetary": [900.0, 300, 20, 60]})
>>> s = rfm_scores(p, bins=4)
>>> s.scores["rfm_code"].tolist()  # the two 1-order customers share F = 2
['444', '233', '121', '322']
>>> assign_rfm_segments(rfm_scores(p)).labels.tolist()
['Champions', 'At risk', 'Lost', 'Promising']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import yaml

from segkit.errors import InputError

__all__ = [
    "LintReport",
    "RFMScores",
    "RFMSegments",
    "assign_rfm_segments",
    "lint_rfm_config",
    "load_rfm_config",
    "rfm_scores",
]

_RULE_KEYS = ("r", "f", "m", "fm")


@dataclass(frozen=True)
class RFMScores:
    """RFM scores aligned with the profile rows.

    Attributes
    ----------
    scores : DataFrame
        ``R``, ``F``, ``M`` (int, 1..bins, 5 = best) and ``rfm_code`` (e.g. ``"545"``).
    thresholds : DataFrame
        ``dimension``, ``score``, ``lower``, ``upper`` (observed value range), ``n``.
    n_distinct : dict
        Distinct scores used per dimension, e.g. ``{"R": 5, "F": 3, "M": 5}``.
    bins : int
    """

    scores: pd.DataFrame
    thresholds: pd.DataFrame
    n_distinct: dict[str, int]
    bins: int

    def to_frame(self) -> pd.DataFrame:
        """The scores table (a copy)."""
        return self.scores.copy()


def _score(x: pd.Series, bins: int, *, reverse: bool) -> np.ndarray:
    valid = x.notna().to_numpy()
    out = np.ones(len(x), np.int64)
    n = int(valid.sum())
    if n:
        rank2 = ((-x if reverse else x)[valid].rank(method="average") * 2).round()
        twice = rank2.to_numpy(np.int64)  # 2 × average rank is an integer
        out[valid] = np.minimum((twice - 1) * bins // (2 * n) + 1, bins)
    return out


def rfm_scores(
    profile: pd.DataFrame,
    *,
    bins: int = 5,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> RFMScores:
    """R, F and M scores ``1..bins`` by average-rank percentiles (see the module notes).

    Parameters
    ----------
    profile : DataFrame
        One row per customer.
    bins : int, default 5
        Number of score levels (2..9, so that ``rfm_code`` has one digit per score).
    recency, frequency, monetary : str
        Column names; smaller recency is better.

    Returns
    -------
    RFMScores

    Examples
    --------
    >>> p = pd.DataFrame({"recency_days": [1, 2, 3, 4, 5], "frequency": [1, 1, 1, 2, 3],
    ...                   "monetary": [10.0, 20, 30, 40, 50]})
    >>> s = rfm_scores(p)
    >>> s.scores[["R", "F", "M"]].values.tolist()
    [[5, 2, 1], [4, 2, 2], [3, 2, 3], [2, 4, 4], [1, 5, 5]]
    >>> s.n_distinct
    {'R': 5, 'F': 3, 'M': 5}
    """
    if not 2 <= bins <= 9:
        raise InputError(f"bins must be in 2..9, got {bins}", code="BAD_BINS")
    cols = {"R": recency, "F": frequency, "M": monetary}
    out = pd.DataFrame(index=profile.index)
    rows = []
    for dim, col in cols.items():
        if col not in profile.columns:
            raise InputError("the profile has no such column", column=col, code="MISSING_COLUMN")
        x = pd.to_numeric(profile[col], errors="coerce").astype(float)
        out[dim] = _score(x, bins, reverse=dim == "R")
        for s, grp in x.groupby(out[dim]):
            lo, hi = grp.min(), grp.max()
            rows.append((dim, col, int(s), float(lo), float(hi), len(grp)))
    out["rfm_code"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    thr = pd.DataFrame(rows, columns=["dimension", "column", "score", "lower", "upper", "n"])
    distinct = {d: int(out[d].nunique()) for d in cols}
    return RFMScores(out, thr, distinct, bins)


def load_rfm_config(config: Mapping[str, Any] | str | Path | None = None) -> dict[str, Any]:
    """The segment config: segkit's default, a dict, or a YAML path; validated.

    Each segment needs ``name_en`` and ``name_zh`` (unique), optional ``description``, and
    ``rules``: a mapping (or a list of mappings, OR-ed) from ``r``/``f``/``m``/``fm`` to
    inclusive ``[low, high]`` ranges. Raises ``InputError(code="RFM_CONFIG")`` on a bad
    config.

    Examples
    --------
    >>> cfg = load_rfm_config()
    >>> cfg["bins"], cfg["segments"][0]["name_zh"]
    (5, '重要价值客户')
    """
    if config is None:
        text = resources.files("segkit.data").joinpath("rfm_segments.yaml").read_text("utf-8")
        raw: Any = yaml.safe_load(text)
    elif isinstance(config, Mapping):
        raw = dict(config)
    else:
        raw = yaml.safe_load(Path(config).read_text(encoding="utf-8"))

    def bad(msg: str) -> InputError:
        return InputError(f"RFM segment config: {msg}", code="RFM_CONFIG")

    if not isinstance(raw, Mapping) or not isinstance(raw.get("segments"), list):
        raise bad("needs a 'segments' list")
    segments = []
    for i, seg in enumerate(raw["segments"]):
        if not isinstance(seg, Mapping) or not seg.get("name_en") or not seg.get("name_zh"):
            raise bad(f"segment {i + 1} needs name_en and name_zh")
        rules = seg.get("rules")
        rules = [rules] if isinstance(rules, Mapping) else rules
        if not isinstance(rules, list) or not rules:
            raise bad(f"segment {seg['name_en']!r} needs rules")
        for rule in rules:
            if not isinstance(rule, Mapping) or not set(rule) <= set(_RULE_KEYS):
                raise bad(f"segment {seg['name_en']!r}: rule keys must be among {_RULE_KEYS}")
            for key, rng in rule.items():
                nums = isinstance(rng, list | tuple) and len(rng) == 2
                nums = nums and all(isinstance(v, int | float) for v in rng)
                ok = nums and float(rng[0]) <= float(rng[1])
                if not ok:
                    raise bad(f"segment {seg['name_en']!r}: {key} must be [low, high], got {rng}")
        segments.append({**seg, "rules": [dict(r) for r in rules]})
    for lang in ("name_en", "name_zh"):
        names = [s[lang] for s in segments]
        if len(set(names)) != len(names):
            raise bad(f"duplicate {lang}: {sorted({n for n in names if names.count(n) > 1})}")
    return {**raw, "bins": int(raw.get("bins", 5)), "segments": segments}


def _grid(bins: int) -> tuple[np.ndarray, list[str]]:
    """All R×F×M combinations (rows R, F, M) and their codes, best R first."""
    levels = np.arange(bins, 0, -1)
    g = np.array(np.meshgrid(levels, levels, levels, indexing="ij")).reshape(3, -1).T
    return g, [f"{r}{f}{m}" for r, f, m in g]


def _matches(segments: list[dict[str, Any]], grid: np.ndarray) -> np.ndarray:
    """Boolean matrix combos × segments."""
    r, f, m = grid.T
    vals = {"r": 2 * r, "f": 2 * f, "m": 2 * m, "fm": f + m}  # all doubled: fm steps of 0.5
    out = np.zeros((len(grid), len(segments)), bool)
    for j, seg in enumerate(segments):
        for rule in seg["rules"]:
            hit = np.ones(len(grid), bool)
            for key, (lo, hi) in rule.items():
                hit &= (vals[key] >= round(2 * float(lo), 9)) & (
                    vals[key] <= round(2 * float(hi), 9)
                )
            out[:, j] |= hit
    return out


@dataclass
class LintReport:
    """What :func:`lint_rfm_config` found.

    ``overlaps`` maps a tuple of segment names to the codes they all match; ``gaps`` lists
    codes no segment matches; ``unreachable`` segments match no code; ``empty`` segments (only
    with ``scores``) have no customers. ``ok`` is True without overlaps and gaps.
    """

    bins: int
    overlaps: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No overlapping rules and no gaps."""
        return not self.overlaps and not self.gaps

    def __str__(self) -> str:
        def codes(c: list[str]) -> str:
            return ", ".join(c[:8]) + (f", … ({len(c)} in all)" if len(c) > 8 else "")

        n = self.bins**3
        lines = [f"RFM config lint ({n} combinations): {'OK' if self.ok else 'PROBLEMS'}"]
        for names, c in self.overlaps.items():
            lines.append(f"  overlap: {' & '.join(names)} both match {codes(c)}")
        if self.gaps:
            lines.append(f"  gaps: no segment matches {codes(self.gaps)}")
        if self.unreachable:
            lines.append(f"  unreachable segments (match no combination): {self.unreachable}")
        if self.empty:
            lines.append(f"  empty segments (no customers): {self.empty}")
        return "\n".join(lines)


def lint_rfm_config(
    config: Mapping[str, Any] | str | Path | None = None,
    bins: int | None = None,
    *,
    scores: RFMScores | pd.DataFrame | None = None,
) -> LintReport:
    """Check a segment config: overlaps, gaps, unreachable and (with scores) empty segments.

    Parameters
    ----------
    config : dict, YAML path or None (segkit's default)
    bins : int, optional
        Score levels; default the config's ``bins`` (5).
    scores : RFMScores or DataFrame with ``R``, ``F``, ``M``, optional
        When given, segments with no customers are listed in ``empty``.

    Examples
    --------
    >>> cfg = {"segments": [
    ...     {"name_en": "Best", "name_zh": "最好", "rules": {"r": [2, 2], "fm": [1.5, 2]}},
    ...     {"name_en": "Recent", "name_zh": "近期", "rules": {"r": [2, 2]}}]}
    >>> rep = lint_rfm_config(cfg, bins=2)
    >>> rep.ok, rep.overlaps, rep.gaps
    (False, {('Best', 'Recent'): ['222', '221', '212']}, ['122', '121', '112', '111'])
    """
    cfg = load_rfm_config(config)
    k = int(bins if bins is not None else cfg["bins"])
    grid, codes = _grid(k)
    segs = cfg["segments"]
    hit = _matches(segs, grid)
    names = [s["name_en"] for s in segs]
    report = LintReport(bins=k)
    for i in np.flatnonzero(hit.sum(axis=1) > 1):
        key = tuple(n for n, h in zip(names, hit[i], strict=True) if h)
        report.overlaps.setdefault(key, []).append(codes[i])
    report.gaps = [codes[i] for i in np.flatnonzero(hit.sum(axis=1) == 0)]
    reach: list[bool] = np.asarray(hit.any(axis=0)).tolist()
    report.unreachable = [n for n, h in zip(names, reach, strict=True) if not h]
    if scores is not None:
        frame = _score_frame(scores, k)
        seen = frame[["R", "F", "M"]].drop_duplicates().to_numpy()
        used: list[bool] = np.asarray(_matches(segs, seen).any(axis=0)).tolist()
        report.empty = [n for n, u in zip(names, used, strict=True) if not u]
    return report


def _score_frame(scores: RFMScores | pd.DataFrame, bins: int) -> pd.DataFrame:
    frame = scores.scores if isinstance(scores, RFMScores) else scores
    missing = [c for c in ("R", "F", "M") if c not in frame.columns]
    if missing:
        raise InputError(f"scores need columns R, F, M; missing {missing}", code="RFM_SCORES")
    rfm = frame[["R", "F", "M"]]
    if rfm.isna().any().any() or not rfm.isin(range(1, bins + 1)).all().all():
        raise InputError(f"RFM scores must be integers 1..{bins}", code="RFM_SCORES")
    return rfm.astype(np.int64)


class RFMSegments(NamedTuple):
    """Segment labels (Categorical in config order, same index as the scores) and the lint."""

    labels: pd.Series
    report: LintReport

    def to_frame(self) -> pd.DataFrame:
        """The labels as a one-column DataFrame."""
        return self.labels.to_frame()


def assign_rfm_segments(
    scores: RFMScores | pd.DataFrame,
    config: Mapping[str, Any] | str | Path | None = None,
    *,
    strict: bool = True,
    lang: Literal["en", "zh"] = "en",
    name: str = "rfm_segment",
) -> RFMSegments:
    """Name each customer's RFM segment from a segment config (linted first).

    Parameters
    ----------
    scores : RFMScores or DataFrame with ``R``, ``F``, ``M``
    config : dict, YAML path or None
        None: ``segkit/data/rfm_segments.yaml``.
    strict : bool, default True
        Raise ``InputError(code="RFM_CONFIG")`` when the config has overlaps or gaps. With
        False, the first matching segment (config order) wins and uncovered customers get
        ``"unassigned"`` (未分配).
    lang : {"en", "zh"}
        Label with ``name_en`` or ``name_zh``.

    Examples
    --------
    >>> sc = pd.DataFrame({"R": [5, 1, 3], "F": [5, 1, 2], "M": [4, 2, 3]})
    >>> assign_rfm_segments(sc, lang="zh").labels.tolist()
    ['重要价值客户', '流失客户', '需要关注客户']
    """
    cfg = load_rfm_config(config)
    bins = scores.bins if isinstance(scores, RFMScores) else int(cfg["bins"])
    frame = _score_frame(scores, bins)
    report = lint_rfm_config(cfg, bins, scores=frame)
    if strict and not report.ok:
        raise InputError(f"the segment config is inconsistent:\n{report}", code="RFM_CONFIG")
    grid, _ = _grid(bins)
    hit = _matches(cfg["segments"], grid)
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), len(cfg["segments"]))
    table = np.empty((bins, bins, bins), np.int64)  # (R, F, M) - 1 -> segment position
    table[tuple((grid - 1).T)] = first
    r, f, m = (frame[c].to_numpy() - 1 for c in ("R", "F", "M"))
    codes = table[r, f, m]
    names = [s["name_en" if lang == "en" else "name_zh"] for s in cfg["segments"]]
    if (codes == len(names)).any():
        names.append("unassigned" if lang == "en" else "未分配")
    cat = pd.Categorical.from_codes(codes, categories=names)
    return RFMSegments(pd.Series(cat, index=frame.index, name=name), report)
