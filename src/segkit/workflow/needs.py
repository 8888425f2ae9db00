"""Needs segmentation of a survey (需求细分): items → factors → segments → names → strategy.

The method's survey path end to end, as ``segkit segment SURVEY --method needs`` runs it:

1. **Item screening** (:mod:`segkit.workflow.needs_items`): items answered by fewer than
   half the respondents, items with no variation and, one at a time from the lowest, items
   whose KMO measure of sampling adequacy (MSA) is below 0.5 are dropped (Kaiser 1974).
   Respondents who answered fewer than half the kept items are not segmented.
2. **Adequacy**: KMO overall and per item, Bartlett's test (R psych ``KMO``,
   ``cortest.bartlett``: :func:`segkit.variables.adequacy.adequacy`).
3. **Number of factors**: parallel analysis on common-factor and component eigenvalues, as
   psych's ``fa.parallel`` reports them, and Kaiser's rule
   (:func:`segkit.variables.factor_count.n_factors`); the common-factor count is used.
4. **Extraction and rotation** (minres, varimax by default), **Cronbach's α** per factor
   (its primary items, keyed by the sign of their loadings) and overall, **factor scores**
   (regression method): :class:`segkit.variables.factor.FactorModel`.
5. **Clustering** of the standardised factor scores: the k vote
   (:func:`segkit.cluster.kvote.choose_k`) and
   :class:`segkit.cluster.estimator.SegmentClusterer`.
6. **Names and strategy** from the segments' distinctive factors
   (:mod:`segkit.workflow.needs_labels`).

Missing answers: ``correlation="pairwise"`` (psych's default) or ``"listwise"`` for the
correlations; for the scores a missing answer is replaced by the item's median (psych's
``fa(impute = "median")``). Both choices are recorded in ``adequacy.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from segkit.atomic import write_text
from segkit.errors import InputError
from segkit.variables.adequacy import AdequacyReport, Correlation
from segkit.workflow.needs_items import MIN_ANSWERED, read_survey, screen_items
from segkit.workflow.needs_labels import Labels, label_segments, needs_strategy

__all__ = [
    "NEEDS_FILES",
    "NeedsRun",
    "SurveyFactors",
    "read_survey",
    "screen_items",
    "segment_needs_survey",
    "standardise",
    "survey_factors",
    "write_needs",
]

#: the files :func:`write_needs` writes
NEEDS_FILES = (
    "adequacy.json",
    "n_factors.json",
    "screening.csv",
    "msa.csv",
    "loadings.csv",
    "reliability.csv",
    "k_vote.csv",
    "segments.csv",
    "strategy.csv",
    "assignments.csv",
    "summary.txt",
)


@dataclass
class SurveyFactors:
    """Steps 1–4 of the module notes: the item screening, the factor model (adequacy, factor
    count, loadings, α) and the factor scores, as both ``segkit segment --method needs``
    and step 3 of a report run on a survey (:mod:`segkit.workflow.table_variables`) use them.
    """

    screening: pd.DataFrame
    model: Any  # FactorModel
    #: regression factor scores of the scored respondents (index: the respondents' ids)
    scores: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def adequacy(self) -> AdequacyReport:
        """KMO (per-item MSA) and Bartlett's test of the kept items."""
        return cast(AdequacyReport, self.model.adequacy_)

    def adequacy_json(self) -> dict[str, Any]:
        """``kmo``, ``kmo_label``, ``bartlett_chi2``, ``bartlett_df``, ``bartlett_p``, the
        per-item ``msa``, ``n_obs``, ``correlation`` and ``impute`` used."""
        a = self.adequacy
        return {
            "kmo": a.kmo,
            "kmo_label": a.kmo_label,
            "bartlett_chi2": a.bartlett_chi2,
            "bartlett_df": a.bartlett_df,
            "bartlett_p": a.bartlett_p,
            "n_obs": a.n_obs,
            "correlation": a.correlation,
            "impute": "median",
            "passed": a.passed,
            "msa": {str(k): float(v) for k, v in a.kmo_per_item.items()},
            "messages": list(a.messages),
            "reference": "R psych KMO, cortest.bartlett",
        }

    def n_factors_json(self) -> dict[str, Any]:
        """``parallel_factors``, ``parallel_components``, ``kaiser``, ``extracted``, ``reason``."""
        r = self.model.n_factors_report_
        return {
            "parallel_factors": r.factors,
            "parallel_components": r.components,
            "kaiser": r.kaiser,
            "extracted": int(self.model.n_factors_),
            "rotation": self.model.rotation,
            "method": self.model.method,
            "reason": r.reason,
            "reference": "R psych fa.parallel (fa = 'both')",
        }

    def reliability(self) -> pd.DataFrame:
        """``factor``, ``items``, ``alpha`` (raw), ``std_alpha``, ``reversed``, ``n_items``."""
        rel = self.model.reliability_
        primary = self.model.primary_factor_
        items = {f: ",".join(primary.index[primary == f]) for f in rel.index}
        items["all"] = ",".join(primary.index)
        return pd.DataFrame(
            {
                "factor": rel.index,
                "items": [items[f] for f in rel.index],
                "alpha": rel["raw_alpha"].to_numpy(),
                "std_alpha": rel["std_alpha"].to_numpy(),
                "reversed": rel["reversed"].to_numpy(),
                "n_items": rel["n_items"].to_numpy(),
            }
        )

    def loadings(self, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Items × factors with ``wording``, ``primary`` factor and ``communality``."""
        m = self.model
        out = m.loadings_.copy()
        out.insert(0, "wording", [(labels or {}).get(i, i) for i in out.index])
        out["primary"] = m.primary_factor_
        out["communality"] = m.communalities_
        return out.rename_axis("item").reset_index()


def survey_factors(
    frame: pd.DataFrame,
    *,
    correlation: Correlation = "pairwise",
    n_factors: int | None = None,
    rotation: str | None = "varimax",
    seed: int = 0,
    n_iter: int = 100,
    score_all: bool = False,
) -> SurveyFactors:
    """Screen the items of ``frame`` (respondents × numeric items), fit the factor model on
    the kept ones and score the respondents (steps 1–4 of the module notes).

    Respondents who answered fewer than half the kept items are not scored, unless
    ``score_all`` (a report run, whose later steps need every respondent): then their
    missing answers are the items' medians like anyone's, and a note says how many.
    """
    from segkit.variables.factor import FactorModel

    kept, screening = screen_items(frame, correlation)
    if len(kept) < 3:
        raise InputError(
            f"only {len(kept)} usable item(s) after screening; need at least 3",
            code="TOO_FEW_ITEMS",
        )
    answered = frame[kept].notna().mean(axis=1) >= MIN_ANSWERED
    notes = []
    if not answered.all():
        few = f"{int((~answered).sum())} respondent(s) answered fewer than half the items"
        notes.append(f"{few}: scored with the items' medians" if score_all else
                     f"{few} and are not segmented")  # fmt: skip
    fm = FactorModel(
        n_factors, rotation, "minres", seed, n_iter=n_iter, correlation=correlation
    ).fit(frame[kept])
    data = frame[kept] if score_all else frame.loc[answered, kept]
    if data.isna().any().any():
        notes.append(
            f"{int(data.isna().any(axis=1).sum())} respondent(s) with a missing "
            "answer scored with the item's median (psych impute = 'median')"
        )
    scores = fm.transform(data.fillna(data.median()))
    return SurveyFactors(screening, fm, scores, notes)


@dataclass
class NeedsRun:
    """A needs segmentation: every intermediate result, as written by :func:`write_needs`."""

    id_col: str
    factors: SurveyFactors
    selection: Any  # KSelection or None
    assignments: pd.DataFrame
    segments: pd.DataFrame
    strategy: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def screening(self) -> pd.DataFrame:
        """The item screening (:func:`screen_items`)."""
        return self.factors.screening

    @property
    def adequacy(self) -> AdequacyReport:
        """KMO (per-item MSA) and Bartlett's test of the kept items."""
        return self.factors.adequacy

    @property
    def model(self) -> Any:
        """The fitted :class:`segkit.variables.factor.FactorModel`."""
        return self.factors.model

    @property
    def scores(self) -> pd.DataFrame:
        """The factor scores of the scored respondents."""
        return self.factors.scores

    @property
    def notes(self) -> list[str]:
        """Respondents left out or scored with medians."""
        return self.factors.notes

    def adequacy_json(self) -> dict[str, Any]:
        """:meth:`SurveyFactors.adequacy_json`."""
        return self.factors.adequacy_json()

    def n_factors_json(self) -> dict[str, Any]:
        """:meth:`SurveyFactors.n_factors_json`."""
        return self.factors.n_factors_json()

    def reliability(self) -> pd.DataFrame:
        """:meth:`SurveyFactors.reliability`."""
        return self.factors.reliability()

    def loadings(self) -> pd.DataFrame:
        """:meth:`SurveyFactors.loadings` with the items' wording."""
        return self.factors.loadings(self.labels)

    def summary_text(self) -> str:
        """A short, printable account (``summary.txt``)."""
        a, r = self.adequacy, self.model.n_factors_report_
        lines = [
            f"Needs segmentation: {len(self.model.loadings_)} items, "
            f"{self.model.n_factors_} factors, {len(self.segments)} segments",
            f"  KMO {a.kmo:.3f} ({a.kmo_label}); Bartlett chi2 = {a.bartlett_chi2:.1f}, "
            f"df = {a.bartlett_df}; {a.correlation} correlations, n = {a.n_obs}",
            f"  factors: {r.reason}",
        ]
        if self.selection is not None:
            lines.append(f"  k: {self.selection.reason_}")
        for s in self.segments.itertuples(index=False):
            need = f", need {s.need}" if s.need else ""
            lines.append(f"  {s.segment}: {s.name} — {s.size:,} respondents ({s.share:.1%}){need}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def segment_needs_survey(
    survey: pd.DataFrame,
    *,
    id_col: str = "customer_id",
    items: Sequence[str] | None = None,
    labels: Labels | None = None,
    needs: Mapping[str, str] | None = None,
    correlation: Correlation = "pairwise",
    n_factors: int | None = None,
    rotation: str | None = "varimax",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 8),
    method: str = "kmeans",
    seed: int = 0,
    n_iter: int = 100,
    playbook: Any = None,
    progress: bool = False,
) -> NeedsRun:
    """Needs segments of survey respondents (the steps of the module notes).

    Parameters
    ----------
    survey : DataFrame
        One row per respondent: ``id_col`` and numeric item answers.
    items : sequence of str, optional
        Item columns (default: every numeric column but ``id_col``).
    labels : mapping, optional
        Item → wording (a string, or a sequence whose first text is the label, as
        :data:`segkit.datasets.SURVEY_ITEMS`); default the column names.
    needs : mapping, optional
        Item → need (price, quality, service, convenience); default guessed from the wording.
    correlation : {"pairwise", "listwise"}
        Missing answers in the correlations (psych's default ``pairwise``).
    n_factors : int, optional
        Factors to extract; default the parallel-analysis common-factor count.
    k, k_range, method, seed : clustering (k by vote over ``k_range`` when ``k`` is None).
    n_iter : int
        Random data sets of the parallel analysis.

    Returns
    -------
    NeedsRun
    """
    from segkit.cluster.estimator import SegmentClusterer
    from segkit.cluster.kvote import choose_k

    if id_col not in survey:
        raise InputError(f"no id column {id_col!r}", column=id_col, code="MISSING_COLUMN")
    if survey[id_col].isna().any() or survey[id_col].duplicated().any():
        raise InputError(
            f"id column {id_col!r} has missing or repeated ids", column=id_col, code="DUPLICATE_ID"
        )
    if items is None:
        items = [
            c for c in survey.columns if c != id_col and pd.api.types.is_numeric_dtype(survey[c])
        ]
    frame = survey.set_index(id_col)[list(items)]
    factors = survey_factors(
        frame, correlation=correlation, n_factors=n_factors, rotation=rotation, seed=seed,
        n_iter=n_iter,
    )  # fmt: skip
    z = standardise(factors.scores)
    selection = None
    if k is None:
        lo, hi = k_range
        selection = choose_k(
            z, k_range=range(lo, hi + 1), preprocess=None, random_state=seed, progress=progress
        )
        k = selection.recommended_k_
    clusterer = SegmentClusterer(
        method,  # type: ignore[arg-type]
        k,
        preprocess=None,
        value_column=str(z.columns[0]),
        random_state=seed,
    ).fit(z)
    seg = clusterer.labels_
    labels = dict(labels or {})
    named, d = label_segments(z, seg, factors.model.loadings_, labels, needs)
    sizes = seg.value_counts().reindex(named["segment"]).to_numpy()
    segments = named.assign(size=sizes, share=sizes / sizes.sum())
    means = z.groupby(seg.to_numpy()).mean().add_prefix("mean_").reset_index(drop=True)
    segments = pd.concat([segments, means, d.add_prefix("d_").reset_index(drop=True)], axis=1)
    strategy = needs_strategy(segments, playbook)
    name_of = dict(zip(named["segment"], named["name"], strict=True))
    assignments = pd.DataFrame({id_col: frame.index.astype("string")})
    assignments["segment"] = pd.array(seg.reindex(frame.index).to_numpy(), dtype="Int64")
    assignments["name"] = assignments["segment"].map(name_of)
    assignments = assignments.rename(columns={id_col: "id"})
    texts = {i: str(v if isinstance(v, str) else v[0]) for i, v in labels.items()}
    return NeedsRun(id_col, factors, selection, assignments, segments, strategy, texts)


