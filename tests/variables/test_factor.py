"""Factor analysis (segkit.variables.factor) and the factor_analyzer shim (segkit._compat)."""

from __future__ import annotations

import inspect

import factor_analyzer.confirmatory_factor_analyzer as fa_cfa
import factor_analyzer.factor_analyzer as fa_efa
import numpy as np
import pandas as pd
import pytest
import sklearn.utils
from factor_analyzer import ConfirmatoryFactorAnalyzer, FactorAnalyzer, ModelSpecificationParser
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans
from sklearn.pipeline import make_pipeline

from segkit import _compat, datasets
from segkit.errors import InputError
from segkit.variables.adequacy import adequacy, kmo_label
from segkit.variables.factor import FactorModel
from segkit.variables.factor_count import n_factors
from segkit.variables.reliability import cronbach_alpha

GROUPS = {f: sorted(q for q, g in datasets.SURVEY_FACTORS.items() if g == f) for f in
          dict.fromkeys(datasets.SURVEY_FACTORS.values())}  # fmt: skip


@pytest.fixture(scope="module")
def demo() -> datasets.DemoData:
    return datasets.make_demo(3000, seed=1)


@pytest.fixture(scope="module")
def survey(demo: datasets.DemoData) -> pd.DataFrame:
    return demo.survey.set_index("customer_id")


@pytest.fixture(scope="module")
def fitted(survey: pd.DataFrame) -> FactorModel:
    return FactorModel(item_labels=datasets.SURVEY_ITEMS).fit(survey)


def two_factor(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    X = np.repeat(f, 3, axis=1) + 0.6 * rng.normal(size=(n, 6))
    return pd.DataFrame(X, columns=["a1", "a2", "a3", "b1", "b2", "b3"])


# --- the shim -----------------------------------------------------------------------------


def test_shim_lets_factor_analyzer_fit_and_transform() -> None:
    X = two_factor()
    fa = FactorAnalyzer(n_factors=2, rotation="varimax").fit(X)  # TypeError without the shim
    assert fa.transform(X).shape == (400, 2)
    if "force_all_finite" not in inspect.signature(sklearn.utils.check_array).parameters:
        assert getattr(fa_efa.check_array, "__segkit_compat__", False)
        assert fa_efa.check_array.__wrapped__ is sklearn.utils.check_array  # wraps, not re-wraps


def test_shim_translates_the_keyword(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}

    def new_check_array(array, *, ensure_all_finite=True, estimator=None, copy=False):
        seen.update(ensure_all_finite=ensure_all_finite)
        return array

    monkeypatch.setattr(fa_efa, "check_array", new_check_array)
    assert "factor_analyzer.factor_analyzer.check_array" in _compat.patch_factor_analyzer()
    fa_efa.check_array([[1.0]], force_all_finite="allow-nan")
    assert seen == {"ensure_all_finite": "allow-nan"}


def test_shim_is_a_noop_when_force_all_finite_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    def old_check_array(array, *, force_all_finite=True, ensure_all_finite=None, copy=False):
        return array  # scikit-learn 1.6/1.7 style: accepts both

    monkeypatch.setattr(fa_efa, "check_array", old_check_array)
    monkeypatch.setattr(fa_cfa, "check_array", old_check_array)
    monkeypatch.setattr(_compat, "needs_readonly_shim", lambda: False)  # e.g. pandas 2
    get_free = fa_cfa.get_free_parameter_idxs
    assert _compat.patch_factor_analyzer() == []
    assert fa_efa.check_array is old_check_array and fa_cfa.check_array is old_check_array
    assert fa_cfa.get_free_parameter_idxs is get_free


def test_shim_twice_is_harmless() -> None:
    before = (fa_efa.check_array, fa_cfa.check_array, fa_cfa.get_free_parameter_idxs)
    assert (
        _compat.patch_factor_analyzer() == []
    )  # already applied on import of segkit.variables.factor
    assert _compat.patch_factor_analyzer() == []
    assert (fa_efa.check_array, fa_cfa.check_array, fa_cfa.get_free_parameter_idxs) == before
    X = two_factor()
    assert FactorAnalyzer(n_factors=2).fit(X).loadings_.shape == (6, 2)


# factor_analyzer CFA passes disp/iprint to scipy's L-BFGS-B (dependency-notes P2b).
@pytest.mark.filterwarnings("ignore:.*disp.*iprint.*:DeprecationWarning")
def test_shim_lets_cfa_parse_a_dict_and_fit() -> None:
    X = two_factor(300)
    model = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}
    spec = ModelSpecificationParser.parse_model_specification_from_dict(X, model)  # P2
    cfa = ConfirmatoryFactorAnalyzer(spec, disp=False).fit(X.to_numpy())
    loadings = cfa.loadings_
    assert (loadings[:3, 0] > 0.8).all() and (loadings[3:, 1] > 0.8).all()
    assert cfa.transform(X.to_numpy()).shape == (300, 2)


