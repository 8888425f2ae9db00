"""All paths in one place.

Raw data is never written to; each run writes into a new folder under the reports root.

* ``SEGKIT_HOME`` (default: the current directory) — the project folder holding ``data/``
  and ``reports/``.
* ``data_dir()``: ``<home>/data`` — raw inputs and the generated demo data.
* ``reports_dir()``: ``<home>/reports`` — one sub-folder per client and run.
* the pseudonymisation key lives outside both (see :func:`segkit.privacy.default_key_path`).

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> run = new_run_dir("Acme / 客户", root=root)
>>> run.parent.name, run.exists()
('Acme_客户', True)
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from pathlib import Path

_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def home() -> Path:
    """The project folder (``$SEGKIT_HOME`` or the current directory)."""
    return Path(os.environ.get("SEGKIT_HOME", ".")).resolve()


def data_dir() -> Path:
    """Raw inputs and demo data."""
    return home() / "data"


def reports_dir() -> Path:
    """Where report runs are written."""
    return home() / "reports"


def slugify(name: str, *, default: str = "run") -> str:
    """A safe single path component: no separators, no ``..``, no reserved device names.

    Examples
    --------
    >>> slugify("../../etc/passwd"), slugify("CON"), slugify("华东 区/2024")
    ('etc_passwd', '_CON', '华东_区_2024')
    """
    text = re.sub(r"[^\w\-]+", "_", name, flags=re.UNICODE).strip("._-")
    text = text[:80] or default
    if text.upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def new_run_dir(client: str, *, root: str | Path | None = None) -> Path:
    """Create ``<root>/<client>/<YYYYmmdd-HHMMSS>-<id>/``; never reuses an existing folder."""
    base = (Path(root) if root is not None else reports_dir()) / slugify(client)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    while True:
        run = base / f"{stamp}-{uuid.uuid4().hex[:6]}"
        try:
            run.mkdir(parents=True, exist_ok=False)
            return run
        except FileExistsError:  # pragma: no cover - 1 in 16M
            continue
