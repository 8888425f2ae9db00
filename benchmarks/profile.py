"""Benchmark: segkit's customer profile against a plain scan, pandas and polars.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python benchmarks/profile.py --rows 1000000 10000000 \\
        --formats parquet csv

What it does
------------
1. **Data.** For each ``--rows`` size it generates a synthetic transaction log once (seeded,
   vectorised numpy) and writes ``benchmarks/_work/tx-<rows>.parquet`` (pyarrow, row groups
   of 1M rows) and ``tx-<rows>.csv`` (ISO timestamps, no quoting), plus
   ``tx-<rows>.meta.json`` holding the *reference checksums* computed exactly from the
   generator's integer arrays. Existing files are reused (delete ``_work/`` to regenerate).

   Columns: ``order_id`` (``"O"`` + digits, 1.5 lines per order on average, all lines of an
   order share customer, time and channel), ``customer_id`` (8 digits, zero padded,
   ``rows/10`` customers drawn with gamma-distributed weights), ``order_time`` (timestamp,
   uniform over the two years before 2026-11-25), ``amount`` (float with 2 decimals,
   log-normal, ~3% negative returns), ``channel`` (online/offline), ``category`` (7 values,
   distinct within an order, so the data has no exact duplicate rows).

2. **Contenders.** Each runs in its own subprocess (``--child``), so imports, memory and
   DuckDB/polars thread pools never leak from one to the next:

   ``scan_floor``
       DuckDB reads the four needed columns once and aggregates them without a GROUP BY
       (count, min/max of the ids and time, sum of amount): the cost of just reading.
   ``pandas``
       ``pd.read_parquet(columns=...)`` / ``pd.read_csv(usecols=..., dtype=str ids,
       parse_dates=...)`` and a vectorised ``groupby().agg()`` computing the core features.
   ``polars``
       ``pl.scan_parquet`` / ``pl.scan_csv`` (ids as String) + ``group_by().agg()``, one
       lazy query, ``collect()``.
   ``segkit_core``
       ``collect`` -> ``clean(as_of, CleanPolicy(outliers="none", conflicting_orders="ignore"))``
       ->
       ``build_profile(features="core")``: the whole segkit process, including file hashing,
       typed parsing, de-duplication and the quarantine checks.
   ``segkit_full``
       the same with the default policy (outlier flags) and ``features="full"`` (~30
       columns).

   All contenders compute the same core features: first/last purchase, recency and tenure in
   days to ``as_of``, frequency (distinct orders over lines with amount >= 0), monetary (net
   sum including returns), for customers with at least one line with amount >= 0.

3. **Measures.** ``work_s`` is timed inside the child from after the imports to the finished
   result (DataFrame in memory); ``import_s`` is the library import time; ``wall_s`` is timed
   by the parent around the whole subprocess (interpreter start-up, imports, work, exit);
   ``work_cpu_s`` is the CPU time (all threads) the child spent on the work, a figure that
   other load on the machine disturbs much less than elapsed time. The 1-minute load average
   before each run is stored (``load_before``) so a disturbed run can be recognised.
   ``rss_mb`` is the child's peak resident set size: ``VmHWM`` from ``/proc/self/status``,
   read by the child when its work is done. ``ru_maxrss`` is *not* used for it, neither
   ``getrusage(RUSAGE_CHILDREN)`` (the maximum over all children reaped so far, so a small
   contender run after a big one inherits the big one's peak) nor the child's own value from
   ``os.wait4()``: on Linux an exec'd child's ``ru_maxrss`` starts from the high-water mark
   of the process image it replaced, i.e. the parent's peak (this parent holds the generated
   data, several hundred MB). ``wait4``'s figure is still stored as ``rusage_maxrss_mb``.
   Peak RSS counts file pages a reader maps (polars and DuckDB may mmap the file), so it is an
   upper bound on the memory a contender needs.

   Each child checks its result against the reference checksums (customers, sum of monetary
   in cents, sum of frequency) and the parent checks all contenders agree; for segkit, rows
   it quarantined are reported when the figures differ. With ``--repeat N`` the best (least)
   ``work_s`` of the N runs is reported, as ``timeit`` does (other load only ever adds time),
   with its CPU time; the median and every run are kept in the JSON, and ``rss_mb`` is the
   largest of the N. Input files are read once before each size x format block so every
   contender starts from a warm page cache.

4. **Code under test.** segkit is imported from a copy of ``src/segkit`` taken when the run
   starts (``_work/src-<hash>/``; ``--live-src`` imports ``src/`` itself), so edits made while
   a run is going on cannot mix versions; each segkit child also reports a hash of the segkit
   modules it imported (``segkit_src``) and the table is flagged when they differ.

5. **Output.** A table (ratios use ``work_s``) on stdout, optionally as Markdown
   (``--markdown``), and every run as JSON in ``benchmarks/_work/results-<timestamp>.json``.

``--breakdown`` instead runs segkit in this process on one file (``--rows`` and
``--formats`` pick it) and times each step and each SQL statement segkit issues, to show
where the time goes (statements under 0.05 s are left out; ``SEGKIT_BREAKDOWN_MIN=0``
lists them all).

``--ladder`` times the profile's ingredients one at a time on one file, each as a ``CREATE
TABLE AS``: the scan floor, a one-level aggregate, the exact two-level one on raw columns,
then segkit's id normalisation, row checks, duplicate certificate and the whole process, with
ratios to the floor (``--threads`` sets DuckDB's threads).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named profile.py: keep its folder off sys.path so that `import profile`
# (e.g. from cProfile) still finds the standard library module.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

WORK = _HERE / "_work"
REPO = _HERE.parent
AS_OF = "2026-11-25"
WINDOW_START = "2024-11-25"
SPAN_DAYS = 730
DATA_VERSION = 3  # 3: customer weights drawn before the orders (one generator for both layouts)
CONTENDERS = ("scan_floor", "pandas", "polars", "lifetimes", "segkit_core", "segkit_full")
#: Contenders that hold the whole table in memory: not run above --max-inmemory-rows.
IN_MEMORY = ("pandas", "polars", "lifetimes", "segkit_full")
#: Above this many rows the data is written as monthly-style part files (a glob).
PART_ROWS = 10_000_000
FORMATS = ("parquet", "csv")
CATEGORIES = ("apparel", "beauty", "books", "electronics", "food", "home", "toys")
NEEDED = ["order_id", "customer_id", "order_time", "amount"]


# --------------------------------------------------------------------------- data


def _paths(rows: int) -> dict[str, Path]:
    if rows > 2 * PART_ROWS:  # a folder of part files, read through a glob
        return {
            "parquet": WORK / f"tx-{rows}" / "part-*.parquet",
            "csv": WORK / f"tx-{rows}" / "part-*.csv",
            "meta": WORK / f"tx-{rows}.meta.json",
        }
    return {
        "parquet": WORK / f"tx-{rows}.parquet",
        "csv": WORK / f"tx-{rows}.csv",
        "meta": WORK / f"tx-{rows}.meta.json",
    }


def _files(path: Path) -> list[Path]:
    """The files of a data path (itself, or the parts its glob matches)."""
    return sorted(path.parent.glob(path.name)) if "*" in path.name else [path]


def _orders(
    rng: Any, n: int, p: Any, t0: int, span: int, first_order: int
) -> tuple[Any, dict[str, Any]]:
    """``n`` transaction lines as a pyarrow Table, and the integer arrays behind it.

    Orders have 1 + Poisson(0.5) lines (capped at 7 = one line per category, mean ~1.5; the
    last order is trimmed to hit ``n`` exactly), are spread uniformly over the ``span``
    seconds after ``WINDOW_START + t0`` in time order, and belong to customers drawn with
    probabilities ``p``; order numbers start at ``first_order``.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = 1 + np.minimum(rng.poisson(0.5, int(n / 1.5 * 1.1) + 16), len(CATEGORIES) - 1)
    ends = np.cumsum(lines)
    n_orders = int(np.searchsorted(ends, n) + 1)
    lines = lines[:n_orders]
    lines[-1] -= int(ends[n_orders - 1] - n)
    assert lines.sum() == n and lines.min() >= 1
    cust_of_order = rng.choice(len(p), size=n_orders, p=p)
    secs = t0 + np.sort(rng.integers(0, span, n_orders))
    time_of_order = np.datetime64(WINDOW_START, "s") + secs.astype("timedelta64[s]")
    online = rng.random(n_orders) < 0.6
    cat0 = rng.integers(0, len(CATEGORIES), n_orders)
    order_of_line = np.repeat(np.arange(n_orders), lines)
    first_line = np.concatenate([[0], np.cumsum(lines)[:-1]])
    pos_in_order = np.arange(n) - np.repeat(first_line, lines)
    cat_of_line = (cat0[order_of_line] + pos_in_order) % len(CATEGORIES)
    cents = np.maximum(np.rint(rng.lognormal(np.log(6000), 0.9, n)), 1).astype(np.int64)
    cents = np.where(rng.random(n) < 0.03, -cents, cents)  # ~3% returns
    cust_of_line = cust_of_order[order_of_line]
    order_no = pa.array(order_of_line + first_order)
    table = pa.table(
        {
            "order_id": pc.binary_join_element_wise("O", order_no.cast(pa.string()), ""),
            "customer_id": pc.utf8_lpad(
                pa.array(cust_of_line).cast(pa.string()), width=8, padding="0"
            ),
            "order_time": pa.array(time_of_order[order_of_line].astype("datetime64[us]")),
            "amount": pa.array(cents / 100.0),
            "channel": pa.array(np.where(online, "online", "offline")[order_of_line]),
            "category": pa.array(np.asarray(CATEGORIES)[cat_of_line]),
        }
    )
    arrays = {"orders": n_orders, "order": order_of_line, "customer": cust_of_line, "cents": cents}
    return table, arrays


