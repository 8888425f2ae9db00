"""Needs segmentation of surveys (segkit.workflow.needs): reference figures and behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import datasets
from segkit.errors import InputError
from segkit.variables import adequacy, cronbach_alpha
from segkit.workflow.needs import (
    NEEDS_FILES,
    read_survey,
    screen_items,
    segment_needs_survey,
    write_needs,
)
from segkit.workflow.needs_labels import item_needs, read_wording

BFI_ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
#: psych's ?bfi (psych 2.2.9, items from the IPIP): the wording of the 25 items
BFI_WORDING = {
    "A1": "Am indifferent to the feelings of others.", "A2": "Inquire about others' well-being.",
    "A3": "Know how to comfort others.", "A4": "Love children.",
    "A5": "Make people feel at ease.", "C1": "Am exacting in my work.",
    "C2": "Continue until everything is perfect.", "C3": "Do things according to a plan.",
    "C4": "Do things in a half-way manner.", "C5": "Waste my time.",
    "E1": "Don't talk a lot.", "E2": "Find it difficult to approach others.",
    "E3": "Know how to captivate people.", "E4": "Make friends easily.", "E5": "Take charge.",
    "N1": "Get angry easily.", "N2": "Get irritated easily.", "N3": "Have frequent mood swings.",
    "N4": "Often feel blue.", "N5": "Panic easily.", "O1": "Am full of ideas.",
    "O2": "Avoid difficult reading material.",
    "O3": "Carry the conversation to a higher level.", "O4": "Spend time reflecting on things.",
    "O5": "Will not probe deeply into a subject.",
}  # fmt: skip


# --- a small hand-computed fixture ---------------------------------------------------------
# Three items, 8 respondents; every item has variance 12/7 and r_ab = r_ac = 5/6, r_bc = 2/3.
# Partial correlations: r_ab.c = r_ac.b = 5/sqrt(55) (squared 5/11), r_bc.a = -1/11, so
# KMO = (11/6) / (11/6 + 111/121) = 0.6664997, MSA_a = (50/36) / (50/36 + 10/11) = 0.6043956;
# det R = 5/54, Bartlett chi2 = -(8 - 1 - 11/6) ln(5/54) = 12.2943217 on 3 df;
# alpha (raw = std, equal variances) = 3/2 (1 - 3 / (23/3)) = 21/23 = 0.9130434783.
# R 4.2.2, psych 2.2.9: KMO(x) -> MSA 0.6664997, MSAi 0.6043956 0.7110506 0.7110506;
# cortest.bartlett(cor(x), n = 8) -> chisq 12.2943217, p 0.0064400, df 3;
# alpha(x)$total -> raw_alpha 0.9130434783, std.alpha 0.9130434783.
HAND = pd.DataFrame(
    {"a": [1, 2, 3, 4, 5, 3, 2, 4], "b": [2, 2, 3, 5, 4, 3, 1, 4], "c": [1, 3, 2, 4, 5, 4, 2, 3]},
    dtype=float,
)


def test_kmo_bartlett_alpha_by_hand() -> None:
    rep = adequacy(HAND)
    assert rep.kmo == pytest.approx((11 / 6) / (11 / 6 + 111 / 121), abs=1e-12)
    assert rep.kmo == pytest.approx(0.6664997, abs=1e-7)
    np.testing.assert_allclose(rep.kmo_per_item, [0.6043956, 0.7110506, 0.7110506], atol=1e-7)
    assert rep.kmo_per_item["a"] == pytest.approx((50 / 36) / (50 / 36 + 10 / 11), abs=1e-12)
    assert rep.bartlett_chi2 == pytest.approx(-(31 / 6) * np.log(5 / 54), abs=1e-9)
    assert (round(rep.bartlett_chi2, 7), rep.bartlett_df) == (12.2943217, 3)
    assert rep.bartlett_p == pytest.approx(0.0064400, abs=1e-7)
    alpha = cronbach_alpha(HAND)
    total = HAND.sum(axis=1).var()
    assert alpha.raw_alpha == pytest.approx(1.5 * (1 - HAND.var().sum() / total), abs=1e-12)
    assert alpha.raw_alpha == pytest.approx(21 / 23, abs=1e-12)
    assert alpha.std_alpha == pytest.approx(0.9130434783, abs=1e-10)


def test_screening_drops_a_low_msa_item_a_constant_and_a_mostly_missing_one() -> None:
    rng = np.random.default_rng(0)
    f = rng.normal(size=(300, 1))
    X = pd.DataFrame(f + 0.7 * rng.normal(size=(300, 4)), columns=list("abcd"))
    X["e"] = X["a"] - X["b"] + 0.3 * rng.normal(size=300)  # MSA 0.15
    X["k"] = 3.0
    X["m"] = np.where(np.arange(300) < 200, np.nan, X["c"])
    kept, report = screen_items(X)
    assert kept == ["a", "b", "c", "d"]
    dropped = report[report["dropped"]].set_index("item")
    assert dropped.loc["e", "step"] == "msa" and dropped.loc["e", "statistic"] < 0.5
    assert dropped.loc["k", "step"] == "variance" and dropped.loc["m", "step"] == "answered"


def test_demo_survey_segments_fire_the_need_rules(tmp_path: Path) -> None:
    survey = datasets.make_demo(1500, seed=3).survey
    run = segment_needs_survey(survey, labels=datasets.SURVEY_ITEMS, n_iter=20, k_range=(3, 6))
    assert run.model.n_factors_ == 4  # price, quality, service, convenience
    seg = run.segments
    assert seg["name"].is_unique and len(seg) >= 3
    zh = {text[0] for text in datasets.SURVEY_ITEMS.values()}
    for name in seg["name"]:  # every word of a name is an item's wording with an arrow
        assert all(part[:-2] in zh and part[-1] in "↑↓" for part in name.split(" · "))
    rules = set(run.strategy["matched_rules"].str.split(", ").explode())
    assert len(rules & {"need-price", "need-quality", "need-service", "need-convenience"}) >= 2
    fired = run.strategy[run.strategy["need"] != ""]
    assert (fired["need_word"] != "").all()
    written = write_needs(run, tmp_path / "out")
    assert set(written) == set(NEEDS_FILES)


def test_item_needs_from_wording_and_file() -> None:
    labels = {"q1": "I compare prices", "q2": "配送速度对我很重要", "q3": "Love children."}
    assert item_needs(["q1", "q2", "q3"], labels) == {"q1": "price", "q2": "convenience"}
    assert item_needs(["q3"], labels, {"q3": "service"}) == {"q3": "service"}


def test_read_survey_gb18030_and_wording_files(tmp_path: Path) -> None:
    survey = tmp_path / "问卷.csv"
    survey.write_bytes(
        "编号,价格,品质,服务,备注\n007,5,NA,3,好\n008,4,2,,\n009,1,5,2,差\n".encode("gb18030")
    )
    frame = read_survey(survey, id_col="编号", items=["价格", "品质", "服务"])
    assert frame["编号"].tolist() == ["007", "008", "009"]
    assert frame["品质"].isna().tolist() == [True, False, False]
    assert read_survey(survey, id_col="编号").columns.tolist() == ["编号", "价格", "品质", "服务"]
    with pytest.raises(InputError) as err:
        read_survey(survey, id_col="编号", items=["价格", "备注"])
    assert err.value.code == "NON_NUMERIC" and err.value.column == "备注"
    with pytest.raises(InputError) as err:
        read_survey(survey, id_col="id")
    assert err.value.code == "MISSING_COLUMN"
    table = tmp_path / "wording.csv"
    table.write_bytes(
        "item,wording,need\n价格,价格是首要因素,price\n品质,我偏好品牌,\n".encode("gb18030")
    )
    assert read_wording(table) == (
        {"价格": "价格是首要因素", "品质": "我偏好品牌"},
        {"价格": "price"},
    )
    yml = tmp_path / "wording.yaml"
    yml.write_text("q1: Take charge.\nq2: {wording: Love children., need: service}\n", "utf-8")
    assert read_wording(yml) == ({"q1": "Take charge.", "q2": "Love children."}, {"q2": "service"})


def test_repeated_ids_are_refused() -> None:
    survey = HAND.assign(customer_id=["1", "1", "2", "3", "4", "5", "6", "7"])
    with pytest.raises(InputError) as err:
        segment_needs_survey(survey, k=2)
    assert err.value.code == "DUPLICATE_ID"


# --- psych's bfi: reference figures ---------------------------------------------------------
# R 4.2.2, psych 2.2.9, x <- read.csv("shared/data/surveys/bfi.csv")[, 2:26] (the 25 items):
#   KMO(x)$MSA = 0.8458975; $MSAi A1 0.7447239, A5 0.9012647, O5 0.7573681
#   cortest.bartlett(cor(x, use = "pairwise"), n = 2800): chisq 20163.79, df 300, p.value 0
#   set.seed(1..3); fa.parallel(x): nfact 6, ncomp 6 (Kaiser: 6 eigenvalues > 1)
#   f <- fa(x, nfactors = 6, rotate = "varimax", fm = "minres"); each item to the factor of
#   its largest |loading|, keys = the items loading negatively; alpha(x[, items], keys)$total:
BFI_ALPHA = {  # items of the factor -> raw_alpha
    "N1,N2,N3,N4,N5": 0.8139629499,  # keys none
    "E1,E2,E3,E4,E5": 0.7617328203,  # keys E1 E2 (or E3 E4 E5: the same alpha)
    "C1,C2,C3,C4,C5": 0.7267349729,  # keys C4 C5
    "A1,A2,A3,A4,A5": 0.7030184461,  # keys A1
    "O1,O2,O3,O4,O5": 0.6001725148,  # keys O1 O3 O4 (the sixth factor is no item's primary)
}
#   alpha(x, keys = c("A1","C4","C5","E3","E4","E5","O1","O3","O4"))$total (segkit's keys for
#   all 25 items, each keyed by the sign of its primary loading): raw 0.4609222343


@pytest.fixture
def bfi_survey(shared_data) -> pd.DataFrame:
    return read_survey(shared_data / "surveys" / "bfi.csv", id_col="respondent", items=BFI_ITEMS)


@pytest.mark.shared
def test_bfi_needs_path_matches_psych(bfi_survey: pd.DataFrame) -> None:
    run = segment_needs_survey(bfi_survey, id_col="respondent", labels=BFI_WORDING, k=4)
    adq = run.adequacy_json()
    assert (round(adq["kmo"], 3), adq["n_obs"], adq["correlation"]) == (0.846, 2800, "pairwise")
    assert adq["kmo"] == pytest.approx(0.8458975, abs=1e-7)
    assert {i: round(adq["msa"][i], 7) for i in ("A1", "A5", "O5")} == {
        "A1": 0.7447239, "A5": 0.9012647, "O5": 0.7573681,
    }  # fmt: skip
    assert adq["bartlett_chi2"] == pytest.approx(20163.79, abs=0.005)
    assert (adq["bartlett_df"], adq["bartlett_p"]) == (300, 0.0)
    count = run.n_factors_json()
    assert (count["parallel_factors"], count["parallel_components"], count["kaiser"]) == (6, 6, 6)
    rel = run.reliability().set_index("items")
    for items, alpha in BFI_ALPHA.items():
        assert rel.loc[items, "alpha"] == pytest.approx(alpha, abs=1e-9)
    assert rel.loc[",".join(BFI_ITEMS), "alpha"] == pytest.approx(0.4609222343, abs=1e-9)
    assert run.screening["dropped"].sum() == 0
    names = run.segments["name"]
    assert names.is_unique and len(names) == 4
    wording = set(BFI_WORDING.values())
    assert all(p[:-2] in wording for name in names for p in name.split(" · "))
    assigned = run.assignments
    assert assigned.columns.tolist() == ["id", "segment", "name"] and len(assigned) == 2800
    assert assigned["segment"].isna().sum() == 4  # answered fewer than half of the items


@pytest.mark.shared
def test_bfi_listwise_is_recorded_and_matches_psych(bfi_survey: pd.DataFrame) -> None:
    # R 4.2.2, psych 2.2.9, y <- x[complete.cases(x), ] (2,436 rows): KMO(y)$MSA 0.8486452;
    # cortest.bartlett(cor(y), n = 2436)$chisq 18146.0656; alpha(y[, N1:N5])$total$raw_alpha
    # 0.8169468843; alpha(y[, A1:A5], keys = "A1") 0.7158485498; fa(y, 6, rotate = "varimax")
    # gives each of the five scales its own factor (5 primary items each).
    run = segment_needs_survey(
        bfi_survey, id_col="respondent", correlation="listwise", k=3, n_iter=20
    )
    adq = run.adequacy_json()
    assert (adq["correlation"], adq["n_obs"]) == ("listwise", 2436)
    assert adq["kmo"] == pytest.approx(0.8486452, abs=1e-7)
    assert adq["bartlett_chi2"] == pytest.approx(18146.0656, abs=1e-4)
    rel = run.reliability().set_index("items")
    assert rel.loc["N1,N2,N3,N4,N5", "alpha"] == pytest.approx(0.8169468843, abs=1e-9)
    assert rel.loc["A1,A2,A3,A4,A5", "alpha"] == pytest.approx(0.7158485498, abs=1e-9)
    assert "listwise correlations" in run.n_factors_json()["reason"]
    assert run.assignments["segment"].notna().sum() == 2796  # scored with item medians
