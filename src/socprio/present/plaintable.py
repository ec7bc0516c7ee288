"""A long rich ``Table`` as the exact text rich prints, without rich rendering every row.

rich lays a table out in two steps: column widths from every cell's measurement, then each
cell fitted to its column. Both are per column maxima and per cell work, so a table of a few
representative rows (per column, the cell with the widest line and the one with the widest
word) gets the very widths the whole table would. rich renders that small table (title,
header, rules and edges exactly as it prints them), and the body rows are fitted here the way
rich fits a no-wrap, ellipsis-overflow cell: printable ASCII in plain Python, anything else
through rich itself, one cell at a time. Only the ``SIMPLE_HEAD``, zero-padding, one-line-row
tables the reports use take this path; any other table is rendered by rich as it is.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from socprio.present.termtext import ELLIPSIS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

Row = Sequence[str]


def _console(width: int) -> Console:
    from rich.console import Console

    return Console(
        file=io.StringIO(), width=width, no_color=True, highlight=False, emoji=False, markup=False
    )


def _lines(console: Console, renderable: object) -> list[str]:
    """What ``termtext.rendered`` makes of ``renderable``: lines without trailing spaces."""
    out = console.file
    assert isinstance(out, io.StringIO)
    out.seek(0)
    out.truncate()
    console.print(renderable)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def _simple(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _fast_path(table: Table) -> bool:
    from rich import box

    return (
        table.box is box.SIMPLE_HEAD
        and table.padding == (0, 0, 0, 0)
        and table.show_edge
        and table.show_header
        and not table.show_footer
        and not table.show_lines
        and not table.leading
        and not table.caption
        and table.width is None
        and not table.expand
        and all(
            c.no_wrap and c.overflow == "ellipsis" and c.justify in ("left", "right")
            for c in table.columns
        )
    )


def _widest(rows: Sequence[Row], columns: int) -> list[int]:
    """Indices of the rows that decide the column widths (widest line, widest word)."""
    keep: set[int] = set()
    for k in range(columns):
        cells = [row[k] for row in rows]
        if _simple("".join(cells)):
            lines = list(map(len, cells))
            words = [_word_cells(c) if " " in c else n for c, n in zip(cells, lines, strict=True)]
        else:
            lines, words = list(map(_line_cells, cells)), list(map(_word_cells, cells))
        keep.add(max(range(len(lines)), key=lines.__getitem__))
        keep.add(max(range(len(words)), key=words.__getitem__))
    return sorted(keep)


def _line_cells(text: str) -> int:
    from rich.cells import cell_len

    if _simple(text):
        return len(text)
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _word_cells(text: str) -> int:
    from rich.cells import cell_len

    words = text.split()
    if not words:
        return _line_cells(text)
    return max(len(w) if _simple(w) else cell_len(w) for w in words)


def _fit(text: str, width: int, right: bool) -> str:
    """A printable-ASCII cell as rich fits it (Text.wrap, no_wrap, ellipsis)."""
    if right:
        text = text.rstrip()
    if len(text) > width:
        text = text[: width - 1] + ELLIPSIS
    return text.rjust(width) if right else text.ljust(width)


def _cell_lines(console: Console, text: str, width: int, right: bool) -> list[str]:
    """Any other cell, fitted by rich itself."""
    options = console.options.update(
        width=width,
        justify="right" if right else "left",
        no_wrap=True,
        overflow="ellipsis",
        height=None,
    )
    return ["".join(s.text for s in line) for line in console.render_lines(text, options)]


def table_lines(make: Callable[[], Table], rows: Sequence[Row], width: int) -> list[str]:
    """``make()`` (a table with its columns and no rows) filled with ``rows`` and printed
    ``width`` columns wide: the lines ``termtext.rendered`` gives, trailing spaces removed."""
    console = _console(width)
    table = make()
    if not rows or not _fast_path(table):
        return _whole(console, table, rows)
    for i in _widest(rows, len(table.columns)):
        table.add_row(*rows[i])
    options = console.options
    try:  # rich's own widths; private, so a rich that renames them gets the whole render
        widths = table._calculate_column_widths(
            console, options.update_width(options.max_width - table._extra_width)
        )
    except (AttributeError, TypeError):
        return _whole(console, make(), rows)
    small = _lines(console, table)
    rule = " " + "─" * (sum(widths) + len(widths) - 1)
    if rule not in small or min(widths) < 1 or small[-1]:
        return _whole(console, make(), rows)
    head = small[: small.index(rule) + 1]
    right = [c.justify == "right" for c in table.columns]
    body: list[str] = []
    for row in rows:
        if all(map(_simple, row)):
            cells = [_fit(c, w, r) for c, w, r in zip(row, widths, right, strict=True)]
            body.append((" " + " ".join(cells)).rstrip())
        else:
            body += _row_lines(console, row, widths, right)
    return [*head, *body, small[-1]]


def _whole(console: Console, table: Table, rows: Sequence[Row]) -> list[str]:
    for row in rows:
        table.add_row(*row)
    return _lines(console, table)


def _row_lines(console: Console, row: Row, widths: list[int], right: list[bool]) -> list[str]:
    """A row with a cell that is not printable ASCII (it may take more than one line)."""
    parts = [
        [_fit(c, w, r)] if _simple(c) else _cell_lines(console, c, w, r)
        for c, w, r in zip(row, widths, right, strict=True)
    ]
    lines = []
    for j in range(max(len(p) for p in parts)):
        line = [p[j] if j < len(p) else " " * w for p, w in zip(parts, widths, strict=True)]
        lines.append((" " + " ".join(line)).rstrip())
    return lines
