"""What every plot shares: the Axes it draws on and a font that can show Chinese.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> axes_for(None).get_figure() is not None
True
>>> plt.close("all")
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib import font_manager, rcParams

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Source Han Sans SC",
    "AR PL UMing CN",
)
_PROBE = 0x4EF7  # 价
_NO_FONT = (
    "no font with Chinese characters found; Chinese labels will show as boxes. Install one, "
    "e.g. `sudo apt-get install fonts-noto-cjk` (or `fonts-wqy-microhei`), then delete "
    "matplotlib's font cache (~/.cache/matplotlib) and restart Python."
)
_warned = False


def _covers(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        return _PROBE in FT2Font(path).get_charmap()
    except Exception:  # unreadable or unsupported font file
        return False


@functools.lru_cache(maxsize=1)
def _find_cjk_font() -> str | None:
    manager = font_manager.fontManager
    names = {entry.name for entry in manager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    known = set()
    for entry in manager.ttflist:
        known.add(entry.fname)
        if "Last Resort" not in entry.name and _covers(entry.fname):
            return str(entry.name)
    roots = [p for p in ("/usr/share/fonts", "/usr/local/share/fonts") if Path(p).is_dir()]
    for path in font_manager.findSystemFonts(fontpaths=roots):
        if path not in known and _covers(path):
            manager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
    return None


def use_cjk_font() -> str | None:
    """Put an installed CJK font first in ``font.sans-serif`` so Chinese labels render.

    Looks for the usual families (:data:`CJK_FONTS`), then for any font matplotlib knows or
    any file under ``/usr/share/fonts`` that has the glyph 价 (U+4EF7). Also sets
    ``axes.unicode_minus = False`` (CJK fonts often lack the Unicode minus).

    Returns
    -------
    str or None
        The font family, or None (with a one-time warning explaining how to install one).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # no CJK font on this machine: a warning
    ...     family = use_cjk_font()
    >>> family is None or family in rcParams["font.sans-serif"]
    True
    """
    global _warned
    family = _find_cjk_font()
    if family is None:
        if not _warned:
            warnings.warn(_NO_FONT, UserWarning, stacklevel=2)
            _warned = True
        return None
    rcParams["font.sans-serif"] = [family, *[f for f in rcParams["font.sans-serif"] if f != family]]
    rcParams["axes.unicode_minus"] = False
    return family


def axes_for(ax: Axes | None, size: tuple[float, float] = (7.0, 4.5)) -> Axes:
    """``ax``, or the Axes of a new figure of ``size`` inches (constrained layout)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def legend_outside(ax: Axes, title: str | None = None, *, below: bool = False) -> None:
    """Move the Axes' legend (if any) outside the data, titled ``title``: right of the plot,
    or ``below`` it in one row."""
    legend = ax.get_legend()
    if legend is None:
        return
    import seaborn as sns

    if below:
        n = len(legend.get_texts())
        sns.move_legend(ax, "upper center", bbox_to_anchor=(0.5, -0.15), ncol=max(n, 1),
                        title=title, frameon=False)  # fmt: skip
    else:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), title=title, frameon=False)
