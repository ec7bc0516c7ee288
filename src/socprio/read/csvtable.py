"""Strict CSV reading: explicit decoding, stdlib ``csv`` parsing and structural checks.

Cells come back as the exact strings in the file: no inference, no NA handling, no trimming.
Every error names the file, the physical line (as a text editor counts them: LF, CRLF and a
lone CR each end a line) and, where known, the column. Messages never contain cell values.
"""

from __future__ import annotations

import csv
import gc
import re
from array import array
from collections.abc import Iterator
from itertools import chain, islice
from typing import TYPE_CHECKING

import numpy as np

from socprio.errors import DataError, UsageError
from socprio.read.columns import ColumnBuilder, CsvColumn, CsvRow, CsvTable
from socprio.read.decode import count_breaks, decode, line_of

if TYPE_CHECKING:
    import _csv

__all__ = ["MAX_FIELD_CHARS", "CsvColumn", "CsvRow", "CsvTable", "decode", "parse", "read_table"]

MAX_FIELD_CHARS = 131_072
_CHUNK = 256  # records held as rows at once while reading (see ColumnBuilder)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SEP_LINE = re.compile(r'\A"?sep=(.)"?(?:\r\n|\r|\n|\Z)', re.IGNORECASE)
_OTHER_DELIMITERS = (",", ";", "\t", "|")


def read_table(
    data: bytes, *, source: str, encoding: str = "utf-8", delimiter: str = ","
) -> CsvTable:
    """Decode ``data`` strictly and parse it into a checked table."""
    return parse(decode(data, source=source, encoding=encoding), source=source, delimiter=delimiter)


