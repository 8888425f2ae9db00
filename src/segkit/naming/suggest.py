"""Suggested segment names (细分群体命名) from the traits that set each segment apart most.

A segment needs a name the business will remember — 高价值忠诚客户, "young, fashion-led, high
spend". segkit suggests one from the segment profile: the features on which the segment
differs most from the other customers by effect size (Cohen's *d* / *h*,
:mod:`segkit.naming.traits`), in the words of an editable vocabulary
(:mod:`segkit.naming.vocabulary`). Identifiers, codes and personal data never name a segment,
and no two segments share a name: segments whose strongest traits give the same name are told
apart by their next-strongest *distinct* trait (one the other segment does not share), and
only as a last resort by a number. :func:`apply_names` takes the analyst's overrides; every
name keeps the traits behind it.

Examples
--------
>>> import pandas as pd
>>> index = pd.DataFrame(
...     {"monetary": [250.0, 40.0], "frequency": [180.0, 60.0],
...      "share_channel_online": [100.0, 30.0]}, index=pd.Index([1, 2], name="segment"))
>>> names = suggest_names(index)
>>> names["name_zh"].tolist()
['高价值高频客户', '低价值线下客户']
>>> names["name_en"].tolist()
['High-value frequent customers', 'Low-value in-store customers']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.errors import InputError
from segkit.naming.traits import describe_trait, trait_table
from segkit.naming.vocabulary import Word, join_words, load_vocabulary, trait_word
from segkit.validate.describe import SegmentProfile

#: most words a disambiguation may add to a name before a number is used instead
MAX_EXTRA_WORDS = 2


@dataclass(frozen=True)
class _Trait:
    """One candidate word of a segment's name and the profile row behind it."""

    key: tuple[str, str, str]  # variable, level, side
    strength: float
    main: bool
    usable: bool
    word: Word
    row: pd.Series


def _candidates(traits: pd.DataFrame, vocab: Mapping[str, Any]) -> dict[Any, list[_Trait]]:
    """Per segment, its nameable traits strongest first (ties: feature name)."""
    out: dict[Any, list[_Trait]] = {}
    ordered = traits.assign(_f=traits["feature"].astype(str)).sort_values(
        ["strength", "_f"], ascending=[False, True], kind="stable"
    )
    for _, row in ordered.iterrows():
        level = None if row["level"] is None or pd.isna(row["level"]) else str(row["level"])
        word = trait_word(vocab, str(row["variable"]), level, str(row["side"]))
        if word is None:
            continue
        key = (str(row["variable"]), str(level), str(row["side"]))
        trait = _Trait(key, float(row["strength"]), bool(row["main"]), bool(row["usable"]),
                       word, row)  # fmt: skip
        out.setdefault(row["segment"], []).append(trait)
    return out


def _main_traits(cands: list[_Trait], max_traits: int, curated_first: bool) -> list[_Trait]:
    """The strongest main traits, one per variable and word. ``curated_first`` (an index
    table, which has no effect sizes to compare columns by): vocabulary words first, a
    generic word only when no curated one stands out."""
    main = [c for c in cands if c.main]
    if curated_first:
        main = [c for c in main if not c.word.generic] or [c for c in main if c.word.generic][:1]
    chosen: list[_Trait] = []
    for cand in main:
        if len(chosen) == max_traits:
            break
        if all(cand.key[0] != c.key[0] and cand.word.zh != c.word.zh for c in chosen):
            chosen.append(cand)
    return chosen


def _name(chosen: list[_Trait], noun: Mapping[str, str]) -> tuple[str, str]:
    """The Chinese and English name of a segment from its chosen traits."""
    words = [c.word for c in sorted(chosen, key=lambda c: (c.word.order, -c.strength))]
    zh = join_words(words, "zh") or "一般"
    en = join_words(words, "en") or "Typical"
    return zh + noun["zh"], f"{en[0].upper()}{en[1:]} {noun['en']}"


def _collisions(names: Mapping[Any, tuple[str, str]]) -> list[list[Any]]:
    """Groups of segments that share their Chinese or their English name."""
    parent = {s: s for s in names}

    def root(s: Any) -> Any:
        while parent[s] != s:
            s = parent[s]
        return s

    for lang in (0, 1):
        first: dict[str, Any] = {}
        for seg, name in names.items():
            if name[lang] in first:
                parent[root(seg)] = root(first[name[lang]])
            first.setdefault(name[lang], seg)
    groups: dict[Any, list[Any]] = {}
    for seg in names:
        groups.setdefault(root(seg), []).append(seg)
    return [g for g in groups.values() if len(g) > 1]


def _distinct_trait(
    seg: Any, others: list[Any], chosen: Mapping[Any, list[_Trait]],
    cands: Mapping[Any, list[_Trait]],
) -> _Trait | None:  # fmt: skip
    """``seg``'s strongest usable trait not yet in its name that some other segment of the
    group does not share (same variable, level and side at a usable strength)."""
    have = chosen[seg]
    for cand in cands.get(seg, []):
        if not cand.usable or any(cand.key[0] == c.key[0] or cand.word.zh == c.word.zh
                                  for c in have):  # fmt: skip
            continue
        shared = [any(o.usable and o.key == cand.key for o in cands.get(s, [])) for s in others]
        if not all(shared):
            return cand
    return None


