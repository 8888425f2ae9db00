"""Integrate: join the profile with the customer master and the survey by customer id.

The method's step 2 ends with one customer database (整合为统一的客户数据库). Joining sources
always reveals ids that exist on one side only — customers who never bought, transactions of
customers missing from the master (orphans, a referential check like dbt's
``relationships``), respondents with no purchases. :func:`integrate` keeps every profiled
customer (a left join), and reports the unmatched ids on each side instead of dropping them
quietly.

Examples
--------
>>> import pandas as pd
>>> prof = pd.DataFrame({"customer_id": ["01", "02"], "monetary": [10.0, 5.0]})
>>> master = pd.DataFrame({"customer_id": ["01", "03"], "city": ["上海", "北京"]})
>>> res = integrate(prof, master=master)
>>> res.table["city"].tolist(), res.unmatched
(['上海', nan], {'profile_not_in_master': ['02'], 'master_not_in_profile': ['03']})
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from segkit.errors import InputError


@dataclass
class Integrated:
    """The joined customer table and the unmatched ids per side."""

    table: pd.DataFrame
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    #: master columns dropped at load because the method does not use them (minimisation)
    dropped_columns: list[str] = field(default_factory=list)
    #: ids of the master that look like one person under two keys
    #: (:func:`segkit.collect.identity.same_person`): reported, never merged
    same_person: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """Counts of unmatched ids per side (and of the master's same-person ids and dropped
        columns, if any)."""
        rows = [{"check": k, "ids": len(v)} for k, v in self.unmatched.items()]
        if self.same_person is not None and len(self.same_person):
            rows.append({"check": "master_same_person_not_merged", "ids": len(self.same_person)})
        if self.dropped_columns:
            rows.append(
                {"check": "master_columns_dropped_unused", "ids": len(self.dropped_columns)}
            )
        return pd.DataFrame(rows, columns=["check", "ids"])


def _keyed(frame: pd.DataFrame, key: str, name: str) -> pd.DataFrame:
    if key not in frame.columns:
        raise InputError(f"{name} has no column {key!r}", column=key, code="MISSING_COLUMN")
    ids = frame[key].astype("string")
    dup = ids[ids.duplicated(keep=False) & ids.notna()]
    if len(dup):
        raise InputError(
            f"{name} has {dup.nunique()} customer ids on more than one row "
            f"(e.g. {sorted(dup.unique())[:3]}); "
            "clean it first (segkit.clean.master.dedupe_master)",
            column=key,
            code="DUPLICATE_KEY",
        )
    return frame.assign(**{key: ids})


def integrate(
    profile: pd.DataFrame,
    *,
    master: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    key: str = "customer_id",
    drop_columns: tuple[str, ...] = ("source_row", "source_file"),
) -> Integrated:
    """Left-join master and survey columns onto the profile; report unmatched ids.

    Parameters
    ----------
    profile : DataFrame
        One row per customer (from :func:`segkit.profile.build_profile`).
    master, survey : DataFrame, optional
        Side tables with one row per customer id (pseudonymise PII before joining).
    key : str
        The customer id column in all three.
    drop_columns : tuple of str
        Bookkeeping columns not carried into the joined table.
    """
    table = _keyed(profile, key, "profile")
    unmatched: dict[str, list[str]] = {}
    ids = set(table[key].dropna())
    for name, side in (("master", master), ("survey", survey)):
        if side is None:
            continue
        side = _keyed(side.drop(columns=[c for c in drop_columns if c in side]), key, name)
        side_ids = set(side[key].dropna())
        unmatched[f"profile_not_in_{name}"] = sorted(ids - side_ids)
        unmatched[f"{name}_not_in_profile"] = sorted(side_ids - ids)
        clash = [c for c in side.columns if c != key and c in table.columns]
        side = side.rename(columns={c: f"{name}_{c}" for c in clash})
        table = table.merge(side, on=key, how="left", validate="one_to_one")
    return Integrated(table=table, unmatched=unmatched)
