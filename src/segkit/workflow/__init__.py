"""The method's steps as functions over a run folder (what the notebooks call).

Each step reads the artefacts of the earlier steps from a run folder
(:class:`segkit.workflow.artefacts.RunFolder`), computes with the package's modules, writes its own
artefacts (never overwriting) and returns a small result object for the notebook to show
and plot. :func:`start` opens the run folder given by ``segkit report`` or, for a notebook
opened on its own, creates a scratch run on a small demo company and runs the earlier steps.

==================  ==================================  =========================================
notebook            step                                 artefacts written
==================  ==================================  =========================================
01_collect          :func:`collect_step`                 ``01_transactions``, rejects, sources
02_clean            :func:`clean_step`                   clean transactions, quarantine, quality,
                                                         coverage, code book, profile, customers,
                                                         integration
03_variables        :func:`variables_step`               screening, factor loadings, features
04_tiers            :func:`tiers_step`                   tiers, thresholds
05_cluster          :func:`cluster_step`                 k selection, votes, assignments, centers,
                                                         model recipe
06_validate         :func:`validate_step`                stability, LDA, scoring rule, profiles
07_name_and_...     :func:`name_strategy_step`           segments, names, strategy
08_monitor          :func:`monitor_step`                 period assignments, migration, drift
==================  ==================================  =========================================

The run's source may be transactions, a customer table or a survey (``source.kind``):
steps 1–3 then read and clean the one-row-per-customer table (:mod:`segkit.workflow.table_steps`,
:mod:`segkit.workflow.table_variables`; a survey's factor scores are the clustering
features), steps 4 and 8 need dated transactions and are skipped, and :func:`skip_reason`
says why in one sentence.
"""

from __future__ import annotations

from segkit.workflow.chain import scratch_run, start, step_functions
from segkit.workflow.clean_data import CleanStep, clean_step
from segkit.workflow.collect_data import CollectStep, collect_step
from segkit.workflow.model import (
    ClusterStep,
    NameStep,
    ValidateStep,
    cluster_step,
    name_strategy_step,
    validate_step,
)
from segkit.workflow.monitor_step import MonitorStep, monitor_step
from segkit.workflow.run import STEP_TITLES, Run, open_run, overview, workspace
from segkit.workflow.table_steps import skip_reason, source_kind
from segkit.workflow.variables_tiers import TiersStep, VariablesStep, tiers_step, variables_step

__all__ = [
    "STEP_TITLES",
    "CleanStep",
    "ClusterStep",
    "CollectStep",
    "MonitorStep",
    "NameStep",
    "Run",
    "TiersStep",
    "ValidateStep",
    "VariablesStep",
    "clean_step",
    "cluster_step",
    "collect_step",
    "monitor_step",
    "name_strategy_step",
    "open_run",
    "overview",
    "scratch_run",
    "skip_reason",
    "source_kind",
    "start",
    "step_functions",
    "tiers_step",
    "validate_step",
    "variables_step",
    "workspace",
]
