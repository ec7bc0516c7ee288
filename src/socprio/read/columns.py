"""The parsed table, held column by column: each column factorised into its distinct cells and
one small integer code per record, with the records' physical line numbers as arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Codes", "ColumnBuilder", "CsvColumn", "CsvRow", "CsvTable", "Lines"]

Codes = npt.NDArray[np.integer[Any]]  # the smallest unsigned type that holds a column's codes
Lines = npt.NDArray[np.int64]
SAMPLE = 4096  # records read before deciding which columns are (nearly) all distinct cells
UNIQUE_SHARE = 0.9  # ... more distinct cells than this share of the records


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One non-blank record: where it starts and ends, and its cells (as many as the header)."""

    line: int
    end_line: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CsvColumn:
    """One column of cells: record i's cell is ``values[codes[i]]``.

    A column of few distinct cells is factorised: ``values`` are its distinct cells in order
    of first appearance, so a column of a handful of spellings (``U``, ``0``-``4``, ``yes``)
    costs 4 bytes a record, and validation checks each spelling once. A column of mostly
    unique cells (ids, names, notes) is not worth a dict: ``values`` is then every cell in
    file order (repeats and all) and ``codes`` is ``0..n-1``. Either way ``values[codes[i]]``
    is record i's cell and equal codes mean equal cells.
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
        if len(self.values) == len(self.codes):  # all distinct, or a column of every cell
            return list(self.values)
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
    """Records gathered a chunk at a time and stored column by column, at C speed.

    A factorised column keeps a dict from its distinct cells to the record where each first
    appears; ``map(index.setdefault, cells, record_numbers)`` gives every cell that first
    record, and ``finish`` turns those into dense codes in order of first appearance. A column
    whose first ``SAMPLE`` records are almost all distinct is kept as a plain list from then
    on (hashing 200,000 unique cells into a dict costs more than it saves). Only one small chunk of
    records is ever held as rows (small enough that its fresh strings are still in the CPU
    cache when they are hashed), so a large file never exists as one object per record.
    """

    def __init__(self, keep: list[int]) -> None:
        """Gather the columns at positions ``keep`` of each record."""
        self.keep = keep
        self.chunk: list[list[str]] = []
        self.index: list[dict[str, int]] = [{} for _ in keep]
        self.firsts: list[list[Codes]] = [[] for _ in keep]
        self.plain: list[list[str] | None] = [None for _ in keep]
        self.size = 0

    def flush(self) -> None:
        """Move the chunk's cells into the columns."""
        chunk = self.chunk
        if not chunk:
            return
        count = len(chunk)
        numbers = range(self.size, self.size + count)
        by_position = list(zip(*chunk, strict=True))
        for k, at in enumerate(self.keep):
            plain = self.plain[k]
            if plain is not None:
                plain.extend(by_position[at])
            else:
                found = map(self.index[k].setdefault, by_position[at], numbers)
                self.firsts[k].append(np.fromiter(found, np.int32, count))
        was, self.size = self.size, self.size + count
        chunk.clear()
        if was < SAMPLE <= self.size:
            self._unfactorise_unique_columns()

    def _unfactorise_unique_columns(self) -> None:
        """Keep a column of mostly distinct cells (ids, names) as a plain list from now on."""
        for k, index in enumerate(self.index):
            if len(index) > UNIQUE_SHARE * self.size:
                self.plain[k] = _dense(index, np.concatenate(self.firsts[k])).cells()
                self.index[k], self.firsts[k] = {}, []

    def finish(self) -> tuple[CsvColumn, ...]:
        """The columns, once every record has been gathered."""
        self.flush()
        everyone = np.arange(self.size, dtype=np.int32)
        out = tuple(
            CsvColumn(tuple(plain), everyone)
            if plain is not None
            else _dense(index, np.concatenate(firsts))
            for index, firsts, plain in zip(self.index, self.firsts, self.plain, strict=True)
        )
        self.index, self.firsts, self.plain = [], [], []
        return out


def _dense(index: dict[str, int], firsts: Codes) -> CsvColumn:
    """The column whose distinct cells are ``index``'s keys (in insertion order) and whose
    record i first shows its cell at record ``firsts[i]`` (``index``'s values)."""
    dense = np.empty(len(firsts), dtype=np.min_scalar_type(max(len(index) - 1, 0)))
    dense[np.fromiter(index.values(), np.int64, len(index))] = np.arange(len(index))
    return CsvColumn(tuple(index), dense[firsts])
