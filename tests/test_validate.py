"""Whole-file validation: header matching, every problem in one pass, locations, counts, privacy."""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from socprio.config.load import builtin_config_text, load_config, parse_config
from socprio.config.models import Config, record_columns
from socprio.present.validation import count_line, issues_json, issues_text
from socprio.read.csvtable import read_table
from socprio.validate.records import build_record_model
from socprio.validate.table import Issue, Severity, Validated, map_header, validate_table

AS_OF = date(2026, 11, 23)
CFG = load_config(None).config
COLUMNS = record_columns(CFG)
ROOT = Path(__file__).resolve().parents[1]
RECORDS = Path(__file__).parent / "data" / "records"

ROW: dict[str, str] = {
    "group_id": "OCG-0001",
    "codename": "AMBER HERON",
    "lead_force": "WMP",
    "status": "active",
    "lro_assigned": "yes",
    "principal_crime": "county_lines",
    "secondary_crimes": "drugs_supply",
    "member_count": "12",
    "intel_source_eval": "2",
    "intel_assessment": "B",
    "last_intel_review": "2026-11-01",
    "last_disruption_date": "",
    "disruption_type": "",
    "opportunity_4p": "pursue",
    "linked_groups": "",
    "notes": "",
    "violence": "2",
    "weapons_access": "1",
    "firearms_discharge_12m": "no",
    "exploitation": "0",
    "community_impact": "2",
    "intent": "3",
    "capability": "2",
    "corruption": "0",
    "legal_business_use": "1",
    "financial_band": "1",
    "geographic_reach": "1",
    "countermeasures": "1",
    "international_links": "no",
    "threat_to_life_active": "no",
}


def row(number: int, **cells: str) -> dict[str, str]:
    """A valid row with id OCG-<number>, with ``cells`` replaced."""
    return {**ROW, "group_id": f"OCG-{number:04d}", **cells}


def csv_bytes(rows: Sequence[dict[str, str] | None], header: list[str] | None = None) -> bytes:
    """A CSV of ``rows`` under ``header`` (default: the config's columns); None is a blank line."""
    names = header or list(COLUMNS)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for r in rows:
        if r is None:
            buf.write("\n")
        else:
            writer.writerow([r[c] for c in COLUMNS] if header is None else list(r.values()))
    return buf.getvalue().encode()


def check(
    data: bytes, cfg: Config = CFG, *, show_values: bool = False, source: str = "groups.csv"
) -> Validated:
    return validate_table(
        read_table(data, source=source), cfg, as_of=AS_OF, show_values=show_values
    )


def triples(result: Validated, severity: Severity = Severity.ERROR) -> list[tuple[int, str, str]]:
    return [(i.line or 0, i.column or "", i.type) for i in result.of(severity)]


def assert_counted(result: Validated) -> None:
    assert result.read == len(result.records) + result.invalid + result.blank


# --- header matching ------------------------------------------------------------------------


def test_header_matching_ignores_case_spaces_and_order_and_honours_aliases() -> None:
    result = check((RECORDS / "alias_header.csv").read_bytes(), source="alias_header.csv")
    assert result.ok, [str(i) for i in result.issues]
    first, second = result.records
    assert (first.group_id, first.codename, first.lead_force) == ("OCG-0201", "MOSS TALON", "WARKS")
    assert (second.group_id, second.lead_force, second.factor("violence")) == (
        "OCG-0202",
        "ROCU",
        4,
    )
    assert result.lines == (2, 3)


@pytest.mark.parametrize("alias", ["OCG URN", "urn", "  Urn  ", "ocg urn"])
def test_configured_aliases_map_onto_fields(alias: str) -> None:
    header = [alias if c == "group_id" else c for c in COLUMNS]
    mapping, issues = map_header(header, CFG, "f.csv")
    assert issues == []
    assert mapping == list(COLUMNS)


def test_aliases_come_from_config_only() -> None:
    data = copy.deepcopy(yaml.safe_load(builtin_config_text()))
    data["columns"]["aliases"] = {"Gang ref": "group_id"}
    cfg = parse_config(data)
    header = ["Gang ref" if c == "group_id" else c for c in COLUMNS]
    assert map_header(header, cfg, "f.csv")[1] == []
    urn = ["URN" if c == "group_id" else c for c in COLUMNS]
    types = [i.type for i in map_header(urn, cfg, "f.csv")[1]]
    assert types == ["unknown_column", "missing_column"]


