"""Drawing primitives for the pack's inline SVG charts: pure functions, values in, markup out.

Every coordinate is written with two decimals (``num``), so the same input gives the same
bytes whatever the float noise. Every text goes through ``label_text``: controls, bidi and
format characters (and the code points XML cannot hold) become visible escapes, then the
result is XML-escaped, so a codename is always shown as typed and never read as markup. Text
is real ``<text>`` in a generic font stack: nothing is fetched, no font is embedded. The only
id is the chart's own (``chart-<prefix>``), so several charts on one page never collide.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from socprio.present.escape import visible

FONT_FAMILY = '"DejaVu Sans", Arial, Helvetica, sans-serif'
INK = "#111111"
AXIS = "#444444"
WHITE = "#FFFFFF"

# Advance widths in em, at or above DejaVu Sans's (Arial and Helvetica are narrower), so a
# label's estimated width is never less than its drawn width; any other character counts as
# 0.64 (ASCII), 0.8 (capitals) or a full em.
_WIDTHS = {
    **dict.fromkeys("iljI.,:;'|", 0.34),
    **dict.fromkeys(" ()[]frt-/\\!", 0.42),
    **dict.fromkeys("#&+<=>^~", 0.84),
    **dict.fromkeys("mwMW@%", 1.0),
}
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # not XML 1.0 characters at all


def num(value: float) -> str:
    """A coordinate with two decimals; never ``-0.00`` (which would make bytes differ)."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def shown(value: object) -> str:
    """The text as a chart shows it: controls, bidi and format characters, lone surrogates
    and U+FFFE/U+FFFF as visible escapes (``\\x1b``, ``\\u202e``); not yet XML-escaped."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", visible(str(value)))


def label_text(value: object) -> str:
    """``shown(value)`` XML-escaped (quotes too): safe as element text or attribute value."""
    return html.escape(shown(value), quote=True)


def _char_width(char: str) -> float:
    known = _WIDTHS.get(char)
    if known is not None:
        return known
    if char.isascii():
        return 0.8 if char.isupper() else 0.64
    return 0.0 if unicodedata.combining(char) else 1.0


def text_width(text: str, size: float) -> float:
    """A conservative estimate of the drawn width of ``shown(text)`` at font ``size``."""
    return size * sum(_char_width(c) for c in shown(text))


@dataclass(frozen=True)
class Scale:
    """A linear map of data values ``lo..hi`` onto drawing units ``start..end``."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo
        return self.start + (value - self.lo) / span * (self.end - self.start) if span else 0.0

    def length(self, value: float) -> float:
        """The drawn length of a data distance."""
        return self(self.lo + value) - self.start


def nice_step(span: float, count: int = 5) -> float:
    """A 1, 2, 2.5 or 5 times a power of ten step giving about ``count`` intervals."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values from at or below ``lo`` to at or above ``hi``."""
    step = nice_step(hi - lo, count)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 10) for k in range(first, max(last, first + 1) + 1)]


def tick_label(value: float) -> str:
    """A tick value without float noise: ``20``, ``2.5``."""
    return f"{round(value, 6):g}"


def rect(x: float, y: float, width: float, height: float, fill: str, tip: str = "") -> str:
    """A filled rectangle, with a tooltip when ``tip`` is given."""
    box = f'x="{num(x)}" y="{num(y)}" width="{num(max(width, 0.0))}" height="{num(height)}"'
    if tip:
        return f'<rect {box} fill="{fill}"><title>{label_text(tip)}</title></rect>'
    return f'<rect {box} fill="{fill}"/>'


def line(
    x1: float, y1: float, x2: float, y2: float, *, stroke: str = AXIS, width: float = 0.8
) -> str:
    """A straight line."""
    ends = f'x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"'
    return f'<line {ends} stroke="{stroke}" stroke-width="{num(width)}"/>'


def dashed(x1: float, y1: float, x2: float, y2: float, *, stroke: str = AXIS) -> str:
    """A thin dashed line (a threshold)."""
    return line(x1, y1, x2, y2, stroke=stroke, width=0.7).replace("/>", ' stroke-dasharray="3 2"/>')


def text(
    x: float,
    y: float,
    value: object,
    *,
    size: float,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
    halo: bool = False,
    rotate: int = 0,
) -> str:
    """``value`` as one ``<text>`` with its baseline at ``y`` (escaped: see ``label_text``).
    ``halo`` draws a white outline under the glyphs so the text reads over lines and bars."""
    attrs = [f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if fill != INK:
        attrs.append(f'fill="{fill}"')
    if bold:
        attrs.append('font-weight="bold"')
    if halo:
        attrs.append(
            f'stroke="{WHITE}" stroke-width="2.5" stroke-linejoin="round" paint-order="stroke"'
        )
    if rotate:
        attrs.append(f'transform="rotate({rotate} {num(x)} {num(y)})"')
    return f"<text {' '.join(attrs)}>{label_text(value)}</text>"


def middle(centre: float, size: float) -> float:
    """The baseline that centres a line of text of font ``size`` on ``centre``."""
    return centre + 0.35 * size


def polyline(points: Sequence[tuple[float, float]], *, stroke: str, width: float) -> str:
    """An open line through ``points``."""
    joined = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    return (
        f'<polyline points="{joined}" fill="none" stroke="{stroke}" '
        f'stroke-width="{num(width)}" stroke-linejoin="round"/>'
    )


def circle(cx: float, cy: float, r: float, fill: str) -> str:
    """A filled dot."""
    return f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="{fill}"/>'


def document(
    parts: Iterable[str], *, width: float, height: float, prefix: str, label: str, size: float
) -> str:
    """The chart as an inline ``<svg>`` (no prolog or namespace: the HTML parser places it),
    sized by its viewBox so CSS can scale it to the column, with ``role="img"`` and a label."""
    ident = re.sub(r"[^a-z0-9-]", "-", prefix.lower())
    box = f"0 0 {num(width)} {num(height)}"
    return (
        f'<svg id="chart-{ident}" class="chart" role="img" aria-label="{label_text(label)}" '
        f'viewBox="{box}" width="{num(width)}" height="{num(height)}" '
        f'font-family=\'{FONT_FAMILY}\' font-size="{num(size)}" fill="{INK}">'
        + "".join(parts)
        + "</svg>"
    )
