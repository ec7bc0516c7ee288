"""The pack's "Slate" section: the proposed tasking slate within each owner's capacity (the
owners, any capacity shortfall, and every change: groups to adopt and to release)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socprio.present.charts import esc, html_table
from socprio.present.slate import OWNER_HEAD, group_rows, method, owner_cells, shortfall_lines

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

CHANGES = ("ADOPT", "RELEASE")


def slate_section(a: Assessment) -> str:
    """The slate of ``a`` (effort 1 per group: the pack does not read the effort column)."""
    from socprio.pipeline.slate import tasking_slate

    r = tasking_slate(a)
    owners = html_table(
        [esc(h) for h in OWNER_HEAD],
        [[esc(c) for c in owner_cells(o)] for o in r.slate.owners],
        {2, 3, 4},
    )
    changes = [
        [esc(g["rank"]), esc(g["group_id"]), esc(g["lead_force"]), esc(g["band"]),
         esc(g["decision"]), esc(g["reason"])]
        for g in group_rows(r, CHANGES)
    ]  # fmt: skip
    table = (
        html_table(["Rank", "Group", "Force", "Band", "Proposed", "Reason"], changes, {0})
        if changes
        else '<p class="none">No change: every held group is kept and no group is added.</p>'
    )
    short = "".join(f'<p class="warn">{esc(line)}</p>' for line in shortfall_lines(r))
    note = " Effort is taken as 1 per group here; `socprio slate` reads the effort column."
    effort = note if a.config.capacity.effort_column else ""
    return (
        f"<h2>Slate</h2>{short}{owners}<h3>Proposed changes</h3>{table}"
        f'<p class="sub">{esc(method(r) + effort)}</p>'
    )