def test_unknown_column_is_an_error_with_a_suggestion() -> None:
    header = ["exploitaton" if c == "exploitation" else c for c in COLUMNS]
    rows = [dict(zip(header, row(1).values(), strict=True))]
    result = check(csv_bytes(rows, header))
    assert [(i.line, i.column, i.type) for i in result.issues] == [
        (1, "exploitaton", "unknown_column"),
        (1, None, "missing_column"),
    ]
    assert "did you mean 'exploitation'?" in result.issues[0].message
    assert "exploitation" in result.issues[1].message
    assert (result.records, result.invalid, result.read) == ((), 1, 1)


def test_an_extra_column_error_says_columns_unknown_ignore_exists() -> None:
    """An extra column rejected every record with no hint that the config can ignore it."""
    header = [*COLUMNS, "analyst"]
    result = check(csv_bytes([{**row(1), "analyst": "JB"}], header))
    (issue,) = result.of(Severity.ERROR)
    assert (issue.type, issue.column) == ("unknown_column", "analyst")
    assert "set columns.unknown: ignore to skip it" in issue.message


def test_an_empty_column_dropped_on_reading_is_a_warning_naming_its_position() -> None:
    header = [*COLUMNS[:3], "", *COLUMNS[3:], " "]
    rows = [{**dict.fromkeys(header, ""), **row(n)} for n in (1, 2)]
    lines = [",".join(header)] + [",".join(r[c] if c.strip() else "" for c in header) for r in rows]
    result = check("\n".join(lines).encode() + b"\n")
    assert result.ok
    assert [(i.severity, i.type, i.line, i.message) for i in result.issues] == [
        (
            Severity.WARNING,
            "empty_column",
            1,
            f"column {n} has no header and no values; it was ignored",
        )
        for n in (4, len(header))
    ]
    assert len(result.records) == 2


def test_unknown_column_can_be_ignored_by_config() -> None:
    data = copy.deepcopy(yaml.safe_load(builtin_config_text()))
    data["columns"]["unknown"] = "ignore"
    cfg = parse_config(data)
    header = [*COLUMNS, "analyst"]
    result = check(csv_bytes([{**row(1), "analyst": "JB"}], header), cfg)
    assert result.ok
    assert [(i.severity, i.type, i.column) for i in result.issues] == [
        (Severity.NOTICE, "unknown_column", "analyst")
    ]
    assert len(result.records) == 1


def test_a_field_named_twice_via_an_alias_is_an_error() -> None:
    header = [*COLUMNS, "OCG URN"]
    mapping, issues = map_header(header, CFG, "f.csv")
    assert mapping[-1] is None
    assert [(i.type, i.column) for i in issues] == [("duplicate_column", "group_id")]
    assert f"columns 1 and {len(header)}" in issues[0].message


def test_missing_columns_are_listed() -> None:
    header = [c for c in COLUMNS if c not in ("violence", "notes")]
    _, issues = map_header(header, CFG, "f.csv")
    assert [i.type for i in issues] == ["missing_column"]
    assert "violence" in issues[0].message
    assert "notes" in issues[0].message


# --- exact strings, all problems, physical lines --------------------------------------------


def test_cells_reach_validation_as_the_exact_file_strings() -> None:
    notes = "  Ref 00012345678901234 NA #N/A =1+2 \u00a0"
    table = read_table(csv_bytes([row(1, notes=notes, codename="007")]), source="f.csv")
    assert table.rows[0].cells[COLUMNS.index("notes")] == notes
    result = validate_table(table, CFG, as_of=AS_OF)
    assert result.records[0].notes == notes
    assert result.records[0].codename == "007"


def test_every_problem_in_one_pass_at_its_physical_line() -> None:
    result = check((RECORDS / "multiline_notes.csv").read_bytes(), source="multiline_notes.csv")
    assert triples(result) == [
        (5, "violence", "invalid_choice"),
        (7, "member_count", "invalid_number"),
        (9, "intent", "invalid_choice"),
    ]
    assert all(i.file == "multiline_notes.csv" for i in result.issues)
    assert result.lines == (2,)
    assert (len(result.records), result.invalid, result.blank, result.read) == (1, 3, 1, 5)
    assert str(result.issues[0]) == (
        "multiline_notes.csv, line 5, column 'violence': must be 0-4 or U (unknown) "
        "[invalid_choice]"
    )


def test_several_errors_on_one_row_are_all_reported() -> None:
    result = check(csv_bytes([row(1, lead_force="X", violence="9", status="open", notes="ok")]))
    assert triples(result) == [
        (2, "lead_force", "invalid_choice"),
        (2, "status", "invalid_choice"),
        (2, "violence", "invalid_choice"),
    ]
    assert result.invalid == 1


