"""The method notebooks: committed clean, one well-formed parameters cell, and a real chained
papermill run of all of them in one run folder, as ``segkit report`` runs them."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from segkit.atomic import write_text
from segkit.config import NOTEBOOK_PARAMETERS, RunConfig, notebook_parameters
from segkit.workflow.artefacts import ARTEFACTS, CONDITIONAL, NOTEBOOKS, RunFolder

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "src" / "segkit" / "notebooks"
PARAM_LINE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*): (?P<type>str|int|bool|float) = (?P<default>.+?)  # \S.*$"
)
REQUIRED = ("run_dir", "language", "seed", "smoke")
#: artefact → its columns, as docs/report-run.md fixes them
CONTRACT_COLUMNS = {
    "tiers": "customer_id value_tier abc_class rfm_score rfm_segment lifecycle_stage growth_tier "
    "clv",
    "tier_thresholds": "rule tier column lower upper condition",
    "assignments": "customer_id segment",
    "segments": "segment value lifecycle growth value_share value_index lifecycle_share "
    "lifecycle_index growth_share growth_index name_zh name_en size share stability verdict",
    "quality": "check detected removed changed flagged",
    "migration": "before after customers share",
}


def _notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)


def test_every_run_notebook_exists_and_nothing_else() -> None:
    assert sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_clean(name: str) -> None:
    nb = _notebook(name)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a code cell has outputs (run nbstripout)"
            assert cell.execution_count is None, f"{name}: a code cell has an execution count"
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## 练习 Exercises")
    assert re.search(r"^1\. ", last.source, re.M), f"{name}: the exercises are a numbered list"
    # course material is tagged `training`: a client report leaves it out
    assert "training" in last.metadata.get("tags", []), f"{name}: exercises not tagged training"
    for cell in nb.cells:
        if "training" not in cell.metadata.get("tags", []):
            for word in ("练习", "本课程", "The course", "00_overview.ipynb", "run.describe()"):
                assert word not in cell.source, f"{name}: {word!r} outside a training cell"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_has_one_wellformed_parameters_cell(name: str) -> None:
    cells = [c for c in _notebook(name).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{name}: {len(cells)} cells tagged 'parameters'"
    declared: dict[str, str] = {}
    for line in cells[0].source.splitlines():
        match = PARAM_LINE.match(line)
        assert match, f"{name}: parameter line {line!r} is not `name: type = default  # help`"
        declared[match["name"]] = match["type"]
        # the default is a literal of the declared type
        value = eval(match["default"], {"__builtins__": {}})
        assert type(value).__name__ == match["type"], line
    assert set(REQUIRED) <= set(declared), f"{name}: declares {sorted(declared)}"
    for param, typ in declared.items():
        assert param in NOTEBOOK_PARAMETERS, f"{name}: {param} is not in NOTEBOOK_PARAMETERS"
        assert NOTEBOOK_PARAMETERS[param].__name__ == typ, f"{name}: {param} is not {typ}"
    # papermill must see every one (it skips a line with a second '=', e.g. in the help)
    import papermill as pm

    assert set(pm.inspect_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"))) == set(declared)


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts.extend(str(data.get(k, "")) for k in ("text/plain", "text/html"))
    return "\n".join(parts)


@pytest.mark.slow
def test_chained_papermill_run_writes_every_artefact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All notebooks, in order, in ONE run folder, with the report runner's parameters."""
    import papermill as pm

    from segkit.paths import new_run_dir
    from segkit.workflow import open_run
    from segkit.workflow.collect_data import collect_step

    monkeypatch.setenv("SEGKIT_HOME", str(tmp_path))  # the kernels inherit it
    cfg = RunConfig.model_validate(
        {"client": "nbtest", "smoke": True, "seed": 7, "language": "both",
         "demo": {"customers": 500, "seed": 7, "messy": True}}
    )  # fmt: skip
    run_dir = new_run_dir(cfg.client, root=tmp_path / "reports")
    folder = RunFolder(run_dir)
    write_text(folder.path("params"), cfg.to_yaml())
    params = notebook_parameters(cfg, run_dir)
    for name in NOTEBOOKS:
        src = NOTEBOOK_DIR / f"{name}.ipynb"
        declared = pm.inspect_notebook(str(src))
        out = folder.path("notebooks") / f"{name}.ipynb"
        out.parent.mkdir(exist_ok=True)
        pm.execute_notebook(
            str(src), str(out), parameters={k: v for k, v in params.items() if k in declared},
            kernel_name="python3", cwd=str(out.parent), progress_bar=False,
        )  # fmt: skip

    # every artefact of the steps exists (k was voted on, n_boot > 0: all of them)
    # (CONDITIONAL: a table or survey source's, and a rule method's: not this k-means run)
    missing = [
        n
        for n, rel in ARTEFACTS.items()
        if rel.startswith("artefacts/") and n not in CONDITIONAL and not folder.exists(n)
    ]
    assert missing == []
    assert not any(folder.exists(n) for n in CONDITIONAL)
    # the columns the report and the Excel table read (docs/report-run.md)
    for artefact, columns in CONTRACT_COLUMNS.items():
        assert list(folder.read_frame(artefact).columns) == columns.split(), artefact
    tiers = folder.read_frame("tiers")
    assignments = folder.read_frame("assignments")
    segments = folder.read_frame("segments")
    customers = folder.read_frame("customers")
    assert {"gender", "age", "acquisition_channel", "q01"} <= set(customers.columns)
    # one segmentation throughout: same customers; names only at step 7
    assert (
        sorted(assignments["customer_id"])
        == sorted(customers["customer_id"])
        == sorted(tiers["customer_id"])
    )
    assert segments["size"].sum() == len(customers)
    names = folder.read_frame("names").set_index("segment")["name_zh"]
    assert names.to_dict() == segments.set_index("segment")["name_zh"].to_dict()
    assert set(assignments["segment"]) == set(names.index)
    migration = folder.read_frame("migration")
    assert migration.groupby("before")["share"].sum().round(9).isin([0.0, 1.0]).all()
    # the cleaning account balances
    quality = folder.read_frame("quality").set_index("check")["detected"]
    assert quality["records read"] == quality["rows kept"] + quality["rows quarantined"]
    assert quality["rows quarantined"] > 0  # the messy demo has duplicates and missing ids

    # the executed notebooks: figures rendered, no error, no personal data anywhere
    demo = pd.read_csv(tmp_path / "data" / "demo-500-7-messy" / "customers.csv", dtype=str)
    pii = set(demo["phone"]) | set(demo["id_number"]) | set(demo["name"])
    from segkit.plots import use_cjk_font

    cjk = use_cjk_font() is not None
    images = 0
    for name in NOTEBOOKS:
        nb = nbformat.read(folder.path("notebooks") / f"{name}.ipynb", as_version=4)
        outs = [o for c in nb.cells for o in c.get("outputs", [])]
        assert not [o for o in outs if o.output_type == "error"], name
        images += sum("image/png" in o.get("data", {}) for o in outs)
        text = _outputs_text(nb)
        assert not [v for v in pii if v in text], f"{name} shows personal data"
        assert "Text(" not in text, f"{name}: a plot cell does not end with ';'"
        if cjk:  # Chinese labels rendered by a real font, not boxes
            assert "missing from font" not in text, name
    assert images >= 15
    assert "P" in customers["phone"].iloc[0]  # pseudonymised in the artefact too
    assert not customers["phone"].isin(demo["phone"]).any()

    # a run folder is only ever added to: running a step again refuses to overwrite
    with pytest.raises(FileExistsError):
        collect_step(open_run(run_dir))
    assert folder.read_json("cluster_model")["k"] == segments["segment"].nunique()
