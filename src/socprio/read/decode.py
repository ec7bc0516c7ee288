"""Strict decoding of an input file's bytes: an explicit codec, never a guess.

Files that are not text (a workbook, a ZIP, a PDF), wide Unicode and a BOM that contradicts
``--encoding`` are refused with advice; an undecodable byte is located by physical line.
"""

from __future__ import annotations

import codecs
import re

from socprio.errors import DataError, NoInputError, UsageError

_SAVE_AS = "in Excel use Save As > CSV UTF-8"
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", f"this is an Excel workbook (.xlsx), not a CSV; {_SAVE_AS}"),
    (b"PK\x05\x06", f"this is a ZIP archive (or an empty .xlsx), not a CSV; {_SAVE_AS}"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        f"this is an Excel 97-2003 workbook (.xls), not a CSV; {_SAVE_AS}",
    ),
    (b"\x1f\x8b", "this is a gzip-compressed file, not a CSV; decompress it first"),
    (b"%PDF-", "this is a PDF document, not a CSV"),
)
_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "the file is UTF-32, not UTF-8; re-save it as CSV UTF-8"),
    (b"\x00\x00\xfe\xff", "the file is UTF-32, not UTF-8; re-save it as CSV UTF-8"),
    (b"\xff\xfe", f"the file is UTF-16 (Excel 'Unicode Text'), not UTF-8; {_SAVE_AS}"),
    (b"\xfe\xff", f"the file is UTF-16 (Excel 'Unicode Text'), not UTF-8; {_SAVE_AS}"),
)
_UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})
_C1 = re.compile("[\x80-\x9f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode(data: bytes, *, source: str, encoding: str = "utf-8") -> str:
    """Decode strictly with the given codec (UTF-8 also drops a BOM); never guess."""
    for signature, message in _SIGNATURES:
        if data.startswith(signature):
            raise NoInputError(message, file=source)
    name = _codec_name(encoding)
    wide = name.startswith(("utf-16", "utf-32"))
    if not wide:
        for bom, message in _WIDE_BOMS:
            if data.startswith(bom):
                raise DataError(message, file=source)
    is_utf8 = name in _UTF8_NAMES
    if not is_utf8 and not wide and data.startswith(codecs.BOM_UTF8):
        raise DataError(
            f"the file starts with a UTF-8 byte-order mark (it is CSV UTF-8) but --encoding "
            f"{encoding} was given; drop --encoding",
            file=source,
        )
    codec = "utf-8-sig" if is_utf8 else name
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(exc, data, codec, encoding, is_utf8, source) from None
    except LookupError:  # e.g. 'base64': a codec, but not a text encoding
        raise UsageError(f"--encoding {encoding!r} is not a text encoding") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.isascii():
        found = _C1.search(text)
        if found is not None:
            line = line_of(text, found.start())
            raise DataError(
                f"control character U+{ord(found.group()):04X} at line {line}: the file was "
                "probably decoded with the wrong encoding; re-save it as CSV UTF-8 or use "
                "--encoding cp1252",
                file=source,
                line=line,
            )
    return text


def _codec_name(encoding: str) -> str:
    """Return the canonical codec name, or raise ``UsageError`` naming the unknown one."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, ValueError):
        raise UsageError(
            f"unknown --encoding {encoding!r}; use utf-8 (the default) or e.g. cp1252"
        ) from None


def _decode_error(
    exc: UnicodeDecodeError, data: bytes, codec: str, encoding: str, is_utf8: bool, source: str
) -> DataError:
    """Locate an undecodable byte by physical line; name the byte, not the text around it."""
    line = 1 + count_breaks(data[: exc.start].decode(codec, errors="replace"))
    byte = f"byte 0x{data[exc.start]:02X}" if exc.start < len(data) else "a truncated character"
    if is_utf8:
        advice = "re-save as CSV UTF-8 or use --encoding cp1252"
        return DataError(f"not UTF-8 at line {line} ({byte}); {advice}", file=source, line=line)
    advice = "check --encoding or re-save as CSV UTF-8"
    return DataError(
        f"not valid {encoding} at line {line} ({byte}); {advice}", file=source, line=line
    )


def count_breaks(text: str) -> int:
    """Count line breaks: CRLF, a lone CR and a lone LF each count once."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def line_of(text: str, pos: int) -> int:
    """Return the 1-based physical line of ``text[pos]``."""
    line = 1 + count_breaks(text[:pos])
    if 0 < pos < len(text) and text[pos - 1] == "\r" and text[pos] == "\n":
        line -= 1  # pos is the LF of a CRLF: still the line the CR ends
    return line
