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

from collections.abc import Mapping, Sequence

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
