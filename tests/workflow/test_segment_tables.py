"""``segkit segment`` on customer tables (issue 13, item 1): an id column, features, the value
column and the log rule named on the command line (:mod:`segkit.workflow.tables`), read in
any encoding ``segkit profile`` reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from segkit.cli import app
from segkit.errors import InputError
from segkit.workflow.segmenting import segment_profile
from segkit.workflow.tables import prepare_table

runner = CliRunner()
SPEND = ["fresh", "milk", "grocery", "frozen", "detergents", "delicatessen"]
#: log-scale means of the three kinds of wholesale customer (hotels/restaurants/cafés buy
#: fresh and frozen food, retailers grocery, milk and detergents, delicatessens fine food)
GROUPS = {
    "horeca": [9.5, 7.0, 7.2, 8.3, 5.0, 6.5],
    "retail": [7.5, 9.0, 9.6, 6.5, 8.7, 6.8],
    "deli": [7.0, 8.5, 7.5, 6.2, 5.5, 8.6],
}


def wholesale(n_per: int = 100, seed: int = 13) -> pd.DataFrame:
    """A customer-level table like a wholesaler's: an id and six annual spend columns,
    log-normal within each of 3 groups (``group`` is the truth, not a column of the file)."""
    rng = np.random.default_rng(seed)
    parts = [
        pd.DataFrame(
            np.exp(rng.normal(mean, 0.35, size=(n_per, 6))).round(0), columns=SPEND
        ).assign(group=name)
        for name, mean in GROUPS.items()
    ]
    frame = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)
    frame.insert(0, "客户编号", [f"W{i:04d}" for i in range(len(frame))])
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """The same table as UTF-8 and as GB18030 CSV, and the true groups."""
    folder = tmp_path_factory.mktemp("tables")
    frame = wholesale()
    utf8, gb = folder / "wholesale.csv", folder / "wholesale_gb18030.csv"
    frame.drop(columns="group").to_csv(utf8, index=False)
    frame.drop(columns="group").to_csv(gb, index=False, encoding="gb18030")
    return utf8, gb, frame


def _segment(path: Path, out: Path, *args: str):
    return runner.invoke(
        app, ["segment", str(path), "--out", str(out), "--id-col", "客户编号", "--n-boot", "5",
              *args],
    )  # fmt: skip


def test_customer_table_untuned_votes_k_and_names_segments_from_spend(tables, tmp_path) -> None:
    utf8, gb, truth = tables
    outs = {}
    for name, path in (("utf8", utf8), ("gb18030", gb)):
        result = _segment(path, tmp_path / name)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        outs[name] = tmp_path / name
    run = outs["utf8"] / "artefacts"
    model = json.loads((run / "05_model.json").read_text(encoding="utf-8"))
    assert model["k_chosen_by"] == "vote" and model["k"] == 3
    assert model["value_column"] is None and model["log"] == "auto"
    # the log rule per column: milk's skewness is below 1 on this table, the others above
    assert model["preprocessing"]["milk"] == "standardise"
    assert model["preprocessing"]["fresh"] == "log1p + standardise"
    table = json.loads((run / "02_table.json").read_text(encoding="utf-8"))
    assert table["id_column"] == "客户编号" and table["features"] == SPEND
    assigned = pd.read_parquet(run / "05_assignments.parquet")
    # the GB18030 copy of the same file gives the same assignments and names
    other = pd.read_parquet(outs["gb18030"] / "artefacts" / "05_assignments.parquet")
    assert assigned.equals(other)
    names = pd.read_csv(run / "07_names.csv")
    other_names = pd.read_csv(outs["gb18030"] / "artefacts" / "07_names.csv")
    assert names.equals(other_names)
    groups = truth.set_index("客户编号").loc[assigned["customer_id"], "group"]
    assert adjusted_rand_score(groups, assigned["segment"]) == 1.0
    assert names["name_zh"].is_unique and names["name_en"].is_unique
    # different base names, from each segment's strongest traits (not "… customers 2")
    assert not names["name_en"].str.contains(r"\d$").any(), names["name_en"].tolist()
    assert all(any(c in n.lower() for c in SPEND) for n in names["name_en"])
    # no value column: no value shares, and the summary says so
    segments = pd.read_csv(run / "07_segments.csv")
    assert "value_share" not in segments
    summary = (outs["utf8"] / "summary.txt").read_text(encoding="utf-8")
    assert "value none (no value shares)" in summary and "value share" not in summary.replace(
        "no value shares", ""
    )
    assert "transformation (log rule auto): fresh log1p + standardise; milk standardise" in (
        summary
    )


def test_value_column_gives_value_shares(tables, tmp_path) -> None:
    utf8, _, _ = tables
    result = _segment(utf8, tmp_path / "run", "--value-col", "grocery", "--k", "3")
    assert result.exit_code == 0, result.output
    segments = pd.read_csv(tmp_path / "run" / "artefacts" / "07_segments.csv")
    assert segments["value_share"].sum() == pytest.approx(1.0)
    # segment 1 is the one that buys most grocery (canonical order by the value column)
    assert segments.sort_values("value_share")["segment"].iloc[-1] == 1
    assert "value share" in result.output


def test_log_rule_none_and_all(tables, tmp_path) -> None:
    frame = tables[2].drop(columns="group")
    for log, treatment in (("none", "standardise"), ("all", "log1p + standardise")):
        done = segment_profile(
            frame, tmp_path / log, source="wholesale.csv", id_col="客户编号", k=3, n_boot=0,
            log=log,
        )  # fmt: skip
        model = done.run.folder.read_json("cluster_model")
        assert model["log"] == log
        assert set(model["preprocessing"].values()) == {treatment}


def test_customer_table_errors_name_the_file_row_and_column(tables, tmp_path) -> None:
    utf8, _, truth = tables
    result = runner.invoke(app, ["segment", str(utf8), "--out", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert "column 'customer_id': [MISSING_COLUMN] no id column" in result.output
    assert "--id-col" in result.output and "Traceback" not in result.output
    bad = truth.drop(columns="group").astype({"milk": object})
    bad.loc[6, "milk"] = "n.v."  # the 8th line of the file
    bad.to_csv(tmp_path / "bad.csv", index=False)
    result = _segment(tmp_path / "bad.csv", tmp_path / "b")
    assert result.exit_code == 2
    assert "file 'bad.csv', row 8, column 'milk': [NOT_NUMERIC]" in result.output
    result = _segment(utf8, tmp_path / "c", "--features", "fresh,nope")
    assert result.exit_code == 2 and "column 'nope': [MISSING_COLUMN]" in result.output
    result = _segment(utf8, tmp_path / "d", "--log", "sqrt")
    assert result.exit_code == 2 and "--log must be one of auto, none, all" in result.output
    result = _segment(utf8, tmp_path / "e", "--categorical", "fresh")
    assert result.exit_code == 2 and "[UNSUPPORTED_METHOD] categorical columns are" in result.output
    negative = truth.drop(columns="group").assign(milk=lambda f: f["milk"] - 5000)
    negative.to_csv(tmp_path / "neg.csv", index=False)
    result = _segment(tmp_path / "neg.csv", tmp_path / "f", "--log", "all")
    assert result.exit_code == 2 and "column 'milk': [NEGATIVE_VALUES]" in result.output
    for name in "abcdef":
        assert not (tmp_path / name).exists()  # refused before the run folder is made


def test_prepare_table_leaves_out_incomplete_customers_and_checks_ids() -> None:
    frame = pd.DataFrame(
        {"source_row": [2, 3, 4, 5], "cid": ["a", "b", "c", "d"], "fresh": [1.0, None, 3, 4],
         "milk": [1.0, 2, None, 4], "flat": [7.0, 7, 7, 7], "city": ["x", "y", "x", "y"]}
    )  # fmt: skip
    table = prepare_table(frame, id_col="cid")
    assert table.features == ["fresh", "milk"] and table.value_column is None
    assert table.frame["customer_id"].tolist() == ["a", "d"]
    assert table.excluded.to_dict("list") == {
        "customer_id": ["b", "c"], "source_row": [3, 4], "reason": ["missing fresh", "missing milk"]
    }  # fmt: skip
    assert any("constant columns left out" in n for n in table.notes)
    assert prepare_table(frame, id_col="cid", categorical=["city"]).categorical == ["city"]
    with pytest.raises(InputError, match="DUPLICATE_ID"):
        prepare_table(frame.assign(cid=["a", "a", "b", "c"]), id_col="cid")
    with pytest.raises(InputError, match="DUPLICATE_ID_COLUMN"):
        prepare_table(frame.assign(customer_id=1), id_col="cid")
    with pytest.raises(InputError, match="NOT_NUMERIC"):
        prepare_table(frame, id_col="cid", value_col="city")


@pytest.mark.shared
def test_cc_general_as_a_customer_table(shared_data: Path, tmp_path: Path) -> None:
    """CC_GENERAL.csv (Kaggle "Credit Card Dataset for Clustering", 8 950 card holders, 17
    numeric columns, id CUST_ID) untuned from the command line."""
    out = tmp_path / "cc"
    result = runner.invoke(
        app, ["segment", str(shared_data / "CC_GENERAL.csv"), "--id-col", "CUST_ID",
              "--out", str(out), "--n-boot", "3", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    model = json.loads((out / "artefacts" / "05_model.json").read_text(encoding="utf-8"))
    assert model["k_chosen_by"] == "vote" and len(model["features"]) == 17
    # TENURE (mostly 12 months) is left-skewed: standardised, not logged
    assert model["preprocessing"]["TENURE"] == "standardise"
    assert model["preprocessing"]["PURCHASES"] == "log1p + standardise"
    # 313 missing MINIMUM_PAYMENTS and 1 missing CREDIT_LIMIT: 314 customers left out
    excluded = pd.read_csv(out / "artefacts" / "02_excluded_customers.csv")
    assert len(excluded) == 314
    assert len(pd.read_parquet(out / "artefacts" / "05_assignments.parquet")) == 8_636
    names = pd.read_csv(out / "artefacts" / "07_names.csv")
    assert len(names) == model["k"] and names["name_en"].is_unique
