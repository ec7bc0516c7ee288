"""Load the YAML config safely: one plain document, no anchors, no custom tags, no duplicate keys.

Everything is checked on the composed node tree before any Python object is built, so a
billion-laughs bomb or a ``!!python/...`` tag is rejected without being expanded or executed.
Positions are 1-based ``(line, column)`` and errors are ``ConfigError`` (exit code 78).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from socprio.errors import ConfigError

MAX_CONFIG_BYTES: int = 256 * 1024
_MAX_DEPTH = 64  # PyYAML composes and constructs recursively; stay far from RecursionError
_YAML = "tag:yaml.org,2002:"
_MERGE_TAG = _YAML + "merge"
# YAML 1.1 also reads 0777 as octal 511, 0x1F as 31, 0b11 as 3, 1:30 as 90 (sexagesimal) and
# 1_000 as 1000. The config promises such values are rejected, not guessed: a number must be
# plain decimal (quote it if it is text).
_BASED_INT = re.compile(r"^[-+]?0([0-7]+|[xX][0-9a-fA-F]+|[bB][01]+)$")
_NUMBER_TAGS = (_YAML + "int", _YAML + "float")
_NODE_KIND: dict[str, type[Node]] = {
    **{_YAML + t: ScalarNode for t in ("str", "int", "float", "bool", "null", "timestamp")},
    _YAML + "seq": SequenceNode,
    _YAML + "map": MappingNode,
}


def _reject(message: str, where: Node | yaml.Event) -> ConstructorError:
    """A YAML error carrying ``message`` at the start of a node or event."""
    mark = where.start_mark
    return ConstructorError(None, None, message, mark if isinstance(mark, Mark) else None)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, deep nesting, merge keys, unsafe tags and duplicate keys."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, checking its anchor and depth first and its tag afterwards."""
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise _reject("anchors and aliases (& and *) are not allowed", event)
        if self._depth >= _MAX_DEPTH:
            raise _reject(f"nested more than {_MAX_DEPTH} levels deep", event)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None and node.tag == _YAML + "value":  # a plain "=", which SafeLoader
            node.tag = _YAML + "str"  # cannot construct: keep it as the string "="
        if node is not None and node.tag == _MERGE_TAG:
            raise _reject("merge keys (<<) are not allowed", node)
        if node is not None and not isinstance(node, _NODE_KIND.get(node.tag, ())):
            raise _reject(f"the tag {node.tag.replace(_YAML, '!!')} is not allowed here", node)
        if isinstance(node, ScalarNode) and node.tag in _NUMBER_TAGS:
            _check_number(node)
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """Construct a node, turning a crash on a malformed typed value into a located error."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, LookupError, AttributeError) as err:  # e.g. 2024-13-45, !!bool maybe
            kind = node.tag.removeprefix(_YAML)
            raise _reject(f"invalid {kind} value", node) from err

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Construct a mapping; refuse a key equal to an earlier one (PyYAML keeps the last)."""
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                break  # unhashable: PyYAML reports it below
            if key in first_line:
                shown = key_node.value if isinstance(key_node, ScalarNode) else key
                message = f"duplicate key '{shown}' (first defined on line {first_line[key]})"
                raise _reject(message, key_node)
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def _check_number(node: ScalarNode) -> None:
    """Refuse the YAML 1.1 number forms that read as something other than they look."""
    value = str(node.value)
    if ":" in value:
        kind = "a sexagesimal number (1:30 is 90)"
    elif "_" in value:
        kind = "a number with underscores"
    elif node.tag == _YAML + "int" and _BASED_INT.match(value):
        kind = "an octal, hexadecimal or binary number (0777 is 511)"
    else:
        return
    raise _reject(
        f"YAML 1.1 reads this as {kind}; write a plain decimal number, or quote it if it is text",
        node,
    )


@dataclass(frozen=True)
class YamlDocument:
    """A loaded config: the plain data and the node tree it came from, for error positions."""

    data: object
    source: str
    _root: Node = field(repr=False, compare=False, kw_only=True)

    def locate(self, loc: tuple[str | int, ...]) -> tuple[int, int]:
        """1-based (line, column) of the node at a pydantic ``loc``.

        A mapping key is located at the key itself. Where the path stops existing (a missing
        key, an index out of range), the deepest node found so far is located instead.
        """
        node, data = self._root, self.data
        mark = node.start_mark
        for part in loc:
            if isinstance(node, MappingNode) and isinstance(data, dict):
                hit = _find_key(node, data, part)
                if hit is None:
                    break
                key_node, node, data = hit
                mark = key_node.start_mark
            elif isinstance(node, SequenceNode) and isinstance(data, list):
                if not isinstance(part, int) or not 0 <= part < len(node.value):
                    break
                node, data = node.value[part], data[part]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1


def _find_key(
    node: MappingNode, data: dict[Any, Any], key: object
) -> tuple[Node, Node, Any] | None:
    """(key node, value node, value) for ``key``, matched by value or by the text as written."""
    # Duplicate keys are refused, so the dict's items are in the same order as node.value.
    for (k, v), (key_node, value_node) in zip(data.items(), node.value, strict=True):
        if (type(k) is type(key) and k == key) or key_node.value == str(key):
            return key_node, value_node, v
    return None


def _error(err: yaml.YAMLError, text: str, source: str) -> ConfigError:
    """Convert any PyYAML error into a located ConfigError."""
    if isinstance(err, yaml.reader.ReaderError):  # unprintable character: only an index
        before = text[: err.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        message = f"character #x{err.character:04x} is not allowed"
        return ConfigError(message, file=source, line=line, column=column)
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        message = ", ".join(part for part in (err.context, err.problem) if part) or "invalid"
        if mark is not None:
            return ConfigError(message, file=source, line=mark.line + 1, column=mark.column + 1)
        return ConfigError(message, file=source)
    return ConfigError(f"invalid YAML: {type(err).__name__}", file=source)


def load_yaml(text: str, *, source: str) -> YamlDocument:
    """Safely load one YAML document whose top level is a mapping; raise ConfigError otherwise."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"the config file is {size} bytes, over the cap of {MAX_CONFIG_BYTES} bytes",
            file=source,
        )
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None or (
                isinstance(node, ScalarNode) and node.value == "" and not node.style
            ):
                raise ConfigError("the config file is empty", file=source)
            if not isinstance(node, MappingNode):
                raise _reject("the top level must be a mapping of keys to values", node)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise _error(err, text, source) from None
    return YamlDocument(data=data, source=source, _root=node)
