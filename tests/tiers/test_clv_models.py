"""segkit.tiers.clv_models: BG/NBD and Gamma-Gamma likelihoods, fits and predictions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from segkit.errors import InputError
from segkit.tiers.clv_models import (
    BetaGeoModel,
    DependenceWarning,
    GammaGammaModel,
    bgnbd_log_likelihood,
    gamma_gamma_log_likelihood,
)

CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_GG = {"p": 6.25, "q": 3.74, "v": 15.44}  # v is the README's γ


# --------------------------------------------------------------------------- BG/NBD
def _direct_bgnbd_likelihood(params: tuple[float, ...], x: int, tx: float, t: float) -> float:
    """Integrate the individual likelihood over λ ~ Gamma(r, α), p ~ Beta(a, b) numerically."""
    r, alpha, a, b = params
    gamma_c = alpha**r / math.gamma(r)
    beta_c = math.gamma(a + b) / (math.gamma(a) * math.gamma(b))

    def integrand(p: float, lam: float) -> float:
        ind = (1 - p) ** x * lam**x * math.exp(-lam * t)
        if x > 0:
            ind += p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * tx)
        prior = gamma_c * lam ** (r - 1) * math.exp(-alpha * lam)
        return ind * prior * beta_c * p ** (a - 1) * (1 - p) ** (b - 1)

    val, _ = integrate.dblquad(integrand, 0, np.inf, 0, 1, epsabs=1e-12, epsrel=1e-10)
    return float(val)


def test_bgnbd_log_likelihood_matches_direct_integration() -> None:
    params = (1.0, 2.0, 1.5, 3.0)
    rows = [(0, 0.0, 10.0), (2, 5.0, 10.0), (1, 8.0, 12.0), (4, 3.0, 6.0)]
    got = bgnbd_log_likelihood(params, *np.array(rows).T)
    want = [np.log(_direct_bgnbd_likelihood(params, *row)) for row in rows]
    np.testing.assert_allclose(got, want, rtol=1e-7)
    # x = 0 by hand: B(a,b)/B(a,b) · α^r/(α+T)^r = 2/12
    assert got[0] == pytest.approx(np.log(2 / 12))


def _simulate_bgnbd(
    n: int, params: dict[str, float], seed: int, t_range: tuple[float, float] = (52.0, 156.0)
) -> pd.DataFrame:
    """BG/NBD generative process: Poisson(λ) purchases, drop out w.p. p after each repeat."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    t_end = rng.uniform(*t_range, n)
    x, tx, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        bought = now[idx] <= t_end[idx]
        hit = idx[bought]
        x[hit] += 1
        tx[hit] = now[hit]
        active[idx[~bought]] = False
        active[hit[rng.random(hit.size) < p[hit]]] = False
    return pd.DataFrame({"frequency": x, "recency": tx, "T": t_end})


def test_bgnbd_recovers_simulated_parameters() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    data = _simulate_bgnbd(20_000, truth, seed=7)
    model = BetaGeoModel().fit(data)
    assert model.converged_ and model.n_customers_ == 20_000
    # sampling SD of a and b is ~4-5 % at this n; r and alpha are tighter
    for name, value in truth.items():
        assert model.params_[name] == pytest.approx(value, rel=0.10), name
    # fitted ll beats the truth's (it is the maximum)
    assert model.log_likelihood_ >= bgnbd_log_likelihood(list(truth.values()), *data.T.values).sum()
    # unconditional E[X(t)] vs the simulated mean count of customers all observed for 52 weeks
    fixed = _simulate_bgnbd(20_000, truth, seed=8, t_range=(52.0, 52.0))
    want = fixed["frequency"].mean()
    got = BetaGeoModel.from_params(**truth).expected_purchases_new(52.0)
    assert got == pytest.approx(want, rel=0.05)


def test_probability_alive_per_bgnbd() -> None:
    bgf = BetaGeoModel.from_params(**CDNOW_BGNBD)
    # BG/NBD: no repeat purchase -> no chance to have dropped out -> alive with certainty
    np.testing.assert_array_equal(bgf.probability_alive([0, 0], [0, 0], [1.0, 300.0]), 1.0)
    p = bgf.probability_alive([1, 5, 5, 5], [10.0, 10.0, 20.0, 30.0], [30.0] * 4)
    assert np.all((p > 0) & (p < 1))
    assert p[1] < p[0] and p[1] < p[2] < p[3]  # longer silence after more buying -> less alive
    assert bgf.expected_purchases(0.0, 3, 10.0, 20.0) == pytest.approx(0.0)


