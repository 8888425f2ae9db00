"""The run configuration: one YAML file describes a whole report run.

``segkit report --config run.yaml`` validates the file with these pydantic models before any
data is touched: unknown keys, wrong types and out-of-range values are rejected with a message
that names the key. The validated config is written to the run folder as ``params.yaml``; the
notebooks read it from there (column mappings, file paths), and papermill receives only the
scalar parameters listed in :data:`NOTEBOOK_PARAMETERS` — names from this module, never names
taken from the user's file.

Examples
--------
>>> cfg = RunConfig.model_validate({"client": "Acme", "demo": {"customers": 500}})
>>> cfg.segment.method, cfg.language, cfg.demo.customers
('kmeans', 'zh', 500)
>>> RunConfig.model_validate({"clent": "typo"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for RunConfig
clent
  Extra inputs are not permitted ...
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from segkit.config.data import CleanPolicy, SourceConfig, StrictModel
from segkit.config.loading import MAX_BYTES, ConfigFileError, load_yaml


class DemoSpec(StrictModel):
    """Use the bundled synthetic company instead of client files."""

    customers: int = Field(10_000, ge=50, le=2_000_000, description="number of customers")
    seed: int = Field(42, ge=0, description="generator seed")
    messy: bool = Field(False, description="add real-world mess (encodings, ¥ amounts, dups)")


class MasterSpec(StrictModel):
    """The customer master (CRM export): one row per customer."""

    path: str
    customer_id: str = "customer_id"
    #: personal-data columns: role (one of :data:`segkit.privacy.PII_KINDS`) → column
    pii: dict[str, str] = Field(default_factory=dict)
    #: the column holding the acquisition source (客户来源), if any
    source: str | None = None

    @field_validator("pii")
    @classmethod
    def _pii_roles(cls, value: dict[str, str]) -> dict[str, str]:
        from segkit.privacy import PII_KINDS

        unknown = sorted(set(value) - set(PII_KINDS))
        if unknown:
            raise ValueError(
                f"unknown personal-data role(s) {unknown}: segkit pseudonymises "
                f"{', '.join(PII_KINDS)}"
            )
        return value


class SegmentSpec(StrictModel):
    """How the clustering step segments customers."""

    #: k-prototypes (and gower: Gower distance + average linkage) cluster the numeric step-3
    #: features together with the ``categorical`` columns of the customer table
    method: Literal["kmeans", "minibatch", "ward", "gmm", "kprototypes", "gower"] = "kmeans"
    categorical: list[str] = Field(
        default_factory=list,
        description="categorical columns of the customer table (e.g. gender, city) that "
        "method kprototypes (or gower) clusters beside the numeric features",
    )
    k: int | None = Field(None, ge=2, le=30, description="None = chosen by the index vote")
    k_min: int = Field(2, ge=2, le=30)
    k_max: int = Field(10, ge=2, le=30)
    n_boot: int = Field(50, ge=0, le=1000, description="bootstrap resamples for stability")
    min_size: int = Field(30, ge=1, description="segments below this are flagged as too small")

    @model_validator(mode="after")
    def _range(self) -> SegmentSpec:
        if self.k_min > self.k_max:
            raise ValueError("segment.k_min must not exceed segment.k_max")
        if self.method == "kprototypes" and not self.categorical:
            raise ValueError(
                "kprototypes needs categorical columns: list them in segment.categorical "
                "(e.g. [gender, city])"
            )
        if self.categorical and self.method not in ("kprototypes", "gower"):
            raise ValueError("segment.categorical is clustered by method kprototypes or gower only")
        return self


class MonitorSpec(StrictModel):
    """Step 8: compare the period before ``split`` with the period up to ``as_of``."""

    months: int = Field(6, ge=1, le=60, description="length of each period in months")


class ReportSpec(StrictModel):
    """What the report shows."""

    title: str = Field("客户细分报告 Customer segmentation report", max_length=200)
    #: segments smaller than this are suppressed in the report (privacy)
    min_report_size: int = Field(5, ge=1)
    #: put real names / phones in the Excel table (off by default; recorded in the manifest)
    reidentify: bool = False
    #: ``client``: a deliverable without the course material (cells tagged ``training``:
    #: exercises, navigation, run-folder lines, file tables); ``training``: every cell.
    #: ``segkit report --demo`` sets ``training``.
    audience: Literal["client", "training"] = Field(
        "client", description="client (a deliverable) or training (with the exercises)"
    )


class SegmentName(StrictModel):
    """The analyst's name for one segment (either language may be left to the suggestion)."""

    zh: str | None = Field(None, min_length=1, max_length=80, description="Chinese name")
    en: str | None = Field(None, min_length=1, max_length=80, description="English name")

    @model_validator(mode="after")
    def _some(self) -> SegmentName:
        if self.zh is None and self.en is None:
            raise ValueError("give zh, en or both")
        return self

    def override(self) -> dict[str, str]:
        """The ``{"zh": ..., "en": ...}`` mapping :func:`segkit.naming.apply_names` takes."""
        return {lang: v for lang, v in (("zh", self.zh), ("en", self.en)) if v is not None}


