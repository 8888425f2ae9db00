"""Step 3 when the run's source is a customer table or a survey (``source.kind``).

* customer table: the ``features`` (and the 0/1 codes of the ``categorical`` columns) are
  screened like the behaviour variables of a transaction run (variance, correlation, VIF;
  :func:`segkit.variables.screening.screen_variables`); missing values are set to the
  column's median for clustering, with a note per column.
* survey: the same item screening, factor analysis and factor scores as
  ``segkit segment --method needs`` (:func:`segkit.workflow.needs.survey_factors`: items
  answered by fewer than half the respondents, without variation or with an MSA below 0.5
  dropped; KMO and Bartlett; the number of factors by parallel analysis as R psych's
  ``fa.parallel`` with Kaiser's rule beside it; minres + varimax; Cronbach's α per factor and
  overall; pairwise-complete correlations as psych's default). The standardised factor
  scores (regression method; a missing answer is the item's median) are the clustering
  features of step 5, and step 7 names the segments from them
  (:func:`segkit.workflow.needs_labels.needs_plan`). Written: ``03_screening.csv``,
  ``03_adequacy.json``, ``03_n_factors.json``, ``03_reliability.csv`` (as ``--method needs``
  writes ``adequacy.json``, ``n_factors.json``, ``reliability.csv``) and
  ``03_factor_loadings.csv``. When fewer than 3 items are usable, the standardised items
  are clustered instead, and a note says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.errors import InputError
from segkit.workflow.needs import SurveyFactors, standardise, survey_factors
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
    candidates, imputed = impute_median(customers[columns])
    notes = [] if src.kind == "survey" else imputed  # a survey's scores: survey_factors' notes
    if src.kind == "customers":
        screened = screen_variables(candidates)
        run.folder.write_frame("screening", screened.report)
        _write_features(run, customers, screened.frame)
        run.folder.write_frame("factor_loadings", pd.DataFrame(columns=_LOADING_COLUMNS))
        notes.append("a customer table has no survey items: factor analysis not run")
        return {"candidates": candidates, "screening": screened.report,
                "features": list(screened.frame.columns),
                "loadings": pd.DataFrame(columns=_LOADING_COLUMNS), "notes": notes}  # fmt: skip
    items = customers.set_index("customer_id")[columns]
    factors = _factor_analysis(run, items, notes)
    if factors is not None:
        screening = factors.screening
        loadings = factors.loadings(src.wording).rename(
            columns={"wording": "label", "primary": "primary_factor"}
        )
        features = standardise(factors.scores).reset_index(drop=True)
    else:
        screened = screen_variables(candidates, correlation=False, vif=False)
        screening, features = screened.report, screened.frame
        loadings = pd.DataFrame(columns=_LOADING_COLUMNS)
        notes += [*imputed, "the items themselves (standardised) are the clustering features"]
    run.folder.write_frame("screening", screening)
    _write_features(run, customers, features)
    run.folder.write_frame("factor_loadings", loadings)
    return {"candidates": candidates, "screening": screening, "features": list(features.columns),
            "loadings": loadings, "factor_model": None if factors is None else factors.model,
            "notes": notes}  # fmt: skip


def _factor_analysis(run: Run, items: pd.DataFrame, notes: list[str]) -> SurveyFactors | None:
    """The items screened (answered share, variance, MSA) and factor-analysed, and the
    respondents' factor scores, as ``segkit segment --method needs`` does
    (:func:`segkit.workflow.needs.survey_factors`); its adequacy, factor count and α written
    as ``03_adequacy.json``, ``03_n_factors.json`` and ``03_reliability.csv`` (the files
    ``adequacy.json``, ``n_factors.json`` and ``reliability.csv`` of ``--method needs``)."""
    try:
        factors = survey_factors(
            items, correlation="pairwise", seed=run.config.seed,
            n_iter=20 if run.config.smoke else 100, score_all=True,
        )  # fmt: skip
    except InputError as exc:
        notes.append(f"factor analysis not run: {exc}")
        return None
    run.folder.write_json("factor_adequacy", factors.adequacy_json())
    run.folder.write_json("n_factors", factors.n_factors_json())
    run.folder.write_frame("reliability", factors.reliability())
    kept = factors.screening
    dropped = kept.loc[kept["dropped"], "item"].tolist()
    notes.extend(factors.notes)
    notes.append(
        f"{factors.model.n_factors_} factor(s) from {len(factors.model.loadings_)} items "
        f"(pairwise-complete correlations, psych's default"
        + (f"; dropped in screening: {', '.join(dropped)}" if dropped else "")
        + "); the standardised factor scores are the clustering features"
    )
    return factors
