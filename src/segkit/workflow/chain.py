"""The steps in order: a scratch run on a small demo company, and what every notebook
calls first (:func:`start`).

Examples
--------
>>> import tempfile
>>> run = scratch_run("01_collect", customers=200, root=tempfile.mkdtemp())
>>> run.config.demo.customers, run.folder.exists("params"), run.folder.exists("transactions")
(200, True, False)
>>> open_run(run.root).config == run.config
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from segkit.atomic import write_text
from segkit.config import DemoSpec, RunConfig, SegmentSpec
from segkit.paths import new_run_dir
from segkit.workflow.artefacts import NOTEBOOKS, RunFolder
from segkit.workflow.clean_data import clean_step
from segkit.workflow.collect_data import collect_step
from segkit.workflow.model import cluster_step, name_strategy_step, validate_step
from segkit.workflow.monitor_step import monitor_step
from segkit.workflow.run import (
    SCRATCH_CUSTOMERS,
    SCRATCH_CUSTOMERS_SMOKE,
    Run,
    open_run,
    workspace,
)
from segkit.workflow.variables_tiers import tiers_step, variables_step

__all__ = ["open_run", "scratch_run", "start", "step_functions"]


def step_functions() -> dict[str, Callable[[Run], Any]]:
    """Notebook name → its step function (called with the run config's settings)."""
    return {
        "01_collect": collect_step,
        "02_clean": clean_step,
        "03_variables": variables_step,
        "04_tiers": tiers_step,
        "05_cluster": cluster_step,
        "06_validate": validate_step,
        "07_name_and_strategy": name_strategy_step,
        "08_monitor": monitor_step,
    }


def scratch_run(
    upto: str = "01_collect",
    *,
    customers: int | None = None,
    seed: int = 42,
    smoke: bool = False,
    language: str = "zh",
    root: str | Path | None = None,
) -> Run:
    """A new run under ``reports/scratch/`` on a small demo company, with the steps before
    notebook ``upto`` already run.

    Parameters
    ----------
    upto : str
        A notebook name of :data:`segkit.workflow.artefacts.NOTEBOOKS`; the steps before it are run.
    customers : int, optional
        Demo size (default 1,500; 600 with ``smoke``).
    seed, smoke, language :
        As the notebook parameters; ``smoke`` also keeps the earlier steps cheap.
    root : path, optional
        The reports folder (default ``<workspace>/reports``).
    """
    if upto not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {upto!r}; one of {NOTEBOOKS}")
    n = customers or (SCRATCH_CUSTOMERS_SMOKE if smoke else SCRATCH_CUSTOMERS)
    cfg = RunConfig.model_validate(
        {
            "client": "scratch",
            "language": language,
            "seed": seed,
            "smoke": smoke,
            "demo": DemoSpec(customers=n, seed=seed, messy=True),
            "segment": SegmentSpec(k_max=6 if smoke else 8, n_boot=5 if smoke else 20),
        }
    )
    base = Path(root) if root is not None else workspace() / "reports"
    folder = RunFolder(new_run_dir("scratch", root=base))
    write_text(folder.path("params"), cfg.to_yaml())
    run = Run(folder=folder, config=cfg)
    for name, step in step_functions().items():
        if NOTEBOOKS.index(name) >= NOTEBOOKS.index(upto):
            break
        step(run)
    return run


def start(
    run_dir: str,
    notebook: str,
    *,
    seed: int = 42,
    smoke: bool = False,
    language: str = "zh",
) -> Run:
    """What every notebook calls first: the run folder ``run_dir``, or (``""``) a scratch run
    prepared up to ``notebook``."""
    if run_dir:
        return open_run(run_dir)
    return scratch_run(notebook, seed=seed, smoke=smoke, language=language)
