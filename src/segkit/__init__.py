"""segkit — customer segmentation (客户分层 / 客户细分管理), step by step.

collect → clean → profile → select variables → segment → validate → name → strategy → monitor.
"""

__version__ = "0.1.0"
