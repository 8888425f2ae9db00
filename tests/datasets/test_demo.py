"""Tests for segkit.datasets: schema, hand-checkable facts, ground-truth recoverability, mess."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from segkit.datasets import (
    CATEGORIES,
    LIFECYCLE_STAGES,
    SEGMENTS,
    SURVEY_FACTORS,
    SURVEY_ITEMS,
    DemoData,
    make_demo,
)

N = 5000
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return make_demo(N, seed=7)


@pytest.fixture(scope="module")
def orders(demo: DemoData) -> pd.DataFrame:
    """One row per (positive) order, computed only from the public transaction log."""
    pos = demo.transactions[demo.transactions["amount"] > 0]
    return pos.groupby("order_id", sort=False).agg(
        customer_id=("customer_id", "first"),
        t=("order_time", "first"),
        online=("channel", lambda s: s.iloc[0] == "online"),
        value=("amount", "sum"),
        lines=("category", "size"),
        distinct=("category", "nunique"),
    )


# --------------------------------------------------------------------------- schema


def test_schema_and_dtypes(demo: DemoData) -> None:
    c, tx, sv, tr = demo.customers, demo.transactions, demo.survey, demo.truth
    assert list(c.columns) == [
        "customer_id", "name", "phone", "id_number", "gender", "age", "city",
        "income_band", "occupation", "acquisition_channel", "signup_date",
    ]  # fmt: skip
    assert list(tx.columns) == [
        "order_id", "customer_id", "order_time", "amount", "quantity", "channel", "category"
    ]  # fmt: skip
    assert list(sv.columns) == ["customer_id", *[f"q{i:02d}" for i in range(1, 16)]]
    assert list(tr.columns) == [
        "customer_id", "segment", "segment_id", "lifecycle",
        "f_price", "f_quality", "f_service", "f_convenience",
    ]  # fmt: skip
    for df, cols in [
        (c, ["customer_id", "name", "phone", "id_number", "gender", "city", "income_band"]),
        (tx, ["order_id", "customer_id", "channel", "category"]),
        (tr, ["customer_id", "segment", "lifecycle"]),
        (sv, ["customer_id"]),
    ]:
        for col in cols:
            assert pd.api.types.is_string_dtype(df[col]), col
    assert pd.api.types.is_datetime64_dtype(tx["order_time"])
    assert pd.api.types.is_datetime64_dtype(c["signup_date"])
    assert (c["signup_date"] == c["signup_date"].dt.normalize()).all()
    assert tx["amount"].dtype == np.float64
    assert pd.api.types.is_integer_dtype(tx["quantity"])
    assert pd.api.types.is_integer_dtype(c["age"])
    assert pd.api.types.is_integer_dtype(tr["segment_id"])
    assert all(pd.api.types.is_integer_dtype(sv[q]) for q in SURVEY_ITEMS)
    assert isinstance(demo.as_of, pd.Timestamp)
    assert len(c) == len(tr) == N


def test_ids_zero_padded_and_consistent(demo: DemoData) -> None:
    ids = demo.customers["customer_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"\d{8}").all()
    assert ids.iloc[0] == "00000001"
    assert (demo.truth["customer_id"] == ids).all()
    assert set(demo.transactions["customer_id"]) == set(ids)
    assert set(demo.survey["customer_id"]) <= set(ids)
    assert demo.transactions["order_id"].str.fullmatch(r"O\d{10}(-R)?").all()


def test_customer_master_domains(demo: DemoData) -> None:
    c = demo.customers
    assert c["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert c["phone"].is_unique
    assert c["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert set(c["gender"]) == {"男", "女"}
    assert c["age"].between(18, 80).all()
    assert c["age"].std() > 5
    assert set(c["city"]) == {"上海", "北京", "广州", "深圳", "成都", "杭州", "武汉", "西安"}
    assert set(c["income_band"]) == {"低", "中", "高"}
    assert set(c["acquisition_channel"]) == {"线上广告", "门店", "朋友推荐", "电商平台", "展会"}
    assert c["occupation"].nunique() >= 5
    assert (c.loc[c["occupation"] == "退休", "age"] >= 60).all()


_GB_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_GB_MAP = "10X98765432"


def _gb11643_ok(s: str) -> bool:
    return (
        len(s) == 18
        and s[:17].isdigit()
        and _GB_MAP[sum(int(ch) * w for ch, w in zip(s[:17], _GB_W, strict=True)) % 11] == s[17]
    )


def test_gb11643_checksum_by_hand() -> None:
    # a textbook example: 11010519491231002X
    assert _gb11643_ok("11010519491231002X")
    assert not _gb11643_ok("110105194912310021")


def test_id_numbers_valid_and_consistent(demo: DemoData) -> None:
    c = demo.customers
    assert c["id_number"].is_unique
    assert all(_gb11643_ok(s) for s in c["id_number"])
    as_of = demo.as_of.date()
    for s, age, gender in zip(c["id_number"], c["age"], c["gender"], strict=True):
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
        years = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        assert years == age, (s, age)
        assert (int(s[16]) % 2 == 1) == (gender == "男")


# --------------------------------------------------------------------------- transactions


def test_time_window_and_sorting(demo: DemoData) -> None:
    tx = demo.transactions
    assert (tx["order_time"] <= demo.as_of).all()
    assert (tx["order_time"] >= demo.as_of - pd.DateOffset(months=24)).all()
    key = tx[["order_time", "order_id"]]
    assert key.equals(key.sort_values(["order_time", "order_id"], ignore_index=True))


def test_lines_amounts_quantities(demo: DemoData, orders: pd.DataFrame) -> None:
    tx = demo.transactions
    ret = tx["order_id"].str.endswith("-R")
    assert (tx.loc[~ret, "amount"] > 0).all() and (tx.loc[~ret, "quantity"] >= 1).all()
    assert np.allclose(tx["amount"], tx["amount"].round(2))
    assert set(tx["channel"]) == {"online", "offline"}
    assert set(tx["category"]) == set(CATEGORIES)
    assert orders["lines"].between(1, 3).all()
    assert (orders["lines"] == orders["distinct"]).all()  # categories differ within an order
    per_order = tx[~ret].groupby("order_id")[["customer_id", "order_time", "channel"]].nunique()
    assert (per_order == 1).all().all()
    assert orders["customer_id"].nunique() == N  # every customer has >= 1 positive line
    first = orders.groupby("customer_id")["t"].min()
    signup = demo.customers.set_index("customer_id")["signup_date"]
    assert (signup <= first.reindex(signup.index).dt.normalize()).all()


def test_returns(demo: DemoData) -> None:
    tx = demo.transactions
    is_ret = tx["order_id"].str.endswith("-R")
    ret, sale = tx[is_ret], tx[~is_ret]
    assert 0.015 < len(ret) / len(sale) < 0.045
    assert (ret["amount"] < 0).all() and (ret["quantity"] < 0).all()
    m = ret.assign(order_id=ret["order_id"].str.removesuffix("-R")).merge(
        sale, on=["order_id", "category"], suffixes=("_r", ""), validate="1:1"
    )
    assert len(m) == len(ret)  # every return references an existing order line
    assert (m["customer_id_r"] == m["customer_id"]).all()
    assert (m["channel_r"] == m["channel"]).all()
    assert (m["order_time_r"] > m["order_time"]).all()
    assert (-m["quantity_r"] <= m["quantity"]).all()
    assert (-m["amount_r"] <= m["amount"] + 1e-9).all()
    full = -m["quantity_r"] == m["quantity"]
    assert 0.3 < full.mean() < 1  # both full and partial returns


# --------------------------------------------------------------------------- ground truth


def test_truth_and_segments(demo: DemoData) -> None:
    tr = demo.truth
    keys = [s["key"] for s in SEGMENTS]
    assert len(SEGMENTS) == 6 and len(set(keys)) == 6
    assert all(s["name_zh"] and s["name_en"] for s in SEGMENTS)
    assert (tr["segment"] == tr["segment_id"].map(dict(enumerate(keys)))).all()
    shares = tr["segment"].value_counts(normalize=True)
    assert shares.min() >= 0.05 and shares.max() <= 0.35
    assert set(tr["lifecycle"]) == set(LIFECYCLE_STAGES)
    life = tr["lifecycle"].value_counts(normalize=True)
    expected = {"new": 0.12, "growing": 0.18, "mature": 0.40, "churning": 0.15, "lost": 0.15}
    for stage, p in expected.items():
        assert abs(life[stage] - p) < 0.03, stage
    # lifecycle is (nearly) independent of segment
    tab = pd.crosstab(tr["segment"], tr["lifecycle"], normalize="index")
    assert (tab.sub(life, axis=1).abs() < 0.06).all().all()


def test_segment_profiles_separated(demo: DemoData, orders: pd.DataFrame) -> None:
    seg = demo.truth.set_index("customer_id")["segment"]
    o = orders.assign(segment=orders["customer_id"].map(seg))
    med = o.groupby("segment")["value"].median().sort_values()
    assert (med.iloc[1:].to_numpy() / med.iloc[:-1].to_numpy() >= 1.8).all(), med
    pos = demo.transactions[demo.transactions["amount"] > 0]
    mix = pd.crosstab(pos["customer_id"].map(seg), pos["category"], normalize="index")
    for s in SEGMENTS:
        assert mix.loc[s["key"], list(s["categories"])].sum() >= 0.6, s["key"]
    online = o.groupby("segment")["online"].mean()
    assert online.max() - online.min() > 0.7


def _features(demo: DemoData, orders: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    g = orders.groupby("customer_id")
    span_m = (g["t"].max() - g["t"].min()) / DAY / 30.44
    pos = demo.transactions[demo.transactions["amount"] > 0]
    mix = pd.crosstab(pos["customer_id"], pos["category"], normalize="index")
    f = pd.DataFrame({
        "log_aov": np.log(g["value"].mean()),
        "online": g["online"].mean(),
        "log_rate": np.log(g.size() / np.maximum(span_m, 1.0)),
    }).join(mix)  # fmt: skip
    truth = demo.truth.set_index("customer_id")["segment_id"].reindex(f.index).to_numpy()
    x = f.to_numpy(float)
    return (x - x.mean(0)) / x.std(0), truth


def _kmeans(x: np.ndarray, k: int, *, restarts: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    best, best_lab = np.inf, np.zeros(len(x), int)
    for _ in range(restarts):
        cent = x[[rng.integers(len(x))]]
        for _ in range(k - 1):  # k-means++ seeding
            d2 = ((x[:, None] - cent[None]) ** 2).sum(-1).min(1)
            cent = np.vstack([cent, x[rng.choice(len(x), p=d2 / d2.sum())]])
        for _ in range(100):
            lab = ((x[:, None] - cent[None]) ** 2).sum(-1).argmin(1)
            new = np.array([x[lab == j].mean(0) if (lab == j).any() else cent[j] for j in range(k)])
            if np.allclose(new, cent):
                break
            cent = new
        inertia = ((x - cent[lab]) ** 2).sum()
        if inertia < best:
            best, best_lab = inertia, lab
    return best_lab


def _ari(a: np.ndarray, b: np.ndarray) -> float:
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(v: np.ndarray) -> float:
        return float((v * (v - 1) / 2).sum())

    index, ra, rb = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = ra * rb / pairs(np.array([len(a)]))
    return (index - expected) / ((ra + rb) / 2 - expected)


def test_ari_helper() -> None:
    assert _ari(np.array([0, 0, 1, 1]), np.array([5, 5, 3, 3])) == pytest.approx(1.0)
    assert _ari(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])) < 0


def test_segments_recoverable(demo: DemoData, orders: pd.DataFrame) -> None:
    x, truth = _features(demo, orders)
    centroids = np.array([x[truth == s].mean(0) for s in range(len(SEGMENTS))])
    nearest = ((x[:, None] - centroids[None]) ** 2).sum(-1).argmin(1)
    assert (nearest == truth).mean() >= 0.95
    assert _ari(_kmeans(x, len(SEGMENTS)), truth) >= 0.85


def test_lifecycle_rules_agree(demo: DemoData, orders: pd.DataFrame) -> None:
    g = orders.groupby("customer_id")["t"]
    f = pd.DataFrame({"n": g.size(), "first": g.min(), "last": g.max()})
    recency = (demo.as_of - f["last"]) / DAY
    tenure = (demo.as_of - f["first"]) / DAY
    interval = (f["last"] - f["first"]) / DAY / (f["n"] - 1).clip(lower=1)
    rule = np.select(
        [recency >= 180, tenure <= 90, (f["n"] >= 2) & (recency > 2 * interval), tenure <= 365],
        ["lost", "new", "churning", "growing"],
        "mature",
    )
    truth = demo.truth.set_index("customer_id")["lifecycle"].reindex(f.index)
    assert (rule == truth.to_numpy()).mean() >= 0.90
    assert (f.loc[truth == "new", "n"] <= 3).all()
    # growing customers buy more in the recent half of their tenure than in the first half
    o = orders.join(f["first"], on="customer_id")
    o = o[o["customer_id"].map(truth) == "growing"]
    recent = o["t"] > o["first"] + (demo.as_of - o["first"]) / 2
    share = recent.groupby(o["customer_id"]).mean()
    assert share.mean() > 0.6


# --------------------------------------------------------------------------- survey


def test_survey(demo: DemoData) -> None:
    sv = demo.survey
    assert 0.55 < len(sv) / N < 0.65
    assert sv["customer_id"].is_unique
    items = [f"q{i:02d}" for i in range(1, 16)]
    assert list(SURVEY_ITEMS) == items
    assert all(len(zh) > 0 and len(en) > 0 for zh, en in SURVEY_ITEMS.values())
    assert sv[items].isin(range(1, 6)).all().all()
    groups = pd.Series(SURVEY_FACTORS).value_counts()
    assert sorted(groups) == [3, 4, 4, 4] and set(groups.index) <= set(demo.truth.columns)
    corr = sv[items].corr().to_numpy()
    fac = np.array([SURVEY_FACTORS[q] for q in items])
    same = fac[:, None] == fac[None, :]
    off_diag = ~np.eye(len(items), dtype=bool)
    assert corr[same & off_diag].min() > 0.3
    assert np.abs(corr[~same]).max() < 0.2
    # factor scores depend mildly on segment
    means = demo.truth.groupby("segment")["f_price"].mean()
    assert means["promo_hunter"] > means["vip_loyal"] + 0.5


# --------------------------------------------------------------------------- determinism


def test_deterministic() -> None:
    a, b, c = make_demo(800, seed=3), make_demo(800, seed=3), make_demo(800, seed=4)
    for name in ("customers", "transactions", "survey", "truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.transactions.equals(c.transactions)
    assert not a.customers["id_number"].equals(c.customers["id_number"])


def test_arguments() -> None:
    d = make_demo(300, seed=1, as_of="2024-02-29 18:00", months=14)
    assert d.as_of == pd.Timestamp("2024-02-29 18:00")
    assert (d.transactions["order_time"] >= pd.Timestamp("2022-12-29 18:00")).all()
    assert (d.transactions["order_time"] <= d.as_of).all()
    tenure = d.as_of - d.transactions.groupby("customer_id")["order_time"].min()
    mature = d.truth.set_index("customer_id")["lifecycle"] == "mature"
    assert (tenure[mature[mature].index] > pd.Timedelta(days=365)).all()
    assert len(make_demo(1, seed=0).customers) == 1
    with pytest.raises(ValueError):
        make_demo(0)
    with pytest.raises(ValueError):
        make_demo(10, months=13)
