"""Plots for every step of the method (seaborn, one Axes each).

Every function is shaped like seaborn's: ``plot_x(data, *, ..., ax=None) -> Axes``. It draws
on ``ax`` (or a new figure), sets titles and labels from the data in Chinese and English,
returns the :class:`matplotlib.axes.Axes` and never calls ``plt.show()``. Call
:func:`use_cjk_font` once so Chinese labels render (it warns when no CJK font exists).

The modules follow the method; import the functions from here (``from segkit import plots``):

* :mod:`segkit.plots.data` — collection, cleaning, variables (steps 01–03);
* :mod:`segkit.plots.tiers` — the Pareto curve and the RFM grid (step 04);
* :mod:`segkit.plots.segments` — segment sizes, choosing k, profiles, stability and the
  hit-rate / migration matrices (steps 05–08);
* :mod:`segkit.plots.canvas` — the Axes, the CJK font and the outside legend every plot shares;
* :mod:`segkit.plots.labels` — readable column labels (``segkit/data/labels.yaml``) and the
  logical order of tiers and stages, used by every plot (no matplotlib: tables may use it too).
"""

from segkit.plots.canvas import CJK_FONTS, use_cjk_font
from segkit.plots.data import (
    plot_correlation,
    plot_distribution,
    plot_loadings,
    plot_monthly,
    plot_quality,
)
from segkit.plots.labels import category_order, feature_label
from segkit.plots.segments import (
    plot_index_heatmap,
    plot_k_selection,
    plot_matrix,
    plot_segment_sizes,
    plot_snake,
    plot_stability,
)
from segkit.plots.tiers import plot_pareto, plot_rfm_grid

__all__ = [
    "CJK_FONTS",
    "category_order",
    "feature_label",
    "plot_correlation",
    "plot_distribution",
    "plot_index_heatmap",
    "plot_k_selection",
    "plot_loadings",
    "plot_matrix",
    "plot_monthly",
    "plot_pareto",
    "plot_quality",
    "plot_rfm_grid",
    "plot_segment_sizes",
    "plot_snake",
    "plot_stability",
    "use_cjk_font",
]
