"""The pack's Outcomes section: did disruption work? Totals, a small chart of Band 1 harm
over the archived weeks (with the share of Band 1 disrupted in the window), the outcome by
claimed grade and the flagged disruptions. Pure: an ``OutcomeReport`` in, HTML out."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from socprio.present.charts import (
    CHART_WIDTH_IN,
    SVG_SALT,
    _new_figure,
    _rc,
    esc,
    html_table,
    svg_inline,
)

if TYPE_CHECKING:
    from socprio.history.outcomes import OutcomeReport

FLAGGED_SHOWN = 15


def band1_chart(report: OutcomeReport) -> str:
    """Band 1 mean harm per archived week (line) and the share disrupted (bars, right axis)."""
    import matplotlib as mpl

    weeks = report.outcomes.weeks
    with mpl.rc_context(_rc(f"{SVG_SALT}-outcomes")):
        fig, ax = _new_figure(CHART_WIDTH_IN, 1.9)
        x = list(range(len(weeks)))
        share = ax.twinx()
        share.bar(x, weeks["band1_disrupted_share"] * 100, color="#C8D7E6", width=0.7)
        share.set_ylim(0, 100)
        share.set_ylabel("% of Band 1 disrupted")
        ax.set_zorder(share.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.plot(x, weeks["band1_mean_harm"], color="#8B0000", marker="o", markersize=2.5)
        ax.set_ylabel("Band 1 mean harm points")
        step = max(1, -(-len(x) // 6))  # at most six date labels
        ax.set_xticks(x[::step], list(weeks["as_of"])[::step])
        return svg_inline(fig, "outcomes", label="Band 1 harm over the archived weeks")


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
