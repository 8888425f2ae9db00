"""The summary of ``report.html``: segments, strategy and data quality, from the artefacts.

Built from the run's artefacts only (``07_segments.csv``, ``07_strategy.csv``,
``02_quality.csv`` and the row counts of the Parquet artefacts), every value escaped;
segments smaller than ``report.min_report_size`` are not shown.
"""

from __future__ import annotations

import base64
import io

import pandas as pd

from segkit.config import RunConfig
from segkit.naming import pick_language
from segkit.outputs.html_labels import (
    STRATEGY_DIMS,
    esc,
    label,
    pct,
    segment_label,
    trait,
    trait_figures,
)
from segkit.workflow.artefacts import RunFolder, read_artefact


def _chart(shown: pd.DataFrame, language: str) -> str:
    """Bars of customer share and value share per segment, as an ``<img>`` with a data URI."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from segkit.plots.canvas import use_cjk_font

    use_cjk_font()
    names = [pick_language(n, language) for n in shown["label"]]
    data = pd.DataFrame(
        {label("share", language): shown["share"].astype(float).to_numpy()}, index=names
    )
    valued = "value_share" in shown and shown["value_share"].notna().any()
    if valued:
        data[label("value_share", language)] = shown["value_share"].astype(float).to_numpy()
    title = label("chart" if valued else "chart_customers", language)
    # room for the legend below the bars and a title that wraps: the bilingual labels are long
    fig, ax = plt.subplots(figsize=(9, 1.4 + 0.45 * len(data)), layout="constrained")
    data.iloc[::-1].plot.barh(ax=ax, color=["#4c78a8", "#f58518"], width=0.8, legend=False)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title.replace(" Share", "\nShare"), fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    uri = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = esc(title)
    return f'<img class="chart" alt="{alt}" src="data:image/png;base64,{uri}">'


def summary_section(run: RunFolder, cfg: RunConfig) -> str:
    """The summary page: segments (sizes, value shares, names), strategy and data quality."""
    lang = cfg.language
    parts: list[str] = []
    segs = read_artefact(run, "segments")
    if segs is None or segs.empty:
        parts.append(f"<h3>{esc(label('segments', lang))}</h3><p>{esc(label('missing', lang))}</p>")
        shown = pd.DataFrame()
    else:
        segs = segs.assign(label=[segment_label(r, lang) for _, r in segs.iterrows()])
        small = segs["size"].astype(int) < cfg.report.min_report_size
        shown, hidden = segs[~small], segs[small]
        # a source without a value measure (a survey) or without dates has no value share and
        # no traits: those columns are left out rather than shown empty
        keys = ["segment", "name", "size", "share", "value_share", "profile", "stability"]
        if "value_share" not in shown or shown["value_share"].isna().all():
            keys.remove("value_share")
        if not any(c in shown and shown[c].notna().any() for c in ("value", "lifecycle", "growth")):
            keys.remove("profile")
        rows = []
        for _, r in shown.iterrows():
            prof = " / ".join(
                esc(trait(c, r[c], lang) + trait_figures(c, r, lang))
                for c in ("value", "lifecycle", "growth")
                if c in r and pd.notna(r[c])
            )
            stab = ""
            if "stability" in r and pd.notna(r["stability"]):
                stab = f"{float(r['stability']):.2f} {esc(r.get('verdict', ''))}"
            cells = {
                "segment": f"<td>{esc(r['segment'])}</td>", "name": f"<td>{esc(r['label'])}</td>",
                "size": f'<td class="num">{int(r["size"]):,}</td>',
                "share": f'<td class="num">{pct(r["share"])}</td>',
                "value_share": f'<td class="num">{pct(r.get("value_share"))}</td>',
                "profile": f"<td>{prof}</td>", "stability": f"<td>{stab}</td>",
            }  # fmt: skip
            rows.append("<tr>" + "".join(cells[k] for k in keys) + "</tr>")
        head = "".join(f"<th>{esc(label(k, lang))}</th>" for k in keys)
        parts.append(
            f"<h3>{esc(label('segments', lang))}</h3>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
        if len(hidden):
            note = label("suppressed", lang).format(
                n=cfg.report.min_report_size, c=int(hidden["size"].sum())
            )
            parts.append(f'<p class="note">{len(hidden)} {esc(note)}</p>')
        if len(shown):
            parts.append(_chart(shown, lang))
    strategy = read_artefact(run, "strategy")
    if strategy is not None and len(shown):
        strategy = strategy[strategy["segment"].astype(str).isin(shown["segment"].astype(str))]
        labels = dict(zip(shown["segment"].astype(str), shown["label"], strict=True))
        cards = []
        for _, r in strategy.iterrows():
            items = "".join(
                f"<dt>{esc(zh if lang == 'zh' else en if lang == 'en' else f'{zh} {en}')}</dt>"
                f"<dd>{esc(pick_language(r[col], lang))}</dd>"
                for col, zh, en in STRATEGY_DIMS
                if col in r and pd.notna(r[col])
            )
            if "kpis" in r and pd.notna(r["kpis"]):
                items += f"<dt>{esc(label('kpis', lang))}</dt><dd>{esc(r['kpis'])}</dd>"
            if "resource_share" in r and pd.notna(r["resource_share"]):
                items += (
                    f"<dt>{esc(label('resource', lang))}</dt><dd>{pct(r['resource_share'])}</dd>"
                )
            name = labels.get(str(r["segment"]), str(r["segment"]))
            cards.append(
                f'<div class="card"><h4>{esc(r["segment"])} · {esc(name)}</h4>'
                f"<dl>{items}</dl></div>"
            )
        parts.append(f"<h3>{esc(label('strategy', lang))}</h3>{''.join(cards)}")
    quality = read_artefact(run, "quality")
    if quality is not None:
        cols = [c for c in ("check", "detected", "removed", "changed", "flagged") if c in quality]
        num = [c for c in cols if c != "check"]
        keep = quality[num].fillna(0).astype(float).abs().sum(axis=1) > 0 if num else True
        head = "".join(f"<th>{esc(label(c, lang))}</th>" for c in cols)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{int(r[c]):,}</td>' if c in num else f"<td>{esc(r[c])}</td>"
                for c in cols
            )
            + "</tr>"
            for _, r in quality[keep].iterrows()
        )
        notes = _balance(run, quality, lang)
        if cfg.source_kind == "transactions":  # a customer table or survey has no orders
            notes.append(_cancellations(cfg, quality, lang))
        parts.append(
            f"<h3>{esc(label('quality', lang))}</h3>"
            + "".join(f'<p class="note">{esc(line)}</p>' for line in notes)
            + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(parts)


def _rows(run: RunFolder, name: str) -> int | None:
    """Rows of a Parquet artefact, from its footer (the table is not read)."""
    path = run.path(name)
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def _balance(run: RunFolder, quality: pd.DataFrame, language: str) -> list[str]:
    """The row account (records = kept + quarantined, de-duplicated among them) and the
    customer account (profiled = assigned), each with its check."""
    if language == "both":
        zh, en = _balance(run, quality, "zh"), _balance(run, quality, "en")
        return [f"{a} · {b}" for a, b in zip(zh, en, strict=True)]
    if "check" not in quality or "detected" not in quality:
        return []
    counts = quality.set_index("check")["detected"].fillna(0).astype(int)
    read = int(counts.get("records read", 0))
    kept = int(counts.get("rows kept", 0))
    quarantined = int(counts.get("rows quarantined", 0))
    dups = 0
    if "removed" in quality:
        dups = int(quality.set_index("check")["removed"].fillna(0).get("DUPLICATE_ROW", 0))
    ok = label("ok" if read == kept + quarantined else "mismatch", language)
    lines = [label("balance", language).format(read=read, kept=kept,
             quarantined=quarantined, dups=dups, ok=ok)]  # fmt: skip
    profiled, assigned = _rows(run, "profile"), _rows(run, "assignments")
    if profiled is not None and assigned is not None:
        ok = label("ok" if profiled == assigned else "mismatch", language)
        line = label("chain", language).format(profiled=profiled, assigned=assigned, ok=ok)
        excluded = read_artefact(run, "excluded_customers")
        if excluded is not None and len(excluded):
            line += "; " + label("excluded", language).format(n=len(excluded))
        lines.append(line)
    return lines


def _cancellations(cfg: RunConfig, quality: pd.DataFrame, language: str) -> str:
    """How the run treated cancelled orders (the policy, and how many lines it concerned).

    Examples
    --------
    >>> cfg = RunConfig.model_validate({"demo": {}, "policy": {"cancellation_prefix": "C"}})
    >>> q = pd.DataFrame({"check": ["CANCELLED"], "detected": [3]})
    >>> _cancellations(cfg, q, "en")[:60]
    "Cancellations (order ids starting with 'C', 3 lines): 0 were"
    """
    if language == "both":
        return f"{_cancellations(cfg, quality, 'zh')} · {_cancellations(cfg, quality, 'en')}"
    policy = cfg.policy
    if not policy.cancellation_prefix:
        return label("cancel_none", language)
    n = pairs = 0
    if "check" in quality and "detected" in quality:
        table = quality.set_index("check")
        n = int(table["detected"].fillna(0).get("CANCELLED", 0))
        if "removed" in table:
            pairs = int(table["removed"].fillna(0).get("CANCELLED", 0))
    key = "cancel_net" if policy.cancellations == "net" else "cancel_drop"
    return label(key, language).format(
        prefix=policy.cancellation_prefix, n=n, pairs=pairs, rest=n - pairs
    )
