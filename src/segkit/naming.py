"""Naming segments (细分群体命名): suggested Chinese and English names from their profiles.

A segment needs a name the business will remember — 高价值忠诚客户, "young, fashion-led, high
spend". segkit suggests one from the segment's profile: the variables on which the segment
stands furthest from the population average (its *index*, segment ÷ overall × 100), looked
up in an editable vocabulary (``segkit/data/naming.yaml``). The suggestion is only a start:
:func:`apply_names` takes the analyst's overrides, and every name keeps the traits behind it.

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

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from segkit.errors import InputError


def load_vocabulary(source: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The naming vocabulary: segkit's default, a YAML path, or a dict (merged over default)."""
    text = resources.files("segkit.data").joinpath("naming.yaml").read_text(encoding="utf-8")
    vocab: dict[str, Any] = yaml.safe_load(text)
    if source is None:
        return vocab
    extra = (
        dict(source)
        if isinstance(source, Mapping)
        else yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    )
    merged = dict(vocab)
    merged["traits"] = {**vocab.get("traits", {}), **(extra.get("traits") or {})}
    if "noun" in extra:
        merged["noun"] = extra["noun"]
    return merged


def _entry(traits: Mapping[str, Any], variable: str) -> Mapping[str, Any] | None:
    if variable in traits:
        return traits[variable]
    for key, value in traits.items():
        if key.endswith("*") and variable.startswith(key[:-1]):
            return value
    return None


def _personal_variable(variable: str) -> bool:
    """Whether a variable's name, or the level it is a share of, may be personal data."""
    from segkit.privacy import looks_personal

    level = re.sub(r"^share_[a-z]+?_", "", variable)
    return looks_personal(variable) or looks_personal(level)


def suggest_names(
    index_table: pd.DataFrame,
    *,
    vocabulary: str | Path | Mapping[str, Any] | None = None,
    max_traits: int = 2,
    high: float = 120.0,
    low: float = 80.0,
) -> pd.DataFrame:
    """Suggest a name per segment from its index profile.

    Parameters
    ----------
    index_table : DataFrame
        Segments × variables, each cell the segment's index (100 = population average), as
        given by ``SegmentProfile.wide("index")``.
    vocabulary : path, dict, optional
        Overrides merged over the default vocabulary.
    max_traits : int
        Most trait words in a name.
    high, low : float
        A variable counts as a trait when its index is ≥ ``high`` or ≤ ``low``.

    Returns
    -------
    DataFrame
        ``segment``, ``name_zh``, ``name_en``, ``traits`` (the variables and indices used).
        Variables missing from the vocabulary are used only when no known variable stands
        out, as a plain ``<variable>偏高`` / ``high-<variable>``, and never when the variable
        may be personal data (``share_category_李莫愁``: :func:`segkit.privacy.looks_personal`).
        Names are unique: a repeated name gets a number (``… 2``).
    """
    vocab = load_vocabulary(vocabulary)
    traits_vocab: Mapping[str, Any] = vocab.get("traits", {})
    noun = vocab.get("noun", {"zh": "客户", "en": "customers"})
    rows = []
    for segment, row in index_table.iterrows():
        candidates = []
        for variable, value in row.items():
            if pd.isna(value):
                continue
            entry = _entry(traits_vocab, str(variable))
            if entry is None and _personal_variable(str(variable)):
                continue  # a name built from personal data would carry it into every output
            if entry is None:  # not in the vocabulary: a plain word built from the name
                entry = {
                    "order": 50,
                    "generic": True,
                    "high": {"zh": f"{variable}偏高", "en": f"high-{variable}"},
                    "low": {"zh": f"{variable}偏低", "en": f"low-{variable}"},
                }
            side = "high" if value >= high else "low" if value <= low else None
            if side is None or side not in entry:
                continue
            distance = (
                abs(float(value) - 100.0)
                if side == "high"
                else 100.0 * (100.0 / max(float(value), 1.0) - 1.0)
            )
            candidates.append((distance, str(variable), side, float(value), entry))
        # vocabulary words first; generic words only when the vocabulary has nothing to say
        known = [c for c in candidates if not c[4].get("generic")]
        candidates = known or [c for c in candidates if c[4].get("generic")][:1]
        candidates.sort(key=lambda c: (-c[0], c[1]))
        chosen, used_words = [], set()
        for cand in candidates:
            word = cand[4][cand[2]]["zh"]
            if word in used_words:
                continue
            used_words.add(word)
            chosen.append(cand)
            if len(chosen) == max_traits:
                break
        chosen.sort(key=lambda c: (c[4].get("order", 99), -c[0]))
        zh = "".join(c[4][c[2]]["zh"] for c in chosen) or "一般"
        en_words = [c[4][c[2]]["en"] for c in chosen] or ["Typical"]
        en = " ".join(en_words)
        en = en[0].upper() + en[1:]
        rows.append(
            {
                "segment": segment,
                "name_zh": zh + noun["zh"],
                "name_en": f"{en} {noun['en']}",
                "traits": "; ".join(f"{c[1]} index {c[3]:.0f}" for c in chosen),
            }
        )
    out = pd.DataFrame(rows, columns=["segment", "name_zh", "name_en", "traits"])
    for col in ("name_zh", "name_en"):
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


def pick_language(text: Any, language: str) -> str:
    """``"中文 / English"`` texts (playbook, names) in the report's language.

    Examples
    --------
    >>> pick_language("标准定价 / list price", "zh"), pick_language("标准定价 / list price", "en")
    ('标准定价', 'list price')
    """
    value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    if language == "both" or " / " not in value:
        return value
    zh, en = value.split(" / ", 1)
    return zh if language == "zh" else en
