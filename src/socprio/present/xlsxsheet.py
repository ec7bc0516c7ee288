"""One workbook sheet as socprio writes it: the marking banner, wrapped headings, page setup
for print, formula-escaped text, widths from content; and the Summary sheet's counts.

Cells are written row by row, each row's columns left to right, as XlsxWriter's
constant-memory mode requires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from socprio.present.escape import escape_cell
from socprio.present.method import Cell
from socprio.present.xlsxlayout import HEADER_ROW, MAX_WIDTH, MIN_WIDTH

if TYPE_CHECKING:
    from socprio.pipeline.result import Provenance

HEADER_FILL = "#D9D9D9"
BANNER_FILL = "#1F1F1F"
HEADING_HEIGHT = 27  # points: two lines of 10-point text
_EXCEL_LIMIT = 255  # characters in a header or footer string


def header_text(*, left: str = "", centre: str = "", right: str = "") -> str:
    """An Excel header/footer string; ``&`` in the text is doubled, the sides are cut to fit."""

    def esc(text: str) -> str:
        return text.replace("&", "&&")

    centre_part = f'&C&"-,Bold"{esc(centre)}' if centre else ""
    room = max(0, _EXCEL_LIMIT - len(centre_part) - 6) // 2
    left_part = f"&L{esc(left[:room])}" if left else ""
    right_part = f"&R{right[:room]}" if right else ""  # right holds &P codes: not escaped
    return left_part + centre_part + right_part


class Styles:
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


class Sheet:
    """A worksheet with the marking banner, printed header and footer and A4 landscape page
    setup (one page wide unless ``fit_width`` is off); tracks column widths."""

    def __init__(
        self,
        workbook: Any,
        styles: Styles,
        name: str,
        prov: Provenance,
        *,
        note: str = "",
        fit_width: bool = True,
    ) -> None:
        self.ws = workbook.add_worksheet(name)
        self.styles = styles
        self.widths: dict[int, int] = {}
        marking = prov.config.config.marking
        title = f"{marking} | socprio {name.lower()} | as of {prov.as_of.isoformat()}"
        banner = styles.get(bold=True, font_color="#FFFFFF", bg_color=BANNER_FILL)
        self.ws.set_row(0, None, banner)
        self.ws.write_string(0, 0, escape_cell(title + (f" | {note}" if note else "")), banner)
        self.ws.set_header(header_text(centre=marking), {"margin": 0.2})
        footer = header_text(
            left=f"as of {prov.as_of.isoformat()} | config sha256 {prov.config.short_sha}",
            centre=marking,
            right="Page &P of &N",
        )
        self.ws.set_footer(footer, {"margin": 0.2})
        self.ws.set_paper(9)  # A4
        self.ws.set_landscape()
        self.ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        if fit_width:
            self.ws.fit_to_pages(1, 0)  # one page wide, as many pages down as needed
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

    def cell(self, row: int, col: int, value: Cell, num_format: str = "0.00") -> None:
        """Text, a number, or nothing for None."""
        if isinstance(value, str):
            self.text(row, col, value)
        elif value is not None:
            fmt = self.styles.get(num_format=num_format)
            self.ws.write_number(row, col, float(value), fmt)
            self.fit(col, numbers_width([float(value)], num_format) + 2)

    def headings(self, row: int, names: Sequence[str], *, wrap: bool = True) -> None:
        """A bold heading row; wrapped headings get two lines."""
        props = {"bold": True, "bg_color": HEADER_FILL, "bottom": 1, "valign": "top"}
        fmt = self.styles.get(text_wrap=wrap, **props)
        if wrap:
            self.ws.set_row(row, HEADING_HEIGHT)
        for col, name in enumerate(names):
            self.ws.write_string(row, col, escape_cell(name), fmt)
            if not wrap:
                self.fit(col, len(name) + 2)

    def title(self, row: int, text: str) -> None:
        """A bold section title."""
        self.ws.write_string(row, 0, escape_cell(text), self.styles.get(bold=True, font_size=11))

    def finish(
        self,
        *,
        freeze_cols: int = 0,
        print_cols: int = 0,
        rows: int = 0,
        repeat_cols: int = 0,
    ) -> None:
        """Column widths, frozen headings (and ``freeze_cols``), and for print the first
        ``print_cols`` columns only and ``repeat_cols`` repeated on every page."""
        for col, width in sorted(self.widths.items()):
            self.ws.set_column(col, col, width)
        self.ws.freeze_panes(HEADER_ROW + 1, freeze_cols)
        if print_cols:
            self.ws.print_area(0, 0, HEADER_ROW + max(rows, 1), print_cols - 1)
        if repeat_cols:
            self.ws.repeat_columns(0, repeat_cols - 1)


def numbers_width(values: list[float], num_format: str) -> int:
    """The widest number of a column as shown (its largest magnitude, with sign)."""
    finite = [v for v in values if v == v]
    if not finite:
        return MIN_WIDTH
    widest = max(max(finite), -min(finite), key=abs)
    digits = 0 if num_format in ("0", "+0;-0;0") else 2
    return len(f"{-abs(widest):.{digits}f}")


def _counts_by_band(values: pd.Series, numbers: pd.Series) -> dict[str, dict[int, int]]:
    """Per category value, the number of groups in each band number (counted at once)."""
    counts = pd.crosstab(values.astype(str).to_numpy(), numbers.to_numpy())
    bands = [int(str(n)) for n in counts.columns]
    return {
        str(value): {n: int(c) for n, c in zip(bands, row, strict=True) if c}
        for value, row in zip(counts.index, counts.to_numpy().tolist(), strict=True)
    }


def summary_rows(
    frame: pd.DataFrame,
    summary: Mapping[str, Mapping[str, int]],
    movement_counts: Mapping[str, int] | None,
) -> tuple[list[int], list[list[Cell]]]:
    """The Summary table: category, value, groups, then groups per band number."""
    numbers_of = frame["band"].astype(str).str.extract(r"^(\d+)", expand=False)
    known = numbers_of.notna()
    numbers_of = numbers_of[known].astype(int)
    numbers = sorted(set(numbers_of.tolist()))
    splits: dict[str, dict[str, dict[int, int]]] = {}
    for column in ("band", "lead_force", "principal_crime", "movement"):
        if column in frame.columns and len(numbers_of):
            splits[column] = _counts_by_band(frame[column][known], numbers_of)
    if "opportunity_4p" in frame.columns and len(numbers_of):
        strands = frame["opportunity_4p"][known].astype(str).str.split(";").explode()
        strands = strands[strands != ""]
        splits["opportunity_4p"] = _counts_by_band(strands, numbers_of.loc[strands.index])
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
