"""The parsed table, held column by column: each column factorised into its distinct cells and
one small integer code per record, with the records' physical line numbers as arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

__all__ = ["Codes", "ColumnBuilder", "CsvColumn", "CsvRow", "CsvTable", "Lines"]

Codes = npt.NDArray[np.int32]
Lines = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One non-blank record: where it starts and ends, and its cells (as many as the header)."""

    line: int
    end_line: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CsvColumn:
    """One column of cells, factorised: record i's cell is ``values[codes[i]]``.

    ``values`` are the column's distinct cells in order of first appearance, so a column of a
    handful of spellings (``U``, ``0``-``4``, ``yes``) costs 4 bytes a record, and the codes can
    be handed to validation without expanding the column into one object per cell.
    """

    values: tuple[str, ...]
    codes: Codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> str:
        return self.values[int(self.codes[i])]

    @classmethod
    def of(cls, cells: Sequence[str]) -> CsvColumn:
        """Factorise plain cells (the reader factorises as it reads)."""
        index: dict[str, int] = {}
        firsts = np.fromiter(map(index.setdefault, cells, range(len(cells))), np.int32, len(cells))
        return _dense(index, firsts)

    def cells(self) -> list[str]:
        """Every record's cell, in file order (one shared string object per distinct cell)."""
        if not self.values:
            return []
        shared: list[str] = np.array(self.values, dtype=object)[self.codes].tolist()
        return shared


@dataclass(frozen=True, eq=False)
class CsvTable:
    """A parsed file: header, data records column by column, skipped blank records and dropped
    empty columns. Record i starts on physical line ``lines[i]`` and ends on ``end_lines[i]``."""

    source: str
    header: tuple[str, ...]
    columns: tuple[CsvColumn, ...]  # one per header cell
    lines: Lines
    end_lines: Lines
    blank_rows: tuple[int, ...]
    dropped_columns: tuple[int, ...]
    physical_lines: int

    @property
    def size(self) -> int:
        """The number of data records."""
        return len(self.lines)

    @cached_property
    def rows(self) -> tuple[CsvRow, ...]:
        """The records one by one, built on first use (for small files and tests; large
        inputs are read through ``columns``)."""
        by_row = zip(*(c.cells() for c in self.columns), strict=True)
        ends = self.end_lines.tolist()
        return tuple(
            CsvRow(line, end, cells)
            for line, end, cells in zip(self.lines.tolist(), ends, by_row, strict=True)
        )


class ColumnBuilder:
    """Records gathered a chunk at a time and factorised column by column, at C speed.

    Each column keeps a dict from its distinct cells to the record where each first appears;
    ``map(index.setdefault, cells, record_numbers)`` gives every cell that first record, and
    ``finish`` turns those into dense codes in order of first appearance. Only one chunk of
    records is ever held as rows, so a large file never exists as one object per record.
    """

    def __init__(self, keep: list[int]) -> None:
        """Gather the columns at positions ``keep`` of each record."""
        self.keep = keep
        self.chunk: list[list[str]] = []
        self.index: list[dict[str, int]] = [{} for _ in keep]
        self.firsts = [array("i") for _ in keep]
        self.size = 0

    def flush(self) -> None:
        """Move the chunk's cells into the columns."""
        chunk = self.chunk
        if not chunk:
            return
        numbers = range(self.size, self.size + len(chunk))
        by_position = list(zip(*chunk, strict=True))
        for k, at in enumerate(self.keep):
            self.firsts[k].extend(map(self.index[k].setdefault, by_position[at], numbers))
        self.size += len(chunk)
        chunk.clear()

    def finish(self) -> tuple[CsvColumn, ...]:
        """The factorised columns, once every record has been gathered."""
        self.flush()
        out = tuple(
            _dense(index, np.frombuffer(firsts, dtype=np.int32))
            for index, firsts in zip(self.index, self.firsts, strict=True)
        )
        self.index, self.firsts = [], []
        return out


def _dense(index: dict[str, int], firsts: Codes) -> CsvColumn:
    """The column whose distinct cells are ``index``'s keys (in insertion order) and whose
    record i first shows its cell at record ``firsts[i]`` (``index``'s values)."""
    dense = np.empty(len(firsts), dtype=np.int32)
    dense[np.fromiter(index.values(), np.int64, len(index))] = np.arange(len(index))
    return CsvColumn(tuple(index), dense[firsts])
