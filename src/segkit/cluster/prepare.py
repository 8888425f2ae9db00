"""The clustering input (聚类变量): behavioural features, scaling, checks and a stable row order.

:func:`behaviour_features` derives the default behavioural feature set from a profile;
:func:`default_preprocessor` is the shared scaling step (``log1p`` for skewed spend/count
columns, then standardisation), :func:`make_preprocessor` the fitted one a ``preprocess``
option names. :func:`check_features` refuses data k clusters cannot be fitted to,
:func:`stable_order` sorts the rows so that results do not depend on their order and
:func:`few_threads` keeps small fits single-threaded. Shared by
:class:`segkit.cluster.estimator.SegmentClusterer` and :func:`segkit.cluster.kvote.choose_k`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, QuantileTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from segkit.errors import InputError
from segkit.features import DERIVED_FEATURES, with_derived

# fmt: off
__all__ = ["DEFAULT_BEHAVIOUR_FEATURES", "ONE_THREAD_UP_TO", "WARD_MAX_CUSTOMERS",
           "as_feature_frame", "behaviour_features", "check_features", "default_preprocessor",
           "describe_preprocessor", "few_threads", "make_preprocessor", "stable_order"]
# fmt: on


#: Behavioural features that do not depend on lifecycle (how long or how recently a customer
#: bought): order value, orders per active month, channel and category mix. Glob patterns
#: are expanded over the profile columns; ``orders_per_active_month`` is derived as
#: ``frequency / active_months``. ``avg_order_value`` and ``orders_per_active_month`` are
#: skewed, so :func:`default_preprocessor` log-transforms them; centres stay in CNY / orders.
# fmt: off
DEFAULT_BEHAVIOUR_FEATURES: list[str] = ["avg_order_value", "orders_per_active_month",
                                         "share_channel_online", "share_category_*"]
# fmt: on
#: Ward needs the full distance matrix (n²/2 doubles: 1.6 GB at 20 000 rows); above this size
#: :class:`SegmentClusterer` refuses with ``TOO_MANY_CUSTOMERS``.
WARD_MAX_CUSTOMERS = 20_000
#: Fits on at most this many rows run single-threaded (see :func:`few_threads`).
ONE_THREAD_UP_TO = 50_000


def behaviour_features(
    profile: pd.DataFrame, features: Sequence[str] | None = None
) -> pd.DataFrame:
    """Select (and derive) behavioural segmentation features from a profile.

    Parameters
    ----------
    profile : DataFrame
        Output of :func:`segkit.profile.build_profile`.
    features : sequence of str
        Column names or glob patterns (default :data:`DEFAULT_BEHAVIOUR_FEATURES`, whose mix
        shares are skipped when the profile lacks them — no channel or category mapped; a
        name given explicitly must exist). Pattern matches that are constant (e.g.
        an empty ``share_category__other``) are dropped; ``orders_per_active_month`` is
        derived when absent.

    Returns
    -------
    DataFrame
        Float features, same index as ``profile``.

    Examples
    --------
    >>> p = pd.DataFrame({"avg_order_value": [50.0, 900.0], "frequency": [6, 1],
    ...                   "active_months": [3, 1], "share_channel_online": [1.0, 0.2],
    ...                   "share_category_a": [0.3, 1.0], "share_category_b": [0.7, 0.0],
    ...                   "share_category__other": [0.0, 0.0]})
    >>> behaviour_features(p).columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['avg_order_value', 'orders_per_active_month', 'share_channel_online',
     'share_category_a', 'share_category_b']
    """
    lenient = features is None
    out: dict[str, pd.Series] = {}
    for spec in DEFAULT_BEHAVIOUR_FEATURES if features is None else features:
        if any(ch in spec for ch in "*?["):
            for col in fnmatch.filter(map(str, profile.columns), spec):
                if profile[col].nunique(dropna=False) > 1:
                    out[col] = profile[col].astype(float)
        elif spec in profile.columns:
            out[spec] = profile[spec].astype(float)
        elif spec in DERIVED_FEATURES and set(DERIVED_FEATURES[spec]) <= set(profile.columns):
            out[spec] = with_derived(profile)[spec].astype(float)
        elif not (lenient and spec.startswith("share_")):
            raise InputError(f"profile has no column {spec!r}", column=spec, code="MISSING_COLUMN")
    if not out:
        raise InputError("none of the behavioural features is in the profile", code="NO_FEATURES")
    return pd.DataFrame(out, index=profile.index)


def skewed_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns that are skewed spend or counts: sample skewness (pandas' adjusted
    Fisher–Pearson G1) above 1 — highly right-skewed (Bulmer 1979, *Principles of
    Statistics*, p. 63) — with minimum ≥ 0 and maximum > 1. Right skew only: log1p would
    stretch a left tail further; shares in [0, 1] are never chosen. The one rule by which
    the clustering log-transforms (:func:`default_preprocessor`) and the segment profiles
    compare on the log scale (:func:`segkit.validate.describe.profile_segments`).

    Examples
    --------
    >>> skewed_columns(pd.DataFrame({"spend": [1.0, 2, 3, 5, 400], "share": [0, .1, .2, .3, 1],
    ...                              "tenure": [1.0, 12, 12, 12, 12]}))
    ['spend']
    """
    num = frame.select_dtypes("number")
    num = num.loc[:, [not pd.api.types.is_bool_dtype(num[c]) for c in num.columns]].astype(float)
    skew = num.skew()
    return [str(c) for c in num.columns
            if skew[c] > 1 and num[c].min() >= 0 and num[c].max() > 1]  # fmt: skip


