"""A YAML reader for untrusted files: no aliases or anchors, bounded depth, no duplicate keys, plain scalars.

PyYAML's ``safe_load`` builds no objects, but it still expands aliases (a few hundred bytes of
"billion laughs" become gigabytes), recurses as deep as the file nests, keeps the last of two
equal keys silently, and reads YAML 1.1 scalars that surprise authors (``no`` is false, ``010``
is 8, ``2016-01`` stays a string but ``2016-01-01`` is a date). This loader refuses the first
three with the line and column (``<<`` is an ordinary key: no merging), and resolves only
YAML 1.2 core scalars: decimal integers, ``true``/``false``, ``null``/``~`` and strings.
Floats, dates and octal numbers stay strings, which the codebook's schema then names. Mapping
keys are always strings (``1: 国立`` has the key ``"1"``), so a JSON Schema can check them.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

#: Deepest nesting a codebook needs is 5 (questions → question → series → series entry → value); 20 is ample.
MAX_DEPTH = 20


class YamlRefused(ValueError):
    """The file is not YAML this loader reads; ``line`` and ``column`` are 1-based (None when unknown)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _mark(node_or_event: Any) -> tuple[int | None, int | None]:
    mark = getattr(node_or_event, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars, no aliases/anchors, a depth limit and unique keys."""

    yaml_implicit_resolvers: dict = {}
    _depth = 0

    def compose_node(self, parent, index):     # noqa: ANN001 - PyYAML's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused("uses an alias (*name); aliases and anchors are not accepted", *_mark(event))
        if getattr(event, "anchor", None) is not None:
            raise YamlRefused("defines an anchor (&name); aliases and anchors are not accepted", *_mark(event))
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlRefused(f"is nested more than {MAX_DEPTH} levels deep", *_mark(event))
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):     # noqa: ANN001
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        seen: dict[str, Any] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlRefused("has a key that is not a plain value", *_mark(key_node))
            key = str(key_node.value)
            if key in seen:
                raise YamlRefused(f"has the key '{key[:40]}' twice in one mapping", *_mark(key_node))
            seen[key] = True
        return {str(k.value): self.construct_object(v, deep=True) for k, v in node.value}


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:0|-?[1-9][0-9]*)$"), list("-0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|)$"), ["~", "n", ""])

def _refuse_unknown_tag(loader: _Loader, node: yaml.Node) -> Any:
    raise YamlRefused(f"uses the tag {node.tag}; write plain values", *_mark(node))


_Loader.add_constructor(None, _refuse_unknown_tag)      # any !tag the safe loader does not know
for _tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:float", "tag:yaml.org,2002:binary",
             "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"):
    _Loader.add_constructor(_tag, _refuse_unknown_tag)


def load_yaml(text: str) -> Any:
    """The one document in ``text`` as plain dicts, lists, str, int, bool and None.

    Raises :class:`YamlRefused` with the position for anything this loader does not read
    (aliases, anchors, tags, duplicate keys, nesting over MAX_DEPTH, syntax errors).
    """
    return load_yaml_with_lines(text)[0]


def load_yaml_with_lines(text: str) -> tuple[Any, dict[tuple, int]]:
    """:func:`load_yaml`, plus the 1-based line of every value by its path (``("questions", 3, "id")``)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = None if node is None else loader.construct_document(node)
    except YamlRefused:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise YamlRefused(f"is not valid YAML ({exc.problem})", *((mark.line + 1, mark.column + 1) if mark else (None, None))) from None
    except yaml.YAMLError as exc:
        raise YamlRefused(f"is not valid YAML ({exc})") from None
    except RecursionError:
        raise YamlRefused("is nested too deeply to read") from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return document, lines


def _record_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _record_lines(value, path + (str(key.value),), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _record_lines(value, path + (index,), lines)
