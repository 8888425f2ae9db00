"""The two models behind customer lifetime value (:mod:`segkit.tiers.clv`), fitted by MLE.

* :class:`BetaGeoModel` — BG/NBD ("Counting your customers the easy way", Fader, Hardie &
  Lee, Marketing Science 2005): how many purchases a customer will still make and the
  probability that they are still alive.
* :class:`GammaGammaModel` — Gamma-Gamma ("RFM and CLV", JMR 2005): how much each purchase
  is worth, given the customer's mean spend; warns (:class:`DependenceWarning`) when
  frequency and spend are correlated.

Both take the per-customer summary of :func:`segkit.tiers.clv.rfm_summary`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from segkit.errors import InputError

FloatArray = NDArray[np.float64]

__all__ = [
    "BetaGeoModel",
    "DependenceWarning",
    "GammaGammaModel",
    "bgnbd_log_likelihood",
    "gamma_gamma_log_likelihood",
]


class DependenceWarning(UserWarning):
    """segkit warning: repeat frequency and spend are correlated, which Gamma-Gamma rules out."""


def _arrays(summary: pd.DataFrame, cols: tuple[str, ...]) -> list[FloatArray]:
    missing = [c for c in cols if c not in summary.columns]
    if missing:
        raise InputError("see rfm_summary", column=missing[0], code="MISSING_COLUMN")
    arrays = [summary[c].to_numpy(dtype=float) for c in cols]
    for c, arr in zip(cols, arrays, strict=True):
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise InputError("values must be finite and >= 0", column=c, code="BAD_VALUE")
    return arrays


def _fit_log_params(nll: Callable[[FloatArray], float], n_params: int) -> tuple[FloatArray, bool]:
    """Minimise ``nll`` over log-parameters in [-15, 15]: L-BFGS-B from 0, Nelder-Mead polish."""

    def safe(theta: FloatArray) -> float:
        with np.errstate(all="ignore"):
            val = nll(theta)
        return val if np.isfinite(val) else 1e100

    bounds = [(-15.0, 15.0)] * n_params
    first = optimize.minimize(safe, np.zeros(n_params), method="L-BFGS-B", bounds=bounds)
    opts = {"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20_000}
    polish = optimize.minimize(safe, first.x, method="Nelder-Mead", bounds=bounds, options=opts)
    best = polish if polish.fun <= first.fun else first
    return np.exp(best.x), bool(polish.success or first.success)


def _floats(*values: ArrayLike) -> list[FloatArray]:
    return list(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values)))


def bgnbd_log_likelihood(
    params: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6).

    ``L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    + [x > 0] · B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+tₓ)^(r+x))``, evaluated on
    the log scale with ``logaddexp`` (the second term is ``-inf`` when x = 0).
    """
    r, alpha, a, b = np.asarray(params, dtype=float)
    x, tx, t_end = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    common += special.betaln(a, b + x) - special.betaln(a, b)
    alive = -(r + x) * np.log(alpha + t_end)
    b_x1 = np.where(x > 0, b + x - 1, 1.0)
    dead = np.where(x > 0, np.log(a) - np.log(b_x1) - (r + x) * np.log(alpha + tx), -np.inf)
    return np.asarray(common + np.logaddexp(alive, dead), dtype=float)


