"""Step 3 when the run's source is a customer table or a survey (``source.kind``).

* customer table: the ``features`` (and the 0/1 codes of the ``categorical`` columns) are
  screened like the behaviour variables of a transaction run (variance, correlation, VIF;
  :func:`segkit.variables.screening.screen_variables`); missing values are set to the
  column's median for clustering, with a note per column.
* survey: the items are screened for variance only (items of one scale are meant to
  correlate), then factor-analysed (:class:`segkit.variables.factor.FactorModel`: KMO with
  per-item MSA and Bartlett, the number of factors by parallel analysis as R psych's
  ``fa.parallel`` with Kaiser's rule beside it, minres + varimax, Cronbach's α per factor and
  overall, pairwise-complete correlations as psych's default). The factor scores (regression
  method; a missing answer is the item's median) are the clustering features of step 5.
  Written: ``03_adequacy.json``, ``03_n_factors.json``, ``03_reliability.csv`` and
  ``03_factor_loadings.csv``. When the items are not adequate the standardised items are
  clustered instead, and a note says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.errors import InputError
from segkit.workflow.run import Run
from segkit.workflow.table_steps import feature_columns, impute_median, table_source

_LOADING_COLUMNS = ["item", "label", "primary_factor", "communality"]


def _write_features(run: Run, customers: pd.DataFrame, features: pd.DataFrame) -> None:
    run.folder.write_frame(
        "features", pd.concat([customers[["customer_id"]], features.reset_index(drop=True)], axis=1)
    )


def table_variables(run: Run) -> dict[str, Any]:
    """Step 3 for a customer table or survey; returns the fields of
    :class:`segkit.workflow.variables_tiers.VariablesStep`."""
    from segkit.variables.screening import screen_variables

    src = table_source(run)
    customers = run.folder.read_frame("customers").sort_values("customer_id", kind="stable")
    customers = customers.reset_index(drop=True)
    columns = feature_columns(run, customers)
    if not columns:
        raise InputError(
            "source.features: the customer table has no numeric column to cluster on",
            code="NO_FEATURES",
        )
    candidates, notes = impute_median(customers[columns])
    if src.kind == "customers":
        screened = screen_variables(candidates)
        run.folder.write_frame("screening", screened.report)
        _write_features(run, customers, screened.frame)
        run.folder.write_frame("factor_loadings", pd.DataFrame(columns=_LOADING_COLUMNS))
        notes.append("a customer table has no survey items: factor analysis not run")
        return {"candidates": candidates, "screening": screened.report,
                "features": list(screened.frame.columns),
                "loadings": pd.DataFrame(columns=_LOADING_COLUMNS), "notes": notes}  # fmt: skip
    screened = screen_variables(candidates, correlation=False, vif=False)
    run.folder.write_frame("screening", screened.report)
    items = list(screened.frame.columns)
    model, loadings = _factor_analysis(run, customers[items], dict(src.wording), notes)
    if model is not None:
        scores = model.transform(candidates[items])
        _write_features(run, customers, scores)
        features = list(scores.columns)
    else:
        _write_features(run, customers, candidates[items])
        features = items
        notes.append("the items themselves (standardised) are the clustering features")
    run.folder.write_frame("factor_loadings", loadings)
    return {"candidates": candidates, "screening": screened.report, "features": features,
            "loadings": loadings, "factor_model": model, "notes": notes}  # fmt: skip


def _factor_analysis(
    run: Run, items: pd.DataFrame, wording: dict[str, str], notes: list[str]
) -> tuple[Any, pd.DataFrame]:
    """Fit the factor model on the items and write its adequacy, factor count and α."""
    from segkit.variables.factor import FactorModel

    loadings = pd.DataFrame(columns=_LOADING_COLUMNS)
    if items.shape[1] < 3:
        notes.append(f"{items.shape[1]} item(s) left after screening: factor analysis needs 3")
        return None, loadings
    try:
        model = FactorModel(
            random_state=run.config.seed, item_labels=wording,
            n_iter=20 if run.config.smoke else 100, correlation="pairwise",
        ).fit(items)  # fmt: skip
    except InputError as exc:
        notes.append(f"factor analysis not run: {exc}")
        return None, loadings
    ad, count = model.adequacy_, model.n_factors_report_
    run.folder.write_json(
        "factor_adequacy",
        {"kmo": ad.kmo, "kmo_label": ad.kmo_label, "bartlett_chi2": ad.bartlett_chi2,
         "bartlett_df": int(ad.bartlett_df), "bartlett_p": ad.bartlett_p, "n_obs": ad.n_obs,
         "correlation": "pairwise", "kmo_per_item": ad.kmo_per_item.round(6).to_dict()},
    )  # fmt: skip
    run.folder.write_json(
        "n_factors",
        {"parallel_factors": int(count.factors), "parallel_components": int(count.components),
         "kaiser": int(count.kaiser), "extracted": int(model.n_factors_),
         "reason": count.reason},
    )  # fmt: skip
    primary = model.primary_factor_
    rel = model.reliability_.reset_index()
    rel.insert(1, "items", [", ".join(primary.index[primary == f]) if f != "all"
                            else ", ".join(primary.index) for f in rel["factor"]])  # fmt: skip
    rel.insert(2, "alpha", rel["raw_alpha"])
    rel.insert(3, "name", rel["factor"].map(model.factor_names_).fillna("all items"))
    run.folder.write_frame("reliability", rel)
    loadings = model.loadings_.rename_axis("item").reset_index()
    loadings.insert(1, "label", [wording.get(i, i) for i in loadings["item"]])
    loadings["primary_factor"] = loadings["item"].map(primary)
    loadings["communality"] = loadings["item"].map(model.communalities_)
    notes.append(
        f"{model.n_factors_} factor(s) from {items.shape[1]} items "
        f"(pairwise-complete correlations, psych's default); scores are the clustering features"
    )
    return model, loadings


def wording_names(run: Run, index: pd.DataFrame) -> dict[Any, dict[str, str]]:
    """A survey's segment names from the items that stand out in each segment (index ≥ 120
    or ≤ 80 of the population's mean answer), labelled with the items' wording
    (``source.wording``; the item's column name otherwise). ``index`` is the segments ×
    items index table (:meth:`segkit.validate.describe.SegmentProfile.wide`)."""
    from segkit.naming import suggest_names

    wording = table_source(run).wording
    traits = {}
    for item in map(str, index.columns):
        text = wording.get(item, item)
        traits[item] = {"order": 8, "high": {"zh": f"「{text}」", "en": text},
                        "low": {"zh": f"「{text}」低", "en": f"low on {text}"}}  # fmt: skip
    names = suggest_names(index, vocabulary={"traits": traits})
    return {
        row.segment: {"zh": str(row.name_zh), "en": str(row.name_en)}
        for row in names.itertuples(index=False)
    }
