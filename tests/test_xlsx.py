"""The Excel workbook, read back with openpyxl as Excel would: sheets, types, formatting,
marking, formula safety and byte-identical output."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]  # openpyxl ships no hints
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from conftest import assess_file, sample_csv
from socprio import Assessment
from socprio.config.models import LoadedConfig
from socprio.history.previous import read_ranking
from socprio.pipeline.frame import rounded_frame
from socprio.present.csvout import to_csv
from socprio.present.escape import TRIGGERS, escape_cell
from socprio.present.export import export_bytes
from socprio.present.formats import OutputFormat
from socprio.present.xlsx import (
    MAX_WIDTH,
    SHEETS,
    breakdown_columns,
    ranking_columns,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
AS_OF = date(2026, 11, 23)
NASTY = ['=HYPERLINK("x","y")', "+44 20", "@SUM(A1)", "-1", "'=x", "a&b <c>"]


def nasty_copy(tmp: Path) -> Path:
    """The sample with the first codenames replaced by formula triggers."""
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    col = rows[0].index("codename")
    for row, name in zip(rows[1:], NASTY, strict=False):
        row[col] = name
    path = tmp / "nasty.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nasty_copy(tmp_path_factory.mktemp("xlsx"))


@pytest.fixture(scope="module")
def assessed(nasty: Path, loaded: LoadedConfig) -> Assessment:
    return assess_file(nasty, loaded)


@pytest.fixture(scope="module")
def data(assessed: Assessment) -> bytes:
    return workbook_bytes(assessed)


@pytest.fixture(scope="module")
def book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def header(ws: Any) -> list[str]:
    return [c.value for c in ws[2]]


def column(ws: Any, name: str) -> list[Any]:
    """The cells of a named column, below the header row."""
    idx = header(ws).index(name) + 1
    return [ws.cell(row=r, column=idx) for r in range(3, ws.max_row + 1)]


def test_four_sheets_each_marked_on_screen_and_in_print(book: Any, loaded: LoadedConfig) -> None:
    marking = loaded.config.marking
    assert book.sheetnames == list(SHEETS)
    for ws in book:
        assert str(ws["A1"].value).startswith(marking)
        assert ws.oddHeader.center.text == marking
        assert ws.oddFooter.center.text == marking
        assert "Page &P of &N" in ws.oddFooter.right.text
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$2"
    assert book.properties.category == marking


def test_header_row_frozen_and_autofilter_over_the_table(
    book: Any, assessed: Assessment, loaded: LoadedConfig
) -> None:
    n = len(assessed.table)
    for name, columns in (
        ("Ranking", ranking_columns(assessed.table, loaded.config)),
        ("Breakdown", breakdown_columns(assessed.table, loaded.config)),
    ):
        ws = book[name]
        assert ws.freeze_panes == "D3"  # header row and rank, group_id, codename
        assert header(ws) == columns
        assert ws.auto_filter.ref == f"A2:{get_column_letter(len(columns))}{n + 2}"
    assert book["Summary"].freeze_panes == "A3"
    assert book["Method"].freeze_panes == "A3"
    assert book["Summary"].auto_filter.ref


def test_ranking_has_no_per_factor_columns_and_breakdown_sums_to_the_score(
    book: Any, loaded: LoadedConfig
) -> None:
    cfg = loaded.config
    ranking = header(book["Ranking"])
    assert not any(c.endswith(("_raw", "_value")) for c in ranking)
    assert [f"{g}_points" for g in cfg.groups] == [c for c in ranking if c.endswith("_points")]
    ws = book["Breakdown"]
    row = {h: c.value for h, c in zip(header(ws), ws[3], strict=True)}
    factors = sum(row[f"{f}_points"] for f in cfg.weighted_factors)
    assert factors == pytest.approx(row["score"], abs=0.1)
    assert sum(row[f"{g}_points"] for g in cfg.groups) == pytest.approx(row["score"], abs=0.1)


def test_numbers_are_numbers_with_number_formats(book: Any, assessed: Assessment) -> None:
    out = rounded_frame(assessed.table)
    ws = book["Ranking"]
    formats = {"rank": "0", "score": "0.0", "score_max": "0.0", "coverage": "0%"}
    formats |= {"harm_points": "0.00"}
    for name, fmt in formats.items():
        cells = column(ws, name)
        assert all(c.data_type == "n" for c in cells), name
        assert {c.number_format for c in cells} == {fmt}
        assert [c.value for c in cells] == pytest.approx(out[name].tolist())
    for name in ("group_id", "band", "flags", "lead_force"):
        assert {c.data_type for c in column(ws, name)} <= {"s", "n"}  # "n" only for empty
        assert all(isinstance(c.value, str) or c.value is None for c in column(ws, name))
    breakdown = book["Breakdown"]
    assert {c.data_type for c in column(breakdown, "violence_points")} == {"n"}
    assert {c.data_type for c in column(breakdown, "violence_raw")} == {"s"}  # "U" stays text


def test_text_is_formula_safe_and_nothing_is_a_formula(
    book: Any, data: bytes, assessed: Assessment
) -> None:
    codenames = column(book["Ranking"], "codename")
    assert [c.value for c in codenames] == [escape_cell(v) for v in assessed.table["codename"]]
    shown = {c.value for c in codenames}
    assert {'\'=HYPERLINK("x","y")', "'+44 20", "'@SUM(A1)", "'-1", "''=x", "a&b <c>"} <= shown
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in TRIGGERS, (ws.title, cell.coordinate)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
        assert not any("hyperlink" in n.lower() for n in z.namelist())


def test_band_cells_are_filled_by_band_number(book: Any) -> None:
    fills: dict[str, set[str]] = {}
    for cell in column(book["Ranking"], "band"):
        fills.setdefault(str(cell.value)[0], set()).add(cell.fill.fgColor.rgb)
    assert set(fills) == {"1", "2", "3"}
    assert all(len(colours) == 1 for colours in fills.values())  # one colour per band
    assert len(set.union(*fills.values())) == 3  # and different between bands
    assert column(book["Ranking"], "score")[0].fill.fgColor.rgb != next(iter(fills["1"]))


def width(ws: Any, index: int) -> float:
    """The width of the 1-based column ``index`` (openpyxl groups equal neighbours)."""
    for dim in ws.column_dimensions.values():
        if dim.min <= index <= dim.max:
            return float(dim.width)
    raise AssertionError(f"no width for column {index}")


def test_column_widths_fit_their_content_and_are_capped(book: Any) -> None:
    ws = book["Ranking"]
    names = header(ws)
    for name in ("group_id", "codename", "overrides", "secondary_crimes"):
        got = width(ws, names.index(name) + 1)
        longest = max(len(str(c.value or "")) for c in [ws.cell(2, names.index(name) + 1)])
        longest = max([longest, *(len(str(c.value or "")) for c in column(ws, name))])
        assert min(longest + 2, MAX_WIDTH) <= got <= MAX_WIDTH + 1, name


def test_summary_matches_the_summary_counts(book: Any, assessed: Assessment) -> None:
    expected = assessed.summary()
    ws = book["Summary"]
    assert header(ws)[:3] == ["category", "value", "groups"]
    got: dict[str, dict[str, int]] = {}
    for row in ws.iter_rows(min_row=3, values_only=True):
        got.setdefault(row[0], {})[row[1]] = row[2]
        bands = [v for v in row[3:] if v is not None]
        assert sum(bands) == row[2]  # the band columns split the count
    assert got == expected


def test_method_sheet_has_provenance_weights_bands_and_rules(
    book: Any, loaded: LoadedConfig
) -> None:
    values = [c for row in book["Method"].iter_rows(values_only=True) for c in row if c]
    cfg = loaded.config
    assert loaded.sha256 in values
    assert cfg.version in values and "as_of" in values and AS_OF.isoformat() in values
    assert all(rule.id in values for rule in cfg.overrides)
    assert all(label in values for label, _ in cfg.band_labels)
    shares = [v for v in values if isinstance(v, float) and 0 < v < 1]
    for share in cfg.effective_weights.values():
        assert any(v == pytest.approx(share) for v in shares)


def test_same_input_gives_identical_bytes_dated_as_of(
    data: bytes, book: Any, nasty: Path, loaded: LoadedConfig
) -> None:
    again = assess_file(nasty, loaded)
    assert workbook_bytes(again) == data
    assert export_bytes(OutputFormat.XLSX, again) == data  # the exporter contract
    assert book.properties.created == datetime(2026, 11, 23)


def test_movement_and_stability_columns_are_optional_extras(
    assessed: Assessment, nasty: Path, loaded: LoadedConfig
) -> None:
    prev = read_ranking(to_csv(assessed).encode(), source="prev.csv", as_of=date(2026, 11, 16))
    ids = assessed.table["group_id"].tolist()
    before = prev.frame.drop(index=ids[5])
    before.loc[ids[0], "rank"], before.loc[ids[3], "rank"] = 4, 1
    moved = assess_file(nasty, loaded, previous=replace(prev, frame=before), draws=100, seed=3)
    assert moved.movement is not None
    book = load_workbook(io.BytesIO(workbook_bytes(moved)))
    ws = book["Ranking"]
    for name in ("movement", "previous_rank", "rank_change", "rank_p5", "p_top_k"):
        assert name in header(ws)
    change = column(ws, "rank_change")
    assert change[0].value == 3 and change[0].number_format == "+0;-0;0"
    new = header(ws).index("previous_rank")
    assert ws.cell(row=3 + 5, column=new + 1).value is None  # a NEW group: blank, not 0
    assert {c.number_format for c in column(ws, "p_top_k")} == {"0.0%"}  # never a false 100%
    movement_rows = [r for r in book["Summary"].iter_rows(values_only=True) if r[0] == "movement"]
    assert {r[1]: r[2] for r in movement_rows} == moved.movement.counts()
    plain = header(load_workbook(io.BytesIO(workbook_bytes(assessed)))["Ranking"])
    assert not {"movement", "previous_rank", "rank_p5", "p_top_k"} & set(plain)


def test_the_configured_marking_is_used(nasty: Path, loaded: LoadedConfig) -> None:
    marking = "OFFICIAL-SENSITIVE [TEST] & PERSONAL"
    cfg = loaded.config.model_copy(update={"marking": marking})
    book = load_workbook(
        io.BytesIO(workbook_bytes(assess_file(nasty, replace(loaded, config=cfg))))
    )
    for ws in book:
        assert str(ws["A1"].value).startswith(marking)
        assert ws.oddHeader.center.text == marking.replace("&", "&&")  # Excel's escape
        assert ws.oddFooter.center.text == marking.replace("&", "&&")


def test_an_empty_ranking_still_gives_a_marked_workbook(loaded: LoadedConfig) -> None:
    data = sample_csv(loaded.config, groups=0, seed=3, dormant=2, archived=1)
    empty = assess_file(data, loaded)
    assert empty.table.empty
    book = load_workbook(io.BytesIO(workbook_bytes(empty)))
    assert book.sheetnames == list(SHEETS)
    assert header(book["Ranking"]) == ranking_columns(empty.table, loaded.config)
    assert isinstance(pd.DataFrame(book["Ranking"].values), pd.DataFrame)
