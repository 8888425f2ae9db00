"""A run: its folder and validated config, and opening one.

The step modules (:mod:`segkit.workflow.collect_data`, :mod:`~segkit.workflow.clean_data`,
:mod:`~segkit.workflow.variables_tiers`, :mod:`~segkit.workflow.model`) build on this module;
:mod:`segkit.workflow.chain`, which runs them in order (a scratch run), sits above them all,
so the step modules never import each other in a circle.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.config import DemoSpec, RunConfig
from segkit.workflow.artefacts import ARTEFACTS, NOTEBOOKS, RunFolder, private_config_path
from segkit.workflow.profiling import DEMO_AS_OF as _DEMO_AS_OF

#: the demo company's analysis date (its transactions end here)
DEMO_AS_OF = dt.date.fromisoformat(_DEMO_AS_OF)
#: customers of a scratch demo: small, so a notebook opened on its own runs in seconds
SCRATCH_CUSTOMERS = 1500
SCRATCH_CUSTOMERS_SMOKE = 600


#: notebook → (Chinese title, English title)
STEP_TITLES: dict[str, tuple[str, str]] = {
    "00_overview": ("方法总览", "The method at a glance"),
    "01_collect": ("数据收集", "Collect data"),
    "02_clean": ("数据清洗与整理", "Clean, profile and integrate"),
    "03_variables": ("选择细分变量", "Choose segmentation variables"),
    "04_tiers": ("规则分层：价值、RFM、生命周期、CLV", "Rule tiers: value, RFM, lifecycle, CLV"),
    "05_cluster": ("聚类分析", "Cluster analysis"),
    "06_validate": ("验证与调整", "Validate the segments"),
    "07_name_and_strategy": ("命名与管理策略", "Name the segments, plan the strategy"),
    "08_monitor": ("动态监测", "Monitor segment migration"),
}


@dataclass(frozen=True)
class Run:
    """A run folder and its validated config (``params.yaml``)."""

    folder: RunFolder
    config: RunConfig

    @property
    def root(self) -> Path:
        return self.folder.root

    @property
    def lang(self) -> str:
        """Label language of tiers and names: ``en`` only when the run asks for English."""
        return "en" if self.config.language == "en" else "zh"

    def describe(self) -> str:
        """The run folder (relative to the workspace when inside it) and its data, for display;
        paste the folder into ``run_dir`` to continue this run in the next notebook."""
        try:
            where = self.root.relative_to(workspace()).as_posix()
        except ValueError:
            where = str(self.root)
        demo = self.config.demo
        data = f"demo company, {demo.customers:,} customers" if demo else "client files"
        return f"run folder 运行目录: {where} ({data})"

    def suppressed(self) -> frozenset[str]:
        """The segments (as text) smaller than ``report.min_report_size``: a report shows
        none of their figures (sizes, shares, names, centres, profiles, migrations)."""
        if not self.folder.exists("assignments"):
            return frozenset()
        counts = self.folder.read_frame("assignments")["segment"].value_counts()
        small = counts[counts < self.config.report.min_report_size].index
        return frozenset(str(s) for s in small)

    def reportable(self, obj: Any, *, by: pd.Series | None = None) -> Any:
        """``obj`` without the figures of the segments below ``report.min_report_size``
        (:meth:`suppressed`), for display in a notebook and so in the report.

        * ``by`` given: ``obj`` (Series or DataFrame) has one row per customer, in the order
          of the labels ``by``; the rows of suppressed segments are dropped.
        * a Series named ``segment`` (customer labels): its suppressed rows are dropped.
        * a DataFrame with a ``segment`` column: those rows are dropped; otherwise index
          labels and column labels that are suppressed segments are dropped (segment-keyed
          tables such as sizes, centres, profiles, confusion and migration matrices).

        Examples
        --------
        >>> import tempfile
        >>> from segkit.workflow.artefacts import RunFolder
        >>> folder = RunFolder(tempfile.mkdtemp())
        >>> _ = folder.write_frame("assignments", pd.DataFrame(
        ...     {"customer_id": list("abcdefg"), "segment": [1, 1, 1, 1, 1, 2, 2]}))
        >>> run = Run(folder, RunConfig.model_validate({"demo": {}}))
        >>> sorted(run.suppressed())
        ['2']
        >>> m = pd.DataFrame([[0.9, 0.1], [0.2, 0.8]], index=[1, 2], columns=[1, 2])
        >>> run.reportable(m).shape, run.reportable(pd.Series([1, 2, 2], name="segment")).tolist()
        ((1, 1), [1])
        """
        small = self.suppressed()
        if not small:
            return obj
        if by is not None:
            keep = ~pd.Series(by).astype(str).isin(small).to_numpy()
            return obj[keep]
        if isinstance(obj, pd.Series):
            return obj[~obj.astype(str).isin(small)]
        if "segment" in obj.columns:
            return obj[~obj["segment"].astype(str).isin(small)]
        rows = ~obj.index.astype(str).isin(small)
        cols = ~obj.columns.astype(str).isin(small)
        return obj.loc[rows, cols]

    def demo_dir(self) -> Path:
        """Where the demo company's files are (generated on first use, never rewritten)."""
        demo = self.config.demo
        if demo is None:
            raise ValueError("this run reads client files, not the demo company")
        suffix = "-messy" if demo.messy else ""
        return ensure_demo(
            workspace() / "data" / f"demo-{demo.customers}-{demo.seed}{suffix}", demo
        )


