"""The markdown export: the ranked table, the summary and the provenance caption."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socprio.pipeline.frame import rounded_frame
from socprio.present.captions import INTERVAL, caption, interval_note, rank_interval
from socprio.present.changes import movement_labels, movement_note

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment


def _md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(a: Assessment) -> str:
    """A GitHub-flavoured markdown table with the summary and provenance."""
    prov = a.provenance
    out = rounded_frame(a.table)
    cols = ["rank", "band", "score", "group_id", "codename", "lead_force", "principal_crime"]
    cols += ["confidence", "flags"]
    if "rank_p5" in out:
        out[INTERVAL] = rank_interval(out)
        cols.insert(3, INTERVAL)
    if a.movement is not None:
        out["movement"] = movement_labels(out)
        cols.insert(cols.index("group_id"), "movement")
    lines = [f"**{prov.config.config.marking}**", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join("---:" if c in ("rank", "score") else "---" for c in cols) + "|")
    for row in out[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_md(v) for v in row) + " |")
    lines.append("")
    for name, counts in a.summary().items():
        lines.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if "rank_p5" in out:
        lines += ["", f"_{interval_note(prov)}_"]
    if a.movement is not None:
        lines += ["", "_" + movement_note(a.movement) + "_"]
    lines += ["", f"_{caption(prov)}_", ""]
    return "\n".join(lines)
