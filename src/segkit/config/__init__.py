"""Typed configuration: what the data looks like and what a run does.

Three modules, one import point (everything public is re-exported here, so callers write
``from segkit.config import ColumnMap, RunConfig``):

* :mod:`segkit.config.data` — the input data: column roles (:class:`ColumnMap`), how a file
  is read (:class:`ReadOptions`), the cleaning policy (:class:`CleanPolicy`) and one
  transaction source (:class:`SourceConfig`);
* :mod:`segkit.config.loading` — reading a run config file safely (:func:`load_yaml`);
* :mod:`segkit.config.run` — the whole report run (:class:`RunConfig`) and the scalar
  parameters the notebooks receive (:func:`notebook_parameters`).

All models are frozen pydantic models that reject unknown keys, so a YAML run config is
checked before any data is touched.
"""

from segkit.config.data import (
    TRANSACTION_ROLES,
    CleanPolicy,
    ColumnMap,
    ReadOptions,
    SourceConfig,
    StrictModel,
)
from segkit.config.loading import MAX_BYTES, MAX_DEPTH, ConfigFileError, load_yaml
from segkit.config.run import (
    NOTEBOOK_PARAMETERS,
    DemoSpec,
    MasterSpec,
    MonitorSpec,
    ReportSpec,
    RunConfig,
    SegmentName,
    SegmentSpec,
    notebook_parameters,
)

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "NOTEBOOK_PARAMETERS",
    "TRANSACTION_ROLES",
    "CleanPolicy",
    "ColumnMap",
    "ConfigFileError",
    "DemoSpec",
    "MasterSpec",
    "MonitorSpec",
    "ReadOptions",
    "ReportSpec",
    "RunConfig",
    "SegmentName",
    "SegmentSpec",
    "SourceConfig",
    "StrictModel",
    "load_yaml",
    "notebook_parameters",
]
