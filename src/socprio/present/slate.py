"""``socprio slate``: the proposed tasking slate as CSV, JSON, markdown and a terminal table.

Built from a ``pipeline.slate.SlateResult``; never prints. Input text is data: formula-escaped
in the CSV, escaped in markdown, rich ``Text`` in the table.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from socprio.core.ranking import rounded
from socprio.present.captions import caption
from socprio.present.escape import escape_cell
from socprio.present.escape import markdown_text as _md

if TYPE_CHECKING:
    from socprio.core.slate import OwnerLine
    from socprio.pipeline.slate import SlateResult

METHOD = (
    "Maximises the harm covered (sum of scores of adopted groups; a group adopted now counts "
    "{c:g} points more) within each owner's slots and effort, as a 0-1 integer programme "
    "(SciPy milp, HiGHS). Act-now groups and groups lifted into Band 1 by an override are "
    "adopted first, as many as each owner can hold; ties go to the better rank."
)
GROUP_COLUMNS = (
    "rank", "group_id", "codename", "lead_force", "band", "score", "flags",
    "lro_assigned", "effort", "decision", "reason",
)  # fmt: skip


def group_rows(r: SlateResult, decisions: Collection[str] | None = None) -> list[dict[str, Any]]:
    """One dict per ranked group, in rank order (scores rounded as exported); only the groups
    with one of ``decisions`` when it is given."""
    p, s, t = r.problem, r.slate, r.a.table
    scores = rounded(p.score)
    rows = (
        range(len(p))
        if decisions is None
        else np.flatnonzero(np.isin(s.decision, list(decisions))).tolist()
    )
    codenames, flags = t["codename"].to_numpy(dtype=object), t["flags"].to_numpy(dtype=object)
    return [
        {
            "rank": int(p.rank[i]),
            "group_id": str(p.group_id[i]),
            "codename": str(codenames[i]),
            "lead_force": str(p.owner[i]),
            "band": str(p.band[i]),
            "score": float(scores[i]),
            "flags": str(flags[i]),
            "lro_assigned": "yes" if p.adopted[i] else "no",
            "effort": float(p.effort[i]),
            "decision": str(s.decision[i]),
            "reason": str(s.reason[i]),
        }
        for i in rows
    ]


def owner_data(o: OwnerLine) -> dict[str, Any]:
    """One owner's line as JSON-ready data."""
    return {
        "owner": o.owner,
        "capacity": o.slots,
        "used": o.used,
        "free": o.free,
        "effort_capacity": o.effort_capacity,
        "effort_used": o.effort_used,
        "kept": o.kept,
        "adopted": o.adopted,
        "released": o.released,
        "must_adopt": o.hard,
        "shortfall": o.shortfall,
        "best_below_the_line": o.best_below,
        "best_below_the_line_score": (
            None
            if o.best_below_score is None
            else float(rounded(np.array([o.best_below_score]))[0])
        ),
    }


def method(r: SlateResult) -> str:
    """The one-paragraph method note."""
    return METHOD.format(c=r.problem.continuity)


def shortfall_lines(r: SlateResult) -> list[str]:
    """Plain statements of every owner short of capacity for its must-adopt groups."""
    return [
        f"CAPACITY SHORT: {o.owner} can hold {o.hard - o.shortfall} of its {o.hard} act-now or "
        f"override Band 1 groups; {o.shortfall} more slot(s) or effort needed."
        for o in r.slate.owners
        if o.shortfall
    ]


def slate_data(r: SlateResult) -> dict[str, Any]:
    """The slate as JSON-ready data: meta, owners, groups."""
    meta = r.a.provenance.meta() | {
        "slate": {
            "continuity": r.problem.continuity,
            "shortfall": r.slate.shortfall,
            "method": method(r),
        }
    }
    owners = [owner_data(o) for o in r.slate.owners]
    return {"meta": meta, "owners": owners, "groups": group_rows(r)}


def slate_json(r: SlateResult) -> str:
    """``slate_data`` as indented JSON text."""
    return json.dumps(slate_data(r), indent=2, ensure_ascii=False) + "\n"