def _write(table: Any, parquet: Path, csv: Path | None) -> None:
    """Parquet (row groups of 1M rows) and, unless ``csv`` is None, CSV with ISO times
    ("YYYY-MM-DD HH:MM:SS") and a plain header (Arrow would quote the names)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pq.write_table(table, parquet, row_group_size=1_000_000)
    if csv is None:
        return
    csv_table = table.set_column(2, "order_time", table["order_time"].cast(pa.timestamp("s")))
    with open(csv, "wb") as fh:
        fh.write((",".join(csv_table.column_names) + "\n").encode())
        pacsv.write_csv(
            csv_table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none")
        )


def _customer_weights(rng: Any, rows: int) -> Any:
    """``rows / 10`` customers with heterogeneous (gamma) purchase weights."""
    weights = rng.gamma(2.0, 1.0, max(rows // 10, 1))
    return weights / weights.sum()


def generate(rows: int, seed: int) -> tuple[Any, dict[str, Any]]:
    """Synthetic transactions as a pyarrow Table, and exact reference checksums."""
    import numpy as np

    rng = np.random.default_rng(seed)
    p = _customer_weights(rng, rows)
    table, a = _orders(rng, rows, p, 0, SPAN_DAYS * 86400, 1_000_001)
    cust_of_line, order_of_line, cents = a["customer"], a["order"], a["cents"]

    # Reference checksums, exact (integer cents), for customers with a line amount >= 0.
    pos = cents >= 0
    profiled = np.zeros(len(p), dtype=bool)
    profiled[cust_of_line[pos]] = True
    meta = {
        "version": DATA_VERSION,
        "seed": seed,
        "rows": rows,
        "orders": a["orders"],
        "as_of": AS_OF,
        "n_customers": int(profiled.sum()),
        "monetary_cents": int(cents[profiled[cust_of_line]].sum()),
        "frequency_sum": int(np.unique(order_of_line[pos]).size),
        "amount_cents": int(cents.sum()),
        "returns_only_customers": int(
            np.setdiff1d(np.unique(cust_of_line), np.unique(cust_of_line[pos])).size
        ),
    }
    return table, meta


def generate_parts(rows: int, seed: int, fmts: list[str]) -> dict[str, Any]:
    """Write ``rows`` lines as ``rows / PART_ROWS`` part files (one time window each, the same
    customers throughout, like monthly exports) and return the reference checksums."""
    import numpy as np

    folder = _paths(rows)["parquet"].parent
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, rows])
    p = _customer_weights(rng, rows)
    n_cust = len(p)
    parts = rows // PART_ROWS
    profiled = np.zeros(n_cust, dtype=bool)
    cents_by_cust = np.zeros(n_cust, dtype=np.int64)
    seen = np.zeros(n_cust, dtype=bool)
    freq = amount_cents = orders_total = 0
    span = SPAN_DAYS * 86400 // parts
    for k in range(parts):
        n = PART_ROWS if k < parts - 1 else rows - PART_ROWS * (parts - 1)
        table, a = _orders(rng, n, p, k * span, span, 1_000_001 + orders_total)
        cust_of_line, cents = a["customer"], a["cents"]
        pos = cents >= 0
        profiled[cust_of_line[pos]] = True
        seen[cust_of_line] = True
        np.add.at(cents_by_cust, cust_of_line, cents)
        freq += int(np.unique(a["order"][pos]).size)
        amount_cents += int(cents.sum())
        orders_total += a["orders"]
        csv = folder / f"part-{k:02d}.csv" if "csv" in fmts else None
        _write(table, folder / f"part-{k:02d}.parquet", csv)
        print(f"  part {k + 1}/{parts} written", flush=True)
    return {
        "version": DATA_VERSION,
        "seed": seed,
        "rows": rows,
        "parts": parts,
        "orders": orders_total,
        "as_of": AS_OF,
        "n_customers": int(profiled.sum()),
        "monetary_cents": int(cents_by_cust[profiled].sum()),
        "frequency_sum": freq,
        "amount_cents": amount_cents,
        "returns_only_customers": int((seen & ~profiled).sum()),
        "formats": sorted(fmts),
    }


def ensure_data(rows: int, seed: int, fmts: list[str] | None = None) -> dict[str, Path]:
    """Write Parquet, CSV and reference checksums for ``rows`` unless already there.

    Above ``2 * PART_ROWS`` rows the data is a folder of part files (CSV parts only when
    ``fmts`` asks for CSV).
    """
    paths = _paths(rows)
    fmts = list(fmts or FORMATS)
    if rows > 2 * PART_ROWS:
        if paths["meta"].exists():
            meta = json.loads(paths["meta"].read_text())
            if (
                meta.get("version") == DATA_VERSION
                and meta.get("seed") == seed
                and set(fmts) <= set(meta.get("formats", []))
                and all(len(_files(paths[f])) == meta["parts"] for f in fmts)
            ):
                return paths
        t0 = time.perf_counter()
        print(f"generating {rows:,} rows as part files ({', '.join(fmts)})", flush=True)
        meta = generate_parts(rows, seed, fmts)
        paths["meta"].write_text(json.dumps(meta, indent=2))
        size = sum(f.stat().st_size for fmt in fmts for f in _files(paths[fmt])) / 1e9
        print(f"generated in {time.perf_counter() - t0:.0f}s, {size:.1f} GB", flush=True)
        return paths
    if paths["meta"].exists() and paths["parquet"].exists() and paths["csv"].exists():
        meta = json.loads(paths["meta"].read_text())
        if meta.get("version") == DATA_VERSION and meta.get("seed") == seed:
            return paths
    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    table, meta = generate(rows, seed)
    tmp = {k: p.with_name(p.name + ".tmp") for k, p in paths.items()}
    _write(table, tmp["parquet"], tmp["csv"])
    tmp["meta"].write_text(json.dumps(meta, indent=2))
    for k in ("parquet", "csv", "meta"):
        os.replace(tmp[k], paths[k])
    print(
        f"generated {rows:,} rows in {time.perf_counter() - t0:.1f}s: "
        f"parquet {paths['parquet'].stat().st_size / 1e6:.0f} MB, "
        f"csv {paths['csv'].stat().st_size / 1e6:.0f} MB",
        flush=True,
    )
    return paths


def warm(path: Path) -> None:
    """Read the file(s) once so every contender starts from the page cache."""
    for f in _files(path):
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass


# --------------------------------------------------------------------------- contenders
# Each returns (result, extra info). Imports happen in _child before the work is timed.


def run_scan_floor(path: Path, fmt: str) -> tuple[Any, dict[str, Any]]:
    import duckdb

    con = duckdb.connect()
    src = (
        f"read_parquet('{path}')"
        if fmt == "parquet"
        else f"read_csv('{path}', header=true, types={{'customer_id': 'VARCHAR', "
        "'order_id': 'VARCHAR', 'order_time': 'TIMESTAMP', 'amount': 'DOUBLE'})"
    )
    row = con.execute(
        "SELECT count(*), min(customer_id), max(customer_id), min(order_id), max(order_id), "
        f"min(order_time), max(order_time), sum(amount) FROM {src}"
    ).fetchall()[0]
    return row, {}


def run_pandas(path: Path, fmt: str) -> tuple[Any, dict[str, Any]]:
    import pandas as pd

    if fmt == "parquet":
        df = pd.read_parquet(path, columns=NEEDED)
    else:
        df = pd.read_csv(
            path,
            usecols=NEEDED,
            dtype={"customer_id": str, "order_id": str},
            parse_dates=["order_time"],
        )
    pos = df["amount"] >= 0
    df["pos_time"] = df["order_time"].where(pos)
    df["pos_order"] = df["order_id"].where(pos)
    prof = df.groupby("customer_id", sort=True).agg(
        first_purchase=("pos_time", "min"),
        last_purchase=("pos_time", "max"),
        frequency=("pos_order", "nunique"),
        monetary=("amount", "sum"),
    )
    prof = prof[prof["first_purchase"].notna()]
    as_of = pd.Timestamp(AS_OF)
    prof["recency_days"] = (as_of - prof["last_purchase"].dt.normalize()).dt.days
    prof["tenure_days"] = (as_of - prof["first_purchase"].dt.normalize()).dt.days
    return prof.reset_index(), {}


def run_polars(path: Path, fmt: str) -> tuple[Any, dict[str, Any]]:
    import polars as pl

    if fmt == "parquet":
        lf = pl.scan_parquet(path)
    else:
        lf = pl.scan_csv(
            path,
            schema_overrides={
                "customer_id": pl.String,
                "order_id": pl.String,
                "order_time": pl.Datetime("us"),
            },
        )
    pos = pl.col("amount") >= 0
    as_of = dt.date.fromisoformat(AS_OF)
    prof = (
        lf.group_by("customer_id")
        .agg(
            first_purchase=pl.col("order_time").filter(pos).min(),
            last_purchase=pl.col("order_time").filter(pos).max(),
            frequency=pl.col("order_id").filter(pos).n_unique(),
            monetary=pl.col("amount").sum(),
        )
        .filter(pl.col("first_purchase").is_not_null())
        .with_columns(
            recency_days=(pl.lit(as_of) - pl.col("last_purchase").dt.date()).dt.total_days(),
            tenure_days=(pl.lit(as_of) - pl.col("first_purchase").dt.date()).dt.total_days(),
        )
        .sort("customer_id")
        .collect()
    )
    return prof, {}


def _segkit(path: Path, full: bool) -> tuple[Any, dict[str, Any]]:
    from segkit.clean.checks import clean
    from segkit.collect import collect
    from segkit.config import CleanPolicy, ColumnMap
    from segkit.engine import connect
    from segkit.profile import build_profile

    extra = {"channel": "channel", "category": "category"} if full else {}
    cmap = ColumnMap(
        customer_id="customer_id",
        order_id="order_id",
        date="order_time",
        amount="amount",
        **extra,
    )
    steps: dict[str, float] = {}
    t = time.perf_counter()
    mem = os.environ.get("SEGKIT_BENCH_MEMORY_LIMIT") or None
    con = connect(
        memory_limit=mem,
        temp_dir=WORK / "spill" if mem else None,
        progress=os.environ.get("SEGKIT_BENCH_PROGRESS") == "1",
    )
    col = collect(path, cmap, con=con)
    steps["collect"] = time.perf_counter() - t
    t = time.perf_counter()
    policy = CleanPolicy() if full else CleanPolicy(outliers="none", conflicting_orders="ignore")
    res = clean(col, as_of=AS_OF, policy=policy)
    steps["clean"] = time.perf_counter() - t
    t = time.perf_counter()
    prof = build_profile(res, features="full" if full else "core")
    steps["build_profile"] = time.perf_counter() - t
    q = res.quarantine
    removed = q[q["action"] == "removed"]
    info = {
        "steps_s": {k: round(v, 3) for k, v in steps.items()},
        "rows_in": res.rows_in,
        "rows_kept": res.rows_kept,
        "rows_quarantined": res.rows_removed,
        "quarantine_reasons": {
            str(k): int(v) for k, v in removed["reason_code"].value_counts().items()
        },
        "flagged": int((q["action"] == "flagged").sum()),
        "columns": len(prof.columns),
    }
    return prof, info


def run_lifetimes(path: Path, fmt: str) -> tuple[Any, dict[str, Any]]:
    """``lifetimes.utils.summary_data_from_transaction_data`` on the purchase lines.

    Its measures are defined differently (frequency = repeat purchase *days*, recency = days
    from first to last purchase, T = days from first purchase to as_of, monetary = mean
    value of the repeat days), so only the customer count is checked against the reference.
    """
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    if fmt == "parquet":
        df = pd.read_parquet(path, columns=["customer_id", "order_time", "amount"])
    else:
        df = pd.read_csv(
            path,
            usecols=["customer_id", "order_time", "amount"],
            dtype={"customer_id": str},
            parse_dates=["order_time"],
        )
    df = df[df["amount"] >= 0]
    prof = summary_data_from_transaction_data(
        df,
        "customer_id",
        "order_time",
        monetary_value_col="amount",
        observation_period_end=AS_OF,
        freq="D",
    )
    return prof.reset_index(), {}


def run_segkit_core(path: Path, fmt: str) -> tuple[Any, dict[str, Any]]:
    return _segkit(path, full=False)


def run_segkit_full(path: Path, fmt: str) -> tuple[Any, dict[str, Any]]:
    return _segkit(path, full=True)


def checksum(contender: str, result: Any) -> dict[str, Any]:
    """Customers, sum of monetary (2 dp and exact cents) and sum of frequency."""
    import numpy as np

    if contender == "scan_floor":
        return {"rows": int(result[0]), "amount_cents": round(result[7] * 100)}
    if contender == "lifetimes":  # other definitions: only the customers are comparable
        return {"n_customers": len(result)}
    if contender == "polars":
        monetary = result["monetary"].to_numpy()
        frequency = result["frequency"].to_numpy()
    else:
        monetary = result["monetary"].to_numpy(dtype="float64")
        frequency = result["frequency"].to_numpy(dtype="int64")
    return {
        "n_customers": len(monetary),
        "monetary_sum": round(float(monetary.sum()), 2),
        # Each customer's net value rounded to the cent, summed as integers: exact, so it does
        # not depend on the order in which a contender adds floating-point numbers.
        "monetary_cents": int(np.rint(monetary * 100).astype(np.int64).sum()),
        "frequency_sum": int(frequency.sum()),
    }


def verify(check: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    """Differences between a contender's checksum and the generator's reference."""
    if "rows" in check:
        want = {"rows": meta["rows"], "amount_cents": meta["amount_cents"]}
    else:
        want = {k: meta[k] for k in ("n_customers", "monetary_cents", "frequency_sum")}
        want = {k: v for k, v in want.items() if k in check}
    return [f"{k}: got {check[k]}, want {v}" for k, v in want.items() if check[k] != v]


def src_fingerprint() -> str:
    """Short hash of the segkit modules this process has imported (there is no commit).

    Only the modules the pipeline runs are hashed, so edits to unrelated modules made while a
    benchmark runs do not count as a change of the code under test.
    """
    import hashlib

    h = hashlib.sha256()
    for name in sorted(m for m in sys.modules if m == "segkit" or m.startswith("segkit.")):
        file = getattr(sys.modules[name], "__file__", None)
        if file:
            h.update(name.encode() + b"\0" + Path(file).read_bytes() + b"\0")
    return h.hexdigest()[:12]


def _vmhwm_mb() -> float | None:
    """Peak RSS of this process image (Linux ``VmHWM``), in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _child(contender: str, path: Path, fmt: str, meta_path: Path) -> None:
    t_start = time.perf_counter()
    extra_out: dict[str, Any] = {}
    # Import the contender's libraries before the clock starts on the work.
    import numpy  # noqa: F401

    if contender == "scan_floor":
        import duckdb  # noqa: F401
    elif contender == "pandas":
        import pandas
        import pyarrow.parquet
    elif contender == "polars":
        import polars  # noqa: F401
    elif contender == "lifetimes":
        import lifetimes.utils  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    else:
        import segkit.clean.checks
        import segkit.collect.sources
        import segkit.profile

        extra_out["segkit_src"] = src_fingerprint()
        extra_out["segkit_from"] = str(Path(segkit.clean.checks.__file__).parent.parent)
    t_imported = time.perf_counter()
    cpu0 = time.process_time()  # all threads of this process
    result, info = globals()[f"run_{contender}"](path, fmt)
    t_done = time.perf_counter()
    cpu1 = time.process_time()
    check = checksum(contender, result)
    meta = json.loads(meta_path.read_text())
    problems = verify(check, meta)
    out = {
        "import_s": round(t_imported - t_start, 3),
        "work_s": round(t_done - t_imported, 3),
        "work_cpu_s": round(cpu1 - cpu0, 3),
        "vmhwm_mb": _vmhwm_mb(),
        "check": check,
        "check_ok": not problems,
        "problems": problems,
        **info,
        **extra_out,
    }
    print("RESULT " + json.dumps(out), flush=True)


