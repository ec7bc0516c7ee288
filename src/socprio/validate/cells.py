"""Cell parsers: each accepts only the documented spellings of one kind of cell.

Cells arrive as the exact strings in the file. Anything else is an error with a stable
``type`` and a message that never repeats the cell (the data is OFFICIAL-SENSITIVE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

Parser = Callable[[Any], Any]

SPREADSHEET_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")  # [0-9]: \d also matches other scripts
_UK = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")  # 3/4/2026 as well as 03/04/2026
_DIGITS = re.compile(r"^(0|[1-9][0-9]*)$")
_ODD_SPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _cell(value: object) -> str:
    if not isinstance(value, str):
        raise fail("not_text", "expected text")
    text = value.strip()
    if text in SPREADSHEET_ERRORS:
        raise fail("spreadsheet_error", "spreadsheet error value (the formula failed in Excel)")
    return text


def choice(options: Mapping[str, Any], described: str, *, optional: bool = False) -> Parser:
    """A parser accepting the keys of ``options`` (case-insensitive), returning their values."""
    table = {k.casefold(): v for k, v in options.items()}

    def parse(value: object) -> Any:
        text = _cell(value)
        if not text and optional:
            return None
        if not text:
            raise fail("missing_value", f"a value is required: {described}")
        try:
            return table[text.casefold()]
        except KeyError:
            raise fail("invalid_choice", f"must be {described}") from None

    return parse


def whole_number(lo: int, hi: int, *, unknown: frozenset[str] = frozenset()) -> Parser:
    """A parser for a plain whole number in ``lo..hi`` (no signs, separators or exponents)."""

    def parse(value: object) -> int | None:
        text = _cell(value)
        if unknown and (not text or text.casefold() in unknown):
            return None
        if not text:
            raise fail("missing_value", "a whole number is required")
        if not _DIGITS.match(text):
            raise fail("invalid_number", f"must be a whole number from {lo} to {hi}")
        if len(text) > len(str(hi)):  # also keeps int() clear of its 4300-digit ValueError
            raise fail("out_of_range", f"must be from {lo} to {hi}")
        number = int(text)
        if not lo <= number <= hi:
            raise fail("out_of_range", f"must be from {lo} to {hi}")
        return number

    return parse


def parse_date(value: object, *, optional: bool = False) -> date | None:
    """ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` (day and month may be unpadded: ``3/4/2026``)
    only; never a timestamp, a two-digit year or US order."""
    text = _cell(value)
    if not text:
        if optional:
            return None
        raise fail("missing_value", "a date is required (YYYY-MM-DD or DD/MM/YYYY)")
    if m := _ISO.match(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _UK.match(text):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    else:
        raise fail("invalid_date", "must be a date as YYYY-MM-DD or DD/MM/YYYY")
    try:
        return date(y, mo, d)
    except ValueError:
        raise fail("invalid_date", "is not a real calendar date") from None


def not_future(value: date | None, info: ValidationInfo) -> date | None:
    as_of = (info.context or {}).get("as_of")
    if value is not None and as_of is not None and value > as_of:
        raise fail("future_date", "is after the as-of date")
    return value


def text(lo: int, hi: int, *, single_line: bool = True) -> Parser:
    """Free text of ``lo..hi`` characters; single-line text rejects newlines and controls."""

    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise fail("not_text", "expected text")
        out = value.strip() if single_line else value
        if single_line and ("\n" in out or "\r" in out):
            raise fail(
                "embedded_newline",
                "contains a line break; a stray quote may have swallowed the following rows",
            )
        if _CONTROL.search(out.replace("\n", "").replace("\r", "").replace("\t", "")):
            raise fail("control_character", "contains a control character")
        if lo > 0 and not out.strip():
            raise fail("missing_value", "a value is required")
        if not lo <= len(out) <= hi:
            raise fail("bad_length", f"must be {lo} to {hi} characters long")
        return out

    return parse


def identifier(pattern: str) -> Parser:
    """A group id: trimmed, no inner or odd spaces, matching the configured pattern."""
    compiled = re.compile(pattern)

    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise fail("not_text", "expected text")
        out = value.strip(" \t")
        if not out:
            raise fail("missing_value", "a group id is required")
        if _ODD_SPACE.search(out):
            raise fail("bad_whitespace", "contains a space or invisible character")
        if not compiled.match(out):
            raise fail("invalid_id", f"must match the group id pattern {pattern}")
        return out

    return parse


def items(parse_item: Parser, *, max_items: int | None = None) -> Parser:
    """A ``;``-separated list; blank means empty; items are trimmed, unique and non-empty."""

    def parse(value: object) -> tuple[Any, ...]:
        raw = _cell(value)
        if not raw:
            return ()
        parts = [p.strip() for p in raw.split(";")]
        if any(not p for p in parts):
            raise fail("invalid_list", "has an empty item between ';' separators")
        out = tuple(parse_item(p) for p in parts)
        if len(set(out)) != len(out):
            raise fail("invalid_list", "repeats an item")
        if max_items is not None and len(out) > max_items:
            raise fail("invalid_list", f"has more than {max_items} items")
        return out

    return parse


def blank_unknown(parse: Parser) -> Parser:
    def wrapped(value: object) -> Any:
        return None if isinstance(value, str) and not value.strip() else parse(value)

    return wrapped


def optional_date(value: object) -> date | None:
    return parse_date(value, optional=True)
