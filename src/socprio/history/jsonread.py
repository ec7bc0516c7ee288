"""CORE: read back JSON we wrote (rankings, manifests) with a cap on nesting depth.

``json.loads`` recurses once per level, so a deeply nested file raises RecursionError; and a
legitimately parsed but absurdly deep document would do the same later in pandas. Anything we
write is at most a few levels deep, so deeper input is refused as bad data (exit 65).
"""

from __future__ import annotations

import json
from typing import Any

from socprio.errors import DataError

MAX_DEPTH = 32


def loads_capped(text: str | bytes, *, source: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` as JSON; DataError naming ``source`` when it is not JSON, not UTF-8, or
    nested more than ``max_depth`` levels of arrays and objects."""
    try:
        doc = json.loads(text)
    except RecursionError:
        raise _too_deep(source, max_depth) from None
    except json.JSONDecodeError as exc:
        raise DataError("not valid JSON", file=source, line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError:
        raise DataError("not valid JSON: not UTF-8", file=source) from None
    if depth_exceeds(doc, max_depth):
        raise _too_deep(source, max_depth)
    return doc


def depth_exceeds(doc: Any, max_depth: int) -> bool:
    """True when ``doc`` nests arrays/objects more than ``max_depth`` deep (iterative)."""
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth + 1 > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(source: str, max_depth: int) -> DataError:
    message = f"JSON nested more than {max_depth} levels deep: not a socprio file"
    return DataError(message, file=source)
