"""Coding qualitative variables (定性变量编码) with the mapping recorded.

Cluster and discriminant analysis need numbers. The method codes qualitative variables —
occupation by industry code, income band as an ordered scale — and a trustworthy tool keeps
the code book so each number can be read back. :class:`CategoryCoder` follows
scikit-learn's conventions (``fit`` returns ``self``, learned attributes end in ``_``):
``ordinal`` columns get the codes ``0..n-1`` in a given or sorted order, ``onehot`` columns
one 0/1 column per level. Unknown levels at transform time raise a clear error rather than
becoming silent zeros.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"income_band": ["低", "高", "中"], "gender": ["男", "女", "男"]})
>>> coder = CategoryCoder(ordinal={"income_band": ["低", "中", "高"]}, onehot=["gender"])
>>> coder.fit_transform(df).to_dict("list")
{'income_band': [0, 2, 1], 'gender=女': [0, 1, 0], 'gender=男': [1, 0, 1]}
>>> coder.codebook_[["variable", "level", "code"]].values.tolist()[:3]
[['income_band', '低', 0], ['income_band', '中', 1], ['income_band', '高', 2]]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from segkit.errors import InputError


class CategoryCoder:
    """Code qualitative columns as ordinal integers or one-hot indicators.

    Parameters
    ----------
    ordinal : mapping of column → ordered levels (or None for sorted order)
    onehot : sequence of column names
    """

    def __init__(
        self,
        ordinal: Mapping[str, Sequence[str] | None] | None = None,
        onehot: Sequence[str] = (),
    ) -> None:
        self.ordinal = ordinal
        self.onehot = onehot

    def fit(self, frame: pd.DataFrame, y: object = None) -> CategoryCoder:
        """Learn the levels; fills ``levels_`` and ``codebook_``."""
        self.levels_: dict[str, list[str]] = {}
        for col, order in (self.ordinal or {}).items():
            seen = sorted(frame[col].dropna().astype(str).unique())
            levels = [str(v) for v in order] if order is not None else seen
            extra = sorted(set(seen) - set(levels))
            if extra:
                raise InputError(
                    f"levels {extra} are not in the given order {levels}",
                    column=col,
                    code="UNKNOWN_LEVEL",
                )
            self.levels_[col] = levels
        for col in self.onehot:
            self.levels_[col] = sorted(frame[col].dropna().astype(str).unique())
        rows = []
        for col, levels in self.levels_.items():
            kind = "onehot" if col in self.onehot else "ordinal"
            for code, level in enumerate(levels):
                rows.append(
                    {
                        "variable": col,
                        "level": level,
                        "code": code if kind == "ordinal" else 1,
                        "kind": kind,
                        "output_column": col if kind == "ordinal" else f"{col}={level}",
                    }
                )
        self.codebook_ = pd.DataFrame(
            rows, columns=["variable", "level", "code", "kind", "output_column"]
        )
        self.feature_names_in_ = list(frame.columns)
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Replace the coded columns; other columns pass through unchanged."""
        out = frame.copy()
        for col, levels in self.levels_.items():
            values = out[col].astype("string")
            unknown = sorted(set(values.dropna()) - set(levels))
            if unknown:
                raise InputError(
                    f"levels {unknown} were not seen when fitting", column=col, code="UNKNOWN_LEVEL"
                )
            if col in self.onehot:
                pos = out.columns.get_loc(col)
                dummies = {
                    f"{col}={lv}": (values == lv).fillna(False).astype("int64") for lv in levels
                }
                out = out.drop(columns=col)
                for offset, (name, series) in enumerate(dummies.items()):
                    out.insert(int(pos) + offset, name, series)
            else:
                out[col] = values.map({lv: i for i, lv in enumerate(levels)}).astype("Int64")
                if not out[col].isna().any():
                    out[col] = out[col].astype("int64")
        return out

    def fit_transform(self, frame: pd.DataFrame, y: object = None) -> pd.DataFrame:
        """``fit`` then ``transform``."""
        return self.fit(frame).transform(frame)


#: columns of a coded table's code book
CODEBOOK_COLUMNS = ["variable", "level", "code", "kind", "output_column", "customers"]


@dataclass
class CodedTable:
    """Outcome of :func:`code_qualitative`.

    Attributes
    ----------
    table : pandas.DataFrame
        The input with the coded columns added (one-hot ``variable=level`` 0/1 columns, or an
        ordinal ``variable_code``); a coded text column is dropped unless it is in ``keep_text``.
    codebook : pandas.DataFrame
        One row per level (:data:`CODEBOOK_COLUMNS`), and one per variable with level
        ``None`` counting the values left uncoded (missing, or set missing below).
    quarantine : pandas.DataFrame
        One row per value not coded (action ``set_missing``): ``UNKNOWN_LEVEL`` (not among
        the declared levels), ``PERSONAL_LEVEL`` (holds a phone, ID number or e-mail; the raw
        value is not kept) or ``RARE_LEVEL`` (fewer than ``min_count`` rows have it, so a
        column of its own could single them out).
    """

    table: pd.DataFrame
    codebook: pd.DataFrame
    quarantine: pd.DataFrame


