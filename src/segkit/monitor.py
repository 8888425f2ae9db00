"""Monitor (动态监测): re-score a later period, segment migration, drift alerts.

Segments are *dynamic* (动态性): customers move as they buy, lapse or grow. Monitoring
re-scores a later period with the **frozen** model of the first — no refit, so a change in
segment is a change in the customer, not in the model — then shows the flows between
segments in a migration (transition) matrix and raises alerts when a segment's size or
profile drifts past a threshold.

Examples
--------
>>> import pandas as pd
>>> before = pd.Series({"a": "high", "b": "low", "c": "low"})
>>> after = pd.Series({"a": "low", "b": "low", "d": "high"})
>>> m = migration_matrix(before, after)
>>> m.counts.index.tolist(), m.counts.columns.tolist()
(['high', 'low', '(new)'], ['high', 'low', '(gone)'])
>>> m.counts.to_numpy().tolist()
[[0, 1, 0], [0, 1, 1], [1, 0, 0]]
>>> m.stayed_share()
0.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

NEW, GONE = "(new)", "(gone)"


def score_period(model: Any, features: pd.DataFrame) -> pd.Series:
    """Assign a later period's customers with a frozen model; the model is never refitted.

    ``model`` may have ``predict`` (a fitted clusterer), ``score`` (a discriminant scoring
    rule) or be a plain callable returning labels. Labels come back aligned with
    ``features.index``.
    """
    if hasattr(model, "predict"):
        labels = model.predict(features)
    elif hasattr(model, "score") and not hasattr(model, "fit"):
        labels = model.score(features)
    elif callable(model):
        labels = model(features)
    else:
        raise TypeError("model needs predict(), score() or to be callable")
    return pd.Series(np.asarray(labels), index=features.index, name="segment")


@dataclass
class Migration:
    """Counts and row shares of customers moving between segments."""

    counts: pd.DataFrame
    shares: pd.DataFrame

    def stayed_share(self) -> float:
        """Share of customers present in both periods who kept their segment."""
        inner = self.counts.drop(index=NEW, columns=GONE, errors="ignore")
        common = [s for s in inner.index if s in inner.columns]
        total = inner.to_numpy().sum()
        return float(sum(inner.loc[s, s] for s in common) / total) if total else float("nan")


def migration_matrix(before: pd.Series, after: pd.Series) -> Migration:
    """Transition matrix between two labellings indexed by customer id.

    Rows are the first period's segments plus ``(new)`` (customers only in the later
    period); columns the later period's plus ``(gone)``. Shares are by row.
    """
    b = before.astype("object").rename("before")
    a = after.astype("object").rename("after")
    joined = pd.concat([b, a], axis=1)
    joined["before"] = joined["before"].where(joined["before"].notna(), NEW)
    joined["after"] = joined["after"].where(joined["after"].notna(), GONE)
    order_b = _order(before) + ([NEW] if (joined["before"] == NEW).any() else [])
    order_a = _order(after) + ([GONE] if (joined["after"] == GONE).any() else [])
    counts = pd.crosstab(joined["before"], joined["after"]).reindex(
        index=order_b, columns=order_a, fill_value=0
    )
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    return Migration(counts=counts, shares=shares)


def _order(labels: pd.Series) -> list[Any]:
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return [c for c in labels.cat.categories if c in set(labels.dropna())]
    return sorted(labels.dropna().unique(), key=lambda v: (str(type(v)), v))


def drift_alerts(
    before_labels: pd.Series,
    after_labels: pd.Series,
    before_features: pd.DataFrame | None = None,
    after_features: pd.DataFrame | None = None,
    *,
    size_threshold: float = 0.05,
    shift_threshold: float = 0.5,
    stat: Callable[[pd.Series], float] = pd.Series.mean,
) -> pd.DataFrame:
    """Alerts when a segment's share or profile moved too far between periods.

    A size alert fires when a segment's share of customers changed by at least
    ``size_threshold`` (absolute, e.g. 0.05 = 5 points). A profile alert fires when a
    variable's segment mean moved by at least ``shift_threshold`` standard deviations of the
    first period's variable.

    Returns
    -------
    DataFrame with ``segment``, ``kind`` (size/profile), ``variable``, ``before``, ``after``,
    ``change`` and ``message``.
    """
    alerts: list[dict[str, Any]] = []
    sb = before_labels.value_counts(normalize=True)
    sa = after_labels.value_counts(normalize=True)
    for seg in sorted(set(sb.index) | set(sa.index), key=str):
        x, y = float(sb.get(seg, 0.0)), float(sa.get(seg, 0.0))
        if abs(y - x) >= size_threshold:
            alerts.append(
                {
                    "segment": seg,
                    "kind": "size",
                    "variable": None,
                    "before": x,
                    "after": y,
                    "change": y - x,
                    "message": f"segment {seg}: share {x:.1%} → {y:.1%} ({y - x:+.1%})",
                }
            )
    if before_features is not None and after_features is not None:
        scale = before_features.std(ddof=1).replace(0, np.nan)
        mb = before_features.groupby(before_labels.reindex(before_features.index)).agg(stat)
        ma = after_features.groupby(after_labels.reindex(after_features.index)).agg(stat)
        for seg in mb.index.intersection(ma.index):
            for var in mb.columns.intersection(ma.columns):
                x, y = float(mb.loc[seg, var]), float(ma.loc[seg, var])
                if np.isnan(scale[var]):
                    continue
                shift = (y - x) / float(scale[var])
                if abs(shift) >= shift_threshold:
                    alerts.append(
                        {
                            "segment": seg,
                            "kind": "profile",
                            "variable": var,
                            "before": x,
                            "after": y,
                            "change": shift,
                            "message": f"segment {seg}: {var} {x:.4g} → {y:.4g} ({shift:+.2f} sd)",
                        }
                    )
    return pd.DataFrame(
        alerts, columns=["segment", "kind", "variable", "before", "after", "change", "message"]
    )
