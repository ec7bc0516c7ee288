"""The tasking pack's charts: matplotlib figures inlined as SVG, and their labels.

Text is drawn as paths (no font referenced) and ids are salted and fixed, so the same input
gives the same bytes.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from socprio.config.models import Config

GROUP_COLOURS = ("#B2182B", "#2166AC", "#5AAE61", "#8073AC", "#E08214", "#666666")
BAND_COLOURS = {1: "#C0392B", 2: "#E69F00", 3: "#4D9A5B"}
OTHER_BAND_COLOUR = "#9E9E9E"
LABEL_CHARS = 24
SVG_SALT = "socprio-pack"
CHART_WIDTH_IN = 7.2  # A4 less 12 mm margins is 7.32 in
_ARROWS = {"NEW": "new", "SAME": "="}
_BAND = re.compile(r"^(\d+)")
_ID = re.compile(r'\bid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF_REF = re.compile(r'href="#([^"]+)"')
_XMLNS = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)  # matplotlib escapes "--" inside comments


def esc(value: object) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape(str(value), quote=True)


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


def _rc(salt: str) -> dict[RcKeyType, Any]:
    """matplotlib settings: paths for text (no fonts referenced), bundled font, fixed ids."""
    return {
        "svg.fonttype": "path",
        "svg.hashsalt": salt,
        "font.family": "DejaVu Sans",
        "font.size": 7.5,
        "text.parse_math": False,  # a '$' in a codename is text, not mathtext
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def svg_inline(fig: Figure, prefix: str, *, label: str) -> str:
    """The figure as an inline ``<svg>``: no prolog, namespaces or metadata; ids prefixed."""
    buffer = io.StringIO()
    with warnings.catch_warnings():  # e.g. "Glyph ... missing from font": it names characters
        warnings.simplefilter("ignore")  # of a codename on stderr, and breaks --quiet
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    text = buffer.getvalue()
    text = _COMMENT.sub("", _METADATA.sub("", text[text.index("<svg") :]))
    text = _XMLNS.sub("", text).replace("xlink:href=", "href=")
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", text)
    text = _HREF_REF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', text)
    text = text.replace("<svg ", f'<svg class="chart" role="img" aria-label="{esc(label)}" ', 1)
    if "http:" in text or "https:" in text:  # never reference the network
        raise ValueError("the chart SVG references a URL")
    return text.strip()


def _new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def top_chart(top: pd.DataFrame, cfg: Config) -> str:
    """Horizontal bars of the top groups, stacked by factor-group points, rank 1 at the top."""
    import matplotlib as mpl

    with mpl.rc_context(_rc(f"{SVG_SALT}-top")):
        fig, ax = _new_figure(CHART_WIDTH_IN, 0.9 + 0.21 * len(top))
        rows = records(top)
        y = list(range(len(rows)))
        left = [0.0] * len(rows)
        for i, (group, grp) in enumerate(cfg.groups.items()):
            points = [float(r[f"{group}_points"]) for r in rows]
            ax.barh(
                y,
                points,
                left=left,
                height=0.72,
                color=GROUP_COLOURS[i % len(GROUP_COLOURS)],
                label=grp.label,
            )
            left = [a + b for a, b in zip(left, points, strict=True)]
        for yi, r in zip(y, rows, strict=True):
            ax.text(
                float(r["score"]) + 0.8,
                yi,
                f"{float(r['score']):.1f}",
                va="center",
                bbox={"facecolor": "#FFFFFF", "edgecolor": "none", "pad": 0.3},
            )
        for band in cfg.bands[:-1]:
            ax.axvline(band.min, color="#444444", linewidth=0.6, linestyle=(0, (3, 2)))
            ax.text(band.min + 0.6, -0.9, f"Band {band.band} ≥ {band.min:g}", fontsize=6.5)
        ax.set_yticks(y, [bar_label(r) for r in rows])
        for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
            tick.set_color(_label_colour(str(r["band"])))
        ax.set_ylim(len(rows) - 0.5, -1.3)
        ax.set_xlim(0, 100)
        ax.set_xlabel("score (0-100) = sum of factor-group points")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(cfg.groups), frameon=False)
        return svg_inline(fig, "top", label=f"Top {len(rows)} groups by score")


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


def band_chart(frame: pd.DataFrame, column: str, title: str) -> str:
    """Horizontal bars of groups per ``column`` value, stacked by band number."""
    import matplotlib as mpl

    categories, numbers, counts = band_counts(frame, column)
    with mpl.rc_context(_rc(f"{SVG_SALT}-{column}")):
        fig, ax = _new_figure(CHART_WIDTH_IN / 2 - 0.1, 0.95 + 0.2 * len(categories))
        y = list(range(len(categories)))
        left = [0] * len(categories)
        big = max((sum(row) for row in counts), default=1) * 0.06  # narrower: no number inside
        for j, number in enumerate(numbers):
            widths = [row[j] for row in counts]
            bars = ax.barh(y, widths, left=left, height=0.7, color=band_colour(number))
            ax.bar_label(
                bars,
                labels=[str(w) if w >= big else "" for w in widths],
                label_type="center",
                fontsize=6.5,
                color="#FFFFFF",
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for yi, total in zip(y, left, strict=True):
            ax.text(total + 0.5, yi, str(total), va="center", fontsize=6.5)
        ax.set_yticks(y, [short(c, 20) for c in categories])
        ax.set_ylim(len(categories) - 0.5, -0.5)
        ax.set_xlim(0, max(left, default=1) * 1.12 + 1)
        ax.set_title(title, loc="left", fontsize=8)
        ax.set_xlabel("groups (stacked by band: " + ", ".join(f"{n}" for n in numbers) + ")")
        return svg_inline(fig, column.replace("_", "-"), label=title)