def _checked_levels(
    text: pd.Series, declared: Sequence[str] | None, min_count: int
) -> tuple[pd.Series, str | None]:
    """Per value: a reason code it is not coded (``None``: coded), and the detail text."""
    from segkit.privacy import contains_pii

    reason = pd.Series(None, index=text.index, dtype="object")
    present = text.notna()
    if declared is not None:
        reason[present & ~text.isin([str(v) for v in declared])] = "UNKNOWN_LEVEL"
        return reason, f"not one of the declared levels {[str(v) for v in declared]}"
    personal = text.map(lambda v: bool(v == v and v is not None and contains_pii(v)))
    reason[present & personal.astype(bool)] = "PERSONAL_LEVEL"
    counts = text[reason.isna()].value_counts()
    rare = text.isin(counts.index[counts < min_count]) & reason.isna() & present
    reason[rare] = "RARE_LEVEL"
    return reason, None


_DETAIL = {
    "PERSONAL_LEVEL": "may be personal data (a phone, ID number or e-mail): not coded",
    "RARE_LEVEL": "fewer than {n} customers have this level: not coded (it could identify them)",
}


def _codebook(coder: CategoryCoder, frame: pd.DataFrame) -> pd.DataFrame:
    """The coder's code book with the rows per level and, per variable, the uncoded count."""
    rows = []
    for col, levels in coder.levels_.items():
        onehot = col in coder.onehot
        for code, level in enumerate(levels):
            rows.append({
                "variable": col, "level": level, "code": 1 if onehot else code,
                "kind": "onehot" if onehot else "ordinal",
                "output_column": f"{col}={level}" if onehot else f"{col}_code",
                "customers": int((frame[col] == level).sum())})  # fmt: skip
        rows.append({"variable": col, "level": None, "code": None,
                     "kind": "onehot" if onehot else "ordinal", "output_column": None,
                     "customers": int(frame[col].isna().sum())})  # fmt: skip
    book = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)
    book["code"] = book["code"].astype("Int64")
    for col in ("level", "output_column"):
        values = book[col].astype("object")
        book[col] = values.where(values.notna(), None)
    return book


def code_qualitative(
    table: pd.DataFrame,
    onehot: Mapping[str, Sequence[str] | None] | None = None,
    ordinal: Mapping[str, Sequence[str] | None] | None = None,
    *,
    keep_text: Sequence[str] = (),
    min_count: int = 1,
    file: str = "customers",
) -> CodedTable:
    """Code qualitative columns of a table with :class:`CategoryCoder`, nothing lost silently.

    Values are NFKC-folded and trimmed; a blank is missing. A column with declared levels
    codes those levels only; without, it codes the levels seen that hold no personal data and
    that at least ``min_count`` rows have. Every other value becomes missing and gets a
    quarantine row (``source_row``: the table's, else its 1-based position) and a
    ``None`` level in the code book. Columns absent from ``table`` are skipped.

    Examples
    --------
    >>> t = pd.DataFrame({"gender": ["女", "男", "x", "女"], "city": ["上海"] * 3 + ["成都"]})
    >>> res = code_qualitative(t, onehot={"gender": ["女", "男"], "city": None}, min_count=2)
    >>> res.table.columns.tolist()
    ['gender=女', 'gender=男', 'city=上海']
    >>> res.quarantine[["source_row", "column", "reason_code"]].values.tolist()
    [[3, 'gender', 'UNKNOWN_LEVEL'], [4, 'city', 'RARE_LEVEL']]
    >>> res.codebook[["variable", "level", "customers"]].values.tolist()[-2:]
    [['city', '上海', 3], ['city', None, 1]]
    """
    from segkit.collect.quarantine import QUARANTINE_COLUMNS

    spec = {**(onehot or {}), **(ordinal or {})}
    columns = [c for c in spec if c in table]
    texts: dict[str, pd.Series] = {}
    q_parts = []
    rows = table["source_row"] if "source_row" in table else pd.Series(range(1, len(table) + 1))
    for col in columns:
        text = table[col].map(
            lambda v: None if v is None or v != v else unicodedata.normalize("NFKC", str(v)).strip()
        )
        text = text.where(text != "", None).astype("object")
        reason, declared_detail = _checked_levels(text, spec[col], min_count)
        bad = reason.notna()
        detail = reason[bad].map(
            lambda r: declared_detail or _DETAIL[r].format(n=min_count)  # noqa: B023
        )
        raw = table.loc[bad, col].where(reason[bad] != "PERSONAL_LEVEL", None)
        q_parts.append(pd.DataFrame({
            "source_file": file, "source_row": rows[bad.to_numpy()].to_numpy(), "column": col,
            "reason_code": reason[bad].to_numpy(), "raw_value": raw.to_numpy(),
            "action": "set_missing", "detail": detail.to_numpy()}))  # fmt: skip
        texts[col] = text.where(~bad, None)
    frame = pd.DataFrame(texts, index=table.index)
    coder = CategoryCoder(
        ordinal={c: spec[c] for c in columns if c in (ordinal or {})},
        onehot=[c for c in columns if c not in (ordinal or {})],
    ).fit(frame)
    coded = coder.transform(frame).rename(columns={c: f"{c}_code" for c in coder.ordinal or {}})
    out = pd.concat([table.drop(columns=[c for c in columns if c not in keep_text]), coded], axis=1)
    codebook = _codebook(coder, frame)
    quarantine = pd.concat(q_parts, ignore_index=True) if q_parts else pd.DataFrame()
    quarantine = quarantine.reindex(columns=QUARANTINE_COLUMNS).sort_values(
        "source_row", kind="stable"
    )
    return CodedTable(out, codebook, quarantine.reset_index(drop=True))


