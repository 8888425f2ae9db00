"""Names and strategy of needs segments: item wording, needs, distinctive factors.

A needs segment (:mod:`segkit.workflow.needs`) is a cluster of respondents on their factor
scores. Here it gets

* its **distinctive factors**: Cohen's d of the segment against the other respondents on
  each factor score (mean difference over the pooled standard deviation), ranked by |d|;
* its **name**: for each distinctive factor, the wording of the item that loads highest on
  it, with ``↑`` when the segment agrees with the item more than the others and ``↓`` when
  less (the factor's direction times the sign of the item's loading). The first factor is
  always used, further ones while |d| ≥ 0.2 (Cohen's "small" effect) up to ``max_traits``;
  two segments with the same name get further factors, then a number;
* its **need** (price, quality, service, convenience: the playbook's ``need`` condition,
  ``segkit/data/playbook.yaml``): items are linked to a need by an item-wording file's
  ``need`` column or by the words of ``segkit/data/needs.yaml`` in their wording; a factor
  takes the need with most absolute loading among its primary items; the segment takes the
  need of the factor on which it stands highest (d × the direction of the need's items,
  at least 0.2). The playbook's ``need-*`` rules then fire in
  :func:`segkit.strategy.build_strategy`, and ``need_word`` gives the naming vocabulary's
  word for it (``f_price`` … in ``segkit/data/naming.yaml``).

:func:`label_segments` gives all three; ``segkit segment --method needs``
(:mod:`segkit.workflow.needs`) and step 7 of a report run on a survey (:func:`needs_plan`,
on the step-3 factor scores and loadings) both use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from segkit.errors import InputError

if TYPE_CHECKING:
    from segkit.workflow.planning import Plan
    from segkit.workflow.run import Run

__all__ = [
    "SMALL_EFFECT",
    "effect_sizes",
    "factor_needs",
    "item_needs",
    "label_segments",
    "name_segments",
    "needs_plan",
    "needs_strategy",
    "read_wording",
]

#: Cohen's (1988) "small" effect: a factor names a segment (beyond its first) or gives its
#: need only when the segment differs from the others by at least this many SDs.
SMALL_EFFECT = 0.2
Labels = Mapping[str, str | Sequence[str]]


def _texts(item: str, labels: Labels | None) -> list[str]:
    value = (labels or {}).get(item)
    if value is None:
        return [item]
    return [value] if isinstance(value, str) else [str(v) for v in value]


def wording(item: str, labels: Labels | None) -> str:
    """The item's label: its wording (first text of a sequence), else the column name."""
    return _texts(item, labels)[0]