def slate_csv(r: SlateResult) -> Iterator[str]:
    """One row per ranked group (CRLF), the marking on every row, text formula-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*GROUP_COLUMNS, "marking"])
    marking = escape_cell(r.a.config.marking)
    for row in group_rows(r):
        cells = [v if isinstance(v, int | float) else escape_cell(str(v)) for v in row.values()]
        writer.writerow([*cells, marking])
    yield buffer.getvalue()


def _free(o: OwnerLine) -> str:
    return "unlimited" if o.slots is None else str(o.free)


def owner_cells(o: OwnerLine) -> list[str]:
    """An owner's row as shown to people: owner, capacity, used, free, shortfall, best out."""
    best = "-" if o.best_below is None else f"{o.best_below} ({o.best_below_score:.1f})"
    capacity = "unlimited" if o.slots is None else str(o.slots)
    if o.effort_capacity is not None:
        capacity += f" / effort {o.effort_capacity:g}"
    return [o.owner, capacity, str(o.used), _free(o), str(o.shortfall), best]


OWNER_HEAD = ["owner", "capacity", "used", "free", "shortfall", "best below the line"]
GROUP_HEAD = ["rank", "group", "force", "band", "score", "now", "decision", "reason"]


def slate_markdown(r: SlateResult) -> str:
    """The slate as markdown: the owners, then every group with its decision and reason."""
    lines = [f"**{_md(r.a.config.marking)}**", ""]
    lines += [f"**{_md(x)}**" for x in shortfall_lines(r)]
    lines += ["| " + " | ".join(OWNER_HEAD) + " |", "|---|---|---:|---:|---:|---|"]
    lines += ["| " + " | ".join(_md(c) for c in owner_cells(o)) + " |" for o in r.slate.owners]
    lines += ["", "| " + " | ".join(GROUP_HEAD) + " |", "|---:|---|---|---|---:|---|---|---|"]
    for g in group_rows(r):
        cells = [g["rank"], g["group_id"], g["lead_force"], g["band"], f"{g['score']:.1f}"]
        cells += [g["lro_assigned"], g["decision"], g["reason"]]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines += ["", f"_{_md(method(r))}_", "", f"_{_md(caption(r.a.provenance))}_", ""]
    return "\n".join(lines)


TABLE_ROWS = 60  # groups the terminal table lists unless asked for all
SHOWN_FIRST = {"ADOPT": 0, "RELEASE": 0, "KEEP": 1, "BELOW_THE_LINE": 2}


def shown_groups(r: SlateResult, limit: int | None) -> tuple[list[dict[str, Any]], int]:
    """The groups the terminal lists, in rank order, and how many are left out: the changes
    (adopt, release) first, then those kept, then those below the line, up to ``limit``."""
    rows = group_rows(r)
    if limit is None or len(rows) <= limit:
        return rows, 0
    chosen = sorted(rows, key=lambda g: (SHOWN_FIRST[g["decision"]], g["rank"]))[:limit]
    return sorted(chosen, key=lambda g: g["rank"]), len(rows) - limit


def slate_table(
    r: SlateResult, *, width: int = 100, terminal: bool = False, limit: int | None = TABLE_ROWS
) -> str:
    """The slate for the terminal: owners, then the groups whose decision changes something
    (adopt, release), those kept and those left out, in rank order: ``limit`` of them at most,
    with a line saying how many more and how to list them."""
    from rich import box
    from rich.console import Console
    from rich.console import Group as RichGroup
    from rich.table import Table
    from rich.text import Text

    owners = Table(box=box.SIMPLE_HEAD if terminal else None, title=Text(r.a.config.marking))
    for h in OWNER_HEAD:
        owners.add_column(h, justify="right" if h in ("used", "free", "shortfall") else "left")
    for o in r.slate.owners:
        owners.add_row(*(Text(c) for c in owner_cells(o)))
    groups = Table(box=box.SIMPLE_HEAD if terminal else None, caption=Text(caption(r.a.provenance)))
    for h in GROUP_HEAD:
        groups.add_column(h, justify="right" if h in ("rank", "score") else "left")
    rows, hidden = shown_groups(r, limit)
    for g in rows:
        groups.add_row(
            str(g["rank"]), Text(g["group_id"]), Text(g["lead_force"]), g["band"],
            f"{g['score']:.1f}", g["lro_assigned"], g["decision"], Text(g["reason"]),
        )  # fmt: skip
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, no_color=not terminal,
                      highlight=False, emoji=False, markup=False)  # fmt: skip
    notes = [Text(x, style="bold") for x in shortfall_lines(r)]
    more = f"{hidden} more groups not listed: --all, -f csv or -f markdown lists every one"
    tail = [Text(more, style="bold")] if hidden else []
    console.print(RichGroup(*notes, owners, groups, *tail, Text(method(r), style="dim")))
    return out.getvalue()
