import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.monitor import GONE, NEW, drift_alerts, migration_matrix, score_period


class Frozen:
    def fit(self, X):  # pragma: no cover - must never be called
        raise AssertionError("monitoring must not refit")

    def predict(self, X):
        return np.where(X["m"] > 10, "high", "low")


def test_score_period_uses_frozen_model_and_keeps_index() -> None:
    X = pd.DataFrame({"m": [5.0, 50.0]}, index=["c1", "c2"])
    got = score_period(Frozen(), X)
    assert got.to_dict() == {"c1": "low", "c2": "high"}
    assert score_period(lambda f: [1, 2], X).tolist() == [1, 2]
    with pytest.raises(TypeError):
        score_period(object(), X)


def test_migration_counts_shares_new_and_gone() -> None:
    before = pd.Series({"a": 1, "b": 1, "c": 2, "d": 2})
    after = pd.Series({"a": 1, "b": 2, "c": 2, "e": 1})
    m = migration_matrix(before, after)
    assert m.counts.index.tolist() == [1, 2, NEW]
    assert m.counts.columns.tolist() == [1, 2, GONE]
    assert m.counts.to_numpy().tolist() == [[1, 1, 0], [0, 1, 1], [1, 0, 0]]
    assert m.shares.loc[1].tolist() == [0.5, 0.5, 0.0]
    assert m.stayed_share() == pytest.approx(2 / 3)


@settings(max_examples=100, derandomize=True)
@given(
    st.dictionaries(st.integers(0, 50), st.sampled_from("ABC"), max_size=40),
    st.dictionaries(st.integers(0, 50), st.sampled_from("ABC"), max_size=40),
)
def test_migration_conserves_customers(b: dict, a: dict) -> None:
    m = migration_matrix(pd.Series(b, dtype="object"), pd.Series(a, dtype="object"))
    assert int(m.counts.to_numpy().sum()) == len(set(b) | set(a))
    assert int(m.counts.drop(columns=GONE, errors="ignore").to_numpy().sum()) == len(a)
    assert int(m.counts.drop(index=NEW, errors="ignore").to_numpy().sum()) == len(b)


def test_drift_alerts_size_and_profile() -> None:
    ids = [f"c{i}" for i in range(10)]
    before = pd.Series(["A"] * 5 + ["B"] * 5, index=ids)
    after = pd.Series(["A"] * 8 + ["B"] * 2, index=ids)
    fb = pd.DataFrame({"m": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]}, index=ids)
    fa = fb.copy()
    alerts = drift_alerts(before, after, fb, fa, size_threshold=0.2, shift_threshold=0.4)
    sizes = alerts[alerts.kind == "size"]
    assert sizes[["segment", "before", "after"]].values.tolist() == [
        ["A", 0.5, 0.8],
        ["B", 0.5, 0.2],
    ]
    prof = alerts[alerts.kind == "profile"]
    # both means move by +1.5 / sd(1..10) = +0.495 sd (A: 3 -> 4.5, B: 8 -> 9.5)
    assert prof["segment"].tolist() == ["A", "B"]
    assert prof["change"].iloc[0] == pytest.approx(1.5 / np.std(np.arange(1, 11), ddof=1))
    assert drift_alerts(before, before).empty
