"""Segment names exist once (issue 11): step 7 makes them, with the analyst's names from the run
config's ``names:`` mapping, and the HTML report, the Excel table and the CSV artefacts all
show the edited name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from segkit.config import RunConfig
from segkit.workflow.report import run_report

REPO = Path(__file__).resolve().parents[1]
EDITED = {1: {"zh": "改名测试甲", "en": "Renamed Alpha"}, 2: {"en": "Renamed Beta"}}


def test_a_segment_name_needs_a_language() -> None:
    with pytest.raises(ValidationError, match="give zh, en or both"):
        RunConfig.model_validate({"demo": {"customers": 100}, "names": {1: {}}})
    cfg = RunConfig.model_validate({"demo": {"customers": 100}, "names": EDITED})
    # params.yaml round trip (YAML keys become strings; the config reads them back as ints)
    again = RunConfig.model_validate(yaml.safe_load(cfg.to_yaml()))
    assert again.names == cfg.names and again.names[2].override() == {"en": "Renamed Beta"}


@pytest.mark.slow
def test_an_edited_name_reaches_the_report_the_table_and_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGKIT_HOME", str(tmp_path))
    cfg = RunConfig.model_validate(
        {
            "client": "demo",
            "language": "both",
            "smoke": True,
            "demo": {"customers": 400, "seed": 5},
            "segment": {"k": 3, "n_boot": 0},
            "report": {"min_report_size": 1},  # every segment shown, so every name
            "names": EDITED,
        }
    )
    done = run_report(cfg, reports_root=tmp_path / "reports", progress=False)
    run = done.run_dir
    assert done.report is not None and done.excel is not None

    # CSV artefacts of step 7: the only copy of the names
    names = pd.read_csv(run / "artefacts" / "07_names.csv").set_index("segment")
    assert names.loc[1, ["name_zh", "name_en"]].tolist() == ["改名测试甲", "Renamed Alpha"]
    assert names.loc[2, "name_en"] == "Renamed Beta"
    assert names.loc[2, "name_zh"] != "改名测试甲"  # the suggestion stays for zh
    assert names["source"].tolist() == ["user", "user", "suggested"]
    segments = pd.read_csv(run / "artefacts" / "07_segments.csv").set_index("segment")
    assert segments.loc[1, "name_en"] == "Renamed Alpha" and segments.loc[2, "name_en"] == (
        "Renamed Beta"
    )
    assert "segment_name_zh" not in pd.read_parquet(run / "artefacts" / "05_assignments.parquet")

    # the Excel classification table: 客户类型 of every customer of segment 1 / 2
    table = pd.read_excel(done.excel, sheet_name="客户分类表")
    kind = table.groupby("细分编号")["客户类型"].unique()
    assert kind[1].tolist() == ["改名测试甲 / Renamed Alpha"]
    assert kind[2].tolist() == [f"{names.loc[2, 'name_zh']} / Renamed Beta"]

    # the HTML report: summary and the step-7 notebook
    html = done.report.read_text(encoding="utf-8")
    assert "改名测试甲 / Renamed Alpha" in html
    assert html.count("Renamed Beta") >= 2


def test_segment_command_names_once_at_step_7(tmp_path: Path) -> None:
    """``segkit segment`` runs the same step 7: its names are ``07_names.csv``, the
    assignments hold the segment only, and the summary shows step 7's names."""
    from typer.testing import CliRunner

    from segkit.cli import app

    from .conftest import demo_profile_and_truth

    profile, _ = demo_profile_and_truth(400, seed=5)
    source = tmp_path / "p.parquet"
    profile.to_parquet(source)
    out = tmp_path / "seg"
    result = CliRunner().invoke(
        app, ["segment", str(source), "--out", str(out), "--k", "3", "--n-boot", "0", "-q"]
    )
    assert result.exit_code == 0, result.output
    names = pd.read_csv(out / "artefacts" / "07_names.csv").set_index("segment")
    assert names["source"].eq("suggested").all() and len(names) == 3
    assignments = pd.read_parquet(out / "artefacts" / "05_assignments.parquet")
    assert list(assignments.columns) == ["customer_id", "segment"]
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    for segment, row in names.iterrows():
        assert f"{segment}: {row['name_zh']} / {row['name_en']}" in summary
    # no other file of the run holds a name
    holders = [
        p.relative_to(out).as_posix()
        for p in out.rglob("*.csv")
        if names.loc[1, "name_en"] in p.read_text(encoding="utf-8-sig")
    ]
    assert sorted(holders) == ["artefacts/07_names.csv", "artefacts/07_segments.csv"]
