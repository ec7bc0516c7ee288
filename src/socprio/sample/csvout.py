"""CSV text of generated rows, ``\\n`` line ends (the shipped sample file is for git), and
writing it to a stream."""

from __future__ import annotations

import csv
import io
import os
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


def write_stream(chunks: Iterable[str], stream: TextIO) -> bool:
    """SHELL: write ``chunks`` to ``stream`` as they come; return False if the reader went away.

    A closed pipe downstream (``socprio sample | head -1``) is the reader's choice, not an
    error: the rest is dropped, and the stream's descriptor is pointed at the null device so
    the interpreter's final flush cannot fail again.
    """
    try:
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
    except BrokenPipeError:
        _point_at_devnull(stream)
        return False
    return True


def _point_at_devnull(stream: TextIO) -> None:
    """Redirect ``stream``'s file descriptor (if it has one) to the null device."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