def read_wording(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """Item wording (and optional needs) from a CSV/Excel table or a YAML mapping.

    A table has columns ``item`` and ``wording`` (else its first two columns) and optionally
    ``need``; YAML maps an item to its wording or to ``{wording: ..., need: ...}``. Tables are
    read encoding-robustly (:func:`segkit.collect.side_tables.read_table`).

    Returns
    -------
    labels, needs : dict
        Item → wording; item → need (only items that name one).
    """
    p = Path(path)
    labels: dict[str, str] = {}
    needs: dict[str, str] = {}
    if p.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        if not isinstance(data, Mapping):
            raise InputError("the wording YAML must map item -> wording", file=p, code="WORDING")
        for item, value in data.items():
            if isinstance(value, Mapping):
                labels[str(item)] = str(value.get("wording", item))
                if value.get("need"):
                    needs[str(item)] = str(value["need"])
            else:
                labels[str(item)] = str(value)
        return labels, needs
    from segkit.collect.side_tables import read_table

    table = read_table(p).drop(columns="source_row", errors="ignore")
    if table.shape[1] < 2:
        raise InputError("the wording table needs item and wording columns", file=p, code="WORDING")
    item_col = "item" if "item" in table else table.columns[0]
    text_col = "wording" if "wording" in table else table.columns[1]
    for row in table.to_dict("records"):
        if row[item_col] is None or row[text_col] is None:
            continue
        labels[str(row[item_col])] = str(row[text_col])
        if row.get("need"):
            needs[str(row[item_col])] = str(row["need"])
    return labels, needs


def _vocabulary() -> dict[str, list[str]]:
    text = resources.files("segkit.data").joinpath("needs.yaml").read_text(encoding="utf-8")
    return {str(k): [str(w).lower() for w in v] for k, v in yaml.safe_load(text).items()}


def item_needs(
    items: Sequence[str], labels: Labels | None = None, given: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Item → need: ``given`` first, else the first need of ``needs.yaml`` one of whose words
    the item's wording or column name contains (items with no match are left out).

    Examples
    --------
    >>> item_needs(["q1", "q2", "q3"], {"q1": "I use coupons", "q2": "配送速度对我很重要"})
    {'q1': 'price', 'q2': 'convenience'}
    """
    vocab = _vocabulary()
    out: dict[str, str] = {}
    for item in items:
        if given and given.get(item):
            out[item] = str(given[item])
            continue
        text = " ".join([item, *_texts(item, labels)]).lower()
        hit = next((need for need, words in vocab.items() if any(_says(text, w) for w in words)),
                   None)  # fmt: skip
        if hit is not None:
            out[item] = hit
    return out


def _says(text: str, word: str) -> bool:
    """``text`` contains ``word``: a Latin-script word only at the start of a word (``deal``
    is not in "ideal", ``convenien`` is in "convenient"); Chinese anywhere.

    Examples
    --------
    >>> _says("an ideal day", "deal"), _says("a good deal", "deal"), _says("送货快捷", "快捷")
    (False, True, True)
    """
    if word.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}", text) is not None
    return word in text


def factor_needs(loadings: pd.DataFrame, needs: Mapping[str, str]) -> pd.DataFrame:
    """Per factor: its ``need`` (most absolute loading among its primary items linked to a
    need; ``""`` if none) and ``direction`` (+1 / −1: the sign of those items' loadings, so
    that d × direction > 0 means the need is stronger)."""
    primary = loadings.abs().idxmax(axis=1)
    rows = []
    for f in loadings.columns:
        weight: dict[str, float] = {}
        signed: dict[str, float] = {}
        for item in primary.index[primary == f]:
            need = needs.get(str(item))
            if need:
                weight[need] = weight.get(need, 0.0) + abs(loadings.at[item, f])
                signed[need] = signed.get(need, 0.0) + loadings.at[item, f]
        best = max(sorted(weight), key=lambda n: weight[n], default="")
        direction = 1.0 if not best or signed[best] >= 0 else -1.0
        rows.append((f, best, direction))
    return pd.DataFrame(rows, columns=["factor", "need", "direction"]).set_index("factor")


def effect_sizes(scores: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Cohen's d of each segment against all other respondents, per factor score.

    d = (mean in segment − mean elsewhere) / pooled SD (ddof 1). Segments × factors.

    Examples
    --------
    >>> scores = pd.DataFrame({"F1": [1.0, 2.0, 3.0, 4.0]})
    >>> effect_sizes(scores, pd.Series([1, 1, 2, 2]))["F1"].round(2).tolist()
    [-2.83, 2.83]
    """
    rows = {}
    for seg in sorted(segments.unique()):
        inside = scores[segments.to_numpy() == seg]
        rest = scores[segments.to_numpy() != seg]
        n1, n2 = len(inside), len(rest)
        pooled = np.sqrt(((n1 - 1) * inside.var() + (n2 - 1) * rest.var()) / max(n1 + n2 - 2, 1))
        rows[seg] = (inside.mean() - rest.mean()) / pooled.where(pooled > 0)
    return pd.DataFrame(rows).T.rename_axis("segment")


def _top_item(loadings: pd.DataFrame, factor: str, rank: int = 0) -> str:
    primary = loadings.abs().idxmax(axis=1)
    mine = loadings.index[primary == factor]
    column = loadings.loc[mine, factor] if len(mine) else loadings[factor]
    order = column.abs().sort_values(ascending=False, kind="stable").index
    return str(order[min(rank, len(order) - 1)])


def _trait(loadings: pd.DataFrame, factor: str, d: float, labels: Labels | None) -> tuple:
    item = _top_item(loadings, factor)
    agree = np.sign(d) * np.sign(loadings.at[item, factor]) >= 0
    label = f"{wording(item, labels)} {'↑' if agree else '↓'}"
    return label, item, f"{factor} d={d:+.2f} ({item} {loadings.at[item, factor]:+.2f})"


def name_segments(
    d: pd.DataFrame, loadings: pd.DataFrame, labels: Labels | None = None, max_traits: int = 2
) -> pd.DataFrame:
    """A name per segment from its distinctive factors' top items (see the module notes).

    Returns
    -------
    DataFrame
        ``segment``, ``name``, ``traits`` (factor, d, item and loading behind each word),
        ``focus``: the wording of the top item the segment agrees with most, relative to
        the others (largest d × sign of the item's loading; the first trait if none is > 0).
    """
    ranked = {s: d.loc[s].abs().sort_values(ascending=False, kind="stable").index for s in d.index}

    def traits(seg: Any, n: int) -> list[tuple]:
        order = ranked[seg]
        keep = [f for i, f in enumerate(order) if i == 0 or abs(d.at[seg, f]) >= SMALL_EFFECT]
        chosen = (
            (keep[:n] + [f for f in order if f not in keep])[:n] if n > max_traits else keep[:n]
        )
        return [_trait(loadings, str(f), float(d.at[seg, f]), labels) for f in chosen]

    count = dict.fromkeys(d.index, max_traits)
    names = {s: " · ".join(t[0] for t in traits(s, max_traits)) for s in d.index}
    for _ in range(d.shape[1]):  # lengthen names that two segments share
        dup = pd.Series(names).duplicated(keep=False)
        if not dup.any():
            break
        for s in pd.Series(names).index[dup]:
            count[s] += 1
            names[s] = " · ".join(t[0] for t in traits(s, count[s]))
    seen: dict[str, int] = {}
    rows = []
    for s in d.index:
        seen[names[s]] = seen.get(names[s], 0) + 1
        name = names[s] if seen[names[s]] == 1 else f"{names[s]} ({seen[names[s]]})"
        used = traits(s, count[s])
        rows.append((s, name, "; ".join(t[2] for t in used), _focus(d.loc[s], loadings, labels)))
    return pd.DataFrame(rows, columns=["segment", "name", "traits", "focus"])


def _focus(d: pd.Series, loadings: pd.DataFrame, labels: Labels | None) -> str:
    tops = {f: _top_item(loadings, str(f)) for f in d.index}
    agree = pd.Series({f: d[f] * np.sign(loadings.at[tops[f], f]) for f in d.index})
    best = agree.idxmax() if agree.max() > 0 else d.abs().idxmax()
    return wording(tops[best], labels)


def _need_words() -> dict[str, str]:
    from segkit.naming import load_vocabulary

    out = {}
    for key, entry in load_vocabulary().get("traits", {}).items():
        if str(key).startswith("f_") and "high" in entry:
            out[str(key)[2:]] = f"{entry['high']['zh']} / {entry['high']['en']}"
    return out


def segment_needs(d: pd.DataFrame, by_factor: pd.DataFrame) -> pd.Series:
    """The need of each segment: of the factor with a need on which d × direction is
    largest, if it is at least :data:`SMALL_EFFECT`; else ``""``."""
    out = {}
    with_need = by_factor.index[by_factor["need"] != ""]
    for seg in d.index:
        strength = d.loc[seg, with_need] * by_factor.loc[with_need, "direction"]
        best = strength.idxmax() if len(strength.dropna()) else None
        ok = best is not None and strength[best] >= SMALL_EFFECT
        out[seg] = by_factor.at[best, "need"] if ok else ""
    return pd.Series(out, name="need", dtype="object")


def needs_strategy(
    segments: pd.DataFrame, playbook: str | Path | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Strategy of needs segments: :func:`segkit.strategy.build_strategy` on ``segment`` and
    ``need`` (the playbook's ``need-*`` rules), plus ``need_word`` (the naming vocabulary's
    word for the need) and ``message_focus`` (lead with the segment's first trait)."""
    from segkit.strategy import build_strategy

    table = build_strategy(segments[["segment", "need"]], playbook)
    words = _need_words()
    table.insert(1, "need", segments["need"].to_numpy())
    table.insert(2, "need_word", [words.get(n, "") for n in segments["need"]])
    focus = [f"以「{f}」为沟通主题 / lead messages with “{f}”" for f in segments["focus"]]
    table.insert(3, "message_focus", focus)
    return table


def label_segments(
    scores: pd.DataFrame,
    segments: pd.Series,
    loadings: pd.DataFrame,
    labels: Labels | None = None,
    needs: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Name each segment and give it its need (the module notes).

    Parameters
    ----------
    scores : DataFrame
        Respondents × factor scores (rows aligned with ``segments``).
    segments : Series
        Each respondent's segment.
    loadings : DataFrame
        Items × factors.
    labels, needs : mapping, optional
        Item → wording; item → need (default guessed from the wording, ``needs.yaml``).

    Returns
    -------
    named, d : DataFrame
        ``segment``, ``name``, ``traits``, ``focus``, ``need`` (:func:`name_segments`,
        :func:`segment_needs`); segments × factors Cohen's d (:func:`effect_sizes`).
    """
    d = effect_sizes(scores, segments)
    named = name_segments(d, loadings, labels)
    by_factor = factor_needs(loadings, item_needs(list(map(str, loadings.index)), labels, needs))
    named["need"] = segment_needs(d, by_factor).reindex(named["segment"]).to_numpy()
    return named, d


#: the columns of ``03_factor_loadings`` that are not factors
_LOADING_INFO = ("item", "label", "primary_factor", "communality")


def needs_plan(run: Run, plan: Plan, given: Mapping[Any, Any] | None = None) -> Plan:
    """Step 7 of a report run on a survey: the needs segments' names (from the items'
    wording, ``source.wording``), their ``need`` and the strategy of the playbook's ``need-*``
    rules (items' needs: ``source.needs``, else guessed from the wording), in place of the
    profile-based suggestions of ``plan``
    (:func:`segkit.workflow.planning.plan_segments`). :func:`label_segments` runs on the
    step-3 factor scores (``03_features``) and loadings; when step 3 clustered the items
    themselves (no factor model), each item is its own factor. ``given`` (segment → name,
    the analyst's) still wins."""
    from segkit.naming import apply_names
    from segkit.workflow.table_steps import table_source

    folder = run.folder
    assigned = folder.read_frame("assignments").set_index("customer_id")["segment"]
    scores = folder.read_frame("features").set_index("customer_id").loc[assigned.index]
    table = folder.read_frame("factor_loadings")
    factors = [str(c) for c in table.columns if c not in _LOADING_INFO]
    if len(table) and factors:
        loadings = table.set_index("item")[factors].astype(float)
    else:
        loadings = pd.DataFrame(np.eye(scores.shape[1]), scores.columns, scores.columns)
    src = table_source(run)
    named, _ = label_segments(scores, assigned, loadings, dict(src.wording), src.needs)
    by_seg = named.set_index("segment")
    suggested = plan.names.drop(columns="source").copy()
    for col in ("name_zh", "name_en"):
        suggested[col] = suggested["segment"].map(by_seg["name"])
    suggested["traits"] = suggested["segment"].map(by_seg["traits"])
    names = apply_names(suggested, dict(given or {})).set_index("segment")
    segments = plan.segments.copy()
    for col in ("name_zh", "name_en"):
        segments[col] = segments["segment"].map(names[col])
    segments.insert(1, "need", segments["segment"].map(by_seg["need"]))
    strategy = needs_strategy(named)
    return replace(plan, names=names.reset_index(), segments=segments, strategy=strategy)
