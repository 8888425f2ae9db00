"""Scorers as SQL text and how to run them: :class:`SQLScorer`, :func:`to_sql`, :func:`score`.

The helpers here write numbers, identifiers and ``log1p`` so that DuckDB and Spark compute
the same values (see "Numerics" in :mod:`segkit.scoring`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from segkit.errors import InputError

__all__ = ["Dialect", "SQLScorer", "engine_kind", "score", "to_sql"]

Dialect = Literal["duckdb", "spark"]


@dataclass(frozen=True)
class SQLScorer:
    """A model as SQL: stages of named expressions, the last one named :attr:`name`.

    Each stage may use the columns of the input table and of the earlier stages; they become
    nested ``SELECT *, <expr> AS <col> FROM (...)`` queries. Expressions are sqlglot trees
    (dialect-neutral); helper columns are prefixed ``__<name>_``.

    Attributes
    ----------
    name : str
        Output column.
    inputs : tuple of str
        Input columns the scorer reads.
    stages : tuple of tuple of (str, sqlglot expression)
    labels : tuple
        The possible outputs (segments / tiers), in order.
    """

    name: str
    inputs: tuple[str, ...]
    stages: tuple[tuple[tuple[str, exp.Expr], ...], ...]
    labels: tuple[Any, ...] = ()

    def sql(self, table: str = "profile", *, dialect: Dialect = "duckdb",
            keep: Sequence[str] = ("customer_id",)) -> str:  # fmt: skip
        """The SELECT for this scorer alone (see :func:`to_sql`)."""
        return to_sql([self], table, dialect=dialect, keep=keep)


# -- SQL text helpers ----------------------------------------------------------------------
def _q(name: str) -> str:
    """A quoted identifier in sqlglot's default dialect."""
    return '"' + str(name).replace('"', '""') + '"'


def _num(x: float) -> str:
    """A DOUBLE literal that both engines parse to exactly ``x``."""
    x = float(x)
    if math.isnan(x):
        return "CAST(NULL AS DOUBLE)"
    if math.isinf(x):
        return "CAST('Infinity' AS DOUBLE)" if x > 0 else "CAST('-Infinity' AS DOUBLE)"
    return f"CAST('{x!r}' AS DOUBLE)"