# --- adequacy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [(0.95, "marvelous"), (0.9, "marvelous"), (0.85, "meritorious"), (0.7, "middling"),
     (0.65, "mediocre"), (0.5, "miserable"), (0.49, "unacceptable")],
)  # fmt: skip
def test_kaiser_labels(value: float, label: str) -> None:
    assert kmo_label(value) == label


def test_adequacy_passes_on_the_demo_survey(survey: pd.DataFrame) -> None:
    rep = adequacy(survey)
    assert rep.passed and rep.kmo == pytest.approx(0.789, abs=1e-3)
    assert rep.kmo_label == "middling" and rep.drop_candidates == ()
    assert rep.n_obs == len(survey) and rep.bartlett_df == 15 * 14 // 2 and rep.bartlett_p < 1e-12
    assert list(rep.to_frame().columns) == ["kmo", "label", "drop_candidate"]
    assert "passed" in str(rep) and "KMO = 0.789 (middling)" in str(rep)


def test_adequacy_fails_on_noise() -> None:
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 5)))
    rep = adequacy(X)
    assert not rep.passed and rep.bartlett_p >= 0.05
    assert any("correlations too weak for factor analysis" in m for m in rep.messages)


def test_adequacy_low_kmo_lists_items_to_drop() -> None:
    rng = np.random.default_rng(0)
    x1, x2, x4 = rng.normal(size=(3, 500))
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x1 - x2 + 0.3 * rng.normal(size=500), "x4": x4})
    rep = adequacy(X)  # x3 is a suppressor: large partial, small zero-order correlations
    assert not rep.passed and rep.kmo < 0.5 and rep.kmo_label == "unacceptable"
    assert rep.drop_candidates == ("x1", "x2", "x3")
    assert "unacceptable" in rep.messages[0] and "(candidates to drop): x1, x2, x3" in str(rep)


def test_adequacy_flags_a_singular_matrix() -> None:
    X = two_factor().assign(copy_a1=lambda d: d["a1"])
    rep = adequacy(X)
    assert not rep.passed and any("singular" in m for m in rep.messages)


def test_bad_input() -> None:
    X = two_factor()
    with pytest.raises(InputError, match="city") as err:
        adequacy(X.assign(city="北京"))
    assert err.value.code == "NON_NUMERIC"
    with pytest.raises(InputError) as err:
        n_factors(X.assign(k=1.0))
    assert err.value.code == "ZERO_VARIANCE" and err.value.column == "k"
    with pytest.raises(InputError) as err:
        adequacy(X[["a1", "a2"]])
    assert err.value.code == "TOO_FEW_ITEMS"


# --- number of factors --------------------------------------------------------------------


