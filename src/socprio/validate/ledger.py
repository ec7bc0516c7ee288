"""Validate a disruption ledger (``disruptions.csv``) against the config: every problem at once.

Pure: a ``CsvTable`` (from the same strict reader as the OCG records) in, a ``Ledger`` out.
Checks are columnar (one array operation per rule). Messages name the file, physical line and
column, never the cell value unless ``show_values``. ``cross_check`` adds the checks against
the archive: an unknown group id or a date after the as-of date (errors) and a record whose
``last_disruption_date`` disagrees with the ledger (warning).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.config.ledger import LEDGER_COLUMNS, STRANDS, VERIFICATION
from socprio.config.models import Config
from socprio.errors import DataError
from socprio.read.csvtable import CsvTable
from socprio.validate.table import Issue, Severity, Validated

BoolArray = npt.NDArray[np.bool_]
_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_REQUIRED = ("group_id", "date", "tactic", "strand", "claimed_grade", "assessed_by")


@dataclass(frozen=True, eq=False)
class Ledger:
    """A checked ledger: ``frame`` holds the LEDGER_COLUMNS (codes lower-cased, ``date`` as
    datetime64) and ``line``; ``issues`` every problem found, in file order."""

    source: str
    frame: pd.DataFrame
    issues: tuple[Issue, ...]
    blank: int

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues that reject the ledger."""
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    def validated(self) -> Validated:
        """The issues as a ``Validated`` (for ``present.validation.issues_text``)."""
        bad = {i.line for i in self.errors}
        return Validated(self.source, (), (), self.issues, self.blank, len(bad))


class LedgerRejected(DataError):
    """At least one ledger row (or the header) is wrong: nothing is assessed or written."""

    def __init__(self, ledger: Ledger) -> None:
        from socprio.present.validation import issues_text

        rows = len({i.line for i in ledger.errors})
        super().__init__(
            f"{len(ledger.errors)} problem(s) in {rows} line(s) of the disruption ledger; "
            "nothing was written",
            file=ledger.source,
        )
        listed = issues_text(ledger.validated(), max_shown=50).splitlines()[:-2]  # no counts
        read = len(ledger.frame)
        listed.append(
            f"{read} disruption line(s) read: {max(0, read - rows)} valid, {rows} rejected, "
            f"{ledger.blank} blank skipped"
        )
        self.report = "\n".join(listed)


UNKNOWN_HINT = "; set ledger.unknown_columns: ignore to skip it, or map it in ledger.aliases"


def validate_ledger(table: CsvTable, cfg: Config, *, show_values: bool = False) -> Ledger:
    """Every problem in ``table`` as a ledger, in one pass (header first)."""
    src = table.source
    schema = cfg.ledger
    names = [schema.aliases.get(n, n) for n in (h.strip().casefold() for h in table.header)]
    ignore = schema.unknown_columns == "ignore"
    unknown = [
        Issue(
            Severity.NOTICE if ignore else Severity.ERROR,
            "unknown_column",
            "not a ledger column" + (" (ignored)" if ignore else UNKNOWN_HINT),
            src,
            1,
            str(h),
        )
        for h, n in zip(table.header, names, strict=True)
        if n not in LEDGER_COLUMNS
    ]
    header = [
        Issue(Severity.ERROR, "missing_column", "required column is missing", src, 1, c)
        for c in LEDGER_COLUMNS
        if c not in names
    ] + [i for i in unknown if i.severity is Severity.ERROR]
    header += [  # two header cells that name one column (a column and its alias)
        Issue(Severity.ERROR, "duplicate_column", "names the same column as another", src, 1, h)
        for pos, (h, n) in enumerate(zip(table.header, names, strict=True))
        if n in LEDGER_COLUMNS and n in names[:pos]
    ]
    if header:
        return Ledger(src, pd.DataFrame(columns=[*LEDGER_COLUMNS, "line"]), tuple(header), 0)
    keep = [pos for pos, n in enumerate(names) if n in LEDGER_COLUMNS]
    raw = pd.DataFrame({names[k]: table.columns[k].cells() for k in keep}, dtype=object)
    raw = raw.reindex(columns=list(LEDGER_COLUMNS)).fillna("").astype(str)
    lines = table.lines
    frame, failures = _checked(raw, cfg)
    issues = _errors(failures, src, lines, raw, show_values)
    issues.sort(key=lambda i: (i.line or 0, LEDGER_COLUMNS.index(i.column or "group_id")))
    issues[:0] = unknown  # the ignored columns, as notices
    frame["line"] = lines
    return Ledger(src, frame, tuple(issues), len(table.blank_rows))


Failure = tuple[str, str, str, BoolArray]