def _disambiguate(
    chosen: dict[Any, list[_Trait]], cands: Mapping[Any, list[_Trait]], noun: Mapping[str, str]
) -> None:
    """Add distinct traits to segments whose names collide (at most :data:`MAX_EXTRA_WORDS`
    rounds); what still collides is numbered by :func:`suggest_names`."""
    for _ in range(MAX_EXTRA_WORDS):
        groups = _collisions({s: _name(t, noun) for s, t in chosen.items()})
        picks = {
            seg: pick
            for group in groups
            for seg in group
            if (pick := _distinct_trait(seg, [o for o in group if o != seg], chosen, cands))
        }
        if not picks:
            return
        for seg, pick in picks.items():
            chosen[seg] = [*chosen[seg], pick]


def suggest_names(
    profile: SegmentProfile | pd.DataFrame,
    *,
    vocabulary: str | Path | Mapping[str, Any] | None = None,
    max_traits: int = 2,
    min_effect: float = 0.5,
    min_distinct: float = 0.2,
    high: float = 120.0,
    low: float = 80.0,
    ignore: Iterable[str] = (),
) -> pd.DataFrame:
    """Suggest a name per segment from its strongest traits.

    Parameters
    ----------
    profile : SegmentProfile or DataFrame
        The segment profiles (:func:`segkit.validate.describe.profile_segments`): traits are
        ranked by absolute effect size, Cohen's *d* of a numeric variable and Cohen's *h* of
        a category share, whatever the column order. Or a segments × features index table
        (``SegmentProfile.wide("index")``, 100 = average), which has no effect sizes: its
        traits are ranked by ``|ln(index / 100)|`` and the vocabulary's words come before
        generic ones.
    vocabulary : path, dict, optional
        Overrides merged over the default vocabulary (``segkit/data/naming.yaml``).
    max_traits : int
        Most trait words in a name before any disambiguation.
    min_effect : float
        A trait must reach this absolute effect size to name a segment (default 0.5,
        Cohen's "medium"); a segment with none is ``一般客户`` / ``Typical customers``.
    min_distinct : float
        A trait that tells two same-named segments apart must reach this (0.2, "small").
    high, low : float
        With an index table: an index ≥ ``high`` or ≤ ``low`` is a trait.
    ignore : iterable of str
        Columns that never name a segment, besides those recognised as identifiers or codes
        (:func:`segkit.naming.traits.code_like_name`) or as personal data.

    Returns
    -------
    DataFrame
        ``segment``, ``name_zh``, ``name_en``, ``traits`` (the features used, strongest
        first, with index and effect size). Names are unique.
    """
    vocab = load_vocabulary(vocabulary)
    noun = vocab.get("noun", {"zh": "客户", "en": "customers"})
    by_effect = isinstance(profile, SegmentProfile)
    segments = profile.segments if isinstance(profile, SegmentProfile) else list(profile.index)
    traits = trait_table(profile, min_effect=min_effect, min_distinct=min_distinct, high=high,
                         low=low, ignore=ignore)  # fmt: skip
    cands = _candidates(traits, vocab)
    chosen = {s: _main_traits(cands.get(s, []), max_traits, not by_effect) for s in segments}
    _disambiguate(chosen, cands, noun)
    rows = []
    for seg in segments:
        zh, en = _name(chosen[seg], noun)
        ranked = sorted(chosen[seg], key=lambda c: -c.strength)
        used = "; ".join(describe_trait(c.row) for c in ranked)
        rows.append({"segment": seg, "name_zh": zh, "name_en": en, "traits": used})
    out = pd.DataFrame(rows, columns=["segment", "name_zh", "name_en", "traits"])
    for col in ("name_zh", "name_en"):  # the last resort: a number
        seen: dict[str, int] = {}
        fixed = []
        for name in out[col]:
            seen[name] = seen.get(name, 0) + 1
            fixed.append(name if seen[name] == 1 else f"{name} {seen[name]}")
        out[col] = fixed
    return out


def apply_names(
    names: pd.DataFrame, overrides: Mapping[Any, str | Mapping[str, str]] | None = None
) -> pd.DataFrame:
    """Apply the analyst's names over the suggestions.

    ``overrides`` maps a segment to a Chinese name, or to ``{"zh": ..., "en": ...}``. The
    result has a ``source`` column: ``suggested`` or ``user``.

    Examples
    --------
    >>> s = pd.DataFrame({"segment": [1, 2], "name_zh": ["甲", "乙"], "name_en": ["A", "B"],
    ...                   "traits": ["", ""]})
    >>> apply_names(s, {2: {"zh": "核心客户", "en": "Core"}})[["name_zh", "source"]].values.tolist()
    [['甲', 'suggested'], ['核心客户', 'user']]
    """
    out = names.copy()
    out["source"] = "suggested"
    for segment, value in (overrides or {}).items():
        hit = out["segment"] == segment
        if not hit.any():
            raise InputError(
                f"no segment {segment!r} to rename; segments are {out['segment'].tolist()}",
                code="UNKNOWN_SEGMENT",
            )
        if isinstance(value, str):
            out.loc[hit, "name_zh"] = value
        else:
            for lang in ("zh", "en"):
                if lang in value:
                    out.loc[hit, f"name_{lang}"] = value[lang]
        out.loc[hit, "source"] = "user"
    dup = out["name_zh"][out["name_zh"].duplicated()]
    if len(dup):
        raise InputError(f"two segments share the name {dup.iloc[0]!r}", code="DUPLICATE_NAME")
    return out
