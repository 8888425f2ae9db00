"""The wheel is complete (issue 11): it holds the step notebooks and the YAML data, and
``segkit report --demo`` runs from it in a fresh virtual environment.

The wheel is built with ``pip wheel --no-deps`` (pip builds it in an isolated environment with
the build backend of pyproject.toml, hatchling, fetched from the package index). The temporary
venv is made *without* ``--system-site-packages`` (that would also expose the checkout's
segkit): segkit comes only from the wheel, and a ``.pth`` file appends this environment's
site-packages folder for the dependencies — a plain path line, so the ``.pth`` files in that
folder (an editable install of segkit) are not processed. The dependencies' data files outside
site-packages (nbconvert's templates in ``share/jupyter/nbconvert``) are linked into the
temporary venv's prefix, where pip would have put them. The Jupyter kernel is registered in
the temporary venv's own prefix, so nothing is registered outside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from segkit.workflow.artefacts import NOTEBOOKS

REPO = Path(__file__).resolve().parents[1]
DATA_FILES = sorted(p.name for p in (REPO / "src" / "segkit" / "data").glob("*.yaml"))

pytestmark = pytest.mark.slow


def _run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None):
    done = subprocess.run(
        args, capture_output=True, text=True, env=env, cwd=cwd, timeout=900, check=False
    )
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)])
    (path,) = out.glob("segkit-*.whl")
    return path


def test_wheel_holds_the_notebooks_and_the_yaml_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert len(DATA_FILES) >= 3, DATA_FILES
    for name in DATA_FILES:
        assert f"segkit/data/{name}" in names
    for name in NOTEBOOKS:
        assert f"segkit/notebooks/{name}.ipynb" in names
    # test helpers stay out of the shipped notebooks folder
    assert not [n for n in names if n.startswith("segkit/notebooks/") and n.endswith(".py")]


def test_report_runs_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    site = Path(purelib.stdout.strip())
    (site / "_segkit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    share = venv / "share" / "jupyter"
    share.mkdir(parents=True)
    (share / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)]
    )  # fmt: skip

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER"))}
    env |= {
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv),
        "HOME": str(tmp_path / "home"),  # no user-level kernels or config
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter"),
        "SEGKIT_HOME": str(tmp_path / "project"),
        "SEGKIT_KEY_FILE": str(tmp_path / "pseudonym.key"),
        "MPLCONFIGDIR": str(tmp_path / "mpl"),
    }
    env.pop("SEGKIT_NOTEBOOKS", None)
    (tmp_path / "home").mkdir()
    where = _run(
        [str(python), "-c", "import segkit; print(segkit.__file__)"], env=env, cwd=tmp_path
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    reports = tmp_path / "reports"
    _run(
        [str(venv / "bin" / "segkit"), "report", "--demo", "--smoke", "--customers", "300",
         "--reports-root", str(reports), "--quiet"],
        env=env, cwd=tmp_path,
    )  # fmt: skip
    (run,) = [p for p in reports.rglob("report.html")]
    assert run.stat().st_size > 10_000
    executed = sorted(p.stem for p in (run.parent / "notebooks").glob("*.ipynb"))
    assert executed == sorted(NOTEBOOKS)
    # the kernel went into the temporary venv, nowhere else
    assert (venv / "share" / "jupyter" / "kernels" / "segkit" / "kernel.json").is_file()
