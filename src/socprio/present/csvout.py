"""The flat CSV export: one row per ranked group, every factor's points, marking on each row.

Numbers are rounded as printed and stay numeric; every text cell and header is formula-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
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
    repr (an integer as one, even when held as a float), text formula-escaped."""
    if (held := table.coded(name)) is not None:
        return _coded(held.codes, map(_text, held.labels.tolist()))
    values = table[name]
    numeric = values.dtype.kind in "fiub"
    integer = name in table.integer or values.dtype.kind in "iu"
    shown = round_column(name, values) if numeric else values
    text = _number_text(integer) if numeric else _text
    codes, distinct = factorize(shown)
    if len(distinct) * 4 > len(shown):  # mostly distinct: format each chunk as it is written
        return lambda start, stop: [text(v) for v in _part(table, name, start, stop).tolist()]
    return _coded(codes.astype(np.min_scalar_type(len(distinct))), map(text, distinct.tolist()))


def _coded(codes: npt.NDArray[np.integer[Any]], texts: Iterable[str]) -> Cells:
    """The cells of a column held as codes into its distinct texts."""
    shown = np.array(list(texts), dtype=object)
    return lambda start, stop: shown[codes[start:stop]].tolist()


def _part(table: Columns, name: str, start: int, stop: int) -> npt.NDArray[Any]:
    """Rows ``start:stop`` of a column as written (numbers rounded)."""
    values = table.part(name, start, stop)
    return round_column(name, values) if values.dtype.kind in "fiub" else values


def _number_text(integer: bool) -> Callable[[Any], str]:
    """How a number is written: its shortest repr (an integer as one), blank for NaN."""
    if integer:
        return lambda v: "" if v != v else str(int(v))
    return lambda v: "" if v != v else str(v)


def _text(value: Any) -> str:
    return quoted(escape_cell(str(value)))