# --------------------------------------------------------------------------- parent


def snapshot_src() -> tuple[Path, str]:
    """Copy ``src/segkit`` to ``_work/src-<hash>/segkit``; return the folder and the hash.

    The children import segkit from this copy, so edits made to ``src/`` while a long run is
    going on cannot mix two versions of the code in one table.
    """
    import hashlib
    import shutil

    pkg = REPO / "src" / "segkit"
    h = hashlib.sha256()
    for f in sorted(pkg.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(f.relative_to(pkg).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    digest = h.hexdigest()[:12]
    root = WORK / f"src-{digest}"
    if not (root / "segkit").exists():
        tmp = WORK / f"src-{digest}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(pkg, tmp / "segkit", ignore=shutil.ignore_patterns("__pycache__"))
        os.replace(tmp, root)
    return root, digest


def run_child(
    contender: str,
    path: Path,
    fmt: str,
    meta: Path,
    timeout: float,
    src: Path,
    memory_limit: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    env = dict(os.environ)
    env["SEGKIT_BENCH_MEMORY_LIMIT"] = memory_limit or ""
    env["SEGKIT_BENCH_PROGRESS"] = "1" if progress else "0"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH")) if p)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        contender,
        "--data",
        str(path),
        "--fmt",
        fmt,
        "--meta",
        str(meta),
    ]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=REPO)
        deadline = t0 + timeout
        while True:  # os.wait4 gives this child's own rusage (peak RSS)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    rec: dict[str, Any] = {
        "contender": contender,
        "wall_s": round(wall, 3),
        "rusage_maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "returncode": proc.returncode,
    }
    if progress:  # DuckDB's progress bar goes to the child's stdout: keep it in a log
        data = path.parent.name if "*" in path.name else path.stem
        log = WORK / f"progress-{contender}-{data}-{os.getpid()}.log"
        log.write_text(stdout)
        print(f"    progress bar output: {log}", flush=True)
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        rec["rss_mb"] = rec["rusage_maxrss_mb"]
        rec["error"] = (stderr or stdout)[-3000:]
        return rec
    rec.update(json.loads(lines[-1][len("RESULT ") :]))
    rec["rss_mb"] = rec["vmhwm_mb"] if rec.get("vmhwm_mb") else rec["rusage_maxrss_mb"]
    return rec