def test_duplicate_id_names_the_first_line_and_is_not_ranked() -> None:
    rows = [row(1), None, row(2), row(1, codename="OTHER"), row(1, violence="U")]
    result = check(csv_bytes(rows))
    assert triples(result) == [(5, "group_id", "duplicate_id"), (6, "group_id", "duplicate_id")]
    assert all(i.message == "group_id repeats the one on line 2" for i in result.of(Severity.ERROR))
    assert [r.group_id for r in result.records] == ["OCG-0001", "OCG-0002"]
    assert result.lines == (2, 4)
    assert (result.invalid, result.blank, result.read) == (2, 1, 5)


def test_duplicate_id_is_reported_with_the_rows_other_errors() -> None:
    rows = [row(1, violence="9"), row(1, member_count="x"), row(1)]
    result = check(csv_bytes(rows))
    assert triples(result) == [
        (2, "violence", "invalid_choice"),
        (3, "member_count", "invalid_number"),
        (3, "group_id", "duplicate_id"),
        (4, "group_id", "duplicate_id"),
    ]
    assert len(result.records) == 0
    assert result.invalid == 3


def test_trimmed_ids_are_duplicates_too() -> None:
    result = check(csv_bytes([row(1), row(1, group_id="OCG-0001 ")]))
    assert triples(result) == [(3, "group_id", "duplicate_id")]


# --- warnings -------------------------------------------------------------------------------


def test_warnings_are_separate_and_do_not_fail() -> None:
    rows = [
        row(1, member_count="2"),
        row(2, linked_groups="OCG-0001;OCG-0999;OCG-0003"),
        row(3, last_intel_review="2026-08-24"),  # 91 days before the as-of date
        row(4, last_intel_review="2026-08-25"),  # 90 days: not stale
    ]
    result = check(csv_bytes(rows))
    assert result.ok
    assert result.of(Severity.ERROR) == ()
    assert triples(result, Severity.WARNING) == [
        (2, "member_count", "few_members"),
        (3, "linked_groups", "unknown_link"),
        (4, "last_intel_review", "stale_review"),
    ]
    assert "position 2" in result.of(Severity.WARNING)[1].message
    assert len(result.records) == 4
    assert result.invalid == 0


def test_a_link_to_a_row_that_is_in_the_file_but_invalid_is_not_unknown() -> None:
    result = check(csv_bytes([row(1, linked_groups="OCG-0002"), row(2, violence="x")]))
    assert triples(result) == [(3, "violence", "invalid_choice")]
    assert result.of(Severity.WARNING) == ()


def test_warnings_and_errors_are_sorted_by_line_errors_first() -> None:
    result = check(csv_bytes([row(1, member_count="1"), row(2, violence="x", member_count="1")]))
    assert [(i.line, i.severity) for i in result.issues] == [
        (2, Severity.WARNING),
        (3, Severity.ERROR),
    ]


# --- counts and reports ---------------------------------------------------------------------


def test_counts_add_up_and_are_reported() -> None:
    rows = [row(1), None, row(2, violence="x"), None, row(3, status="archived"), row(1)]
    result = check(csv_bytes(rows))
    assert (len(result.records), result.invalid, result.blank, result.read) == (2, 2, 2, 6)
    assert_counted(result)
    assert result.status_counts == {"active": 1, "dormant": 0, "archived": 1}
    assert count_line(result) == (
        "groups.csv: 6 records read = 2 valid + 2 invalid + 2 blank rows skipped "
        "(1 active, 0 dormant, 1 archived)"
    )
    payload = json.loads(issues_json(result))
    assert payload["ok"] is False
    assert payload["counts"] == {
        "read": 6,
        "valid": 2,
        "invalid": 2,
        "blank_skipped": 2,
        "by_status": {"active": 1, "dormant": 0, "archived": 1},
        "errors": 2,
        "warnings": 0,
    }
    assert [(i["line"], i["column"], i["type"]) for i in payload["issues"]] == [
        (4, "violence", "invalid_choice"),
        (7, "group_id", "duplicate_id"),
    ]
    text = issues_text(result)
    assert "2 error(s) by column: group_id 1, violence 1" in text
    assert text.endswith("FAILED: fix the errors above; nothing was ranked")


def test_issues_text_caps_the_list_but_counts_everything() -> None:
    result = check(csv_bytes([row(n, violence="x") for n in range(1, 8)]))
    text = issues_text(result, max_shown=3)
    assert "7 error(s) by column: violence 7" in text
    assert text.count("[invalid_choice]") == 3
    assert "... and 4 more" in text


def test_clean_file_reports_ok() -> None:
    result = check(csv_bytes([row(1), row(2)]))
    assert result.ok
    assert issues_text(result).splitlines()[-1] == "OK"
    assert json.loads(issues_json(result))["issues"] == []


