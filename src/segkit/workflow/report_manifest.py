"""The ``manifest.json`` of a report run: what ran on what (versions, input hashes, the
config's hash, the as-of date), how each notebook went, and what failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from segkit import __version__
from segkit.atomic import DiskFullError, is_disk_full
from segkit.config import RunConfig
from segkit.privacy import mask_text
from segkit.workflow.artefacts import RunFolder
from segkit.workflow.report_kernel import StepRun

_VERSIONS = (
    "pandas", "numpy", "duckdb", "pyarrow", "scikit-learn", "scipy", "factor-analyzer",
    "matplotlib", "seaborn", "papermill", "nbformat", "nbconvert", "nbclient", "ipykernel",
    "openpyxl", "nh3", "pydantic",
)  # fmt: skip


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "segkit": __version__}
    for name in _VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["platform"] = platform.platform()
    return out


def as_of_record(cfg: RunConfig, run: RunFolder) -> dict[str, str | None]:
    """The analysis date: from the config, else from the profile (last purchase + recency)."""
    if cfg.as_of is not None:
        return {"value": cfg.as_of.isoformat(), "source": "config"}
    if run.exists("profile") and cfg.source_kind == "transactions":
        import pandas as pd

        prof = pd.read_parquet(run.path("profile"), columns=["last_purchase", "recency_days"])
        prof = prof.dropna()
        if len(prof):
            row = prof.iloc[0]
            day = pd.Timestamp(row["last_purchase"]).normalize() + pd.Timedelta(
                days=int(row["recency_days"])
            )
            return {"value": day.date().isoformat(), "source": "profile (last purchase + recency)"}
    if cfg.source_kind != "transactions":
        return {"value": None, "source": f"none (source.kind {cfg.source_kind}: no dates)"}
    return {"value": None, "source": "unknown (the profile was not written)"}


def failure_record(stage: str, exc: BaseException) -> dict[str, str]:
    """What the manifest says about a failure outside the notebooks (one masked line)."""
    if is_disk_full(exc):
        what = str(exc if isinstance(exc, DiskFullError) else DiskFullError(None))
    else:
        text = str(exc).strip()
        what = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
    return {"stage": stage, "message": mask_text(what)[:500]}


def start_manifest(cfg: RunConfig, run_dir: Path, notebooks_dir: Path) -> dict[str, Any]:
    """The manifest as a run starts (``status: running``)."""
    return {
        "segkit": __version__,
        "status": "running",
        "run_id": run_dir.name,
        "client": cfg.client,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "demo": cfg.demo.model_dump() if cfg.demo else None,
        "personal_data": {
            "report_html": "never shown",
            "segments_xlsx": "REIDENTIFIED: real names (report.reidentify = true)"
            if cfg.report.reidentify
            else "pseudonyms (keyed HMAC-SHA256)",
        },
        "notebooks_dir": str(notebooks_dir),
    }


def input_records(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The input files for the manifest: role, masked path, size and SHA-256."""
    return [
        {
            **f,
            "path": mask_text(f["path"]),  # a phone in a file name stays out
            "bytes": Path(f["path"]).stat().st_size,
            "sha256": sha256_file(Path(f["path"])),
        }
        for f in inputs
    ]


def finish_manifest(
    manifest: dict[str, Any],
    cfg: RunConfig,
    folder: RunFolder,
    steps: list[StepRun],
    started: float,
) -> None:
    """Complete the manifest whatever happened: status, as-of date, notebooks, versions,
    times."""
    manifest.setdefault("status", "failed")
    if manifest["status"] == "running":
        manifest["status"] = "failed"
    if "as_of" not in manifest:
        manifest["as_of"] = as_of_record(cfg, folder)
    manifest["notebooks"] = [
        {
            "name": s.name,
            "source_sha256": sha256_file(s.source),
            "parameters": s.parameters,
            "seconds": round(s.seconds, 2),
            "status": s.status,
        }
        for s in steps
    ]
    manifest["versions"] = _versions()
    manifest["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    manifest["seconds"] = round(time.perf_counter() - started, 2)


def load_manifest(run_dir: str | Path) -> dict[str, Any]:
    """Read a run's ``manifest.json``."""
    return dict(json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8")))
