"""The analyst's rich table for ``socprio rank``: 100 columns, bands coloured, one line a group.

Builds renderables and returns them; never prints. Separate from ``render`` so that the file
formats never import rich's console machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from socprio.pipeline.frame import Provenance, rounded_frame
from socprio.present.exports import INTERVAL, caption, interval_note, rank_interval

if TYPE_CHECKING:
    import pandas as pd

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


def rank_table(
    frame: pd.DataFrame, prov: Provenance, summary: dict[str, Any], *, boxes: bool = True
) -> RichGroup:
    """The analyst's table: fits 100 columns, bands coloured, summary and caption below."""
    out = rounded_frame(frame)
    table = Table(
        box=box.SIMPLE_HEAD if boxes else None,
        title=prov.config.config.marking,
        caption=caption(prov),
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
            str(row.group_id),
            str(row.codename),
            str(row.lead_force),
            str(row.principal_crime),
            CONFIDENCE_SHORT.get(str(row.confidence), "?"),
            " ".join(
                TABLE_FLAGS.get(f, f) for f in str(row.flags).split(";") if TABLE_FLAGS.get(f, f)
            ),
        )
    lines = [
        Text(f"{name}: " + "  ".join(f"{k} {v}" for k, v in counts.items()))
        for name, counts in summary.items()
    ]
    legend = Text(
        "Band^ = lifted by an override rule; C = confidence (High/Medium/Low)\n"
        "Flags: NOW! active threat to life, OVR override, GAP unknowns could change the band, "
        "STALE old review, NOLRO no lead officer, NODIS no recent disruption, UNST unstable "
        "under weight changes, DISAG second-opinion views disagree",
        style="dim",
    )
    if spans is not None:
        legend.append("\n" + interval_note(prov))
    if moves is not None:
        legend.append("\nMove = places up (+) or down (-) since the previous run; B = band changed")
    return RichGroup(table, *lines, legend)


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