def _agg(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return dict(runs[-1], repeats=len(runs))
    best = min(ok, key=lambda r: r["work_s"])  # best of N: noise only ever adds time
    rec = dict(best)
    rec["work_s_median"] = round(statistics.median(r["work_s"] for r in ok), 3)
    rec["wall_s"] = round(min(r["wall_s"] for r in ok), 3)
    rec["rss_mb"] = max(r["rss_mb"] for r in ok)
    rec["repeats"] = len(ok)
    rec["work_s_all"] = [r["work_s"] for r in ok]
    rec["load_all"] = [r["load_before"] for r in ok]
    return rec


def compare(block: list[dict[str, Any]], meta: dict[str, Any]) -> list[str]:
    """Cross-check contenders of one size x format; explain segkit differences."""
    notes = []
    keys = ("n_customers", "monetary_cents", "frequency_sum")
    by = {
        r["contender"]: r
        for r in block
        if "check" in r and r["contender"] not in ("scan_floor", "lifetimes")
    }
    base_name = "pandas" if "pandas" in by else next(iter(by), None)
    for name, r in by.items():
        diff = {
            k: (r["check"][k], by[base_name]["check"][k])
            for k in keys
            if r["check"][k] != by[base_name]["check"][k]
        }
        if diff:
            msg = f"{name} differs from {base_name}: {diff}"
            if name.startswith("segkit"):
                msg += (
                    f"; segkit quarantined {r.get('rows_quarantined')} rows "
                    f"{r.get('quarantine_reasons')}"
                )
            notes.append(msg)
    for r in block:
        if r.get("problems"):
            notes.append(f"{r['contender']} vs reference: {r['problems']}")
        if "error" in r:
            notes.append(
                f"{r['contender']} FAILED (rc={r['returncode']}): "
                f"{r['error'].strip().splitlines()[-1] if r['error'].strip() else ''}"
            )
    return notes


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "-"


def table(records: list[dict[str, Any]], markdown: bool = False) -> str:
    head = [
        "rows",
        "format",
        "contender",
        "work s",
        "cpu s",
        "wall s",
        "peak RSS MB",
        "x scan_floor",
        "x polars",
        "x pandas",
        "check",
    ]
    body = []
    for r in records:
        ref = {
            x["contender"]: x.get("work_s")
            for x in records
            if x["rows"] == r["rows"] and x["format"] == r["format"]
        }
        w = r.get("work_s")
        body.append(
            [
                f"{r['rows']:,}",
                r["format"],
                r["contender"],
                f"{w:.2f}" if w is not None else "FAIL",
                f"{r['work_cpu_s']:.2f}" if "work_cpu_s" in r else "-",
                f"{r['wall_s']:.2f}",
                f"{r['rss_mb']:,.0f}",
                _ratio(w, ref.get("scan_floor")),
                _ratio(w, ref.get("polars")),
                _ratio(w, ref.get("pandas")),
                "ok" if r.get("check_ok") else ("FAIL" if "error" in r else "DIFF"),
            ]
        )
    if markdown:
        lines = [
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" if i < 3 else "---:" for i in range(len(head))) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    fmt_row = lambda row: "  ".join(  # noqa: E731
        str(x).ljust(w) if i < 3 else str(x).rjust(w)
        for i, (x, w) in enumerate(zip(row, widths, strict=True))
    )
    return "\n".join([fmt_row(head), fmt_row(["-" * w for w in widths]), *map(fmt_row, body)])


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("numpy", "pandas", "pyarrow", "polars", "duckdb"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "-"
    return out


def main_bench(args: argparse.Namespace) -> None:
    records: list[dict[str, Any]] = []
    if args.live_src:
        src, snap = REPO / "src", "live"
    else:
        src, snap = snapshot_src()
    print(f"segkit imported from {src}", flush=True)
    notes: list[str] = []
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for rows in args.rows:
        paths = ensure_data(rows, args.seed, args.formats)
        meta = json.loads(paths["meta"].read_text())
        for fmt in args.formats:
            warm(paths[fmt])
            block = []
            for contender in args.contenders:
                if contender == "lifetimes" and importlib.util.find_spec("lifetimes") is None:
                    note = "lifetimes skipped: not installed (pip install -e '.[bench]')"
                    print("  NOTE " + note, flush=True)
                    notes.append(f"{rows} {fmt}: {note}")
                    continue
                if contender in IN_MEMORY and rows > args.max_inmemory_rows:
                    note = (
                        f"{contender} skipped: {rows:,} rows > --max-inmemory-rows "
                        f"{args.max_inmemory_rows:,} (it holds the whole table in memory)"
                    )
                    print("  NOTE " + note, flush=True)
                    notes.append(f"{rows} {fmt}: {note}")
                    continue
                runs = []
                for _ in range(args.repeat):
                    runs.append(
                        run_child(
                            contender,
                            paths[fmt],
                            fmt,
                            paths["meta"],
                            args.timeout,
                            src,
                            args.memory_limit,
                            args.progress,
                        )
                    )
                rec = {"rows": rows, "format": fmt, **_agg(runs)}
                block.append(rec)
                status = (
                    f"{rec['work_s']:.2f}s work, {rec['wall_s']:.2f}s wall, {rec['rss_mb']:,.0f} MB"
                    if "error" not in rec
                    else "FAILED"
                )
                extra = (
                    f" steps {rec['steps_s']} src {rec.get('segkit_src')}"
                    if "steps_s" in rec
                    else ""
                )
                print(f"  {rows:>11,} {fmt:<8} {contender:<12} {status}{extra}", flush=True)
            for n in compare(block, meta):
                print("  NOTE " + n, flush=True)
                notes.append(f"{rows} {fmt}: {n}")
            records.extend(block)
    seen = sorted({r["segkit_src"] for r in records if "segkit_src" in r})
    if len(seen) > 1:
        notes.append(
            f"segkit sources changed during the run (fingerprints {seen}): the segkit "
            "figures mix code versions, rerun"
        )
    print()
    print(table(records))
    if args.markdown:
        print()
        print(table(records, markdown=True))
    for n in notes:
        print("NOTE " + n)
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"results-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "started": stamp,
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "processor": platform.processor(),
                },
                "versions": _versions(),
                "segkit_src": seen,
                "segkit_snapshot": snap,
                "args": {k: v for k, v in vars(args).items() if not k.startswith("child")},
                "as_of": AS_OF,
                "records": records,
                "notes": notes,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nresults: {out}")


# --------------------------------------------------------------------------- breakdown


class _TimedRelation:
    def __init__(self, rel: Any, log: list, sql: str, step: list[str]) -> None:
        self._rel, self._log, self._sql, self._step = rel, log, sql, step

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._rel, name)
        if name in ("df", "fetchall", "fetchone", "fetchdf", "arrow", "pl", "fetchnumpy"):

            def timed(*a: Any, **k: Any) -> Any:
                t = time.perf_counter()
                out = attr(*a, **k)
                self._log.append((self._step[0], time.perf_counter() - t, self._sql))
                return out

            return timed
        return attr


