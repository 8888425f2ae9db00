"""Real-world mess for the demo's order log, with exact counts of what was injected.

Refunds as ``(56.00)``, ``¥1,234.50`` and ``1234.5元`` amounts, full-width digits, exact
duplicates, missing customer ids, Chinese and slash dates — each injected row carries one
kind, so a cleaning step can be checked against the counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_MESS_RATES = {
    "paren_negatives": 0.3,  # share of refund lines written as "(56.00)"
    "yuan_amounts": 0.02,  # "¥1,234.50" or "1234.5元"
    "fullwidth_amounts": 0.002,  # "１２３.００"
    "duplicates": 0.005,  # exact copy inserted right after the original
    "missing_customer_id": 0.003,  # ""
    "chinese_dates": 0.05,  # "2023年9月28日 14:05" or "2023年9月28日"
    "slash_dates": 0.05,  # "2023/09/28 14:05:00"
}
_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def make_messy_transactions(
    transactions: pd.DataFrame, *, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return an all-string copy of the log with real-world mess and exact injection counts.

    Every injected row carries exactly one kind of mess (kinds are disjoint), so the
    counts can be re-derived from the frame.  Untouched rows use ISO timestamps and
    plain ``1234.50`` amounts.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean log as produced by :func:`make_demo`.
    seed : int, default 0
        Seed for choosing the rows to mess up.

    Returns
    -------
    messy : pandas.DataFrame
        Same columns, all ``str`` dtype, duplicates inserted.
    counts : dict[str, int]
        ``duplicates``, ``missing_customer_id``, ``yuan_amounts``, ``paren_negatives``,
        ``fullwidth_amounts``, ``chinese_dates``, ``slash_dates``,
        ``excel_serial_dates`` (always 0, not injected), ``rows_in``, ``rows_out``.

    Examples
    --------
    >>> from segkit.datasets.demo import make_demo
    >>> tx = make_demo(300, seed=3).transactions
    >>> messy, counts = make_messy_transactions(tx, seed=1)
    >>> len(messy) == counts["rows_in"] + counts["duplicates"] == counts["rows_out"]
    True
    >>> int(messy.duplicated().sum()) == counts["duplicates"]
    True
    """
    rng = np.random.default_rng(seed)
    tx = transactions.reset_index(drop=True)
    n = len(tx)
    amt = tx["amount"].to_numpy(np.float64)
    perm = rng.permutation(n)
    neg, pos = perm[amt[perm] < 0], perm[amt[perm] >= 0]
    cnt = {
        k: round(r * (len(neg) if k == "paren_negatives" else n)) for k, r in _MESS_RATES.items()
    }
    sel: dict[str, np.ndarray] = {"paren_negatives": neg[: cnt["paren_negatives"]]}
    off = 0
    for key in ("yuan_amounts", "fullwidth_amounts"):
        sel[key], off = pos[off : off + cnt[key]], off + cnt[key]
    pool = np.sort(np.r_[pos[off:], neg[cnt["paren_negatives"] :]])
    pool = pool[rng.permutation(len(pool))]
    off = 0
    for key in ("duplicates", "missing_customer_id", "chinese_dates", "slash_dates"):
        sel[key], off = pool[off : off + cnt[key]], off + cnt[key]
    sel = {k: np.sort(v) for k, v in sel.items()}

    out = tx.astype({"quantity": "str"})
    out["amount"] = tx["amount"].map("{:.2f}".format).astype("str")
    stamps = pc.cast(pa.array(tx["order_time"].to_numpy().astype("<M8[s]")), pa.string())
    out["order_time"] = pd.Series(pd.arrays.ArrowStringArray(stamps).astype("str"))
    yuan = amt[sel["yuan_amounts"]]
    out.loc[sel["yuan_amounts"], "amount"] = [
        f"¥{x:,.2f}" if i % 2 else f"{x:.2f}".rstrip("0").rstrip(".") + "元"
        for i, x in enumerate(yuan)
    ]
    out.loc[sel["paren_negatives"], "amount"] = [
        f"({-x:,.2f})" for x in amt[sel["paren_negatives"]]
    ]
    full = amt[sel["fullwidth_amounts"]]
    out.loc[sel["fullwidth_amounts"], "amount"] = [f"{x:.2f}".translate(_FW) for x in full]
    out.loc[sel["missing_customer_id"], "customer_id"] = ""
    out.loc[sel["chinese_dates"], "order_time"] = [
        f"{x.year}年{x.month}月{x.day}日" + (f" {x:%H:%M}" if i % 2 else "")
        for i, x in enumerate(tx["order_time"].iloc[sel["chinese_dates"]])
    ]
    slash = tx["order_time"].iloc[sel["slash_dates"]]
    out.loc[sel["slash_dates"], "order_time"] = slash.dt.strftime("%Y/%m/%d %H:%M:%S").to_numpy()
    rep = np.ones(n, np.int64)
    rep[sel["duplicates"]] = 2
    out = out.iloc[np.repeat(np.arange(n), rep)].reset_index(drop=True)
    counts = {k: len(v) for k, v in sel.items()}
    counts.update(excel_serial_dates=0, rows_in=n, rows_out=len(out))
    return out, counts