def _lit(v: Any) -> str:
    v = v.item() if isinstance(v, np.generic) else v
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        v = str(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return str(v) if isinstance(v, int) else _num(v)


def _dbl(col: str) -> str:
    return f"CAST({_q(col)} AS DOUBLE)"


def _parse(text: str) -> exp.Expr:
    return sqlglot.parse_one(text)


def _log1p(x: str) -> str:
    """Accurate log1p (DuckDB has none): Goldberg's ``ln(u) * x / (u − 1)``, ``u = 1 + x``."""
    u = f"(1 + {x})"
    return f"CASE WHEN {u} = 1 THEN {x} ELSE LN({u}) * {x} / ({u} - 1) END"


def _scorer(name: str, inputs: Sequence[str], stages: Sequence[Sequence[tuple[str, str]]],
            labels: Sequence[Any] = ()) -> SQLScorer:  # fmt: skip
    parsed = tuple(tuple((c, _parse(t)) for c, t in stage) for stage in stages)
    return SQLScorer(name, tuple(str(i) for i in inputs), parsed, tuple(labels))


# -- queries and engines -------------------------------------------------------------------
def to_sql(scorers: Sequence[SQLScorer], table: str, *, dialect: Dialect = "duckdb",
           keep: Sequence[str] = ("customer_id",)) -> str:  # fmt: skip
    """One SELECT that adds every scorer's column to ``keep`` columns of ``table``.

    Parameters
    ----------
    scorers : sequence of SQLScorer
        Their stages are merged (stage i of all scorers in one nested SELECT).
    table : str
        Table or view name (a Parquet path works in DuckDB: ``"read_parquet('x.parquet')"``
        is not an identifier, so pass a view name instead).
    dialect : {"duckdb", "spark"}
    keep : sequence of str
        Input columns to return alongside the scores.

    Examples
    --------
    >>> from segkit.scoring import cut_scorer
    >>> s = cut_scorer("frequency", [2, 5], [1, 2, 3], name="f_tier")
    >>> print(to_sql([s], "p", dialect="duckdb", keep=[]))  # doctest: +NORMALIZE_WHITESPACE
    SELECT "f_tier" FROM (SELECT *, CASE WHEN "frequency" IS NULL THEN 1
    WHEN "frequency" >= CAST('5.0' AS DOUBLE) THEN 3
    WHEN "frequency" >= CAST('2.0' AS DOUBLE) THEN 2 ELSE 1 END AS "f_tier" FROM p) AS "s0"
    """
    if not scorers:
        raise ValueError("no scorers")
    names = [s.name for s in scorers]
    if len(set(names)) != len(names) or set(names) & set(keep):
        raise InputError(f"output columns must be distinct from each other and from {keep}",
                         code="DUPLICATE_COLUMN")  # fmt: skip
    src: exp.Expr = (
        exp.to_table(table, quoted=True)
        if _is_name(table)
        else exp.Subquery(this=_parse(table).unnest(), alias=_alias("src"))
    )
    depth = max(len(s.stages) for s in scorers)
    for i in range(depth):
        cols: list[exp.Expr] = [exp.Star()]
        for s in scorers:
            if i < len(s.stages):
                cols += [exp.alias_(e, c, quoted=True) for c, e in s.stages[i]]
        src = exp.Subquery(this=exp.Select(expressions=cols).from_(src), alias=_alias(f"s{i}"))
    out = [exp.column(c, quoted=True) for c in [*keep, *names]]
    final = exp.Select(expressions=out).from_(src)
    return final.sql(dialect=dialect)


def _alias(name: str) -> exp.TableAlias:
    return exp.TableAlias(this=exp.to_identifier(name, quoted=True))


def _is_name(table: str) -> bool:
    return all(part.replace("_", "").isalnum() for part in table.split("."))


def engine_kind(engine: Any) -> Dialect:
    """``"duckdb"`` for a DuckDB connection, ``"spark"`` for a SparkSession.

    Examples
    --------
    >>> import duckdb
    >>> engine_kind(duckdb.connect())
    'duckdb'
    """
    module = type(engine).__module__
    if module.startswith(("duckdb", "_duckdb")):
        return "duckdb"
    if module.startswith("pyspark"):
        return "spark"
    raise TypeError(f"expected a DuckDB connection or a SparkSession, got {type(engine)!r}")


def score(engine: Any, scorers: Sequence[SQLScorer], table: str, *,
          keep: Sequence[str] = ("customer_id",)) -> Any:  # fmt: skip
    """Run the scorers in the engine: a DuckDB relation or a Spark DataFrame (both lazy).

    Write the result where it belongs without pulling it into Python, e.g.
    ``rel.write_parquet(path)`` (DuckDB) or ``df.write.parquet(path)`` (Spark); ``.df()`` /
    ``.toPandas()`` fetch it.
    """
    kind = engine_kind(engine)
    return engine.sql(to_sql(scorers, table, dialect=kind, keep=keep))


def _fetch(engine: Any, sql_text: str) -> pd.DataFrame:
    if engine_kind(engine) == "duckdb":
        return engine.execute(sql_text).df()
    return engine.sql(sql_text).toPandas()


def _intdiv_scorer(name: str, inputs: Sequence[str], stages: Sequence[Sequence[tuple[str, str]]],
                   labels: Any) -> SQLScorer:  # fmt: skip
    """Like :func:`_scorer`, replacing ``__INTDIV__(a, b)`` by sqlglot's integer division."""

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Anonymous) and node.name.upper() == "__INTDIV__":
            a, b = node.expressions
            return exp.IntDiv(this=exp.paren(a), expression=exp.paren(b))
        return node

    parsed = tuple(tuple((c, _parse(t).transform(fix)) for c, t in st) for st in stages)
    return SQLScorer(name, tuple(inputs), parsed, tuple(labels))
