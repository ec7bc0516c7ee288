"""The columnar checks in validate.columnar, each held equal to a per-row check.

Codes go up to 2**31 - 1 so that any arithmetic combining them in 32 bits would overflow.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socprio.config.load import load_config
from socprio.read.csvtable import read_table
from socprio.sample.generate import generate_rows, write_csv
from socprio.validate.columnar import cross_failures, first_duplicates, pair_codes
from socprio.validate.records import Column
from socprio.validate.table import Severity, validate_table

INT32_MAX = 2**31 - 1


class _Range(tuple[Any, ...]):
    """A stand-in for a column's distinct values: value i is i, without building a huge tuple."""

    def __new__(cls, size: int) -> _Range:
        self = super().__new__(cls)
        self.size = size
        return self

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: Any) -> Any:
        if not 0 <= i < self.size:
            raise IndexError(i)
        return i


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    size = draw(st.integers(1, 2**31))
    n = draw(st.integers(0, 30))
    codes = draw(st.lists(st.integers(0, INT32_MAX), min_size=n, max_size=n))
    others = draw(st.lists(st.integers(0, size - 1), min_size=n, max_size=n))
    return np.array(codes, np.int32), np.array(others, np.int64).astype(np.int32), size


@given(_pairs())
def test_pair_codes_do_not_overflow_with_codes_near_int32_max(
    drawn: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int],
) -> None:
    codes, others, size = drawn
    pairs = pair_codes(codes, others, size)
    first, second = np.divmod(pairs, size)
    assert first.tolist() == codes.tolist()
    assert second.tolist() == others.tolist()
    distinct_pairs = set(zip(codes.tolist(), others.tolist(), strict=True))
    assert len(set(pairs.tolist())) == len(distinct_pairs)


def test_pair_codes_of_two_60000_value_columns_stay_distinct() -> None:
    """The shape of the reported bug: ~60,000 distinct ids on both sides of the self-link
    check (60,000 * 60,000 is over 2**31)."""
    codes = np.array([59_999, 1, 35_791], np.int32)
    others = np.array([59_998, 2, 0], np.int32)
    pairs = pair_codes(codes, others, 60_000)
    assert [tuple(divmod(p, 60_000)) for p in pairs.tolist()] == [
        (59_999, 59_998),
        (1, 2),
        (35_791, 0),
    ]


@st.composite
def _columns(draw: st.DrawFn) -> tuple[Column, Column, np.ndarray[Any, Any]]:
    left, right = draw(st.integers(1, 200_000)), draw(st.integers(1, 200_000))
    n = draw(st.integers(0, 40))
    rows = draw(
        st.lists(
            st.one_of(
                st.tuples(st.integers(0, left - 1), st.integers(0, right - 1)),
                st.integers(0, min(left, right) - 1).map(lambda v: (v, v)),  # a failing pair
            ),
            min_size=n,
            max_size=n,
        )
    )
    valid = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    codes = np.array([r[0] for r in rows], np.int32)
    others = np.array([r[1] for r in rows], np.int32)
    return Column(_Range(left), codes), Column(_Range(right), others), valid


@settings(max_examples=200)
@given(_columns())
def test_cross_failures_equal_a_per_row_check_with_large_value_counts(
    drawn: tuple[Column, Column, np.ndarray[Any, Any]],
) -> None:
    column, other, valid = drawn

    def fails(v: Any, o: Any) -> bool:
        return bool(v == o)

    found = cross_failures(column, other, fails, valid)
    expected = [bool(valid[i]) and fails(column[i], other[i]) for i in range(len(column.codes))]
    assert found.tolist() == expected


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 9), st.booleans()), max_size=40))
def test_first_duplicates_equal_a_per_row_check(rows: list[tuple[int, bool]]) -> None:
    """Two codes may parse to the same id; the first earlier valid row with that id is
    reported."""
    values = tuple(f"OCG-{v % 5}" for v in range(10))
    codes = np.array([v for v, _ in rows], np.int32)
    valid = np.array([ok for _, ok in rows], bool)
    found = first_duplicates(Column(values, codes), valid).tolist()
    expected = []
    for i, (v, ok) in enumerate(rows):
        earlier = [j for j in range(i) if rows[j][1] and values[rows[j][0]] == values[v]]
        expected.append(earlier[0] if ok and earlier else -1)
    assert found == expected


@pytest.mark.slow
def test_self_link_check_is_right_on_a_200000_group_file() -> None:
    """From ~60,000 groups the self-link check both invented and missed self-links (int32
    overflow of the combined codes); one injected self-link must be the only one reported."""
    loaded = load_config(None)
    as_of = date(2026, 11, 23)
    rows = list(generate_rows(loaded.config, groups=200_000, seed=7, as_of=as_of))
    header = rows[0]
    gid, links = header.index("group_id"), header.index("linked_groups")
    target = 175_000
    injected = list(rows[target])
    injected[links] = injected[gid]
    rows[target] = tuple(injected)
    buf = io.StringIO()
    write_csv(rows, buf)
    table = read_table(buf.getvalue().encode(), source="big.csv")
    result = validate_table(table, loaded.config, as_of=as_of)
    self_links = [
        i.line
        for i in result.of(Severity.ERROR)
        if i.column == "linked_groups" and i.type == "inconsistent"
    ]
    assert self_links == [target + 1]
