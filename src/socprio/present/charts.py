"""The tasking pack's charts and their labels: the top groups as bars stacked by factor-group
points with the band thresholds, and the band counts per lead force and principal crime.

Drawn as inline SVG by ``present.svg`` (pure: data in, markup out; no fonts, ids or URLs
fetched or shared), so the same input gives the same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from socprio.present import svg
from socprio.present.escape import visible

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import Config

GROUP_COLOURS = ("#B2182B", "#2166AC", "#5AAE61", "#8073AC", "#E08214", "#666666")
BAND_COLOURS = {1: "#C0392B", 2: "#E69F00", 3: "#4D9A5B"}
OTHER_BAND_COLOUR = "#9E9E9E"
LABEL_CHARS = 24
CHART_WIDTH = 720.0  # drawing units: 100 to the inch of the printed A4 column (7.3 in)
FONT = 10.0  # about 7.5 pt printed
SMALL = 9.0
ROW, BAR = 21.0, 15.0  # a top-N row and its bar
_ARROWS = {"NEW": "new", "SAME": "="}
_BAND = re.compile(r"^(\d+)")


def esc(value: object) -> str:
    """Any value's text as inert HTML: line breaks as spaces (HTML shows them so anyway),
    controls, bidi and zero-width characters as visible escapes (a U+202E cannot reorder
    the page), then HTML-escaped, quotes included."""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return html.escape(visible(text), quote=True)


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """An HTML table from pre-rendered cell markup (cells are escaped by the caller)."""

    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts keyed by column name (Python scalars, as
    ``to_dict(orient="records")`` gives them), built a column at a time."""
    names = [str(k) for k in frame.columns]
    if len(set(names)) < len(names):  # repeated names: the last column wins, as to_dict's
        return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]
    columns = [frame.iloc[:, j].tolist() for j in range(len(names))]
    if not columns:
        return [{} for _ in range(len(frame))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def band_number(label: str) -> int | None:
    """The band number of a label such as ``2B`` (None when it has none)."""
    found = _BAND.match(label)
    return int(found.group(1)) if found else None


BAND_CLASSES = {1: "b1", 2: "b2", 3: "b3"}  # the CSS classes that colour band cells


def band_class(label: str) -> str:
    """The CSS class that colours a band cell."""
    number = band_number(label)
    return BAND_CLASSES.get(number, "bx") if number is not None else "bx"


def band_colour(number: int) -> str:
    """The chart colour of a band number."""
    return BAND_COLOURS.get(number, OTHER_BAND_COLOUR)


def movement_label(row: Mapping[str, Any]) -> str:
    """``new``, ``=``, ``▲3`` or ``▼2`` from the movement columns ('' when absent)."""
    tag = str(row.get("movement") or "")
    if not tag or tag in ("nan", "<NA>"):
        return ""
    if tag in _ARROWS:
        return _ARROWS[tag]
    change = row.get("rank_change")
    try:
        step = int(change) if change is not None else 0
    except (TypeError, ValueError):
        step = 0
    if step > 0:
        return f"▲{step}"
    if step < 0:
        return f"▼{-step}"
    return "="


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_label(row: Mapping[str, Any]) -> str:
    """``rank group_id codename (band, movement)`` for the top-N chart."""
    moved = movement_label(row)
    inside = f"{row['band']}, {moved}" if moved else str(row["band"])
    return f"{row['rank']} {row['group_id']} {short(str(row['codename']))} ({inside})"


def _label_colour(band: str) -> str:
    number = band_number(band)
    return "#8B0000" if number == 1 else "#111111"


def band_counts(frame: pd.DataFrame, column: str) -> tuple[list[str], list[int], list[list[int]]]:
    """Categories (largest first), band numbers, and counts[category][band]."""
    bands = [band_number(str(b)) for b in frame["band"]]
    numbers = sorted({b for b in bands if b is not None})
    table: dict[str, dict[int, int]] = {}
    for value, number in zip(map(str, frame[column]), bands, strict=True):
        if number is not None:
            per = table.setdefault(value, {})
            per[number] = per.get(number, 0) + 1
    order = sorted(table, key=lambda k: (-sum(table[k].values()), k))
    return order, numbers, [[table[k].get(n, 0) for n in numbers] for k in order]


def _legend(cfg: Config, x: float, baseline: float) -> list[str]:
    """A square of colour and the label of each factor group, in one row."""
    parts = []
    for i, grp in enumerate(cfg.groups.values()):
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        parts.append(svg.rect(x, baseline - 8.5, 9.0, 9.0, colour))
        parts.append(svg.text(x + 12.0, baseline, grp.label, size=FONT))
        x += 12.0 + svg.text_width(grp.label, FONT) + 14.0
    return parts


def _stacks(rows: list[dict[str, Any]], cfg: Config, x: svg.Scale, top: float) -> list[str]:
    """Each group's bar, one segment per factor group (its tooltip names group and points)."""
    labels = [(key, grp.label) for key, grp in cfg.groups.items()]
    parts = []
    for i, r in enumerate(rows):
        y, at = top + i * ROW + (ROW - BAR) / 2, 0.0
        for j, (key, label) in enumerate(labels):
            points = max(float(r[f"{key}_points"]), 0.0)
            colour = GROUP_COLOURS[j % len(GROUP_COLOURS)]
            tip = f"{label} {points:.1f}"
            parts.append(svg.rect(x(at), y, x.length(points), BAR, colour, tip))
            at += points
    return parts


def _scores(rows: list[dict[str, Any]], x: svg.Scale, top: float) -> list[str]:
    """Each group's score just past the end of its bar, over any threshold line."""
    parts = []
    for i, r in enumerate(rows):
        score = float(r["score"])
        centre = svg.middle(top + (i + 0.5) * ROW, FONT)
        parts.append(svg.text(x(score + 0.8), centre, f"{score:.1f}", size=FONT, halo=True))
    return parts


def _thresholds(cfg: Config, x: svg.Scale, top: float, bottom: float) -> list[str]:
    """A dashed line at each band's minimum score (but the lowest band's)."""
    return [svg.dashed(x(band.min), top, x(band.min), bottom) for band in cfg.bands[:-1]]


def _threshold_labels(cfg: Config, x: svg.Scale, baseline: float) -> list[str]:
    """``Band N ≥ x`` beside each threshold line, above the bars."""
    return [
        svg.text(x(b.min + 0.6), baseline, f"Band {b.band} ≥ {b.min:g}", size=SMALL, halo=True)
        for b in cfg.bands[:-1]
    ]


def _x_axis(x: svg.Scale, bottom: float, values: Sequence[float], title: str) -> list[str]:
    """The bottom spine, tick marks and labels at ``values``, and the axis title."""
    parts = [svg.line(x.start, bottom, x.end, bottom)]
    for value in values:
        at = x(value)
        parts.append(svg.line(at, bottom, at, bottom + 3.0))
        parts.append(
            svg.text(at, bottom + 13.0, svg.tick_label(value), size=SMALL, anchor="middle")
        )
    centre = (x.start + x.end) / 2
    parts.append(svg.text(centre, bottom + 27.0, title, size=FONT, anchor="middle"))
    return parts


def _y_labels(
    labels: Sequence[str], colours: Sequence[str], left: float, top: float, row: float, size: float
) -> list[str]:
    """Right-aligned category labels left of the spine, one per row, with tick marks."""
    parts = []
    for i, (label, colour) in enumerate(zip(labels, colours, strict=True)):
        centre = top + (i + 0.5) * row
        parts.append(svg.line(left - 3.0, centre, left, centre))
        baseline = svg.middle(centre, size)
        parts.append(svg.text(left - 5.0, baseline, label, size=size, anchor="end", fill=colour))
    return parts


def top_chart(top: pd.DataFrame, cfg: Config) -> str:
    """Horizontal bars of the top groups, stacked by factor-group points, rank 1 at the top;
    the band thresholds as dashed lines; the label of each bar coloured by its band."""
    rows = records(top)
    labels = [bar_label(r) for r in rows]
    left = 10.0 + max((svg.text_width(t, FONT) for t in labels), default=0.0)
    right = svg.text_width("100.0", FONT) + 12.0  # the score label of a full bar
    width = max(CHART_WIDTH, left + 320.0 + right)  # long labels widen it, never clip
    x = svg.Scale(0.0, 100.0, left, width - right)
    plot_top, bars_top = 22.0, 40.0  # the band labels sit between the two
    bottom = bars_top + ROW * len(rows) + 4.0
    colours = [_label_colour(str(r["band"])) for r in rows]
    parts = [
        *_legend(cfg, left, 14.0),
        *_stacks(rows, cfg, x, bars_top),
        *_thresholds(cfg, x, plot_top, bottom),
        *_y_labels(labels, colours, left, bars_top, ROW, FONT),
        svg.line(left, plot_top, left, bottom),
        *_x_axis(x, bottom, svg.ticks(0.0, 100.0), "score (0-100) = sum of factor-group points"),
        *_threshold_labels(cfg, x, plot_top + 11.0),
        *_scores(rows, x, bars_top),
    ]
    label = f"Top {len(rows)} groups by score"
    return svg.document(
        parts, width=width, height=bottom + 34.0, prefix="top", label=label, size=FONT
    )


BAND_ROW, BAND_BAR = 20.0, 14.0  # a band chart's row and its bar


def _band_bars(counts: list[list[int]], numbers: list[int], x: svg.Scale, top: float) -> list[str]:
    """Per category, one segment per band with its count inside when wide enough (at least
    6% of the largest total), and the category's total past the end of the bar."""
    big = max((sum(row) for row in counts), default=1) * 0.06
    inner = SMALL - 1.5
    parts = []
    for i, counted in enumerate(counts):
        y, at = top + i * BAND_ROW + (BAND_ROW - BAND_BAR) / 2, 0
        centre = top + (i + 0.5) * BAND_ROW
        for number, count in zip(numbers, counted, strict=True):
            tip = f"Band {number}: {count}"
            parts.append(svg.rect(x(at), y, x.length(count), BAND_BAR, band_colour(number), tip))
            if count and count >= big:
                mid, baseline = x(at + count / 2), svg.middle(centre, inner)
                parts.append(
                    svg.text(mid, baseline, count, size=inner, anchor="middle", fill=svg.WHITE)
                )
            at += count
        parts.append(svg.text(x(at + 0.5), svg.middle(centre, SMALL), at, size=SMALL))
    return parts


def band_chart(frame: pd.DataFrame, column: str, title: str) -> str:
    """Horizontal bars of groups per ``column`` value, stacked by band number, largest first."""
    categories, numbers, counts = band_counts(frame, column)
    labels = [short(c, 20) for c in categories]
    most = max((sum(row) for row in counts), default=1)
    left = 8.0 + max((svg.text_width(t, SMALL) for t in labels), default=0.0)
    right = svg.text_width(str(most), SMALL) + 8.0
    width = max(CHART_WIDTH / 2 - 10.0, left + 120.0 + right)  # half the column, as a pair
    values = svg.ticks(0.0, most * 1.12 + 1.0)
    x = svg.Scale(0.0, values[-1], left, width - right)
    top = 24.0
    bottom = top + BAND_ROW * len(categories) + 2.0
    stacked = "groups (stacked by band: " + ", ".join(f"{n}" for n in numbers) + ")"
    parts = [
        svg.text(4.0, 13.0, title, size=FONT + 1.0, bold=True),
        *_band_bars(counts, numbers, x, top),
        *_y_labels(labels, [svg.INK] * len(labels), left, top, BAND_ROW, SMALL),
        svg.line(left, top, left, bottom),
        *_x_axis(x, bottom, values, stacked),
    ]
    prefix = column.replace("_", "-")
    height = bottom + 34.0
    return svg.document(parts, width=width, height=height, prefix=prefix, label=title, size=SMALL)
