"""The ranking as one Excel workbook: Ranking, Breakdown, Summary and Method sheets.

Returns the workbook's bytes; the shell writes them. XlsxWriter runs in constant-memory mode
(each row is written once, in order, and flushed: memory stays flat at any size), through
temporary files in a private 0700 directory that is removed before this returns. It is told
never to turn a string into a formula, link or number, and every text cell and heading is
formula-escaped as well, so a user who re-saves the file in Excel does not get formulas
either. Numbers are written as numbers with number formats, rounded exactly as in the CSV.

The Ranking sheet reads as the meeting does: act-now groups first (their flags in red), then
the harm order; the meeting's columns first, under human headings (the Method sheet maps each
heading to its CSV field). Printed, it is A4 landscape, one page wide with its meeting
columns and the heading rows repeated; Breakdown prints across pages with the identity
columns repeated. The marking is in every sheet's first row and printed header and footer.
The same input gives the same bytes: the workbook's created date is the as-of date.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

import numpy as np

from socprio.core.flags import Flag
from socprio.errors import OutputError
from socprio.pipeline.frame import rounded_frame
from socprio.present.escape import escape_cell
from socprio.present.method import Cell, method_sections
from socprio.present.xlsxlayout import (
    BAND_COLUMNS,
    EXCEL_ROWS,
    HEADER_ROW,
    LISTS,
    MAX_WIDTH,
    MIN_WIDTH,
    WRAPPED,
    band_fill,
    band_number,
    breakdown_columns,
    heading,
    heading_width,
    number_format,
    printed_columns,
    ranking_columns,
    text_width,
)
from socprio.present.xlsxrows import Cells
from socprio.present.xlsxsheet import Sheet, Styles, numbers_width, summary_rows

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import Config
    from socprio.pipeline.result import Assessment, Provenance

__all__ = [
    "MAX_WIDTH",
    "SHEETS",
    "band_fill",
    "band_number",
    "breakdown_columns",
    "ranking_columns",
    "workbook_bytes",
]

OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
SHEETS = ("Ranking", "Breakdown", "Summary", "Method")
NOW_STYLE = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#C00000", "text_wrap": True}
FIRST = HEADER_ROW + 1  # the first data row
FAST = True  # write prepared rows (present/xlsxrows.py) where this XlsxWriter allows it


def check_rows(groups: int) -> None:
    """OutputError (exit 73) when the Ranking sheet would hold more rows than Excel allows:
    raised before anything is written."""
    needed = FIRST + groups
    if needed > EXCEL_ROWS:
        raise OutputError(
            f"a workbook sheet would need {needed:,} rows, and Excel holds at most "
            f"{EXCEL_ROWS:,} (headings included): write -f csv instead, or rank fewer "
            "groups with --top, --force, --crime or --strand"
        )


def _text_cells(sheet: Sheet, name: str, series: pd.Series, order: np.ndarray) -> Cells:
    """A text column in ``order``: each distinct value escaped and styled once."""
    import pandas as pd

    codes, distinct = pd.factorize(series.to_numpy()[order], use_na_sentinel=False)
    texts: list[str | None] = []
    for value in distinct:
        text = None if pd.isna(value) else str(value)
        if text is not None and name in LISTS:
            text = ", ".join(part for part in text.split(";") if part)
        texts.append(escape_cell(text) if text else None)
    wrap = {"text_wrap": True, "valign": "top"} if name in WRAPPED else {"valign": "top"}
    plain = sheet.styles.get(**wrap)
    styles = [plain] * len(texts)
    if name == "flags":
        now = sheet.styles.get(**NOW_STYLE)
        styles = [now if t and "ACTION_NOW" in t else plain for t in texts]
    elif name in BAND_COLUMNS:
        styles = [sheet.styles.get(bg_color=band_fill(t), **wrap) if t else plain for t in texts]
    return texts, styles, codes, False


def _number_cells(sheet: Sheet, name: str, series: pd.Series, order: np.ndarray) -> Cells:
    """A numeric column in ``order``, each distinct number once; NaN or NA as no cell."""
    import pandas as pd

    fmt = number_format(name, integer=series.dtype.kind in "iu")
    values = series.to_numpy(dtype=float, na_value=float("nan"))[order]
    codes, distinct = pd.factorize(values, use_na_sentinel=True)  # NaN -> -1
    numbers: list[float | None] = [*distinct.tolist(), None]  # code -1: the last, None
    style = sheet.styles.get(num_format=fmt, valign="top")
    return numbers, [style] * len(numbers), codes, True


def _width(cells: Cells, name: str, head: str, *, integer: bool) -> int:
    """A column's width from its distinct cells and its heading."""
    values, _, _, numeric = cells
    if numeric:
        fmt = number_format(name, integer=integer)
        shown = numbers_width([v for v in values if v is not None], fmt)
        return max(shown + 2, MIN_WIDTH, len(head) if len(head) < 10 else heading_width(head))
    longest = max((len(v) for v in values if v), default=0)
    return text_width(name, longest, head)