class BetaGeoModel(BaseEstimator):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005), fitted by MLE.

    Purchase rate λ ~ Gamma(r, α) (rate α); after each repeat purchase the customer drops
    out with probability p ~ Beta(a, b). Fitted by maximum likelihood on log-parameters
    (L-BFGS-B then a Nelder-Mead polish), customers with equal (x, tₓ, T) pooled.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_ : float
        Total log-likelihood at ``params_``.
    n_customers_ : int
    converged_ : bool

    Examples
    --------
    Published CDNOW parameters (no fit needed):

    >>> bgf = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> print(f"{bgf.expected_purchases(39, 2, 30.43, 38.86)[()]:.3f}")
    1.226
    >>> bgf.probability_alive([0, 2], [0.0, 30.43], [38.86, 38.86]).round(3)
    array([1.   , 0.727])
    """

    @classmethod
    def from_params(cls, *, r: float, alpha: float, a: float, b: float) -> BetaGeoModel:
        """A model with given (e.g. published) parameters, usable without fitting."""
        model = cls()
        model.params_ = pd.Series({"r": r, "alpha": alpha, "a": a, "b": b}, dtype=float)
        return model

    def fit(self, summary: pd.DataFrame, y: object = None) -> Self:
        """Fit on a summary with ``frequency``, ``recency`` and ``T`` columns."""
        x, tx, t_end = _arrays(summary, ("frequency", "recency", "T"))
        if np.any(tx > t_end + 1e-9) or np.any((x == 0) & (tx > 0)):
            msg = "need recency <= T, and recency = 0 when frequency = 0"
            raise InputError(msg, column="recency", code="BAD_VALUE")
        if len(x) < 4:
            raise InputError("need at least 4 customers", code="TOO_FEW_CUSTOMERS")
        keys, counts = np.unique(np.column_stack([x, tx, t_end]), axis=0, return_counts=True)
        n = float(counts.sum())

        def nll(log_params: FloatArray) -> float:
            params = np.exp(log_params)
            ll = bgnbd_log_likelihood(params, keys[:, 0], keys[:, 1], keys[:, 2])
            return -float(counts @ ll) / n

        params, self.converged_ = _fit_log_params(nll, 4)
        self.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
        self.log_likelihood_ = float(counts @ bgnbd_log_likelihood(params, *keys.T))
        self.n_customers_ = int(n)
        return self

    def _params(self) -> tuple[float, float, float, float]:
        check_is_fitted(self, "params_")
        r, alpha, a, b = (float(v) for v in self.params_[["r", "alpha", "a", "b"]])
        return r, alpha, a, b

    def _log_dead_odds(self, x: FloatArray, tx: FloatArray, t_end: FloatArray) -> FloatArray:
        """log[ a/(b+x-1) · ((α+T)/(α+tₓ))^(r+x) ] for x > 0, -inf for x = 0."""
        r, alpha, a, b = self._params()
        b_x1 = np.where(x > 0, b + x - 1, 1.0)
        odds = np.log(a) - np.log(b_x1) + (r + x) * np.log((alpha + t_end) / (alpha + tx))
        return np.asarray(np.where(x > 0, odds, -np.inf), dtype=float)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(alive | x, tₓ, T) = 1 / (1 + [x > 0] a/(b+x-1) ((α+T)/(α+tₓ))^(r+x)).

        Equal to 1 for x = 0: in BG/NBD a customer can only drop out right after a repeat
        purchase.
        """
        x, tx, t_end = _floats(frequency, recency, T)
        return np.asarray(special.expit(-self._log_dead_odds(x, tx, t_end)), dtype=float)

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, tₓ, T]: expected purchases in the next ``t`` time units (eq. 10).

        ``(a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x-1; t/(α+T+t))]
        · P(alive)`` (undefined at exactly a = 1). The ``(·)^(r+x) ₂F₁`` product is evaluated
        after Euler's transformation as ``(1-z)^(a-1) ₂F₁(a+b-1-r, a-1; a+b+x-1; z)``, which
        stays finite for heavy buyers and long horizons (the raw form gives 0 · inf). Where
        that overflows — fits with huge a and b (no heterogeneity in p, seen on small
        samples) — Pfaff's form ``₂F₁(a-1, r+x; a+b+x-1; -t/(α+T))`` is used instead.
        """
        r, alpha, a, b = self._params()
        t_, x, tx, t_end = _floats(t, frequency, recency, T)
        z = t_ / (alpha + t_end + t_)
        with np.errstate(all="ignore"):
            term = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(
                a + b - 1 - r, a - 1, a + b + x - 1, z
            )
            pfaff = special.hyp2f1(a - 1, r + x, a + b + x - 1, -t_ / (alpha + t_end))
        term = np.where(np.isfinite(term), term, pfaff)
        p_alive = special.expit(-self._log_dead_odds(x, tx, t_end))
        return np.asarray((a + b + x - 1) / (a - 1) * (1 - term) * p_alive, dtype=float)

    def expected_purchases_new(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] for a new customer (unconditional, eq. 9).

        ``(a+b-1)/(a-1) · [1 - (α/(α+t))^r ₂F₁(r, b; a+b-1; t/(α+t))]``.
        """
        r, alpha, a, b = self._params()
        t_ = np.asarray(t, dtype=float)
        z = t_ / (alpha + t_)
        term = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)  # Euler
        return np.asarray((a + b - 1) / (a - 1) * (1 - term), dtype=float)


