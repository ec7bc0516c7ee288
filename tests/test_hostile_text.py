"""Input text is data in every output: any codename or note a record accepts comes back out of
CSV, JSON and the workbook as exactly itself (formula-escaped, reversibly, where a spreadsheet
would evaluate it), and never reaches the terminal or the tasking pack as control, bidi or
markup."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from socprio import assess
from socprio.config.models import LoadedConfig
from socprio.present.escape import escape_cell, unescape_cell
from socprio.present.export import ExportOptions, export_bytes
from socprio.present.formats import OutputFormat

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "ocgs.csv"
AS_OF = date(2026, 11, 23)
ROWS = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))[:6]
HOSTILE = [
    "=1+1",
    "  @SUM(A1)",
    "\u00a0=cmd|'/c calc'!A1",
    "\u3000+1",
    "\u200b-2",
    "\ufeff=x",
    "[/bold]",
    "[link=file:///etc/passwd]x[/link]",
    ":warning:",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "\u202eevil",
    "\u2066iso\u2069",
    "*bold* _it_ `code` | pipe",
    '"quoted", comma',
    "'=already",
]
# What a terminal must never receive raw: C0/C1 controls (but the table's own newlines), bidi
# and zero-width marks, and the BOM.
RAW_HIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
# Characters a record accepts (validation rejects C0/C1 controls and lone surrogates);
# noncharacters such as U+FFFF and the private-use planes are data too.
ACCEPTED = st.characters(exclude_categories=["Cs", "Cc"])


def texts(*, multiline: bool) -> st.SearchStrategy[str]:
    chars = st.one_of(ACCEPTED, st.sampled_from("\n\t")) if multiline else ACCEPTED
    free = st.text(chars, min_size=1, max_size=24)
    return st.one_of(
        st.sampled_from(HOSTILE), free, st.tuples(st.sampled_from(HOSTILE), free).map("".join)
    )


def codenames() -> st.SearchStrategy[str]:
    """A codename the record model accepts as it is: one line, trimmed, 1-60 characters."""
    return texts(multiline=False).map(lambda t: t.strip()[:60]).filter(bool)


def with_texts(codename: str, notes: str) -> bytes:
    rows = [list(r) for r in ROWS]
    header = rows[0]
    rows[1][header.index("codename")] = codename
    rows[1][header.index("notes")] = notes
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(codename=codenames(), notes=texts(multiline=True))
def test_text_round_trips_through_csv_json_and_the_workbook(
    loaded: LoadedConfig, codename: str, notes: str
) -> None:
    a = assess(with_texts(codename, notes), loaded, as_of=AS_OF)
    group = ROWS[1][0]

    text = export_bytes(OutputFormat.CSV, a).decode("utf-8-sig")
    rows = {r["group_id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows[group]["codename"] == escape_cell(codename)
    assert unescape_cell(rows[group]["codename"]) == codename
    assert unescape_cell(rows[group]["notes"]) == notes

    doc = json.loads(export_bytes(OutputFormat.JSON, a))
    (entry,) = (g for g in doc["groups"] if g["group_id"] == group)
    assert entry["codename"] == codename and entry["notes"] == notes

    book = openpyxl.load_workbook(io.BytesIO(export_bytes(OutputFormat.XLSX, a)))
    sheet = book["Ranking"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)  # nothing is a formula
    values = {c.value for c in cells}
    assert escape_cell(codename) in values


@FUZZ
@given(codename=codenames())
def test_the_terminal_table_shows_any_codename_as_inert_text(
    loaded: LoadedConfig, codename: str
) -> None:
    a = assess(with_texts(codename, ""), loaded, as_of=AS_OF)
    for width in (80, 132):
        shown = export_bytes(OutputFormat.TABLE, a, ExportOptions(width=width)).decode()
        assert not RAW_HIDDEN.search(shown)
        assert max(cell_len(line) for line in shown.splitlines()) <= width  # wide glyphs: 2


@FUZZ
@given(codename=codenames(), notes=texts(multiline=True))
def test_the_tasking_pack_shows_any_codename_and_note_as_inert_text(
    loaded: LoadedConfig, codename: str, notes: str
) -> None:
    """No control, bidi or zero-width character reaches the page raw (a U+202E in a codename
    would reorder the row it sits in), and no text becomes markup."""
    a = assess(with_texts(codename, notes), loaded, as_of=AS_OF)
    page = export_bytes(OutputFormat.HTML, a, ExportOptions(chart_top=5)).decode("utf-8")
    assert not RAW_HIDDEN.search(page)
    assert "<img" not in page.lower() and "<script" not in page.lower()