def default_preprocessor(
    frame: pd.DataFrame,
    *,
    skewed: Literal["auto"] | Sequence[str] | None = "auto",
    transform: Literal["log1p", "quantile"] = "log1p",
) -> ColumnTransformer:
    """Unfitted scaling step: transform skewed spend/count columns, then standardise.

    Parameters
    ----------
    frame : DataFrame
        Numeric features (used only to choose the skewed columns).
    skewed : "auto", list of str or None
        ``"auto"``: columns with sample skewness (pandas' adjusted Fisher–Pearson G1)
        above 1 — highly right-skewed (Bulmer 1979, *Principles of Statistics*, p. 63) —
        minimum ≥ 0 and maximum > 1 (spend and counts; shares and rates bounded by 1 are left
        linear, and so is a left-skewed column such as a tenure capped at 12 months, whose
        left tail a log would stretch). ``None``: none.
    transform : {"log1p", "quantile"}
        ``log1p`` or a normal-output :class:`~sklearn.preprocessing.QuantileTransformer`.

    Returns
    -------
    ColumnTransformer
        Transformers ``"skewed"`` (transform + :class:`StandardScaler`) and ``"linear"``
        (:class:`StandardScaler`) list which column got which treatment (see
        :func:`describe_preprocessor`); works with ``set_output(transform="pandas")``.

    Examples
    --------
    >>> f = pd.DataFrame({"spend": [1.0, 2, 3, 4, 100], "share": [0.1, 0.2, 0.3, 0.2, 0.1]})
    >>> pre = default_preprocessor(f).set_output(transform="pandas")
    >>> pre.fit_transform(f).round(2)["spend"].tolist()
    [-0.85, -0.56, -0.35, -0.19, 1.95]
    >>> describe_preprocessor(pre)
    {'spend': 'log1p + standardise', 'share': 'standardise'}
    """
    cols = [str(c) for c in frame.columns]
    if skewed == "auto":
        chosen = skewed_columns(frame)
    else:
        chosen = [str(c) for c in (skewed or [])]
        if missing := sorted(set(chosen) - set(cols)):
            raise InputError("skewed column not in frame", column=missing[0], code="MISSING_COLUMN")
        if transform == "log1p" and (neg := [c for c in chosen if frame[c].min() < 0]):
            raise InputError("log1p needs values ≥ 0", column=neg[0], code="NEGATIVE_VALUES")
    if transform == "quantile":
        step: Any = QuantileTransformer(
            n_quantiles=max(2, min(1000, len(frame))), output_distribution="normal"
        )
    elif transform == "log1p":
        step = FunctionTransformer(np.log1p, feature_names_out="one-to-one")
    else:
        raise ValueError(f"transform must be 'log1p' or 'quantile', got {transform!r}")
    steps: list[tuple[str, Any, list[str]]] = []
    if chosen:
        steps.append(("skewed", make_pipeline(step, StandardScaler()), chosen))
    if linear := [c for c in cols if c not in chosen]:
        steps.append(("linear", StandardScaler(), linear))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def describe_preprocessor(pre: Any) -> dict[str, str]:
    """``{column: treatment}`` of a :func:`default_preprocessor` (other objects: class name).

    Examples
    --------
    >>> describe_preprocessor(StandardScaler())
    {'*': 'StandardScaler'}
    """
    if not isinstance(pre, ColumnTransformer):
        return {"*": type(pre).__name__}
    words = {"FunctionTransformer": "log1p", "StandardScaler": "standardise"}
    words["QuantileTransformer"] = "quantile-normal"
    out: dict[str, str] = {}
    for _, trans, cols in pre.transformers:
        steps = [s for _, s in trans.steps] if hasattr(trans, "steps") else [trans]
        names = [words.get(type(s).__name__, type(s).__name__) for s in steps]
        out.update(dict.fromkeys(cols, " + ".join(names)))
    return out