def gamma_gamma_log_likelihood(
    params: ArrayLike, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend z̄ over x transactions.

    ``z̄ | ν ~ Gamma(px, rate νx)``, ``ν ~ Gamma(q, rate γ)``, so
    ``f(z̄) = Γ(px+q)/(Γ(px)Γ(q)) · γ^q x^(px) z̄^(px-1) / (γ + x z̄)^(px+q)``.
    """
    p, q, v = np.asarray(params, dtype=float)
    x, m = np.asarray(frequency, dtype=float), np.asarray(monetary_value, dtype=float)
    px = p * x
    norm = special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
    ll = norm + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(x * m + v)
    return np.asarray(ll, dtype=float)


class GammaGammaModel(BaseEstimator):
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV").

    Fitted by MLE on repeat buyers (``frequency > 0``) from their ``frequency`` and
    ``monetary_value`` (mean value of the repeat transactions). Parameters ``p``, ``q``, ``v``;
    ``v`` is the scale the literature and the shared-data README call **γ**.

    Parameters
    ----------
    corr_threshold : float
        Warn with :class:`DependenceWarning` when |corr(frequency, monetary_value)| among
        repeat buyers exceeds this (the model assumes independence).

    Attributes
    ----------
    params_ : Series
        ``p``, ``q``, ``v``.
    log_likelihood_ : float
    n_customers_ : int
        Number of repeat buyers used.
    correlation_ : float
        Pearson corr(frequency, monetary_value) among repeat buyers.
    converged_ : bool

    Examples
    --------
    >>> ggf = GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)
    >>> ggf.conditional_expected_average_profit([0, 2], [0.0, 30.0]).round(2)
    array([35.22, 30.94])
    """

    def __init__(self, corr_threshold: float = 0.3) -> None:
        self.corr_threshold = corr_threshold

    @classmethod
    def from_params(cls, *, p: float, q: float, v: float) -> GammaGammaModel:
        """A model with given (e.g. published) parameters, usable without fitting."""
        model = cls()
        model.params_ = pd.Series({"p": p, "q": q, "v": v}, dtype=float)
        return model

    def fit(self, summary: pd.DataFrame, y: object = None) -> Self:
        """Fit on the rows of ``summary`` with ``frequency > 0``."""
        x, m = _arrays(summary, ("frequency", "monetary_value"))
        repeat = x > 0
        x, m = x[repeat], m[repeat]
        if len(x) < 3:
            raise InputError("need at least 3 repeat buyers", code="TOO_FEW_CUSTOMERS")
        if np.any(m <= 0):
            msg = "repeat buyers need monetary_value > 0"
            raise InputError(msg, column="monetary_value", code="NONPOSITIVE_MONETARY")
        self.correlation_ = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 else 0.0
        if abs(self.correlation_) > self.corr_threshold:
            warnings.warn(
                f"corr(frequency, monetary_value) = {self.correlation_:.3f} among repeat "
                "buyers; Gamma-Gamma assumes they are independent",
                DependenceWarning,
                stacklevel=2,
            )

        def nll(log_params: FloatArray) -> float:
            return -float(np.mean(gamma_gamma_log_likelihood(np.exp(log_params), x, m)))

        params, self.converged_ = _fit_log_params(nll, 3)
        self.params_ = pd.Series(params, index=["p", "q", "v"])
        self.log_likelihood_ = float(np.sum(gamma_gamma_log_likelihood(params, x, m)))
        self.n_customers_ = len(x)
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """E[Z | z̄, x] = p(γ + x z̄) / (px + q - 1).

        A weighted mean of the population mean pγ/(q-1) and the customer's own mean z̄;
        customers with x = 0 get the population mean (needs q > 1).
        """
        check_is_fitted(self, "params_")
        p, q, v = (float(val) for val in self.params_[["p", "q", "v"]])
        x, m = np.asarray(frequency, dtype=float), np.asarray(monetary_value, dtype=float)
        return np.asarray(p * (v + x * m) / (p * x + q - 1), dtype=float)
