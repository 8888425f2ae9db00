"""Compatibility shims for third-party packages (kept as small as possible).

factor_analyzer 0.5.1 (the latest release, 2024-02) and today's scikit-learn / pandas
------------------------------------------------------------------------------------

* **scikit-learn ≥ 1.8** removed ``check_array(force_all_finite=...)`` (renamed
  ``ensure_all_finite`` in 1.6), so ``FactorAnalyzer.fit``/``transform`` and
  ``ConfirmatoryFactorAnalyzer.fit``/``transform`` raise ``TypeError: check_array() got an
  unexpected keyword argument 'force_all_finite'``. Upstream fixed this on main in commit
  de933d2 (EducationalTestingService/factor_analyzer, 2025-01) by renaming the keyword;
  it is unreleased. We do the same by wrapping the name ``check_array`` *as imported in*
  ``factor_analyzer.factor_analyzer`` and ``factor_analyzer.confirmatory_factor_analyzer``;
  scikit-learn itself is not touched.
* **pandas ≥ 3** (copy-on-write) returns read-only arrays from ``DataFrame.values``, and
  ``ModelSpecificationParser.parse_model_specification_from_dict`` then fails in
  ``utils.get_free_parameter_idxs`` (``ValueError: assignment destination is read-only``);
  not fixed upstream. We wrap that name in ``confirmatory_factor_analyzer`` to copy a
  read-only input first (the original always fails on such input, so nothing else changes).

Each wrapper is installed only when a probe shows it is needed, carries a marker so that
:func:`patch_factor_analyzer` is idempotent, and is a no-op otherwise.

TODO: remove when factor_analyzer > 0.5.1 is released (the pandas part: check the release).
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["needs_check_array_shim", "needs_readonly_shim", "patch_factor_analyzer"]

_MARKER = "__segkit_compat__"
_FA_MODULES = ("factor_analyzer.factor_analyzer", "factor_analyzer.confirmatory_factor_analyzer")
_CFA_MODULE = "factor_analyzer.confirmatory_factor_analyzer"


def needs_check_array_shim(check_array: Callable[..., Any]) -> bool:
    """Whether ``check_array`` must be wrapped to accept ``force_all_finite``.

    True only when the signature has ``ensure_all_finite`` but no ``force_all_finite``
    (scikit-learn ≥ 1.8) and the function is not already our wrapper.

    Examples
    --------
    >>> def old(array, *, force_all_finite=True): ...
    >>> def new(array, *, ensure_all_finite=True): ...
    >>> needs_check_array_shim(old), needs_check_array_shim(new)
    (False, True)
    """
    if getattr(check_array, _MARKER, False):
        return False
    try:
        params = inspect.signature(check_array).parameters
    except (TypeError, ValueError):  # not introspectable: leave it alone
        return False
    return "force_all_finite" not in params and "ensure_all_finite" in params


def needs_readonly_shim() -> bool:
    """Whether ``DataFrame.values`` is read-only here (pandas ≥ 3 copy-on-write).

    Examples
    --------
    >>> isinstance(needs_readonly_shim(), bool)
    True
    """
    return not pd.DataFrame({"a": [1]}).values.flags.writeable


def _translate_check_array(check_array: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(check_array)
    def check_array_compat(*args: Any, **kwargs: Any) -> Any:
        if "force_all_finite" in kwargs:
            kwargs.setdefault("ensure_all_finite", kwargs.pop("force_all_finite"))
        return check_array(*args, **kwargs)

    setattr(check_array_compat, _MARKER, True)
    return check_array_compat


def _writable_first(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def get_free_parameter_idxs_compat(x: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, np.ndarray) and not x.flags.writeable:
            x = x.copy()
        return func(x, *args, **kwargs)

    setattr(get_free_parameter_idxs_compat, _MARKER, True)
    return get_free_parameter_idxs_compat


def _patch(module: ModuleType, name: str, wrap: Callable[[Any], Any]) -> bool:
    original = getattr(module, name, None)
    if original is None or getattr(original, _MARKER, False):
        return False
    setattr(module, name, wrap(original))
    return True


def patch_factor_analyzer() -> list[str]:
    """Make factor_analyzer 0.5.1 work with scikit-learn ≥ 1.8 and pandas ≥ 3, if needed.

    Safe to call any number of times; does nothing when factor_analyzer is not installed
    or when the installed versions do not need it.

    Returns
    -------
    list of str
        ``"module.name"`` of each wrapper installed by *this* call (empty on repeat calls
        and when nothing is needed).

    Examples
    --------
    >>> first = patch_factor_analyzer()
    >>> patch_factor_analyzer()  # idempotent
    []
    """
    patched: list[str] = []
    for module_name in _FA_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return patched
        current = getattr(module, "check_array", None)
        if (
            current is not None
            and needs_check_array_shim(current)
            and _patch(module, "check_array", _translate_check_array)
        ):
            patched.append(f"{module_name}.check_array")
        if module_name == _CFA_MODULE and needs_readonly_shim():
            if _patch(module, "get_free_parameter_idxs", _writable_first):
                patched.append(f"{module_name}.get_free_parameter_idxs")
    return patched
