"""Synthetic Chinese retail company with known ground truth (客户分层演示数据).

:func:`make_demo` draws a customer master, an order-line log with returns, a
Likert survey and a ``truth`` table (behavioural segment, lifecycle stage and
latent survey factors per customer).  Everything is seeded and vectorised with
numpy, so a million customers take well under a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CATEGORIES = ("服装", "美妆", "数码", "家居", "食品", "母婴", "运动")
_CAT_PRICE = np.array([1.0, 0.9, 3.0, 1.2, 0.4, 0.8, 1.0])  # relative line value within an order
_CAT_QTY = np.array([0.3, 0.4, 0.05, 0.3, 0.9, 0.6, 0.2])  # extra units ~ Poisson(mean)
_CAT_RETURN = np.array([0.06, 0.02, 0.03, 0.03, 0.01, 0.025, 0.04])  # ≈3% of lines overall
LIFECYCLE_STAGES = ("new", "growing", "mature", "churning", "lost")
_LIFECYCLE_P = (0.12, 0.18, 0.40, 0.15, 0.15)

#: Behavioural segments (data, not code).  ``aov``: median order value (CNY);
#: ``online``: mean online share of orders; ``rate``: orders per active month;
#: ``age``: mean age above 18 (gamma);
#: ``categories``: dominant categories (the rest share the remainder evenly);
#: ``lines``: P(1, 2, 3 lines per order); ``factors``: shift of the latent
#: survey factors (price, quality, service, convenience); ``income``: P(低, 中, 高).
# fmt: off
SEGMENTS: list[dict[str, Any]] = [
    {"key": "vip_loyal", "name_zh": "高价值忠诚", "name_en": "VIP loyal high spenders",
     "share": 0.08, "aov": 520.0, "online": 0.50, "rate": 0.9, "age": 22,
     "categories": {"服装": 0.50, "美妆": 0.38}, "lines": (0.40, 0.40, 0.20),
     "factors": (-0.5, 0.6, 0.5, 0.1), "income": (0.10, 0.40, 0.50)},
    {"key": "frequent_online", "name_zh": "高频小额线上", "name_en": "Frequent small-basket online",
     "share": 0.20, "aov": 60.0, "online": 0.92, "rate": 1.3, "age": 11,
     "categories": {"食品": 0.70, "美妆": 0.18}, "lines": (0.60, 0.30, 0.10),
     "factors": (0.0, -0.1, -0.2, 0.6), "income": (0.30, 0.50, 0.20)},
    {"key": "digital_big_ticket", "name_zh": "低频大件数码",
     "name_en": "Occasional big-ticket digital",
     "share": 0.10, "aov": 1500.0, "online": 0.70, "rate": 0.3, "age": 13,
     "categories": {"数码": 0.85}, "lines": (0.85, 0.12, 0.03),
     "factors": (-0.2, 0.5, 0.0, 0.2), "income": (0.15, 0.45, 0.40)},
    {"key": "promo_hunter", "name_zh": "价格敏感促销",
     "name_en": "Price-sensitive promotion buyers",
     "share": 0.24, "aov": 110.0, "online": 0.62, "rate": 0.55, "age": 24,
     "categories": {"家居": 0.85}, "lines": (0.70, 0.24, 0.06),
     "factors": (0.7, -0.3, -0.1, 0.0), "income": (0.50, 0.40, 0.10)},
    {"key": "family_offline", "name_zh": "家庭母婴线下", "name_en": "Family / mother-baby offline",
     "share": 0.16, "aov": 210.0, "online": 0.12, "rate": 0.7, "age": 16,
     "categories": {"母婴": 0.62, "服装": 0.26}, "lines": (0.35, 0.40, 0.25),
     "factors": (0.2, 0.3, 0.4, -0.4), "income": (0.25, 0.55, 0.20)},
    {"key": "dormant_low", "name_zh": "低价值沉睡", "name_en": "Low-value dormant-ish",
     "share": 0.22, "aov": 30.0, "online": 0.30, "rate": 0.25, "age": 26,
     "categories": {"运动": 0.80}, "lines": (0.80, 0.15, 0.05),
     "factors": (0.3, -0.4, -0.3, -0.2), "income": (0.55, 0.35, 0.10)},
]
_LOADINGS = np.array([0.78, 0.74, 0.71, 0.76, 0.80, 0.72, 0.75, 0.70,
                      0.77, 0.73, 0.79, 0.71, 0.76, 0.72, 0.78])
_PREFIXES = np.array([*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173,
                      175, 176, 177, 178, *range(180, 190), 191, 193, 195, 198, 199])
# fmt: on

#: Survey wording, item -> (中文, English).
SURVEY_ITEMS: dict[str, tuple[str, str]] = {
    "q01": ("促销活动会明显影响我的购买决定", "Promotions strongly influence what I buy"),
    "q02": ("我会比较多个平台的价格再下单", "I compare prices across platforms before ordering"),
    "q03": ("我经常使用优惠券或满减", "I often use coupons or spend-and-save deals"),
    "q04": ("价格是我选择商品的首要因素", "Price is my first criterion when choosing"),
    "q05": ("我愿意为更好的品质支付更高价格", "I will pay more for better quality"),
    "q06": ("我偏好知名品牌", "I prefer well-known brands"),
    "q07": ("我很关注商品的材质和做工", "I pay close attention to materials and workmanship"),
    "q08": ("我宁可少买也要买好的", "I would rather buy less but better"),
    "q09": ("售后服务对我很重要", "After-sales service matters a lot to me"),
    "q10": ("我希望有专属顾问为我服务", "I like having a dedicated advisor"),
    "q11": ("退换货是否方便会影响我是否购买", "Easy returns affect whether I buy"),
    "q12": ("我看重店员的专业建议", "I value staff's professional advice"),
    "q13": ("我喜欢随时随地用手机下单", "I like ordering by phone anytime, anywhere"),
    "q14": ("配送速度对我很重要", "Delivery speed is important to me"),
    "q15": ("我倾向于选择购物流程最省事的渠道", "I choose the channel with the least hassle"),
}
_FACTOR_COLS = ("f_price", "f_quality", "f_service", "f_convenience")
#: Item -> latent factor column in ``truth`` (价格敏感/品质追求/服务需求/便利偏好), grouped 4/4/4/3.
SURVEY_FACTORS: dict[str, str] = {
    q: _FACTOR_COLS[min(i // 4, 3)] for i, q in enumerate(SURVEY_ITEMS)
}
_LIKERT_CUTS = np.array([-1.6, -0.6, 0.35, 1.3])

_CITIES = ("上海", "北京", "广州", "深圳", "成都", "杭州", "武汉", "西安")
_CITY_P = (0.16, 0.16, 0.12, 0.13, 0.12, 0.11, 0.10, 0.10)
_REGIONS = (310101, 110105, 440106, 440305, 510107, 330106, 420106, 610113)  # one district per city
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹"
_GIVEN = (
    "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波宇浩俊凯健斌"
    "芳娜敏静丽艳娟霞秀玲婷雪慧琳倩颖洁佳欣怡梦雨丹萍"
)  # 24 male + 24 female
_OCCUPATIONS = ("企业职员", "公务员", "教师", "医护", "个体经营", "自由职业", "学生", "退休")
_OCC_P = (0.45, 0.08, 0.08, 0.07, 0.18, 0.14)
_ACQ = ("线上广告", "门店", "朋友推荐", "电商平台", "展会")
_ACQ_ON = np.array([0.32, 0.10, 0.18, 0.35, 0.05])
_ACQ_OFF = np.array([0.15, 0.45, 0.25, 0.07, 0.08])
_HOURS_ON = (
    np.array([3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 5, 5, 5, 5, 6, 8, 10, 11, 9, 6]) / 118
)
_HOURS_OFF = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 5, 6, 7, 6, 6, 6, 6, 6, 7, 8, 8, 6, 0, 0]) / 79
_GB_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_GB_CHECK = list("10X98765432")
_DAY = 86_400
_PARAMS = ("aov", "online", "rate", "age", "lines", "income", "factors")


@dataclass(frozen=True, eq=False)
class DemoData:
    """Synthetic demo company: four tables plus the reference date.

    Attributes
    ----------
    customers : pandas.DataFrame
        Customer master, one row per customer.
    transactions : pandas.DataFrame
        Order-line log (returns are extra lines with ``order_id`` + ``"-R"``).
    survey : pandas.DataFrame
        Likert answers ``q01``..``q15`` of the ~60% of customers who responded.
    truth : pandas.DataFrame
        Ground truth per customer: segment, lifecycle, latent factor scores.
    as_of : pandas.Timestamp
        Reference date; no transaction is later than this.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    survey: pd.DataFrame
    truth: pd.DataFrame
    as_of: pd.Timestamp


