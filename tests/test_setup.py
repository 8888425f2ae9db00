"""The set-up a newcomer runs (issue 19): the lock file pins every dependency, ``make test``'s
parts run every test exactly once, and scripts/system-deps.sh prints one line per stage."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
MARKS = ("slow", "spark", "shared")


def _locked(name: str) -> dict[str, str]:
    """Package → pinned version for this Python (markers of the universal lock evaluated)."""
    pins: dict[str, str] = {}
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def _check_pinned(wanted: list[str], pins: dict[str, str], lock: str) -> None:
    for text in wanted:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in {lock}: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {req.name}=={pins[name]}, outside {req.specifier}: run `make lock`"
        )


def test_locks_pin_every_dependency_within_its_range_and_agree() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    run, full = _locked("requirements.lock"), _locked("requirements-test.lock")
    _check_pinned(project["dependencies"], run, "requirements.lock")
    _check_pinned([*project["dependencies"], *extras["test"], *extras["spark"]], full,
                  "requirements-test.lock")  # fmt: skip
    assert "pyspark" not in run and "pytest" not in run  # make demo installs no test tools
    differ = {n: (v, full[n]) for n, v in run.items() if full.get(n) != v}
    assert not differ, f"the two locks disagree (run `make lock`): {differ}"


def _recipe(target: str) -> str:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.M)
    assert match, target
    return match.group(1)


def _marker_expression(target: str) -> str:
    found = re.findall(r'pytest -m "([^"]+)"', _recipe(target))
    assert len(found) == 1, target
    return found[0]


def _selects(expression: str, marks: dict[str, bool]) -> bool:
    # pytest's -m grammar (and, or, not, names) is Python's for these names
    return bool(eval(expression, {"__builtins__": {}}, dict(marks)))


def test_make_test_parts_run_every_test_exactly_once() -> None:
    parts = re.search(r"\$\(MAKE\) --no-print-directory (.+)", _recipe("test"))
    assert parts is not None
    targets = parts.group(1).split()
    assert targets[0] == "lint-check" and targets[-1] == "notebook-tests"
    pytest_parts = [t for t in targets if re.search(r'pytest -m "', _recipe(t))]
    expressions = {t: _marker_expression(t) for t in pytest_parts}
    for values in itertools.product([False, True], repeat=len(MARKS)):
        marks = dict(zip(MARKS, values, strict=True))
        chosen = [t for t, e in expressions.items() if _selects(e, marks)]
        assert len(chosen) == 1, (marks, chosen)
    # test-fast: lint and the unit part, never Spark, slow tests or the notebooks
    fast = _recipe("test-fast")
    assert "unit-tests" in fast and not re.search(r"spark|slow-tests|notebook", fast)
    assert not _selects(expressions["unit-tests"], {"slow": False, "spark": True, "shared": False})
    assert (REPO / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"


@pytest.fixture
def bare_path(tmp_path: Path) -> Path:
    """A PATH with the basic tools only: no fc-list, no chromium; apt-get and fc-cache stubs
    that log their calls (apt-get fails when $APT_FAILS is set)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("mktemp", "date", "tail", "rm", "id", "cat", "bash"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    calls = tmp_path / "calls.txt"
    for stub, body in {
        "apt-get": f'echo "apt-get $*" >> {calls}\n'
        'echo "E: Unable to locate package $*"\n[ -z "${APT_FAILS:-}" ]',
        "fc-cache": f'echo "fc-cache $*" >> {calls}',
    }.items():
        (bin_dir / stub).write_text(f"#!{shutil.which('bash')}\n{body}\n")
        (bin_dir / stub).chmod(0o755)
    return bin_dir


def _system_deps(bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = REPO / "scripts" / "system-deps.sh"
    full_env = {"PATH": str(bin_dir), "HOME": str(bin_dir.parent), **env}
    return subprocess.run(
        [str(bin_dir / "bash"), str(script)], capture_output=True, text=True, env=full_env
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs as root only")
def test_system_deps_prints_one_line_per_stage(bare_path: Path) -> None:
    proc = _system_deps(bare_path)
    assert proc.returncode == 0 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == (
        "segkit system packages: installing fonts-wqy-microhei chromium with apt-get (about 20 s)"
    )
    assert lines[1] == "segkit system packages: refreshing the font cache (about 2 s)"
    assert re.fullmatch(r"segkit system packages: done in \d+ s", lines[2])
    assert len(lines) == 3  # apt's own output is not shown
    calls = (bare_path.parent / "calls.txt").read_text().splitlines()
    assert calls[0].startswith("apt-get install -y --no-install-recommends fonts-wqy-microhei")


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs as root only")
def test_system_deps_shows_apt_output_only_on_failure(bare_path: Path) -> None:
    proc = _system_deps(bare_path, APT_FAILS="1")
    assert proc.returncode == 0  # never fails the build
    lines = proc.stderr.splitlines()
    assert "refreshing the package lists with apt-get update (about 10 s)" in lines[1]
    assert "second try" in lines[2]
    assert "could not install fonts-wqy-microhei chromium; install them by hand" in lines[3]
    assert any(line.startswith("E: Unable to locate package") for line in lines[4:])


STUB_PYTHON = r"""#!/usr/bin/env bash
# a stand-in for python, pip and uv: logs its calls, fails or sleeps on request
echo "python $*" >> "$CALLS"
here=$(cd "$(dirname "$0")" && pwd)
case "$*" in
  "-m venv "*)
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;
  "-m pip install --disable-pip-version-check uv")
    if [ -n "${NO_UV:-}" ]; then echo "ERROR: No matching distribution found for uv"; exit 1; fi
    printf '#!/usr/bin/env bash\necho "uv $*" >> "$CALLS"\nsleep "${UV_SLEEP:-0}"\n%s\n' \
      '[ -z "${UV_FAILS:-}" ] || { echo "error: No solution found"; exit 2; }' > "$here/uv"
    chmod +x "$here/uv" ;;
esac
exit 0
"""


def _setup_venv(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    stub = tmp_path / "python"
    stub.write_text(STUB_PYTHON)
    stub.chmod(0o755)
    full_env = {**os.environ, "CALLS": str(tmp_path / "calls.txt"), **env}
    argv = ["bash", str(REPO / "scripts" / "setup-venv.sh")]
    argv += list(args) if args else [str(stub), ".venv", "requirements.lock"]
    return subprocess.run(argv, capture_output=True, text=True, env=full_env, cwd=tmp_path)


def _calls(tmp_path: Path) -> list[str]:
    return (tmp_path / "calls.txt").read_text().splitlines()


def test_setup_venv_prints_each_stage_and_a_line_every_heartbeat(tmp_path: Path) -> None:
    proc = _setup_venv(tmp_path, SEGKIT_HEARTBEAT="1", UV_SLEEP="2.5")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("segkit set-up [1/4] virtual environment .venv with ")
    assert (
        lines[1]
        == "segkit set-up [2/4] the installer uv from PyPI (about 5 s; pip is the fallback)"
    )
    assert lines[2].startswith("segkit set-up [3/4] packages pinned in requirements.lock with uv")
    still = [line for line in lines if "… still installing packages (" in line]
    assert 1 <= len(still) <= 3, lines
    assert lines[-2] == "segkit set-up [4/4] Jupyter kernel 'segkit' in .venv (about 2 s)"
    assert re.fullmatch(r"segkit set-up done in \d+ s", lines[-1])
    assert proc.stderr == ""  # the installers' output is not shown when they succeed
    calls = _calls(tmp_path)
    assert "uv pip install --python .venv/bin/python -r requirements.lock" in calls
    assert "uv pip install --python .venv/bin/python --no-deps -e ." in calls
    assert calls[-1].startswith("python -m ipykernel install --sys-prefix --name segkit")


def test_setup_venv_falls_back_to_pip_without_uv(tmp_path: Path) -> None:
    proc = _setup_venv(tmp_path, NO_UV="1")
    assert proc.returncode == 0, proc.stderr
    assert "pip installs instead" in proc.stdout
    assert "packages pinned in requirements.lock with pip (about 4 min)" in proc.stdout
    assert "No matching distribution found for uv" in proc.stderr  # the reason is shown
    calls = _calls(tmp_path)
    assert "python -m pip install --disable-pip-version-check -r requirements.lock" in calls


def test_setup_venv_shows_the_installer_output_when_it_fails(tmp_path: Path) -> None:
    proc = _setup_venv(tmp_path, UV_FAILS="1")
    assert proc.returncode != 0
    assert "error: No solution found" in proc.stderr
    assert "[4/4]" not in proc.stdout  # stops at the failing stage


def test_setup_venv_extras_installs_the_test_lock(tmp_path: Path) -> None:
    assert _setup_venv(tmp_path).returncode == 0  # the venv first
    proc = _setup_venv(tmp_path, "extras", ".venv", "requirements-test.lock")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith(
        "segkit set-up [test] test and Spark packages pinned in requirements-test.lock"
    )
    assert (
        _calls(tmp_path)[-1] == "uv pip install --python .venv/bin/python -r requirements-test.lock"
    )