def _checked(raw: pd.DataFrame, cfg: Config) -> tuple[pd.DataFrame, list[Failure]]:
    """The typed frame and each rule's failing rows (column, type, message, mask)."""
    text = {c: raw[c].str.strip() for c in LEDGER_COLUMNS}
    codes = {
        c: text[c].str.casefold() for c in ("tactic", "strand", "claimed_grade", "verification")
    }
    empty = {c: (text[c] == "").to_numpy() for c in LEDGER_COLUMNS}
    day = pd.to_datetime(
        text["date"].where(text["date"].str.fullmatch(_ISO)), format="%Y-%m-%d", errors="coerce"
    )
    allowed = {
        "tactic": cfg.record.disruption_types,
        "strand": STRANDS,
        "claimed_grade": tuple(cfg.ledger.grades),
        "verification": VERIFICATION,
    }
    failures: list[Failure] = [
        (c, "missing", "required value is missing", empty[c]) for c in (*_REQUIRED, "verification")
    ]
    failures.append(
        (
            "group_id",
            "bad_id",
            "does not match record.group_id_pattern",
            ~empty["group_id"]
            & ~text["group_id"].str.fullmatch(cfg.record.group_id_pattern).to_numpy(dtype=bool),
        )
    )
    failures.append(
        ("date", "bad_date", "not a date (YYYY-MM-DD)", ~empty["date"] & day.isna().to_numpy())
    )
    failures += [
        (
            c,
            "bad_code",
            f"not one of: {', '.join(values)}",
            ~empty[c] & ~codes[c].isin(values).to_numpy(),
        )
        for c, values in allowed.items()
    ]
    failures += _row_rules(text, codes, empty)
    frame = pd.DataFrame(
        {**{c: text[c] for c in LEDGER_COLUMNS}, **codes, "date": day, "notes": raw["notes"]}
    )
    return frame, failures


def _row_rules(
    text: dict[str, pd.Series], codes: dict[str, pd.Series], empty: dict[str, BoolArray]
) -> list[Failure]:
    """Rules across cells: evidence for a verified claim; one line per group, date and tactic."""
    failures: list[Failure] = []
    verified = (codes["verification"] == "verified").to_numpy()
    failures.append(
        (
            "evidence_ref",
            "no_evidence",
            "a verified disruption needs an evidence reference",
            verified & empty["evidence_ref"],
        )
    )
    key = pd.DataFrame({"g": text["group_id"], "d": text["date"], "t": codes["tactic"]})
    failures.append(
        (
            "group_id",
            "duplicate",
            "same group, date and tactic as an earlier line",
            key.duplicated(keep="first").to_numpy() & ~empty["group_id"],
        )
    )
    return failures


def _errors(
    failures: Iterable[Failure],
    src: str,
    lines: npt.NDArray[np.int64],
    cells: Any,
    show_values: bool,
) -> list[Issue]:
    """One error per row each failing check marks: (column, kind, message, mask); the cell
    (``cells[column][row]``) only with ``show_values``."""
    return [
        Issue(
            Severity.ERROR,
            kind,
            message,
            src,
            int(lines[i]),
            column,
            str(cells[column][i]) if show_values else None,
        )
        for column, kind, message, bad in failures
        for i in np.flatnonzero(bad).tolist()
    ]


def cross_check(
    ledger: Ledger,
    *,
    known_ids: Sequence[str] | npt.NDArray[np.str_],
    as_of: date,
    last_dates: pd.Series | None = None,
    show_values: bool = False,
) -> Ledger:
    """``ledger`` with the archive checks added: ids not in ``known_ids`` and dates after
    ``as_of`` (errors); a group whose ``last_disruption_date`` in ``last_dates`` (by group id,
    the latest run's records) differs from its latest ledger date up to ``as_of`` (warning)."""
    f, src = ledger.frame, ledger.source
    lines = f["line"].to_numpy()
    unknown = ~f["group_id"].isin(pd.Index(known_ids)).to_numpy()
    later = (f["date"] > pd.Timestamp(as_of)).to_numpy()
    shown = {
        "group_id": f["group_id"].to_numpy(dtype=str),
        "date": f["date"].dt.strftime("%Y-%m-%d").to_numpy(dtype=str),
    }
    checks = [
        ("group_id", "unknown_group", "group id is in no archived run", unknown),
        ("date", "after_as_of", f"after the as-of date {as_of} (the newest archived run)", later),
    ]
    found = _errors(checks, src, lines, shown, show_values)
    if last_dates is not None and len(f):
        found += _disagreeing(f[~unknown & ~later], last_dates, src)
    issues = sorted(
        (*ledger.issues, *found), key=lambda i: (i.line or 0, i.severity != Severity.ERROR)
    )
    return Ledger(src, f, tuple(issues), ledger.blank)


def _disagreeing(f: pd.DataFrame, last_dates: pd.Series, src: str) -> list[Issue]:
    """A warning at each group's latest ledger line when the record's date differs."""
    counted = f[f["verification"] != "rejected"]  # a rejected claim is no disruption
    latest = counted.sort_values(["date", "line"]).drop_duplicates("group_id", keep="last")
    recorded = pd.to_datetime(
        latest["group_id"].map(last_dates), format="%Y-%m-%d", errors="coerce"
    )
    differs = (recorded != latest["date"]).to_numpy()
    return [
        Issue(
            Severity.WARNING,
            "last_disruption_differs",
            "the record's last_disruption_date in the newest run differs from this date",
            src,
            int(line),
            "date",
        )
        for line in latest["line"].to_numpy()[differs]
    ]
