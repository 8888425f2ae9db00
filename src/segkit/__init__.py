"""segkit — customer segmentation (客户分层 / 客户细分管理), step by step.

collect → clean → profile → select variables → segment → validate → name → strategy → monitor.
"""

__version__ = "0.1.0"

import warnings

# tqdm.auto (kselect, validate) warns in a Jupyter kernel without ipywidgets and falls back to
# text progress bars; the warning would only clutter the executed notebooks and the report
warnings.filterwarnings("ignore", message="IProgress not found", module="tqdm")