#: text → boolean, after NFKC folding, trimming and lower-casing (T8); extend per project
BOOLEAN_LEVELS: dict[str, bool] = {
    "是": True,
    "否": False,
    "有": True,
    "无": False,
    "对": True,
    "错": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "t": True,
    "f": False,
    "1": True,
    "0": False,
    "√": True,
    "×": False,
}
_PERCENT = r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$"


def _side_quarantine(
    table: pd.DataFrame, bad: pd.Series, column: str, code: str, detail: str, file: str | None
) -> pd.DataFrame:
    from segkit.collect.quarantine import QUARANTINE_COLUMNS

    rows = table.loc[bad]
    q = pd.DataFrame(
        {
            "source_file": file,
            "source_row": rows["source_row"] if "source_row" in rows else rows.index + 1,
            "column": column,
            "reason_code": code,
            "raw_value": rows[column],
            "action": "set_missing",
            "detail": detail,
        }
    )
    return q[QUARANTINE_COLUMNS].reset_index(drop=True)


def parse_booleans(
    table: pd.DataFrame,
    column: str,
    *,
    levels: Mapping[str, bool] | None = None,
    file: str | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Read a yes/no column (``是/否``, ``Y/N``, ``true/false``) with an explicit mapping.

    Unknown values become missing and are listed in the returned quarantine table
    (``UNKNOWN_LEVEL``, with source row and raw value); blanks stay missing.

    Examples
    --------
    >>> t = pd.DataFrame({"source_row": [2, 3, 4], "会员": ["是", "N", "也许"]})
    >>> values, q = parse_booleans(t, "会员")
    >>> values.tolist(), q[["source_row", "raw_value"]].values.tolist()
    ([True, False, None], [[4, '也许']])
    """
    import unicodedata

    mapping = {k.lower(): v for k, v in (levels or BOOLEAN_LEVELS).items()}
    raw = table[column]
    key = raw.map(
        lambda v: (
            None if v is None or v != v else unicodedata.normalize("NFKC", str(v)).strip().lower()
        )
    )
    values = key.map(lambda k: None if not k else mapping.get(k)).astype("object")
    bad = key.notna() & (key != "") & values.isna()
    detail = f"not one of the yes/no levels {sorted(mapping)}"
    return values.rename(column), _side_quarantine(
        table, bad, column, "UNKNOWN_LEVEL", detail, file
    )


def parse_percentages(
    table: pd.DataFrame, column: str, *, file: str | None = None
) -> tuple[pd.Series, pd.DataFrame]:
    """Read a percentage column (``12%`` → 0.12). A number without ``%`` is ambiguous
    (12 or 0.12?) and is quarantined as ``BAD_PERCENT`` rather than guessed.

    Examples
    --------
    >>> t = pd.DataFrame({"source_row": [2, 3], "折扣率": ["12%", "12"]})
    >>> values, q = parse_percentages(t, "折扣率")
    >>> values.tolist()[0], q["reason_code"].tolist()
    (0.12, ['BAD_PERCENT'])
    """
    import unicodedata

    text = table[column].map(
        lambda v: None if v is None or v != v else unicodedata.normalize("NFKC", str(v))
    )
    text = text.astype("string")  # an empty or all-missing column is still text
    number = text.str.extract(_PERCENT, expand=False).astype(float) / 100
    bad = (text.notna() & (text.str.strip() != "") & number.isna()).fillna(False).astype(bool)
    detail = "expected a percentage such as 12% (a bare number is ambiguous)"
    q = _side_quarantine(table, bad, column, "BAD_PERCENT", detail, file)
    return number.round(12).rename(column), q
