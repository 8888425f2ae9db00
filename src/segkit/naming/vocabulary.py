"""The naming vocabulary (命名词汇表): the words a trait puts into a segment's name.

``segkit/data/naming.yaml`` holds the curated words of segkit's own profile variables
(``monetary`` → 高价值 / High-value) and, under ``generic``, the templates that name any
other column or category level (``{name}偏高`` / ``high-{name}``, ``{level}为主`` /
``mostly-{level}``), so a customer table with columns ``fresh`` and ``grocery`` names its
segments as well as a segkit profile does. An analyst edits the file or passes overrides.

Examples
--------
>>> vocab = load_vocabulary()
>>> trait_word(vocab, "monetary", None, "high").en, trait_word(vocab, "grocery", None, "low").zh
('High-value', 'grocery偏低')
>>> trait_word(vocab, "channel", "线上", "high").zh
'线上为主'
>>> join_words([trait_word(vocab, "monetary", None, "high"),
...             trait_word(vocab, "frequency", None, "high")], "en")
'High-value frequent'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from segkit.privacy import safe_label

#: generic wording when the vocabulary has none (``naming.yaml`` ``generic:`` overrides it)
GENERIC = {
    "order": 50,
    "high": {"zh": "{name}偏高", "en": "high-{name}"},
    "low": {"zh": "{name}偏低", "en": "low-{name}"},
    "level": {"zh": "{level}为主", "en": "mostly-{level}"},
}


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
    merged["generic"] = {**vocab.get("generic", {}), **(extra.get("generic") or {})}
    if "noun" in extra:
        merged["noun"] = extra["noun"]
    return merged


@dataclass(frozen=True)
class Word:
    """A trait's words in a name: Chinese, English, place in the name, curated or generic."""

    zh: str
    en: str
    order: float
    generic: bool


def _entry(traits: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    if key in traits:
        return traits[key]
    for name, value in traits.items():
        if name.endswith("*") and key.startswith(name[:-1]):
            return value
    return None


def trait_word(
    vocab: Mapping[str, Any], variable: str, level: str | None, side: str
) -> Word | None:
    """The words for ``variable`` (or its ``level``) being high/low in a segment, or None.

    A curated entry (``traits:``; a key may be a variable, ``variable=level`` or a prefix
    ending in ``*``) gives its words, and None when it has none for ``side`` (a category
    share is named only when high). Any other column takes the ``generic`` templates with its
    name (``{name}``), a categorical level only when over-represented (``{level}``); names
    and levels are shown through :func:`segkit.privacy.safe_label`.
    """
    traits: Mapping[str, Any] = vocab.get("traits", {})
    key = variable if level is None else f"{variable}={level}"
    entry = _entry(traits, key)
    if entry is not None:
        words = entry.get(side)
        if not words:
            return None
        return Word(str(words["zh"]), str(words["en"]), float(entry.get("order", 99)), False)
    generic = {**GENERIC, **(vocab.get("generic") or {})}
    if level is not None and side != "high":
        return None
    template = generic["level" if level is not None else side]
    fill = {"name": safe_label(variable, "variable"), "level": safe_label(level, "level")}
    order = float(generic.get("order", 50)) + (10 if level is not None else 0)
    return Word(template["zh"].format(**fill), template["en"].format(**fill), order, True)


def join_words(words: Sequence[Word], language: str) -> str:
    """The words of a name in one language: curated words run together (高价值高频,
    High-value frequent), a generic word is set off (高价值、grocery偏高; High-value,
    high-grocery)."""
    out = ""
    for i, word in enumerate(words):
        text = word.zh if language == "zh" else word.en
        if i:
            loose = word.generic or words[i - 1].generic
            out += ("、" if loose else "") if language == "zh" else (", " if loose else " ")
        out += text
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
