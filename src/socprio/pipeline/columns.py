"""The tables of an ``Assessment`` as named numpy columns, so that pandas is paid for only by
the outputs that use it.

The pipeline builds each table column by column from the core's arrays. A CSV export reads the
columns as they are; the other outputs read ``Columns.frame()``, the same columns as a pandas
DataFrame, built once and without copying.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from socprio.core.matrix import IntArray

if TYPE_CHECKING:
    import pandas as pd

# Above this many values, pandas' hash table factorises a column faster than numpy's sort,
# and its import (a fifth of a second) is repaid; below it, the weekly run never imports it.
# Fixed-width numpy text always sorts: pandas would make a string object of every cell.
HASH_FACTORIZE_FROM = 50_000


def factorize(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """(codes, distinct) with ``distinct[codes]`` equal to ``values`` (NaN equal to NaN): each
    distinct value can then be formatted once. The order of ``distinct`` is unspecified."""
    if len(values) >= HASH_FACTORIZE_FROM and values.dtype.kind not in "US":
        import pandas as pd

        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        return codes.astype(np.int64), np.asarray(distinct, dtype=values.dtype)
    distinct, inverse = np.unique(values, return_inverse=True)  # text: all str, so they sort
    return inverse.reshape(-1).astype(np.int64), distinct


class Coded(NamedTuple):
    """A text column of few distinct values as codes into them: ``labels[codes]``. Each row
    costs a byte or two instead of a pointer, and an export formats each label once."""

    codes: npt.NDArray[np.integer[Any]]
    labels: npt.NDArray[np.object_]


def coded(labels: npt.NDArray[Any] | Sequence[Any], codes: npt.NDArray[np.integer[Any]]) -> Coded:
    """The column ``labels[codes]``, its codes held in the smallest integer type (labels
    are kept as the objects given; a numpy array's as Python values)."""
    texts = np.empty(len(labels), dtype=object)
    texts[:] = labels.tolist() if isinstance(labels, np.ndarray) else list(labels)
    return Coded(codes.astype(np.min_scalar_type(max(len(texts) - 1, 0)), copy=False), texts)


class Picked(NamedTuple):
    """A column taken from a core array as it is read: ``values[rows]``. The numbers of a
    large table are then not copied into rank order until an output reads them."""

    values: npt.NDArray[Any]
    rows: IntArray


ColumnData = npt.NDArray[Any] | Picked | Coded


class Columns(Mapping[str, npt.NDArray[Any]]):
    """Named 1-D arrays of one length, in column order: one row per group.

    Built from arrays by the pipeline, or wrapping a DataFrame (a table joined with an earlier
    run). ``integer`` names the columns whose numbers print as integers although they are held
    as floats (a nullable integer column with missing values)."""

    def __init__(
        self, data: Mapping[str, ColumnData], *, integer: frozenset[str] = frozenset()
    ) -> None:
        self._data = dict(data)
        self.integer = integer
        self._frame: pd.DataFrame | None = None

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> Columns:
        """The columns of ``frame`` (which ``frame()`` then returns as it is)."""
        data: dict[str, npt.NDArray[Any]] = {}
        integer = set()
        for name in frame.columns:
            series = frame[name]
            if series.dtype.kind in "iu" and series.hasnans:  # pandas' nullable Int64
                data[str(name)] = series.to_numpy(dtype=np.float64, na_value=np.nan)
                integer.add(str(name))
            else:
                data[str(name)] = series.to_numpy()
        out = cls(data, integer=frozenset(integer))
        out._frame = frame
        return out

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        column = self._data[name]
        if isinstance(column, Picked):
            return column.values[column.rows]
        if isinstance(column, Coded):
            out: npt.NDArray[Any] = column.labels[column.codes]
            return out
        return column

    def __contains__(self, name: object) -> bool:
        """Whether the column exists, without reading it (``Mapping``'s default would build
        the whole of a picked or coded column: once per chunk of an export, quadratic)."""
        return name in self._data

    def part(self, name: str, start: int, stop: int) -> npt.NDArray[Any]:
        """Rows ``start:stop`` of a column, read without reading the rest."""
        column = self._data[name]
        if isinstance(column, Picked):
            return column.values[column.rows[start:stop]]
        if isinstance(column, Coded):
            out: npt.NDArray[Any] = column.labels[column.codes[start:stop]]
            return out
        return column[start:stop]

    def coded(self, name: str) -> Coded | None:
        """The column as codes and labels, when it is held so."""
        column = self._data[name]
        return column if isinstance(column, Coded) else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        """The number of columns (``rows`` is the number of rows)."""
        return len(self._data)

    @property
    def rows(self) -> int:
        """The number of rows."""
        if not self._data:
            return 0
        first = next(iter(self._data.values()))
        if isinstance(first, Picked):
            return len(first.rows)
        return len(first.codes if isinstance(first, Coded) else first)

    def take(self, rows: IntArray) -> Columns:
        """The given rows, in that order."""
        if self._frame is not None:
            return Columns.of_frame(self._frame.iloc[rows])
        data = {k: _take(v, rows) for k, v in self._data.items()}
        return Columns(data, integer=self.integer)

    def frame(self) -> pd.DataFrame:
        """The columns as a pandas DataFrame (built once, sharing the arrays)."""
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame({k: self[k] for k in self._data}, copy=False)
        return self._frame


def _take(column: ColumnData, rows: IntArray) -> ColumnData:
    if isinstance(column, Picked):
        return Picked(column.values, column.rows[rows])
    if isinstance(column, Coded):
        return Coded(column.codes[rows], column.labels)
    return column[rows]
