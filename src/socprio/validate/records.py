"""The OCG record: a frozen pydantic model built from the config.

Each field's cell type is one small parser from ``validate.cells``; cross-column rules are
``CROSS_CHECKS``. Nothing here imports typer, rich or pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar, cast, overload

import numpy as np
import numpy.typing as npt
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    create_model,
)

from socprio.config.models import STRANDS, Config, FactorType
from socprio.validate.cells import (
    Parser,
    blank_unknown,
    choice,
    fail,
    identifier,
    items,
    not_future,
    optional_date,
    parse_date,
    text,
    whole_number,
)


class Status(StrEnum):
    """Where a group is in its life cycle; archived groups are never ranked."""

    ACTIVE = "active"
    DORMANT = "dormant"
    ARCHIVED = "archived"


class RecordBase(BaseModel):
    """Fields and checks common to every record model; factor fields are added from config."""

    # defer_build: validation runs column by column through cell types, and records are built
    # with model_construct, so a schema is only made if a record is validated on its own.
    model_config = ConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True, defer_build=True
    )
    factor_names: ClassVar[tuple[str, ...]] = ()
    cell_types: ClassVar[dict[str, Any]] = {}  # field -> its single-cell type (no cross checks)

    group_id: str
    codename: str
    lead_force: str
    status: Status
    lro_assigned: bool
    principal_crime: str
    secondary_crimes: tuple[str, ...]
    member_count: int
    intel_source_eval: int
    intel_assessment: str
    last_intel_review: date
    last_disruption_date: date | None
    disruption_type: str | None
    opportunity_4p: tuple[str, ...]
    linked_groups: tuple[str, ...]
    notes: str

    @property
    def grading(self) -> str:
        """The 3x5x2 source and intelligence grading, e.g. ``2B``."""
        return f"{self.intel_source_eval}{self.intel_assessment}"

    def factor(self, name: str) -> Any:
        """The validated raw value of factor ``name`` (``None`` when unknown)."""
        return getattr(self, name)


@dataclass(frozen=True)
class CrossCheck:
    """A rule between two columns of one record, reported at ``column`` with type
    ``inconsistent``; checked only when both values are themselves valid. In the model,
    ``other`` must come before ``column`` (pydantic validates fields in order)."""

    column: str
    other: str
    message: str
    fails: Callable[[Any, Any], bool]  # (value of column, value of other) -> broken?


CROSS_CHECKS = (
    CrossCheck(
        "secondary_crimes", "principal_crime", "repeats the principal crime", lambda v, o: o in v
    ),
    CrossCheck("linked_groups", "group_id", "names the group itself", lambda v, o: o in v),
    CrossCheck(
        "disruption_type",
        "last_disruption_date",
        "is required when last_disruption_date is given",
        lambda v, o: v is None and o is not None,
    ),
    CrossCheck(
        "disruption_type",
        "last_disruption_date",
        "must be blank when last_disruption_date is blank",
        lambda v, o: v is not None and o is None,
    ),
)


def _cross_validator(column: str) -> Callable[[Any, ValidationInfo], Any]:
    checks = [c for c in CROSS_CHECKS if c.column == column]

    def check(value: Any, info: ValidationInfo) -> Any:
        for c in checks:
            if c.other in info.data and c.fails(value, info.data[c.other]):
                raise fail("inconsistent", c.message)
        return value

    return check


def _cell_type(parser: Parser, annotation: Any, *after: Any) -> Any:
    """The type of one cell: parse the string, then any single-cell checks."""
    return Annotated[(annotation, BeforeValidator(parser), *map(AfterValidator, after))]


def build_record_model(cfg: Config) -> type[RecordBase]:
    """Build the frozen record model for ``cfg``: admin fields plus one field per input factor."""
    cells = {**_admin_cells(cfg), **_factor_cells(cfg)}
    crossed = {c.column for c in CROSS_CHECKS}
    fields = {
        name: (
            Annotated[(kind, AfterValidator(_cross_validator(name)))] if name in crossed else kind,
            ...,
        )
        for name, kind in cells.items()
    }
    model = cast(
        type[RecordBase],
        create_model("OcgRecord", __base__=RecordBase, **fields),  # type: ignore[call-overload]
    )
    model.factor_names = tuple(n for n, f in cfg.factors.items() if f.has_column)
    model.cell_types = cells
    return model


def _truth(cfg: Config) -> tuple[dict[str, bool], str]:
    """The boolean spellings and how they are described in messages."""
    rules = cfg.record
    truth = {**dict.fromkeys(rules.true_values, True), **dict.fromkeys(rules.false_values, False)}
    return truth, f"{'/'.join(rules.true_values)} or {'/'.join(rules.false_values)}"


def _admin_cells(cfg: Config) -> dict[str, Any]:
    """The cell types of the admin columns, in ``ADMIN_COLUMNS`` order."""
    rules = cfg.record
    truth, spelled = _truth(cfg)
    crimes = {c: c for c in cfg.crime_types}
    crime_list = ", ".join(cfg.crime_types)
    gid = identifier(rules.group_id_pattern)
    forces = choice({f: f for f in rules.forces}, "one of " + ", ".join(rules.forces))
    disruptions = choice(
        {d: d for d in rules.disruption_types},
        "blank or one of " + ", ".join(rules.disruption_types),
        optional=True,
    )
    secondary = choice(crimes, f"each one of {crime_list}")
    strands = choice({s: s for s in STRANDS}, "each one of " + ", ".join(STRANDS))
    return {
        "group_id": _cell_type(gid, str),
        "codename": _cell_type(text(1, 60), str),
        "lead_force": _cell_type(forces, str),
        "status": _cell_type(
            choice({s.value: s for s in Status}, "active, dormant or archived"), Status
        ),
        "lro_assigned": _cell_type(choice(truth, spelled), bool),
        "principal_crime": _cell_type(choice(crimes, f"one of {crime_list}"), str),
        "secondary_crimes": _cell_type(
            items(secondary, max_items=rules.max_secondary_crimes), tuple[str, ...]
        ),
        "member_count": _cell_type(whole_number(1, 100_000), int),
        "intel_source_eval": _cell_type(whole_number(1, 3), int),
        "intel_assessment": _cell_type(choice({a: a for a in "ABCDE"}, "one of A-E"), str),
        "last_intel_review": _cell_type(parse_date, date, not_future),
        "last_disruption_date": _cell_type(optional_date, date | None, not_future),
        "disruption_type": _cell_type(disruptions, str | None),
        "opportunity_4p": _cell_type(items(strands), tuple[str, ...]),
        "linked_groups": _cell_type(items(gid), tuple[str, ...]),
        "notes": _cell_type(text(0, 32_767, single_line=False), str),
    }


def _factor_cells(cfg: Config) -> dict[str, Any]:
    """The cell types of the input factors that have their own column."""
    rules = cfg.record
    truth, spelled = _truth(cfg)
    unknown = frozenset(u.casefold() for u in rules.unknown_values)
    u = "/".join(rules.unknown_values)
    cells: dict[str, Any] = {}
    for name, factor in cfg.factors.items():
        if not factor.has_column:
            continue
        if factor.type is FactorType.ORDINAL:
            levels = {str(i): i for i in range(factor.max + 1)}
            table = {**levels, **dict.fromkeys(rules.unknown_values, None)}
            cells[name] = _cell_type(
                blank_unknown(choice(table, f"0-{factor.max} or {u} (unknown)")), int | None
            )
        elif factor.type is FactorType.BOOLEAN:
            table = {**truth, **dict.fromkeys(rules.unknown_values, None)}
            cells[name] = _cell_type(
                blank_unknown(choice(table, f"{spelled} or {u} (unknown)")), bool | None
            )
        else:  # COUNT with its own column
            cells[name] = _cell_type(whole_number(0, 1_000_000, unknown=unknown), int | None)
    return cells


IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.integer[Any]]  # int32, or smaller for the reader's columns


@dataclass(frozen=True)
class Column:
    """One validated column, factorised: record i's value is ``values[codes[i]]``."""

    values: tuple[Any, ...]  # the distinct parsed values
    codes: Codes

    def __getitem__(self, i: int) -> Any:
        return self.values[self.codes[i]]

    def array(self, convert: Callable[[Any], Any] | None = None, dtype: Any = object) -> Any:
        """Every record's value as a numpy array, converting each distinct value once."""
        distinct = np.empty(len(self.values), dtype=dtype)
        distinct[:] = [convert(v) if convert else v for v in self.values]
        return distinct[self.codes]

    def take(self, rows: IntArray) -> Column:
        """The column restricted to ``rows``, keeping only the distinct values they use."""
        used, codes = np.unique(self.codes[rows], return_inverse=True)
        return Column(tuple(self.values[u] for u in used.tolist()), codes.astype(np.int32))

    @classmethod
    def of(cls, values: Iterable[Any]) -> Column:
        """Factorise plain hashable values."""
        items = list(values)
        index = {v: i for i, v in enumerate(dict.fromkeys(items))}
        return cls(tuple(index), np.fromiter(map(index.__getitem__, items), np.int32, len(items)))


