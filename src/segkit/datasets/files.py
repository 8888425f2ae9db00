"""Writing the demo company to a folder: CSV (UTF-8, or GB18030 when messy) or Parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from segkit.atomic import atomic_path, write_text
from segkit.datasets.demo import DemoData
from segkit.datasets.mess import make_messy_transactions


def write_demo(
    data: DemoData,
    out_dir: str | Path,
    *,
    fmt: Literal["csv", "parquet"] = "csv",
    messy: bool = False,
) -> dict[str, Path]:
    """Write the demo tables to ``out_dir`` and return ``{name: path}``.

    Parameters
    ----------
    data : DemoData
        Output of :func:`make_demo`.
    out_dir : str or Path
        Target directory (created if missing).
    fmt : {"csv", "parquet"}, default "csv"
        CSV is UTF-8 with ISO dates; ids stay zero-padded strings.
    messy : bool, default False
        Write :func:`make_messy_transactions` output as ``transactions`` instead
        (CSV encoded in GB18030) plus ``injected.json`` with the counts.

    Returns
    -------
    dict[str, Path]
        Keys ``customers``, ``transactions``, ``survey``, ``truth`` (and ``injected``).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from segkit.datasets.demo import make_demo
    >>> paths = write_demo(make_demo(50, seed=2), tempfile.mkdtemp())
    >>> sorted(paths)
    ['customers', 'survey', 'transactions', 'truth']
    >>> pd.read_csv(paths["customers"], dtype=str)["customer_id"].iloc[0]
    '00000001'
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # transactions last: its presence tells `segkit.workflow.run.ensure_demo` the data is whole
    frames = {"customers": data.customers, "survey": data.survey, "truth": data.truth}
    frames["transactions"] = data.transactions
    paths: dict[str, Path] = {}
    if messy:
        frames["transactions"], counts = make_messy_transactions(data.transactions)
        paths["injected"] = write_text(
            out / "injected.json", json.dumps(counts, indent=2), overwrite=True
        )
    for name, df in frames.items():
        paths[name] = path = out / f"{name}.{fmt}"
        # each file whole or not at all; a regenerated file replaces (never follows) the old one
        with atomic_path(path, overwrite=True) as tmp:
            if fmt == "parquet":
                df.to_parquet(tmp, index=False)
            else:
                enc = "gb18030" if messy and name == "transactions" else "utf-8"
                dfmt = "%Y-%m-%d %H:%M:%S" if name == "transactions" else "%Y-%m-%d"
                df.to_csv(tmp, index=False, encoding=enc, date_format=dfmt)
    return paths
