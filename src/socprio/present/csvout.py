"""The flat CSV export: one row per ranked group, every factor's points, marking on each row.

Numbers are rounded as printed and stay numeric; every text cell and header is formula-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from socprio.pipeline.columns import factorize
from socprio.pipeline.frame import export_columns, round_column
from socprio.present.captions import excluded_note
from socprio.present.escape import escape_cell

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment


def to_csv(a: Assessment) -> str:
    """Flat CSV (CRLF), one contribution column per factor, marking on every row."""
    return "".join(csv_chunks(a))


def csv_chunks(a: Assessment) -> Iterator[str]:
    """The CSV of ``to_csv`` as text chunks, so a large ranking streams to its file.

    Each column is rounded and formatted once per distinct value (numbers stay numbers; every
    text cell and header is formula-escaped), then rows go through the C csv writer.
    """
    table = a.columns
    names = export_columns(table)  # the meeting's columns first
    columns = [_csv_column(name, table[name], name in table.integer) for name in names]
    constant = {"marking": a.config.marking}  # a cell on every row, so no row loses it
    if partial := excluded_note(a.provenance.counts):
        constant["excluded"] = partial  # only a partial run (--exclude-invalid) has it
    for text in constant.values():
        cell = np.array([quoted(escape_cell(text))], dtype=object)
        columns.append((np.zeros(table.rows, dtype=np.int32), cell))
    yield ",".join(quoted(escape_cell(c)) for c in [*names, *constant]) + "\r\n"
    for start in range(0, table.rows, CSV_CHUNK_ROWS):
        stop = start + CSV_CHUNK_ROWS
        cells = (shown[codes[start:stop]].tolist() for codes, shown in columns)
        yield "".join([",".join(row) + "\r\n" for row in zip(*cells, strict=True)])


CSV_CHUNK_ROWS = 20_000
NEEDS_QUOTES = re.compile('[,"\r\n]')


def quoted(text: str) -> str:
    """``text`` as one CSV field, quoted as the csv module's QUOTE_MINIMAL does: each
    distinct cell text is quoted once, then rows are plain joins."""
    return '"' + text.replace('"', '""') + '"' if NEEDS_QUOTES.search(text) else text


def _csv_column(
    name: str, values: npt.NDArray[Any], integer: bool
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.object_]]:
    """One column as (codes, distinct cell texts): numbers rounded as printed and written as
    their shortest repr (``integer``: held as floats, printed as integers), text
    formula-escaped. Each distinct value is formatted once."""
    numeric = values.dtype.kind in "fiub"
    integer = integer or values.dtype.kind in "iu"
    codes, distinct = factorize(round_column(name, values) if numeric else values)
    if numeric:
        shown = [  # NaN -> blank
            "" if v != v else str(int(v)) if integer else str(v) for v in distinct.tolist()
        ]
    else:
        shown = [quoted(escape_cell(str(v))) for v in distinct]
    return codes.astype(np.int32), np.array(shown, dtype=object)
