"""Whole rows for XlsxWriter's constant-memory mode, each distinct cell formatted once.

XlsxWriter's cell API costs about 10 microseconds a cell (one call, one tuple and one XML
element each), 15 s for the 1.3 million cells of 20,000 groups. ``RowsWorksheet`` is an
XlsxWriter worksheet that also takes prepared rows: each column's distinct values are escaped
exactly as XlsxWriter escapes them (control characters as ``_xHHHH_``, XML entities, preserved
spaces) and turned into their cell XML once, and each row is joined from those pieces. The
rows go where XlsxWriter's own constant-memory rows go (its row-data file), with the sheet's
dimensions kept, so the workbook is assembled by XlsxWriter as usual. When this XlsxWriter
lacks the internals used here, ``fast`` is False and the cell API is used instead (the tests
check both give the same workbook).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

STRING_MAX = 32_767  # UTF-16 units in an Excel cell
# A column: its distinct values (None: no cell), their formats, each row's code, and whether
# the values are numbers.
Cells = tuple[list[Any], list[Any], Any, bool]


def _text(value: str) -> str:
    """``value`` cut to what an Excel cell holds (as XlsxWriter cuts it)."""
    if len(value) > STRING_MAX // 2 and len(value.encode("utf-16-le")) // 2 > STRING_MAX:
        return value.encode("utf-16-le")[: 2 * STRING_MAX].decode("utf-16-le", "ignore")
    return value


class RowsWorksheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no type hints
    """An XlsxWriter worksheet that writes prepared rows in constant-memory mode."""

    @property
    def fast(self) -> bool:
        """Whether this XlsxWriter has the internals ``write_rows`` relies on."""
        needed = ("_check_dimensions", "_write_single_row", "previous_row", "fh", "table")
        return bool(self.constant_memory) and all(hasattr(self, n) for n in needed)

    def _fragment(self, value: Any, style: str, numeric: bool) -> str:
        """A cell's XML after its reference: ``' s="3"><v>1.5</v></c>'``."""
        if numeric:
            return f"{style}><v>{value:.16G}</v></c>"
        text = _text(value)
        if _ESCAPED.search(text):  # else both escapes below leave the text as it is
            text = self._escape_data(self._escape_control_characters(text))
        space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        return f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def _pieces(self, cells: Cells, letter: str) -> list[str]:
        """Each row's cell XML for one column (``letter``), each distinct value made once: a
        template whose ``{0}`` is the row number ('' where the row has no cell)."""
        import numpy as np

        values, formats, codes, numeric = cells
        styles: dict[int, str] = {}  # one xf index lookup per format, not per value
        made = []
        for v, f in zip(values, formats, strict=True):
            if v is None:
                made.append("")
                continue
            style = styles.get(id(f)) or styles.setdefault(id(f), f' s="{f._get_xf_index()}"')
            xml = self._fragment(v, style, numeric).replace("{", "{{").replace("}", "}}")
            made.append(f'<c r="{letter}{{0}}"{xml}')
        out: list[str] = np.array(made, dtype=object)[codes].tolist()
        return out

    def write_rows(self, first: int, columns: Sequence[Cells]) -> None:
        """Rows ``first``, ``first + 1``, ... of ``columns`` (each column's values, formats and
        whether numeric), after every row written so far."""
        count = len(columns[0][2]) if columns else 0
        if not count:
            return
        self._write_single_row(first)  # flush the row pending, as a later write would
        self._check_dimensions(first, 0)
        self._check_dimensions(first + count - 1, len(columns) - 1)
        pieces = [self._pieces(c, xl_col_to_name(col)) for col, c in enumerate(columns)]
        write = self.fh.write
        for chunk in _rows(first, pieces):
            write(chunk)
        self.previous_row = first + count - 1  # written: nothing of it is pending


_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


def _rows(first: int, pieces: list[list[str]]) -> Iterator[str]:
    """The rows' XML in chunks of a thousand rows: each row's cell templates joined, then
    formatted once with its row number."""
    lines: list[str] = []
    for offset, row in enumerate(zip(*pieces, strict=True)):
        lines.append(('<row r="{0}">' + "".join(row) + "</row>").format(first + offset + 1))
        if len(lines) == 1000:
            yield "".join(lines)
            lines = []
    yield "".join(lines)
