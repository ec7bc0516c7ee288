"""The column-by-column table the reader builds, held equal to reading record by record.

The reader factorises each column a chunk of records at a time; these tests run it with tiny
chunks too, so that every chunk boundary (and a multi-line quoted cell across one) is crossed.
"""

from __future__ import annotations

import csv
import io
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socprio.errors import DataError
from socprio.read import columns, csvtable
from socprio.read.columns import SAMPLE, UNIQUE_SHARE, CsvColumn, CsvTable
from socprio.read.csvtable import parse

Record = tuple[int, int, tuple[str, ...]]


def physical_lines(text: str) -> list[str]:
    """Lines as a file opened with ``newline=""`` splits them: LF, CRLF or a lone CR."""
    return list(io.StringIO(text, newline=""))


def row_by_row(text: str) -> tuple[tuple[str, ...], list[Record], list[int], int]:
    """What a plain record-by-record reader makes of ``text`` (which ``parse`` accepted):
    header, (start line, end line, cells) of each non-blank record, blank record lines and
    the physical line count."""
    reader = csv.reader(physical_lines(text.removeprefix("\ufeff")), strict=True)
    header = tuple(next(reader))
    records: list[Record] = []
    blank: list[int] = []
    start = reader.line_num + 1
    for rec in reader:
        if any(rec):
            records.append((start, reader.line_num, tuple(rec)))
        else:
            blank.append(start)
        start = reader.line_num + 1
    return header, records, blank, reader.line_num


def assert_same_as_row_by_row(table: CsvTable, text: str) -> None:
    header, records, blank, lines = row_by_row(text)
    kept = [i for i, name in enumerate(header) if name.strip()]
    assert table.header == tuple(header[i] for i in kept)
    assert table.lines.tolist() == [r[0] for r in records]
    assert table.end_lines.tolist() == [r[1] for r in records]
    assert table.blank_rows == tuple(blank)
    assert table.physical_lines == lines
    assert table.size == len(records)
    for k, at in enumerate(kept):
        assert table.columns[k].cells() == [r[2][at] for r in records]
    assert [(r.line, r.end_line, r.cells) for r in table.rows] == [
        (start, end, tuple(cells[i] for i in kept)) for start, end, cells in records
    ]


def assert_factorised(column: CsvColumn) -> None:
    """Codes into the values: either every cell in order (a column of mostly unique cells,
    int32 codes) or the distinct cells in order of first appearance (codes of the smallest
    unsigned type that holds them: a byte a record for a column of a few spellings)."""
    assert [column[i] for i in range(len(column))] == column.cells()
    if column.codes.tolist() == list(range(len(column))) and column.codes.dtype == np.int32:
        assert list(column.values) == column.cells()
        return
    assert column.codes.dtype == np.min_scalar_type(max(len(column.values) - 1, 0))
    assert len(set(column.values)) == len(column.values)
    firsts = [int(np.flatnonzero(column.codes == k)[0]) for k in range(len(column.values))]
    assert firsts == sorted(firsts)