def workspace() -> Path:
    """The project folder holding ``data/`` and ``reports/``.

    ``$SEGKIT_HOME`` when set; otherwise the nearest folder, from the current one upwards,
    that has both ``data/`` and ``reports/`` (a notebook runs in ``notebooks/`` of the
    project); otherwise the current folder.
    """
    if home := os.environ.get("SEGKIT_HOME"):
        return Path(home).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data").is_dir() and (folder / "reports").is_dir():
            return folder
    return here


def ensure_demo(folder: Path, spec: DemoSpec) -> Path:
    """Generate the demo company into ``folder`` unless it is there (atomic: a half-written
    folder is never seen by another process)."""
    from segkit import datasets

    if (folder / "transactions.csv").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        demo = datasets.make_demo(spec.customers, seed=spec.seed, as_of=str(DEMO_AS_OF))
        datasets.write_demo(demo, tmp, messy=spec.messy)
        try:
            tmp.rename(folder)
        except OSError:  # another process finished first: use its copy
            if not (folder / "transactions.csv").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def open_run(run_dir: str | Path) -> Run:
    """Open a run folder made by ``segkit report`` (or :func:`scratch_run`); a relative path
    that is not below the current folder is taken relative to the workspace."""
    path = Path(run_dir)
    if not path.is_absolute() and not path.exists():
        path = workspace() / path
    folder = RunFolder(path)
    params = folder.path("params")
    if not params.exists():
        raise FileNotFoundError(
            f"{params} is missing: run_dir must be a run folder made by `segkit report`"
        )
    if folder.path("log").exists():
        log_to_run(folder.path("log"))
    private = private_config_path(path.resolve())  # the unmasked config, when params.yaml is masked
    return Run(folder=folder, config=RunConfig.from_yaml(private if private.exists() else params))


def log_to_run(path: Path) -> None:
    """Append segkit's warnings from the notebook's kernel to the run's ``run.log`` (masked,
    like the report's own lines); idempotent per file."""
    import logging

    from segkit.privacy import install_log_masking

    logger = logging.getLogger("segkit")
    target = str(Path(path).resolve())
    if any(getattr(h, "baseFilename", None) == target for h in logger.handlers):
        return
    handler = logging.FileHandler(target, encoding="utf-8")  # append mode
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    install_log_masking(logger)


def overview(run: Run) -> pd.DataFrame:
    """One row per notebook: its titles, the artefacts it writes and whether they exist."""
    rows = []
    for nb in NOTEBOOKS:
        prefix = f"artefacts/{nb[:2]}_"
        names = [n for n, rel in ARTEFACTS.items() if rel.startswith(prefix)]
        zh, en = STEP_TITLES[nb]
        rows.append(
            {"notebook": nb, "步骤": zh, "step": en,
             "artefacts": ", ".join(Path(ARTEFACTS[n]).name for n in names),
             "written": sum(run.folder.exists(n) for n in names)}
        )  # fmt: skip
    return pd.DataFrame(rows)
