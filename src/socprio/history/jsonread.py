"""CORE: read back JSON we wrote (rankings, manifests) with a cap on nesting depth.

``json.loads`` recurses once per level, so a deeply nested file raises RecursionError; and a
legitimately parsed but absurdly deep document would do the same later in pandas. Anything we
write is at most a few levels deep, so deeper input is refused as bad data (exit 65).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from socprio.errors import DataError

MAX_DEPTH = 32


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large JSON document is parsed and flattened,
    or built to be encoded: that makes hundreds of thousands of objects, none of them garbage,
    and every collection triggered meanwhile would walk them all (a third of reading a
    6,000-group ranking)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    if text_depth(text) > max_depth:
        raise _too_deep(source, max_depth)
    return doc


_ESCAPE = re.compile(rb"\\.")  # a backslash escape inside a JSON string: \" \\ \n \u...
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_DEPTH_STEP = np.zeros(256, dtype=np.int8)
_DEPTH_STEP[[ord("["), ord("{")]] = 1
_DEPTH_STEP[[ord("]"), ord("}")]] = -1


def text_depth(text: str | bytes) -> int:
    """How deep the arrays and objects of valid JSON ``text`` nest, in one vectorised pass:
    with escapes cut out every quote opens or closes a string, so a bracket counts only where
    an even number of quotes precede it (brackets inside codenames are data)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)
    kept = data.translate(None, _NOT_STRUCTURE)  # quotes and brackets only
    # Two adjacent quotes leave every other character's count of quotes before it even or odd
    # as it was, so dropping them changes nothing below: runs of quotes (most of the text
    # when brackets are few) shrink to at most one.
    kept = kept.replace(b'""', b"")
    skeleton = np.frombuffer(kept, dtype=np.uint8)
    if not len(skeleton):
        return 0
    outside = np.cumsum(skeleton == ord('"'), dtype=np.int64) % 2 == 0
    steps = np.where(outside, _DEPTH_STEP[skeleton], 0)
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _too_deep(source: str, max_depth: int) -> DataError:
    message = f"JSON nested more than {max_depth} levels deep: not a socprio file"
    return DataError(message, file=source)