_JUNK = st.sampled_from(
    [",", '"', "\r", "\n", "\r\n", "a", "b", " ", "\ufeff", "\x00", "\x0c", "\u2028"]
)
_FIELD = st.one_of(
    st.text("ab ", max_size=3),
    st.lists(_JUNK, max_size=4).map(lambda parts: '"' + "".join(parts).replace('"', '""') + '"'),
    st.lists(_JUNK, max_size=2).map("".join),  # raw: often breaks the record
)
_HOSTILE = st.lists(
    st.tuples(_FIELD, _FIELD, st.sampled_from(["\n", "\r\n", "\r", ""])).map(
        lambda r: f"{r[0]},{r[1]}{r[2]}"
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_HOSTILE, st.sampled_from([1, 2, 3, 4096]), st.sampled_from([1, 3, 7, 1 << 20]))
def test_columnar_reader_gives_the_row_readers_cells_and_lines_on_hostile_text(
    body: str, chunk: int, block: int
) -> None:
    """Any text the reader accepts reads to the same cells, record lines (start and end,
    across multi-line quoted cells) and blank lines as reading it record by record, whatever
    the size of the chunks of records and of the blocks of text split into lines."""
    text = "h1,h2\n" + body
    with (
        mock.patch.object(csvtable, "_CHUNK", chunk),
        mock.patch.object(csvtable, "_BLOCK_CHARS", block),
    ):
        try:
            table = parse(text, source="t.csv")
        except DataError:
            return  # errors and their positions are held by test_csvread
    assert_same_as_row_by_row(table, text)
    for column in table.columns:
        assert_factorised(column)


_CELL = st.sampled_from(["", "U", "0", "1", "yes", " x ", "a\nb", 'q"q', "a,b", "\r\n"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=30),
    st.sampled_from([1, 2, 5, 4096]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from([1, 4, SAMPLE]),
    st.sampled_from([0.0, 0.5, UNIQUE_SHARE]),
)
def test_columns_of_repeated_cells_cross_chunks_unchanged(
    rows: list[list[str]], chunk: int, end: str, sample: int, share: float
) -> None:
    """Few distinct cells in many records (the shape of a real file): each column keeps one
    value per distinct cell (or, once judged mostly unique, every cell) and the same cells in
    every record, whatever the chunk size; a dropped blank-named column stays out."""
    lines = ["a,,b,c"] + [",".join(_quoted(c) for c in (r[0], "", r[1], r[2])) for r in rows]
    text = end.join(lines) + end
    with (
        mock.patch.object(csvtable, "_CHUNK", chunk),
        mock.patch.object(columns, "SAMPLE", sample),
        mock.patch.object(columns, "UNIQUE_SHARE", share),
    ):
        try:
            table = parse(text, source="t.csv")
        except DataError as err:
            assert not any(any(r) for r in rows), err  # only an all-blank body is refused
            return
    assert table.dropped_columns == (2,)
    assert_same_as_row_by_row(table, text)
    for column in table.columns:
        assert_factorised(column)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if set(cell) & set(',"\r\n') else cell


def test_a_column_of_one_spelling_holds_one_value() -> None:
    table = parse("a,b\n" + "U,x\n" * 10_000, source="t.csv")
    assert table.columns[0].values == ("U",)
    assert table.columns[1].values == ("x",)
    assert table.columns[0].codes.tolist() == [0] * 10_000
    assert table.lines.tolist() == list(range(2, 10_002))


def test_a_column_of_unique_cells_is_kept_as_it_is_with_repeats_later() -> None:
    """Ids are mostly unique: the column holds every cell (no dict of 200,000 keys), and a
    repeat after the first chunk is still read back as written."""
    ids = [f"OCG{i:06d}" for i in range(SAMPLE + 1_000)] + ["OCG000001", "OCG000001"]
    table = parse("id,flag\n" + "".join(f"{i},U\n" for i in ids), source="t.csv")
    column = table.columns[0]
    assert column.values == tuple(ids)
    assert column.codes.tolist() == list(range(len(ids)))
    assert column.cells() == ids
    assert table.columns[1].values == ("U",)


def test_a_column_of_repeated_cells_stays_factorised_past_the_sample() -> None:
    dates = [f"2026-01-{1 + i % 28:02d}" for i in range(2 * SAMPLE)]
    table = parse("day\n" + "".join(f"{d}\n" for d in dates), source="t.csv")
    assert len(table.columns[0].values) == 28
    assert table.columns[0].codes.dtype == np.uint8
    assert table.columns[0].cells() == dates


@pytest.mark.parametrize("cells", [[], ["x"], ["b", "a", "b", "c", "a"]])
def test_factorising_plain_cells_matches_the_reader(cells: list[str]) -> None:
    column = CsvColumn.of(cells)
    assert column.cells() == cells
    assert column.codes.dtype == np.uint8
    assert column.values == tuple(dict.fromkeys(cells))
    assert_factorised(column)


@settings(max_examples=300, deadline=None)
@given(_HOSTILE, st.sampled_from([1, 2, 5, 1 << 20]))
def test_lines_split_in_blocks_as_a_file_opened_with_newline_empty(text: str, block: int) -> None:
    """The block-wise ``splitlines`` gives exactly the lines ``open(newline="")`` would,
    whether or not the text holds the other breaks ``splitlines`` knows (form feed, U+2028)."""
    with mock.patch.object(csvtable, "_BLOCK_CHARS", block):
        assert list(csvtable._lines(text)) == physical_lines(text)
