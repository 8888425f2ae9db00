"""``source.kind`` in the run config: transactions (default), customers, survey."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from segkit.config import RunConfig

TX = {"path": "tx.csv", "columns": {"customer_id": "c", "date": "d", "amount": "a"}}


def check(data: dict[str, Any]) -> RunConfig:
    return RunConfig.model_validate(data)


def test_transactions_stay_the_default() -> None:
    cfg = check({"source": TX, "survey": "s.csv"})  # a transaction source may join a survey
    assert cfg.source is not None and cfg.source.kind == "transactions"
    assert cfg.source_kind == "transactions" and check({"demo": {}}).source_kind == "transactions"


def test_customer_and_survey_sources() -> None:
    cfg = check(
        {
            "source": {
                "kind": "customers",
                "path": "crm.csv",
                "id_column": "id",
                "features": ["a", "b"],
                "categorical": ["city"],
                "value_column": "a",
            }
        }
    )
    assert cfg.source_kind == "customers" and cfg.source is not None
    assert cfg.source.features == ("a", "b") and cfg.source.value_column == "a"
    cfg = check(
        {
            "source": {
                "kind": "survey",
                "path": "s.csv",
                "id_column": "rid",
                "items": ["q1", "q2", "q3"],
                "wording": {"q1": "看重低价"},
                "needs": {"q1": "price"},
            }
        }
    )
    assert cfg.source is not None and cfg.source.wording == {"q1": "看重低价"}
    assert cfg.source.needs == {"q1": "price"}


@pytest.mark.parametrize(
    ("source", "extra", "message"),
    [
        (
            {"kind": "crm", "path": "a.csv", "id_column": "id"},
            {},
            "source.kind\n  Input should be 'transactions', 'customers' or 'survey'",
        ),
        ({"kind": "customers", "path": "a.csv"}, {}, "source.kind 'customers' needs 'id_column'"),
        (
            {"kind": "survey", "path": "a.csv", "items": ["q1"]},
            {},
            "source.kind 'survey' needs 'id_column'",
        ),
        (
            {"kind": "survey", "path": "a.csv", "id_column": "id"},
            {},
            "source.kind 'survey' needs 'items'",
        ),
        ({"path": "a.csv"}, {}, "source.kind 'transactions' needs 'columns'"),
        (
            {**TX, "id_column": "c"},
            {},
            "source.id_column does not apply to source.kind 'transactions'",
        ),
        (
            {"kind": "survey", "path": "a", "id_column": "id", "items": ["q1"], "features": ["x"]},
            {},
            "source.features does not apply",
        ),
        (
            {"kind": "customers", "path": "a", "id_column": "id", "features": ["id"]},
            {},
            "source.id_column 'id' cannot also be",
        ),
        (
            {
                "kind": "survey",
                "path": "a",
                "id_column": "id",
                "items": ["q1"],
                "wording": {"q9": "x"},
            },
            {},
            "source.wording names 'q9'",
        ),
        (
            {
                "kind": "survey",
                "path": "a",
                "id_column": "id",
                "items": ["q1"],
                "needs": {"q9": "x"},
            },
            {},
            "source.needs names 'q9'",
        ),
        (
            {**TX, "needs": {"q1": "price"}},
            {},
            "source.needs does not apply to source.kind 'transactions'",
        ),
        (
            {"kind": "customers", "path": "a", "id_column": "id"},
            {"survey": "s.csv"},
            "survey: a side table joins a transaction source",
        ),
        (
            {"kind": "survey", "path": "a", "id_column": "id", "items": ["q1"]},
            {"master": {"path": "m.csv"}},
            "master: a side table joins",
        ),
    ],
)
def test_errors_name_the_key(source: dict[str, Any], extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check({"source": source, **extra})
    assert message in str(caught.value)
