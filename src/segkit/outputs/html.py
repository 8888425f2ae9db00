"""``report.html``: one self-contained, offline page — a summary up front, then every step.

The summary is built from the run's artefacts only (``07_segments.csv``, ``07_strategy.csv``,
``02_quality.csv``), every value escaped with :func:`html.escape`; segments smaller than
``report.min_report_size`` are not shown. Each executed notebook follows as one section,
converted with nbconvert (no code, no prompts, no MathJax or require.js from a CDN, images as
``data:`` URIs) and sanitised with nh3: only a fixed set of tags and attributes survives,
images only as ``data:image/…`` and links only to anchors inside the page. The page carries a
Content-Security-Policy that forbids scripts and any network access, and uses local fonts only.

Examples
--------
>>> sanitise('<p onclick="x()">hi<script>alert(1)</script><img src="http://e.x/a.png"></p>')
'<p>hi<img></p>'
>>> sanitise('<h2 id="Top">T</h2><a href="#Top">up</a> <a href="https://e.x">out</a>', "s1")
... # doctest: +NORMALIZE_WHITESPACE
'<h2 id="s1-Top">T</h2><a href="#s1-Top" rel="noopener noreferrer">up</a>
 <a rel="noopener noreferrer">out</a>'
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from segkit import __version__
from segkit.atomic import refuse_existing, write_text
from segkit.naming import pick_language
from segkit.runconfig import RunConfig
from segkit.workflow.artefacts import RunFolder, read_artefact

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip
_ATTRS = {
    "*": {"class", "id"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
_IMAGE_URI = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+$")
_PLOT_REPR = re.compile(r"^\[?<(matplotlib|Axes|Figure)|^Text\(|^<seaborn")
_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "summary": "摘要",
        "contents": "目录",
        "segments": "客户细分",
        "segment": "细分",
        "name": "名称",
        "size": "客户数",
        "share": "客户占比",
        "value_share": "价值占比",
        "profile": "价值 / 生命周期 / 成长",
        "stability": "稳定性",
        "strategy": "策略",
        "quality": "数据质量",
        "check": "检查项",
        "detected": "发现",
        "removed": "移除",
        "changed": "修改",
        "flagged": "标记",
        "suppressed": "个细分少于 {n} 位客户，为保护隐私未显示（共 {c} 位客户）。",
        "customers": "客户",
        "as_of": "分析日期",
        "run": "运行",
        "steps": "分析步骤",
        "missing": "本次运行没有生成该表。",
        "chart": "各细分的客户占比与价值占比",
        "resource": "资源占比",
        "kpis": "指标",
        "balance": "记录 {read:,} = 保留 {kept:,} + 隔离 {quarantined:,}"
        "（其中去重 {dups:,}）：{ok}",
        "chain": "客户：档案 {profiled:,} 位 = 已分群 {assigned:,} 位：{ok}",
        "excluded": "另有 {n:,} 位客户只有退货或取消、没有购买，未建档也未分群"
        "（名单见 02_excluded_customers.csv）",
        "cancel_net": "取消订单（订单号以 “{prefix}” 开头，{n:,} 行）中 {pairs:,} 行与所取消的购买"
        "配对（同一客户、金额相同、最近者优先），二者一并移除：被取消的购买不计销售、订单或购买日期；"
        "其余 {rest:,} 行按负金额保留，与客户消费相抵（策略 cancellations=net）。",
        "cancel_drop": "取消订单（订单号以 “{prefix}” 开头，{n:,} 行）已隔离，"
        "但被取消的购买仍计为销售：本报告的消费金额包含已取消的订单"
        "（策略 cancellations=drop）。",
        "cancel_none": "未设置取消订单前缀（policy.cancellation_prefix）：取消订单无法识别，"
        "负金额行按退货处理。",
        "ok": "平衡 ✓",
        "mismatch": "不平衡 ✗",
    },
    "en": {
        "summary": "Summary",
        "contents": "Contents",
        "segments": "Segments",
        "segment": "Segment",
        "name": "Name",
        "size": "Customers",
        "share": "Share of customers",
        "value_share": "Share of value",
        "profile": "Value / lifecycle / growth",
        "stability": "Stability",
        "strategy": "Strategy",
        "quality": "Data quality",
        "check": "Check",
        "detected": "Found",
        "removed": "Removed",
        "changed": "Changed",
        "flagged": "Flagged",
        "suppressed": "segment(s) with fewer than {n} customers are not shown (privacy; "
        "{c} customers in all).",
        "customers": "customers",
        "as_of": "As of",
        "run": "Run",
        "steps": "Steps",
        "missing": "This run did not produce this table.",
        "chart": "Share of customers and of value by segment",
        "resource": "Resource share",
        "kpis": "KPIs",
        "balance": "records {read:,} = kept {kept:,} + quarantined {quarantined:,} "
        "(of which de-duplicated {dups:,}): {ok}",
        "chain": "customers: profiled {profiled:,} = assigned to a segment {assigned:,}: {ok}",
        "excluded": "{n:,} more customers have only returns or cancellations and no "
        "purchase: not profiled, not assigned (listed in 02_excluded_customers.csv)",
        "cancel_net": "Cancellations (order ids starting with '{prefix}', {n:,} lines): "
        "{pairs:,} were matched to the purchase they cancel (same customer, same amount, most "
        "recent first) and removed with it, so a cancelled purchase counts as no sale, order or "
        "purchase date; the other {rest:,} are kept as negative amounts that net against the "
        "customer's spend (policy cancellations=net).",
        "cancel_drop": "Cancellations (order ids starting with '{prefix}', {n:,} lines) are "
        "quarantined, but the purchases they cancel are still counted as sales: spend in "
        "this report includes cancelled orders (policy cancellations=drop).",
        "cancel_none": "No cancellation prefix is set (policy.cancellation_prefix): "
        "cancellations cannot be told apart, and negative lines count as returns.",
        "ok": "balanced ✓",
        "mismatch": "MISMATCH ✗",
    },
}
_STRATEGY_DIMS = (
    ("product", "产品", "Product"),
    ("price", "价格", "Price"),
    ("promotion", "促销", "Promotion"),
    ("channel", "渠道", "Channel"),
    ("service_level", "服务", "Service"),
    ("response_time", "响应时间", "Response time"),
    ("care", "关怀", "Care"),
)


def _label(key: str, language: str) -> str:
    if language == "both":
        zh, en = _LABELS["zh"][key], _LABELS["en"][key]
        return zh if zh == en else f"{zh} {en}"
    return _LABELS["en" if language == "en" else "zh"][key]


# --- notebook sections ------------------------------------------------------------------------


def sanitise(fragment: str, section: str = "") -> str:
    """Clean notebook-derived HTML: allowed tags and attributes only, ``data:image`` sources,
    in-page links, ids prefixed with ``section`` (so sections never clash)."""
    import nh3

    prefix = f"{section}-" if section else ""

    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr == "src":
            return value if tag == "img" and _IMAGE_URI.match(value) else None
        if attr == "href":
            return f"#{prefix}{value[1:]}" if value.startswith("#") else None
        if attr == "id":
            return prefix + value
        return value

    return str(
        nh3.clean(
            fragment,
            tags=_TAGS,
            attributes=_ATTRS,
            attribute_filter=keep,
            url_schemes={"data"},
            strip_comments=True,
        )
    )


def _prune(nb: Any) -> str | None:
    """Drop what the report must not show (stderr, errors, plot reprs, skipped cells); return
    the first markdown heading as the section title."""
    title = None
    skip = {"remove-cell", "report-skip", "parameters", "injected-parameters"}
    kept = []
    for cell in nb.cells:
        if skip & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.cell_type == "markdown" and title is None:
            match = re.search(r"^#{1,2}\s+(.+)$", cell.source, flags=re.M)
            title = match.group(1).strip() if match else None
        if cell.cell_type == "code":
            outs = []
            for out in cell.get("outputs", []):
                if out.output_type == "error" or (
                    out.output_type == "stream" and out.get("name") == "stderr"
                ):
                    continue
                data = out.get("data", {})
                if (
                    out.output_type in ("execute_result", "display_data")
                    and set(data) == {"text/plain"}
                    and _PLOT_REPR.match(str(data["text/plain"]))
                ):
                    continue
                outs.append(out)
            cell.outputs = outs
        kept.append(cell)
    nb.cells = kept
    return title


def notebook_section(path: Path) -> tuple[str, str]:
    """``(title, sanitised HTML body)`` of one executed notebook, without code."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(path, as_version=4)
    title = _prune(nb) or path.stem
    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.mathjax_url = ""
    c.HTMLExporter.require_js_url = ""
    c.HTMLExporter.anchor_link_text = ""
    body, _ = HTMLExporter(config=c, template_name="basic").from_notebook_node(nb)
    return title, sanitise(body, path.stem)


