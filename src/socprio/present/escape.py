"""Formula-injection escaping for text cells (OWASP CSV Injection, CWE-1236).

A spreadsheet may evaluate a cell whose text starts with a trigger, so such text gets a
leading ``'``. Nothing is ever stripped. Callers pass text cells and headers only: numbers
stay numeric and are never escaped, but ``"-1"``, ``"-"`` or ``"+44 20 ..."`` *as text* do
gain a ``'``.

To make the escape reversible, a text that is one or more ``'`` followed by a trigger (such
as ``"'=x"``) gets one more ``'``. Any other text, including ``"'hello"``, is left alone.
"""

from __future__ import annotations

QUOTE = "'"

TRIGGERS: frozenset[str] = frozenset(
    {"=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "＋", "－", "＠"}
)


_FIRST = TRIGGERS | {"'"}  # first characters that may need a prefix


def _quotes_then_trigger(value: str) -> bool:
    """True when ``value`` is zero or more ``'`` followed by a trigger character."""
    return value.lstrip(QUOTE)[:1] in TRIGGERS


def escape_cell(value: str) -> str:
    """Prefix ``'`` when the text starts with a trigger, or with ``'``s and then a trigger.

    Everything else is returned unchanged; the result never starts with a trigger.
    """
    if value[:1] not in _FIRST:  # the common case, decided without further work
        return value
    return QUOTE + value if _quotes_then_trigger(value) else value


def unescape_cell(value: str) -> str:
    """Invert ``escape_cell``: drop one leading ``'`` when ``'``s and then a trigger follow."""
    if value.startswith(QUOTE) and _quotes_then_trigger(value):
        return value[1:]
    return value
