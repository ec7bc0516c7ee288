"""The ranking as one Excel workbook: Ranking, Breakdown, Summary and Method sheets.

Pure: returns the workbook's bytes; the shell writes them. XlsxWriter is told never to turn a
string into a formula, link or number, and every text cell and header is formula-escaped as
well, so a user who re-saves the file in Excel does not get formulas either. Numbers are
written as numbers with number formats, rounded exactly as in the CSV export. The protective
marking is in every sheet's first row and in its printed header and footer. The same input gives
the same bytes: the workbook's created date is the as-of date.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from socprio.pipeline.frame import rounded_frame
from socprio.present.escape import escape_cell
from socprio.present.method import Cell, method_sections

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import Config
    from socprio.pipeline.result import Assessment, Provenance


OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
SHEETS = ("Ranking", "Breakdown", "Summary", "Method")
HEADER_ROW = 1  # row 0 is the marking banner; the table header is row 1
MIN_WIDTH = 4
MAX_WIDTH = 40
BAND_FILLS = {1: "#F4C7C3", 2: "#FCE8B2", 3: "#D9EAD3"}
OTHER_BAND_FILL = "#E7E6E6"
HEADER_FILL = "#D9D9D9"
BANNER_FILL = "#1F1F1F"
BAND_COLUMNS = ("band", "score_band", "previous_band")
SCORE_COLUMNS = ("score", "score_min", "score_max")
SHARE_COLUMNS = ("coverage",)
PROBABILITY_COLUMNS = ("p_top_k", "p_same_band")  # 0.996 must not show as a certain 100%
SIGNED_COLUMNS = ("rank_change",)
_BAND_NUMBER = re.compile(r"^(\d+)")
_EXCEL_LIMIT = 255  # characters in a header or footer string


def band_number(label: str) -> int | None:
    """The band number of a label such as ``1C`` (None when it has none)."""
    found = _BAND_NUMBER.match(label)
    return int(found.group(1)) if found else None


def band_fill(label: str) -> str:
    """The fill colour of a band label, by its band number."""
    number = band_number(label)
    return BAND_FILLS.get(number, OTHER_BAND_FILL) if number is not None else OTHER_BAND_FILL


def number_format(column: str, integer: bool) -> str:
    """The Excel number format of a numeric column."""
    if column in SCORE_COLUMNS:
        return "0.0"
    if column in SHARE_COLUMNS:
        return "0%"
    if column in PROBABILITY_COLUMNS:
        return "0.0%"
    if column in SIGNED_COLUMNS:
        return "+0;-0;0"
    return "0" if integer else "0.00"


def header_text(*, left: str = "", centre: str = "", right: str = "") -> str:
    """An Excel header/footer string; ``&`` in the text is doubled, the sides are cut to fit."""

    def esc(text: str) -> str:
        return text.replace("&", "&&")

    centre_part = f'&C&"-,Bold"{esc(centre)}' if centre else ""
    room = max(0, _EXCEL_LIMIT - len(centre_part) - 6) // 2
    left_part = f"&L{esc(left[:room])}" if left else ""
    right_part = f"&R{right[:room]}" if right else ""  # right holds &P codes: not escaped
    return left_part + centre_part + right_part


class _Styles:
    """XlsxWriter formats, created once per distinct set of properties."""

    def __init__(self, workbook: Any) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[tuple[str, Any], ...], Any] = {}

    def get(self, **props: Any) -> Any:
        """The format with these properties (font size 10 unless given)."""
        props = {"font_size": 10, **props}
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]


class _Sheet:
    """A worksheet that formula-escapes text and tracks column widths from content."""

    def __init__(self, workbook: Any, styles: _Styles, name: str, prov: Provenance) -> None:
        self.ws = workbook.add_worksheet(name)
        self.styles = styles
        self.widths: dict[int, int] = {}
        marking = prov.config.config.marking
        title = f"{marking} | socprio {name.lower()} | as of {prov.as_of.isoformat()}"
        banner = styles.get(bold=True, font_color="#FFFFFF", bg_color=BANNER_FILL)
        self.ws.write_string(0, 0, escape_cell(title), banner)
        self.ws.set_row(0, None, banner)
        self.ws.set_header(header_text(centre=marking), {"margin": 0.2})
        footer = header_text(
            left=f"as of {prov.as_of.isoformat()} | config sha256 {prov.config.short_sha}",
            centre=marking,
            right="Page &P of &N",
        )
        self.ws.set_footer(footer, {"margin": 0.2})
        self.ws.set_paper(9)  # A4
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)  # fit to the page width, as many pages down as needed
        self.ws.repeat_rows(0, HEADER_ROW)
        self.ws.hide_gridlines(0)

    def fit(self, col: int, width: int) -> None:
        """Widen column ``col`` to ``width`` characters (at most MAX_WIDTH)."""
        self.widths[col] = max(self.widths.get(col, MIN_WIDTH), min(width, MAX_WIDTH))

    def text(self, row: int, col: int, value: str, fmt: Any = None) -> None:
        """A text cell, formula-escaped."""
        safe = escape_cell(value)
        self.ws.write_string(row, col, safe, fmt or self.styles.get())
        self.fit(col, len(safe) + 2)

    def number(self, row: int, col: int, value: float, num_format: str, **props: Any) -> None:
        """A numeric cell with a number format."""
        self.ws.write_number(row, col, value, self.styles.get(num_format=num_format, **props))
        self.fit(col, _numbers_width([value], num_format) + 2)

    def cell(self, row: int, col: int, value: Cell, num_format: str = "0.00") -> None:
        """Text, a number, or a blank for None."""
        if value is None:
            self.ws.write_blank(row, col, None, self.styles.get())
        elif isinstance(value, str):
            self.text(row, col, value)
        else:
            self.number(row, col, float(value), num_format)

    def header(self, row: int, names: Sequence[str], col: int = 0) -> None:
        """A bold table header row."""
        fmt = self.styles.get(bold=True, bg_color=HEADER_FILL, bottom=1)
        for offset, name in enumerate(names):
            self.text(row, col + offset, name, fmt)

    def title(self, row: int, text: str) -> None:
        """A bold section title."""
        self.ws.write_string(row, 0, escape_cell(text), self.styles.get(bold=True, font_size=11))

    def finish(self, *, freeze_cols: int = 0) -> None:
        """Set the column widths and freeze the header row (and ``freeze_cols`` columns)."""
        for col, width in sorted(self.widths.items()):
            self.ws.set_column(col, col, width)
        self.ws.freeze_panes(HEADER_ROW + 1, freeze_cols)


def _numbers_width(values: list[float], num_format: str) -> int:
    """The widest number of a column as shown (its largest magnitude, with sign)."""
    finite = [v for v in values if v == v]
    if not finite:
        return MIN_WIDTH
    widest = max(max(finite), -min(finite), key=abs)
    digits = 0 if num_format in ("0", "+0;-0;0") else 2
    return len(f"{-abs(widest):.{digits}f}")


def _write_numbers(sheet: _Sheet, col: int, name: str, series: pd.Series) -> None:
    """A numeric column: one format for the column, NaN or NA as a blank cell."""
    fmt = number_format(name, integer=series.dtype.kind in "iu")
    style, blank = sheet.styles.get(num_format=fmt), sheet.styles.get()
    values = series.to_numpy(dtype=float, na_value=float("nan")).tolist()
    first = HEADER_ROW + 1
    for offset, value in enumerate(values):
        if value == value:  # not NaN
            sheet.ws.write_number(first + offset, col, value, style)
        else:
            sheet.ws.write_blank(first + offset, col, None, blank)
    sheet.fit(col, _numbers_width(values, fmt) + 2)


def _write_texts(sheet: _Sheet, col: int, name: str, series: pd.Series) -> None:
    """A text column: each distinct value escaped once; band labels filled by band number."""
    import pandas as pd

    codes, distinct = pd.factorize(series, use_na_sentinel=False)
    texts = [None if pd.isna(v) else escape_cell(str(v)) for v in distinct]
    plain = sheet.styles.get()
    styles = [
        sheet.styles.get(bg_color=band_fill(t)) if name in BAND_COLUMNS and t else plain
        for t in texts
    ]
    first = HEADER_ROW + 1
    for offset, code in enumerate(codes.tolist()):
        text = texts[code]
        if text is None:
            sheet.ws.write_blank(first + offset, col, None, plain)
        else:
            sheet.ws.write_string(first + offset, col, text, styles[code])
    sheet.fit(col, max((len(t) for t in texts if t), default=0) + 2)


def _write_frame(sheet: _Sheet, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """The header at HEADER_ROW, one row per group below, an autofilter over them."""
    sheet.header(HEADER_ROW, columns)
    for col, name in enumerate(columns):
        series = frame[name]
        if series.dtype.kind in "iuf":
            _write_numbers(sheet, col, name, series)
        else:
            _write_texts(sheet, col, name, series)
    sheet.ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(frame), max(len(columns) - 1, 0))


def ranking_columns(frame: pd.DataFrame, cfg: Config) -> list[str]:
    """Everything but the per-factor raw values, values and points (those are on Breakdown)."""
    per_factor = {f"{name}_{part}" for name in cfg.factors for part in ("raw", "value", "points")}
    return [str(c) for c in frame.columns if c not in per_factor]


def breakdown_columns(frame: pd.DataFrame, cfg: Config) -> list[str]:
    """Identity, then each group's points followed by its factors' points, then raw values."""
    columns = ["rank", "group_id", "codename", "band", "score", "coverage"]
    for group, grp in cfg.groups.items():
        columns.append(f"{group}_points")
        columns += [f"{name}_points" for name in grp.factors]
    columns += [f"{name}_raw" for name in cfg.factors]
    return [c for c in columns if c in frame.columns]


def _counts_by_band(values: Iterable[tuple[str, str]]) -> dict[str, dict[int, int]]:
    """Per category value, the number of groups in each band number."""
    out: dict[str, dict[int, int]] = {}
    for value, band in values:
        number = band_number(band)
        if number is not None:
            per = out.setdefault(value, {})
            per[number] = per.get(number, 0) + 1
    return out


def summary_rows(
    frame: pd.DataFrame,
    summary: Mapping[str, Mapping[str, int]],
    movement_counts: Mapping[str, int] | None,
) -> tuple[list[int], list[list[Cell]]]:
    """The Summary table: category, value, groups, then groups per band number."""
    bands = [str(b) for b in frame["band"]]
    numbers = sorted({n for n in map(band_number, bands) if n is not None})
    splits: dict[str, dict[str, dict[int, int]]] = {}
    for column in ("band", "lead_force", "principal_crime", "movement"):
        if column in frame.columns:
            splits[column] = _counts_by_band(zip(map(str, frame[column]), bands, strict=True))
    if "opportunity_4p" in frame.columns:
        pairs = [
            (strand, band)
            for cell, band in zip(map(str, frame["opportunity_4p"]), bands, strict=True)
            for strand in cell.split(";")
            if strand
        ]
        splits["opportunity_4p"] = _counts_by_band(pairs)
    sections: dict[str, Mapping[str, int]] = dict(summary)
    if movement_counts is not None:
        sections["movement"] = movement_counts
    rows: list[list[Cell]] = []
    for category, counts in sections.items():
        split = splits.get(category, {})
        for value, count in counts.items():
            per = split.get(value)
            by_band: list[Cell] = [per.get(n, 0) if per else None for n in numbers]
            rows.append([category, value, count, *by_band])
    return numbers, rows


def _summary_sheet(
    sheet: _Sheet,
    frame: pd.DataFrame,
    summary: Mapping[str, Mapping[str, int]],
    movement_counts: Mapping[str, int] | None,
) -> None:
    numbers, rows = summary_rows(frame, summary, movement_counts)
    sheet.header(HEADER_ROW, ["category", "value", "groups", *[f"band {n}" for n in numbers]])
    for offset, values in enumerate(rows):
        for col, value in enumerate(values):
            sheet.cell(HEADER_ROW + 1 + offset, col, value, "0")
    sheet.ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(rows), 2 + len(numbers))


METHOD_FORMATS = {"effective_weight": "0.0%", "min_score": "0.00", "group_weight": "0.00"}


def _method_sheet(sheet: _Sheet, prov: Provenance, cfg: Config) -> None:
    row = HEADER_ROW
    for title, header, rows in method_sections(prov, cfg):
        if row > HEADER_ROW:
            row += 1
            sheet.title(row, title)
            row += 1
        sheet.header(row, header)
        for values in rows:
            row += 1
            for col, value in enumerate(values):
                fmt = METHOD_FORMATS.get(header[col], "0" if isinstance(value, int) else "0.0###")
                sheet.cell(row, col, value, fmt)
        row += 1


def workbook_bytes(a: Assessment) -> bytes:
    """The .xlsx bytes of an assessment: identical for the same input, config and as-of."""
    import xlsxwriter  # type: ignore[import-untyped]  # XlsxWriter ships no py.typed marker

    prov, cfg, summary = a.provenance, a.config, a.summary()
    movement_counts = a.movement.counts() if a.movement is not None else None
    out = rounded_frame(a.table)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    created = datetime.combine(prov.as_of, time())
    workbook.set_properties(
        {
            "title": f"socprio ranking as of {prov.as_of.isoformat()}",
            "subject": cfg.marking,
            "keywords": cfg.marking,
            "category": cfg.marking,
            "comments": f"config sha256 {prov.config.sha256}; input sha256 {prov.input_sha256}",
            "author": "socprio",
            "company": "",
            "created": created,
        }
    )
    workbook.set_custom_property("Classification", cfg.marking)
    styles = _Styles(workbook)
    ranking, breakdown, summ, method = (_Sheet(workbook, styles, n, prov) for n in SHEETS)
    _write_frame(ranking, out, ranking_columns(out, cfg))
    ranking.finish(freeze_cols=3)
    _write_frame(breakdown, out, breakdown_columns(out, cfg))
    breakdown.finish(freeze_cols=3)
    _summary_sheet(summ, out, summary, movement_counts)
    summ.finish()
    _method_sheet(method, prov, cfg)
    method.finish()
    workbook.close()
    return buffer.getvalue()