class _TimedConnection:
    """Wraps a DuckDB connection and logs the time of every statement segkit runs."""

    def __init__(self, con: Any) -> None:
        self._con, self.log, self.step = con, [], ["?"]

    def execute(self, sql: str, *a: Any) -> Any:
        t = time.perf_counter()
        out = self._con.execute(sql, *a)
        self.log.append((self.step[0], time.perf_counter() - t, sql))
        return out

    def sql(self, sql: str, *a: Any) -> Any:
        return _TimedRelation(self._con.sql(sql, *a), self.log, sql, self.step)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def main_breakdown(args: argparse.Namespace) -> None:
    from segkit.clean.checks import clean
    from segkit.collect import collect
    from segkit.collect.files import file_sha256
    from segkit.config import CleanPolicy, ColumnMap
    from segkit.engine import connect
    from segkit.profile import build_profile

    rows, fmt = args.rows[0], args.formats[0]
    paths = ensure_data(rows, args.seed)
    warm(paths[fmt])
    full = args.full
    extra = {"channel": "channel", "category": "category"} if full else {}
    cmap = ColumnMap(
        customer_id="customer_id", order_id="order_id", date="order_time", amount="amount", **extra
    )
    con = _TimedConnection(connect())
    steps = []
    t = time.perf_counter()
    digest = file_sha256(paths[fmt])
    steps.append(("  of which file_sha256 (re-timed separately)", time.perf_counter() - t))
    del digest
    con.step[0] = "collect"
    t = time.perf_counter()
    col = collect(paths[fmt], cmap, con=con)  # type: ignore[arg-type]
    steps.insert(0, ("collect", time.perf_counter() - t))
    con.step[0] = "clean"
    t = time.perf_counter()
    res = clean(
        col,
        as_of=AS_OF,
        policy=CleanPolicy() if full else CleanPolicy(outliers="none", conflicting_orders="ignore"),
    )
    steps.append(("clean", time.perf_counter() - t))
    con.step[0] = "build_profile"
    t = time.perf_counter()
    prof = build_profile(res, features="full" if full else "core")
    steps.append(("build_profile", time.perf_counter() - t))
    check = checksum("segkit", prof)
    problems = verify(check, json.loads(paths["meta"].read_text()))
    print(
        f"segkit {'full' if full else 'core'} on {rows:,} rows {fmt}"
        f" (segkit sources {src_fingerprint()}): "
        f"{len(prof):,} customers, checksum {'ok' if not problems else problems}, "
        f"peak RSS {_vmhwm_mb()} MB"
    )
    for name, s in steps:
        print(f"  {name:<46}{s:8.2f}s")
    shortest = float(os.environ.get("SEGKIT_BREAKDOWN_MIN", "0.05"))
    print(f"statements over {shortest}s:")
    for step, s, sql in con.log:
        if s >= shortest:
            text = " ".join(sql.split())
            print(f"  {step:<14}{s:7.2f}s  {text[:150]}")
    if args.explain:
        # Re-run the expensive statements' SELECTs under EXPLAIN ANALYZE on fresh state.
        raw = con._con
        for sql in args.explain:
            print(f"\nEXPLAIN ANALYZE {sql[:100]}")
            plan = raw.execute("EXPLAIN ANALYZE " + sql).fetchall()
            print(plan[0][1])


