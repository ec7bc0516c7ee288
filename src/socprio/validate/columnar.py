"""Columnar validation: a column's distinct cells are validated once, rows refer to them by code.

Pure numpy over integer codes; every function here is held equal to a per-row check by tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError

from socprio.read.columns import CsvColumn
from socprio.validate.records import Column, IntArray

BoolArray = npt.NDArray[np.bool_]


def validate_column(
    cell_type: Any, cells: CsvColumn | Sequence[str], context: dict[str, Any]
) -> tuple[Column, dict[int, tuple[str, str]]]:
    """Validate the distinct cells of one column with its pydantic type.

    ``cells`` is the reader's factorised column (or plain cells, factorised here). Returns
    the factorised column (invalid cells map to ``None``) and, per invalid distinct value,
    its error type and message.
    """
    if not isinstance(cells, CsvColumn):
        cells = CsvColumn.of(cells)
    distinct, codes = list(cells.values), cells.codes
    adapter: TypeAdapter[list[Any]] = TypeAdapter(list[cell_type])
    errors: dict[int, tuple[str, str]] = {}
    try:
        values = adapter.validate_python(distinct, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=False):
            errors.setdefault(int(err["loc"][0]), (err["type"], err["msg"]))
        good = [i for i in range(len(distinct)) if i not in errors]
        parsed = adapter.validate_python([distinct[i] for i in good], context=context)
        values = [None] * len(distinct)
        for i, value in zip(good, parsed, strict=True):
            values[i] = value
    return Column(tuple(values), codes), errors


def pair_codes(
    codes: npt.NDArray[np.integer[Any]], others: npt.NDArray[np.integer[Any]], size: int
) -> IntArray:
    """One int64 code per (code, other) pair, decoded by ``divmod(pair, size)``.

    Codes index a column's distinct values, so they are below 2**31 and ``size`` (the number
    of ``others`` values) is at most 2**31: the product is below 2**62 and cannot overflow in
    int64. In int32 it overflows from about 46,341 distinct values in each column, which
    made distinct pairs collide and decode to the wrong values.
    """
    return codes.astype(np.int64) * np.int64(size) + others.astype(np.int64)


def cross_failures(
    column: Column, other: Column, fails: Callable[[Any, Any], bool], valid: BoolArray
) -> BoolArray:
    """Valid rows where a cross-column rule fails, evaluating each distinct pair once."""
    rows = np.flatnonzero(valid)
    size = len(other.values)
    pairs = pair_codes(column.codes[rows], other.codes[rows], size)
    distinct, inverse = np.unique(pairs, return_inverse=True)
    firsts, seconds = np.divmod(distinct, size) if size else (distinct, distinct)
    verdict = np.fromiter(
        (
            fails(column.values[c], other.values[o])
            for c, o in zip(firsts.tolist(), seconds.tolist(), strict=True)
        ),
        bool,
        len(distinct),
    )
    result = np.zeros(len(valid), dtype=bool)
    result[rows] = verdict[inverse.reshape(-1)]
    return result


def first_duplicates(ids: Column, valid: BoolArray) -> IntArray:
    """For each row, the row of the first earlier occurrence of its valid id, else -1."""
    # cells that parse to the same id share a code: the position of the first such cell
    canonical: dict[Any, int] = {}
    same = np.fromiter(
        map(canonical.setdefault, ids.values, range(len(ids.values))), np.int64, len(ids.values)
    )
    first = np.full(len(ids.values), -1, dtype=np.int64)
    rows = np.flatnonzero(valid)
    codes = same[ids.codes[rows]]
    _, where_first = np.unique(codes, return_index=True)
    first[codes[where_first]] = rows[where_first]
    out = np.full(len(ids.codes), -1, dtype=np.int64)
    earlier = first[codes] != rows
    out[rows[earlier]] = first[codes[earlier]]
    return out
