"""The indices :func:`segkit.cluster.kvote.choose_k` computes for each k (确定分群数的指标).

:func:`knee_point` is public; the rest are the vote's arithmetic: the indices of one k-means
fit (Calinski-Harabasz, Davies-Bouldin, Dunn, gap on squared distances, W_k) from all rows
or a sample, the silhouette from a distance matrix, the BIC of a Gaussian mixture started at
the centres, and the indices that need W_k of neighbouring k (Hartigan, Krzanowski-Lai,
knee).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import cut_tree, linkage
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

__all__ = ["knee_point"]


def knee_point(ks: Any, w: Any) -> tuple[int, np.ndarray]:
    """Kneedle-style knee of a decreasing curve: max distance below the end-to-end chord.

    Examples
    --------
    >>> knee_point([1, 2, 3, 4, 5], [100, 30, 20, 15, 12])[0]
    2
    """
    x, y = np.asarray(ks, float), np.asarray(w, float)
    xs = (x - x[0]) / (x[-1] - x[0])
    ys = (y - y.min()) / (np.ptp(y) or 1.0)
    chord = ys[0] + (ys[-1] - ys[0]) * xs
    dist = chord - ys
    return int(x[int(np.argmax(dist))]), dist


def _pairwise(zs: np.ndarray) -> np.ndarray:
    sq = (zs**2).sum(axis=1)
    d2 = zs @ zs.T
    d2 *= -2
    d2 += sq[:, None]
    d2 += sq[None, :]
    d = np.sqrt(np.maximum(d2, 0, out=d2), out=d2)
    np.fill_diagonal(d, 0.0)
    return d


def _gap_references(zs: np.ndarray, b: int, rng: np.random.Generator) -> list[np.ndarray]:
    mean = zs.mean(axis=0)
    _, _, vt = np.linalg.svd(zs - mean, full_matrices=False)
    proj = (zs - mean) @ vt.T
    lo, hi = proj.min(axis=0), proj.max(axis=0)
    return [rng.uniform(lo, hi, size=proj.shape) @ vt + mean for _ in range(b)]


def _silhouette(dist: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette from a distance matrix (singletons score 0, as in scikit-learn)."""
    codes, lab = np.unique(lab, return_inverse=True)
    if len(codes) < 2:
        return float("nan")
    onehot = np.zeros((len(lab), len(codes)))
    onehot[np.arange(len(lab)), lab] = 1.0
    sums, size = dist @ onehot, onehot.sum(axis=0)
    own = size[lab] - 1
    a = sums[np.arange(len(lab)), lab] / np.maximum(own, 1)
    other = sums / size
    other[np.arange(len(lab)), lab] = np.inf
    b = other.min(axis=1)
    s = np.where(own > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def _indices(
    z: np.ndarray,
    lab: np.ndarray,
    k: int,
    samp: np.ndarray,
    dist: np.ndarray,
    refs: list[np.ndarray],
    seed: int,
    w_ref: np.ndarray | None = None,
) -> dict[str, float]:
    """The indices of one partition; ``w_ref``: W_k of the gap references (default: k-means
    refits of each)."""
    n, p = z.shape
    size = np.bincount(lab, minlength=k).astype(float)
    cent = np.column_stack([np.bincount(lab, z[:, j], k) for j in range(p)]) / size[:, None]
    resid = np.sqrt(((z - cent[lab]) ** 2).sum(axis=1))
    wss = float((resid**2).sum())
    bss = float((size * ((cent - z.mean(axis=0)) ** 2).sum(axis=1)).sum())
    spread = np.bincount(lab, resid, k) / size
    cd = np.sqrt(((cent[:, None, :] - cent[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(cd, np.inf)
    db = float(np.mean(np.max((spread[:, None] + spread[None, :]) / cd, axis=1)))
    ls = lab[samp]
    same = ls[:, None] == ls[None, :]
    dunn = float(np.where(same, np.inf, dist).min() / max(np.where(same, dist, 0).max(), 1e-12))
    # gap: data W_k on the sample (full-fit centres) vs. k-means refits of the references
    w_data = float(((z[samp] - cent[ls]) ** 2).sum())
    if w_ref is None:
        w_ref = np.array([KMeans(k, n_init=1, random_state=seed).fit(r).inertia_ for r in refs])
    w_ref = np.log(w_ref)
    return {
        "calinski_harabasz": (bss / (k - 1)) / (wss / (n - k)) if wss > 0 else np.inf,
        "davies_bouldin": db,
        "gap": float(w_ref.mean() - np.log(max(w_data, 1e-300))),
        "gap_s": float(w_ref.std() * np.sqrt(1 + 1 / len(refs))),
        "dunn": dunn,
        "wss": wss,
    }


def _ward_references(refs: list[np.ndarray], ks: list[int]) -> dict[int, np.ndarray]:
    """W_k of each gap reference clustered by Ward (one tree per reference, cut at every k)."""
    out: dict[int, list[float]] = {k: [] for k in ks}
    for r in refs:
        cuts = cut_tree(linkage(r, method="ward"), n_clusters=ks)
        for j, k in enumerate(ks):
            lab = cuts[:, j]
            size = np.bincount(lab, minlength=k).astype(float)
            cent = np.column_stack([np.bincount(lab, r[:, c], k) for c in range(r.shape[1])])
            out[k].append(float(((r - (cent / size[:, None])[lab]) ** 2).sum()))
    return {k: np.asarray(v) for k, v in out.items()}


def _bic(zs: np.ndarray, ls: np.ndarray, k: int, cov: str, seed: int) -> float:
    present = np.unique(ls)
    means = np.vstack([zs[ls == j].mean(axis=0) for j in present])
    gm = GaussianMixture(len(present), covariance_type=cov, reg_covar=1e-3, means_init=means,
                         random_state=seed, max_iter=200)  # fmt: skip
    return float(gm.fit(zs).bic(zs))


def _rule_indices(table: pd.DataFrame, ks: list[int], n: int, p: int, total: float) -> pd.DataFrame:
    w = pd.concat([pd.Series({1: total}), table["wss"]]).sort_index()
    w = w[~w.index.duplicated()].reindex(range(1, ks[-1] + 2))
    kk = w.index.to_numpy()
    hart = (w / w.shift(-1) - 1) * (n - kk - 1)
    diff = (kk - 1) ** (2 / p) * w.shift(1) - kk ** (2 / p) * w
    out = table.copy()
    out.loc[ks, "hartigan"] = hart.loc[ks]
    out.loc[ks, "hartigan_drop"] = (hart.shift(1) - hart).loc[ks]
    out.loc[ks, "krzanowski_lai"] = (diff / diff.shift(-1)).abs().loc[ks]
    out.loc[ks, "knee"] = knee_point(ks, table.loc[ks, "wss"])[1]
    return out