def main_ladder(args: argparse.Namespace) -> None:
    """Where the time of segkit's 10M profile goes, one ingredient at a time.

    Each rung is a ``CREATE TABLE AS`` (so every output column is really computed) run
    ``--repeat`` times in this process, best time kept; ratios are to the scan floor measured
    in the same run. Rungs 1-3 read the Parquet file directly; rungs 4-6 read segkit's
    ``staged`` view (ids normalised, typed); rung 7 is segkit's whole ``collect -> clean ->
    build_profile``.
    """
    import resource

    from segkit.clean.fastpath import fused_core_sql
    from segkit.clean.reasons import detect_sql, no_key_sql, removed_sql
    from segkit.collect import collect
    from segkit.config import CleanPolicy, ColumnMap
    from segkit.engine import connect
    from segkit.features import CUSTOMER_LEVEL_CORE, ORDER_LEVEL_CORE
    from segkit.profile import build_profile

    rows, fmt = args.rows[0], args.formats[0]
    paths = ensure_data(rows, args.seed)
    path = paths[fmt]
    warm(path)
    as_of = dt.date.fromisoformat(AS_OF)
    policy = CleanPolicy(outliers="none", conflicting_orders="ignore")
    cmap = ColumnMap(customer_id="customer_id", order_id="order_id", date="order_time",
                     amount="amount")  # fmt: skip
    con = connect(threads=args.threads)
    col = collect(path, cmap, con=con)
    roles = col.roles
    no_key = no_key_sql(col)
    bad = removed_sql(policy, roles, as_of, no_key)
    counters = {
        k: c
        for k, c in detect_sql(policy, roles, as_of, no_key).items()
        if k in ("NEGATIVE_AMOUNT", "CANCELLED", "NON_POSITIVE_QUANTITY")
    }
    src = (
        f"read_parquet('{path}')"
        if fmt == "parquet"
        else f"read_csv('{path}', header=true, types={{'customer_id': 'VARCHAR', "
        "'order_id': 'VARCHAR', 'order_time': 'TIMESTAMP', 'amount': 'DOUBLE'})"
    )
    raw = f"(SELECT customer_id, order_id, order_time AS date, amount FROM {src})"
    lvl1, lvl2 = ", ".join(ORDER_LEVEL_CORE), ", ".join(CUSTOMER_LEVEL_CORE)

    def two_level(source: str, extra1: str = "", extra2: str = "") -> str:
        return (
            f"WITH o AS (SELECT {lvl1}{extra1} FROM {source} GROUP BY customer_id, order_id) "
            f"SELECT {lvl2}{extra2} FROM o GROUP BY customer_id"
        )

    routed = (
        f"(SELECT CASE WHEN _bad THEN NULL ELSE customer_id END AS customer_id, "
        f"CASE WHEN _bad THEN NULL ELSE order_id END AS order_id, date, amount, "
        f"{', '.join(f'({c}) IS TRUE AS k{i}' for i, c in enumerate(counters.values()))} "
        f"FROM (SELECT *, coalesce({bad}, FALSE) AS _bad FROM staged))"
    )
    counts1 = "".join(f", count(*) FILTER (WHERE k{i}) AS c{i}" for i in range(len(counters)))
    counts2 = "".join(f", sum(c{i}) AS c{i}" for i in range(len(counters)))
    pos = "FILTER (WHERE amount >= 0)"
    rungs = [
        ("1 one level: GROUP BY customer (no distinct orders)",
         f"SELECT customer_id, min(date) {pos}, max(date) {pos}, count(*) {pos}, sum(amount) "
         f"FROM {raw} GROUP BY customer_id"),
        ("2 DuckDB count(DISTINCT order) in one level (polars' form)",
         f"SELECT customer_id, min(date) {pos}, max(date) {pos}, "
         f"count(DISTINCT order_id) {pos}, sum(amount) FROM {raw} GROUP BY customer_id"),
        ("3 two levels: exact distinct orders (raw columns)", two_level(raw)),
        ("4 + ids normalised, typed (segkit's staged view)", two_level("staged")),
        ("5 + row checks and detection counters", two_level(routed, counts1, counts2)),
        ("6 + duplicate certificate (segkit's fused pass)", fused_core_sql(bad, counters)),
    ]  # fmt: skip

    def timed(fn: Any) -> tuple[float, float]:
        best = (float("inf"), float("inf"))
        for _ in range(args.repeat):
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t = time.perf_counter()
            fn()
            wall = time.perf_counter() - t
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
            best = min(best, (wall, cpu))
        return best

    floor_sql = (
        "SELECT count(*), min(customer_id), max(customer_id), min(order_id), max(order_id), "
        f"min(order_time), max(order_time), sum(amount) FROM {src}"
    )
    results = [("0 scan floor", *timed(lambda: con.execute(floor_sql).fetchall()))]
    for name, sql in rungs:
        ctas = f"CREATE OR REPLACE TEMP TABLE _rung AS {sql}"
        results.append((name, *timed(lambda ctas=ctas: con.execute(ctas))))

    def whole() -> None:
        c2 = connect(threads=args.threads)
        from segkit.clean.checks import clean

        res = clean(collect(path, cmap, con=c2), as_of=AS_OF, policy=policy)
        build_profile(res, features="core")
        c2.close()

    results.append(("7 segkit collect -> clean -> build_profile (in process)", *timed(whole)))
    floor = results[0][1]
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    print(f"profile ladder, {rows:,} rows {fmt}, DuckDB threads={threads}, best of {args.repeat}")
    print(f"{'rung':<62}{'wall s':>8}{'cpu s':>8}{'x floor':>9}{'+ s':>7}")
    prev = None
    for name, wall, cpu in results:
        step = "" if prev is None or name.startswith(("1 ", "2 ", "3 ")) else f"{wall - prev:+.2f}"
        print(f"{name:<62}{wall:8.2f}{cpu:8.2f}{wall / floor:9.2f}{step:>7}")
        prev = wall


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description="Benchmark segkit's profile against DuckDB scan, pandas and polars.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: PYTHONPATH=src .venv/bin/python benchmarks/profile.py "
        "--rows 1000000 10000000 --formats parquet csv",
    )
    p.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[1_000_000],
        help="transaction rows per data set (default: 1000000)",
    )
    p.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    p.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per contender; the best (least) work time is reported (default 1)",
    )
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument(
        "--live-src",
        action="store_true",
        help="import segkit from src/ itself rather than from a copy taken at start",
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds per child run")
    p.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    p.add_argument(
        "--memory-limit",
        default=None,
        help="segkit: DuckDB memory_limit (e.g. 2GB), spilling to _work/spill/",
    )
    p.add_argument(
        "--progress",
        action="store_true",
        help="segkit: DuckDB's progress bar, saved to _work/progress-<contender>-….log",
    )
    p.add_argument(
        "--max-inmemory-rows",
        type=int,
        default=20_000_000,
        help=f"skip {', '.join(IN_MEMORY)} above this many rows (default 20000000)",
    )
    p.add_argument(
        "--breakdown",
        action="store_true",
        help="time segkit's steps and SQL statements on the first --rows/--formats",
    )
    p.add_argument("--full", action="store_true", help="with --breakdown: features='full'")
    p.add_argument(
        "--ladder",
        action="store_true",
        help="time the profile's ingredients one at a time (first --rows/--formats)",
    )
    p.add_argument("--threads", type=int, default=None, help="with --ladder: DuckDB threads")
    p.add_argument(
        "--explain",
        nargs="*",
        default=[],
        help="with --breakdown: SQL to run under EXPLAIN ANALYZE afterwards",
    )
    p.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--fmt", choices=FORMATS, help=argparse.SUPPRESS)
    p.add_argument("--meta", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child, args.data, args.fmt, args.meta)
    elif args.breakdown:
        main_breakdown(args)
    elif args.ladder:
        main_ladder(args)
    else:
        main_bench(args)


if __name__ == "__main__":
    main()
