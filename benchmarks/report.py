"""Benchmark: a full ``segkit report`` run on the demo company (target: ≤ 60 s at 100,000
customers on 2 cores).

Run from the repository root::

    .venv/bin/python benchmarks/report.py --customers 100000 [--notebooks notebooks] [--smoke]

It runs :func:`segkit.workflow.report.run_report` once per ``--customers`` size into
``benchmarks/_work/reports/`` (git-ignored) and prints the wall time of every notebook, of the
HTML report and of the Excel table, and the total, against the target. The times come from the
run's ``manifest.json`` (the same numbers a user sees), plus the whole call measured here.
``--notebooks`` defaults to segkit's notebooks (see
:func:`segkit.workflow.report.default_notebooks_dir`);
``tests/notebooks`` holds the small fixture notebooks.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"
TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000])
    parser.add_argument("--notebooks", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny settings in the notebooks")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from segkit.config import RunConfig
    from segkit.workflow.report import run_report

    os.environ.setdefault("SEGKIT_KEY_FILE", str(WORK / "pseudonym.key"))
    rows = []
    for n in args.customers:
        cfg = RunConfig.model_validate(
            {"client": f"bench-{n}", "seed": args.seed, "smoke": args.smoke,
             "demo": {"customers": n, "seed": args.seed}}
        )  # fmt: skip
        t0 = time.perf_counter()
        result = run_report(
            cfg, notebooks_dir=args.notebooks, reports_root=WORK / "reports", progress=True
        )
        total = time.perf_counter() - t0
        manifest = json.loads(Path(result.manifest or "").read_text(encoding="utf-8"))
        print(f"\n{n:,} customers → {result.run_dir}")
        for step in manifest["notebooks"]:
            print(f"  {step['name']:<24}{step['seconds']:7.1f} s")
        print(f"  {'report.html':<24}{manifest.get('report_seconds', 0):7.1f} s")
        print(f"  {'segments.xlsx':<24}{manifest.get('excel_seconds', 0):7.1f} s")
        verdict = "OK" if total <= TARGET_SECONDS else "over"
        print(f"  {'total':<24}{total:7.1f} s  (target {TARGET_SECONDS:.0f} s: {verdict})")
        rows.append({"customers": n, "seconds": round(total, 1), "run": str(result.run_dir)})
    out = WORK / f"report-results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
