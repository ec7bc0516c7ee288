"""The OCG record: a frozen pydantic model built from the config.

Cells arrive as the exact strings in the file. Each field has one small parser that accepts
only the documented spellings; anything else is an error with a stable ``type`` and a
message that never repeats the cell (the data is OFFICIAL-SENSITIVE). Nothing here imports
typer, rich or pandas.
"""

from __future__ import annotations

import re
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
from pydantic_core import PydanticCustomError

from socprio.config.models import STRANDS, Config, FactorType

Parser = Callable[[Any], Any]

SPREADSHEET_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")  # [0-9]: \d also matches other scripts
_UK = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
_DIGITS = re.compile(r"^(0|[1-9][0-9]*)$")
_ODD_SPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Status(StrEnum):
    """Where a group is in its life cycle; archived groups are never ranked."""

    ACTIVE = "active"
    DORMANT = "dormant"
    ARCHIVED = "archived"


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _cell(value: object) -> str:
    if not isinstance(value, str):
        raise _fail("not_text", "expected text")
    text = value.strip()
    if text in SPREADSHEET_ERRORS:
        raise _fail("spreadsheet_error", "spreadsheet error value (the formula failed in Excel)")
    return text


def choice(options: Mapping[str, Any], described: str, *, optional: bool = False) -> Parser:
    """A parser accepting the keys of ``options`` (case-insensitive), returning their values."""
    table = {k.casefold(): v for k, v in options.items()}

    def parse(value: object) -> Any:
        text = _cell(value)
        if not text and optional:
            return None
        if not text:
            raise _fail("missing_value", f"a value is required: {described}")
        try:
            return table[text.casefold()]
        except KeyError:
            raise _fail("invalid_choice", f"must be {described}") from None

    return parse


def whole_number(lo: int, hi: int, *, unknown: frozenset[str] = frozenset()) -> Parser:
    """A parser for a plain whole number in ``lo..hi`` (no signs, separators or exponents)."""

    def parse(value: object) -> int | None:
        text = _cell(value)
        if unknown and (not text or text.casefold() in unknown):
            return None
        if not text:
            raise _fail("missing_value", "a whole number is required")
        if not _DIGITS.match(text):
            raise _fail("invalid_number", f"must be a whole number from {lo} to {hi}")
        if len(text) > len(str(hi)):  # also keeps int() clear of its 4300-digit ValueError
            raise _fail("out_of_range", f"must be from {lo} to {hi}")
        number = int(text)
        if not lo <= number <= hi:
            raise _fail("out_of_range", f"must be from {lo} to {hi}")
        return number

    return parse


