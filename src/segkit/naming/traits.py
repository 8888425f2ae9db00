"""Which traits may name a segment, and how strongly each sets the segment apart.

A segment is named after the traits on which it differs most from the other customers, by
**effect size** from the segment profiles (:mod:`segkit.validate.describe`):

* a numeric variable: Cohen's *d*, the segment's mean minus the other customers' mean over
  their pooled standard deviation;
* the share of a categorical level: Cohen's *h* = 2·asin √p_segment − 2·asin √p_rest.

Both are Cohen's standardised effect sizes (J. Cohen, *Statistical Power Analysis for the
Behavioral Sciences*, 2nd ed., 1988: *d* §2.2, *h* §6.2) on one scale — 0.2 small, 0.5
medium, 0.8 large — so numeric and categorical traits are ranked together. Unlike the index
(segment ÷ all × 100) they do not depend on where a variable's zero lies (factor scores,
standardised items) nor on column order.

Some columns never name a segment: identifiers and codes (``customer_id``, ``CUST_ID``,
``store_code``, ``会员编号``; a numeric ``Channel`` or ``Region`` whose mean is the mean of
codes; an integer column of distinct values over a dense range, a row number), levels that
are bare codes (``2``, ``03``), and anything that may be personal data
(:func:`segkit.privacy.looks_personal`).

Examples
--------
>>> code_like_name("CUST_ID"), code_like_name("Region", numeric=True), code_like_name("fresh")
(True, True, False)
>>> frame = pd.DataFrame({"row": range(1, 41), "fresh": [3.5, 1.0] * 20})
>>> code_columns(frame)
['row']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from segkit.privacy import looks_personal
from segkit.validate.describe import SegmentProfile

#: a column whose last word is one of these holds identifiers or codes
ID_WORDS = frozenset(
    {"id", "ids", "uid", "uuid", "guid", "code", "codes", "no", "nr", "num", "number", "key",
     "zip", "zipcode", "postcode", "sku", "ean", "barcode", "编号", "代码", "编码", "号码", "序号",
     "卡号", "工号", "单号", "账号"}
)  # fmt: skip
#: a *numeric* column named after one of these holds category codes (its mean means nothing)
CATEGORY_WORDS = frozenset(
    {"channel", "region", "area", "city", "province", "country", "state", "district", "zone",
     "store", "shop", "branch", "outlet", "segment", "cluster", "group", "class", "category",
     "type", "gender", "sex", "status", "渠道", "地区", "区域", "城市", "省份", "门店", "类型",
     "类别", "性别", "分组", "状态"}
)  # fmt: skip
_CJK = "\u4e00-\u9fff"
#: word boundaries inside a name: camelCase, and Latin next to Chinese (会员ID)
_CAMEL = re.compile(rf"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[{_CJK}])|(?<=[{_CJK}])(?=[A-Za-z])")
_SPLIT = re.compile(rf"[^0-9A-Za-z{_CJK}]+")
_BARE_CODE = re.compile(r"[\s\d_.\-/#]+")


def _last_word(name: str) -> str:
    words = [w for w in _SPLIT.split(_CAMEL.sub(" ", name)) if w]
    return words[-1].lower() if words else ""


def _ends_with(text: str, last: str, words: frozenset[str]) -> bool:
    """The last word is one of ``words``, or the name ends with a Chinese one (会员编号)."""
    return last in words or any(text.endswith(w) for w in words if not w.isascii())


def code_like_name(name: object, *, numeric: bool = False) -> bool:
    """Whether a column's name says it holds identifiers or codes (``*_id``, ``*_code``,
    ``CustomerID``, ``会员编号``) or, for a ``numeric`` column, category codes (``Channel``,
    ``sales_region``, ``渠道``)."""
    text = str(name).strip()
    last = _last_word(text)
    if _ends_with(text, last, ID_WORDS):
        return True
    if not numeric or text.lower().startswith("share_"):
        return False
    return _ends_with(text, last, CATEGORY_WORDS)


def code_like_level(level: object) -> bool:
    """Whether a category level is a bare code (``2``, ``03``, ``17-4``): it says nothing."""
    text = str(level).strip()
    return not text or _BARE_CODE.fullmatch(text) is not None


def code_columns(frame: pd.DataFrame, declared: Iterable[str] = ()) -> list[str]:
    """The columns of ``frame`` that never name a segment: those ``declared`` (the id column
    of a customer table), those :func:`code_like_name` flags, and integer columns of at least
    20 distinct values over a dense range (max − min < 2 × rows: a row or member number)."""
    out = [c for c in declared if c in frame.columns]
    for col in frame.columns:
        s = frame[col]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if col in out:
            continue
        if code_like_name(col, numeric=numeric):
            out.append(col)
        elif numeric and _id_sequence(s.dropna()):
            out.append(col)
    return out


def _id_sequence(values: pd.Series) -> bool:
    n = len(values)
    if n < 20 or not values.is_unique:
        return False
    x = values.to_numpy(dtype=float)
    if not np.all(np.isfinite(x)) or not np.all(x == np.round(x)):
        return False
    return bool(x.max() - x.min() < 2 * n)


def _personal(variable: str, level: object = None) -> bool:
    """Whether a variable's name, the level it is a share of, or its level may be personal."""
    share_level = re.sub(r"^share_[a-z]+?_", "", variable)
    return (
        looks_personal(variable)
        or looks_personal(share_level)
        or (level is not None and looks_personal(str(level)))
    )


