"""``report.html``: one self-contained, offline page — a summary up front, then every step.

The page is assembled here: the summary (:mod:`segkit.outputs.html_summary`), then each
executed notebook as one section (:mod:`segkit.outputs.html_notebooks`), in the words of
:mod:`segkit.outputs.html_labels`. It carries a Content-Security-Policy that forbids scripts
and any network access, and uses local fonts only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from segkit import __version__
from segkit.atomic import refuse_existing, write_text
from segkit.config import RunConfig
from segkit.outputs.html_labels import esc, label
from segkit.outputs.html_notebooks import notebook_section
from segkit.outputs.html_summary import summary_section
from segkit.workflow.artefacts import RunFolder, read_artefact

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
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
    the header (default: the config's). ``cfg.report.audience`` ``client`` leaves out the
    notebooks' course material (cells tagged ``training``).
    """
    target = run.path("report")
    refuse_existing(target)
    lang = cfg.language
    audience = cfg.report.audience
    sections = [notebook_section(Path(p), audience) for p in notebooks if Path(p).exists()]
    toc = [f'<li><a href="#summary">{esc(label("summary", lang))}</a></li>']
    toc += [
        f'<li><a href="#step-{esc(Path(p).stem)}">{esc(title)}</a></li>'
        for p, (title, _) in zip(notebooks, sections, strict=False)
    ]
    steps = "\n".join(
        f'<section id="step-{esc(Path(p).stem)}">{body}</section>'
        for p, (_, body) in zip(notebooks, sections, strict=False)
    )
    customers = ""
    segs = read_artefact(run, "segments")
    if segs is not None and "size" in segs:
        customers = f" · {int(segs['size'].sum()):,} {label('customers', lang)}"
    created = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    day = as_of or (cfg.as_of.isoformat() if cfg.as_of else None)
    as_of_text = f" · {label('as_of', lang)} {day}" if day else ""
    subtitle = (
        f"{esc(cfg.client)} · {esc(label('run', lang))} {esc(run.root.name)}"
        f"{esc(customers + as_of_text)}"
    )
    page = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "zh-CN"}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="segkit {esc(__version__)}">
<title>{esc(cfg.report.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header><h1>{esc(cfg.report.title)}</h1>
<p>{subtitle}</p>
</header>
<main>
<nav><strong>{esc(label("contents", lang))}</strong><ol>{"".join(toc)}</ol></nav>
<section id="summary"><h2>{esc(label("summary", lang))}</h2>
{summary_section(run, cfg)}
</section>
{steps}
</main>
<footer>segkit {esc(__version__)} · {esc(created)}</footer>
</body>
</html>
"""
    return write_text(target, page)
