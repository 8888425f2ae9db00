"""Strategy (细分后的管理策略): map each segment to differentiated actions and KPIs.

Segments are only useful when they change what the business does. A *playbook* — data, in
``segkit/data/playbook.yaml``, overridable — holds rules such as "high value and churning →
key-account win-back visit, same-day response". :func:`build_strategy` matches every segment
against every rule; for each action dimension (product, price, promotion, channel, service
level, response time, care) the most specific matching rule wins, and the table records the
rule id behind each recommendation so it can be traced and explained (PIPL Art. 24 asks for
transparent automated decisions). The marketing budget is split by the matching rules'
resource weights times each segment's value share.

Examples
--------
>>> import pandas as pd
>>> segs = pd.DataFrame({"segment": [1, 2], "value": ["high", "low"],
...                      "lifecycle": ["churning", "mature"], "value_share": [0.7, 0.3]})
>>> s = build_strategy(segs)
>>> s.set_index("segment").loc[1, ["response_time", "response_time_rule"]].tolist()
['当日响应 / same day', 'high-value-at-risk']
>>> float(round(s["resource_share"].sum(), 6))
1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from segkit.errors import InputError

CONDITION_KEYS = ("value", "lifecycle", "growth", "need")


def load_playbook(source: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """segkit's default playbook, or a user's (YAML path or dict), validated."""
    if source is None:
        text = resources.files("segkit.data").joinpath("playbook.yaml").read_text("utf-8")
        book: dict[str, Any] = yaml.safe_load(text)
    elif isinstance(source, Mapping):
        book = dict(source)
    else:
        book = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    lint_playbook(book)
    return book


def lint_playbook(book: Mapping[str, Any]) -> None:
    """Raise :class:`InputError` (``PLAYBOOK``) on an unusable playbook.

    Checks: a ``default`` rule without conditions exists and fills every dimension; rule ids
    are unique; conditions use known keys; actions use declared dimensions.
    """
    dims = list(book.get("dimensions") or [])
    rules = list(book.get("rules") or [])
    ids = [r.get("id") for r in rules]
    problems = []
    if len(set(ids)) != len(ids) or None in ids:
        problems.append(f"rule ids must be present and unique: {ids}")
    default = [r for r in rules if r.get("id") == "default"]
    if not default or default[0].get("when"):
        problems.append("a rule 'default' with no conditions is required")
    elif missing := [d for d in dims if d not in (default[0].get("actions") or {})]:
        problems.append(f"rule 'default' must fill every dimension; missing {missing}")
    for r in rules:
        bad_keys = set(r.get("when") or {}) - set(CONDITION_KEYS)
        if bad_keys:
            problems.append(f"rule {r.get('id')!r}: unknown condition keys {sorted(bad_keys)}")
        bad_dims = set(r.get("actions") or {}) - set(dims)
        if bad_dims:
            problems.append(f"rule {r.get('id')!r}: undeclared dimensions {sorted(bad_dims)}")
    if problems:
        raise InputError("; ".join(problems), code="PLAYBOOK")


def _matches(rule: Mapping[str, Any], segment: Mapping[str, Any]) -> bool:
    for key, allowed in (rule.get("when") or {}).items():
        value = segment.get(key)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return False
        if str(value) not in [str(a) for a in allowed]:
            return False
    return True


def build_strategy(
    segments: pd.DataFrame, playbook: str | Path | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """One strategy row per segment.

    Parameters
    ----------
    segments : DataFrame
        One row per segment with ``segment`` and any of ``value`` (high/mid/low),
        ``lifecycle`` (new/growing/mature/churning/lost), ``growth`` (high/mid/low), ``need``
        (price/quality/service/convenience), and optionally ``value_share`` (default: equal).
    playbook : path or dict, optional

    Returns
    -------
    DataFrame
        ``segment``, one column per dimension and ``<dimension>_rule`` naming the rule used,
        ``matched_rules``, ``kpis`` (union of the matching rules' KPIs), ``resource_share``.
    """
    book = load_playbook(playbook)
    dims: list[str] = list(book["dimensions"])
    rules: list[Mapping[str, Any]] = list(book["rules"])
    if "segment" not in segments:
        raise InputError("segments table needs a 'segment' column", code="MISSING_COLUMN")
    shares = (
        segments["value_share"].astype(float)
        if "value_share" in segments
        else pd.Series(1.0 / len(segments), index=segments.index)
    )
    out = []
    for (_, seg), share in zip(segments.iterrows(), shares, strict=True):
        record = seg.to_dict()
        hits = [(i, r) for i, r in enumerate(rules) if _matches(r, record)]
        # most specific first; then higher priority; then file order
        hits.sort(key=lambda h: (-len(h[1].get("when") or {}), -h[1].get("priority", 0), h[0]))
        row: dict[str, Any] = {"segment": record["segment"]}
        for dim in dims:
            for _, rule in hits:
                if dim in (rule.get("actions") or {}):
                    row[dim] = rule["actions"][dim]
                    row[f"{dim}_rule"] = rule["id"]
                    break
        kpis: list[str] = []
        for _, rule in hits:
            kpis += [k for k in rule.get("kpis", []) if k not in kpis]
        weight = max(float(r.get("resource_weight", 1.0)) for _, r in hits)
        row["matched_rules"] = ", ".join(r["id"] for _, r in hits)
        row["kpis"] = "; ".join(kpis)
        row["_weight"] = weight * float(share)
        out.append(row)
    table = pd.DataFrame(out)
    total = table["_weight"].sum()
    table["resource_share"] = table.pop("_weight") / total if total > 0 else 1.0 / len(table)
    ordered = ["segment", *[c for d in dims for c in (d, f"{d}_rule")]]
    return table[[*ordered, "matched_rules", "kpis", "resource_share"]]


def dominant(labels: pd.Series, by: pd.Series) -> pd.Series:
    """The most common value of ``labels`` within each group of ``by`` (ties: first sorted).

    Used to give a segment its value tier or lifecycle stage from its members'.

    Examples
    --------
    >>> dominant(pd.Series(["high", "high", "low"]), pd.Series([1, 1, 2])).to_dict()
    {1: 'high', 2: 'low'}
    """
    frame = pd.DataFrame({"g": by.to_numpy(), "v": labels.astype(str).to_numpy()})
    counts = frame.groupby(["g", "v"]).size().reset_index(name="n")
    counts = counts.sort_values(["g", "n", "v"], ascending=[True, False, True])
    return counts.drop_duplicates("g").set_index("g")["v"].rename(labels.name)


def overrepresented(labels: pd.Series, by: pd.Series) -> pd.DataFrame:
    """Per group of ``by``: the level of ``labels`` most over-represented against the
    population, its share in the group and its index (group share ÷ population share).

    A segment's lifecycle or growth trait is what sets it apart, not what it shares with
    everyone: with "mature" the largest stage overall, the most common stage is "mature" in
    every segment and says nothing. Ties: higher share in the group, then the level's name.

    Returns
    -------
    DataFrame
        Indexed by group: ``level``, ``share``, ``index``.

    Examples
    --------
    >>> lab = pd.Series(["m", "m", "m", "c", "m", "m", "c", "c"])
    >>> seg = pd.Series([1, 1, 1, 1, 2, 2, 2, 2])
    >>> overrepresented(lab, seg).round(2).values.tolist()
    [['m', 0.75, 1.2], ['c', 0.5, 1.33]]
    """
    frame = pd.DataFrame({"g": by.to_numpy(), "v": labels.astype(str).to_numpy()})
    overall = frame["v"].value_counts(normalize=True)
    share = frame.groupby("g")["v"].value_counts(normalize=True).rename("share").reset_index()
    share["index"] = share["share"] / share["v"].map(overall)
    share = share.sort_values(
        ["g", "index", "share", "v"], ascending=[True, False, False, True], kind="stable"
    )
    best = share.drop_duplicates("g").set_index("g")
    return best.rename(columns={"v": "level"})[["level", "share", "index"]].rename_axis(by.name)


#: A segment's value is "high" when its mean value is at least this many times the
#: population's (index ≥ 120, the usual "notably above average"), "low" at or below
#: :data:`LOW_VALUE_INDEX`, else "mid".
HIGH_VALUE_INDEX = 1.2
LOW_VALUE_INDEX = 0.8


def value_level(value_index: float) -> str:
    """``high`` / ``mid`` / ``low`` from a segment's value index (value share ÷ customer
    share: its mean value relative to the population's).

    Examples
    --------
    >>> [value_level(x) for x in (2.0, 1.2, 0.99, 0.8, 0.3)]
    ['high', 'high', 'mid', 'low', 'low']
    """
    if value_index >= HIGH_VALUE_INDEX:
        return "high"
    return "low" if value_index <= LOW_VALUE_INDEX else "mid"
