"""The run config file under hostile or mistaken YAML (issue 14): a clear error naming the key
or the line, before any data is read or any run folder is made — never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from segkit.cli import app
from segkit.config import MAX_DEPTH, ConfigFileError, RunConfig, load_yaml
from segkit.privacy import PII_KINDS

runner = CliRunner()

CASES = {
    "python-object": (
        'demo: !!python/object/apply:os.system ["touch PWNED"]\n',
        "not valid run-config YAML at line 1: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    "deep": ("demo: " + "[" * 5000 + "]" * 5000 + "\n", f"nested more than {MAX_DEPTH} levels"),
    "duplicate-top": (
        "demo: {}\nreport: {reidentify: false}\nreport: {reidentify: true}\n",
        "key 'report' is given twice (lines 2 and 3)",
    ),
    "duplicate-nested": (
        "demo: {}\nreport:\n  reidentify: false\n  min_report_size: 5\n  reidentify: true\n",
        "key 'reidentify' is given twice (lines 3 and 5)",
    ),
    "duplicate-flow": (
        "demo: {}\nreport: {reidentify: false, reidentify: true}\n",
        "key 'reidentify' is given twice on line 2",
    ),
    "broken": ("demo: {customers: [\n", "not valid run-config YAML at line 2"),
    "address-role": (
        "source: {path: tx.csv, columns: {customer_id: a, date: b, amount: c}}\n"
        "master: {path: crm.csv, customer_id: 客户编号, pii: {name: 姓名, address: 地址}}\n",
        "master.pii: Value error, unknown personal-data role(s) ['address']",
    ),
    "kprototypes": (
        "demo: {}\nsegment: {method: kprototypes}\n",
        "segment: Value error, kprototypes needs categorical columns",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_config_is_one_clear_error_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    text, expected = CASES[name]
    monkeypatch.chdir(tmp_path)
    config = tmp_path / f"{name}.yaml"
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["report", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {config}: "), result.output
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [config.name]  # no run, no PWNED


def test_duplicate_keys_are_never_resolved_silently() -> None:
    """PyYAML alone keeps the last value (``reidentify`` false then true → true)."""
    import yaml

    text = "report: {reidentify: false}\nreport: {reidentify: true}\n"
    assert yaml.safe_load(text) == {"report": {"reidentify": True}}
    with pytest.raises(ConfigFileError, match="given twice"):
        load_yaml(text)


def test_nesting_at_the_limit_is_read_and_merge_keys_still_work() -> None:
    nested = "a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n"
    value = load_yaml(nested)["a"]
    for _ in range(MAX_DEPTH - 2):
        value = value[0]
    assert value == [1]
    merged = load_yaml("base: &b {k_min: 2}\nsegment:\n  <<: *b\n  k_max: 6\n")
    assert merged["segment"] == {"k_min": 2, "k_max": 6}


def test_every_documented_pii_role_is_accepted() -> None:
    pii = {kind: f"col_{kind}" for kind in PII_KINDS}
    cfg = RunConfig.model_validate(
        {"demo": {}, "master": {"path": "crm.csv", "pii": pii}}  # demo + master: both allowed
    )
    assert cfg.master is not None and cfg.master.pii == pii
    with pytest.raises(ValidationError, match="unknown personal-data role"):
        RunConfig.model_validate({"demo": {}, "master": {"path": "m.csv", "pii": {"地址": "x"}}})


def test_report_methods_are_the_ones_step_05_runs() -> None:
    from segkit.workflow.report_params import CLOSED_STRINGS

    for method in CLOSED_STRINGS["method"]:
        seg: dict[str, object] = {"method": method}
        if method == "kprototypes":  # clusters the step-3 features with master attributes
            seg["categorical"] = ["gender", "income_band"]
        assert RunConfig.model_validate({"demo": {}, "segment": seg})
    with pytest.raises(ValidationError, match="kprototypes or gower only"):
        RunConfig.model_validate({"demo": {}, "segment": {"categorical": ["gender"]}})


def test_example_configs_still_load() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    files = sorted(examples.glob("*.yaml"))
    assert files
    for path in files:
        assert isinstance(RunConfig.from_yaml(path), RunConfig), path


def test_an_oversized_config_file_is_refused(tmp_path: Path) -> None:
    from segkit.config import MAX_BYTES

    config = tmp_path / "big.yaml"
    config.write_text("demo: {}\n" + "# padding\n" * (MAX_BYTES // 10 + 1), encoding="utf-8")
    with pytest.raises(ConfigFileError, match="larger than 1,000,000 bytes"):
        RunConfig.from_yaml(config)
    (tmp_path / "gbk.yaml").write_bytes("client: 华东\ndemo: {}\n".encode("gbk"))
    with pytest.raises(ConfigFileError, match="not UTF-8 text"):
        RunConfig.from_yaml(tmp_path / "gbk.yaml")


def test_report_audience_defaults_to_client_and_is_checked(tmp_path: Path) -> None:
    assert RunConfig.model_validate({"demo": {}}).report.audience == "client"
    cfg = RunConfig.model_validate({"demo": {}, "report": {"audience": "training"}})
    assert cfg.report.audience == "training"
    with pytest.raises(ValidationError, match="audience"):
        RunConfig.model_validate({"demo": {}, "report": {"audience": "students"}})
    # `segkit report --audience` is checked before any work
    args = ["report", "--demo", "--audience", "students", "--reports-root", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "audience" in result.output
    assert not any(tmp_path.iterdir())