def _s(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Wrap an arrow string array as a pandas ``str`` Series without copying to objects."""
    return pd.Series(pd.arrays.ArrowStringArray(arr).astype("str"))


def _take(values: Any, idx: np.ndarray) -> pa.Array:
    return pa.array(list(values), pa.string()).take(pa.array(idx))


def _digits(x: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(x), pa.string()), width, "0")


def _pick(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per element of ``rows`` from the probability rows ``probs[rows]``."""
    cdf = np.cumsum(probs, axis=1)
    cdf = cdf / cdf[:, -1:]
    return (rng.random(len(rows))[:, None] > cdf[rows]).sum(axis=1)


def _cat_matrix() -> np.ndarray:
    m = np.zeros((len(SEGMENTS), len(CATEGORIES)))
    for i, s in enumerate(SEGMENTS):
        dom = [CATEGORIES.index(c) for c in s["categories"]]
        m[i] = (1 - sum(s["categories"].values())) / (len(CATEGORIES) - len(dom))
        m[i, dom] = list(s["categories"].values())
    return m


def make_demo(
    n_customers: int = 10_000, *, seed: int = 42, as_of: str = "2024-12-31", months: int = 24
) -> DemoData:
    """Generate a synthetic Chinese retailer with known segments and lifecycle stages.

    Parameters
    ----------
    n_customers : int, default 10_000
        Number of customers (1 to 99,999,999).
    seed : int, default 42
        Seed; the same seed gives identical frames.
    as_of : str, default "2024-12-31"
        Reference timestamp; orders lie in ``(as_of - months, as_of)``.
    months : int, default 24
        Length of the transaction window in months (at least 14, so that
        ``mature`` customers can have a tenure above 12 months).

    Returns
    -------
    DemoData
        customers, transactions, survey, truth and ``as_of``.

    Notes
    -----
    Segments differ in order value, online share, category mix and orders per
    active month (see :data:`SEGMENTS`).  Lifecycle stages are drawn independently
    of segment and shape only the timing: ``new`` first bought < 90 days ago (1–3
    orders); ``growing`` has tenure 3–12 months with an accelerating rate;
    ``mature`` tenure > 12 months and still buying; ``churning`` stopped for more
    than twice its own mean inter-purchase interval but < 180 days; ``lost`` has
    recency >= 180 days.

    Examples
    --------
    >>> d = make_demo(200, seed=1)
    >>> len(d.customers), sorted(d.truth["lifecycle"].unique()) == sorted(LIFECYCLE_STAGES)
    (200, True)
    >>> bool((d.transactions["order_time"] <= d.as_of).all())
    True
    """
    if not 1 <= n_customers < 10**8 or months < 14:
        raise ValueError("need 1 <= n_customers < 1e8 and months >= 14")
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(as_of)
    span = (end - (end - pd.DateOffset(months=months))).days
    n, nseg = n_customers, len(SEGMENTS)
    share = np.array([s["share"] for s in SEGMENTS])
    seg = rng.choice(nseg, size=n, p=share / share.sum())
    life = rng.choice(len(LIFECYCLE_STAGES), size=n, p=_LIFECYCLE_P)
    par = {k: np.array([s[k] for s in SEGMENTS]) for k in _PARAMS}
    lam = par["rate"][seg] * rng.gamma(8.0, 1 / 8.0, n) / 30.44  # orders per active day
    u = rng.random((5, n))

    # --- timing: first-order age F, last-order age R (days before as_of), order count k
    f_act = np.where(life == 1, 95 + 265 * u[0], 370 + (span - 372) * u[0])
    k_act = 2 + rng.poisson(lam * f_act)
    r_act = np.minimum(u[1] * f_act / (k_act - 1 + u[1]), 150)  # <= u * own mean interval
    s_ch = 90 + (span - 290) * u[0]  # churning: regular span, then silence
    k_ch = 1 + np.ceil(s_ch * np.maximum(lam, 1 / 70))
    r_ch = 2.3 * s_ch / (k_ch - 1) + (179 - 2.3 * s_ch / (k_ch - 1)) * u[2]
    r_lost = 182 + (min(span - 2, 540) - 182) * u[3]
    s_lost = (span - 1 - r_lost) * u[4]
    k_lost = 1 + rng.poisson(lam * s_lost)
    k_new = 1 + (u[3] > 0.35) + (u[3] > 0.7)
    f_new = 3 + 85 * u[0]
    k = np.choose(life, [k_new, k_act, k_act, k_ch, k_lost]).astype(np.int64)
    first = np.choose(life, [f_new, f_act, f_act, r_ch + s_ch, r_lost + s_lost])
    last = np.choose(life, [f_new * (0.8 * u[4]), r_act, r_act, r_ch, r_lost])
    last = np.where(k == 1, first, last)

    # --- orders (grouped by customer): rank j=0 is the latest, j=k-1 the first order
    cust = np.repeat(np.arange(n), k)
    n_ord = len(cust)
    j = np.arange(n_ord) - np.repeat(np.cumsum(k) - k, k)
    kc = k[cust]
    jit = rng.uniform(-0.4, 0.4, n_ord) * ((j > 0) & (j < kc - 1))
    v = np.clip((j + jit) / np.maximum(kc - 1, 1), 0, 1) ** np.where(life == 1, 2.0, 1.0)[cust]
    age = last[cust] + (first - last)[cust] * v
    cust_on = rng.beta(20 * par["online"][seg], 20 * (1 - par["online"][seg]))
    online = rng.random(n_ord) < cust_on[cust]
    hour = np.where(online, rng.choice(24, n_ord, p=_HOURS_ON), rng.choice(24, n_ord, p=_HOURS_OFF))
    day_age = np.minimum(np.floor(age) + 1, span).astype(np.int64)  # whole days before as_of
    t = -day_age * _DAY + hour * 3600 + rng.integers(0, 3600, n_ord)  # seconds relative to as_of
    t_first = np.minimum.reduceat(t, np.cumsum(k) - k)
    cust_aov = par["aov"][seg] * np.exp(0.2 * rng.standard_normal(n))
    value = cust_aov[cust] * np.exp(0.3 * rng.standard_normal(n_ord))
    o = np.argsort((t - t.min()) * n + cust)  # chronological order numbers (unique keys)
    cust, t, online, value = cust[o], t[o], online[o], value[o]
    order_base = rng.integers(10**7, 10**8)

    # --- lines: 1-3 distinct categories per order (Gumbel top-k), value split by price weight
    nl = 1 + _pick(rng, par["lines"], seg[cust])
    gum = rng.random((n_ord, len(CATEGORIES)), dtype=np.float32) + np.float32(1e-12)
    keys = np.log(-np.log(gum)) - np.log(_cat_matrix()).astype(np.float32)[seg[cust]]
    del gum
    top = np.argsort(keys, axis=1)[:, :3].astype(np.int8)
    del keys
    li = np.repeat(np.arange(n_ord), nl)
    cat = top[li, np.arange(len(li)) - np.repeat(np.cumsum(nl) - nl, nl)]
    del top
    w = rng.exponential(1.0, len(li)) * _CAT_PRICE[cat]
    amount = np.maximum(np.round(value[li] * w / np.bincount(li, w, n_ord)[li], 2), 1.0)
    del w
    qty = 1 + rng.poisson(_CAT_QTY[cat])
    # --- returns (~3% of lines): later "-R" line with negative amount and quantity
    ret = np.flatnonzero(rng.random(len(li)) < _CAT_RETURN[cat])
    rq = np.where(rng.random(len(ret)) < 0.6, qty[ret], rng.integers(1, np.maximum(qty[ret], 2)))
    rq = np.minimum(rq, qty[ret])
    r_dt = np.minimum(rng.uniform(1, 20, len(ret)) * _DAY, -t[li[ret]] * rng.uniform(0.2, 0.95, len(ret)))  # fmt: skip  # noqa: E501
    r_t = np.minimum(t[li[ret]] + np.maximum(r_dt.astype(np.int64), 1), 0)
    # merge returns into the chronological line list; sort key = (time, order, is_return)
    r_key = (r_t - t[0]) * (2 * n_ord) + 2 * li[ret] + 1
    rs = np.argsort(r_key, kind="stable")
    r_pos = np.searchsorted((t[li] - t[0]) * (2 * n_ord) + 2 * li, r_key[rs]) + np.arange(len(rs))
    is_ret = np.zeros(len(li) + len(ret), bool)
    is_ret[r_pos] = True
    src = np.empty(len(is_ret), np.int64)
    src[~is_ret], src[r_pos] = np.arange(len(li)), ret[rs]
    ords = li[src]
    tt, amt, quantity = t[ords], amount[src], qty[src]
    tt[r_pos], quantity[r_pos] = r_t[rs], -rq[rs]
    amt[r_pos] = -np.round(amount[ret] * rq / qty[ret], 2)[rs]
    cid = _digits(np.arange(1, n + 1), 8)
    suffix = _take(["", "-R"], is_ret.astype(np.int8))
    oid = pc.binary_join_element_wise("O", _digits(order_base + ords, 10), suffix, "")
    end_s = np.datetime64(end, "s")
    transactions = pd.DataFrame({
        "order_id": _s(oid),
        "customer_id": _s(cid.take(pa.array(cust[ords]))),
        "order_time": (end_s + tt.astype("timedelta64[s]")).astype("datetime64[us]"),
        "amount": amt,
        "quantity": quantity.astype(np.int64),
        "channel": _s(_take(["offline", "online"], online[ords].astype(np.int8))),
        "category": _s(_take(CATEGORIES, cat[src])),
    })  # fmt: skip
    del li, src, ords, tt, amt, quantity, oid

    # --- customer master
    male = rng.random(n) < 0.48
    age_y = np.minimum(18 + rng.gamma(3.0, par["age"][seg] / 3), 80).astype(np.int64)
    city = rng.choice(len(_CITIES), size=n, p=_CITY_P)
    # birth date strictly within (as_of - (age+1) years, as_of - age years]
    anniv = (
        (end.year - age_y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + end.month - 1
    )
    day = 28 if (end.month, end.day) == (2, 29) else end.day
    birth = pd.DatetimeIndex(anniv.astype("datetime64[D]") + (day - 1) - rng.integers(0, 365, n))
    ymd = (birth.year * 10000 + birth.month * 100 + birth.day).to_numpy().astype(np.int64)
    # sequence code: odd for men, unique within (region, birth date, gender) up to 500 people
    group = (city * 2 + male) * 10**8 + ymd
    o = np.argsort(group, kind="stable")
    start = np.r_[True, group[o][1:] != group[o][:-1]]
    gid = np.cumsum(start) - 1
    seq = np.empty(n, np.int64)
    seq[o] = (
        rng.integers(0, 500, n)[o][start][gid] + np.arange(n) - np.flatnonzero(start)[gid]
    ) % 500
    body = np.array(_REGIONS)[city] * 10**11 + ymd * 1000 + seq * 2 + male
    digs = body[:, None] // 10 ** np.arange(16, -1, -1) % 10
    chk = _take(_GB_CHECK, digs @ _GB_WEIGHTS % 11)
    given = rng.integers(0, 24, (2, n))
    g2 = np.where(rng.random(n) < 0.35, "", np.array(list(_GIVEN))[given[1] + 24 * ~male])
    name = pc.binary_join_element_wise(
        _take(_SURNAMES, np.minimum(rng.geometric(0.12, n) - 1, len(_SURNAMES) - 1)),
        _take(_GIVEN, given[0] + 24 * ~male), pa.array(g2, pa.string()), "",
    )  # fmt: skip
    occ = rng.choice(len(_OCC_P), size=n, p=_OCC_P)  # 学生 / 退休 only by age
    occ = np.where((age_y <= 23) & (rng.random(n) < 0.6), 6, np.where(age_y >= 60, 7, occ))
    acq_p = par["online"][:, None] * _ACQ_ON + (1 - par["online"][:, None]) * _ACQ_OFF
    gap = np.ceil(rng.exponential(np.where(life == 0, 7.0, 120.0))).astype("timedelta64[D]")
    mult = 10 * rng.integers(10**6, 10**7) + rng.choice([1, 3, 7, 9])  # coprime to 1e8: unique
    phone = (
        _PREFIXES[rng.integers(0, len(_PREFIXES), n)] * 10**8
        + (mult * np.arange(n) + mult // 7) % 10**8
    )
    income = _pick(rng, par["income"], seg)
    first_day = (end_s + t_first.astype("timedelta64[s]")).astype("datetime64[D]")
    customers = pd.DataFrame({
        "customer_id": _s(cid),
        "name": _s(name),
        "phone": _s(pc.cast(pa.array(phone), pa.string())),
        "id_number": _s(pc.binary_join_element_wise(pc.cast(pa.array(body), pa.string()), chk, "")),
        "gender": _s(_take(["女", "男"], male.astype(int))),
        "age": age_y,
        "city": _s(_take(_CITIES, city)),
        "income_band": _s(_take(["低", "中", "高"], income)),
        "occupation": _s(_take(_OCCUPATIONS, occ)),
        "acquisition_channel": _s(_take(_ACQ, _pick(rng, acq_p, seg))),
        "signup_date": (first_day - gap).astype("datetime64[us]"),
    })  # fmt: skip

    # --- latent factors and survey
    f = np.round(par["factors"][seg] + rng.standard_normal((n, 4)), 4)
    fi = np.array([_FACTOR_COLS.index(SURVEY_FACTORS[q]) for q in SURVEY_ITEMS])
    y = _LOADINGS * f[:, fi] + np.sqrt(1 - _LOADINGS**2) * rng.standard_normal((n, len(fi)))
    likert = 1 + (y[..., None] > _LIKERT_CUTS).sum(axis=-1)
    resp = np.flatnonzero(rng.random(n) < 0.6)
    survey = pd.DataFrame(likert[resp].astype(np.int64), columns=list(SURVEY_ITEMS))
    survey.insert(0, "customer_id", _s(cid.take(pa.array(resp))))
    truth = pd.DataFrame({
        "customer_id": _s(cid),
        "segment": _s(_take([s["key"] for s in SEGMENTS], seg)),
        "segment_id": seg.astype(np.int64),
        "lifecycle": _s(_take(LIFECYCLE_STAGES, life)),
        **{c: f[:, i] for i, c in enumerate(_FACTOR_COLS)},
    })  # fmt: skip
    return DemoData(customers, transactions, survey, truth, end)
