"""The flat CSV export: one row per ranked group, every factor's points, marking on each row.

Numbers are rounded as printed and stay numeric; every text cell and header is formula-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from socprio.pipeline.columns import factorize
from socprio.pipeline.frame import export_columns, round_column
from socprio.present.captions import excluded_note
from socprio.present.escape import escape_cell

if TYPE_CHECKING:
    from socprio.pipeline.columns import Columns
    from socprio.pipeline.result import Assessment


def to_csv(a: Assessment) -> str:
    """Flat CSV (CRLF), one contribution column per factor, marking on every row."""
    return "".join(csv_chunks(a))


def csv_chunks(a: Assessment) -> Iterator[str]:
    """The CSV of ``to_csv`` as text chunks, so a large ranking streams to its file.

    Numbers are rounded as printed and stay numbers; every text cell and header is
    formula-escaped. A column of few distinct values formats each once; a column of mostly
    distinct values (scores, codenames) is formatted chunk by chunk, so memory stays bounded.
    """
    table = a.columns
    names = export_columns(table)  # the meeting's columns first
    columns = [_csv_column(table, name) for name in names]
    constant = {"marking": a.config.marking}  # a cell on every row, so no row loses it
    if partial := excluded_note(a.provenance.counts):
        constant["excluded"] = partial  # only a partial run (--exclude-invalid) has it
    for text in constant.values():
        columns.append(_coded(np.zeros(table.rows, dtype=np.uint8), [_text(text)]))
    yield ",".join(_text(c) for c in [*names, *constant]) + "\r\n"
    for start in range(0, table.rows, CSV_CHUNK_ROWS):
        cells = (column(start, start + CSV_CHUNK_ROWS) for column in columns)
        yield "".join([",".join(row) + "\r\n" for row in zip(*cells, strict=True)])


CSV_CHUNK_ROWS = 20_000
NEEDS_QUOTES = re.compile('[,"\r\n]')


def quoted(text: str) -> str:
    """``text`` as one CSV field, quoted as the csv module's QUOTE_MINIMAL does: each
    distinct cell text is quoted once, then rows are plain joins."""
    return '"' + text.replace('"', '""') + '"' if NEEDS_QUOTES.search(text) else text


Cells = Callable[[int, int], list[str]]  # a column's cell texts for rows [start, stop)


def _csv_column(table: Columns, name: str) -> Cells:
    """One column's cell texts: numbers rounded as printed and written as their shortest
    repr (an integer as one, even when held as a float), text formula-escaped. A column of
    few distinct values formats each once; a mostly distinct one, each chunk as it is written."""
    write: Callable[[npt.NDArray[Any]], list[str]] = _texts
    held = table.coded(name)  # already codes into its distinct values
    if held is None:
        values = round_column(name, table.part(name, 0, table.rows))
        if values.dtype.kind in "fiub":
            integer = name in table.integer or values.dtype.kind in "iu"
            write = partial(_numbers, integer=integer)
    if held is not None and len(held.labels) * 4 <= len(held.codes):
        codes, distinct = held.codes, held.labels
    elif held is not None or _mostly_distinct(values):  # scores, codenames, group ids
        return lambda start, stop: write(round_column(name, table.part(name, start, stop)))
    else:
        codes, distinct = factorize(values)
    return _coded(codes.astype(np.min_scalar_type(len(distinct))), write(distinct))


DISTINCT_SAMPLE = 4_096  # rows factorised to tell a mostly distinct column from the rest


def _mostly_distinct(values: npt.NDArray[Any]) -> bool:
    """Whether more than a quarter of the values are distinct, judged on an evenly spaced
    sample: a near-unique column (group ids) is then never sorted whole only to be written
    chunk by chunk. Either way the cells are the same; only the cost differs."""
    step = max(1, len(values) // DISTINCT_SAMPLE)
    sample = values[::step]
    return len(factorize(sample)[1]) * 4 > len(sample)


def _coded(codes: npt.NDArray[np.integer[Any]], texts: list[str]) -> Cells:
    """The cells of a column held as codes into its distinct texts."""
    shown = np.array(texts, dtype=object)
    return lambda start, stop: shown[codes[start:stop]].tolist()


def _numbers(values: npt.NDArray[Any], integer: bool) -> list[str]:
    """Numbers as written: the shortest repr (``integer``: as an integer), blank for NaN."""
    missing = np.isnan(values) if values.dtype.kind == "f" else None
    if integer and missing is not None:
        values = np.where(missing, 0, values).astype(np.int64)
    texts = list(map(str, values.tolist()))
    if missing is not None:
        for i in np.flatnonzero(missing).tolist():
            texts[i] = ""
    return texts


def _texts(values: npt.NDArray[Any]) -> list[str]:
    """Text cells as written: formula-escaped, then quoted where CSV needs it."""
    return [_text(v) for v in values.tolist()]


def _text(value: Any) -> str:
    return quoted(escape_cell(str(value)))