# --- privacy: no cell value in any message unless asked -------------------------------------

# Every cell of these rows is distinctive; none may appear in any message, report or JSON.
SECRET_ROWS = [
    {c: f"Kv7Xq{i}" for i, c in enumerate(COLUMNS)},
    row(
        1,
        group_id="OCG-98765432",
        codename="Kv7Xq WARBLER " * 5,
        lead_force="Mercia987",
        lro_assigned="Jawohl",
        member_count="314159",
        intel_source_eval="77",
        last_intel_review="31/02/1987",
        last_disruption_date="2031-07-19",
        disruption_type="Raided",
        secondary_crimes="fraud;Smuggling",
        linked_groups="OCG-55555;OCG-55555",
        violence="88",
        notes="Kv7Xq private note 0780012345",
        intent="#DIV/0!",
        international_links="Maybe",
    ),
    row(2, codename="Kv7Xq ORIOLE", member_count="2", linked_groups="OCG-424242"),
    row(3, codename="Kv7Xq KITE", last_intel_review="17/06/2019", notes="Kv7Xq stale"),
]
SECRETS = [
    "Kv7Xq",
    "98765432",
    "WARBLER",
    "Mercia987",
    "Jawohl",
    "314159",
    "77",
    "1987",
    "2031",
    "Raided",
    "Smuggling",
    "55555",
    "88",
    "0780012345",
    "Maybe",
    "ORIOLE",
    "424242",
    "KITE",
    "2019",
]


def test_no_cell_value_appears_in_any_message_by_default() -> None:
    result = check(csv_bytes(SECRET_ROWS))
    errors = result.of(Severity.ERROR)
    assert len(errors) >= 25  # almost every column of the first row, most of the second
    assert {i.line for i in errors} == {2, 3}
    assert triples(result, Severity.WARNING) == [
        (4, "member_count", "few_members"),
        (4, "linked_groups", "unknown_link"),
        (5, "last_intel_review", "stale_review"),
    ]
    outputs = [str(i) for i in result.issues]
    outputs += [i.message for i in result.issues]
    outputs += [issues_text(result, max_shown=1000), issues_json(result), count_line(result)]
    for secret in SECRETS:
        leaks = [o for o in outputs if secret in o]
        assert leaks == [], secret
    assert all(i.value is None for i in result.issues)
    assert all("value" not in i for i in json.loads(issues_json(result))["issues"])


def test_show_values_adds_the_cell_to_each_error() -> None:
    result = check(csv_bytes(SECRET_ROWS), show_values=True)
    by_place = {(i.line, i.column): i for i in result.of(Severity.ERROR)}
    issue = by_place[(3, "member_count")]
    assert issue.value == "314159"
    assert "(value '314159')" in str(issue)
    assert by_place[(2, "violence")].value == SECRET_ROWS[0]["violence"]
    assert json.loads(issues_json(result))["issues"][0]["value"].startswith("Kv7Xq")


def test_issue_str_formats_location() -> None:
    issue = Issue(Severity.ERROR, "x", "bad", "f.csv", 3, "violence")
    assert str(issue) == "f.csv, line 3, column 'violence': bad [x]"
    assert issue.to_dict() == {
        "severity": "error",
        "type": "x",
        "file": "f.csv",
        "line": 3,
        "column": "violence",
        "message": "bad",
    }


# --- a new factor through config only -------------------------------------------------------


def test_new_factor_column_validates_with_no_code_change(tmp_path: Path) -> None:
    data = copy.deepcopy(yaml.safe_load(builtin_config_text()))
    data["factors"]["cyber_capability"] = {
        "type": "ordinal",
        "label": "Cyber capability",
        "levels": ["none", "off-the-shelf tools", "bespoke malware"],
        "unknown": "conservative",
    }
    data["groups"]["reach"]["factors"]["cyber_capability"] = 0.1
    path = tmp_path / "scoring.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    cfg = load_config(path).config
    header = [*COLUMNS, "Cyber_Capability "]
    rows = [
        {**row(1), "cyber_capability": "2"},
        {**row(2), "cyber_capability": "U"},
        {**row(3), "cyber_capability": "3"},
        {**row(4), "cyber_capability": "high"},
    ]
    result = check(csv_bytes(rows, header), cfg)
    assert triples(result) == [
        (4, "cyber_capability", "invalid_choice"),
        (5, "cyber_capability", "invalid_choice"),
    ]
    assert "0-2" in result.issues[0].message
    assert [r.factor("cyber_capability") for r in result.records] == [2, None]
    # and the default config still refuses the column as unknown
    assert triples(check(csv_bytes(rows[:1], header))) == [
        (1, "Cyber_Capability", "unknown_column")
    ]


