"""Benchmark: in-engine scoring of 10M customers (DuckDB SQL) against pandas + predict.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python benchmarks/scoring.py --customers 10000000

What it does
------------
1. **Data.** ``benchmarks/_work/customers-<n>.parquet``: one row per synthetic customer
   (seeded numpy): ``customer_id`` (int64), behavioural features ``avg_order_value``
   (log-normal), ``orders_per_active_month`` (gamma), ``share_channel_online`` (beta),
   ``share_category_a/b/c`` (Dirichlet), and RFM / lifecycle inputs ``recency_days``,
   ``tenure_days``, ``frequency``, ``monetary``, ``interval_mean_days`` (NULL for one
   purchase day), ``orders_h1``, ``orders_h2``. Reused when present.
2. **Fit on a sample.** 20 000 customers (``customer_id % (n / 20000) = 0``) are read with
   DuckDB; a :class:`segkit.cluster.estimator.SegmentClusterer` (k-means, k=6, log1p + standardise),
   RFM scores and value-tier cuts are fitted on them in pandas / scikit-learn and pickled.
3. **Contenders**, each in its own subprocess (peak RSS = the child's ``VmHWM``):

   ``duckdb_segment``
       ``COPY (<cluster_scorer SQL>) TO 'out.parquet'``: customer id + segment.
   ``duckdb_all``
       the same query with the segment, value tier, R/F/M (threshold tables) and lifecycle.
   ``pandas_predict``
       ``pd.read_parquet`` of the features, ``SegmentClusterer.predict``, write Parquet.

4. **Check.** The parent joins the DuckDB and pandas outputs in DuckDB and counts customers
   whose segment differs (must be 0).

Output: a table with seconds, peak RSS and the ratio to ``pandas_predict``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WORK = Path(__file__).resolve().parent / "_work"
FEATURES = ["avg_order_value", "orders_per_active_month", "share_channel_online",
            "share_category_a", "share_category_b", "share_category_c"]  # fmt: skip


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_data(n: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = WORK / f"customers-{n}.parquet"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    writer = None
    chunk = 1_000_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        seg = rng.integers(0, 5, m)
        aov = rng.lognormal(np.array([3.5, 4.5, 5.5, 4.0, 6.0])[seg], 0.5)
        opm = rng.gamma(np.array([1.0, 2.0, 1.2, 4.0, 1.0])[seg], 0.8)
        online = rng.beta(np.array([1, 5, 2, 8, 1])[seg], np.array([5, 1, 2, 2, 3])[seg])
        shares = rng.dirichlet([1.0, 1.0, 1.0], m)
        freq = 1 + rng.poisson(opm * 4)
        tenure = rng.integers(1, 730, m)
        recency = np.minimum(tenure, rng.integers(0, 400, m))
        h2 = rng.binomial(freq, 0.5)
        interval = np.where(freq > 1, (tenure - recency) / np.maximum(freq - 1, 1), np.nan)
        table = pa.table({
            "customer_id": np.arange(start, start + m, dtype=np.int64),
            "avg_order_value": np.round(aov, 2), "orders_per_active_month": opm,
            "share_channel_online": online, "share_category_a": shares[:, 0],
            "share_category_b": shares[:, 1], "share_category_c": shares[:, 2],
            "recency_days": recency, "tenure_days": tenure, "frequency": freq,
            "monetary": np.round(aov * freq, 2),
            "interval_mean_days": pa.array(interval, from_pandas=True),
            "orders_h1": freq - h2, "orders_h2": h2,
        })  # fmt: skip
        if writer is None:
            writer = pq.ParquetWriter(path.with_suffix(".tmp"), table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()
    path.with_suffix(".tmp").rename(path)
    return path


def fit_models(path: Path, n: int) -> Path:
    import duckdb

    from segkit.cluster.estimator import SegmentClusterer
    from segkit.tiers.rfm import rfm_scores
    from segkit.tiers.rules import value_tiers

    step = max(n // 20_000, 1)
    sample = (
        duckdb.connect()
        .execute(f"SELECT * FROM read_parquet('{path}') WHERE customer_id % {step} = 0")
        .df()
    )
    sc = SegmentClusterer("kmeans", 6, value_column="avg_order_value", n_init=4)
    sc.fit(sample[FEATURES])
    models = {"cluster": sc, "rfm": rfm_scores(sample), "value": value_tiers(sample)}
    out = WORK / f"models-{n}.pkl"
    out.write_bytes(pickle.dumps(models))
    return out


def child(contender: str, data: Path, models_path: Path, out: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    import duckdb
    import pandas as pd

    from segkit import scoring

    models = pickle.loads(models_path.read_bytes())
    t1 = time.perf_counter()
    if contender.startswith("duckdb"):
        con = duckdb.connect()
        con.execute(f"CREATE VIEW customers AS SELECT * FROM read_parquet('{data}')")
        scorers = [scoring.cluster_scorer(models["cluster"])]
        if contender == "duckdb_all":
            scorers += [scoring.tier_scorer(models["value"], "monetary"),
                        *scoring.rfm_threshold_scorer(models["rfm"]),
                        scoring.lifecycle_scorer()]  # fmt: skip
        sql = scoring.to_sql(scorers, "customers", dialect="duckdb")
        con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
    else:
        frame = pd.read_parquet(data, columns=["customer_id", *FEATURES])
        seg = models["cluster"].predict(frame[FEATURES])
        pd.DataFrame({"customer_id": frame["customer_id"], "segment": seg}).to_parquet(out)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "work_s": t2 - t1, "rss_mb": peak_rss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=10_000_000)
    ap.add_argument("--contenders", nargs="+",
                    default=["duckdb_segment", "duckdb_all", "pandas_predict"])  # fmt: skip
    ap.add_argument("--child", nargs=4, metavar=("CONTENDER", "DATA", "MODELS", "OUT"))
    args = ap.parse_args()
    if args.child:
        c, d, m, o = args.child
        print(json.dumps(child(c, Path(d), Path(m), Path(o))))
        return
    n = args.customers
    t = time.perf_counter()
    data = make_data(n)
    print(f"data: {data} ({time.perf_counter() - t:.1f} s)", flush=True)
    t = time.perf_counter()
    models = fit_models(data, n)
    print(f"fit on a 20 000-customer sample: {time.perf_counter() - t:.1f} s", flush=True)
    results: dict[str, dict[str, float]] = {}
    outs: dict[str, Path] = {}
    for c in args.contenders:
        outs[c] = WORK / f"scored-{c}-{n}.parquet"
        outs[c].unlink(missing_ok=True)
        t = time.perf_counter()
        cmd = [sys.executable, __file__, "--child", c, str(data), str(models), str(outs[c])]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
        if proc.returncode:
            sys.exit(f"{c} failed:\n{proc.stderr}")
        results[c] = json.loads(proc.stdout.strip().splitlines()[-1])
        results[c]["wall_s"] = time.perf_counter() - t
    import duckdb

    con = duckdb.connect()
    base = "pandas_predict" if "pandas_predict" in outs else None
    checks: dict[str, str] = {}
    for c, path in outs.items():
        if base and c != base:
            diff, total = con.execute(
                f"SELECT count(*) FILTER (a.segment IS DISTINCT FROM b.segment), count(*) "
                f"FROM read_parquet('{path}') a JOIN read_parquet('{outs[base]}') b "
                f"USING (customer_id)"
            ).fetchall()[0]
            checks[c] = "ok" if diff == 0 and total == n else f"{diff} differ of {total}"
    ref = results[base]["work_s"] if base else float("nan")
    print(f"\n{n:,} customers, {len(FEATURES)} features, k = 6 (nproc {os.cpu_count()}, "
          f"load before {os.getloadavg()[0]:.1f})")  # fmt: skip
    print("| contender | work s | wall s | peak RSS MB | x pandas_predict | same segments |")
    print("|---|---:|---:|---:|---:|---|")
    for c, r in results.items():
        print(f"| {c} | {r['work_s']:.2f} | {r['wall_s']:.2f} | {r['rss_mb']:,.0f} | "
              f"{r['work_s'] / ref:.2f} | {checks.get(c, '(reference)')} |")  # fmt: skip


if __name__ == "__main__":
    main()
