"""CSV text of generated rows: ``\\n`` line ends (the shipped sample file is for git)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO


def write_csv(rows: Iterable[Sequence[str]], stream: TextIO) -> None:
    """Write rows as CSV with ``\\n`` line ends.

    Open ``stream`` with ``newline=""`` so the platform does not translate line ends.
    """
    csv.writer(stream, lineterminator="\n").writerows(rows)


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """The CSV text of ``rows``, as ``write_csv`` writes it."""
    buffer = io.StringIO()
    write_csv(rows, buffer)
    return buffer.getvalue()


def csv_chunks(blocks: Iterable[Iterable[Sequence[str]]]) -> Iterator[str]:
    """The CSV text of each block of rows in turn: memory is bounded by one block."""
    for rows in blocks:
        yield csv_text(rows)
