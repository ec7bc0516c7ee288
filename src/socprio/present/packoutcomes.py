"""The pack's Outcomes section: did disruption work? Totals, a small chart of Band 1 harm
over the archived weeks (with the share of Band 1 disrupted in the window), the outcome by
claimed grade and the flagged disruptions. Pure: an ``OutcomeReport`` in, HTML out."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from socprio.present import svg
from socprio.present.charts import CHART_WIDTH, FONT, SMALL, esc, html_table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from socprio.history.outcomes import OutcomeReport

FLAGGED_SHOWN = 15
HARM, SHARE = "#8B0000", "#C8D7E6"  # the line of mean harm, the bars of the share disrupted
HEIGHT = 190.0


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _line(x: Sequence[float], harm: Sequence[float], y: svg.Scale) -> list[str]:
    """Mean harm as a line through dots, broken where a week has no value."""
    parts, run = [], []
    for xi, value in zip(x, harm, strict=True):
        if math.isfinite(value):
            run.append((xi, y(value)))
            continue
        if len(run) > 1:
            parts.append(svg.polyline(run, stroke=HARM, width=1.5))
        run = []
    if len(run) > 1:
        parts.append(svg.polyline(run, stroke=HARM, width=1.5))
    points = [(xi, y(v)) for xi, v in zip(x, harm, strict=True) if math.isfinite(v)]
    return parts + [svg.circle(px, py, 2.0, HARM) for px, py in points]


def _y_axis(y: svg.Scale, values: Sequence[float], at: float, side: int, title: str) -> list[str]:
    """A vertical axis at ``at`` with ticks to the ``side`` (-1 left, 1 right) and a title."""
    parts = [svg.line(at, y.start, at, y.end)]
    anchor = "end" if side < 0 else "start"
    for value in values:
        pos = y(value)
        parts.append(svg.line(at, pos, at + 3.0 * side, pos))
        label = svg.tick_label(value)
        parts.append(
            svg.text(at + 5.0 * side, svg.middle(pos, SMALL), label, size=SMALL, anchor=anchor)
        )
    reach = max((svg.text_width(svg.tick_label(v), SMALL) for v in values), default=0.0)
    edge = at - reach - 12.0 if side < 0 else at + reach + 8.0 + SMALL  # glyphs left of it
    centre = (y.start + y.end) / 2
    parts.append(svg.text(edge, centre, title, size=SMALL, anchor="middle", rotate=-90))
    return parts


def band1_chart(report: OutcomeReport) -> str:
    """Band 1 mean harm per archived week (line) and the share disrupted (bars, right axis)."""
    weeks = report.outcomes.weeks
    dates = [str(d) for d in weeks["as_of"]]
    harm = [float(v) for v in weeks["band1_mean_harm"]]
    share = [float(v) * 100 for v in weeks["band1_disrupted_share"]]
    seen = _finite(harm) or [0.0]
    harm_ticks = svg.ticks(min(seen), max(seen) if max(seen) > min(seen) else min(seen) + 1, 4)
    left, right = 60.0, 50.0
    top, bottom = 8.0, HEIGHT - 20.0
    y = svg.Scale(harm_ticks[0], harm_ticks[-1], bottom, top)
    pct = svg.Scale(0.0, 100.0, bottom, top)
    slot = (CHART_WIDTH - left - right) / max(len(dates), 1)
    x = [left + (i + 0.5) * slot for i in range(len(dates))]
    parts = [
        svg.rect(xi - 0.35 * slot, pct(s), 0.7 * slot, bottom - pct(s), SHARE, f"{d}: {s:.0f}%")
        for xi, s, d in zip(x, share, dates, strict=True)
        if math.isfinite(s)
    ]
    parts.append(svg.line(left, bottom, CHART_WIDTH - right, bottom))
    step = max(1, -(-len(x) // 6))  # at most six date labels
    for xi, d in list(zip(x, dates, strict=True))[::step]:
        parts.append(svg.line(xi, bottom, xi, bottom + 3.0))
        parts.append(svg.text(xi, bottom + 13.0, d, size=SMALL, anchor="middle"))
    parts += _y_axis(y, harm_ticks, left, -1, "Band 1 mean harm points")
    parts += _y_axis(pct, svg.ticks(0.0, 100.0), CHART_WIDTH - right, 1, "% of Band 1 disrupted")
    parts += _line(x, harm, y)
    label = "Band 1 harm over the archived weeks"
    return svg.document(
        parts, width=CHART_WIDTH, height=HEIGHT, prefix="outcomes", label=label, size=FONT
    )


def _change(value: object) -> str:
    number = float(str(value))
    return "-" if math.isnan(number) else f"{number:.2f}"


def outcomes_section(report: OutcomeReport) -> str:
    """The whole section."""
    from socprio.present.outcomes import totals

    t = totals(report)
    window = report.config.config.flags.no_disruption_days
    grades = report.outcomes.summaries["claimed_grade"]
    by_grade = [
        [
            esc(r.value),
            str(r.disruptions),
            str(r.harm_fell),
            _change(r.mean_harm_change),
            str(r.unsupported),
            str(r.regrowth),
        ]
        for r in grades.itertuples()
    ]
    rows = report.outcomes.rows
    flagged = rows[rows["flags"] != ""].head(FLAGGED_SHOWN)
    listed = [
        [esc(r.group_id), esc(r.date), esc(r.claimed_grade), esc(r.verification), esc(r.flags)]
        for r in flagged.itertuples()
    ]
    return (
        "<section><h2>Outcomes: did disruption work?</h2>"
        f'<p class="sub">{t["disruptions"]} disruptions in the ledger over '
        f"{len(report.panel.runs)} archived runs to {esc(report.as_of)}: "
        f"{t['unsupported']} UNSUPPORTED (a major or moderate claim with no fall in harm), "
        f"{t['regrowth']} REGROWTH, {t['unverified']} UNVERIFIED; harm removed "
        f"{t['harm_removed']:.2f} points. Bars: share of Band 1 disrupted in the last "
        f"{window} days. Grades are local definitions. Ledger sha256 "
        f"{esc(report.ledger_sha256[:12])}.</p>"
        f"<figure>{band1_chart(report)}</figure>"
        + html_table(
            ["Claimed grade", "Disruptions", "Harm fell", "Mean change", "Unsupported", "Regrowth"],
            by_grade,
            {1, 2, 3, 4, 5},
        )
        + (
            "<h3>Flagged disruptions</h3>"
            + html_table(["Group", "Date", "Grade", "Verification", "Flags"], listed, set())
            if listed
            else ""
        )
        + "</section>"
    )