def nameable(variable: str, level: object, kind: str, ignore: frozenset[str]) -> bool:
    """Whether a feature may put a word into a name (see the module's rules)."""
    if variable in ignore or _personal(variable, level):
        return False
    if level is not None:
        return not code_like_name(variable) and not code_like_level(level)
    return not code_like_name(variable, numeric=kind == "numeric")


#: columns of :func:`trait_table`
TRAIT_COLUMNS = ["segment", "variable", "level", "feature", "index", "effect", "measure", "side",
                 "strength", "main", "usable"]  # fmt: skip


def trait_table(
    source: SegmentProfile | pd.DataFrame,
    *,
    min_effect: float = 0.5,
    min_distinct: float = 0.2,
    high: float = 120.0,
    low: float = 80.0,
    ignore: Iterable[str] = (),
) -> pd.DataFrame:
    """Every nameable feature of every segment with its side and strength.

    From a :class:`~segkit.validate.describe.SegmentProfile` the ``strength`` is the absolute
    effect size (Cohen's *d* / *h*, see the module); a feature is a ``main`` trait at
    ``min_effect`` or more (default 0.5, Cohen's "medium") and ``usable`` to tell two
    segments apart at ``min_distinct`` or more (0.2, "small"). From a wide index table
    (segments × features, 100 = average) there is no effect size: the strength is
    ``|ln(index / 100)|``, a main trait has an index ≥ ``high`` or ≤ ``low`` and a usable one
    lies at least half as far from 100. ``side`` is ``high`` (above the other customers) or
    ``low``; a categorical level is kept only when over-represented.
    """
    skip = frozenset(str(c) for c in ignore)
    if isinstance(source, SegmentProfile):
        t = source.table
        frame = pd.DataFrame(
            {"segment": t["segment"], "variable": t["variable"].astype(str), "level": t["level"],
             "feature": t["feature"], "index": t["index"], "effect": t["effect_size"],
             "measure": t["effect_measure"], "kind": t["kind"]}
        )  # fmt: skip
        strength = frame["effect"].abs()
        frame["side"] = np.where(frame["effect"] > 0, "high", "low")
        frame["main"], frame["usable"] = strength >= min_effect, strength >= min_distinct
    else:
        wide = source.rename_axis(index="segment", columns=None).reset_index()
        frame = wide.melt(id_vars="segment", var_name="feature", value_name="index")
        parts = frame["feature"].astype(str).str.split("=", n=1, expand=True)
        frame["variable"] = parts[0]
        frame["level"] = parts[1] if parts.shape[1] > 1 else None
        frame["level"] = frame["level"].where(frame["level"].notna(), None)
        frame["kind"] = np.where(frame["level"].isna(), "numeric", "categorical")
        frame["effect"], frame["measure"] = np.nan, "index"
        ratio = frame["index"].astype(float) / 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            strength = pd.Series(np.abs(np.log(ratio)), index=frame.index)
        frame["side"] = np.where(ratio > 1, "high", "low")
        frame["main"] = (frame["index"] >= high) | (frame["index"] <= low)
        mid_high, mid_low = (100 + high) / 2, (100 + low) / 2
        frame["usable"] = (frame["index"] >= mid_high) | (frame["index"] <= mid_low)
    frame["strength"] = strength
    keep = strength.notna() & np.isfinite(strength) & (strength > 0)
    keep &= ~((frame["kind"] == "categorical") & (frame["side"] == "low"))
    keep &= np.array(
        [
            nameable(v, lv, k, skip)
            for v, lv, k in zip(frame["variable"], frame["level"], frame["kind"], strict=True)
        ],
        dtype=bool,
    )
    out = frame.loc[keep, TRAIT_COLUMNS]
    return out.astype({"main": bool, "usable": bool}).reset_index(drop=True)


def describe_trait(row: pd.Series) -> str:
    """``monetary index 300 (d = +1.20)``: a trait as the ``traits`` column shows it
    (``d = −1.82, log scale`` when the profile compared log(1 + x))."""
    index = "" if pd.isna(row["index"]) else f" index {row['index']:.0f}"
    effect = row["effect"]
    if isinstance(effect, float) and math.isnan(effect):
        return f"{row['feature']}{index}"
    symbol = "h" if row["measure"] == "cohen_h" else "d"
    scale = ", log scale" if str(row["measure"]).endswith("_log1p") else ""
    return f"{row['feature']}{index} ({symbol} = {effect:+.2f}{scale})"
