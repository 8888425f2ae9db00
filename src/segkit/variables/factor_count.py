"""How many factors? Kaiser's rule and Horn's parallel analysis (R psych ``fa.parallel``).

:func:`n_factors` compares the eigenvalues of both common factors and principal components
with those of random data of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from segkit.variables.adequacy import Correlation, _corr, _items

__all__ = ["FactorCountReport", "n_factors"]

Kind = Literal["factors", "components"]


@dataclass(frozen=True, eq=False)
class FactorCountReport:
    """How many factors to extract (R psych's ``fa.parallel`` plus Kaiser's rule).

    Attributes
    ----------
    table : DataFrame
        Per position 1..p: principal-component ``eigenvalue`` of the correlation matrix with
        ``random_mean`` and ``random_q`` (the ``quantile`` of random-data eigenvalues);
        common-factor ``fa_eigenvalue`` with ``fa_random_mean`` and ``fa_random_q``;
        flags ``kaiser``, ``component`` and ``factor`` (kept by parallel analysis).
    kaiser : int
        Component eigenvalues > 1 (Kaiser's rule, tends to over-extract with many items).
    factors, components : int
        Leading common-factor / component eigenvalues above the random ``quantile``
        (``fa.parallel``'s ``nfact`` and ``ncomp``).
    kind : {"factors", "components"}
        Which count is ``parallel`` and ``recommended``.
    parallel, recommended : int
        The ``kind`` count; ``reason`` says which rule chose what, in words.
    n_obs : int
        Rows used (all with ``pairwise`` correlations, complete ones with ``listwise``).
    correlation : str
        ``"pairwise"`` or ``"listwise"``.
    """

    table: pd.DataFrame
    kaiser: int
    parallel: int
    recommended: int
    reason: str
    n_obs: int
    factors: int = 0
    components: int = 0
    kind: str = "factors"
    correlation: str = "pairwise"

    @property
    def eigenvalues(self) -> np.ndarray:
        """Observed eigenvalues of the correlation matrix, descending."""
        return self.table["eigenvalue"].to_numpy()

    @property
    def fa_eigenvalues(self) -> np.ndarray:
        """Observed common-factor eigenvalues (reduced correlation matrix), descending."""
        return self.table["fa_eigenvalue"].to_numpy()

    def to_frame(self) -> pd.DataFrame:
        """The eigenvalue table."""
        return self.table


def _minres_one_factor(corr: np.ndarray) -> np.ndarray:
    """Communalities of psych's one-factor minres solution (``fa(r, 1, fm = "minres")``).

    psych's own steps, since factor_analyzer's minres (another start and scaling) can stop
    at a degenerate solution (one communality near 1) on random data, which inflates the
    random eigenvalues: uniquenesses Ψ start at 1 − SMC and minimise the squared
    off-diagonal residuals by L-BFGS-B within [0.005, 1], parameters scaled by 0.01
    (``parscale``), with psych's gradient ``FAgr.minres``; loadings are the first
    eigenvector of R − diag Ψ scaled by the root of its eigenvalue.
    """
    from scipy.optimize import minimize

    off = ~np.eye(len(corr), dtype=bool)

    def loading(psi: np.ndarray) -> np.ndarray:
        vals, vecs = np.linalg.eigh(corr - np.diag(psi))
        return vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))

    def objective(y: np.ndarray) -> float:
        s = corr.copy()
        np.fill_diagonal(s, 1 - y * 0.01)
        vals, vecs = np.linalg.eigh(s)
        top = max(vals[-1], 100 * np.finfo(float).eps)
        lam = vecs[:, -1] * np.sqrt(top)
        return float((((s - np.outer(lam, lam)) ** 2)[off]).sum())

    def gradient(y: np.ndarray) -> np.ndarray:
        psi = y * 0.01
        lam = loading(psi)
        return np.asarray((lam**2 + psi - np.diag(corr)) * 0.01)

    start = 1 / np.diag(np.linalg.pinv(corr))  # 1 − SMC
    res = minimize(
        objective, start / 0.01, jac=gradient, method="L-BFGS-B",
        bounds=[(0.5, 100.0)] * len(corr),
        options={"maxcor": 5, "ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxiter": 100},
    )  # fmt: skip
    return np.asarray(loading(res.x * 0.01) ** 2)


def _fa_values(corr: np.ndarray, smc: bool) -> np.ndarray:
    """Eigenvalues of the reduced correlation matrix, descending.

    As ``fa.parallel``: the diagonal holds the communalities of a one-factor minres solution
    (``fa(r, 1, fm = "minres")$values``, psych's default ``SMC = FALSE``) or, with ``smc``,
    the squared multiple correlations ``1 − 1 / diag(R⁻¹)``.
    """
    reduced = corr.copy()
    diag = 1 - 1 / np.diag(np.linalg.pinv(corr)) if smc else _minres_one_factor(corr)
    np.fill_diagonal(reduced, diag)
    return np.asarray(np.linalg.eigvalsh(reduced)[::-1])


def _leading(observed: np.ndarray, threshold: np.ndarray) -> int:
    """Leading positions whose observed eigenvalue beats the threshold."""
    above = observed > threshold
    return int(len(above) if above.all() else np.argmin(above))


def _count(
    data: pd.DataFrame,
    n_iter: int,
    random_state: int | None,
    quantile: float,
    correlation: str = "listwise",
    kind: str = "factors",
    smc: bool = False,
) -> FactorCountReport:
    if n_iter < 1 or not 0 < quantile < 1:
        raise ValueError(f"need n_iter >= 1 and 0 < quantile < 1, got {n_iter}, {quantile}")
    if kind not in ("factors", "components"):
        raise ValueError(f"kind must be 'factors' or 'components', got {kind!r}")
    n, p = data.shape
    corr = _corr(data, "n_factors")
    observed = np.linalg.eigvalsh(corr)[::-1]
    fa_observed = _fa_values(corr, smc)
    rng = np.random.default_rng(random_state)
    sims, fa_sims = np.empty((n_iter, p)), np.empty((n_iter, p))
    for i in tqdm(range(n_iter), desc="parallel analysis", disable=None, leave=False):
        z = np.asarray(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))
        sims[i] = np.linalg.eigvalsh(z)[::-1]
        fa_sims[i] = _fa_values(z, smc)
    threshold = np.quantile(sims, quantile, axis=0)
    fa_threshold = np.quantile(fa_sims, quantile, axis=0)
    components = _leading(observed, threshold)
    factors = _leading(fa_observed, fa_threshold)
    kaiser = int((observed > 1).sum())
    table = pd.DataFrame({
        "eigenvalue": observed, "random_mean": sims.mean(axis=0), "random_q": threshold,
        "fa_eigenvalue": fa_observed, "fa_random_mean": fa_sims.mean(axis=0),
        "fa_random_q": fa_threshold, "kaiser": observed > 1,
        "component": np.arange(p) < components, "factor": np.arange(p) < factors,
    }, index=pd.RangeIndex(1, p + 1, name="factor"))  # fmt: skip
    chosen = factors if kind == "factors" else components
    reason = (
        f"parallel analysis (psych fa.parallel, {correlation} correlations, {pct(quantile)} of "
        f"{n_iter} random normal data sets of {n} × {p}): {factors} factor(s), "
        f"{components} component(s); Kaiser (eigenvalue > 1): {kaiser}; "
        f"recommended: {chosen} ({kind})"
    )
    return FactorCountReport(
        table, kaiser, chosen, chosen, reason, n, factors, components, kind, correlation
    )


def pct(quantile: float) -> str:
    """``0.95`` -> ``"95th percentile"``."""
    return f"{quantile * 100:g}th percentile"


def n_factors(
    frame: pd.DataFrame,
    *,
    n_iter: int = 100,
    random_state: int | None = 0,
    quantile: float = 0.95,
    kind: Kind = "factors",
    correlation: Correlation = "pairwise",
    smc: bool = False,
) -> FactorCountReport:
    """Number of factors by Horn's parallel analysis (R psych ``fa.parallel``) and Kaiser.

    Follows ``fa.parallel(x)`` of psych 2.2.9 with its defaults (``fa = "both"``,
    ``fm = "minres"``, ``SMC = FALSE``, ``quant = 0.95``, ``use = "pairwise"``): the
    eigenvalues of the correlation matrix (components) and of the reduced correlation matrix
    (common factors: communalities of a one-factor minres fit on the diagonal) are compared,
    position by position, with the ``quantile`` of the same eigenvalues of random normal
    data of the same shape; the count is the number of leading eigenvalues above it. On
    psych's ``bfi`` this gives 6 factors and 6 components, as psych (pairwise correlations).
    The random data differ from R's (another generator), so the thresholds agree with R's
    only up to simulation noise, not digit for digit; the observed eigenvalues agree.

    Parameters
    ----------
    frame : DataFrame
        Numeric items.
    n_iter : int, default 100
        Random data sets (psych's default is 20; more gives a steadier quantile; a tqdm bar
        shows progress in a terminal).
    random_state : int or None, default 0
    quantile : float, default 0.95
        As psych's ``quant``.
    kind : {"factors", "components"}, default "factors"
        Which count is recommended: common factors (for factor analysis, the default) or
        principal components. Both are always reported.
    correlation : {"pairwise", "listwise"}, default "pairwise"
        Missing items: psych's default ``use = "pairwise"`` keeps every row (n = all rows);
        ``listwise`` keeps the complete rows only.
    smc : bool, default False
        Squared multiple correlations on the diagonal of the reduced matrix (psych
        ``SMC = TRUE``) instead of one-factor communalities.

    Returns
    -------
    FactorCountReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(400, 2))
    >>> X = pd.DataFrame(np.repeat(f, 3, axis=1) + 0.6 * rng.normal(size=(400, 6)))
    >>> rep = n_factors(X, n_iter=20)
    >>> rep.kaiser, rep.factors, rep.components, rep.recommended
    (2, 2, 2, 2)
    """
    data = _items(frame, "n_factors", correlation)
    return _count(data, n_iter, random_state, quantile, correlation, kind, smc)
