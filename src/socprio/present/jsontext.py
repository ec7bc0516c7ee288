"""JSON text built a column at a time: the values of one key for a run of rows are encoded
together, then each row's object is one ``%`` of a template holding the constant text.

The JSON export writes hundreds of thousands of objects of one shape. Encoding each as a dict
pays per value for a dict entry, its key's escaping and a type dispatch; here a column of one
type is encoded by one ``map`` over it, each distinct text is escaped once, and the keys and
constant values are written into the template once. Every text is the one
``json.dumps(value, ensure_ascii=False)`` gives: anything but a column of one plain type is
encoded value by value by the json module's own encoder.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from json.encoder import encode_basestring  # json's own escaping (its C function)
from typing import Any

import numpy as np
import numpy.typing as npt

from socprio.pipeline.columns import Coded

# The JSON text of one value, exactly as the json module writes it inside a document.
encode_value: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False).encode

# float.__repr__ of the floats json writes otherwise (it has no literal for them).
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_BOOLS = {True: "true", False: "false"}

Column = list[str]  # the JSON text of one value per row
Part = str | Column | tuple["Member", ...]  # a constant text, a column, or a nested object
Member = tuple[str, Part]
# A column's values: Python scalars, floats as an array, or text coded as labels.
Values = Sequence[Any] | npt.NDArray[np.float64] | Coded


def json_texts(values: Sequence[Any]) -> Column:
    """The JSON text of each value. A column of exact floats, ints, bools, text or None is
    encoded by one map over it: floats and ints by their ``__repr__`` as json does (floats
    once per distinct bit pattern), text once per distinct value. Those caches are exact
    because they are keyed by text or by bits: numbers as keys would conflate ``1``, ``1.0``
    and ``True``, or ``0.0`` and ``-0.0``. Any other mix, and any other type, goes value by
    value through json's own encoder (which raises for what json cannot write, as before)."""
    kinds = set(map(type, values))
    if len(kinds) != 1:
        return list(map(encode_value, values)) if kinds else []
    kind = kinds.pop()
    if kind is float:
        return float_texts(np.array(values, dtype=np.float64))
    if kind is int:
        return list(map(int.__repr__, values))
    if kind is str:
        return cached_texts(values, encode_basestring)
    if kind is bool:
        return list(map(_BOOLS.__getitem__, values))
    if kind is type(None):
        return ["null"] * len(values)
    return list(map(encode_value, values))


def float_texts(values: npt.NDArray[np.float64]) -> Column:
    """The JSON text of each float, ``float.__repr__`` computed once per distinct bit pattern:
    a chunk's column of points holds a few dozen distinct values, and a repr costs ten times
    a sort. Keyed by the bits, not the value, so ``0.0`` and ``-0.0`` stay apart; NaN and the
    infinities are written as json writes them."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    distinct, codes = np.unique(bits, return_inverse=True)
    texts = list(map(float.__repr__, distinct.view(np.float64).tolist()))
    known = np.array(list(map(_NON_FINITE.get, texts, texts)), dtype=object)
    shown: Column = known[codes.reshape(-1)].tolist()
    return shown


def column_texts(values: Values, encode: Callable[[Sequence[Any]], Column] = json_texts) -> Column:
    """``encode`` of each value of a column: a coded column's once per label (each encoder
    here maps each value on its own, so encoding the labels and indexing them is exact), an
    array of floats through ``float_texts`` without a Python float per value."""
    if isinstance(values, Coded):
        known = np.empty(len(values.labels), dtype=object)
        known[:] = encode(values.labels.tolist())
        shown: Column = known[values.codes].tolist()
        return shown
    if isinstance(values, np.ndarray):
        return float_texts(values) if encode is json_texts else encode(values.tolist())
    return encode(values)


def cached_texts(keys: Sequence[str], encode: Callable[[str], str]) -> Column:
    """``encode`` of each of ``keys`` (all ``str``), computed once per distinct key: text
    columns hold few distinct values, mostly."""
    distinct = dict.fromkeys(keys)
    known = dict(zip(distinct, map(encode, distinct), strict=True))
    return list(map(known.__getitem__, keys))


def list_texts(values: Sequence[Any]) -> Column:
    """The JSON list of each ';'-joined cell's non-empty items (``str`` of the cell, so a
    cell is encoded once per distinct text)."""
    return cached_texts(list(map(str, values)), _listed)


def _listed(text: str) -> str:
    return encode_value([item for item in text.split(";") if item])


def text_or_null_texts(values: Sequence[Any]) -> Column:
    """Each value's ``str``, or ``null`` where that is empty (a blank date)."""
    return cached_texts(list(map(str, values)), _text_or_null)


def _text_or_null(text: str) -> str:
    return encode_value(text or None)


def yes_texts(values: Sequence[Any]) -> Column:
    """``true`` where a value is ``"yes"``, else ``false`` (a yes/no column)."""
    return json_texts(list(map(operator.eq, values, repeat("yes"))))


def object_lines(members: Sequence[Member], rows: int) -> list[str]:
    """The JSON object of each of ``rows`` rows, keys in the order of ``members``: each a key
    and a constant text, a column of texts (one per row) or a nested tuple of members. Every
    line is ``json.dumps`` of the equivalent dict, without building it."""
    constants: list[str] = []
    columns: list[Column] = []
    text = ""
    for piece in _pieces(tuple(members)):
        if isinstance(piece, str):
            text += piece
        else:
            constants.append(text)
            columns.append(piece)
            text = ""
    if not columns:
        return [text] * rows
    template = "%s".join(c.replace("%", "%%") for c in [*constants, text])
    return list(map(template.__mod__, zip(*columns, strict=True)))


def _pieces(members: tuple[Member, ...]) -> Iterator[str | Column]:
    """The object's text as constant texts and columns, in order."""
    yield "{"
    for k, (key, part) in enumerate(members):
        yield (", " if k else "") + encode_basestring(key) + ": "
        if isinstance(part, tuple):
            yield from _pieces(part)
        else:
            yield part
    yield "}"