def test_parallel_analysis_finds_four_factors_in_the_demo(survey: pd.DataFrame) -> None:
    rep = n_factors(survey)
    assert rep.kaiser == 4 and rep.parallel == 4 and rep.recommended == 4
    assert (rep.factors, rep.components, rep.kind, rep.correlation) == (4, 4, "factors", "pairwise")
    cols = ["eigenvalue", "random_mean", "random_q", "fa_eigenvalue", "fa_random_mean",
            "fa_random_q", "kaiser", "component", "factor"]  # fmt: skip
    assert list(rep.table.columns) == cols
    assert rep.table["eigenvalue"].sum() == pytest.approx(15)
    assert rep.table["component"].tolist() == [True] * 4 + [False] * 11
    assert "(psych fa.parallel, pairwise correlations" in rep.reason
    assert "4 factor(s), 4 component(s); Kaiser (eigenvalue > 1): 4" in rep.reason
    again = n_factors(survey)
    pd.testing.assert_frame_equal(rep.table, again.table)  # seeded


def test_parallel_analysis_stops_at_the_first_failure() -> None:
    rep = n_factors(two_factor(), n_iter=30, random_state=1)
    assert (rep.kaiser, rep.parallel) == (2, 2)
    with pytest.raises(ValueError):
        n_factors(two_factor(), quantile=1.5)


# --- FactorModel --------------------------------------------------------------------------


def test_demo_factors_recover_the_true_item_groups(
    fitted: FactorModel, demo: datasets.DemoData, survey: pd.DataFrame
) -> None:
    assert fitted.n_factors_ == 4 and fitted.adequacy_.passed
    found = {f: sorted(g.index) for f, g in fitted.primary_factor_.groupby(fitted.primary_factor_)}
    assert sorted(found.values()) == sorted(GROUPS.values())
    # each factor's top-loading items are exactly one true group
    for col in fitted.loadings_.columns:
        top = fitted.loadings_[col].nlargest(len(found[col])).index
        assert sorted(top) in GROUPS.values()
    scores = fitted.transform(survey)
    truth = demo.truth.set_index("customer_id").loc[scores.index]
    for col, items in found.items():
        true_factor = datasets.SURVEY_FACTORS[items[0]]
        assert scores[col].corr(truth[true_factor]) > 0.85


def test_loadings_are_normalised_and_deterministic(
    fitted: FactorModel, survey: pd.DataFrame
) -> None:
    L = fitted.loadings_
    assert list(L.columns) == ["F1", "F2", "F3", "F4"]
    idx = L.abs().to_numpy().argmax(axis=0)
    assert (L.to_numpy()[idx, range(4)] > 0).all()  # largest |loading| positive
    assert fitted.variance_["ss_loadings"].is_monotonic_decreasing
    assert fitted.variance_["cumulative"].iloc[-1] == pytest.approx(0.538, abs=1e-3)
    np.testing.assert_allclose(fitted.communalities_, (L**2).sum(axis=1))
    again = FactorModel().fit(survey.sample(frac=1.0, random_state=3))  # shuffled rows
    pd.testing.assert_frame_equal(again.loadings_, L, atol=1e-6)


def test_factor_names_use_item_labels(fitted: FactorModel) -> None:
    names = fitted.factor_names_
    assert list(names) == ["F1", "F2", "F3", "F4"]
    price = fitted.primary_factor_["q01"]
    assert names[price].count(" / ") == 1
    chinese = {datasets.SURVEY_ITEMS[q][0] for q in GROUPS["f_price"]}
    assert set(names[price].split(" / ")) <= chinese
    english = {q: en for q, (_, en) in datasets.SURVEY_ITEMS.items()}
    fm = FactorModel(n_factors=2, item_labels=english, n_iter=10).fit(two_factor())
    assert fm.factor_names_ == {"F1": "b1 / b2", "F2": "a3 / a2"}  # unlabeled items: own name