def parse(text: str, *, source: str, delimiter: str = ",") -> CsvTable:
    """Parse CSV text with ``csv.reader(strict=True)`` and check the structure of every record.

    A leading U+FEFF is dropped. For the duration of the call ``csv.field_size_limit`` is set to
    ``MAX_FIELD_CHARS`` and the cyclic garbage collector is paused; both are process-wide and are
    restored on return, so do not run parses concurrently with code that changes them.
    """
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise UsageError(
            f"--delimiter must be one character other than a quote or newline, got {delimiter!r}"
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text:
        raise DataError("the file is empty: no header", file=source)
    _check_sep_line(text, source, delimiter)
    previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    collecting = gc.isenabled()
    gc.disable()  # rows hold no cycles; gen-2 passes over them cost ~30%
    try:
        return _Parser(text, source, delimiter).run()
    finally:
        if collecting:
            gc.enable()
        csv.field_size_limit(previous_limit)


class _Parser:
    """One parse: the reader loop, header checks and error diagnosis."""

    def __init__(self, text: str, source: str, delimiter: str) -> None:
        """Remember the input; nothing is read yet."""
        self.text = text
        self.source = source
        self.delimiter = delimiter
        self.header: tuple[str, ...] = ()
        self.start = 1  # physical line where the record being read starts

    def run(self) -> CsvTable:
        """Read every record, turning ``csv.Error`` into a located ``DataError``."""
        reader = csv.reader(_lines(self.text), delimiter=self.delimiter, strict=True)
        try:
            return self._read(reader)
        except csv.Error as exc:
            raise self._diagnose(exc) from None

    def _read(self, reader: _csv.Reader) -> CsvTable:
        """Check the header, read the records, build the table."""
        first: list[str] = next(reader, [])
        has_nul = "\x00" in self.text
        if has_nul:
            self._check_nul(first, 1)
        self.header = tuple(first)
        blank_cols = self._check_header(first)
        keep = [i for i in range(len(first)) if i not in blank_cols]
        columns = ColumnBuilder(keep)
        starts, spans, blank = self._records(reader, columns, blank_cols, has_nul)
        if not starts:
            extra_note = f", plus {len(blank)} blank record(s)" if blank else ""
            raise DataError(f"no data rows (header only{extra_note})", file=self.source)
        lines = np.array(starts, dtype=np.int64)
        end_lines = lines.copy()
        end_lines[list(spans)] = list(spans.values())
        return CsvTable(
            source=self.source,
            header=tuple(first[i] for i in keep),
            columns=columns.finish(),
            lines=lines,
            end_lines=end_lines,
            blank_rows=tuple(blank),
            dropped_columns=tuple(i + 1 for i in blank_cols),
            physical_lines=reader.line_num,
        )

    def _records(
        self, reader: _csv.Reader, columns: ColumnBuilder, blank_cols: list[int], has_nul: bool
    ) -> tuple[array[int], dict[int, int], list[int]]:
        """The hot loop: one length check and (mostly) one blank check per record. Returns
        each data record's first line, the last line of those that span several, and the
        lines of blank records."""
        source, ncols, extra = self.source, len(self.header), has_nul or bool(blank_cols)
        append, starts = columns.chunk.append, array("q")
        spans: dict[int, int] = {}
        blank: list[int] = []
        start = reader.line_num + 1
        left = _CHUNK
        try:
            for rec in reader:
                end = reader.line_num
                if len(rec) == ncols and (rec[0] or any(rec)):
                    if extra:
                        if has_nul:
                            self._check_nul(rec, start)
                        self._check_blank_columns(rec, start, blank_cols)
                    append(rec)
                    starts.append(start)
                    if end != start:
                        spans[len(starts) - 1] = end
                    left -= 1
                    if not left:
                        columns.flush()
                        left = _CHUNK
                elif any(rec):
                    raise DataError(_count_message(rec, ncols), file=source, line=start)
                else:
                    blank.append(start)
                start = end + 1
        except csv.Error:
            self.start = start  # where _diagnose re-scans from
            raise
        return starts, spans, blank

    def _check_header(self, first: list[str]) -> list[int]:
        """Check the header record; return the 0-based positions of blank-named columns."""
        source = self.source
        if not first:
            raise DataError(
                "line 1 is blank: the first line must hold the column names", file=source, line=1
            )
        blank_cols = [i for i, name in enumerate(first) if not name.strip()]
        if len(blank_cols) == len(first):
            raise DataError("the header (line 1) has no column names", file=source, line=1)
        if len(first) == 1:
            counts = {d: first[0].count(d) for d in _OTHER_DELIMITERS if d != self.delimiter}
            best = max(counts, key=counts.__getitem__)
            if counts[best]:
                shown = _show_delimiter(best)
                raise DataError(
                    f"found 1 column; the file looks {shown}-separated: try --delimiter {shown}",
                    file=source,
                    line=1,
                )
        seen: dict[str, int] = {}
        for i, name in enumerate(first):
            key = name.strip().casefold()
            if not key:
                continue
            if key in seen:
                raise DataError(
                    f"duplicate column name: columns {seen[key] + 1} and {i + 1} are the same "
                    "(compared ignoring case and surrounding spaces); does line 1 hold the "
                    "column names?",
                    file=source,
                    line=1,
                    column=i + 1,  # by number: in a file without a header row, line 1 is data
                )
            seen[key] = i
        return blank_cols

    def _column(self, index: int) -> int | str:
        """Name a 0-based field position by its header name, or by 1-based number if unnamed."""
        if index < len(self.header) and self.header[index].strip():
            return self.header[index]
        return index + 1

    def _check_nul(self, rec: list[str], start: int) -> None:
        """Raise at the first NUL character in ``rec``, if any."""
        for i, cell in enumerate(rec):
            if "\x00" in cell:
                line = start + count_breaks("".join(rec[:i]) + cell[: cell.index("\x00")])
                raise DataError(
                    "NUL character (byte 0x00) in a field; is the file UTF-16 or not a CSV?",
                    file=self.source,
                    line=line,
                    column=self._column(i),
                )

    def _check_blank_columns(self, rec: list[str], start: int, blank_cols: list[int]) -> None:
        """Raise if a column with no header name holds a value in ``rec``."""
        for i in blank_cols:
            if rec[i]:
                raise DataError(
                    f"column {i + 1} has no name in the header but holds a value here; "
                    "name the column or delete the value",
                    file=self.source,
                    line=start + count_breaks("".join(rec[:i])),
                    column=i + 1,
                )

    def _diagnose(self, exc: csv.Error) -> DataError:
        """Re-scan the failing record to explain a ``csv.Error`` with lines and a column."""
        text, delim = self.text, self.delimiter
        stops = re.compile(f"[{re.escape(delim)}\r\n]")
        pos = _line_start(text, self.start)
        field = 0
        while True:
            if text.startswith('"', pos):
                opened, pos, size = pos, pos + 1, 0
                while True:
                    close = text.find('"', pos)
                    if close < 0:
                        line = line_of(text, opened)
                        return self._error(
                            f"quote opened on line {line} is never closed", line, field
                        )
                    size += close - pos
                    if text.startswith('"', close + 1):
                        size, pos = size + 1, close + 2
                        continue
                    pos = close + 1
                    break
                if size > MAX_FIELD_CHARS:
                    line = line_of(text, opened)
                    return self._error(
                        f"field too long: the quoted field starting on line {line} ends on line "
                        f"{line_of(text, pos - 1)} and exceeds {MAX_FIELD_CHARS:,} characters "
                        "(an unbalanced quote?)",
                        line,
                        field,
                    )
                if pos >= len(text) or text[pos] in "\r\n":
                    break
                if text[pos] != delim:
                    return self._error(
                        "a closing quote is followed by other characters; a quote inside a "
                        'quoted field must be doubled ("")',
                        line_of(text, pos),
                        field,
                    )
                pos, field = pos + 1, field + 1
                continue
            found = stops.search(text, pos)
            end = len(text) if found is None else found.start()
            if end - pos > MAX_FIELD_CHARS:
                return self._error(
                    f"field too long: more than {MAX_FIELD_CHARS:,} characters",
                    line_of(text, pos),
                    field,
                )
            if found is None or found.group() != delim:
                break
            pos, field = end + 1, field + 1
        return DataError(f"malformed CSV record ({exc})", file=self.source, line=self.start)

    def _error(self, message: str, line: int, field: int) -> DataError:
        """Build a located error for field ``field`` (0-based) of the failing record."""
        return DataError(message, file=self.source, line=line, column=self._column(field))


def _check_sep_line(text: str, source: str, delimiter: str) -> None:
    """Reject Excel's ``sep=;`` first line; tell the user which ``--delimiter`` matches it."""
    found = _SEP_LINE.match(text)
    if found is None:
        return
    sep = found.group(1)
    hint = "" if sep == delimiter else f" and use --delimiter {_show_delimiter(sep)}"
    raise DataError(
        f"line 1 is an Excel 'sep=' line, not the header: delete that line{hint}",
        file=source,
        line=1,
    )


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|\Z)")
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # str.splitlines's
_BLOCK_CHARS = 1 << 20


