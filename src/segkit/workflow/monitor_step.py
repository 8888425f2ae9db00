"""Step 8: monitor — re-score later periods with the frozen step-5 model, migration, drift.

The step-5 model is refitted from its recipe (:func:`segkit.workflow.model.frozen_model`,
checked to give step 5's labels), then each period's customers are profiled from the clean
transactions dated in it and scored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from segkit.cluster.prepare import behaviour_features
from segkit.errors import InputError
from segkit.monitor import Migration, drift_alerts, migration_matrix
from segkit.workflow.collect_data import analysis_date
from segkit.workflow.model import frozen_model, step_customers, with_categorical
from segkit.workflow.run import Run
from segkit.workflow.table_steps import skip_reason


@dataclass
class MonitorStep:
    """Step 8: two periods scored by the frozen step-5 model, migration and drift."""

    periods: pd.DataFrame
    migration: Migration
    drift: pd.DataFrame
    assignments: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _period_profile(run: Run, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The profile of the transactions dated in ``[start, end]`` (as of ``end``)."""
    from segkit.collect.sql import sql_str
    from segkit.engine import connect
    from segkit.profile import profile_sql

    con = connect()
    path = sql_str(str(run.folder.path("clean_transactions")))
    con.execute(
        f"""CREATE TEMP VIEW clean_tx AS SELECT * FROM read_parquet({path})
        WHERE date >= DATE '{start}' AND date < DATE '{end}' + INTERVAL 1 DAY"""
    )
    frame = con.sql(profile_sql(con, as_of=end, window_start=start)).df()
    return frame[frame["frequency"] > 0].reset_index(drop=True)


def monitor_step(run: Run, *, months: int | None = None) -> MonitorStep:
    """Score the last ``months`` before the as-of date and the ``months`` before those with
    the frozen step-5 model; count migrations between segments and raise drift alerts (on
    the numeric features; k-prototypes' categorical columns come from the customer table)."""

    if why := skip_reason(run, "08_monitor"):
        raise InputError(why, code="NOT_APPLICABLE")
    months = months or run.config.monitor.months
    model, spec = frozen_model(run)
    customers = step_customers(run)[["customer_id", *(spec.get("categorical") or [])]]
    end = analysis_date(run)
    split = (pd.Timestamp(end) - pd.DateOffset(months=months)).date()
    begin = (pd.Timestamp(split) - pd.DateOffset(months=months)).date()
    day = dt.timedelta(days=1)
    periods = pd.DataFrame(
        {"period": ["before", "after"], "start": [begin + day, split + day], "end": [split, end]}
    )
    labels: dict[str, pd.Series] = {}
    feats: dict[str, pd.DataFrame] = {}
    rows = []
    for p in periods.itertuples(index=False):
        prof = _period_profile(run, p.start, p.end)
        X = behaviour_features(prof).reindex(columns=spec["features"], fill_value=0.0)
        X = with_categorical(X, prof.merge(customers, "left", "customer_id", suffixes=("_", "")),
                              spec)  # fmt: skip
        X.index = pd.Index(prof["customer_id"], name="customer_id")
        feats[p.period], labels[p.period] = X.select_dtypes("number"), model.predict(X)
        rows.append(labels[p.period].rename("segment").reset_index().assign(
            period=p.period, start=p.start, end=p.end))  # fmt: skip
    migration = migration_matrix(labels["before"], labels["after"])
    drift = drift_alerts(labels["before"], labels["after"], feats["before"], feats["after"])
    assignments = pd.concat(rows, ignore_index=True)
    folder = run.folder
    folder.write_frame("period_assignments", assignments)
    long = migration.counts.rename_axis(index="before", columns="after").stack().rename("customers")
    share = migration.shares.rename_axis(index="before", columns="after").stack().rename("share")
    folder.write_frame(
        "migration",
        pd.concat([long, share], axis=1).reset_index().astype({"before": str, "after": str}),
    )
    folder.write_frame("drift", drift)
    periods["customers"] = [len(labels["before"]), len(labels["after"])]
    notes = [
        f"{migration.stayed_share():.1%} of customers active in both periods kept their segment"
    ]
    return MonitorStep(
        periods=periods, migration=migration, drift=drift, assignments=assignments, notes=notes
    )