# --- the shipped invalid sample -------------------------------------------------------------

# sample_data/invalid_ocgs.csv: line 1 header, 14 data rows and one blank line (line 9). Lines 2
# and 16 are valid (line 2 has a UK-format disruption date; line 16 a formula-like codename read
# literally, U and blank unknowns, and 01/09/2026 read as 1 September, so it is not stale). Each
# other line is broken in exactly one way:
INVALID_SAMPLE = [
    (3, "lead_force", "invalid_choice"),  # WMPD: not a configured force
    (4, "violence", "invalid_choice"),  # 7: ordinal is 0-4
    (5, "lro_assigned", "invalid_choice"),  # maybe: not a boolean spelling
    (6, "last_intel_review", "future_date"),  # 2027-01-15: after the as-of date
    (7, "last_intel_review", "invalid_date"),  # 10/31/2026: US order, no 31st month
    (8, "member_count", "spreadsheet_error"),  # #N/A
    (10, "group_id", "duplicate_id"),  # OCG-0101 again (first on line 2)
    (11, "group_id", "invalid_id"),  # 1E5: Excel-mangled id
    (12, "codename", "missing_value"),  # blank codename
    (13, "secondary_crimes", "inconsistent"),  # fraud is principal and secondary
    (14, "disruption_type", "inconsistent"),  # disruption date without a type
    (15, "intent", "invalid_choice"),  # nan
]


def test_invalid_sample_reports_each_broken_row_at_its_line_and_column() -> None:
    path = ROOT / "sample_data" / "invalid_ocgs.csv"
    table = read_table(path.read_bytes(), source="invalid_ocgs.csv")
    assert table.header == COLUMNS
    result = validate_table(table, CFG, as_of=AS_OF)
    assert [(i.line, i.column, i.type) for i in result.issues] == INVALID_SAMPLE
    assert all(i.severity is Severity.ERROR for i in result.issues)
    assert result.issues[6].message == "group_id repeats the one on line 2"
    assert result.lines == (2, 16)
    assert (len(result.records), result.invalid, result.blank, result.read) == (2, 12, 1, 15)
    first, last = result.records
    assert first.last_disruption_date == date(2026, 9, 14)
    assert last.codename == '=HYPERLINK("http://example.invalid")'
    assert last.last_intel_review == date(2026, 9, 1)
    assert (last.factor("intent"), last.factor("capability"), last.factor("violence")) == (
        None,
        None,
        0,
    )


# --- core modules stay free of CLI and dataframe libraries ----------------------------------


def test_core_modules_do_not_import_typer_rich_or_pandas() -> None:
    code = (
        "import sys\n"
        "import socprio.config.load, socprio.validate.records, socprio.validate.table\n"
        "import socprio.present.validation\n"
        "bad = {'typer', 'rich', 'pandas'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


TRICKY = (
    "",
    "U",
    "9",
    "-1",
    "007",
    "yes",
    "maybe",
    "#N/A",
    "nan",
    "OCG-0002",
    "OCG-0001 ",
    "03/04/2024",
    "2027-01-01",
    "drugs_supply",
    "fraud;fraud",
    "WMP",
    "arrest",
    " x ",
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 7), st.sampled_from(record_columns(CFG)), st.sampled_from(TRICKY)),
        max_size=12,
    )
)
def test_columnar_validation_matches_the_record_model_row_by_row(
    edits: list[tuple[int, str, str]],
) -> None:
    """validate_table factorises columns for speed; it must report exactly what the pydantic
    record model reports when each row is validated on its own (duplicates and warnings are
    file-level and checked elsewhere)."""
    rows = [row(i + 1) for i in range(8)]
    for index, column, value in edits:
        rows[index][column] = value
    result = check(csv_bytes(rows))
    model = build_record_model(CFG)
    expected: list[tuple[int, str | None, str, str]] = []
    for line, data in enumerate(rows, start=2):
        try:
            model.model_validate(data, context={"as_of": AS_OF})
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False):
                expected.append((line, str(err["loc"][0]), err["type"], err["msg"]))
    found = [
        (i.line, i.column, i.type, i.message)
        for i in result.of(Severity.ERROR)
        if i.type != "duplicate_id"
    ]
    assert sorted(found, key=str) == sorted(expected, key=str)
    for record, line in zip(result.records, result.lines, strict=True):
        alone = model.model_validate(rows[line - 2], context={"as_of": AS_OF})
        assert record.model_dump() == alone.model_dump()
