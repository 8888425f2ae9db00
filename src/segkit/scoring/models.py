"""Fitted models as SQL: nearest centroid / linear posterior of a
:class:`~segkit.cluster.estimator.SegmentClusterer` and Fisher's classification functions of a
:class:`~segkit.validate.discriminant.ScoringRule`, both an argmax of linear scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from segkit.errors import InputError
from segkit.scoring.sql import SQLScorer, _dbl, _lit, _log1p, _num, _q, _scorer

__all__ = ["cluster_scorer", "linear_argmax_scorer", "rule_scorer"]


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
    >>> from segkit.scoring import score
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
    """SQL of a :class:`segkit.validate.discriminant.ScoringRule`.

    The argmax of the classification functions.

    Examples
    --------
    >>> from segkit.validate.discriminant import ScoringRule
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
    :func:`segkit.cluster.prepare.default_preprocessor`, a StandardScaler, or None."""
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
    >>> import pandas as pd
    >>> from segkit.cluster.estimator import SegmentClusterer
    >>> from segkit.scoring import score
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