_CLIENT = re.compile(r"^[\w\- .]{1,80}$", re.UNICODE)


class RunConfig(StrictModel):
    """A whole report run.

    Exactly one of ``demo`` and ``source`` gives the data: transactions (the demo, or
    ``source.kind: transactions``), a customer table or a survey (``source.kind``). The side
    tables ``master`` and ``survey`` join transactions only.
    """

    client: str = Field("demo", description="client name; slugified for the run folder")
    language: Literal["zh", "en", "both"] = "zh"
    seed: int = Field(42, ge=0, le=2**32 - 1)
    as_of: dt.date | None = Field(None, description="analysis date; default: day after the data")
    smoke: bool = Field(False, description="tiny, fast settings for tests and trials")
    demo: DemoSpec | None = None
    source: SourceConfig | None = None
    master: MasterSpec | None = None
    survey: str | None = Field(None, description="survey file (one row per customer)")
    policy: CleanPolicy = CleanPolicy()
    segment: SegmentSpec = SegmentSpec()
    monitor: MonitorSpec = MonitorSpec()
    report: ReportSpec = ReportSpec()
    names: dict[int, SegmentName] = Field(
        default_factory=dict,
        description="segment → {zh, en}: the analyst's names over step 7's suggestions; step 7 "
        "applies them once and every output (report, Excel table, CSV) reads step 7's names",
    )

    @field_validator("client")
    @classmethod
    def _client(cls, value: str) -> str:
        if not _CLIENT.match(value):
            raise ValueError("client: letters, digits, spaces, '-', '_', '.'; at most 80")
        return value

    def with_audience(self, audience: str) -> RunConfig:
        """This config with ``report.audience`` set (checked: ``client`` or ``training``), as
        ``segkit report --audience`` gives it."""
        data = {**self.report.model_dump(), "audience": audience}
        return self.model_copy(update={"report": ReportSpec.model_validate(data)})

    @model_validator(mode="after")
    def _one_source(self) -> RunConfig:
        if self.demo is None and self.source is None:
            raise ValueError("give either 'demo' or 'source'")
        if self.demo is not None and self.source is not None:
            raise ValueError("give 'demo' or 'source', not both")
        kind = self.source.kind if self.source is not None else "transactions"
        if kind != "transactions":
            for key in ("survey", "master"):
                if getattr(self, key) is not None:
                    raise ValueError(
                        f"{key}: a side table joins a transaction source; with source.kind "
                        f"{kind!r} the source is the one-row-per-customer table itself"
                    )
        return self

    @property
    def source_kind(self) -> str:
        """``transactions`` (the demo, or ``source.kind``), ``customers`` or ``survey``."""
        return self.source.kind if self.source is not None else "transactions"

    @classmethod
    def from_yaml(cls, path: str | Path) -> RunConfig:
        """Read and validate a YAML run config (:func:`load_yaml`: safe, no duplicate keys,
        bounded nesting)."""
        file = Path(path)
        if file.stat().st_size > MAX_BYTES:
            raise ConfigFileError(f"{path}: larger than {MAX_BYTES:,} bytes; not a run config")
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        data = load_yaml(text, str(path)) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: the run config must be a mapping of keys to values")
        return cls.model_validate(data)

    def to_yaml(self) -> str:
        """The config as YAML (what ``params.yaml`` holds)."""
        data = self.model_dump(mode="json")
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


#: the only names papermill ever receives, with their types; each notebook declares the
#: subset it uses in its ``parameters`` cell. Values come from :func:`notebook_parameters`.
NOTEBOOK_PARAMETERS: dict[str, type] = {
    "run_dir": str,
    "language": str,
    "seed": int,
    "smoke": bool,
    "method": str,
    "k": int,
    "k_min": int,
    "k_max": int,
    "n_boot": int,
    "months": int,
}


def notebook_parameters(cfg: RunConfig, run_dir: Path) -> dict[str, Any]:
    """The scalar papermill parameters of a run (``k = 0`` means "chosen by the vote").

    Every string value is either the run folder segkit created or a literal from a closed
    set, so nothing a user writes in the config reaches the notebook as code.

    Examples
    --------
    >>> cfg = RunConfig.model_validate({"demo": {}})
    >>> sorted(notebook_parameters(cfg, Path("/tmp/run")).items())[:3]
    [('k', 0), ('k_max', 10), ('k_min', 2)]
    """
    return {
        "run_dir": str(run_dir),
        "language": cfg.language,
        "seed": cfg.seed,
        "smoke": cfg.smoke,
        "method": cfg.segment.method,
        "k": cfg.segment.k or 0,
        "k_min": cfg.segment.k_min,
        "k_max": cfg.segment.k_max,
        "n_boot": cfg.segment.n_boot,
        "months": cfg.monitor.months,
    }
