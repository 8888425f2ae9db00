"""The gap statistic for k = 1..k_max, as R ``cluster::clusGap`` with ``maxSE``'s rules.

:func:`gap` is the standalone statistic with clusGap's options and defaults (unsquared
distances, ``firstSEmax``, ...); :func:`max_se` is ``maxSE``. The vote of
:func:`segkit.cluster.kvote.choose_k` uses its own variant (squared distances, Tibshirani's
rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from segkit.cluster.prepare import as_feature_frame
from segkit.errors import InputError

__all__ = ["GAP_RULES", "GapResult", "gap", "max_se"]


GapRule = Literal["firstSEmax", "Tibs2001SEmax", "Tibshirani2001", "globalSEmax", "firstmax",
                  "globalmax"]  # fmt: skip
#: maxSE's methods, plus ``Tibshirani2001`` as another name of ``Tibs2001SEmax``
GAP_RULES = ("firstSEmax", "Tibs2001SEmax", "globalSEmax", "firstmax", "globalmax")


def max_se(gap: Any, se: Any, rule: str = "firstSEmax", se_factor: float = 1.0) -> int:
    """Position (1-based, as R) of the chosen k in a gap curve, R ``cluster::maxSE``.

    ``firstSEmax`` (R's default): the smallest k whose gap is within ``se_factor`` standard
    errors of the *first* local maximum; ``Tibs2001SEmax`` (``Tibshirani2001``): the smallest
    k with gap(k) ≥ gap(k+1) − SE(k+1) (Tibshirani, Walther & Hastie 2001); ``globalSEmax``:
    the smallest k within ``se_factor`` SE of the global maximum; ``firstmax``: the first
    local maximum; ``globalmax``: the global maximum.

    Examples
    --------
    >>> g, s = [0.2, 0.5, 0.52, 0.45, 0.6], [0.03] * 5
    >>> [max_se(g, s, r) for r in GAP_RULES]
    [2, 2, 5, 3, 5]
    """
    f = np.asarray(gap, dtype=float)
    fse = se_factor * np.asarray(se, dtype=float)
    k = len(f)
    rule = "Tibs2001SEmax" if rule == "Tibshirani2001" else rule
    if rule not in GAP_RULES:
        raise ValueError(f"rule must be one of {GAP_RULES} or 'Tibshirani2001', got {rule!r}")
    if k < 1 or len(fse) != k or (fse < 0).any() or se_factor < 0:
        raise ValueError("gap and se need the same length >= 1, se and se_factor >= 0")
    decr = np.diff(f) <= 0
    first = int(np.argmax(decr)) + 1 if decr.any() else k
    if rule == "firstmax":
        return first
    if rule == "globalmax":
        return int(np.argmax(f)) + 1
    if rule == "Tibs2001SEmax":
        mp = f[:-1] >= (f - fse)[1:]
        return int(np.argmax(mp)) + 1 if mp.any() else k
    nc = first if rule == "firstSEmax" else int(np.argmax(f)) + 1
    mp = f[: nc - 1] >= f[nc - 1] - fse[nc - 1]
    return int(np.argmax(mp)) + 1 if mp.any() else nc


@dataclass(frozen=True, eq=False)
class GapResult:
    """Outcome of :func:`gap` (R ``clusGap`` + ``maxSE``).

    Attributes
    ----------
    table : DataFrame
        Per k = 1..k_max: ``logW``, ``E_logW``, ``gap``, ``SE_sim`` (clusGap's ``Tab``).
    k : int
        The k chosen by ``rule``; ``reason`` says so in words.
    rule, distance, space_h0 : str
    se_factor : float
    n_ref : int
        Reference data sets B.
    """

    table: pd.DataFrame
    k: int
    rule: str
    distance: str
    space_h0: str
    se_factor: float
    n_ref: int
    reason: str

    def k_by(self, rule: str, se_factor: float | None = None) -> int:
        """The k another ``maxSE`` rule (or SE factor) picks from the same curve."""
        sf = self.se_factor if se_factor is None else se_factor
        return max_se(self.table["gap"], self.table["SE_sim"], rule, sf)


def _log_w(z: np.ndarray, labels: np.ndarray, d_power: int) -> float:
    """log W_k = log(½ Σ_r Σ_{i<j in r} d_ij^d.power / n_r), as clusGap."""
    from scipy.spatial.distance import pdist

    total = 0.0
    for j in np.unique(labels):
        xs = z[labels == j]
        if d_power == 2:  # Σ_{i<j} ‖x_i − x_j‖² = n_r · Σ ‖x_i − mean‖²
            total += float(((xs - xs.mean(axis=0)) ** 2).sum())
        elif len(xs) > 1:
            total += float(pdist(xs).sum()) / len(xs)
    return float(np.log(0.5 * total))


def _kmeans_labels(z: np.ndarray, k: int, n_init: int, seed: int) -> np.ndarray:
    if k == 1:
        return np.zeros(len(z), dtype=np.int64)
    return np.asarray(KMeans(k, n_init=n_init, random_state=seed).fit(z).labels_)


#: clusGap's unsquared distances need every within-cluster pair: refuse beyond this many rows
GAP_MAX_ROWS = 20_000


def gap(
    X: Any,
    *,
    k_max: int = 8,
    n_ref: int = 100,
    distance: Literal["euclidean", "squared"] = "euclidean",
    rule: GapRule = "firstSEmax",
    se_factor: float = 1.0,
    space_h0: Literal["scaledPCA", "original"] = "scaledPCA",
    n_init: int = 25,
    random_state: int = 0,
    progress: bool = True,
) -> GapResult:
    """Gap statistic for k = 1..k_max as R ``cluster::clusGap(x, kmeans, K.max, B)``.

    Defaults follow R cluster 2.1.4: ``distance="euclidean"`` is clusGap's default
    ``d.power = 1`` (W_k sums *unsquared* within-cluster distances; ``"squared"`` is
    ``d.power = 2``, the within sum of squares of Tibshirani et al. 2001), references are
    uniform over the bounding box of the principal-component-rotated data
    (``spaceH0 = "scaledPCA"``; ``"original"``: the box of the variables), and the k is
    chosen by ``maxSE``'s default ``firstSEmax`` with ``SE.factor = 1``. SE_sim =
    sd(log W*)·√(1 + 1/B) with R's n − 1 standard deviation. Each clustering is k-means
    with ``n_init`` starts (R: ``nstart``). Columns are used as given: scale them first as
    for the clustering. On USArrests (scaled) R picks k = 4 by firstSEmax and 2 by
    Tibshirani's rule with squared distances; see the tests.

    Parameters
    ----------
    X : DataFrame or array
        Numeric features, no missing values; at most :data:`GAP_MAX_ROWS` rows.
    k_max, n_ref
        Largest k (R ``K.max``, at least 2) and reference data sets (R ``B``).
    distance : {"euclidean", "squared"}
    rule : {"firstSEmax", "Tibs2001SEmax", "Tibshirani2001", "globalSEmax", "firstmax", "globalmax"}
    se_factor : float, default 1
    space_h0 : {"scaledPCA", "original"}
    n_init, random_state, progress

    Returns
    -------
    GapResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.3, (40, 2)), rng.normal(3, 0.3, (40, 2))]
    >>> res = gap(X, k_max=4, n_ref=10, n_init=3, progress=False)
    >>> res.k, res.k_by("globalmax")
    (2, 2)
    """
    frame = as_feature_frame(X)
    if not all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns):
        bad = next(c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]))
        raise InputError("gap needs numeric features", column=str(bad), code="NOT_NUMERIC")
    z = frame.to_numpy(dtype=float)
    if np.isnan(z).any():
        bad = frame.columns[np.isnan(z).any(axis=0)][0]
        raise InputError("gap needs complete features", column=str(bad), code="MISSING_VALUES")
    n = len(z)
    if distance not in ("euclidean", "squared") or space_h0 not in ("scaledPCA", "original"):
        raise ValueError("distance must be 'euclidean' or 'squared', space_h0 'scaledPCA' or "
                         "'original'")  # fmt: skip
    if k_max < 2 or n_ref < 1 or n <= k_max:
        raise InputError(f"gap needs k_max >= 2, n_ref >= 1 and more rows ({n}) than k_max",
                         code="TOO_FEW_ROWS")  # fmt: skip
    if n > GAP_MAX_ROWS:
        raise InputError(f"gap on {n:,} rows (limit {GAP_MAX_ROWS:,}): pass a sample",
                         code="TOO_MANY_CUSTOMERS")  # fmt: skip
    max_se([0.0], [0.0], rule, se_factor)  # validate the rule early
    d_power = 1 if distance == "euclidean" else 2
    ks = range(1, k_max + 1)
    rng = np.random.default_rng(random_state)
    with threadpool_limits(1):
        log_w = np.array([_log_w(z, _kmeans_labels(z, k, n_init, random_state), d_power)
                          for k in ks])  # fmt: skip
        mean = z.mean(axis=0)
        xs = z - mean
        vt = np.linalg.svd(xs, full_matrices=False)[2] if space_h0 == "scaledPCA" else None
        if vt is not None:
            xs = xs @ vt.T
        lo, hi = xs.min(axis=0), xs.max(axis=0)
        ref = np.empty((n_ref, k_max))
        for b in tqdm(range(n_ref), desc="gap references", disable=None if progress else True):
            z1 = rng.uniform(lo, hi, size=xs.shape)
            zb = (z1 @ vt if vt is not None else z1) + mean
            seed = int(rng.integers(2**31))
            ref[b] = [_log_w(zb, _kmeans_labels(zb, k, n_init, seed), d_power) for k in ks]
    e_log_w = ref.mean(axis=0)
    se = np.sqrt(1 + 1 / n_ref) * (ref.std(axis=0, ddof=1) if n_ref > 1 else np.zeros(k_max))
    table = pd.DataFrame(
        {"logW": log_w, "E_logW": e_log_w, "gap": e_log_w - log_w, "SE_sim": se},
        index=pd.RangeIndex(1, k_max + 1, name="k"),
    )
    name = "Tibs2001SEmax" if rule == "Tibshirani2001" else rule
    k = max_se(table["gap"], table["SE_sim"], name, se_factor)
    reason = (
        f"gap statistic (R cluster clusGap, d.power = {d_power}, spaceH0 = {space_h0}, "
        f"B = {n_ref}): k = {k} by maxSE {name} (SE.factor = {se_factor:g})"
    )
    return GapResult(table, k, name, distance, space_h0, se_factor, n_ref, reason)
