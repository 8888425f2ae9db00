"""``segkit segment``: the method's steps 3, 5, 6 and 7 on a customer table.

The table is a segkit profile or any table with one row per customer (a CRM export with
annual spend per product line, say): :func:`segkit.workflow.tables.prepare_table` names its
id column, features, categorical and value columns and the log rule, recorded in
``02_table.json``. The command is a caller of the same step functions the notebooks call.
It makes a run folder (the one artefact layout, :data:`segkit.workflow.artefacts.ARTEFACTS`)
whose ``params.yaml`` names the table's file as its source, writes the customers as step 2's
artefacts (``02_profile``, ``02_customers``), and runs
:func:`~segkit.workflow.variables_tiers.variables_step`,
:func:`~segkit.workflow.model.cluster_step`, :func:`~segkit.workflow.model.validate_step` and
:func:`~segkit.workflow.model.name_strategy_step` over it; ``summary.txt`` holds what the
command prints.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from segkit import datasets
>>> from segkit.clean.checks import clean
>>> from segkit.collect.sources import collect_frame
>>> from segkit.profile import build_profile
>>> from segkit.workflow.profiling import DEMO_COLUMNS
>>> demo = datasets.make_demo(300, seed=2)
>>> profile = build_profile(clean(collect_frame(demo.transactions, DEMO_COLUMNS)))
>>> out = Path(tempfile.mkdtemp()) / "seg"
>>> done = segment_profile(profile, out, source="p.parquet", method="value", n_boot=0)
>>> done.run.folder.exists("names"), done.run.folder.exists("assignments")
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.atomic import write_text
from segkit.config import RunConfig
from segkit.errors import InputError
from segkit.privacy import mask_text
from segkit.workflow.artefacts import RunFolder
from segkit.workflow.model import (
    ClusterStep,
    NameStep,
    ValidateStep,
    check_method,
    cluster_step,
    name_strategy_step,
    validate_step,
)
from segkit.workflow.run import Run
from segkit.workflow.segment import CLUSTER_METHODS, RULE_METHODS
from segkit.workflow.tables import CustomerTable, prepare_table
from segkit.workflow.variables_tiers import variables_step

#: every method ``segkit segment`` accepts (k-prototypes needs ``categorical`` columns)
METHODS = RULE_METHODS + CLUSTER_METHODS
#: the stages ``segkit segment`` announces: reading the profile, the steps, writing the summary
SEGMENT_STAGES = ("read", "variables", "cluster", "validate", "names and strategy", "write")


@dataclass
class SegmentRun:
    """A ``segkit segment`` run: its folder and what steps 5–7 returned."""

    run: Run
    cluster: ClusterStep
    validate: ValidateStep
    named: NameStep
    table: CustomerTable | None = None

    def summary_text(self) -> str:
        """A short, printable account of the segmentation (``summary.txt``)."""
        c, v = self.cluster, self.validate.validation
        lines = [f"Segmentation: {c.method}, {c.k} segments"]
        if (t := self.table) is not None and t.features is not None:
            value = t.value_column or "none (no value shares)"
            lines.append(f"  table: id {t.id_column}, {len(t.frame):,} customers, "
                         f"features {', '.join(t.features)}; value {value}")  # fmt: skip
            lines.extend(f"  note: {n}" for n in t.notes)
        if c.selection is not None:
            lines.append(f"  k: {c.selection.reason_}")
        seg = self.named.plan.segments
        for r in seg.itertuples(index=False):
            value = f", value share {r.value_share:.1%}" if "value_share" in seg else ""
            lines.append(
                f"  {r.segment}: {r.name_zh} / {r.name_en} — {r.size:,} customers "
                f"({r.share:.1%}){value}"
                + (f", stability {r.stability:.2f} ({r.verdict})" if "stability" in seg else "")
            )
        if (d := v.discriminant) is not None:
            lines.append(
                f"  discriminant analysis: cross-validated hit rate {d.hit_rate:.1%} "
                f"(chance {d.chance_proportional:.1%}), Wilks' Λ {d.wilks_lambda:.3f}"
            )
        if v.stability is not None:
            lines.append(f"  mean bootstrap Jaccard {v.stability.overall_mean:.2f}")
        if c.preprocessing:
            order = [*map(str, c.X.columns), *c.preprocessing]  # in feature order
            lines.append(f"  transformation (log rule {self._log()}): " + "; ".join(
                f"{col} {c.preprocessing[col]}" for col in dict.fromkeys(order)
                if col in c.preprocessing))  # fmt: skip
        lines.extend(f"  note: {n}" for n in v.notes)
        return "\n".join(lines)

    def _log(self) -> str:
        return self.table.log if self.table is not None else "auto"


def new_segment_run(
    profile: pd.DataFrame,
    out: str | Path,
    *,
    source: str,
    method: str = "kmeans",
    seed: int = 0,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    n_boot: int = 50,
    min_size: int = 30,
    categorical: list[str] | None = None,
) -> Run:
    """A run folder ``out`` holding ``params.yaml`` and the profile as step 2's artefacts.

    ``source`` is the profile file (recorded as the run's source; steps 1–2 made it, so they
    are not run again). The customers are sorted by ``customer_id``, so the run does not
    depend on the row order of the file.
    """
    if "customer_id" not in profile:
        raise InputError("the profile needs a customer_id column", code="MISSING_COLUMN")
    segment: dict[str, Any] = {"k": k, "k_min": k_range[0], "k_max": k_range[1],
                               "n_boot": n_boot, "min_size": min_size}  # fmt: skip
    if method not in RULE_METHODS:  # a rule is recorded in 05_model.json only
        segment["method"] = method
    if categorical:
        segment["categorical"] = list(categorical)
    cfg = RunConfig.model_validate(
        {"client": "segment", "seed": seed, "segment": segment,
         "source": {"path": mask_text(source),  # a phone in a file name stays out
                    "columns": {"customer_id": "customer_id", "date": "last_purchase",
                                "amount": "monetary"}}}
    )  # fmt: skip
    folder = RunFolder(out)
    write_text(folder.path("params"), cfg.to_yaml())
    table = profile.sort_values("customer_id", kind="stable").reset_index(drop=True)
    folder.write_frame("profile", table)
    folder.write_frame("customers", table)
    return Run(folder=folder, config=cfg)


def segment_profile(
    profile: pd.DataFrame,
    out: str | Path,
    *,
    source: str,
    method: str = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    n_boot: int = 50,
    seed: int = 0,
    min_size: int = 30,
    features: list[str] | None = None,
    id_col: str = "customer_id",
    categorical: list[str] | None = None,
    value_col: str | None = None,
    log: str = "auto",
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> SegmentRun:
    """Segment the customers of ``profile`` with the workflow's steps, in run folder ``out``.

    Parameters
    ----------
    profile : DataFrame
        One row per customer: a segkit profile (:func:`segkit.profile.build_profile`) or any
        customer table (:func:`segkit.hints.read_profile_table`).
    out : path
        The run folder (new or empty).
    source : str
        The profile's file, recorded in ``params.yaml``.
    method : str
        A rule (``rfm``, ``value``, ``lifecycle``) or a clustering method.
    features : list of str, optional
        Clustering features taken as they are (``03_features``); by default, on a segkit
        profile, step 3 screens the behavioural candidates
        (:func:`segkit.workflow.variables_tiers.variables_step`), on another table every
        numeric column but the id is a feature.
    id_col, value_col, log
        The id column, value column (default ``monetary`` on a profile, none on another
        table: no value shares) and log rule (``auto``, ``none``, ``all``) of
        :func:`segkit.workflow.tables.prepare_table`.
    categorical : list of str, optional
        Categorical columns of ``profile`` (e.g. gender, city) clustered beside the numeric
        features by ``method="kprototypes"`` (which needs them) or ``"gower"``;
        recorded as ``segment.categorical`` in ``params.yaml`` and described by the share
        of each level in the segment profiles.
    progress : bool
        Show the bars of the k vote and the bootstrap.
    on_stage : callable, optional
        Called with each stage of :data:`SEGMENT_STAGES` after ``read`` as it starts.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", code="UNKNOWN_METHOD")
    cat = list(categorical or [])
    check_method(method, cat)
    table = prepare_table(
        profile, id_col=id_col, features=features, categorical=cat,
        value_col=value_col, log=log, file=source,
    )  # fmt: skip
    stage = on_stage if on_stage is not None else (lambda name: None)
    run = new_segment_run(
        table.frame, out, source=source, method=method, seed=seed, k=k, k_range=k_range,
        n_boot=n_boot, min_size=min_size, categorical=cat,
    )  # fmt: skip
    run.folder.write_json("table", table.record(mask_text(source)))
    if len(table.excluded):
        run.folder.write_frame("excluded_customers", table.excluded)
    stage("variables")
    if table.features is None:
        variables_step(run)
    else:
        customers = run.folder.read_frame("customers")
        numeric = [f for f in table.features if f not in cat]
        run.folder.write_frame("features", customers[["customer_id", *numeric]])
    stage("cluster")
    clustered = cluster_step(run, method=method, progress=progress, categorical=cat)
    stage("validate")
    validated = validate_step(run, progress=progress)
    stage("names and strategy")
    named = name_strategy_step(run)
    return SegmentRun(run=run, cluster=clustered, validate=validated, named=named, table=table)


def write_summary(done: SegmentRun) -> Path:
    """Write ``summary.txt`` into the run folder."""
    return write_text(done.run.folder.path("summary"), done.summary_text() + "\n")
