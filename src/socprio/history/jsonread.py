"""CORE: read back JSON we wrote (rankings, manifests) with a cap on nesting depth.

``json.loads`` recurses once per level, so a deeply nested file raises RecursionError; and a
legitimately parsed but absurdly deep document would do the same later in pandas. Anything we
write is at most a few levels deep, so deeper input is refused as bad data (exit 65).
A ranking's groups can be read one at a time (``loads_streaming``), so that a large export is
never held whole as Python objects.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from socprio.errors import DataError

MAX_DEPTH = 32
T = TypeVar("T")


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


DEPTH_BLOCK = 1 << 20  # characters scanned at a time: memory stays small at any size


def text_depth(text: str | bytes) -> int:
    """How deep the arrays and objects of valid JSON ``text`` nest, in vectorised passes over
    blocks of it: with escapes cut out every quote opens or closes a string, so a bracket
    counts only where an even number of quotes precede it (brackets inside codenames are
    data). A block never ends inside an escape, and carries on the quote parity and depth."""
    backslash = "\\" if isinstance(text, str) else b"\\"
    deepest = depth = quotes = start = 0
    while start < len(text):
        stop = min(start + DEPTH_BLOCK, len(text))
        while stop < len(text) and text[stop - 1 : stop] == backslash:
            stop += 1  # a backslash at the end would split its escape from the next block
        block = text[start:stop]
        data = block.encode("utf-8") if isinstance(block, str) else block
        if b"\\" in data:
            data = _ESCAPE.sub(b"", data)
        kept = data.translate(None, _NOT_STRUCTURE)  # quotes and brackets only
        # Two adjacent quotes leave every other character's count of quotes before it even
        # or odd as it was, so dropping them changes nothing below: runs of quotes (most of
        # the text when brackets are few) shrink to at most one.
        skeleton = np.frombuffer(kept.replace(b'""', b""), dtype=np.uint8)
        is_quote = skeleton == ord('"')
        outside = (np.cumsum(is_quote, dtype=np.int64) + quotes) % 2 == 0
        levels = np.cumsum(np.where(outside, _DEPTH_STEP[skeleton], 0), dtype=np.int64) + depth
        deepest = max(deepest, int(levels.max(initial=0)))
        depth = int(levels[-1]) if len(levels) else depth
        quotes += int(is_quote.sum())
        start = stop
    return deepest


def _too_deep(source: str, max_depth: int) -> DataError:
    message = f"JSON nested more than {max_depth} levels deep: not a socprio file"
    return DataError(message, file=source)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()  # json.loads' own settings


class _Irregular(Exception):
    """Something the fast path does not parse itself: the text goes to ``json.loads``."""


def loads_streaming(
    text: str, *, source: str, key: str, consume: Callable[[Iterator[Any]], T]
) -> tuple[Any, T | None]:
    """``loads_capped(text)``, except that the top-level object's ``key`` array is handed to
    ``consume`` as an iterator decoding one element at a time, so that a large ranking's
    groups are never all held as Python objects at once (a 116 MB export took 320 MB so).

    Returns the document without ``key`` and what ``consume`` returned, or (the document,
    None) when it is not an object or its ``key`` is not an array. Invalid or unusual text
    is parsed again whole by ``json.loads`` (which locates the error): ``consume`` must then
    give the same answer when called a second time."""
    if text_depth(text) <= MAX_DEPTH:
        try:
            return _streamed(text, key, consume)
        except (_Irregular, json.JSONDecodeError):
            pass
    doc = loads_capped(text, source=source)
    if isinstance(doc, dict) and isinstance(doc.get(key), list):
        return doc, consume(iter(doc.pop(key)))
    return doc, None


def _streamed(text: str, key: str, consume: Callable[[Iterator[Any]], T]) -> tuple[Any, T | None]:
    """``{"name": value, ...}`` read a member at a time; the last ``key`` wins, as in
    ``json.loads``. Raises ``_Irregular`` at anything else."""
    doc: dict[str, Any] = {}
    found: T | None = None
    i = _after(text, _skip(text, 0), "{")
    if text.startswith("}", _skip(text, i)):
        return _whole(text, _skip(text, i) + 1, doc, None)
    while True:
        i = _skip(text, i)
        if not text.startswith('"', i):
            raise _Irregular
        name, i = _DECODER.raw_decode(text, i)
        i = _skip(text, _after(text, _skip(text, i), ":"))
        if name == key and text.startswith("[", i):
            items = _Elements(text, i + 1)
            found, i = consume(items.walk), items.drained()
            doc.pop(key, None)
        else:
            doc[name], i = _DECODER.raw_decode(text, i)
            found = None if name == key else found
        i = _skip(text, i)
        if text.startswith("}", i):
            return _whole(text, i + 1, doc, found)
        i = _after(text, i, ",")


class _Elements:
    """The elements of the array opening before ``start``, decoded as they are iterated;
    ``drained()`` reads any left and gives the index after the closing bracket."""

    def __init__(self, text: str, start: int) -> None:
        self.text, self.end = text, -1
        self.walk = self._walk(start)

    def _walk(self, i: int) -> Iterator[Any]:
        text = self.text
        i = _skip(text, i)
        if not text.startswith("]", i):
            while True:
                value, i = _DECODER.raw_decode(text, i)
                yield value
                i = _skip(text, i)
                if text.startswith("]", i):
                    break
                i = _skip(text, _after(text, i, ","))
        self.end = i + 1

    def drained(self) -> int:
        for _ in self.walk:
            pass
        return self.end


def _skip(text: str, i: int) -> int:
    """The index of the first character at or after ``i`` that is not JSON whitespace."""
    match = _WHITESPACE.match(text, i)
    return match.end() if match else i


def _after(text: str, i: int, char: str) -> int:
    """The index after ``char``, which must be at ``i``."""
    if not text.startswith(char, i):
        raise _Irregular
    return i + 1


def _whole(text: str, i: int, doc: dict[str, Any], found: T | None) -> tuple[Any, T | None]:
    """(doc, found) when only whitespace follows index ``i``."""
    if _skip(text, i) != len(text):
        raise _Irregular  # "Extra data": json.loads says where
    return doc, found