def test_expected_purchases_stable_for_heavy_buyers() -> None:
    bgf = BetaGeoModel.from_params(**CDNOW_BGNBD)
    t = np.array([1.0, 13.0, 52.0, 260.0, 1000.0, 5000.0])
    for x in (0, 2, 50, 300):
        e = bgf.expected_purchases(t, x, 38.0 if x else 0.0, 38.86)
        assert np.all(np.isfinite(e)) and np.all(np.diff(e) > 0)
    # raw eq. 10 agrees where it does not overflow (x = 2, t = 39)
    r, alpha, a, b = CDNOW_BGNBD.values()
    x, tx, t_end, t_ = 2, 30.43, 38.86, 39.0
    z = t_ / (alpha + t_end + t_)
    raw = 1 - (1 - z) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    odds = a / (b + x - 1) * ((alpha + t_end) / (alpha + tx)) ** (r + x)
    want = (a + b + x - 1) / (a - 1) * raw / (1 + odds)
    assert bgf.expected_purchases(t_, x, tx, t_end)[()] == pytest.approx(want, rel=1e-12)
    # E[X(t)] for a new customer ≈ expected purchases of a x = 0, T = 0 customer
    assert bgf.expected_purchases_new(39.0) == pytest.approx(bgf.expected_purchases(39.0, 0, 0, 0))


# --------------------------------------------------------------------------- Gamma-Gamma
def _simulate_gg(n: int, p: float, q: float, v: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1 / v, n)
    x = rng.integers(1, 8, n)
    zbar = rng.gamma(p * x, 1 / (nu * x))
    return pd.DataFrame({"frequency": x, "monetary_value": zbar})


def test_gamma_gamma_recovers_and_ignores_one_time_buyers() -> None:
    data = _simulate_gg(20_000, 6.0, 4.0, 15.0, seed=3)
    data = pd.concat([data, pd.DataFrame({"frequency": [0] * 50, "monetary_value": [0.0] * 50})])
    ggf = GammaGammaModel().fit(data)
    assert ggf.n_customers_ == 20_000 and abs(ggf.correlation_) < 0.05
    # p and v trade off (sampling SD ~5-8 % each at this n); their population mean is sharp
    for name, value in {"p": 6.0, "q": 4.0, "v": 15.0}.items():
        assert ggf.params_[name] == pytest.approx(value, rel=0.15), name
    p, q, v = ggf.params_
    assert p * v / (q - 1) == pytest.approx(6.0 * 15.0 / 3.0, rel=0.03)
    repeat = data[data["frequency"] > 0]
    at_truth = gamma_gamma_log_likelihood([6.0, 4.0, 15.0], *repeat.T.values).sum()
    assert ggf.log_likelihood_ >= at_truth
    # likelihood is a proper density in z̄ for fixed x
    dens, _ = integrate.quad(
        lambda z: np.exp(gamma_gamma_log_likelihood([6.0, 4.0, 15.0], 3, z)), 0, np.inf
    )
    assert dens == pytest.approx(1.0, abs=1e-7)


def test_gamma_gamma_warns_on_dependence() -> None:
    data = _simulate_gg(2_000, 6.0, 4.0, 15.0, seed=1)
    data["monetary_value"] *= data["frequency"]  # spend grows with frequency
    with pytest.warns(DependenceWarning, match=r"corr\(frequency, monetary_value\) = 0\.\d+"):
        ggf = GammaGammaModel().fit(data)
    assert ggf.correlation_ > 0.3
    bad = data.assign(monetary_value=0.0)
    with pytest.raises(InputError, match="NONPOSITIVE_MONETARY"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DependenceWarning)
        GammaGammaModel().fit(bad)


def test_expected_purchases_finite_when_a_and_b_are_huge() -> None:
    """Small samples can fit p without heterogeneity (a, b → ∞): Euler's form overflows,
    Pfaff's form is used, and the result tends to the limit r/α·t-like growth."""
    bgf = BetaGeoModel.from_params(r=1.82, alpha=11.75, a=20282.5, b=1499121.6)
    e = bgf.expected_purchases(52.0, np.array([8, 0, 40]), np.array([44.0, 0, 90]),
                               np.array([60.0, 30, 100]))  # fmt: skip
    assert np.all(np.isfinite(e)) and np.all(e > 0)
    # close to the same model with a, b scaled down 10× (a smooth function of p's spread)
    near = BetaGeoModel.from_params(r=1.82, alpha=11.75, a=2028.25, b=149912.16)
    e2 = near.expected_purchases(52.0, np.array([8, 0, 40]), np.array([44.0, 0, 90]),
                                 np.array([60.0, 30, 100]))  # fmt: skip
    assert e == pytest.approx(e2, rel=0.02)