def test_transform_set_output_pipeline_and_missing(
    fitted: FactorModel, survey: pd.DataFrame
) -> None:
    assert fitted.get_feature_names_out().tolist() == ["F1", "F2", "F3", "F4"]
    pipe = make_pipeline(FactorModel(n_iter=20), KMeans(3, n_init=2, random_state=0))
    labels = pipe.fit_predict(survey)
    assert len(labels) == len(survey)
    fm = FactorModel(n_iter=20).set_output(transform="pandas")
    out = fm.fit_transform(survey)
    assert isinstance(out, pd.DataFrame) and out.index.equals(survey.index)
    assert list(out.columns) == ["F1", "F2", "F3", "F4"]
    holes = survey.astype("float64")
    holes.iloc[:5, 0] = np.nan
    scores = fitted.transform(holes)
    assert scores.iloc[:5].isna().all().all() and scores.iloc[5:].notna().all().all()
    pd.testing.assert_frame_equal(scores.iloc[5:], fitted.transform(survey).iloc[5:])
    with pytest.raises(ValueError, match="feature names"):
        fitted.transform(survey[survey.columns[::-1]])


def test_adequacy_gate_and_explicit_k() -> None:
    noise = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 5)), columns=list("abcde"))
    with pytest.raises(InputError) as err:
        FactorModel().fit(noise)
    assert err.value.code == "FA_ADEQUACY" and "too weak" in str(err.value)
    fm = FactorModel(n_factors=1, check_adequacy=False, n_iter=10).fit(noise)
    assert fm.loadings_.shape == (5, 1) and not fm.adequacy_.passed
    with pytest.raises(InputError) as err:
        FactorModel(n_factors=6, check_adequacy=False, n_iter=10).fit(noise)  # 6 > 5 items
    assert err.value.code == "NO_FACTORS"


def test_oblique_rotation_reports_factor_correlations() -> None:
    fm = FactorModel(rotation="promax", n_iter=10).fit(two_factor())
    assert fm.factor_corr_ is not None and fm.factor_corr_.shape == (2, 2)
    np.testing.assert_allclose(np.diag(fm.factor_corr_), 1.0)
    assert sorted(fm.primary_factor_.tolist()) == ["F1"] * 3 + ["F2"] * 3


@settings(derandomize=True, max_examples=10, deadline=None)
@given(scales=st.lists(st.floats(0.01, 100.0), min_size=6, max_size=6), flip=st.integers(0, 5))
def test_loadings_ignore_item_scale_and_sign(scales: list[float], flip: int) -> None:
    X = two_factor(200)
    base = FactorModel(n_factors=2, n_iter=5).fit(X).loadings_.to_numpy()
    scaled = FactorModel(n_factors=2, n_iter=5).fit(X * np.asarray(scales)).loadings_
    np.testing.assert_allclose(scaled.to_numpy(), base, atol=1e-6)  # same loadings, same signs
    signs = np.where(np.arange(6) == flip, -1.0, 1.0)
    flipped = FactorModel(n_factors=2, n_iter=5).fit(X * signs).loadings_.to_numpy()
    # reversing an item flips its row; the factor's sign rule may then flip the whole column
    col = np.sign((flipped * base * signs[:, None]).sum(axis=0))
    np.testing.assert_allclose(flipped, base * signs[:, None] * col, atol=1e-6)
    assert (flipped[np.abs(flipped).argmax(axis=0), [0, 1]] > 0).all()


# --- CC_GENERAL ---------------------------------------------------------------------------


