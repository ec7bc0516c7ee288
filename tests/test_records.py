"""The record model and its cell parsers: exact strings in, documented spellings only.

Covers RELIABILITY.md section 7 rows 22-34 at the value level (rows 33, duplicates, is a
whole-file check in test_validate.py).
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from socprio.config.load import builtin_config_text, load_config, parse_config
from socprio.config.models import Config, record_columns
from socprio.validate.cells import parse_date, whole_number
from socprio.validate.records import RecordBase, Status, build_record_model

AS_OF = date(2026, 11, 23)
CFG = load_config(None).config
MODEL = build_record_model(CFG)

VALID: dict[str, str] = {
    "group_id": "OCG-0001",
    "codename": "AMBER HERON",
    "lead_force": "WMP",
    "status": "active",
    "lro_assigned": "yes",
    "principal_crime": "county_lines",
    "secondary_crimes": "drugs_supply;money_laundering",
    "member_count": "12",
    "intel_source_eval": "2",
    "intel_assessment": "B",
    "last_intel_review": "2026-11-01",
    "last_disruption_date": "",
    "disruption_type": "",
    "opportunity_4p": "pursue;prevent",
    "linked_groups": "OCG-0002",
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

ORDINALS = [n for n, f in CFG.factors.items() if f.has_column and f.type.value == "ordinal"]
BOOLEANS = [n for n, f in CFG.factors.items() if f.has_column and f.type.value == "boolean"]
SPELLINGS = {
    s.casefold()
    for s in (*CFG.record.true_values, *CFG.record.false_values, *CFG.record.unknown_values)
}


def record(model: type[RecordBase] = MODEL, /, **cells: str) -> RecordBase:
    return model.model_validate({**VALID, **cells}, context={"as_of": AS_OF})


def errors(**cells: str) -> list[tuple[str, str, str]]:
    """(column, type, message) of every error for VALID with ``cells`` replaced."""
    with pytest.raises(ValidationError) as info:
        record(**cells)
    return [
        (".".join(map(str, e["loc"])), e["type"], e["msg"])
        for e in info.value.errors(include_url=False, include_input=False)
    ]


def error_type(column: str, value: str) -> str:
    """The single error type raised when ``column`` holds ``value``."""
    found = errors(**{column: value})
    assert [c for c, _, _ in found] == [column], found
    return found[0][1]


# --- the model ------------------------------------------------------------------------------


def test_valid_row_parses_to_typed_values() -> None:
    rec = record()
    assert rec.group_id == "OCG-0001"
    assert rec.status is Status.ACTIVE
    assert rec.lro_assigned is True
    assert rec.secondary_crimes == ("drugs_supply", "money_laundering")
    assert rec.member_count == 12
    assert rec.last_intel_review == date(2026, 11, 1)
    assert rec.last_disruption_date is None
    assert rec.disruption_type is None
    assert rec.grading == "2B"
    assert rec.factor("intent") == 3
    assert rec.factor("international_links") is False


def test_model_is_built_from_config_with_one_field_per_column() -> None:
    assert MODEL.__name__ == "OcgRecord"
    assert issubclass(MODEL, RecordBase)
    assert tuple(MODEL.model_fields) == record_columns(CFG)
    assert MODEL.factor_names == tuple(n for n, f in CFG.factors.items() if f.has_column)
    assert "crime_harm" not in MODEL.model_fields  # derived factors have no column


def test_model_is_frozen() -> None:
    rec = record()
    with pytest.raises(ValidationError) as info:
        rec.member_count = 99  # type: ignore[misc]
    assert info.value.errors()[0]["type"] == "frozen_instance"
    assert rec.member_count == 12


def test_extra_fields_are_forbidden() -> None:
    found = errors(exploitaton="3")
    assert found == [("exploitaton", "extra_forbidden", "Extra inputs are not permitted")]


def test_missing_field_is_an_error_not_a_default() -> None:
    data = dict(VALID)
    del data["violence"]
    with pytest.raises(ValidationError) as info:
        MODEL.model_validate(data, context={"as_of": AS_OF})
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("violence",), "missing")]


def test_non_string_cells_are_rejected_not_coerced() -> None:
    assert error_type("member_count", 12) == "not_text"  # type: ignore[arg-type]
    assert error_type("codename", 7) == "not_text"  # type: ignore[arg-type]
    assert error_type("group_id", None) == "not_text"  # type: ignore[arg-type]


def test_a_row_reports_every_bad_column_at_once() -> None:
    found = errors(lead_force="XX", violence="9", member_count="five", last_intel_review="x")
    assert [(c, t) for c, t, _ in found] == [
        ("lead_force", "invalid_choice"),
        ("member_count", "invalid_number"),
        ("last_intel_review", "invalid_date"),
        ("violence", "invalid_choice"),
    ]


def test_error_repr_hides_the_input() -> None:
    with pytest.raises(ValidationError) as info:
        record(member_count="SECRETVALUE123")
    assert "SECRETVALUE123" not in str(info.value)
    assert "SECRETVALUE123" not in repr(info.value)


# --- RELIABILITY section 7, rows 22-34 -----------------------------------------------------


@pytest.mark.parametrize(("column", "value"), [("codename", "007"), ("notes", "07700900123")])
def test_row22_leading_zeros_kept_as_text(column: str, value: str) -> None:
    assert getattr(record(**{column: value}), column) == value


@pytest.mark.parametrize("value", ["NA", "Null", "None", "null", "N/A", "nan"])
def test_row23_na_words_are_literal_text(value: str) -> None:
    rec = record(codename=value, notes=value)
    assert (rec.codename, rec.notes) == (value, value)


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("member_count", "invalid_number"),
        ("intel_source_eval", "invalid_number"),
        ("lead_force", "invalid_choice"),
        ("status", "invalid_choice"),
        ("principal_crime", "invalid_choice"),
        ("violence", "invalid_choice"),
        ("lro_assigned", "invalid_choice"),
        ("international_links", "invalid_choice"),
        ("last_intel_review", "invalid_date"),
    ],
)
@pytest.mark.parametrize("value", ["NA", "Null", "None"])
def test_row23_na_words_are_errors_where_a_number_or_choice_is_needed(
    column: str, kind: str, value: str
) -> None:
    assert error_type(column, value) == kind


@pytest.mark.parametrize("value", ["#N/A", "#DIV/0!", "#VALUE!", " #REF! "])
@pytest.mark.parametrize(
    "column",
    ["member_count", "violence", "lro_assigned", "lead_force", "last_intel_review", "status"],
)
def test_row24_spreadsheet_errors(column: str, value: str) -> None:
    found = errors(**{column: value})
    assert found == [
        (column, "spreadsheet_error", "spreadsheet error value (the formula failed in Excel)")
    ]


@pytest.mark.parametrize(
    ("column", "value", "kind", "allowed"),
    [
        ("violence", "9", "invalid_choice", "0-4"),
        ("violence", "five", "invalid_choice", "0-4"),
        ("violence", "3.5", "invalid_choice", "0-4"),
        ("violence", "-1", "invalid_choice", "0-4"),
        ("legal_business_use", "3", "invalid_choice", "0-2"),
        ("intel_source_eval", "9", "out_of_range", "1 to 3"),
        ("intel_source_eval", "0", "out_of_range", "1 to 3"),
        ("member_count", "five", "invalid_number", "1 to 100000"),
        ("member_count", "3.5", "invalid_number", "1 to 100000"),
        ("member_count", "0", "out_of_range", "1 to 100000"),
        ("member_count", "100001", "out_of_range", "1 to 100000"),
        ("member_count", "9" * 5000, "out_of_range", "1 to 100000"),  # int() would raise
    ],
)
def test_row25_out_of_range_and_non_integers_name_the_allowed_range(
    column: str, value: str, kind: str, allowed: str
) -> None:
    [(col, got, message)] = errors(**{column: value})
    assert (col, got) == (column, kind)
    assert allowed in message


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "1e3"])
def test_row26_nan_inf_and_exponents_are_errors(value: str) -> None:
    assert error_type("member_count", value) == "invalid_number"
    assert error_type("violence", value) == "invalid_choice"
    assert error_type("lro_assigned", value) == "invalid_choice"


@pytest.mark.parametrize("value", ["1,234", "3,5", "1 234", "1_000", "+5", "007", "0x10"])
def test_row27_separators_signs_and_lax_int_spellings_are_errors(value: str) -> None:
    assert error_type("member_count", value) == "invalid_number"


@pytest.mark.parametrize("value", ["3,5", "03", "+3", "3.0"])
def test_row27_ordinals_accept_only_the_plain_digits(value: str) -> None:
    assert error_type("violence", value) == "invalid_choice"


@pytest.mark.parametrize("value", ["1.23457E+15", "1E5", "1e5", "OCG-1E5", "12345", "ocg-0001"])
def test_row28_excel_mangled_ids_fail_the_pattern(value: str) -> None:
    assert error_type("group_id", value) == "invalid_id"
    assert error_type("linked_groups", value) == "invalid_id"


def test_row29_long_reference_kept_exactly() -> None:
    notes = "  Ref 12345678901234567 / 00012345678901234 \n second line "
    rec = record(notes=notes, codename="12345678901234567")
    assert rec.notes == notes  # notes are not trimmed: the exact file string
    assert rec.codename == "12345678901234567"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03/04/2024", date(2024, 4, 3)),  # UK order: 3 April
        ("2024-04-03", date(2024, 4, 3)),
        (" 31/12/2025 ", date(2025, 12, 31)),
        ("29/02/2024", date(2024, 2, 29)),
        ("3/4/2024", date(2024, 4, 3)),  # unpadded UK, as Excel writes it
        ("3/04/2024", date(2024, 4, 3)),
        ("31/1/2024", date(2024, 1, 31)),
    ],
)
def test_row30_iso_and_uk_dates(value: str, expected: date) -> None:
    assert record(last_intel_review=value).last_intel_review == expected


@pytest.mark.parametrize(
    "value",
    [
        "1699920000",  # Unix time: pydantic lax would accept it
        "10/31/2026",  # US order
        "3/4/24",  # two-digit year
        "003/04/2024",
        "0/4/2024",
        "31/2/2024",
        "2024-4-3",
        "2024/04/03",
        "20240403",
        "2024-04-03T00:00",
        "29/02/2023",
        "2024-13-01",
        "00/01/2024",
        "01/01/0000",
        "3 April 2024",
        "２０２４-04-03",  # full-width digits: \d would match them
        "٠٣/٠٤/٢٠٢٤",  # Arabic-Indic digits
    ],
)
def test_row30_anything_else_is_not_a_date(value: str) -> None:
    assert error_type("last_intel_review", value) == "invalid_date"
    assert error_type("last_disruption_date", value) == "invalid_date"


def test_review_or_disruption_after_the_as_of_date_is_an_error() -> None:
    assert record(last_intel_review="2026-11-23").last_intel_review == AS_OF  # the day is fine
    assert error_type("last_intel_review", "24/11/2026") == "future_date"
    found = errors(last_disruption_date="2026-12-01", disruption_type="arrest")
    assert [(c, t) for c, t, _ in found] == [("last_disruption_date", "future_date")]


def test_without_an_as_of_date_future_dates_are_not_checked() -> None:
    rec = MODEL.model_validate({**VALID, "last_intel_review": "2099-01-01"})
    assert rec.last_intel_review == date(2099, 1, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        (" y ", True),
        ("no", False),
        ("N", False),
        ("False", False),
        ("0", False),
    ],
)
def test_row31_documented_boolean_spellings(value: str, expected: bool) -> None:
    assert record(lro_assigned=value).lro_assigned is expected
    assert record(threat_to_life_active=value).factor("threat_to_life_active") is expected


@pytest.mark.parametrize("value", ["maybe", "on", "off", "t", "f", "1.0", "ja", "yes!", "tru"])
def test_row31_other_boolean_spellings_are_rejected(value: str) -> None:
    assert error_type("lro_assigned", value) == "invalid_choice"
    assert error_type("firearms_discharge_12m", value) == "invalid_choice"


def test_row32_id_is_trimmed_but_odd_spaces_inside_are_rejected() -> None:
    assert record(group_id="OCG-0001 ").group_id == "OCG-0001"
    assert record(group_id="\tOCG-0001").group_id == "OCG-0001"
    assert record(linked_groups=" OCG-0002 ; OCG-0003 ").linked_groups == ("OCG-0002", "OCG-0003")
    for bad in (
        "OCG-\u00a00001",
        "OCG- 0001",
        "OCG-0001\u00a0",
        "OCG-00\u200b01",
        "\u3000OCG-0001",
    ):
        assert error_type("group_id", bad) == "bad_whitespace"
    assert error_type("linked_groups", "OCG-00\u00a002") == "bad_whitespace"
    assert error_type("group_id", "  ") == "missing_value"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://example.invalid","x")', "+44 7700 900123", "@x", "-", "=1+2", "\t=cmd"],
)
def test_row34_formula_like_text_is_read_literally(value: str) -> None:
    rec = record(notes=value, codename=value.strip())
    assert rec.notes == value
    assert rec.codename == value.strip()


# --- unknown, blank and required cells ------------------------------------------------------


@pytest.mark.parametrize("name", ORDINALS)
def test_unknown_is_distinct_from_zero_and_blank_means_unknown(name: str) -> None:
    assert record(**{name: "U"}).factor(name) is None
    assert record(**{name: "u"}).factor(name) is None
    assert record(**{name: ""}).factor(name) is None
    assert record(**{name: "  "}).factor(name) is None
    assert record(**{name: "0"}).factor(name) == 0


@pytest.mark.parametrize("name", BOOLEANS)
def test_boolean_factors_take_unknown_too(name: str) -> None:
    assert record(**{name: "U"}).factor(name) is None
    assert record(**{name: ""}).factor(name) is None
    assert record(**{name: "0"}).factor(name) is False


@pytest.mark.parametrize(
    "column",
    [
        "group_id",
        "codename",
        "lead_force",
        "status",
        "lro_assigned",
        "principal_crime",
        "member_count",
        "intel_source_eval",
        "intel_assessment",
        "last_intel_review",
    ],
)
def test_required_columns_reject_blank_and_unknown_is_not_a_value_there(column: str) -> None:
    assert error_type(column, "") == "missing_value"
    if column == "codename":
        assert record(codename="U").codename == "U"  # free text: U is just a letter
    else:
        assert error_type(column, "U") != "missing_value"  # U means unknown only in factors


def test_optional_columns_accept_blank() -> None:
    rec = record(secondary_crimes="", opportunity_4p="", linked_groups="", notes="")
    assert (rec.secondary_crimes, rec.opportunity_4p, rec.linked_groups, rec.notes) == (
        (),
        (),
        (),
        "",
    )


def test_single_line_text_rejects_line_breaks_and_controls() -> None:
    assert error_type("codename", "A\nB") == "embedded_newline"
    assert error_type("codename", "A\x07B") == "control_character"
    assert error_type("codename", "x" * 61) == "bad_length"
    assert record(notes="line 1\r\nline 2\ttab").notes == "line 1\r\nline 2\ttab"
    assert error_type("notes", "bell\x07") == "control_character"


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"secondary_crimes": "fraud;county_lines"}, "secondary_crimes"),
        ({"linked_groups": "OCG-0002;OCG-0001"}, "linked_groups"),
        ({"last_disruption_date": "2026-10-01"}, "disruption_type"),
        ({"disruption_type": "arrest"}, "disruption_type"),
    ],
)
def test_cross_field_inconsistencies_are_reported_at_a_column(
    cells: dict[str, str], column: str
) -> None:
    found = errors(**cells)
    assert [(c, t) for c, t, _ in found] == [(column, "inconsistent")]


def test_inconsistencies_are_reported_alongside_other_errors() -> None:
    found = errors(secondary_crimes="county_lines", violence="9", linked_groups="OCG-0001")
    assert {(c, t) for c, t, _ in found} == {
        ("secondary_crimes", "inconsistent"),
        ("linked_groups", "inconsistent"),
        ("violence", "invalid_choice"),
    }


def test_disruption_pair_is_accepted_together() -> None:
    rec = record(last_disruption_date="01/10/2026", disruption_type="Seizure")
    assert (rec.last_disruption_date, rec.disruption_type) == (date(2026, 10, 1), "seizure")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("secondary_crimes", "fraud;fraud"),
        ("secondary_crimes", "fraud;;cyber"),
        ("secondary_crimes", "fraud;cyber;oic;oac;other"),  # 5 > max_secondary_crimes
        ("opportunity_4p", "pursue,prevent"),  # comma is not the separator
        ("linked_groups", "OCG-0002;"),
    ],
)
def test_list_rules(column: str, value: str) -> None:
    kinds = {"invalid_list", "invalid_choice", "invalid_id"}
    assert error_type(column, value) in kinds


def test_choices_ignore_case_and_surrounding_spaces() -> None:
    rec = record(lead_force=" wmp ", status="Dormant", principal_crime="FRAUD", secondary_crimes="")
    assert (rec.lead_force, rec.status, rec.principal_crime) == ("WMP", Status.DORMANT, "fraud")


# --- a new factor through config only -------------------------------------------------------


def config_with_cyber_capability() -> Config:
    data = yaml.safe_load(builtin_config_text())
    data = copy.deepcopy(data)
    data["factors"]["cyber_capability"] = {
        "type": "ordinal",
        "label": "Cyber capability",
        "levels": ["none", "off-the-shelf tools", "bespoke malware"],
    }
    data["groups"]["reach"]["factors"]["cyber_capability"] = 0.1
    return parse_config(data)


def test_new_ordinal_factor_needs_no_code_change() -> None:
    cfg = config_with_cyber_capability()
    model = build_record_model(cfg)
    assert record_columns(cfg)[-1] == "cyber_capability"
    assert "cyber_capability" in model.factor_names
    for value, expected in [("0", 0), ("2", 2), ("U", None), ("", None)]:
        assert record(model, cyber_capability=value).factor("cyber_capability") == expected
    with pytest.raises(ValidationError) as info:
        record(model, cyber_capability="3")
    [err] = info.value.errors(include_url=False)
    assert (err["loc"], err["type"]) == (("cyber_capability",), "invalid_choice")
    assert "0-2" in err["msg"]
    with pytest.raises(ValidationError):
        record(model)  # the new column is required


# --- properties of the parsers --------------------------------------------------------------


def _rejects(parse: Any, value: str) -> str:
    with pytest.raises(PydanticCustomError) as info:
        parse(value)
    return info.value.type


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(-(10**7), 10**7))
def test_whole_number_round_trips_exactly_the_range(a: int, b: int, n: int) -> None:
    lo, hi = min(a, b), max(a, b)
    parse = whole_number(lo, hi)
    if lo <= n <= hi:
        assert parse(str(n)) == n
        assert parse(f" {n} ") == n
    elif n >= 0:
        assert _rejects(parse, str(n)) == "out_of_range"
    else:
        assert _rejects(parse, str(n)) == "invalid_number"


@given(st.text(max_size=12))
def test_whole_number_accepts_only_canonical_digit_strings(text: str) -> None:
    parse = whole_number(0, 10**9)
    stripped = text.strip()
    if re.fullmatch(r"0|[1-9][0-9]{0,9}", stripped) and int(stripped) <= 10**9:
        assert parse(text) == int(stripped)
    else:
        with pytest.raises(PydanticCustomError):
            parse(text)


@given(st.sampled_from(ORDINALS), st.integers(-50, 50))
def test_ordinal_round_trips_its_levels_and_rejects_the_rest(name: str, n: int) -> None:
    top = CFG.factors[name].max
    if 0 <= n <= top:
        assert record(**{name: str(n)}).factor(name) == n
    else:
        assert error_type(name, str(n)) == "invalid_choice"


TRUE = {v.casefold() for v in CFG.record.true_values}
FALSE = {v.casefold() for v in CFG.record.false_values}
UNKNOWN = {v.casefold() for v in CFG.record.unknown_values}


@given(st.one_of(st.text(max_size=8), st.sampled_from(sorted(SPELLINGS)).map(str.upper)))
def test_boolean_accepts_exactly_the_documented_spellings(text: str) -> None:
    key = text.strip().casefold()
    for column, unknown_ok in (("international_links", True), ("lro_assigned", False)):
        if key in TRUE or key in FALSE or (unknown_ok and (key in UNKNOWN or not key)):
            expected = True if key in TRUE else False if key in FALSE else None
            assert getattr(record(**{column: text}), column) is expected
        elif not key:
            assert error_type(column, text) == "missing_value"
        else:
            assert error_type(column, text) in {"invalid_choice", "spreadsheet_error"}


@given(st.dates())
def test_parse_date_reads_both_formats_it_writes(day: date) -> None:
    iso = day.isoformat()
    uk = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    assert parse_date(iso) == day
    assert parse_date(uk) == day


@given(st.one_of(st.text(max_size=12), st.from_regex(r"[0-9]{1,4}[-/][0-9]{1,2}[-/][0-9]{1,4}")))
def test_parse_date_accepts_nothing_but_those_formats(text: str) -> None:
    try:
        day = parse_date(text)
    except PydanticCustomError as exc:
        assert exc.type in {"invalid_date", "missing_value", "spreadsheet_error"}
        return
    assert day is not None
    d, m, y = day.day, day.month, f"{day.year:04d}"
    uk = {f"{dd}/{mm}/{y}" for dd in (f"{d}", f"{d:02d}") for mm in (f"{m}", f"{m:02d}")}
    assert text.strip() in {day.isoformat(), *uk}


@given(st.dates(), st.booleans(), st.booleans())
def test_unpadded_uk_dates_are_read_like_padded_ones(day: date, pad_d: bool, pad_m: bool) -> None:
    """`3/4/2026` was rejected while `03/04/2026` was accepted."""
    d = f"{day.day:02d}" if pad_d else str(day.day)
    m = f"{day.month:02d}" if pad_m else str(day.month)
    assert parse_date(f"{d}/{m}/{day.year:04d}") == day


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1, 9999))
def test_unpadded_impossible_uk_dates_are_still_rejected(d: int, m: int, y: int) -> None:
    try:
        real = date(y, m, d)
    except ValueError:
        with pytest.raises(PydanticCustomError) as err:
            parse_date(f"{d}/{m}/{y:04d}")
        assert err.value.type == "invalid_date"
    else:
        assert parse_date(f"{d}/{m}/{y:04d}") == real