# --- the summary ------------------------------------------------------------------------------


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(value: Any) -> str:
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return ""


_read = read_artefact


def _chart(shown: pd.DataFrame, language: str) -> str:
    """Bars of customer share and value share per segment, as an ``<img>`` with a data URI."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from segkit.plots import use_cjk_font

    use_cjk_font()
    names = [pick_language(n, language) for n in shown["label"]]
    data = pd.DataFrame(
        {_label("share", language): shown["share"].astype(float).to_numpy()}, index=names
    )
    if "value_share" in shown:
        data[_label("value_share", language)] = shown["value_share"].astype(float).to_numpy()
    # room for the legend below the bars and a title that wraps: the bilingual labels are long
    fig, ax = plt.subplots(figsize=(9, 1.4 + 0.45 * len(data)), layout="constrained")
    data.iloc[::-1].plot.barh(ax=ax, color=["#4c78a8", "#f58518"], width=0.8, legend=False)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(_label("chart", language).replace(" Share", "\nShare"), fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    uri = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = _e(_label("chart", language))
    return f'<img class="chart" alt="{alt}" src="data:image/png;base64,{uri}">'


def _segment_label(row: pd.Series, language: str) -> str:
    zh, en = row.get("name_zh"), row.get("name_en")
    if language == "en" and isinstance(en, str):
        return en
    if language == "both" and isinstance(zh, str) and isinstance(en, str):
        return f"{zh} / {en}"
    return str(zh) if isinstance(zh, str) else str(row["segment"])


def summary_section(run: RunFolder, cfg: RunConfig) -> str:
    """The summary page: segments (sizes, value shares, names), strategy and data quality."""
    lang = cfg.language
    parts: list[str] = []
    segs = _read(run, "segments")
    if segs is None or segs.empty:
        parts.append(f"<h3>{_e(_label('segments', lang))}</h3><p>{_e(_label('missing', lang))}</p>")
        shown = pd.DataFrame()
    else:
        segs = segs.assign(label=[_segment_label(r, lang) for _, r in segs.iterrows()])
        small = segs["size"].astype(int) < cfg.report.min_report_size
        shown, hidden = segs[~small], segs[small]
        rows = []
        for _, r in shown.iterrows():
            prof = " / ".join(
                _e(_trait(c, r[c], lang) + _trait_figures(c, r, lang))
                for c in ("value", "lifecycle", "growth")
                if c in r and pd.notna(r[c])
            )
            stab = ""
            if "stability" in r and pd.notna(r["stability"]):
                stab = f"{float(r['stability']):.2f} {_e(r.get('verdict', ''))}"
            rows.append(
                f"<tr><td>{_e(r['segment'])}</td><td>{_e(r['label'])}</td>"
                f'<td class="num">{int(r["size"]):,}</td><td class="num">{_pct(r["share"])}</td>'
                f'<td class="num">{_pct(r.get("value_share"))}</td><td>{prof}</td>'
                f"<td>{stab}</td></tr>"
            )
        head = "".join(
            f"<th>{_e(_label(k, lang))}</th>"
            for k in ("segment", "name", "size", "share", "value_share", "profile", "stability")
        )
        parts.append(
            f"<h3>{_e(_label('segments', lang))}</h3>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
        if len(hidden):
            note = _label("suppressed", lang).format(
                n=cfg.report.min_report_size, c=int(hidden["size"].sum())
            )
            parts.append(f'<p class="note">{len(hidden)} {_e(note)}</p>')
        if len(shown):
            parts.append(_chart(shown, lang))
    strategy = _read(run, "strategy")
    if strategy is not None and len(shown):
        strategy = strategy[strategy["segment"].astype(str).isin(shown["segment"].astype(str))]
        labels = dict(zip(shown["segment"].astype(str), shown["label"], strict=True))
        cards = []
        for _, r in strategy.iterrows():
            items = "".join(
                f"<dt>{_e(zh if lang == 'zh' else en if lang == 'en' else f'{zh} {en}')}</dt>"
                f"<dd>{_e(pick_language(r[col], lang))}</dd>"
                for col, zh, en in _STRATEGY_DIMS
                if col in r and pd.notna(r[col])
            )
            if "kpis" in r and pd.notna(r["kpis"]):
                items += f"<dt>{_e(_label('kpis', lang))}</dt><dd>{_e(r['kpis'])}</dd>"
            if "resource_share" in r and pd.notna(r["resource_share"]):
                items += (
                    f"<dt>{_e(_label('resource', lang))}</dt><dd>{_pct(r['resource_share'])}</dd>"
                )
            name = labels.get(str(r["segment"]), str(r["segment"]))
            cards.append(
                f'<div class="card"><h4>{_e(r["segment"])} · {_e(name)}</h4><dl>{items}</dl></div>'
            )
        parts.append(f"<h3>{_e(_label('strategy', lang))}</h3>{''.join(cards)}")
    quality = _read(run, "quality")
    if quality is not None:
        cols = [c for c in ("check", "detected", "removed", "changed", "flagged") if c in quality]
        num = [c for c in cols if c != "check"]
        keep = quality[num].fillna(0).astype(float).abs().sum(axis=1) > 0 if num else True
        head = "".join(f"<th>{_e(_label(c, lang))}</th>" for c in cols)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{int(r[c]):,}</td>' if c in num else f"<td>{_e(r[c])}</td>"
                for c in cols
            )
            + "</tr>"
            for _, r in quality[keep].iterrows()
        )
        notes = [*_balance(run, quality, lang), _cancellations(cfg, quality, lang)]
        parts.append(
            f"<h3>{_e(_label('quality', lang))}</h3>"
            + "".join(f'<p class="note">{_e(line)}</p>' for line in notes)
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


def _trait(kind: str, value: Any, language: str) -> str:
    """A segment's trait (``high`` / ``mature`` …) in the report's language.

    Examples
    --------
    >>> _trait("value", "high", "zh"), _trait("lifecycle", "mature", "both")
    ('高价值', '成熟客户 mature')
    """
    from segkit.tiers.result import chinese_name

    text = str(value)
    zh = chinese_name(kind, text)
    if language == "zh":
        return zh
    return text if language == "en" or zh == text else f"{zh} {text}"


def _trait_figures(kind: str, row: pd.Series, language: str) -> str:
    """The figures behind a segment's trait: its value index, or the share and index of its
    most over-represented lifecycle stage / growth tier (empty when the run lacks them).

    Examples
    --------
    >>> r = pd.Series({"value_index": 2.314, "lifecycle_share": 0.45, "lifecycle_index": 2.1})
    >>> _trait_figures("value", r, "zh"), _trait_figures("lifecycle", r, "en")
    ('（人均价值为平均的 2.31 倍）', ' (45% of the segment, 2.10× the average share)')
    """
    if kind == "value":
        index = row.get("value_index")
        if index is None or pd.isna(index):
            return ""
        zh, en = f"（人均价值为平均的 {index:.2f} 倍）", f" ({index:.2f}× the average value)"
    else:
        share, index = row.get(f"{kind}_share"), row.get(f"{kind}_index")
        if share is None or index is None or pd.isna(share) or pd.isna(index):
            return ""
        zh = f"（占本细分 {share:.0%}，为平均占比的 {index:.2f} 倍）"
        en = f" ({share:.0%} of the segment, {index:.2f}× the average share)"
    return zh if language == "zh" else en if language == "en" else zh + en


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
    ok = _label("ok" if read == kept + quarantined else "mismatch", language)
    lines = [_label("balance", language).format(read=read, kept=kept,
             quarantined=quarantined, dups=dups, ok=ok)]  # fmt: skip
    profiled, assigned = _rows(run, "profile"), _rows(run, "assignments")
    if profiled is not None and assigned is not None:
        ok = _label("ok" if profiled == assigned else "mismatch", language)
        line = _label("chain", language).format(profiled=profiled, assigned=assigned, ok=ok)
        excluded = _read(run, "excluded_customers")
        if excluded is not None and len(excluded):
            line += "; " + _label("excluded", language).format(n=len(excluded))
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
        return _label("cancel_none", language)
    n = pairs = 0
    if "check" in quality and "detected" in quality:
        table = quality.set_index("check")
        n = int(table["detected"].fillna(0).get("CANCELLED", 0))
        if "removed" in table:
            pairs = int(table["removed"].fillna(0).get("CANCELLED", 0))
    key = "cancel_net" if policy.cancellations == "net" else "cancel_drop"
    return _label(key, language).format(
        prefix=policy.cancellation_prefix, n=n, pairs=pairs, rest=n - pairs
    )


_CSS = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Source Han Sans SC","PingFang SC",
"Microsoft YaHei",system-ui,sans-serif;margin:0;color:#1d2733;background:#fff;line-height:1.5}
header{background:#1f3b57;color:#fff;padding:1.2em 2em}header h1{margin:0 0 .3em 0;font-size:1.7em}
header p{margin:0;opacity:.9}main{max-width:1100px;margin:0 auto;padding:1em 2em}
nav{background:#f3f6f9;border:1px solid #dde3ea;padding:.6em 1.2em;margin:1em 0}
nav ol{margin:.3em 0}section{border-top:3px solid #1f3b57;margin-top:2.5em;padding-top:.5em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto}img.chart{display:block;margin:1em 0}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}
.card{border:1px solid #dde3ea;border-radius:6px;padding:.4em 1em;margin:.6em 0;background:#fbfcfd}
.card h4{margin:.3em 0}
.card dl{display:grid;grid-template-columns:9em 1fr;gap:.15em 1em;margin:.3em 0}
.card dt{font-weight:bold;color:#41556b}.card dd{margin:0}.note{color:#6a737d}
.jp-OutputArea-output table,.output_html table{font-size:.85em}
footer{color:#6a737d;font-size:.8em;padding:2em}
"""


