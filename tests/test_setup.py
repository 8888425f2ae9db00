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
