"""The Excel workbook, read back with openpyxl as Excel would: sheets, human headings mapped
to fields, act-now first, types, formatting, print setup, marking, formula safety, the row
limit and byte-identical output."""

from __future__ import annotations

import csv
import io
import re
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
from socprio import Assessment, Flag
from socprio.config.models import LoadedConfig
from socprio.history.previous import read_ranking
from socprio.pipeline.frame import rounded_frame
from socprio.present import xlsx as xlsx_module
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
from socprio.present.xlsxlayout import MEETING_COLUMNS, WRAPPED

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


def fields(ws: Any) -> list[str]:
    """The field (CSV column) under each heading of a sheet, from the Method sheet's map."""
    method = ws.parent["Method"]
    mapping = {(r[0], r[1]): r[2] for r in method.iter_rows(min_row=3, values_only=True) if r[2]}
    return [mapping[(ws.title, c.value)] for c in ws[2]]


header = fields


def column(ws: Any, name: str) -> list[Any]:
    """The cells of a named field's column, below the heading row."""
    idx = fields(ws).index(name) + 1
    return [ws.cell(row=r, column=idx) for r in range(3, ws.max_row + 1)]


def in_sheet_order(a: Assessment | pd.DataFrame, name: str) -> list[Any]:
    """A table column in the Ranking sheet's row order: the tasking order."""
    frame = a if isinstance(a, pd.DataFrame) else a.table
    return frame.sort_values("tasking_order", kind="stable")[name].tolist()


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
        assert ws.print_title_rows == "$1:$2"  # banner and headings on every page
        fits = ws.title != "Breakdown"  # 39 columns print across pages, not one tiny page
        assert (
            bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
            == fits
        )
        if fits:
            assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert book["Breakdown"].print_title_cols == "$A:$C"  # rank, group, codename repeated
    assert book.properties.category == marking


def test_the_ranking_prints_its_meeting_columns_one_page_wide_with_readable_headings(
    book: Any, assessed: Assessment
) -> None:
    ws = book["Ranking"]
    names = fields(ws)
    printed = [n for n in names if n in MEETING_COLUMNS]
    assert names[: len(printed)] == printed  # the meeting's columns lead
    last = get_column_letter(len(printed))
    assert ws.print_area == f"'Ranking'!$A$1:${last}${len(assessed.table) + 2}"
    widths = sum(width(ws, i) for i in range(1, len(printed) + 1))
    assert widths <= 150  # fits A4 landscape at about 100%: readable, not shrunk
    headings = [c.value for c in ws[2]]
    assert headings[:10] == [
        "Rank", "Tasking order", "Band", "Score", "Group", "Codename", "Lead force",
        "Principal crime", "Lead officer (LRO)", "Flags",
    ]  # fmt: skip
    assert all(c.alignment.wrap_text and c.font.b for c in ws[2])
    assert ws.row_dimensions[2].height and ws.row_dimensions[2].height >= 24  # two lines
    for name in WRAPPED:
        if name in names:
            cells = [c for c in column(ws, name)[:40] if c.value]
            assert cells and all(c.alignment.wrap_text for c in cells), name


def test_header_row_frozen_and_autofilter_over_the_table(
    book: Any, assessed: Assessment, loaded: LoadedConfig
) -> None:
    n = len(assessed.table)
    for name, columns in (
        ("Ranking", ranking_columns(assessed.table, loaded.config)),
        ("Breakdown", breakdown_columns(assessed.table, loaded.config)),
    ):
        ws = book[name]
        frozen = "G3" if name == "Ranking" else "D3"  # headings and the identity columns
        assert ws.freeze_panes == frozen
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
        assert [c.value for c in cells] == pytest.approx(in_sheet_order(out, name))
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
    assert [c.value for c in codenames] == [
        escape_cell(v) for v in in_sheet_order(assessed, "codename")
    ]
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
    names = fields(ws)
    for name in ("group_id", "codename", "overrides", "secondary_crimes", "flags", "notes"):
        got = width(ws, names.index(name) + 1)
        longest = max(len(str(c.value or "")) for c in column(ws, name))
        cap = WRAPPED.get(name, MAX_WIDTH)
        assert min(longest + 2, cap) <= got <= max(cap, 12) + 1, name  # wrapped ones wrap
        if name not in WRAPPED:
            assert got >= longest + 2 or got >= MAX_WIDTH


def test_summary_matches_the_summary_counts(book: Any, assessed: Assessment) -> None:
    expected = assessed.summary()
    ws = book["Summary"]
    assert [c.value for c in ws[2]][:3] == ["Category", "Value", "Groups"]
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
    row_of = {c.value: c.row for c in column(ws, "group_id")}
    change = ws.cell(row=row_of[ids[0]], column=header(ws).index("rank_change") + 1)
    assert change.value == 3 and change.number_format == "+0;-0;0"
    new = header(ws).index("previous_rank")
    assert ws.cell(row=row_of[ids[5]], column=new + 1).value is None  # NEW: blank, not 0
    assert {c.number_format for c in column(ws, "p_top_k")} == {"0.0%"}  # never a false 100%
    at = header(ws).index("flags") + 1
    assert header(ws)[at : at + 4] == ["movement", "previous_rank", "rank_change", "previous_band"]
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


