"""Validate a parsed CSV table against the config: every problem, in one pass.

Pure: takes a ``CsvTable`` and returns ``Validated`` (records, issues, counts). Messages name
the file, physical line and column, never the cell value unless ``show_values`` is asked for.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np

from socprio.config.models import Config, record_columns
from socprio.errors import where
from socprio.read.columns import CsvColumn, CsvTable
from socprio.validate.columnar import BoolArray, cross_failures, first_duplicates, validate_column
from socprio.validate.records import (
    CROSS_CHECKS,
    Codes,
    Column,
    IntArray,
    RecordBase,
    RecordColumns,
    Status,
    build_record_model,
)


class Severity(StrEnum):
    """Errors fail the run; warnings and notices are reported and do not."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, located by file, physical line (header = 1) and column."""

    severity: Severity
    type: str
    message: str
    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None  # only with show_values: the data is OFFICIAL-SENSITIVE

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where(self.file, self.line, self.column)}: {self.message}{shown} [{self.type}]"

    def to_dict(self) -> dict[str, object]:
        """The JSON shape: one object per issue."""
        out: dict[str, object] = {
            "severity": self.severity.value,
            "type": self.type,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class Validated:
    """The outcome of validating one file: valid records and every issue found."""

    source: str
    records: Sequence[RecordBase]  # RecordColumns from validate_table
    lines: tuple[int, ...]  # the physical line of each valid record
    issues: tuple[Issue, ...]
    blank: int
    invalid: int
    status_counts: dict[str, int] = field(default_factory=dict)
    rejected_ids: tuple[str, ...] = ()  # the group_id cell of each rejected record, as written

    @property
    def read(self) -> int:
        """Records read: valid + invalid + blank rows skipped."""
        return len(self.records) + self.invalid + self.blank

    def of(self, severity: Severity) -> tuple[Issue, ...]:
        """The issues of one severity, in file order."""
        return tuple(i for i in self.issues if i.severity is severity)

    @property
    def ok(self) -> bool:
        """True when there is no error at all (warnings and notices allowed)."""
        return not self.of(Severity.ERROR)


def _norm(name: str) -> str:
    return name.strip().casefold()


def map_header(
    header: Sequence[str], cfg: Config, source: str
) -> tuple[list[str | None], list[Issue]]:
    """Match header cells to fields (case- and space-insensitive, with aliases)."""
    expected = {_norm(c): c for c in record_columns(cfg)}
    aliases = {_norm(a): f for a, f in cfg.columns.aliases.items()}
    mapping: list[str | None] = []
    issues: list[Issue] = []
    taken: dict[str, int] = {}
    for pos, cell in enumerate(header, start=1):
        name = aliases.get(_norm(cell)) or expected.get(_norm(cell))
        if name is None and _norm(cell) == (cfg.capacity.effort_column or "\0"):
            pass  # read by ``socprio slate`` only, never scored
        elif name is None:
            hint = difflib.get_close_matches(_norm(cell), list(expected), n=1)
            tip = f"; did you mean '{expected[hint[0]]}'?" if hint else ""
            ignore = cfg.columns.unknown == "ignore"
            action = " (ignored)" if ignore else "; set columns.unknown: ignore to skip it"
            issues.append(
                Issue(
                    Severity.NOTICE if ignore else Severity.ERROR,
                    "unknown_column",
                    f"column {pos} is not in the config{tip}{action}",
                    source,
                    1,
                    cell.strip(),
                )
            )
        elif name in taken:
            issues.append(
                Issue(
                    Severity.ERROR,
                    "duplicate_column",
                    f"columns {taken[name]} and {pos} both map to '{name}'",
                    source,
                    1,
                    name,
                )
            )
            name = None
        else:
            taken[name] = pos
        mapping.append(name)
    missing = [c for c in record_columns(cfg) if c not in taken]
    if missing:
        issues.append(
            Issue(
                Severity.ERROR,
                "missing_column",
                f"missing required column(s): {', '.join(missing)}; "
                f"run 'socprio schema' for the expected columns",
                source,
                1,
            )
        )
    return mapping, issues


Found = list[tuple[int, int, Issue]]  # (row, field order, issue), sorted at the end


@dataclass
class _Pass:
    """The state of one validation pass: the table's cells and what has been found so far."""

    source: str
    lines: IntArray
    cells: dict[str, CsvColumn]  # field -> its column of cells
    show_values: bool
    columns: dict[str, Column] = field(default_factory=dict)
    bad: dict[str, BoolArray] = field(default_factory=dict)
    found: Found = field(default_factory=list)

    def report(
        self, rows: IntArray, order: int, column: str, describe: Callable[[int], tuple[str, str]]
    ) -> None:
        """Record an error at each of ``rows``; ``describe(row)`` gives (type, message)."""
        for row in rows.tolist():
            kind, message = describe(row)
            shown = self.cells[column][row] if self.show_values else None
            line = int(self.lines[row])
            self.found.append(
                (row, order, Issue(Severity.ERROR, kind, message, self.source, line, column, shown))
            )


def _dropped_columns(table: CsvTable) -> list[Issue]:
    """A warning for each column dropped on reading because its header and cells were empty."""
    return [
        Issue(
            Severity.WARNING,
            "empty_column",
            f"column {pos} has no header and no values; it was ignored",
            table.source,
            1,
        )
        for pos in table.dropped_columns
    ]


def validate_table(
    table: CsvTable, cfg: Config, *, as_of: date, show_values: bool = False
) -> Validated:
    """Validate every record of ``table``; collect all issues; never stop at the first.

    Column by column: each field's pydantic cell type validates the column's *distinct*
    strings once (a cell's validity depends on nothing else), results are mapped back to the
    records by integer codes, and cross-column rules run on the parsed columns. This gives
    exactly the issues the record model reports row by row (a test holds the two together)
    at a fraction of the cost on large files.
    """
    source = table.source
    mapping, header_issues = map_header(table.header, cfg, source)
    issues = [*_dropped_columns(table), *header_issues]
    blank = len(table.blank_rows)
    if any(i.severity is Severity.ERROR for i in issues):
        return Validated(source, (), (), tuple(issues), blank, table.size)
    model = build_record_model(cfg)
    n, lines = table.size, table.lines
    cells = {name: table.columns[i] for i, name in enumerate(mapping) if name is not None}
    state = _Pass(source, lines, cells, show_values)
    _check_cells(state, model, {"as_of": as_of})
    _check_cross(state, model)
    duplicate = _check_duplicates(state, len(model.cell_types))
    invalid = (
        np.logical_or.reduce([*state.bad.values(), duplicate >= 0]) if n else np.zeros(0, bool)
    )
    keep = np.flatnonzero(~invalid)
    ids = cells["group_id"]
    rejected_ids = tuple(ids[i].strip() for i in np.flatnonzero(invalid).tolist())
    records = RecordColumns(model, state.columns, n)
    if len(keep) < n:
        records = records.take(keep)
    known = {v for v in state.columns["group_id"].values if v is not None}
    issues += [issue for _, _, issue in sorted(state.found, key=lambda f: (f[0], f[1]))]
    issues += _warnings(records, lines[keep], known, cfg, source, as_of)
    issues.sort(key=lambda i: (i.line or 0, i.severity is not Severity.ERROR))
    return Validated(
        source,
        records,
        tuple(lines[keep].tolist()),
        tuple(issues),
        blank,
        int(invalid.sum()),
        _status_counts(records.columns["status"]),
        rejected_ids,
    )


def _status_counts(status: Column) -> dict[str, int]:
    """Valid records per status (every status, zero when none)."""
    counts = np.bincount(status.codes, minlength=len(status.values)).tolist()
    found: Counter[str] = Counter()
    for value, count in zip(status.values, counts, strict=True):
        if count:
            found[value.value] += count
    return {s.value: found[s.value] for s in Status}


def _check_cells(state: _Pass, model: type[RecordBase], context: dict[str, Any]) -> None:
    """Validate each column's distinct cells with its cell type; report each failing row."""
    n = len(state.lines)
    for order, name in enumerate(model.cell_types):
        column, errors = validate_column(model.cell_types[name], state.cells[name], context)
        state.columns[name] = column
        state.bad[name] = np.zeros(n, dtype=bool)
        if errors:
            failing = np.zeros(len(column.values), dtype=bool)
            failing[list(errors)] = True
            state.bad[name] = failing[column.codes]
            describe = _describer(errors, column.codes)
            state.report(np.flatnonzero(state.bad[name]), order, name, describe)


def _describer(
    errors: dict[int, tuple[str, str]], codes: Codes
) -> Callable[[int], tuple[str, str]]:
    return lambda row: errors[int(codes[row])]


def _always_text(message: str) -> Callable[[int], str]:
    """The same message (one string object) for every row: a large file can have a warning
    on most of its records."""
    return lambda _row: message


def _always(kind: str, message: str) -> Callable[[int], tuple[str, str]]:
    return lambda _row: (kind, message)


def _check_cross(state: _Pass, model: type[RecordBase]) -> None:
    """Cross-column rules on rows where both columns are valid."""
    order_of = {name: i for i, name in enumerate(model.cell_types)}
    for check in CROSS_CHECKS:
        valid = ~state.bad[check.column] & ~state.bad[check.other]
        columns = state.columns[check.column], state.columns[check.other]
        broken = cross_failures(*columns, check.fails, valid)
        state.report(
            np.flatnonzero(broken),
            order_of[check.column],
            check.column,
            _always("inconsistent", check.message),
        )
        state.bad[check.column] = state.bad[check.column] | broken


def _check_duplicates(state: _Pass, order: int) -> IntArray:
    """Report each valid group_id that repeats an earlier one; return the earlier rows."""
    duplicate = first_duplicates(state.columns["group_id"], ~state.bad["group_id"])
    for row in np.flatnonzero(duplicate >= 0).tolist():
        message = f"group_id repeats the one on line {state.lines[duplicate[row]]}"
        line = int(state.lines[row])
        issue = Issue(Severity.ERROR, "duplicate_id", message, state.source, line, "group_id")
        state.found.append((row, order, issue))
    return duplicate


def _warnings(
    records: RecordColumns,
    lines: IntArray,
    known: set[str],
    cfg: Config,
    source: str,
    as_of: date,
) -> list[Issue]:
    """Warnings on valid records: small groups, links to ids not in the file, stale reviews."""
    cols = records.columns
    minimum, stale_days = cfg.record.min_members, cfg.flags.stale_days
    few = cols["member_count"].array(lambda v: v < minimum, dtype=bool)
    missing = cols["linked_groups"].array(
        lambda links: ", ".join(str(i) for i, g in enumerate(links, 1) if g not in known)
    )
    stale = cols["last_intel_review"].array(lambda d: (as_of - d).days > stale_days, dtype=bool)

    def flag(rows: IntArray, kind: str, column: str, message: Callable[[int], str]) -> list[Issue]:
        return [
            Issue(Severity.WARNING, kind, message(r), source, int(lines[r]), column)
            for r in rows.tolist()
        ]

    return [
        *flag(
            np.flatnonzero(few),
            "few_members",
            "member_count",
            _always_text(
                f"member_count is below {minimum}, the legal minimum "
                "for an organised crime group (Serious Crime Act 2015 s45)"
            ),
        ),
        *flag(
            np.flatnonzero(missing != ""),
            "unknown_link",
            "linked_groups",
            lambda r: f"linked group(s) at position {missing[r]} are not in this file",
        ),
        *flag(
            np.flatnonzero(stale),
            "stale_review",
            "last_intel_review",
            _always_text(
                f"last intelligence review is over {stale_days} days before the as-of date"
            ),
        ),
    ]
