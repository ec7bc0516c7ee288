"""Formula-injection escaping for text cells (OWASP CSV Injection, CWE-1236).

A spreadsheet may evaluate a cell whose text starts with a trigger, so such text gets a
leading ``'``. Nothing is ever stripped. Callers pass text cells and headers only: numbers
stay numeric and are never escaped, but ``"-1"``, ``"-"`` or ``"+44 20 ..."`` *as text* do
gain a ``'``.

A spreadsheet (or the user's paste) may trim leading blanks before it evaluates, so a trigger
after any run of blank characters counts as well: every Unicode space (the ordinary space,
NBSP, U+3000 ...), control and format character (zero-width space, BOM, bidi marks ...) and
the blank-looking fillers (U+115F, U+1160, U+3164, U+FFA0).

To make the escape reversible, a text that is one or more ``'`` followed by (blanks and) a
trigger, such as ``"'=x"``, gets one more ``'``. Any other text, including ``"'hello"``, is
left alone.
"""

from __future__ import annotations

import unicodedata

QUOTE = "'"

TRIGGERS: frozenset[str] = frozenset(
    {"=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "＋", "－", "＠"}
)

# Unicode categories a spreadsheet may trim or never show: spaces, separators, controls,
# format characters (zero-width, bidi, BOM), private-use and unassigned code points.
_BLANK_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cn"})
_FILLERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})


def is_blank(char: str) -> bool:
    """True for a character a spreadsheet may trim or that shows as nothing."""
    return char.isspace() or char in _FILLERS or unicodedata.category(char) in _BLANK_CATEGORIES


def _quotes_then_trigger(value: str) -> bool:
    """True when ``value`` is ``'``s, then blanks, then a trigger (a blank may be one)."""
    for char in value.lstrip(QUOTE):
        if char in TRIGGERS:
            return True
        if not is_blank(char):
            return False
    return False


def escape_cell(value: str) -> str:
    """Prefix ``'`` when the text starts with a trigger, or with ``'``s or blanks and then a
    trigger.

    Everything else is returned unchanged; the result never starts with a trigger.
    """
    first = value[:1]
    if not first or first.isalnum():  # the common case, decided without further work
        return value
    return QUOTE + value if _quotes_then_trigger(value) else value


def unescape_cell(value: str) -> str:
    """Invert ``escape_cell``: drop one leading ``'`` when ``'``s, blanks and a trigger follow."""
    if value.startswith(QUOTE) and _quotes_then_trigger(value):
        return value[1:]
    return value
