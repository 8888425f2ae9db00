"""Readable labels of columns and the logical order of tier and stage names.

One label table, ``segkit/data/labels.yaml``, maps a column to its Chinese and English label
with the unit (``avg_order_value`` → 客单价（元） / Average order value (CNY)); columns such as
``share_category_食品`` are labelled by a pattern rule. :func:`feature_label` reads it and
falls back to the column name. :func:`category_order` puts tier and lifecycle names in their
logical order (high → low, A → B → C, new → lost) instead of character-code order.

This module imports neither matplotlib nor seaborn, so tables and Excel sheets may use it too.

Examples
--------
>>> feature_label("avg_order_value", "en")
'Average order value (CNY)'
>>> feature_label("share_category_食品", "zh"), feature_label("share_category_食品", "en")
('食品占比', 'share of 食品')
>>> feature_label("share_category_食品", "both")
'食品占比 / share of 食品'
>>> category_order(["中价值", "低价值", "高价值"])
['高价值', '中价值', '低价值']
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Literal

import pandas as pd
import yaml

from segkit.tiers.result import _NAMES as _TIER_NAMES
from segkit.tiers.result import LIFECYCLE_ZH

__all__ = ["LOGICAL_ORDERS", "category_order", "feature_label", "label_table"]

Language = Literal["zh", "en", "both"]

#: tier and stage names in display order (best / earliest first), English and Chinese;
#: the tier names come from :mod:`segkit.tiers.result` (stored lowest first, shown reversed)
LOGICAL_ORDERS: tuple[tuple[str, ...], ...] = (
    *(tuple(reversed(names[lang])) for names in _TIER_NAMES.values() for lang in ("en", "zh")),
    tuple(LIFECYCLE_ZH),
    tuple(LIFECYCLE_ZH.values()),
)


@functools.lru_cache(maxsize=1)
def label_table() -> dict[str, Any]:
    """The label table ``segkit/data/labels.yaml`` (``features`` and ``patterns``)."""
    text = resources.files("segkit.data").joinpath("labels.yaml").read_text(encoding="utf-8")
    table: dict[str, Any] = yaml.safe_load(text)
    return table


def _pick(label: Mapping[str, str], language: Language) -> str:
    if language == "both":
        return label["zh"] if label["zh"] == label["en"] else f"{label['zh']} / {label['en']}"
    return label[language]


def feature_label(name: object, language: Language = "zh") -> str:
    """The readable label of a column in ``language`` (``zh``, ``en`` or ``both``).

    Looks the name up in ``labels.yaml`` (``features``), then tries its ``patterns``
    (``share_category_<value>`` → "<value>占比" / "share of <value>"); an unknown column comes
    back as its name.

    Examples
    --------
    >>> feature_label("monetary"), feature_label("no_such_column", "en")
    ('消费金额（元）', 'no_such_column')
    """
    key = str(name)
    table = label_table()
    if key in table.get("features", {}):
        return _pick(table["features"][key], language)
    for prefix, label in table.get("patterns", {}).items():
        if key.startswith(prefix) and len(key) > len(prefix):
            value = key[len(prefix) :]
            return _pick({k: v.format(value=value) for k, v in label.items()}, language)
    return key


def category_order(values: Iterable[Any]) -> list[Any]:
    """The distinct ``values`` in logical order.

    Names of one known scale (value tiers high → low, ABC, lifecycle stages new → lost, see
    :data:`LOGICAL_ORDERS`) follow that scale, other names after them; otherwise an ordered
    Categorical keeps its categories' order and anything else is sorted (segment numbers
    ascending).

    Examples
    --------
    >>> category_order(["lost", "new", "mature"])
    ['new', 'mature', 'lost']
    >>> category_order(["C", "A", "B"]), category_order([3, 1, 2])
    (['A', 'B', 'C'], [1, 2, 3])
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    present = list(pd.unique(series.dropna()))
    cats = present
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = [c for c in series.cat.categories if c in set(present)]
    text = {str(v): v for v in present}
    best: tuple[str, ...] = ()
    for scale in LOGICAL_ORDERS:
        hits = sum(s in text for s in scale)
        if hits > sum(s in text for s in best):
            best = scale
    if not best or (len(text) > 1 and sum(s in text for s in best) < 2):
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered:
            return cats
        try:
            return sorted(present)
        except TypeError:
            return sorted(present, key=str)
    rest = sorted((v for k, v in text.items() if k not in best), key=str)
    return [text[s] for s in best if s in text] + rest
