"""The step sections of ``report.html``: each executed notebook as sanitised HTML.

A notebook is converted with nbconvert (no code, no prompts, no MathJax or require.js from a
CDN, images as ``data:`` URIs) after dropping what the report must not show (stderr, errors,
plot reprs, cells tagged ``remove-cell`` / ``report-skip``, and for a ``client`` audience the
cells tagged ``training``: exercises, course wording, navigation, run-folder lines, file tables),
then sanitised with nh3: only a fixed set of tags and attributes survives, images only as
``data:image/…`` and links only to anchors inside the page.

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

import re
from pathlib import Path
from typing import Any

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


#: cell tags never shown in a report
SKIP_TAGS = frozenset({"remove-cell", "report-skip", "parameters", "injected-parameters"})
#: cell tags shown to a ``training`` audience only (course material)
TRAINING_TAGS = frozenset({"training"})


def _prune(nb: Any, audience: str = "training") -> str | None:
    """Drop what the report must not show (stderr, errors, plot reprs, skipped cells, and the
    ``training`` cells unless ``audience`` is ``training``); return the first markdown heading
    as the section title."""
    title = None
    skip = SKIP_TAGS if audience == "training" else SKIP_TAGS | TRAINING_TAGS
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


def notebook_section(path: Path, audience: str = "training") -> tuple[str, str]:
    """``(title, sanitised HTML body)`` of one executed notebook, without code; a ``client``
    audience leaves out the cells tagged ``training``."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(path, as_version=4)
    title = _prune(nb, audience) or path.stem
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
