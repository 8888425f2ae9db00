"""A run folder with the artefacts the report reads, for the tests of the output formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segkit.workflow.artefacts import RunFolder

#: cell values that a spreadsheet or a browser would run, and characters XML cannot hold
NASTY = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "#N/A",
    "=",
    "<script>alert(1)</script>",
    "a\x00b\x1fc",
]


def fake_run(tmp_path: Path, names: list[str], sizes: list[int] | None = None) -> RunFolder:
    """A run folder with the artefacts the report reads, written as the notebooks would."""
    run = RunFolder(tmp_path / "run")
    n = len(names)
    ids = [f"{i:05d}" for i in range(n)]
    run.write_frame(
        "customers",
        pd.DataFrame(
            {
                "customer_id": ids,
                "name": names,
                "frequency": range(1, n + 1),
                "tenure_days": [60.875 * (i + 1) for i in range(n)],  # 2, 4, … months
                "monetary": [10.5 * i for i in range(n)],
                "last_purchase": pd.date_range("2024-01-01", periods=n, freq="D"),
                "acquisition_channel": ["=cmd|' /C calc'!A0", *(["门店"] * (n - 1))],
            }
        ),
    )
    segs = [1 + i % 2 for i in range(n)]
    run.write_frame(
        "assignments",
        pd.DataFrame(
            {
                "customer_id": ids,
                "segment": segs,
            }
        ),
    )
    run.write_frame(
        "names", pd.DataFrame({"segment": [1, 2], "name_zh": ["=甲", "乙"], "name_en": ["A", "B"]})
    )
    run.write_frame(
        "tiers",
        pd.DataFrame({"customer_id": ids, "value_tier": ["高价值"] * n, "clv": [1.0] * n}),
    )
    sizes = sizes or [n // 2, n // 2]
    run.write_frame(
        "segments",
        pd.DataFrame(
            {
                "segment": [1, 2],
                "name_zh": ["<img src=x onerror=alert(1)>", "<i>乙</i>"],
                "name_en": ["A&B", "B"],
                "size": sizes,
                "share": [0.5, 0.5],
                "value_share": [0.7, 0.3],
                "value": ["high", "low"],
            }
        ),
    )
    run.write_frame(
        "strategy",
        pd.DataFrame(
            {
                "segment": [1, 2],
                "product": ["=1+2 / =1+2", "标准 / standard"],
                "promotion": ["<b>x</b> / <b>x</b>", "常规 / regular"],
            }
        ),
    )
    run.write_frame(
        "quality",
        pd.DataFrame({"check": ["records read", "=BAD"], "detected": [10, 1], "removed": [0, 1]}),
    )
    return run
