"""Benchmark: choosing k (9-index vote) plus 50-bootstrap stability at 100k and 1M customers.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python benchmarks/kselect.py --customers 100000 1000000

What it does
------------
1. **Data.** ``n`` synthetic customers × 10 features (seeded): 5 segments with different
   means; four columns are skewed spend/count measures (log-normal / gamma, so the default
   preprocessing log-transforms them), six are shares and rates in [0, 1].
2. **Contenders** (same process, one after another, each timed with ``perf_counter``):

   ``baseline``
       a plain scikit-learn sweep: ``MiniBatchKMeans(k, random_state=0)`` on the
       standardised data for k = 2..10, with three indices (Calinski-Harabasz and
       Davies-Bouldin on all rows, silhouette on a 10 000-row sample) — what one would write
       by hand, without choosing k.
   ``segkit``
       ``choose_k(X, k_range=range(2, 11), fit_sample=50_000)`` (k-means fits and all 9
       indices on fixed-seed samples, nearest-centroid assignment of everyone for W_k /
       CH / DB) and ``bootstrap_stability(X, labels, fit=SegmentClusterer(k), n_boot=50,
       sample_size=20_000)`` (fit on each resample, assign all customers).
   ``segkit_full`` (only for n ≤ ``--full-up-to``, default 100 000)
       the full-data computation: ``choose_k(X, fit_sample=None)`` (each k fitted on all
       rows) and the bootstrap with resamples of all n rows.

3. **Agreement.** For ``segkit`` vs ``segkit_full``: the recommended k, the votes, the
   overall mean Jaccard and per-segment mean Jaccards (largest difference).

Output: a table with seconds and the ratio to ``baseline``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def make_data(n: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, 5, n)
    centre = rng.uniform(0.2, 0.8, (5, 6))
    cols = {
        "monetary": rng.lognormal(np.array([5.0, 6.0, 7.0, 5.5, 8.0])[seg], 0.4),
        "frequency": 1 + rng.poisson(np.array([1.0, 3.0, 6.0, 2.0, 10.0])[seg]),
        "avg_order_value": rng.lognormal(np.array([3.5, 4.2, 4.8, 3.0, 5.0])[seg], 0.3),
        "orders_per_month": rng.gamma(np.array([1.0, 2.0, 3.0, 1.5, 5.0])[seg], 0.5),
    }
    for j in range(6):
        cols[f"share_{j}"] = np.clip(rng.normal(centre[seg, j], 0.08), 0, 1)
    return pd.DataFrame(cols)


def baseline(X: pd.DataFrame) -> dict[str, object]:
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
    from sklearn.preprocessing import StandardScaler

    z = StandardScaler().fit_transform(X)
    rows = {}
    for k in range(2, 11):
        lab = MiniBatchKMeans(k, random_state=0).fit_predict(z)
        rows[k] = (calinski_harabasz_score(z, lab), davies_bouldin_score(z, lab),
                   silhouette_score(z, lab, sample_size=10_000, random_state=0))  # fmt: skip
    table = pd.DataFrame(rows, index=["ch", "db", "silhouette"]).T
    return {"k_by_silhouette": int(table["silhouette"].idxmax())}


def segkit_run(X: pd.DataFrame, *, full: bool) -> dict[str, object]:
    from segkit.cluster.estimator import SegmentClusterer
    from segkit.cluster.kvote import choose_k
    from segkit.validate.stability import bootstrap_stability

    t = time.perf_counter()
    sel = choose_k(X, k_range=range(2, 11), fit_sample=None if full else 50_000, progress=False)
    t_k = time.perf_counter() - t
    k = sel.recommended_k_
    model = SegmentClusterer("kmeans", k, n_init=4).fit(
        X if full else X.sample(50_000, random_state=0)
    )
    labels = model.labels_ if full else model.predict(X)
    t = time.perf_counter()
    rep = bootstrap_stability(X, labels, fit=SegmentClusterer("kmeans", k, n_init=1),
                              n_boot=50, sample_size=None if full else 20_000,
                              progress=False)  # fmt: skip
    t_b = time.perf_counter() - t
    return {"k": k, "votes": sel.votes_["k"].to_dict(), "choose_k_s": t_k, "boot_s": t_b,
            "overall_jaccard": rep.overall_mean, "jaccard": rep.table["mean_jaccard"]}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--full-up-to", type=int, default=100_000)
    args = ap.parse_args()
    lines = ["| customers | contender | seconds | choose_k s | bootstrap s | x baseline | k | "
             "mean Jaccard |", "|---:|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n in args.customers:
        X = make_data(n)
        print(f"\n{n:,} × {X.shape[1]} (load {os.getloadavg()[0]:.1f})", flush=True)
        t = time.perf_counter()
        b = baseline(X)
        tb = time.perf_counter() - t
        print(f"baseline: {tb:.1f} s, silhouette picks k={b['k_by_silhouette']}", flush=True)
        lines.append(f"| {n:,} | baseline (MiniBatchKMeans, 3 indices) | {tb:.1f} | | | 1.00 "
                     f"| {b['k_by_silhouette']} | |")  # fmt: skip
        runs = {"segkit": False} | ({"segkit_full": True} if n <= args.full_up_to else {})
        res = {}
        for name, full in runs.items():
            t = time.perf_counter()
            r = res[name] = segkit_run(X, full=full)
            ts = time.perf_counter() - t
            print(f"{name}: {ts:.1f} s (choose_k {r['choose_k_s']:.1f}, bootstrap "
                  f"{r['boot_s']:.1f}), k={r['k']}, votes {r['votes']}, "
                  f"Jaccard {r['overall_jaccard']:.3f}", flush=True)  # fmt: skip
            lines.append(f"| {n:,} | {name} | {ts:.1f} | {r['choose_k_s']:.1f} | "
                         f"{r['boot_s']:.1f} | {ts / tb:.2f} | {r['k']} | "
                         f"{r['overall_jaccard']:.3f} |")  # fmt: skip
        if "segkit_full" in res:
            a, f = res["segkit"], res["segkit_full"]
            same_votes = sum(a["votes"][i] == f["votes"].get(i) for i in a["votes"])
            diff = (a["jaccard"] - f["jaccard"]).abs().max() if a["k"] == f["k"] else np.nan
            print(f"agreement at {n:,}: k {a['k']} vs {f['k']}, {same_votes} of "
                  f"{len(a['votes'])} votes equal, overall Jaccard "
                  f"{a['overall_jaccard']:.3f} vs {f['overall_jaccard']:.3f}, largest "
                  f"per-segment difference {diff:.3f}")  # fmt: skip
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
