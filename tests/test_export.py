import os
from pathlib import Path

import pytest

from segkit.paths import new_run_dir, slugify


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
