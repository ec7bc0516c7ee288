"""pipeline/columns.py: the tables as numpy columns, factorised exactly whichever way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socprio.pipeline import columns
from socprio.pipeline.columns import Columns, Picked, coded, factorize

TEXT = st.lists(st.sampled_from(["", "a", "A", "=1", "b;c", "\u00e9", "e\u0301"]) | st.text())
NUMBERS = st.lists(st.sampled_from([0.0, -0.0, 1.5, float("nan"), 1e300, 2.0]) | st.floats())


@contextmanager
def _path(*, hashed: bool) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(columns, "HASH_FACTORIZE_FROM", 0 if hashed else 10**9)
        yield


def _same(values: np.ndarray, rebuilt: np.ndarray) -> bool:
    if values.dtype.kind == "f":
        return bool(np.array_equal(values, rebuilt, equal_nan=True))
    return values.tolist() == rebuilt.tolist()


@pytest.mark.parametrize("hashed", [False, True], ids=["numpy sort", "pandas hash"])
@given(text=TEXT, numbers=NUMBERS)
def test_factorize_rebuilds_every_value_on_both_paths(
    hashed: bool, text: list[str], numbers: list[float]
) -> None:
    """Small columns sort with numpy and large ones hash with pandas: each distinct value is
    formatted once and indexed back, so both must give back exactly the values they got."""
    with _path(hashed=hashed):
        for values in (np.array(text, dtype=object), np.array(numbers, dtype=np.float64)):
            codes, distinct = factorize(values)
            assert len(set(map(repr, distinct.tolist()))) == len(distinct)  # each once
            assert _same(values, distinct[codes])


@pytest.mark.parametrize("hashed", [False, True], ids=["numpy sort", "pandas hash"])
def test_dates_factorize_to_their_own_type(hashed: bool) -> None:
    days = np.array(["2026-01-02", "NaT", "2026-01-02"], dtype="datetime64[D]")
    with _path(hashed=hashed):
        codes, distinct = factorize(days)
    assert distinct.dtype == days.dtype
    assert distinct[codes].astype(str).tolist() == ["2026-01-02", "NaT", "2026-01-02"]


def test_a_table_joined_with_an_earlier_run_keeps_its_integer_columns() -> None:
    frame = pd.DataFrame({"rank": [1, 2], "previous_rank": pd.array([3, None], dtype="Int64")})
    table = Columns.of_frame(frame)
    assert table.rows == 2 and list(table) == ["rank", "previous_rank"]
    assert table.integer == frozenset({"previous_rank"})
    assert table.frame() is frame  # the outputs that read pandas get the frame itself
    assert table.take(np.array([1]))["rank"].tolist() == [2]


def test_columns_become_one_frame_that_shares_their_arrays() -> None:
    table = Columns({"rank": np.array([1, 2]), "band": np.array(["1A", "1B"], dtype=object)})
    assert table.frame() is table.frame()
    assert table.frame()["band"].tolist() == ["1A", "1B"]
    assert Columns({}).rows == 0


def test_a_picked_column_reads_as_its_rows_of_the_core_array_through_any_view() -> None:
    values = np.array([10.0, 20.0, 30.0, 40.0])
    rows = np.array([3, 1, 0])
    table = Columns({"score": Picked(values, rows), "group_id": np.array(["d", "b", "a"])})
    assert table.rows == 3 and table["score"].tolist() == [40.0, 20.0, 10.0]
    view = table.take(np.array([2, 0]))
    assert view.rows == 2 and view["score"].tolist() == [10.0, 40.0]
    assert view["group_id"].tolist() == ["a", "d"]
    assert view.frame()["score"].tolist() == [10.0, 40.0]
    assert table.part("score", 1, 3).tolist() == [20.0, 10.0]
    assert table.part("group_id", 1, 3).tolist() == ["b", "a"]


def test_a_coded_column_holds_a_byte_per_row_and_reads_as_its_labels() -> None:
    band = coded(["1A", "1B", "2"], np.array([2, 0, 0, 1]))
    assert band.codes.dtype == np.uint8
    table = Columns({"band": band})
    assert table["band"].tolist() == ["2", "1A", "1A", "1B"]
    view = table.take(np.array([3, 1]))
    assert view.coded("band") is not None and view["band"].tolist() == ["1B", "1A"]
    assert view.frame()["band"].tolist() == ["1B", "1A"]
    assert table.part("band", 2, 4).tolist() == ["1A", "1B"]
    assert Columns({"n": np.arange(2)}).coded("n") is None


def test_asking_whether_a_column_exists_never_reads_it() -> None:
    # An export asks "is there a points column?" once per chunk of rows: reading the whole
    # column to answer made a million-group JSON export quadratic. Rows out of range would
    # raise if the column were read.
    never_read = Picked(np.arange(3.0), np.array([7, 9]))
    table = Columns({"score": never_read, "band": coded(["1A"], np.array([0, 0]))})
    assert "score" in table and "band" in table
    assert "score_points" not in table and 3 not in table