def few_threads(n: int) -> AbstractContextManager[Any]:
    """One BLAS/OpenMP thread for up to :data:`ONE_THREAD_UP_TO` rows (else no limit).

    Small k-means fits gain nothing from threads, and on a busy machine OpenMP threads that
    wait for each other make them many times slower.
    """
    return threadpool_limits(1) if n <= ONE_THREAD_UP_TO else nullcontext()


def stable_order(frame: pd.DataFrame) -> np.ndarray:
    """Row order sorted by all column values (the first column first): same rows, same order.

    Examples
    --------
    >>> stable_order(pd.DataFrame({"a": [2, 1, 2], "b": ["y", "z", "x"]})).tolist()
    [1, 2, 0]
    """
    keys = []
    for col in frame.columns:
        s = frame[col]
        keys.append(s.to_numpy(float) if pd.api.types.is_numeric_dtype(s) else
                    pd.factorize(s.astype(str), sort=True)[0])  # fmt: skip
    return np.lexsort(keys[::-1]) if keys else np.arange(len(frame))


def as_feature_frame(X: Any) -> pd.DataFrame:
    """The features as a DataFrame with string column names."""
    if isinstance(X, pd.DataFrame):
        return X.rename(columns=str)
    arr = np.asarray(X)
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def check_features(
    frame: pd.DataFrame, num: list[str], cat: list[str], k: int, method: str
) -> None:
    """Refuse data that k clusters cannot be fitted to (too few rows, non-numeric, missing or
    constant values), with a reason code."""
    for c in cat:
        if c not in frame.columns:
            raise InputError("categorical column not in X", column=c, code="MISSING_COLUMN")
    bad = [c for c in num if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise InputError(
            "clustering needs numeric features; pass text columns as `categorical` with "
            "method='kprototypes' or encode them",
            column=bad[0],
            code="NON_NUMERIC",
        )
    if nan := [c for c in frame.columns if frame[c].isna().any()]:
        raise InputError(
            "missing values; impute or drop first", column=nan[0], code="MISSING_VALUES"
        )
    if method == "predict":
        return
    n = len(frame)
    if n < k:
        raise InputError(f"{n} customers cannot form {k} segments", code="TOO_FEW_CUSTOMERS")
    if n and frame.nunique().max() <= 1:
        raise InputError("every feature is constant; nothing to cluster", code="ZERO_VARIANCE")
    if (distinct := len(frame.drop_duplicates())) < k:
        raise InputError(
            f"{n} customers have only {distinct} distinct feature rows; cannot form {k} segments",
            code="TOO_FEW_CUSTOMERS",
        )
    if method in ("ward", "gower") and n > WARD_MAX_CUSTOMERS:
        raise InputError(
            f"{method.capitalize()} on {n} customers needs an n×n distance matrix (limit "
            f"{WARD_MAX_CUSTOMERS}); use method='kmeans' (or 'kprototypes' for mixed data), "
            f"or fit {method} on a sample and predict the rest",
            code="TOO_MANY_CUSTOMERS",
        )


def make_preprocessor(spec: Any, x: pd.DataFrame) -> Any:
    """The fitted preprocessor for ``spec``: ``"auto"`` / ``"quantile"`` / ``"standard"`` /
    ``"log"`` (log1p of every column; :func:`default_preprocessor`), ``None`` / ``"none"``, or
    a user's transformer (cloned)."""
    if spec is None or spec == "none":
        return None
    if isinstance(spec, str):
        opts: dict[str, Any] = {"auto": {}, "quantile": {"transform": "quantile"}}
        opts["standard"] = {"skewed": None}
        opts["log"] = {"skewed": [str(c) for c in x.columns]}  # log1p of every column
        if spec not in opts:
            raise ValueError(f"preprocess must be one of {sorted(opts)}, None or a transformer")
        return default_preprocessor(x, **opts[spec]).fit(x)
    return clone(spec).fit(x)
