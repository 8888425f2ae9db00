"""Table outputs: formula-safe CSV, Parquet, never over an existing file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit.outputs.cells import safe_frame
from segkit.outputs.tables import write_table


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "+86 138", "-x", "@SUM(A1)", "\tTAB", "\rCR", "张三", None],
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    path = write_table(frame, tmp_path / "out.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    first = back["name"].tolist()
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in first)
    assert first[:4] == ["'=1+1", "'+86 138", "'-x", "'@SUM(A1)"]
    assert back["value"].tolist()[0] == -1.5  # numbers stay numbers
    assert safe_frame(frame)["name"].iloc[6] == "张三"


def test_outputs_never_overwritten(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    path = write_table(frame, tmp_path / "x.parquet")
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        write_table(frame, path)
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="unsupported"):
        write_table(frame, tmp_path / "x.pkl")