def parse_date(value: object, *, optional: bool = False) -> date | None:
    """ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` only; never a timestamp or US order."""
    text = _cell(value)
    if not text:
        if optional:
            return None
        raise _fail("missing_value", "a date is required (YYYY-MM-DD or DD/MM/YYYY)")
    if m := _ISO.match(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _UK.match(text):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    else:
        raise _fail("invalid_date", "must be a date as YYYY-MM-DD or DD/MM/YYYY")
    try:
        return date(y, mo, d)
    except ValueError:
        raise _fail("invalid_date", "is not a real calendar date") from None


def _not_future(value: date | None, info: ValidationInfo) -> date | None:
    as_of = (info.context or {}).get("as_of")
    if value is not None and as_of is not None and value > as_of:
        raise _fail("future_date", "is after the as-of date")
    return value


def text(lo: int, hi: int, *, single_line: bool = True) -> Parser:
    """Free text of ``lo..hi`` characters; single-line text rejects newlines and controls."""

    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise _fail("not_text", "expected text")
        out = value.strip() if single_line else value
        if single_line and ("\n" in out or "\r" in out):
            raise _fail(
                "embedded_newline",
                "contains a line break; a stray quote may have swallowed the following rows",
            )
        if _CONTROL.search(out.replace("\n", "").replace("\r", "").replace("\t", "")):
            raise _fail("control_character", "contains a control character")
        if lo > 0 and not out.strip():
            raise _fail("missing_value", "a value is required")
        if not lo <= len(out) <= hi:
            raise _fail("bad_length", f"must be {lo} to {hi} characters long")
        return out

    return parse


def identifier(pattern: str) -> Parser:
    """A group id: trimmed, no inner or odd spaces, matching the configured pattern."""
    compiled = re.compile(pattern)

    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise _fail("not_text", "expected text")
        out = value.strip(" \t")
        if not out:
            raise _fail("missing_value", "a group id is required")
        if _ODD_SPACE.search(out):
            raise _fail("bad_whitespace", "contains a space or invisible character")
        if not compiled.match(out):
            raise _fail("invalid_id", f"must match the group id pattern {pattern}")
        return out

    return parse


def items(parse_item: Parser, *, max_items: int | None = None) -> Parser:
    """A ``;``-separated list; blank means empty; items are trimmed, unique and non-empty."""

    def parse(value: object) -> tuple[Any, ...]:
        raw = _cell(value)
        if not raw:
            return ()
        parts = [p.strip() for p in raw.split(";")]
        if any(not p for p in parts):
            raise _fail("invalid_list", "has an empty item between ';' separators")
        out = tuple(parse_item(p) for p in parts)
        if len(set(out)) != len(out):
            raise _fail("invalid_list", "repeats an item")
        if max_items is not None and len(out) > max_items:
            raise _fail("invalid_list", f"has more than {max_items} items")
        return out

    return parse


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
                raise _fail("inconsistent", c.message)
        return value

    return check


def _cell_type(parser: Parser, annotation: Any, *after: Any) -> Any:
    """The type of one cell: parse the string, then any single-cell checks."""
    return Annotated[(annotation, BeforeValidator(parser), *map(AfterValidator, after))]


def build_record_model(cfg: Config) -> type[RecordBase]:
    """Build the frozen record model for ``cfg``: admin fields plus one field per input factor."""
    rules = cfg.record
    unknown = frozenset(u.casefold() for u in rules.unknown_values)
    truth = {**dict.fromkeys(rules.true_values, True), **dict.fromkeys(rules.false_values, False)}
    spelled = f"{'/'.join(rules.true_values)} or {'/'.join(rules.false_values)}"
    crimes = {c: c for c in cfg.crime_types}
    crime_list = ", ".join(cfg.crime_types)
    gid = identifier(rules.group_id_pattern)
    cells: dict[str, Any] = {
        "group_id": _cell_type(gid, str),
        "codename": _cell_type(text(1, 60), str),
        "lead_force": _cell_type(
            choice({f: f for f in rules.forces}, "one of " + ", ".join(rules.forces)), str
        ),
        "status": _cell_type(
            choice({s.value: s for s in Status}, "active, dormant or archived"), Status
        ),
        "lro_assigned": _cell_type(choice(truth, spelled), bool),
        "principal_crime": _cell_type(choice(crimes, f"one of {crime_list}"), str),
        "secondary_crimes": _cell_type(
            items(
                choice(crimes, f"each one of {crime_list}"), max_items=rules.max_secondary_crimes
            ),
            tuple[str, ...],
        ),
        "member_count": _cell_type(whole_number(1, 100_000), int),
        "intel_source_eval": _cell_type(whole_number(1, 3), int),
        "intel_assessment": _cell_type(choice({a: a for a in "ABCDE"}, "one of A-E"), str),
        "last_intel_review": _cell_type(parse_date, date, _not_future),
        "last_disruption_date": _cell_type(_optional_date, date | None, _not_future),
        "disruption_type": _cell_type(
            choice(
                {d: d for d in rules.disruption_types},
                "blank or one of " + ", ".join(rules.disruption_types),
                optional=True,
            ),
            str | None,
        ),
        "opportunity_4p": _cell_type(
            items(choice({s: s for s in STRANDS}, "each one of " + ", ".join(STRANDS))),
            tuple[str, ...],
        ),
        "linked_groups": _cell_type(items(gid), tuple[str, ...]),
        "notes": _cell_type(text(0, 32_767, single_line=False), str),
    }
    names = []
    for name, factor in cfg.factors.items():
        if not factor.has_column:
            continue
        names.append(name)
        u = "/".join(rules.unknown_values)
        if factor.type is FactorType.ORDINAL:
            levels = {str(i): i for i in range(factor.max + 1)}
            table = {**levels, **dict.fromkeys(rules.unknown_values, None)}
            cells[name] = _cell_type(
                _blank_unknown(choice(table, f"0-{factor.max} or {u} (unknown)")), int | None
            )
        elif factor.type is FactorType.BOOLEAN:
            table = {**truth, **dict.fromkeys(rules.unknown_values, None)}
            cells[name] = _cell_type(
                _blank_unknown(choice(table, f"{spelled} or {u} (unknown)")), bool | None
            )
        else:  # COUNT with its own column
            cells[name] = _cell_type(whole_number(0, 1_000_000, unknown=unknown), int | None)
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
    model.factor_names = tuple(names)
    model.cell_types = cells
    return model


def _blank_unknown(parse: Parser) -> Parser:
    def wrapped(value: object) -> Any:
        return None if isinstance(value, str) and not value.strip() else parse(value)

    return wrapped


def _optional_date(value: object) -> date | None:
    return parse_date(value, optional=True)


IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]


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
