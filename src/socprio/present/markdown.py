"""The markdown export: Act now first, then the ranked table, the summary and the caption."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from socprio.pipeline.frame import rounded_frame
from socprio.present.captions import INTERVAL, caption, interval_note, rank_interval
from socprio.present.changes import movement_labels, movement_note
from socprio.present.escape import markdown_text as _md

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment


def act_now_lines(a: Assessment) -> list[str]:
    """The Act now section: every act-now group of the view, whatever its score, with its
    regional rank, then the act-now groups outside a filtered view (never left out)."""
    from socprio.core.flags import Flag

    act = rounded_frame(a.table[a.flags[:, list(Flag).index(Flag.ACTION_NOW)]])
    lines = ["### Act now", ""]
    if len(act):
        lines += [
            "Groups with an active threat to life (ACTION_NOW), first whatever their score; "
            "# is the regional rank.",
            "",
        ]
    for r in act.itertuples(index=False):
        flags = ", ".join(f for f in str(r.flags).split(";") if f)
        lines.append(
            f"- **#{r.rank} {_md(r.group_id)} {_md(r.codename)}**: band {_md(r.band)}, "
            f"score {r.score}, {_md(r.lead_force)}, {_md(r.principal_crime)}; flags {flags}"
        )
    outside = a.act_now_outside
    if outside is not None and outside.rows:
        named = ", ".join(
            f"#{rank} {_md(gid)} ({_md(force)})"
            for rank, gid, force in zip(
                outside["rank"], outside["group_id"], outside["lead_force"], strict=True
            )
        )
        lines.append(f"- **Outside this view** (not matching its filters): {named}")
    elif not len(act):
        lines.append("No group has an active threat to life (ACTION_NOW).")
    return [*lines, ""]


CHUNK_ROWS = 5_000  # table rows rounded and written at a time: memory stays bounded


def to_markdown(a: Assessment) -> str:
    """The whole markdown export as one string (see ``markdown_chunks``)."""
    return "".join(markdown_chunks(a))


def markdown_chunks(a: Assessment) -> Iterator[str]:
    """A GitHub-flavoured markdown table with the summary and provenance, streamed: the
    table's rows are rounded and written a chunk at a time, from the columns they show."""
    prov, table = a.provenance, a.table
    cols = ["rank", "band", "score", "group_id", "codename", "lead_force", "principal_crime"]
    cols += ["confidence", "flags"]
    read = list(cols)
    interval = "rank_p5" in table.columns
    if interval:
        cols.insert(3, INTERVAL)
        read += ["rank_p5", "rank_p95"]
    if a.movement is not None:
        cols.insert(cols.index("group_id"), "movement")
        read += ["movement", "rank_change"]
    head = [f"**{prov.config.config.marking}**", "", *act_now_lines(a)]
    head += ["### Ranking (harm order)", "", "| " + " | ".join(cols) + " |"]
    head.append("|" + "|".join("---:" if c in ("rank", "score") else "---" for c in cols) + "|")
    yield "".join(line + "\n" for line in head)
    for start in range(0, len(table), CHUNK_ROWS):
        out = rounded_frame(table.iloc[start : start + CHUNK_ROWS][read])
        if interval:
            out[INTERVAL] = rank_interval(out)
        if a.movement is not None:
            out["movement"] = movement_labels(out)
        rows = out[cols].itertuples(index=False)
        yield "".join("| " + " | ".join(_md(v) for v in row) + " |\n" for row in rows)
    lines = [""]
    for name, counts in a.summary().items():
        lines.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if interval:
        lines += ["", f"_{interval_note(prov)}_"]
    if a.movement is not None:
        lines += ["", "_" + movement_note(a.movement) + "_"]
    lines += ["", f"_{caption(prov)}_"]
    yield "".join(line + "\n" for line in lines)