@pytest.mark.shared
def test_cc_general_factor_figures(shared_data) -> None:
    cc = pd.read_csv(shared_data / "CC_GENERAL.csv").drop(columns="CUST_ID")
    # R 4.2.2, psych 2.2.9: fa.parallel(cc, use = "complete") -> 6 factors, 5 components
    # (seeds 1-3); its pc.values start 4.629300 3.463632 1.516117 1.287513 1.067025 0.971174
    count = n_factors(cc, correlation="listwise")
    assert count.n_obs == 8636
    np.testing.assert_allclose(
        count.eigenvalues[:6],
        [4.629300, 3.463632, 1.516117, 1.287513, 1.067025, 0.971174],
        atol=1e-6,
    )
    assert count.kaiser == 5 and count.components == 5 and count.factors == 6
    # fa.parallel(cc) (pairwise, psych's default): also 6 factors, 5 components, n = 8950
    count = n_factors(cc, kind="components")
    assert (count.n_obs, count.factors, count.components, count.recommended) == (8950, 6, 5, 5)
    rep = adequacy(cc, correlation="listwise")
    # psych KMO(cc[complete.cases(cc), ]) = 0.6408932
    assert rep.passed and rep.kmo == pytest.approx(0.6408932, abs=1e-6)
    assert rep.kmo_label == "mediocre"
    assert rep.drop_candidates == ("INSTALLMENTS_PURCHASES", "TENURE")
    assert rep.bartlett_chi2 == pytest.approx(168066.8, rel=1e-5) and rep.bartlett_df == 136
    assert rep.bartlett_p < 1e-300
    # psych KMO(cc) = 0.6405932; cortest.bartlett(cor(cc, use = "pairwise"), n = 8950): 173888.2
    rep = adequacy(cc)
    assert rep.kmo == pytest.approx(0.6405932, abs=1e-6) and rep.n_obs == 8950
    assert rep.bartlett_chi2 == pytest.approx(173888.2, rel=1e-6)
    fm = FactorModel(correlation="listwise", kind="components").fit(cc)
    assert fm.n_factors_ == 5
    assert fm.factor_names_["F2"] == "CASH_ADVANCE_TRX / CASH_ADVANCE_FREQUENCY"
    assert fm.variance_["cumulative"].iloc[-1] == pytest.approx(0.612, abs=1e-3)


# --- psych's bfi: the reference figures -----------------------------------------------------
# R 4.2.2 with psych 2.2.9 (Debian r-cran-psych 2.2.9-1), x = the 25 items of
# shared/data/surveys/bfi.csv (psych's bfi, 2,800 rows, 2,436 complete):
#   fa.parallel(x)                   -> 6 factors, 6 components (set.seed(1..5), n.iter = 20)
#   fa.parallel(x, use = "complete") -> 6 factors, 5 components (set.seed(1..3))
#   $pc.values and $fa.values (deterministic) as in BFI_PC and BFI_FA below
#   KMO(x)$MSA = 0.8458975; cortest.bartlett(cor(x, use = "pairwise"), n = 2800) = 20163.79
#   alpha(x[, A1:A5], keys = "A1")$total: raw_alpha 0.7030184461, std.alpha 0.7130285787
#   alpha(x, keys = c("A1","C4","C5","E1","E2","O2","O5")) raw 0.6924587332, std 0.7139608709
# fa.parallel's random data come from R's generator, ours from numpy's, so the thresholds
# differ by simulation noise; the counts are compared, and the observed eigenvalues exactly.
BFI_PC = [5.0369025427, 2.7440854804, 2.1076321947, 1.8318415077, 1.5356864338, 1.1131589026,
          0.8462367220]  # fmt: skip
BFI_FA = [4.260639573211, 1.912799648857, 1.264852655060, 0.945886505709, 0.709383771810,
          0.257498659593, 0.007426610007, -0.021888341208]  # fmt: skip
BFI_KEYS = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture
def bfi(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "surveys" / "bfi.csv").iloc[:, 1:26]


