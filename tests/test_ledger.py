"""The disruption ledger: read by the strict CSV reader and validated all at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from socprio.config.ledger import LEDGER_COLUMNS
from socprio.config.load import ConfigProblems, parse_config
from socprio.config.models import Config
from socprio.errors import DataError
from socprio.read.input import read_input
from socprio.validate.ledger import LedgerRejected, cross_check, validate_ledger
from socprio.validate.table import Severity

LEDGERS = Path(__file__).parent / "data" / "ledger"


def test_every_kind_of_bad_row_is_reported_at_once_by_line_and_column(cfg: Config) -> None:
    ledger = validate_ledger(read_input(LEDGERS / "every_kind_of_bad_row.csv").table, cfg)
    found = {(i.line, i.column, i.type) for i in ledger.errors}
    assert found == {
        (3, "group_id", "missing"),
        (4, "group_id", "bad_id"),
        (5, "date", "bad_date"),
        (6, "date", "bad_date"),
        (7, "tactic", "bad_code"),
        (8, "strand", "bad_code"),
        (9, "claimed_grade", "bad_code"),
        (10, "assessed_by", "missing"),
        (11, "verification", "bad_code"),
        (12, "evidence_ref", "no_evidence"),
        (13, "group_id", "duplicate"),
        (14, "verification", "missing"),
    }
    assert all(i.value is None for i in ledger.issues)  # no values without --show-values
    text = str(LedgerRejected(ledger).report)
    assert "kneecapping" not in text and "persuade" not in text
    assert "line 7, column 'tactic'" in text


def test_show_values_puts_the_cell_in_the_message(cfg: Config) -> None:
    table = read_input(LEDGERS / "every_kind_of_bad_row.csv").table
    ledger = validate_ledger(table, cfg, show_values=True)
    assert any(i.value == "kneecapping" for i in ledger.errors)


def test_missing_and_unknown_columns_are_header_errors(cfg: Config) -> None:
    ledger = validate_ledger(read_input(LEDGERS / "missing_and_unknown_columns.csv").table, cfg)
    assert {(i.line, i.column, i.type) for i in ledger.errors} == {
        (1, "evidence_ref", "missing_column"),
        (1, "colour", "unknown_column"),
    }


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("semicolon_delimited.csv", "try --delimiter ';'"),
        ("ragged_row.csv", "csv:3: record has 7 fields, expected 9"),
        ("duplicate_header.csv", "duplicate column name"),
    ],
)
def test_structural_problems_stop_at_the_reader(name: str, needle: str) -> None:
    with pytest.raises(DataError, match=re.escape(needle)) as err:
        read_input(LEDGERS / name)
    assert err.value.exit_code == 65


def test_a_bom_crlf_and_blank_lines_are_read(cfg: Config) -> None:
    bom = validate_ledger(read_input(LEDGERS / "bom_crlf_is_fine.csv").table, cfg)
    assert not bom.issues and list(bom.frame["group_id"]) == ["OCG-0001"]
    blank = validate_ledger(read_input(LEDGERS / "blank_lines_are_skipped.csv").table, cfg)
    assert not blank.issues and blank.blank == 3
    assert list(blank.frame["line"]) == [3, 6]


def test_codes_are_matched_ignoring_case_and_dates_are_typed(cfg: Config) -> None:
    header = ",".join(LEDGER_COLUMNS)
    data = f"{header}\nOCG-0001,2026-10-01,Arrest,PURSUE,Major,ROCU,Verified,EV-1,\n".encode()
    ledger = validate_ledger(read_input(data).table, cfg)
    assert not ledger.issues
    row = ledger.frame.iloc[0]
    assert (row["tactic"], row["strand"], row["claimed_grade"]) == ("arrest", "pursue", "major")
    assert row["date"] == pd.Timestamp(2026, 10, 1)


def test_cross_checks_unknown_group_future_date_and_disagreeing_record(cfg: Config) -> None:
    header = ",".join(LEDGER_COLUMNS)
    rows = [
        "OCG-0001,2026-10-01,arrest,pursue,major,ROCU,verified,EV-1,",
        "OCG-0002,2026-10-01,arrest,pursue,major,ROCU,verified,EV-2,",
        "OCG-0003,2026-11-24,arrest,pursue,major,ROCU,verified,EV-3,",
        "OCG-0404,2026-10-01,arrest,pursue,major,ROCU,verified,EV-4,",
        "OCG-0002,2026-10-08,arrest,pursue,major,ROCU,rejected,EV-5,",
    ]
    ledger = validate_ledger(read_input("\n".join([header, *rows]).encode()).table, cfg)
    last = pd.Series({"OCG-0001": "2026-10-01", "OCG-0002": "2026-09-01", "OCG-0003": ""})
    checked = cross_check(
        ledger,
        known_ids=["OCG-0001", "OCG-0002", "OCG-0003"],
        as_of=date(2026, 11, 23),
        last_dates=last,
    )
    assert {(i.line, i.severity, i.type) for i in checked.issues} == {
        (3, Severity.WARNING, "last_disruption_differs"),  # the rejected line 6 is no disruption
        (4, Severity.ERROR, "after_as_of"),
        (5, Severity.ERROR, "unknown_group"),
    }


def test_a_config_without_a_ledger_section_loads_with_the_defaults(
    config_data: Callable[[], dict[str, Any]],
) -> None:
    data = config_data()
    data.pop("ledger", None)
    cfg = parse_config(data)
    assert cfg.ledger.horizons_weeks == (4, 8, 12) and cfg.ledger.unverified_days == 28
    assert set(cfg.ledger.grades) == {"major", "moderate", "minor", "none", "negative"}


@pytest.mark.parametrize(
    "ledger",
    [
        {"grades": {"major": "x"}},
        {"horizons_weeks": [8, 4]},
        {"horizons_weeks": []},
        {"unverified_days": 0},
        {"supported_grades": ["huge"]},
        {"colour": "red"},
    ],
)
def test_a_bad_ledger_section_is_a_config_error(
    config_data: Callable[[], dict[str, Any]], ledger: dict[str, Any]
) -> None:
    data = config_data()
    data["ledger"] = ledger
    with pytest.raises(ConfigProblems):
        parse_config(data)


HEADER = ",".join(LEDGER_COLUMNS).encode()
GOOD = b"OCG-0001,2026-10-01,arrest,pursue,major,ROCU,verified,EV-1,"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "the file is empty"),
        (HEADER + b"\n" + GOOD[:-1] + b"\xa3 notes\n", "not UTF-8"),
        ("\ufeff".encode("utf-16-le") + HEADER.decode().encode("utf-16-le"), "UTF-16"),
        (b"PK\x03\x04rest-of-a-workbook", "Excel"),
        (HEADER + b"\n" + GOOD + b'"unclosed\n', "quote"),
        (HEADER + b"\n" + GOOD + b"a\x00b\n", "NUL"),
    ],
)
def test_the_reader_checklist_applies_to_the_ledger(data: bytes, needle: str) -> None:
    with pytest.raises(Exception, match=needle) as err:
        read_input(data)
    assert getattr(err.value, "exit_code", None) in (65, 66)


def test_a_header_only_ledger_and_spreadsheet_damage_are_errors(cfg: Config) -> None:
    with pytest.raises(DataError, match="no data rows"):
        read_input(HEADER + b"\n")
    damaged = HEADER + b"\n1.23457E+15,2026-10-01,arrest,pursue,major,ROCU,verified,EV-1,\n"
    damaged += b"OCG-0002,1699920000,arrest,pursue,major,ROCU,verified,EV-2,NA\n"
    found = validate_ledger(read_input(damaged).table, cfg)
    assert {(i.line, i.type) for i in found.errors} == {(2, "bad_id"), (3, "bad_date")}
    assert found.frame["notes"].tolist() == ["", "NA"]  # kept literally


def with_schema(cfg: Config, **ledger: Any) -> Config:
    return cfg.model_copy(update={"ledger": cfg.ledger.model_copy(update=ledger)})


def test_the_config_declares_header_aliases_and_the_unknown_column_policy(
    cfg: Config, tmp_path: Path
) -> None:
    text = (LEDGERS / "bom_crlf_is_fine.csv").read_text(encoding="utf-8-sig")
    header, *rest = text.replace("\r\n", "\n").split("\n")
    renamed = header.replace("evidence_ref", "Evidence Reference") + ",colour"
    rows = [line + ",blue" if line.strip() else line for line in rest]
    path = tmp_path / "aliased_header_and_an_extra_column.csv"
    path.write_text("\n".join([renamed, *rows]), encoding="utf-8")
    table = read_input(path).table
    assert {(i.column, i.type) for i in validate_ledger(table, cfg).errors} == {
        ("evidence_ref", "missing_column"),
        ("Evidence Reference", "unknown_column"),
        ("colour", "unknown_column"),
    }
    schema = {"aliases": {"evidence reference": "evidence_ref"}, "unknown_columns": "ignore"}
    ledger = validate_ledger(table, with_schema(cfg, **schema))
    assert not ledger.errors and len(ledger.frame)
    assert [(i.severity, i.column) for i in ledger.issues][:1] == [(Severity.NOTICE, "colour")]


def test_an_alias_beside_its_column_is_a_duplicate(cfg: Config, tmp_path: Path) -> None:
    text = (LEDGERS / "bom_crlf_is_fine.csv").read_text(encoding="utf-8-sig")
    header, *rest = text.replace("\r\n", "\n").split("\n")
    rows = [line + ",x" if line.strip() else line for line in rest]
    path = tmp_path / "alias_beside_its_column.csv"
    path.write_text("\n".join([header + ",ref", *rows]), encoding="utf-8")
    table = read_input(path).table
    ledger = validate_ledger(table, with_schema(cfg, aliases={"ref": "evidence_ref"}))
    assert [(i.column, i.type) for i in ledger.errors] == [("ref", "duplicate_column")]


def test_an_alias_must_name_a_ledger_column(config_data: Callable[[], dict[str, Any]]) -> None:
    data = config_data()
    data["ledger"]["aliases"] = {"ref": "evidence"}
    with pytest.raises(ConfigProblems, match="must map to ledger columns"):
        parse_config(data)
