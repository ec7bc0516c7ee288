"""The analyst's rich table for ``socprio rank``: 100 columns, bands coloured, one line a group.

Returns text (ANSI-styled only when asked); never prints. Input text is always passed to rich
as ``Text``, never as a string, so a codename is never read as console markup.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from socprio.pipeline.frame import rounded_frame
from socprio.present.captions import INTERVAL, caption, interval_note, rank_interval

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

BAND_STYLE = {"1": "bold red", "2": "yellow", "3": "green"}
CONFIDENCE_SHORT = {"high": "H", "medium": "M", "low": "L"}
# Short flag codes for the 100-column table (the exports keep the full names; LOW_CONFIDENCE
# is the table's C column).
TABLE_FLAGS = {
    "ACTION_NOW": "NOW!",
    "OVERRIDE": "OVR",
    "NO_LRO": "NOLRO",
    "NO_DISRUPTION": "NODIS",
    "LOW_CONFIDENCE": "",
    "UNSTABLE": "UNST",
    "DISAGREE": "DISAG",
}


def table_text(a: Assessment, *, width: int = 100, terminal: bool = False) -> str:
    """The table as text ``width`` columns wide; colours and boxes only for a ``terminal``,
    then the changes since the previous run when there is one."""
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=terminal,
        no_color=not terminal,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(rank_table(a, boxes=terminal))
    if a.movement is not None:
        from socprio.present.changes import render_changes_text

        console.print(Text(render_changes_text(a.movement)))
    return out.getvalue()


def rank_table(a: Assessment, *, boxes: bool = True) -> RichGroup:
    """The analyst's table: fits 100 columns, bands coloured, summary and caption below."""
    prov = a.provenance
    out = rounded_frame(a.table)
    table = Table(
        box=box.SIMPLE_HEAD if boxes else None,
        title=Text(prov.config.config.marking),
        caption=Text(caption(prov)),
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Band", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Min-Max", justify="right", no_wrap=True)
    spans = rank_interval(out).tolist() if "rank_p5" in out else None
    if spans is not None:
        table.add_column(INTERVAL, justify="right", no_wrap=True)
    moves = (
        [move_label(t, c) for t, c in zip(out["movement"], out["rank_change"], strict=True)]
        if "movement" in out
        else None
    )
    if moves is not None:
        table.add_column("Move", justify="right", no_wrap=True)
    table.add_column("Group", no_wrap=True)
    table.add_column("Codename", max_width=18, overflow="ellipsis", no_wrap=True)
    table.add_column("Force", no_wrap=True)
    table.add_column("Crime", max_width=14, overflow="ellipsis", no_wrap=True)
    table.add_column("C", no_wrap=True)
    table.add_column("Flags", overflow="fold")
    for i, row in enumerate(out.itertuples(index=False)):
        band = str(row.band)
        lifted = "^" if band != str(row.score_band) else ""
        table.add_row(
            str(row.rank),
            Text(band + lifted, style=BAND_STYLE.get(band[:1], "")),
            f"{row.score:.1f}",
            f"{row.score_min:.0f}-{row.score_max:.0f}",
            *([spans[i]] if spans is not None else []),
            *([moves[i]] if moves is not None else []),
            Text(str(row.group_id)),
            Text(str(row.codename)),
            Text(str(row.lead_force)),
            Text(str(row.principal_crime)),
            CONFIDENCE_SHORT.get(str(row.confidence), "?"),
            " ".join(
                TABLE_FLAGS.get(f, f) for f in str(row.flags).split(";") if TABLE_FLAGS.get(f, f)
            ),
        )
    lines = [
        Text(f"{name}: " + "  ".join(f"{k} {v}" for k, v in counts.items()))
        for name, counts in a.summary().items()
    ]
    legend = _legend(a, intervals=spans is not None, moves=moves is not None)
    return RichGroup(table, *lines, legend)


def _legend(a: Assessment, *, intervals: bool, moves: bool) -> Text:
    """What the abbreviations of the table mean."""
    legend = Text(
        "Band^ = lifted by an override rule; C = confidence (High/Medium/Low)\n"
        "Flags: NOW! active threat to life, OVR override, GAP unknowns could change the band, "
        "STALE old review, NOLRO no lead officer, NODIS no recent disruption, UNST unstable "
        "under weight changes, DISAG second-opinion views disagree",
        style="dim",
    )
    if intervals:
        legend.append("\n" + interval_note(a.provenance))
    if moves:
        legend.append("\nMove = places up (+) or down (-) since the previous run; B = band changed")
    return legend


def move_label(tag: object, change: object) -> Text:
    """A compact movement cell: ``new``, ``=``, ``+3``, ``-5``, or ``+12B`` for a band change."""
    tag = str(tag)
    if tag == "NEW":
        return Text("new", style="bold cyan")
    if tag == "SAME" or change is None or change != change:  # NaN / NA: no previous rank
        return Text("=")
    places = int(str(change))
    band = "B" if tag.startswith("BAND_") else ""
    style = "bold " if band else ""
    return Text(f"{places:+d}{band}", style=style + ("green" if places > 0 else "red"))
