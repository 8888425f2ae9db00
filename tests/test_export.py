import os
from pathlib import Path

import pandas as pd
import pytest

from segkit.outputs.tables import safe_frame, write_table
from segkit.paths import new_run_dir, slugify


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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("CON", "_CON"),
        ("华东 区/2024", "华东_区_2024"),
        ("", "run"),
    ],
)
def test_slugify(name: str, expected: str) -> None:
    assert slugify(name) == expected


def test_run_dirs_are_new_and_confined(tmp_path: Path) -> None:
    a = new_run_dir("../evil", root=tmp_path)
    b = new_run_dir("../evil", root=tmp_path)
    assert a != b and a.parent == b.parent == tmp_path / "evil"
    assert os.path.commonpath([a, tmp_path]) == str(tmp_path)