NOW = list(Flag).index(Flag.ACTION_NOW)


@pytest.fixture(scope="module")
def urgent(loaded: LoadedConfig) -> Assessment:
    """Several act-now groups, none of them first on score."""
    found = assess_file(sample_csv(loaded.config, groups=400, seed=12), loaded)
    assert found.flags[:, NOW].sum() >= 2 and not found.flags[0, NOW]
    return found


def test_act_now_groups_head_the_ranking_sheet_in_red_with_their_rank(
    urgent: Assessment,
) -> None:
    book = load_workbook(io.BytesIO(workbook_bytes(urgent)))
    ws = book["Ranking"]
    act = urgent.table[urgent.flags[:, NOW]]
    k = len(act)
    assert f"Act now first: {k} groups" in str(ws["A1"].value)
    ids = [c.value for c in column(ws, "group_id")]
    assert ids[:k] == act["group_id"].tolist()  # first, in rank order, ranks kept
    assert [c.value for c in column(ws, "rank")][:k] == act["rank"].tolist()
    assert [c.value for c in column(ws, "tasking_order")] == list(range(1, len(ids) + 1))
    rest = urgent.table[~urgent.flags[:, NOW]]
    assert ids[k:] == rest["group_id"].tolist()  # then the harm order, each group once
    flags = column(ws, "flags")
    assert all("ACTION_NOW" in c.value and c.fill.fgColor.rgb == "FFC00000" for c in flags[:k])
    assert all(c.value is None or "ACTION_NOW" not in c.value for c in flags[k:])
    assert all(c.font.b for c in flags[:k])
    breakdown = [c.value for c in column(book["Breakdown"], "group_id")]
    assert breakdown == urgent.table["group_id"].tolist()  # Breakdown stays in rank order


def test_every_heading_is_human_and_maps_to_one_field(book: Any, assessed: Assessment) -> None:
    for name in ("Ranking", "Breakdown"):
        ws = book[name]
        headings = [c.value for c in ws[2]]
        assert len(set(headings)) == len(headings)
        assert not any("_" in h for h in headings), name  # no snake_case field names
        assert set(fields(ws)) <= {*map(str, assessed.table.columns)}
    assert "Violence points" in [c.value for c in book["Breakdown"][2]]


def test_prepared_rows_give_the_same_workbook_as_the_cell_api(
    assessed: Assessment, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "FAST", False)
    slow = load_workbook(io.BytesIO(workbook_bytes(assessed)))
    fast = load_workbook(io.BytesIO(data))
    for name in SHEETS:
        a, b = fast[name], slow[name]
        assert a.dimensions == b.dimensions, name
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
            for x, y in zip(row_a, row_b, strict=True):
                assert (x.value, x.data_type, x.number_format) == (
                    y.value,
                    y.data_type,
                    y.number_format,
                )
                assert (x.fill.fgColor.rgb, x.font.b, x.alignment.wrap_text) == (
                    y.fill.fgColor.rgb, y.font.b, y.alignment.wrap_text,
                )  # fmt: skip


def test_constant_memory_mode_leaves_no_temporary_files(
    assessed: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = workbook_bytes(assessed)
    assert list(tmp_path.iterdir()) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "xl/sharedStrings.xml" not in z.namelist()  # inline strings: constant memory


def test_more_rows_than_excel_holds_are_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from socprio.cli.app import app
    from socprio.errors import ExitCode, OutputError

    xlsx_module.check_rows(1_048_576 - 2)  # the sheet's last row: fits
    with pytest.raises(OutputError, match="1,048,576"):
        xlsx_module.check_rows(1_048_576 - 1)
    monkeypatch.setattr(xlsx_module, "EXCEL_ROWS", 100)  # the sample's 170 groups: too many
    target = tmp_path / "tasking.xlsx"
    args = ["rank", str(SAMPLE), "--as-of", AS_OF.isoformat(), "-o", str(target), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == ExitCode.CANT_CREATE == 73
    assert "Excel holds at most 100" in result.stderr and "-f csv" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".socprio.lock"]  # nothing written


def test_the_workbook_renders_to_a_landscape_pdf(data: bytes, tmp_path: Path) -> None:
    import shutil
    import subprocess

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed: the workbook's PDF render is unchecked"
        )
    source = tmp_path / "tasking.xlsx"
    source.write_bytes(data)
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "tasking.pdf").read_bytes()
    boxes = set(re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf))
    assert boxes and all(float(b.split()[2]) > float(b.split()[3]) for b in boxes)  # landscape