def build_report(
    run: RunFolder, cfg: RunConfig, notebooks: Sequence[Path], *, as_of: str | None = None
) -> Path:
    """Write ``report.html`` of ``run`` (never over an existing one) and return its path.

    ``notebooks`` are the executed notebooks, in order; ``as_of`` the analysis date shown in
    the header (default: the config's).
    """
    target = run.path("report")
    refuse_existing(target)
    lang = cfg.language
    sections = [notebook_section(Path(p)) for p in notebooks if Path(p).exists()]
    toc = [f'<li><a href="#summary">{_e(_label("summary", lang))}</a></li>']
    toc += [
        f'<li><a href="#step-{_e(Path(p).stem)}">{_e(title)}</a></li>'
        for p, (title, _) in zip(notebooks, sections, strict=False)
    ]
    steps = "\n".join(
        f'<section id="step-{_e(Path(p).stem)}">{body}</section>'
        for p, (_, body) in zip(notebooks, sections, strict=False)
    )
    customers = ""
    segs = _read(run, "segments")
    if segs is not None and "size" in segs:
        customers = f" · {int(segs['size'].sum()):,} {_label('customers', lang)}"
    created = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    day = as_of or (cfg.as_of.isoformat() if cfg.as_of else None)
    as_of_text = f" · {_label('as_of', lang)} {day}" if day else ""
    page = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "zh-CN"}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="segkit {_e(__version__)}">
<title>{_e(cfg.report.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header><h1>{_e(cfg.report.title)}</h1>
<p>{_e(cfg.client)} · {_e(_label("run", lang))} {_e(run.root.name)}{_e(customers + as_of_text)}</p>
</header>
<main>
<nav><strong>{_e(_label("contents", lang))}</strong><ol>{"".join(toc)}</ol></nav>
<section id="summary"><h2>{_e(_label("summary", lang))}</h2>
{summary_section(run, cfg)}
</section>
{steps}
</main>
<footer>segkit {_e(__version__)} · {_e(created)}</footer>
</body>
</html>
"""
    return write_text(target, page)