def _lines(text: str) -> Iterator[str]:
    """The physical lines of ``text`` with their endings, split exactly as a file opened with
    ``newline=""`` would be (CRLF, CR or LF), without the 4-bytes-a-character copy that
    ``io.StringIO`` keeps of the whole text.

    ``str.splitlines`` (C speed) on blocks of about a megabyte, each cut just after an LF so
    that no CRLF is split, when the text holds none of the other characters ``splitlines``
    breaks at; a regular expression otherwise."""
    if "\n" not in text or _OTHER_BREAKS.search(text) is not None:
        return (line for line in (m.group() for m in _LINE.finditer(text)) if line)
    return chain.from_iterable(block.splitlines(True) for block in _blocks(text))


def _blocks(text: str) -> Iterator[str]:
    """``text`` in pieces of at least ``_BLOCK_CHARS`` characters, each ending with an LF
    (but the last)."""
    start = 0
    while start < len(text):
        cut = text.find("\n", start + _BLOCK_CHARS)
        stop = len(text) if cut < 0 else cut + 1
        yield text[start:stop]
        start = stop


def _count_message(rec: list[str], ncols: int) -> str:
    """Describe a record with the wrong number of fields (error path only)."""
    message = f"record has {len(rec)} fields, expected {ncols}"
    if len(rec) > ncols and not any(rec[ncols:]):
        message += "; the extra fields are empty (a trailing delimiter?)"
    return message


def _show_delimiter(delimiter: str) -> str:
    """Quote a delimiter for a message, spelling tab as ``'\\t'``."""
    return "'\\t'" if delimiter == "\t" else f"'{delimiter}'"


def _line_start(text: str, line: int) -> int:
    """Return the offset where 1-based physical ``line`` starts (error path only)."""
    if line <= 1:
        return 0
    for found in islice(_LINE_BREAK.finditer(text), line - 2, None):
        return found.end()
    return len(text)
