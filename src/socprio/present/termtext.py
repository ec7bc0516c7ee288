"""Plain-text building blocks of the terminal outputs: cell widths, padding that never runs
past the text, wrapping, and ANSI styles that can be turned off.

Input text is data: callers pass it through ``present.escape.visible`` first, so a control,
format (bidi, zero-width) or line-separator character in a codename is shown as a visible
escape such as ``\\x1b`` or ``\\u202e``, never sent to the terminal, and nothing is ever
read as markup.
"""

from __future__ import annotations

import io
import textwrap
from enum import StrEnum
from typing import Any

from rich.cells import cell_len, get_character_cell_size

ELLIPSIS = "…"


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes (wide East Asian characters take two)."""
    return len(text) if text.isascii() else cell_len(text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in an ellipsis when cut."""
    if cells(text) <= width:
        return text
    if text.isascii():
        return text[: width - 1] + ELLIPSIS if width > 0 else ""
    out, used = [], 0
    for char in text:
        size = get_character_cell_size(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS if width > 0 else ""


def pad(text: str, width: int, *, right: bool = False) -> tuple[str, str]:
    """``text`` fitted to ``width`` cells and the spaces that fill the rest, as (text, fill);
    right-aligned text gets its fill first, so the caller styles the text alone."""
    if text.isascii() and len(text) <= width:  # the common case, without measuring
        return text, " " * (width - len(text))
    shown = fit(text, width)
    return shown, " " * (width - cell_len(shown))


def wrap(text: str, width: int, *, indent: str = "  ") -> list[str]:
    """``text`` wrapped to ``width`` columns (continuation lines indented); a word longer
    than the width is broken, so no line is ever longer."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(
            paragraph,
            width=max(width, len(indent) + 8),
            subsequent_indent=indent,
            break_on_hyphens=False,
            drop_whitespace=True,
        ) or [""]
    return lines


def pack(items: list[str], width: int, *, indent: str = "  ", sep: str = "  ") -> list[str]:
    """``items`` joined by ``sep`` into lines of at most ``width`` columns, never splitting an
    item (one longer than the width is wrapped by itself)."""
    lines: list[str] = []
    line = ""
    for item in items:
        joined = f"{line}{sep}{item}" if line else item
        if line and len(joined) > width:
            lines.append(line)
            joined = indent + item
        line = joined
    lines.append(line)
    return [part for text in lines for part in wrap(text, width, indent=indent)]


class Ink(StrEnum):
    """How much styling a terminal output may use."""

    PLAIN = "plain"  # no escape codes at all: a pipe, a file, TERM=dumb
    MONO = "mono"  # bold and reverse only: NO_COLOR on a terminal (no-color.org)
    COLOUR = "colour"  # ANSI colours


# role -> (SGR parameters with colour, SGR parameters without it)
STYLES: dict[str, tuple[str, str]] = {
    "title": ("1", "1"),
    "head": ("1", "1"),
    "band1": ("1;31", "1"),
    "band2": ("33", ""),
    "band3": ("32", ""),
    "now": ("1;97;41", "1;7"),  # ACTION_NOW: white on red, or reversed
    "act": ("1;31", "1"),  # the Act now heading
    "override": ("1;35", "1"),
    "up": ("32", ""),
    "down": ("31", ""),
    "band_move": ("1", "1"),
    "new": ("1;36", "1"),
    "dim": ("2", ""),
}


def paint(text: str, role: str, ink: Ink) -> str:
    """``text`` in the style of ``role`` (unchanged for PLAIN ink or an unstyled role)."""
    if ink is Ink.PLAIN or not text or role not in STYLES:
        return text
    sgr = STYLES[role][0 if ink is Ink.COLOUR else 1]
    return f"\x1b[{sgr}m{text}\x1b[0m" if sgr else text


def rendered(renderable: Any, width: int) -> str:
    """A rich renderable as plain text ``width`` columns wide, without trailing spaces."""
    from rich.console import Console

    out = io.StringIO()
    console = Console(
        file=out, width=width, no_color=True, highlight=False, emoji=False, markup=False
    )
    console.print(renderable)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())
