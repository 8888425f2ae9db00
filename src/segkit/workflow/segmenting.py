"""``segkit segment``: the method's steps 3, 5, 6 and 7 on a customer profile table.

The command is a caller of the same step functions the notebooks call. It makes a run folder
(the one artefact layout, :data:`segkit.workflow.artefacts.ARTEFACTS`) whose ``params.yaml``
names the profile file as its source, writes the profile as step 2's artefacts
(``02_profile``, ``02_customers``), and runs
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

    def summary_text(self) -> str:
        """A short, printable account of the segmentation (``summary.txt``)."""
        c, v = self.cluster, self.validate.validation
        lines = [f"Segmentation: {c.method}, {c.k} segments"]
        if c.selection is not None:
            lines.append(f"  k: {c.selection.reason_}")
        seg = self.named.plan.segments
        for r in seg.itertuples(index=False):
            lines.append(
                f"  {r.segment}: {r.name_zh} / {r.name_en} — {r.size:,} customers "
                f"({r.share:.1%}), value share {r.value_share:.1%}"
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
            lines.append(f"  note: preprocessing: {c.preprocessing}")
        lines.extend(f"  note: {n}" for n in v.notes)
        return "\n".join(lines)


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
    categorical: list[str] | None = None,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> SegmentRun:
    """Segment the customers of ``profile`` with the workflow's steps, in run folder ``out``.

    Parameters
    ----------
    profile : DataFrame
        One row per customer with ``customer_id`` (:func:`segkit.profile.build_profile`).
    out : path
        The run folder (new or empty).
    source : str
        The profile's file, recorded in ``params.yaml``.
    method : str
        A rule (``rfm``, ``value``, ``lifecycle``) or a clustering method.
    features : list of str, optional
        Clustering features taken as they are (``03_features``); by default step 3 screens
        the behavioural candidates (:func:`segkit.workflow.variables_tiers.variables_step`).
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
    if missing := [c for c in cat if c not in profile.columns]:
        raise InputError("no categorical column", column=missing[0], code="MISSING_COLUMN")
    stage = on_stage if on_stage is not None else (lambda name: None)
    run = new_segment_run(
        profile, out, source=source, method=method, seed=seed, k=k, k_range=k_range, n_boot=n_boot,
        min_size=min_size, categorical=cat,
    )  # fmt: skip
    stage("variables")
    if features is None:
        variables_step(run)
    else:
        table = run.folder.read_frame("customers")
        numeric = [f for f in features if f not in cat]
        run.folder.write_frame("features", table[["customer_id", *numeric]])
    stage("cluster")
    clustered = cluster_step(run, method=method, progress=progress, categorical=cat)
    stage("validate")
    validated = validate_step(run, progress=progress)
    stage("names and strategy")
    named = name_strategy_step(run)
    return SegmentRun(run=run, cluster=clustered, validate=validated, named=named)


def write_summary(done: SegmentRun) -> Path:
    """Write ``summary.txt`` into the run folder."""
    return write_text(done.run.folder.path("summary"), done.summary_text() + "\n")
