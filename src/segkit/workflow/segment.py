"""What the segmentation steps compute with (:mod:`segkit.workflow.model`): segments by a
rule (``rfm``, ``value``, ``lifecycle``) or by clustering with k chosen by a vote of 9
indices (:func:`cluster_segments`); their validation — bootstrap stability, discriminant
analysis on the clustering's scale, minimum sizes (:func:`validate_segments`); the segment
profiles (:func:`describe_segments`). Names, traits and strategy are
:mod:`segkit.workflow.planning`'s.

The chain itself — which step reads which artefact — is :mod:`segkit.workflow.model`'s;
``segkit segment`` runs those steps (:mod:`segkit.workflow.segmenting`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering

from segkit.cluster.estimator import SegmentClusterer
from segkit.cluster.kvote import KPROTOTYPES_SAMPLE, KSelection, choose_k
from segkit.cluster.prepare import describe_preprocessor, make_preprocessor
from segkit.errors import InputError
from segkit.features import with_derived
from segkit.tiers.lifecycle import lifecycle_stages
from segkit.tiers.rfm import assign_rfm_segments, rfm_scores
from segkit.tiers.rules import value_tiers
from segkit.validate.describe import SegmentProfile, profile_segments, skewed_columns
from segkit.validate.discriminant import DiscriminantReport, discriminant_analysis
from segkit.validate.sizes import check_segment_sizes, small_segments_note
from segkit.validate.stability import ClusterbootKMeans, StabilityReport, bootstrap_stability

RULE_METHODS = ("rfm", "value", "lifecycle")
CLUSTER_METHODS = ("kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower")
#: profile columns described in the segment profiles (when present)
PROFILE_VARIABLES = (
    "recency_days", "frequency", "monetary", "avg_order_value", "tenure_days", "return_rate",
    "active_months", "interval_mean_days", "orders_per_active_month",
)  # fmt: skip
#: variables each rule-based method is defined on (used for the discriminant check)
RULE_VARIABLES = {
    "rfm": ["recency_days", "frequency", "monetary"],
    "value": ["monetary", "frequency", "avg_order_value"],
    "lifecycle": ["recency_days", "tenure_days", "frequency", "orders_h1", "orders_h2"],
}


def rule_labels(
    profile: pd.DataFrame, method: str
) -> tuple[pd.Series, pd.DataFrame, dict[str, dict[str, str]]]:
    """A rule's labels, thresholds and own names (segment → {"zh", "en"}); ``profile`` is
    one row per customer (:func:`segkit.profile.build_profile`)."""
    if method == "rfm":
        scores = rfm_scores(profile)
        en = assign_rfm_segments(scores).labels.astype(str)
        zh = assign_rfm_segments(scores, lang="zh").labels.astype(str)
        thresholds = scores.thresholds
    else:
        make = value_tiers if method == "value" else lifecycle_stages
        tier_en, tier_zh = make(profile), make(profile, lang="zh")
        en, zh = tier_en.labels.astype(str), tier_zh.labels.astype(str)
        thresholds = tier_en.thresholds
    names = {e: {"zh": z, "en": e} for e, z in zip(en, zh, strict=True)}
    return en.rename("segment"), thresholds, names


def profile_variables(frame: pd.DataFrame, extra: tuple[str, ...] = ()) -> list[str]:
    """The variables segment profiles describe: the profile's main measures, its channel and
    category shares, and the ``extra`` columns present (e.g. demographics of the master);
    every numeric column when the table is not a segkit profile."""
    cols = [c for c in PROFILE_VARIABLES if c in frame.columns]
    cols += [c for c in frame.columns if c.startswith("share_") and not c.endswith("__other")]
    if not cols:  # not a segkit profile: describe every numeric column
        cols = [c for c in frame.select_dtypes("number").columns if c != "customer_id"]
    return cols + [c for c in extra if c in frame.columns and c not in cols]


def _profile_frame(profile: pd.DataFrame, describe: list[str] | None) -> pd.DataFrame:
    """The variables the segment profiles describe (default: :func:`profile_variables`)."""
    frame = with_derived(profile)
    return frame[describe if describe is not None else profile_variables(frame)]


@dataclass
class Clustering:
    """A fitted clusterer, its canonical labels and (when k was voted on) the k selection."""

    model: SegmentClusterer
    labels: pd.Series
    selection: KSelection | None = None


def cluster_segments(
    X: pd.DataFrame,
    *,
    method: str = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    random_state: int = 0,
    value: pd.Series | None = None,
    progress: bool = True,
    preprocess: Any = "auto",
    categorical: list[str] | None = None,
) -> Clustering:
    """Choose k by the index vote of ``method`` itself (when k is not given; see
    :func:`segkit.cluster.kvote.choose_k`) and fit a :class:`SegmentClusterer`.

    ``preprocess`` as :class:`SegmentClusterer`'s (``auto``, ``standard``, ``log`` …);
    ``categorical`` names the categorical columns of ``X`` (k-prototypes, gower)."""
    if method not in CLUSTER_METHODS:
        raise InputError(f"unknown clustering method {method!r}", code="UNKNOWN_METHOD")
    selection = None
    cmethod: Any = method
    if k is None:
        lo, hi = k_range
        selection = choose_k(
            X, k_range=range(lo, hi + 1), method=cmethod, categorical=categorical or None,
            preprocess=preprocess, random_state=random_state, progress=progress,
        )  # fmt: skip
        k = int(selection.recommended_k_)
    model = SegmentClusterer(cmethod, n_clusters=k, random_state=random_state,
                             preprocess=preprocess, categorical=categorical or None)  # fmt: skip
    model.fit(X, value=value)
    return Clustering(model=model, labels=model.labels_.rename("segment"), selection=selection)


@dataclass
class Validation:
    """Stability (clustering only), discriminant analysis and segment sizes."""

    sizes: pd.DataFrame
    stability: StabilityReport | None = None
    discriminant: DiscriminantReport | None = None
    notes: list[str] = field(default_factory=list)


#: above this many customers, bootstrap stability fits on samples of this size
BOOTSTRAP_SAMPLE = 20_000


def clustering_scale(X: pd.DataFrame, preprocess: Any = "auto") -> tuple[pd.DataFrame, list[str]]:
    """The features on the clustering's scale (``preprocess`` as :class:`SegmentClusterer`:
    ``auto`` = log1p of skewed spend/count columns, then standardise) and the log1p columns."""
    pre = make_preprocessor(preprocess, X)
    if pre is None:
        return X.astype(float), []
    z = pd.DataFrame(
        np.asarray(pre.transform(X), dtype=float), index=X.index,
        columns=list(getattr(pre, "get_feature_names_out", lambda: X.columns)()),
    )  # fmt: skip
    if set(z.columns) == set(X.columns):
        z = z[list(X.columns)]
    treatment = describe_preprocessor(pre)
    logged = [c for c in X.columns if str(treatment.get(str(c), "")).startswith("log1p")]
    return z, logged


def validate_segments(
    X: pd.DataFrame,
    labels: pd.Series,
    *,
    method: str | None = None,
    n_boot: int = 50,
    random_state: int = 0,
    min_size: int = 30,
    progress: bool = True,
    refit: Literal["clusterboot", "segkit"] = "clusterboot",
    preprocess: Any = "auto",
    categorical: list[str] | None = None,
) -> Validation:
    """Bootstrap stability, LDA and the minimum-size check of a segmentation.

    Both checks run on the clustering's own scale for a clustering ``method`` (``preprocess``
    as in :class:`SegmentClusterer`, default log1p of skewed columns then standardisation);
    rule segments are checked on the rule variables as given.

    * Stability (clustering only; ``n_boot=0`` skips it). ``refit="clusterboot"`` (default)
      follows R fpc's ``clusterboot(x, B, bootmethod = "boot", clustermethod = kmeansCBI,
      runs = 1)``: each resample's distinct customers, on the clustering's scale, are
      re-clustered from **one** random start (k-means: Lloyd then Hartigan's exchange, as R
      ``kmeans``; ward: the same Ward clustering; gmm: one mixture fit), and each segment's
      stability is the mean over resamples of its best Jaccard (within ±0.03 of fpc on
      USArrests, see the tests). ``"segkit"``: refit the whole :class:`SegmentClusterer`
      (preprocessing and 10 k-means++ starts) per resample — a milder test that calls
      segments "stable" that clusterboot calls doubtful. kprototypes and gower always use it,
      from one start, fitted on bootstrap samples of ``KPROTOTYPES_SAMPLE`` (2,000) customers
      above that many (every customer then assigned by ``predict``).
    * Discriminant analysis on the usable (non-constant) variables, with log1p of the
      columns the clustering log-transforms
      (:func:`segkit.validate.discriminant.discriminant_analysis`).
    * Mixed data (``categorical``, k-prototypes or gower): the discriminant analysis runs
      on the numeric columns (log1p as the clustering) plus one 0/1 column per level of each
      categorical column but its first (LDA's usual dummy coding).
    """
    notes: list[str] = []
    stability = None
    clustering = method in CLUSTER_METHODS
    cat = [c for c in (categorical or []) if c in X.columns]
    num = X.drop(columns=cat)
    numeric = not cat and all(pd.api.types.is_numeric_dtype(X[c]) for c in X.columns)
    scalable = (
        clustering and len(num.columns) and all(map(pd.api.types.is_numeric_dtype, num.dtypes))
    )
    Z, logged = clustering_scale(num, preprocess) if scalable else (X, [])
    Z = Z if numeric else X  # mixed data: stability refits the whole clusterer on X
    if clustering and n_boot:
        stability = _stability(
            X, Z, labels, method=str(method), n_boot=n_boot, random_state=random_state,
            progress=progress, clusterboot=refit == "clusterboot" and numeric, notes=notes,
            categorical=cat,
        )  # fmt: skip
    sizes = check_segment_sizes(labels, min_size=min_size)
    if sizes["too_small"].any():
        notes.append(small_segments_note(sizes))
    discriminant = None
    design = num.astype(float)
    if cat:  # dummy coding: one 0/1 column per level but the first
        dummies = pd.get_dummies(X[cat].astype(str), prefix_sep="=", drop_first=True)
        design = pd.concat([design, dummies.astype(float)], axis=1)
        notes.append(f"discriminant analysis: {', '.join(cat)} dummy-coded (first level left out)")
    usable = design.loc[:, design.std() > 0]
    if labels.nunique() > 1 and usable.shape[1] and labels.value_counts().min() >= 2:
        logs = [c for c in logged if c in usable.columns]
        with np.errstate(divide="ignore"):  # a dummy constant within every segment: F = inf
            discriminant = discriminant_analysis(
                usable, labels, random_state=random_state, log1p=logs
            )
        if clustering:
            scale = f"log1p of {', '.join(map(str, logs))}" if logs else "the variables as given"
            notes.append(f"discriminant analysis on the clustering's scale ({scale})")
    return Validation(sizes=sizes, stability=stability, discriminant=discriminant, notes=notes)


def _stability(
    X: pd.DataFrame,
    Z: pd.DataFrame,
    labels: pd.Series,
    *,
    method: str,
    n_boot: int,
    random_state: int,
    progress: bool,
    clusterboot: bool,
    notes: list[str],
    categorical: list[str] | None = None,
) -> StabilityReport:
    """Bootstrap stability of a clustering (see :func:`validate_segments`); ``Z`` is ``X`` on
    the clustering's scale. Notes on how it was refitted are appended to ``notes``."""
    k = int(labels.nunique())
    cmethod: Any = method
    mixed = method in ("kprototypes", "gower")  # slow or n²: samples of 2,000, one start
    size = KPROTOTYPES_SAMPLE if mixed else BOOTSTRAP_SAMPLE
    large = len(X) > size and method in ("kmeans", "minibatch", "gmm", "kprototypes")
    clusterboot = clusterboot and not mixed
    model: Any
    if clusterboot:
        data = Z
        if method in ("kmeans", "minibatch"):
            model = ClusterbootKMeans(k, random_state=random_state)
            how = "k-means from one random start (fpc kmeansCBI, runs = 1)"
        elif method == "ward":
            model = AgglomerativeClustering(k, linkage="ward")
            how = "Ward clustering (fpc hclustCBI, method = ward.D2)"
        else:
            model = SegmentClusterer(cmethod, n_clusters=k, preprocess=None, n_init=1,
                                     random_state=random_state)  # fmt: skip
            how = f"{method} from one start"
        scheme = f"clusterboot (R fpc): {how} on the clustering's scale, per resample"
    else:
        data = X
        model = SegmentClusterer(cmethod, n_clusters=k, random_state=random_state,
                                 categorical=categorical or None,
                                 n_init=1 if mixed else 10)  # fmt: skip
        starts = "one start" if mixed else "all starts"
        scheme = f"segkit: the whole {method} clustering (preprocessing, {starts}) refitted"
    if large:
        # large data: fit on bootstrap samples, assign every customer (clusterboot's
        # comparison on all rows; the cost no longer grows with n)
        stability = bootstrap_stability(
            data, labels, fit=model, n_boot=n_boot, random_state=random_state,
            sample_size=size, progress=progress, refit=scheme,
        )  # fmt: skip
        notes.append(
            f"stability: each of {n_boot} bootstrap samples of {size:,} "
            "customers re-clustered, every customer assigned"
        )
    else:
        stability = bootstrap_stability(
            data, labels, fit_predict=model, n_boot=n_boot, random_state=random_state,
            progress=progress, multipleboot=not clusterboot, refit=scheme,
        )  # fmt: skip
    notes.append(f"stability refit: {scheme}")
    return stability


def describe_segments(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    value_column: str | None = "monetary",
    describe: list[str] | None = None,
    categorical: list[str] | None = None,
) -> SegmentProfile:
    """Profile every segment against the population (see :func:`profile_variables`); the
    effect sizes of skewed spend and count columns are on the log scale
    (:func:`segkit.cluster.prepare.skewed_columns`); ``value_column`` None: no value shares;
    ``categorical`` columns are described by the share of each level."""
    described = _profile_frame(data, describe)
    cat = [c for c in (categorical or []) if c in described.columns] or None
    if value_column is None:
        return profile_segments(described, labels, log1p=skewed_columns(described), categorical=cat)
    if value_column not in data:
        raise InputError(
            f"no value column {value_column!r}", column=value_column, code="MISSING_COLUMN"
        )
    described = described.assign(**{value_column: data[value_column]})
    # skewed spend and counts are compared on the log scale (as the clustering sees them)
    return profile_segments(
        described, labels, value_column=value_column, log1p=skewed_columns(described),
        categorical=cat,
    )  # fmt: skip
