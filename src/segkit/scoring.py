"""In-engine scoring (库内打分): fitted models and rule tiers as SQL for DuckDB and Spark.

Fit on a sample in pandas / scikit-learn, then assign every customer where the data live:
each function here turns a fitted model or a rule into a :class:`SQLScorer` — a small chain
of SQL expressions written once in sqlglot's dialect-neutral SQL, parsed by sqlglot and
generated for ``"duckdb"`` or ``"spark"`` (:func:`to_sql`). :func:`score` runs the query in a
DuckDB connection or a SparkSession and returns the engine's own lazy relation / DataFrame,
so the table is never pulled into Python.

=======================================  ==================================================
scorer                                   exported from
=======================================  ==================================================
:func:`cluster_scorer`                   :class:`~segkit.cluster.estimator.SegmentClusterer`
                                         (kmeans, minibatch, ward: nearest centroid; gmm with tied
                                         covariance: linear posterior), with the recorded
                                         log1p / standardisation
:func:`rule_scorer`                      :class:`~segkit.validate.stability.ScoringRule` (Fisher's
                                         linear classification functions)
:func:`cut_scorer`, :func:`tier_scorer`  threshold tables (:class:`~segkit.tiers.rules.TierResult`
                                         of ``quantile`` / ``fixed`` tiers)
:func:`rfm_scorer`                       R, F, M scores 1..bins by the rank definition of
                                         :func:`segkit.tiers.rfm.rfm_scores` (window functions)
:func:`rfm_threshold_scorer`             a fitted :class:`~segkit.tiers.rfm.RFMScores` applied
                                         as a threshold table (fit on a sample)
:func:`lifecycle_scorer`                 :func:`segkit.tiers.rules.lifecycle_stages`
=======================================  ==================================================

Numerics
--------
Numbers enter the SQL as ``CAST('<repr>' AS DOUBLE)``: the shortest repr that round-trips,
parsed with correct rounding by both engines (plain decimal literals would be DECIMALs).
Integer columns are cast to DOUBLE before arithmetic. ``log1p`` (missing in DuckDB) is
computed as ``CASE WHEN 1 + x = 1 THEN x ELSE LN(1 + x) * x / ((1 + x) - 1) END``
(Goldberg's accurate form). Nearest-centroid and discriminant scores are linear functions
``c_j + Σ w_ji z_i`` summed left to right; NumPy / BLAS may sum in another order, so a score
can differ in the last bits: only a customer whose two best scores are within ~1e-12 of each
other could get another segment (none on the demo data; see the tests). **Ties**: the first
segment in the model's internal order wins (as ``numpy.argmax`` / scikit-learn's
``predict``), then it is mapped to the canonical label. A missing input gives a NULL
segment for the model scorers; tiers follow their Python rules (missing → lowest tier, or
``lost`` for lifecycle).

Examples
--------
>>> import duckdb
>>> import pandas as pd
>>> con = duckdb.connect()
>>> con.execute("CREATE TABLE p AS SELECT * FROM (VALUES ('a', 5.0), ('b', 50.0), "
...             "('c', NULL)) AS t(customer_id, monetary)").fetchall()
[(3,)]
>>> tiers = cut_scorer("monetary", [10.0, 40.0], ["low", "mid", "high"], name="value_tier")
>>> score(con, [tiers], "p").df()["value_tier"].tolist()
['low', 'high', 'low']
>>> print(to_sql([tiers], "p", dialect="spark"))  # doctest: +ELLIPSIS
SELECT `customer_id`, `value_tier` FROM (SELECT *, CASE WHEN `monetary` IS NULL THEN 'low' ...
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from segkit.errors import InputError

# fmt: off
__all__ = ["SQLScorer", "apply_rfm_thresholds", "cluster_scorer", "cut_scorer", "engine_kind",
           "lifecycle_scorer", "linear_argmax_scorer", "rfm_scorer", "rfm_threshold_scorer",
           "rfm_threshold_table", "rule_scorer", "score", "tie_aware_cuts_in", "tier_scorer",
           "to_sql"]
# fmt: on
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


# -- linear models: clusters and discriminant rules -----------------------------------------
def linear_argmax_scorer(
    inputs: Sequence[str],
    coefficients: Any,
    constants: Any,
    labels: Sequence[Any],
    *,
    name: str = "segment",
    transforms: Sequence[str] | None = None,
) -> SQLScorer:
    """Assign the label of the largest ``constants[j] + Σ_i coefficients[j, i] · z_i``.

    ``z_i`` is ``transforms[i]`` (SQL text in sqlglot's dialect) or the input column cast to
    DOUBLE. The first maximum wins; a NULL input gives a NULL label.

    Examples
    --------
    >>> import duckdb
    >>> s = linear_argmax_scorer(["x"], [[1.0], [3.0]], [0.0, -4.0], ["low", "high"])
    >>> con = duckdb.connect()
    >>> score(con, [s], "(SELECT * FROM (VALUES (0.0), (5.0), (2.0)) AS t(x))", keep=["x"]
    ...       ).df()["segment"].tolist()  # scores 0 vs -4, 5 vs 11, 2 vs 2 (tie: first)
    ['low', 'high', 'low']
    """
    w = np.asarray(coefficients, dtype=float)
    c = np.asarray(constants, dtype=float)
    k, p = w.shape
    if len(inputs) != p or len(c) != k or len(labels) != k:
        raise ValueError("coefficients must be (labels × inputs) and constants one per label")
    pre = f"__{name}_"
    zs = list(transforms) if transforms is not None else [_dbl(i) for i in inputs]
    zcols = [f"{pre}z{i}" for i in range(p)]
    stage_z = list(zip(zcols, zs, strict=True))
    stage_s = []
    for j in range(k):
        terms = " + ".join(f"{_num(w[j, i])} * {_q(z)}" for i, z in enumerate(zcols))
        stage_s.append((f"{pre}s{j}", f"({_num(c[j])} + {terms})"))
    s = [_q(f"{pre}s{j}") for j in range(k)]
    whens = [f"WHEN {s[0]} IS NULL THEN NULL"]
    for j in range(k - 1):
        cond = " AND ".join(f"{s[j]} >= {s[m]}" for m in range(j + 1, k))
        whens.append(f"WHEN {cond} THEN {_lit(labels[j])}")
    label = f"CASE {' '.join(whens)} ELSE {_lit(labels[k - 1])} END"
    return _scorer(name, inputs, [stage_z, stage_s, [(name, label)]], labels)


def rule_scorer(rule: Any, *, name: str = "segment") -> SQLScorer:
    """SQL of a :class:`segkit.validate.stability.ScoringRule`.

    The argmax of the classification functions.

    Examples
    --------
    >>> from segkit.validate.stability import ScoringRule
    >>> rule = ScoringRule(["x"], [1, 2], np.array([[1.0], [3.0]]), np.array([0.0, -4.0]))
    >>> rule_scorer(rule).labels
    (1, 2)
    """
    feats = [str(f) for f in rule.features]
    logged = getattr(rule, "transforms", {}) or {}
    zs = [_log1p(_dbl(f)) if logged.get(raw) == "log1p" else _dbl(f)
          for f, raw in zip(feats, rule.features, strict=True)]  # fmt: skip
    return linear_argmax_scorer(feats, rule.coefficients, rule.constants, list(rule.segments),
                                name=name, transforms=zs)  # fmt: skip


def _preprocess_sql(pre: Any, columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """(columns in the transformer's output order, SQL of each output) for a fitted
    :func:`segkit.cluster.estimator.default_preprocessor`, a StandardScaler, or None."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    def steps_sql(steps: Sequence[Any], col: str, i: int) -> str:
        x = _dbl(col)
        for step in steps:
            if isinstance(step, FunctionTransformer) and step.func is np.log1p:
                x = f"({_log1p(x)})"
            elif isinstance(step, StandardScaler):
                if getattr(step, "mean_", None) is not None and step.with_mean:
                    x = f"({x} - {_num(step.mean_[i])})"
                if getattr(step, "scale_", None) is not None and step.with_std:
                    x = f"({x} / {_num(step.scale_[i])})"
            elif step != "passthrough":
                raise InputError(f"cannot export preprocessing step {type(step).__name__} to "
                                 "SQL (supported: log1p, StandardScaler)",
                                 code="NOT_EXPORTABLE")  # fmt: skip
        return x

    if pre is None:
        return list(columns), [_dbl(c) for c in columns]
    if isinstance(pre, ColumnTransformer):
        order, out = [], []
        for _, trans, cols in pre.transformers_:
            if trans == "drop" or not len(cols):
                continue
            steps = [s for _, s in trans.steps] if isinstance(trans, Pipeline) else [trans]
            for i, c in enumerate(cols):
                order.append(str(c))
                out.append(steps_sql(steps, str(c), i))
        return order, out
    steps = [s for _, s in pre.steps] if isinstance(pre, Pipeline) else [pre]
    return list(columns), [steps_sql(steps, c, i) for i, c in enumerate(columns)]


def cluster_scorer(model: Any, *, name: str = "segment") -> SQLScorer:
    """SQL of a fitted :class:`segkit.cluster.estimator.SegmentClusterer` with canonical labels.

    k-means and mini-batch k-means: nearest centroid, computed as the argmax of
    ``2 c_j·z − ‖c_j‖²`` (scikit-learn's own expansion of the squared distance; ``‖z‖²`` is
    the same for every j). Ward: nearest centre of the fitted segments in the preprocessed
    space (as its ``predict``). Gaussian mixture with ``covariance_type="tied"``: the
    posterior argmax, linear in z: ``w_j = Σ⁻¹μ_j``, ``c_j = −½ μ_j'Σ⁻¹μ_j + ln π_j``. The
    preprocessing (log1p of the skewed columns, standardisation) is written out with the
    fitted means and scales. Quantile transforms, other mixtures and k-prototypes raise
    ``InputError(code="NOT_EXPORTABLE")``.

    Examples
    --------
    >>> import duckdb
    >>> from segkit.cluster.estimator import SegmentClusterer
    >>> X = pd.DataFrame({"spend": [1.0, 2, 3, 50, 60, 70], "share": [.1, .2, .1, .9, .8, .9]})
    >>> sc = SegmentClusterer("kmeans", 2, value_column="spend").fit(X)
    >>> con = duckdb.connect()
    >>> con.register("x", X.assign(customer_id=range(6)))  # doctest: +ELLIPSIS
    <...>
    >>> score(con, [cluster_scorer(sc)], "x").df()["segment"].tolist() == sc.labels_.tolist()
    True
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "labels_")
    if getattr(model, "_cat", None):
        raise InputError("k-prototypes (categorical features) cannot be exported to SQL",
                         code="NOT_EXPORTABLE")  # fmt: skip
    feats = [str(c) for c in model.feature_names_in_]
    order, zs = _preprocess_sql(model.preprocessor_, feats)
    mapping = np.asarray(model._map)
    labels = [int(v) for v in mapping]
    if model.method in ("kmeans", "minibatch", "ward"):
        cent = model._ward_centres if model.method == "ward" else model.model_.cluster_centers_
        cent = np.asarray(cent, dtype=float)
        w, c = 2.0 * cent, -(cent**2).sum(axis=1)
    elif model.method == "gmm" and model.model_.covariance_type == "tied":
        gm = model.model_
        mu = np.asarray(gm.means_, dtype=float)
        prec = gm.precisions_cholesky_ @ gm.precisions_cholesky_.T
        w = mu @ prec
        c = -0.5 * np.sum(w * mu, axis=1) + np.log(gm.weights_)
    else:
        raise InputError(f"method {model.method!r} (covariance {model.covariance_type!r}) has "
                         "no linear SQL form; use kmeans, minibatch, ward or gmm with tied "
                         "covariance", code="NOT_EXPORTABLE")  # fmt: skip
    return linear_argmax_scorer(order, w, c, labels, name=name, transforms=zs)


# -- threshold tables -------------------------------------------------------------------------
def cut_scorer(column: str, cuts: Sequence[float], labels: Sequence[Any], *,
               name: str | None = None) -> SQLScorer:  # fmt: skip
    """Tiers ``lower <= x < upper`` from cut points (the lowest value of each higher tier).

    The same rule as :func:`segkit.tiers.rules.value_tiers` with ``cuts``: missing values get the
    lowest tier; an ``inf`` cut leaves its tier empty (except for ``x = inf``).
    """
    cuts = [float(c) for c in cuts]
    if len(labels) != len(cuts) + 1:
        raise ValueError("need one label more than cuts")
    if any(b < a for a, b in itertools.pairwise(cuts)):
        raise InputError(f"cut points must increase, got {cuts}", code="BAD_CUTS")
    x = _q(column)
    whens = [f"WHEN {x} IS NULL THEN {_lit(labels[0])}"]
    whens += [f"WHEN {x} >= {_num(cuts[j])} THEN {_lit(labels[j + 1])}"
              for j in range(len(cuts) - 1, -1, -1)]  # fmt: skip
    out = name or f"{column}_tier"
    text = f"CASE {' '.join(whens)} ELSE {_lit(labels[0])} END"
    return _scorer(out, [column], [[(out, text)]], labels)


def tier_scorer(result: Any, column: str, *, name: str | None = None) -> SQLScorer:
    """The threshold table of a :class:`segkit.tiers.rules.TierResult` (methods ``quantile``,
    ``fixed``, ``aov_tercile``) as SQL: fit tiers on a sample, assign everyone.

    Examples
    --------
    >>> from segkit.tiers.rules import value_tiers
    >>> res = value_tiers(pd.Series([1.0, 2, 3, 4, 5, 6], name="monetary"))
    >>> tier_scorer(res, "monetary").labels
    ('low', 'mid', 'high')
    """
    if result.method not in ("quantile", "fixed", "aov_tercile"):
        raise InputError(f"tiers made by {result.method!r} are rank-based, not a threshold "
                         "table", code="NOT_EXPORTABLE")  # fmt: skip
    thr = result.thresholds
    labels = [str(t) for t in thr["tier"]]
    return cut_scorer(column, thr["lower"].iloc[1:].tolist(), labels,
                      name=name or str(result.labels.name))  # fmt: skip


def tie_aware_cuts_in(engine: Any, table: str, column: str,
                      probs: Sequence[float] = (1 / 3, 2 / 3)) -> list[float]:  # fmt: skip
    """:func:`segkit.tiers.rules.tie_aware_cuts` computed from the engine's value counts.

    Only the distinct values and their counts leave the engine (``GROUP BY``), so DuckDB,
    Spark and pandas get the same cut points from the same data.
    """
    from segkit.tiers.rules import cuts_from_counts

    x = _q(column)
    text = f"SELECT {x} AS v, COUNT(*) AS n FROM {table} WHERE {x} IS NOT NULL GROUP BY {x}"
    counts = _fetch(engine, _parse(text).sql(dialect=engine_kind(engine))).sort_values("v")
    return cuts_from_counts(counts["v"].to_numpy(float), counts["n"].to_numpy(), probs)


# -- RFM -----------------------------------------------------------------------------------------
_RFM_DIMS = ("R", "F", "M")


def rfm_scorer(*, bins: int = 5, recency: str = "recency_days", frequency: str = "frequency",
               monetary: str = "monetary", name: str = "rfm") -> list[SQLScorer]:  # fmt: skip
    """R, F, M scores by :func:`segkit.tiers.rfm.rfm_scores`' definition, computed in the engine.

    ``2 × average rank = 2·RANK() + (tie count) − 1`` over the non-missing values (R ranks
    descending recency) and ``score = min(((2·avg rank − 1)·bins) DIV (2n) + 1, bins)`` —
    integers only, so every engine gives exactly the pandas scores; missing values score 1.
    Returns three scorers with outputs ``R``, ``F``, ``M``. The window spans the whole table
    (Spark moves it to one partition): for very large tables fit
    :func:`rfm_threshold_scorer` on a sample instead.
    """
    if not 2 <= bins <= 9:
        raise InputError(f"bins must be in 2..9, got {bins}", code="BAD_BINS")
    out = []
    for dim, col in zip(_RFM_DIMS, (recency, frequency, monetary), strict=True):
        x, pre = _q(col), f"__{name}_{dim}_"
        order = "DESC" if dim == "R" else "ASC"
        twice = (f"2 * RANK() OVER (ORDER BY {x} {order} NULLS LAST) "
                 f"+ COUNT(*) OVER (PARTITION BY {x}) - 1")  # fmt: skip
        stage1 = [(f"{pre}t", twice), (f"{pre}n", f"COUNT({x}) OVER ()")]
        t, n = _q(f"{pre}t"), _q(f"{pre}n")
        text = (
            f"CASE WHEN {x} IS NULL THEN 1 ELSE "
            f"LEAST(__INTDIV__(({t} - 1) * {bins}, 2 * {n}) + 1, {bins}) END"
        )
        stages = [stage1, [(dim, text)]]
        out.append(_intdiv_scorer(dim, [col], stages, range(1, bins + 1)))
    return out


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


def rfm_threshold_table(scores: Any) -> pd.DataFrame:
    """Threshold table of fitted :class:`segkit.tiers.rfm.RFMScores`: ``dimension``, ``column``,
    ``score``, ``bound`` — a value scores at least ``score`` when ``x >= bound`` (F, M) or
    ``x <= bound`` (R). Reproduces the fitted scores exactly on the fitting data.

    Examples
    --------
    >>> from segkit.tiers.rfm import rfm_scores
    >>> p = pd.DataFrame({"recency_days": [1, 5, 9], "frequency": [1, 1, 4],
    ...                   "monetary": [10.0, 20, 30]})
    >>> rfm_threshold_table(rfm_scores(p, bins=3)).values.tolist()[:2]
    [['R', 'recency_days', 1, 9.0], ['R', 'recency_days', 2, 5.0]]
    """
    thr = scores.thresholds.dropna(subset=["lower", "upper"])
    rows = []
    for dim, grp in thr.groupby("dimension", sort=False):
        for _, r in grp.sort_values("score").iterrows():
            bound = r["upper"] if dim == "R" else r["lower"]
            rows.append((dim, r["column"], int(r["score"]), float(bound)))
    return pd.DataFrame(rows, columns=["dimension", "column", "score", "bound"])


def rfm_threshold_scorer(
    scores: Any, *, columns: dict[str, str] | None = None, names: Sequence[str] = _RFM_DIMS
) -> list[SQLScorer]:
    """Apply fitted RFM scores to new customers in the engine (outputs ``R``, ``F``, ``M``).

    A value gets the highest score whose bound it reaches (:func:`rfm_threshold_table`);
    values beyond every bound get the lowest fitted score, missing values 1. The same rule in
    pandas: :func:`apply_rfm_thresholds`. ``names``: the three output columns.
    """
    table = rfm_threshold_table(scores)
    out = []
    for dim, out_name in zip(_RFM_DIMS, names, strict=True):
        t = table[table["dimension"] == dim].sort_values("score", ascending=False)
        col = (columns or {}).get(dim, str(t["column"].iloc[0]))
        x, op = _q(col), "<=" if dim == "R" else ">="
        whens = [f"WHEN {x} IS NULL THEN 1"]
        whens += [
            f"WHEN {x} {op} {_num(b)} THEN {int(s)}"
            for s, b in zip(t["score"].iloc[:-1], t["bound"].iloc[:-1], strict=True)
        ]
        text = f"CASE {' '.join(whens)} ELSE {int(t['score'].iloc[-1])} END"  # fmt: skip
        out.append(_scorer(out_name, [col], [[(out_name, text)]], range(1, scores.bins + 1)))
    return out


def apply_rfm_thresholds(profile: pd.DataFrame, scores: Any) -> pd.DataFrame:
    """The in-memory twin of :func:`rfm_threshold_scorer`: ``R``, ``F``, ``M`` of ``profile``.

    Examples
    --------
    >>> from segkit.tiers.rfm import rfm_scores
    >>> p = pd.DataFrame({"recency_days": [1, 5, 9], "frequency": [1, 1, 4],
    ...                   "monetary": [10.0, 20, 30]})
    >>> fitted = rfm_scores(p, bins=3)
    >>> apply_rfm_thresholds(p, fitted).equals(fitted.scores[["R", "F", "M"]])
    True
    """
    table = rfm_threshold_table(scores)
    out = pd.DataFrame(index=profile.index)
    for dim in _RFM_DIMS:
        t = table[table["dimension"] == dim].sort_values("score")
        x = pd.to_numeric(profile[str(t["column"].iloc[0])], errors="coerce").to_numpy(float)
        s, b = t["score"].to_numpy(), t["bound"].to_numpy()
        if dim == "R":  # x <= bound, bounds decrease with the score
            idx = len(b) - np.searchsorted(b[::-1], x, side="left") - 1
        else:
            idx = np.searchsorted(b, x, side="right") - 1
        res = s[np.clip(idx, 0, len(s) - 1)]
        out[dim] = np.where(np.isnan(x), 1, res).astype(np.int64)
    return out


# -- lifecycle ---------------------------------------------------------------------------------
def lifecycle_scorer(
    *,
    new_days: float = 90,
    lost_days: float = 180,
    churn_factor: float = 2.0,
    mature_tenure_days: float = 365,
    default_interval_days: float = 45,
    trend_ratio: float | None = 2.0,
    half_window_days: float | None = None,
    lang: Literal["en", "zh"] = "en",
    name: str = "lifecycle",
) -> SQLScorer:
    """:func:`segkit.tiers.rules.lifecycle_stages` as SQL, with the same rules and arithmetic.

    ``H`` (``half_window_days`` default) is ``MAX(tenure_days) OVER () / 2``. The trend rule
    reads ``orders_h1`` / ``orders_h2`` (turn it off with ``trend_ratio=None`` when the
    table has no half-window orders).
    """
    from segkit.tiers.rules import LIFECYCLE_ZH

    stages = ["new", "growing", "mature", "churning", "lost"]
    lab = {s: (LIFECYCLE_ZH[s] if lang == "zh" else s) for s in stages}
    r, t = _dbl("recency_days"), _dbl("tenure_days")
    pre = f"__{name}_"
    interval = f"COALESCE({_dbl('interval_mean_days')}, {_num(default_interval_days)})"
    inputs = ["recency_days", "tenure_days", "interval_mean_days"]
    growing = f"{t} < {_num(mature_tenure_days)}"
    stage1: list[tuple[str, str]] = []
    if trend_ratio is not None:
        inputs += ["orders_h1", "orders_h2"]
        half = (f"MAX({t}) OVER () / 2" if half_window_days is None
                else _num(half_window_days))  # fmt: skip
        stage1 = [(f"{pre}h", half)]
        h = _q(f"{pre}h")
        expo = f"({t} - {h})"
        o1, o2 = _dbl("orders_h1"), _dbl("orders_h2")
        o1c = f"(CASE WHEN {o1} < 1 THEN CAST(1 AS DOUBLE) ELSE {o1} END)"
        accel = (f"({expo} >= {_num(new_days)} AND {o2} / NULLIF({h}, 0) >= "
                 f"{_num(trend_ratio)} * {o1c} / NULLIF({expo}, 0))")  # fmt: skip
        growing = f"({growing} OR {accel})"
    case = (f"CASE WHEN {r} >= {_num(lost_days)} OR {r} IS NULL THEN {_lit(lab['lost'])} "
            f"WHEN {t} < {_num(new_days)} THEN {_lit(lab['new'])} "
            f"WHEN {r} > {_num(churn_factor)} * {interval} THEN {_lit(lab['churning'])} "
            f"WHEN {growing} THEN {_lit(lab['growing'])} "
            f"ELSE {_lit(lab['mature'])} END")  # fmt: skip
    st = [stage1, [(name, case)]] if stage1 else [[(name, case)]]
    return _scorer(name, inputs, st, [lab[s] for s in stages])
