"""Input text is data: the one place that escapes it for each kind of output.

- ``escape_cell``/``unescape_cell``: formula-injection escaping for spreadsheet cells (CSV,
  workbook; OWASP CSV Injection, CWE-1236);
- ``visible``/``message_text``: controls, bidi and format characters shown as escapes on a
  terminal or in a message;
- ``markdown_text``: markdown-active characters backslash-escaped.

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

import re
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


# C0 and C1 controls, DEL, the soft hyphen, the Arabic letter mark, the Mongolian vowel
# separator, zero-width and bidi marks, embeddings, overrides and isolates, line and paragraph
# separators, word joiners and invisible operators, the BOM, interlinear annotation and tags.
_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format (bidi...), line separators


def _escape(found: re.Match[str]) -> str:
    return _escaped(found.group(0))


def _escaped(char: str) -> str:
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def visible(text: str) -> str:
    """``text`` with every control, format or separator character shown as an escape."""
    shown = _HIDDEN.sub(_escape, text)  # the common ones, in one pass
    if shown.isascii():
        return shown
    return "".join(  # and any other character of those categories (e.g. U+0600)
        _escaped(c) if not c.isascii() and unicodedata.category(c) in _INVISIBLE else c
        for c in shown
    )


# What can start markup inside a markdown cell or line: emphasis, code, links and images,
# HTML tags and entities, table pipes, strikethrough, an emoji shortcode (a colon before a word,
# ``:warning:``) and a heading (``#`` first). Each is backslash-escaped (CommonMark), so the
# text shows as it was typed; other punctuation ("0: 62.3", "#28" mid-text) stays as it is.
_MARKDOWN_ACTIVE = re.compile(r"[\\`*_{}\[\]<>!|~&]|:(?=[\w+-])|^#")


def markdown_text(value: object) -> str:
    """``value`` as literal markdown text on one line: markdown-active characters backslash-
    escaped, line breaks as spaces, controls and bidi characters shown as visible escapes."""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return visible(_MARKDOWN_ACTIVE.sub(lambda m: "\\" + m.group(0), text))


def message_text(text: str) -> str:
    """A message for the terminal or a cron mail, line by line with every control, bidi or
    format character shown as an escape: a file name, header cell or value quoted in it can
    never move the cursor, set the clipboard (OSC 52) or open a hyperlink (OSC 8)."""
    return "\n".join(visible(line) for line in text.split("\n"))
