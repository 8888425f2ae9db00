"""Names through the real steps: a customer table that is not a segkit profile (one row per
customer, an id, a region code and spend per product line, as the UCI Wholesale customers
table) gets names from its spend columns, all different (issue 13: two segments of a
2-feature table were both "高价值客户", named after the value column alone)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.workflow.segmenting import segment_profile


def _customers(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)  # fresh buyers, grocery buyers, small buyers
    fresh = np.where(group == 0, rng.lognormal(9.5, 0.3, n), rng.lognormal(7.5, 0.3, n))
    grocery = np.where(group == 1, rng.lognormal(9.5, 0.3, n), rng.lognormal(7.5, 0.3, n))
    table = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "region": rng.integers(1, 4, n),
            "store_code": rng.integers(100, 120, n),
            "fresh": fresh.round(),
            "grocery": grocery.round(),
        }
    )
    # step 7 still needs a value column (monetary: here the total spend)
    return table.assign(monetary=table["fresh"] + table["grocery"])


def test_a_two_feature_customer_table_gets_distinct_names_from_its_spend(tmp_path: Path) -> None:
    done = segment_profile(
        _customers(), tmp_path / "seg", source="customers.csv", method="kmeans", k=3, n_boot=0,
        features=["fresh", "grocery"],
    )  # fmt: skip
    names = done.named.plan.names
    assert names["name_zh"].is_unique and names["name_en"].is_unique
    assert not any(re.search(r" \d+$", n) for n in [*names["name_zh"], *names["name_en"]])
    text = names.to_csv()
    assert "region" not in text and "store_code" not in text and "customer_id" not in text
    # each segment is named after the spend column it differs on most (Cohen's d)
    table = done.named.profile.table
    spend = table[table["variable"].isin(["fresh", "grocery"])]
    top = spend.loc[spend["effect_size"].abs().groupby(spend["segment"]).idxmax()]
    for r in top.itertuples(index=False):
        side = "high" if r.effect_size > 0 else "low"
        name = names.set_index("segment").loc[r.segment, "name_en"]
        assert f"{side}-{r.variable}" in name.lower(), (name, r.variable, r.effect_size)
    # the traits behind every name carry their effect size
    assert names["traits"].str.contains(r"\(d = [+-]\d").all()
