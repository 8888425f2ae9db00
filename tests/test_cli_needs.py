"""``segkit segment SURVEY --method needs``: the files it writes, on psych's bfi."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from segkit.cli import app
from tests.workflow.test_needs import BFI_ITEMS, BFI_WORDING

runner = CliRunner()


@pytest.mark.shared
def test_segment_needs_on_bfi_writes_the_files(shared_data: Path, tmp_path: Path) -> None:
    wording = tmp_path / "wording.csv"
    pd.DataFrame({"item": list(BFI_WORDING), "wording": list(BFI_WORDING.values())}).to_csv(
        wording, index=False
    )
    out = tmp_path / "needs"
    args = ["segment", str(shared_data / "surveys" / "bfi.csv"), "--id-col", "respondent",
            "--items", ",".join(BFI_ITEMS), "--method", "needs", "--wording", str(wording),
            "--k-range", "3-5", "--out", str(out), "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    adequacy = json.loads((out / "adequacy.json").read_text("utf-8"))
    assert {"kmo", "bartlett_chi2", "bartlett_df", "bartlett_p"} <= set(adequacy)
    assert round(adequacy["kmo"], 3) == 0.846 and adequacy["bartlett_df"] == 300
    count = json.loads((out / "n_factors.json").read_text("utf-8"))
    assert (count["parallel_factors"], count["parallel_components"], count["kaiser"]) == (6, 6, 6)
    rel = pd.read_csv(out / "reliability.csv")
    assert rel.columns[:3].tolist() == ["factor", "items", "alpha"]
    assert sorted(rel["alpha"].dropna().round(3))[:5] == [0.461, 0.6, 0.703, 0.727, 0.762]
    loadings = pd.read_csv(out / "loadings.csv")
    assert loadings["item"].tolist() == BFI_ITEMS and "wording" in loadings
    assigned = pd.read_csv(out / "assignments.csv", dtype={"id": str})
    assert assigned.columns.tolist() == ["id", "segment", "name"] and len(assigned) == 2800
    names = assigned.dropna().drop_duplicates("segment")["name"]
    assert names.is_unique and len(names) >= 3
    wordings = set(BFI_WORDING.values())
    assert all(part[:-2] in wordings for name in names for part in name.split(" · "))
    assert "Needs segmentation: 25 items, 6 factors" in result.output


def test_segment_needs_names_a_missing_item(tmp_path: Path) -> None:
    survey = tmp_path / "s.csv"
    survey.write_text("id,q1,q2,q3\n1,1,2,3\n2,2,3,4\n", encoding="utf-8")
    args = ["segment", str(survey), "--id-col", "id", "--items", "q1,q9", "--method", "needs",
            "--out", str(tmp_path / "o")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "no item column 'q9'" in result.output
    bad = runner.invoke(app, [*args[:5], "q1,q2", "--method", "needs", "--correlation", "x",
                              "--out", str(tmp_path / "p")])  # fmt: skip
    assert bad.exit_code == 2 and "--correlation must be pairwise or listwise" in bad.output
