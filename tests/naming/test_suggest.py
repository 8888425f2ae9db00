"""segkit.naming.suggest: names follow the traits with the largest effect sizes (Cohen's d for
means, Cohen's h for shares; J. Cohen 1988, §2.2 and §6.2), never a code column, never the
column order, and no two segments share a base name."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from segkit.naming import suggest_names
from segkit.validate.describe import profile_segments


def _groups(sizes: list[int], seed: int = 0) -> tuple[np.random.Generator, np.ndarray]:
    return np.random.default_rng(seed), np.repeat(np.arange(1, len(sizes) + 1), sizes)


def test_the_name_follows_effect_size_not_column_order() -> None:
    """``spiky``: segment 1's mean is 3× the others' (index ≈ 250) but its spread is huge
    (small d); ``grocery``: only 30 % above (index ≈ 125) with a tiny spread (large d). The
    old index ranking named segment 1 after ``spiky``; effect size names it after grocery."""
    rng, labels = _groups([60, 60])
    spiky = np.where(labels == 1, rng.exponential(300.0, 120), rng.exponential(100.0, 120))
    grocery = np.where(labels == 1, 130.0, 100.0) + rng.normal(0, 3, 120)
    frame = pd.DataFrame({"spiky": spiky, "grocery": grocery})
    prof = profile_segments(frame, labels)
    t = prof.table.set_index(["segment", "feature"])
    assert t.loc[(1, "spiky"), "index"] > t.loc[(1, "grocery"), "index"]
    assert abs(t.loc[(1, "grocery"), "effect_size"]) > abs(t.loc[(1, "spiky"), "effect_size"])
    names = suggest_names(prof, max_traits=1)
    assert names["name_zh"].tolist() == ["grocery偏高客户", "grocery偏低客户"]
    assert names["name_en"].tolist() == ["High-grocery customers", "Low-grocery customers"]
    assert names["traits"].iloc[0].startswith("grocery index 1")
    # the same names whatever the column order
    reordered = suggest_names(profile_segments(frame[["grocery", "spiky"]], labels), max_traits=1)
    assert reordered["name_zh"].tolist() == names["name_zh"].tolist()


def test_a_code_column_with_the_largest_difference_never_names() -> None:
    rng, labels = _groups([50, 50, 50], seed=1)
    frame = pd.DataFrame(
        {
            "Region": labels.astype(float),  # region 1/2/3 = the segment: d is huge
            "store_code": labels * 100 + 1,
            "CUST_ID": rng.permutation(150),
            "channel": np.where(labels == 1, "1", "2"),  # category levels that are codes
            "fresh": np.where(labels == 1, 900.0, 300.0) + rng.normal(0, 250, 150),
            "grocery": np.where(labels == 3, 800.0, 400.0) + rng.normal(0, 250, 150),
        }
    )
    prof = profile_segments(frame, labels, categorical=["channel"])
    # every segment's strongest difference is a code (Region / store_code d = ±3.65, channel
    # level h = ±π/2 or more), the spend columns come after (|d| ≤ 2.8)
    strongest = prof.top_traits(1)["feature"].tolist()
    assert set(strongest) <= {"Region", "store_code", "channel=1", "channel=2"}, strongest
    names = suggest_names(prof)
    text = names.to_csv()
    for code in ("Region", "store_code", "CUST_ID", "channel"):
        assert code not in text, text
    assert names["name_en"].tolist() == [
        "High-fresh, low-grocery customers",
        "Low-grocery, low-fresh customers",
        "High-grocery, low-fresh customers",
    ]
    # a column declared as an identifier never names either
    assert "fresh" not in suggest_names(prof, ignore=["fresh"]).to_csv()


def test_segments_with_the_same_top_trait_get_different_base_names() -> None:
    """Segments 1 and 2 are both the grocery buyers (their only main trait, |d| ≥ 0.5); 1 buys
    a little more fresh food than the rest, 2 a little less (0.2 ≤ |d| < 0.5): their names
    differ by that next-strongest distinct trait, not by a number."""
    rng, labels = _groups([40, 40, 80], seed=2)
    grocery = np.where(labels < 3, 1000.0, 200.0) + rng.normal(0, 40, 160)
    fresh = np.select([labels == 1, labels == 2], [515.0, 485.0], 500.0) + rng.normal(0, 40, 160)
    frame = pd.DataFrame({"fresh": fresh, "grocery": grocery})
    prof = profile_segments(frame, labels)
    names = suggest_names(prof)
    assert names["name_zh"].is_unique and names["name_en"].is_unique
    assert not any(re.search(r" \d+$", n) for n in [*names["name_zh"], *names["name_en"]])
    assert names["name_en"].tolist() == [
        "High-grocery, high-fresh customers",
        "High-grocery, low-fresh customers",
        "Low-grocery customers",
    ]
    d = prof.table.set_index(["segment", "feature"])["effect_size"]
    assert 0.2 <= d[(1, "fresh")] < 0.5 and -0.5 < d[(2, "fresh")] <= -0.2
    # a trait below min_distinct does not tell segments apart: then a number does
    strict = suggest_names(prof, min_distinct=0.5)
    assert strict["name_en"].tolist()[:2] == ["High-grocery customers", "High-grocery customers 2"]


def test_curated_generic_and_categorical_words() -> None:
    rng, labels = _groups([50, 50], seed=4)
    frame = pd.DataFrame(
        {
            "monetary": np.where(labels == 1, 900.0, 100.0) + rng.normal(0, 30, 100),
            "BALANCE": np.where(labels == 1, 10.0, 60.0) + rng.normal(0, 3, 100),
            "渠道": np.where(labels == 1, "线上", "门店"),
        }
    )
    prof = profile_segments(frame, labels)
    names = suggest_names(prof, max_traits=3)
    # known segkit features keep their curated words; a generic column uses naming.yaml's
    # generic wording, a category level its "mostly" wording
    assert names["name_zh"].tolist() == ["高价值、BALANCE偏低、线上为主客户",
                                         "低价值、BALANCE偏高、门店为主客户"]  # fmt: skip
    assert names["name_en"].iloc[0] == "High-value, low-BALANCE, mostly-线上 customers"
    own = {"generic": {"high": {"zh": "高{name}", "en": "high {name}"},
                       "low": {"zh": "低{name}", "en": "low {name}"}}}  # fmt: skip
    custom = suggest_names(prof, vocabulary=own, max_traits=2)
    assert custom["name_zh"].tolist() == ["高价值、低BALANCE客户", "低价值、高BALANCE客户"]


def test_personal_columns_and_levels_never_name() -> None:
    rng, labels = _groups([50, 50], seed=5)
    frame = pd.DataFrame(
        {
            "李莫愁": np.where(labels == 1, 900.0, 100.0) + rng.normal(0, 10, 100),
            "contact": np.where(labels == 1, "13900139000", "王小明"),
            "grocery": np.where(labels == 1, 120.0, 100.0) + rng.normal(0, 10, 100),
        }
    )
    names = suggest_names(profile_segments(frame, labels))
    text = names.to_csv()
    for personal in ("李莫愁", "13900139000", "139****9000", "王小明"):
        assert personal not in text, text
    assert names["name_zh"].tolist() == ["grocery偏高客户", "grocery偏低客户"]


def test_a_public_customer_table_cc_general(shared_data) -> None:
    """CC_GENERAL.csv (Kaggle "Credit Card Dataset for Clustering", one row per card holder,
    ``CUST_ID`` and 17 behaviour columns): five k-means segments on the log scale each get a
    name of their own from their strongest column; the id never names one."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    from segkit.validate.describe import skewed_columns

    table = pd.read_csv(shared_data / "CC_GENERAL.csv")
    values = table.drop(columns="CUST_ID").fillna(0).clip(lower=0)
    x = StandardScaler().fit_transform(np.log1p(values))
    labels = KMeans(5, n_init=10, random_state=0).fit_predict(x) + 1
    prof = profile_segments(table, labels, log1p=skewed_columns(table))
    names = suggest_names(prof)
    assert names["name_zh"].is_unique and names["name_en"].is_unique
    assert not any(re.search(r" \d+$", n) for n in names["name_en"])
    assert "CUST_ID" not in names.to_csv()
    top = prof.top_traits(1).set_index("segment")
    for seg, name in names.set_index("segment")["name_en"].items():
        side = "high" if top.loc[seg, "effect_size"] > 0 else "low"
        assert f"{side}-{top.loc[seg, 'feature']}".lower() in name.lower(), name