@pytest.mark.shared
def test_bfi_parallel_analysis_matches_psych(bfi: pd.DataFrame) -> None:
    rep = n_factors(bfi)
    assert (rep.n_obs, rep.correlation) == (2800, "pairwise")
    assert (rep.factors, rep.components, rep.kaiser) == (6, 6, 6)
    np.testing.assert_allclose(rep.eigenvalues[:7], BFI_PC, atol=1e-8)
    np.testing.assert_allclose(rep.fa_eigenvalues[:8], BFI_FA, atol=2e-5)
    listwise = n_factors(bfi, correlation="listwise", kind="components")
    assert (listwise.n_obs, listwise.factors, listwise.components) == (2436, 6, 5)
    assert listwise.recommended == 5 and "listwise correlations" in listwise.reason
    assert "6 factor(s), 5 component(s)" in listwise.reason


@pytest.mark.shared
def test_bfi_kmo_bartlett_and_alpha_match_psych(bfi: pd.DataFrame) -> None:
    rep = adequacy(bfi)
    assert rep.kmo == pytest.approx(0.8458975, abs=1e-7) and rep.n_obs == 2800
    assert rep.bartlett_chi2 == pytest.approx(20163.79, abs=0.01)
    a = cronbach_alpha(bfi[[f"A{i}" for i in range(1, 6)]], keys=["A1"])
    assert a.raw_alpha == pytest.approx(0.7030184461, abs=1e-9)
    assert a.std_alpha == pytest.approx(0.7130285787, abs=1e-9)
    assert a.reversed == ("A1",) and a.n_obs == 2800
    total = cronbach_alpha(bfi, keys={k: -1 for k in BFI_KEYS})
    assert total.raw_alpha == pytest.approx(0.6924587332, abs=1e-9)
    assert total.std_alpha == pytest.approx(0.7139608709, abs=1e-9)
    # psych alpha(x[, A1:A5], check.keys = FALSE) = 0.4314561053: keys matter
    assert cronbach_alpha(bfi[[f"A{i}" for i in range(1, 6)]]).raw_alpha == pytest.approx(
        0.4314561053, abs=1e-9
    )


@pytest.mark.shared
def test_bfi_factor_model_reports_alpha_per_factor(bfi: pd.DataFrame) -> None:
    fm = FactorModel(n_iter=20).fit(bfi)
    assert fm.n_factors_ == 6 and fm.n_obs_ == 2800
    rel = fm.reliability_
    # the five scales come out as factors; their alpha is psych's for the keyed scale
    alphas = sorted(rel["raw_alpha"].dropna().round(4).tolist()[:-1])
    assert alphas == [0.6002, 0.7030, 0.7267, 0.7617, 0.8140]  # O, A, C, E, N (psych alpha)
    assert rel.loc["all", "n_items"] == 25


def test_cronbach_alpha_by_hand_and_bad_input() -> None:
    X = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 2, 3, 5, 5], "c": [5.0, 4, 3, 2, 2]})
    c = X.assign(c=-X["c"]).cov().to_numpy()
    assert cronbach_alpha(X, keys=["c"]).raw_alpha == pytest.approx(
        1.5 * (1 - np.trace(c) / c.sum())
    )
    with pytest.raises(InputError) as err:
        cronbach_alpha(X, keys=["zz"])
    assert err.value.code == "MISSING_COLUMN" and err.value.column == "zz"
    with pytest.raises(InputError):
        cronbach_alpha(X[["a"]])


def test_pairwise_keeps_rows_listwise_drops_them() -> None:
    X = two_factor(300)
    X.iloc[:60, 0] = np.nan
    pw, lw = n_factors(X, n_iter=10), n_factors(X, n_iter=10, correlation="listwise")
    assert (pw.n_obs, lw.n_obs) == (300, 240)
    np.testing.assert_allclose(pw.eigenvalues.sum(), 6)
    hole = X.copy()
    hole.iloc[:, 1] = np.where(X.iloc[:, 0].isna(), X.iloc[:, 1], np.nan)  # never together
    with pytest.raises(InputError) as err:
        adequacy(hole)
    assert err.value.code == "NO_PAIRWISE_CORRELATION"
    with pytest.raises(ValueError):
        n_factors(X, kind="both")  # type: ignore[arg-type]
