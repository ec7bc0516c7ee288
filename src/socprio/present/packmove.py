"""The pack's movement section: who entered or left Band 1 or started an act-now, any config
change between the runs, then the counts, the band moves with their causes and the groups that
dropped out with why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socprio.history.movement import Tag
from socprio.present.changes import config_lines
from socprio.present.charts import esc, html_table, records

if TYPE_CHECKING:
    from socprio.history.movement import Movement


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def headlines_html(movement: Movement, *, cap: int | None = None) -> str:
    """Entered Band 1, left Band 1, started act now (the first ``cap`` of each, then how
    many more), and a config-change warning."""
    out = ""
    for title, rows in movement.headlines().items():
        if rows:
            shown = rows if cap is None else rows[:cap]
            out += f"<h3>{esc(title[0].upper() + title[1:])} ({len(rows)})</h3>" + _list(shown)
            if len(shown) < len(rows):
                out += f'<p class="none">and {len(rows) - len(shown)} more in the appendix</p>'
    warning = config_lines(movement.config_changed, movement.config_changes, indent="")
    if warning:
        out += f'<p class="warn">{esc(warning[0])}</p>' + (
            _list(warning[1:]) if warning[1:] else ""
        )
    return out


def movement_section(movement: Movement) -> str:
    """Headlines first, then counts per movement tag, band moves with causes, and dropouts."""
    since = movement.since.isoformat() if movement.since else "the previous run"
    counts = " · ".join(f"{esc(k)} {v}" for k, v in movement.counts().items())
    out = f"<h2>What changed since {esc(since)}, in full</h2>" + headlines_html(movement)
    out += f"<p>Counts: {counts}</p>"
    f = movement.frame
    bands = f[f["movement"].isin([Tag.BAND_UP.value, Tag.BAND_DOWN.value])]
    if len(bands):
        rows = [
            [
                r["group_id"],
                r["codename"],
                f"{r['previous_band']} -> {r['band']}",
                r["movement_cause"],
            ]
            for r in records(bands)
        ]
        cells = [[esc(c) for c in r] for r in rows]
        out += "<h3>Band changes and why</h3>" + html_table(
            ["Group", "Codename", "Band", "Cause"], cells, set()
        )
    dropped = records(movement.dropped)
    if dropped:
        rows = [
            [r["last_rank"], r["group_id"], r["codename"], r["last_band"], r["reason"]]
            for r in dropped
        ]
        cells = [[esc(c) for c in r] for r in rows]
        out += "<h3>Dropped out</h3>" + html_table(
            ["Last rank", "Group", "Codename", "Band", "Why"], cells, {0}
        )
    return out
