"""Reading a run config file: plain, unambiguous YAML, bounded in size and nesting.

:func:`load_yaml` is the only way segkit parses a run config: ``yaml.SafeLoader`` (no Python
objects), at most :data:`MAX_DEPTH` levels of nesting, no key given twice; every problem is a
:class:`ConfigFileError` naming the file and the line. :meth:`segkit.config.RunConfig.from_yaml`
also refuses files over :data:`MAX_BYTES` and non-UTF-8 text.
"""

from __future__ import annotations

from typing import Any

import yaml

#: deepest nesting of mappings/lists a run config may have (a real one needs 4)
MAX_DEPTH = 20
#: largest run config file read (bytes)
MAX_BYTES = 1_000_000


class ConfigFileError(ValueError):
    """A run config file that is not plain, unambiguous YAML (the message names the line)."""


def _line(mark: Any) -> int | str:
    """The 1-based line of a PyYAML mark (``?`` when unknown)."""
    line = getattr(mark, "line", None)
    return "?" if line is None else int(line) + 1


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (no Python objects) that refuses a key given twice in a mapping,
    where PyYAML would silently keep the last value."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int | str] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *anchor", resolved by PyYAML
                continue
            key = self.construct_object(key_node, deep=True)
            line = _line(key_node.start_mark)
            try:
                if key in seen:
                    where = (
                        f"twice on line {line}"
                        if seen[key] == line
                        else f"twice (lines {seen[key]} and {line})"
                    )
                    raise ConfigFileError(f"key {key!r} is given {where}")
                seen[key] = line
            except TypeError:  # an unhashable key: PyYAML's own check reports it
                continue
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str, source: str = "run config") -> Any:
    """Parse a run config's YAML safely.

    Only plain YAML (``yaml.SafeLoader``: no ``!!python/...`` tags), at most
    :data:`MAX_DEPTH` levels of nesting (checked on the event stream, before anything is
    built, so a deeply nested file cannot exhaust the stack) and no key given twice in one
    mapping. Every problem is a :class:`ConfigFileError` naming ``source`` and the line.

    Examples
    --------
    >>> load_yaml("a: 1\\nb: [1, 2]\\n")
    {'a': 1, 'b': [1, 2]}
    >>> load_yaml("report: {reidentify: false}\\nreport: {reidentify: true}\\n", "c.yaml")
    Traceback (most recent call last):
    ...
    segkit.config.loading.ConfigFileError: c.yaml: key 'report' is given twice (lines 1 and 2)
    """
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = _line(event.start_mark)
                    raise ConfigFileError(
                        f"{source}: nested more than {MAX_DEPTH} levels deep at line {line}"
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except ConfigFileError as exc:
        if str(exc).startswith(f"{source}: "):
            raise
        raise ConfigFileError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {_line(mark)}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigFileError(f"{source}: not valid run-config YAML{where}: {problem}") from None