class RecordColumns(Sequence[RecordBase]):
    """Validated records held column by column (fast for large files).

    Indexing builds one frozen record, so it reads like a sequence of records.
    """

    def __init__(self, model: type[RecordBase], columns: Mapping[str, Column], size: int) -> None:
        self.model = model
        self.columns = dict(columns)
        self.size = size

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, i: int) -> RecordBase: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[RecordBase]: ...
    def __getitem__(self, i: int | slice) -> RecordBase | Sequence[RecordBase]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.size))]
        if not -self.size <= i < self.size:
            raise IndexError(i)
        row = i % self.size
        return self.model.model_construct(**{k: c[row] for k, c in self.columns.items()})

    def take(self, rows: IntArray) -> RecordColumns:
        """The records at ``rows``, in that order."""
        return RecordColumns(
            self.model, {k: c.take(rows) for k, c in self.columns.items()}, len(rows)
        )

    @classmethod
    def of(cls, records: Sequence[RecordBase]) -> RecordColumns:
        """Columns from record objects (for records built one by one)."""
        if isinstance(records, RecordColumns):
            return records
        model = type(records[0]) if records else RecordBase
        names = list(model.model_fields)
        columns = {n: Column.of(getattr(r, n) for r in records) for n in names}
        return cls(model, columns, len(records))
