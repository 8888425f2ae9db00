"""The report's parts without a kernel: the notebook parameters and inputs (the output
formats are tested in tests/outputs/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit.config import RunConfig
from segkit.workflow.report import NOTEBOOKS_ENV, default_notebooks_dir
from segkit.workflow.report_params import (
    ParameterError,
    check_parameter_code,
    declared_parameters,
    parameter_code,
    resolve_inputs,
    select_parameters,
)


def test_parameters_only_declared_known_names_and_closed_values() -> None:
    values = {"run_dir": "/r/x", "language": "zh", "seed": 1, "smoke": False, "k": 0}
    assert select_parameters(["seed", "k", "evil"], values, "/r/x") == {"seed": 1, "k": 0}
    with pytest.raises(ParameterError, match="not one of"):
        select_parameters(["language"], {**values, "language": 'zh"\nimport os'}, "/r/x")
    with pytest.raises(ParameterError, match="not one of"):
        select_parameters(["run_dir"], {**values, "run_dir": "/elsewhere"}, "/r/x")
    with pytest.raises(ParameterError, match="must be int"):
        select_parameters(["seed"], {**values, "seed": True}, "/r/x")


@pytest.mark.parametrize(
    "code",
    [
        'run_dir = "x"\nimport os\n',
        "seed = __import__('os').getpid()\n",
        'run_dir = "x" + "y"\n',
        'run_dir = "a\\\\"; print(1) #"\n',
        "seed = 2\n",
        'run_dir = "x"\nseed = 1\nextra = 3\n',
        "seed = (\n",
    ],
)
def test_parameter_code_must_be_the_exact_literals(code: str) -> None:
    with pytest.raises(ParameterError):
        check_parameter_code(
            code, {"run_dir": "x", "seed": 1} if "run_dir" in code else {"seed": 1}
        )


def test_papermill_translation_round_trips_or_is_refused() -> None:
    for value in ("/tmp/r/客户/20240101-000000-abc123", "/tmp/a b/c'd", "/tmp/x\\", 'C:\\r"q'):
        params = {"run_dir": value, "seed": 7, "smoke": True}
        try:
            check_parameter_code(parameter_code(params), params)
        except ParameterError:
            assert "\\" in value or '"' in value  # only odd paths may be refused


def test_declared_parameters_reads_the_contract_cell(tmp_path: Path) -> None:
    import nbformat

    cell = nbformat.v4.new_code_cell(
        'run_dir: str = ""  # the run folder; empty = a new scratch run\nk: int = 0  # 0 = vote\n'
        "seed = 42"
    )
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, tmp_path / "n.ipynb")
    assert declared_parameters(tmp_path / "n.ipynb") == ["run_dir", "k", "seed"]


def test_notebooks_dir_and_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOTEBOOKS_ENV, str(tmp_path))
    assert default_notebooks_dir() == tmp_path.resolve()
    (tmp_path / "tx_01.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    cfg = RunConfig.model_validate(
        {
            "source": {
                "path": "tx_*.csv",
                "columns": {"customer_id": "a", "date": "b", "amount": "a"},
            }
        }
    )
    resolved, files = resolve_inputs(cfg, tmp_path)
    assert resolved.source is not None and Path(resolved.source.path).is_absolute()
    assert files == [{"role": "transactions", "path": str(tmp_path / "tx_01.csv")}]
    with pytest.raises(ValueError, match="MISSING_FILE"):
        resolve_inputs(cfg, tmp_path / "nowhere")


def test_guard_catches_papermill_2_6_escaping() -> None:
    """papermill < 2.7 escaped only '"', so a backslash before a quote ended the string."""
    value = "/tmp/evil\\\"+__import__('os').system('id')#"
    old = 'run_dir = "{}"\n'.format(value.replace('"', '\\"'))
    compile(old, "<cell>", "exec")  # valid Python that would run os.system
    with pytest.raises(ParameterError):
        check_parameter_code(old, {"run_dir": value})