def write_table(
    sheet: Sheet, frame: pd.DataFrame, names: Sequence[str], cfg: Config, order: np.ndarray
) -> None:
    """Headings at HEADER_ROW, then one row per group in ``order``, written row by row (as
    constant-memory mode needs), and an autofilter over them."""
    heads = [heading(n, cfg) for n in names]
    sheet.headings(HEADER_ROW, heads)
    columns = []
    for col, name in enumerate(names):
        series = frame[name]
        make = _number_cells if series.dtype.kind in "iuf" else _text_cells
        cells = make(sheet, name, series, order)
        sheet.fit(col, _width(cells, name, heads[col], integer=series.dtype.kind in "iu"))
        columns.append(cells)
    if FAST and getattr(sheet.ws, "fast", False):
        sheet.ws.write_rows(FIRST, columns)  # each distinct cell formatted once
        return _autofilter(sheet, names, len(order))
    writers = [sheet.ws.write_number if c[3] else sheet.ws.write_string for c in columns]
    for offset in range(len(order)):  # XlsxWriter's cell API, one call a cell
        for col, (values, styles, codes, _) in enumerate(columns):
            value = values[codes[offset]]
            if value is not None:
                writers[col](FIRST + offset, col, value, styles[codes[offset]])
    return _autofilter(sheet, names, len(order))


def _autofilter(sheet: Sheet, names: Sequence[str], rows: int) -> None:
    sheet.ws.autofilter(HEADER_ROW, 0, HEADER_ROW + rows, max(len(names) - 1, 0))


def _summary_sheet(sheet: Sheet, a: Assessment, out: pd.DataFrame) -> None:
    movement = a.movement.counts() if a.movement is not None else None
    numbers, rows = summary_rows(out, a.summary(), movement)
    heads = ["Category", "Value", "Groups", *[f"Band {n}" for n in numbers]]
    sheet.headings(HEADER_ROW, heads)
    for offset, values in enumerate(rows):
        for col, value in enumerate(values):
            sheet.cell(FIRST + offset, col, value, "0")
    sheet.ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(rows), 2 + len(numbers))


METHOD_FORMATS = {"effective_weight": "0.0%", "min_score": "0.00", "group_weight": "0.00"}


def _method_sheet(sheet: Sheet, prov: Provenance, cfg: Config, layout: list[list[Cell]]) -> None:
    row = HEADER_ROW
    sections = method_sections(prov, cfg)
    sections.append(
        ("Columns: each heading and its CSV field", ["sheet", "heading", "field"], layout)
    )
    for title, header, rows in sections:
        if row > HEADER_ROW:
            row += 1
            sheet.title(row, title)
            row += 1
        sheet.headings(row, header, wrap=False)
        for values in rows:
            row += 1
            for col, value in enumerate(values):
                fmt = METHOD_FORMATS.get(header[col], "0" if isinstance(value, int) else "0.0###")
                sheet.cell(row, col, value, fmt)
        row += 1
    sheet.title(row + 1, PRINT_NOTE)


PRINT_NOTE = (
    "Printed: Ranking on A4 landscape, one page wide, its meeting columns (rank to movement) "
    "with the headings repeated on every page; Breakdown across pages with the identity "
    "columns repeated. Act-now groups (ACTION_NOW, in red) head the Ranking sheet."
)


def _properties(workbook: Any, prov: Provenance, cfg: Config) -> None:
    workbook.set_properties(
        {
            "title": f"socprio ranking as of {prov.as_of.isoformat()}",
            "subject": cfg.marking,
            "keywords": cfg.marking,
            "category": cfg.marking,
            "comments": f"config sha256 {prov.config.sha256}; input sha256 {prov.input_sha256}",
            "author": "socprio",
            "company": "",
            "created": datetime.combine(prov.as_of, time()),
        }
    )
    workbook.set_custom_property("Classification", cfg.marking)


def workbook_bytes(a: Assessment) -> bytes:
    """The .xlsx bytes of an assessment: identical for the same input, config and as-of.
    OutputError (exit 73) before anything is written when Excel cannot hold the rows."""
    import xlsxwriter  # type: ignore[import-untyped]  # XlsxWriter ships no py.typed marker

    from socprio.present.xlsxrows import RowsWorksheet

    check_rows(len(a.table))
    prov, cfg = a.provenance, a.config
    out = rounded_frame(a.table)
    ranking, breakdown = ranking_columns(out, cfg), breakdown_columns(out, cfg)
    tasking = np.argsort(out["tasking_order"].to_numpy(), kind="stable")
    act = int(a.flags[:, list(Flag).index(Flag.ACTION_NOW)].sum())
    layout: list[list[Cell]] = [
        [sheet, heading(n, cfg), n]
        for sheet, cols in (("Ranking", ranking), ("Breakdown", breakdown))
        for n in cols
    ]
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="socprio-xlsx-") as tmp:
        workbook = xlsxwriter.Workbook(buffer, OPTIONS | {"tmpdir": tmp})
        workbook.worksheet_class = RowsWorksheet
        _properties(workbook, prov, cfg)
        styles = Styles(workbook)
        noun = "group" if act == 1 else "groups"
        note = f"Act now first: {act} {noun} with an active threat to life (ACTION_NOW)"
        sheet = Sheet(workbook, styles, "Ranking", prov, note=note)
        write_table(sheet, out, ranking, cfg, tasking)
        sheet.finish(freeze_cols=6, print_cols=printed_columns(ranking), rows=len(out))
        sheet = Sheet(workbook, styles, "Breakdown", prov, fit_width=False)
        write_table(sheet, out, breakdown, cfg, np.arange(len(out)))
        sheet.finish(freeze_cols=3, repeat_cols=3)
        sheet = Sheet(workbook, styles, "Summary", prov)
        _summary_sheet(sheet, a, out)
        sheet.finish()
        sheet = Sheet(workbook, styles, "Method", prov)
        _method_sheet(sheet, prov, cfg, layout)
        sheet.finish()
        workbook.close()
    return buffer.getvalue()