def standardise(scores: pd.DataFrame) -> pd.DataFrame:
    """Factor scores as z-scores (mean 0, SD 1 with ddof 1): the clustering features."""
    return (scores - scores.mean()) / scores.std()


def write_needs(run: NeedsRun, out: str | Path) -> dict[str, Path]:
    """Write :data:`NEEDS_FILES` into folder ``out`` (created; files are never overwritten)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    msa = run.adequacy.to_frame().rename_axis("item").reset_index()
    tables: dict[str, pd.DataFrame | None] = {
        "screening.csv": run.screening,
        "msa.csv": msa,
        "loadings.csv": run.loadings(),
        "reliability.csv": run.reliability(),
        "k_vote.csv": None if run.selection is None else run.selection.to_frame().reset_index(),
        "segments.csv": run.segments,
        "strategy.csv": run.strategy,
        "assignments.csv": run.assignments,
    }
    written: dict[str, Path] = {}
    for name, payload in (
        ("adequacy.json", run.adequacy_json()),
        ("n_factors.json", run.n_factors_json()),
    ):
        text = json.dumps(payload, ensure_ascii=False, indent=2, default=_jsonable)
        written[name] = write_text(folder / name, text + "\n")
    for name, table in tables.items():
        if table is not None:
            written[name] = write_text(folder / name, table.to_csv(index=False))
    written["summary.txt"] = write_text(folder / "summary.txt", run.summary_text() + "\n")
    return written


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
