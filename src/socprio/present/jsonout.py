"""The JSON export: a ``meta`` block (provenance, summary, movement) and every group's breakdown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from socprio.history.movement import MOVEMENT_COLUMNS
from socprio.pipeline.frame import OPINION_COLUMNS, STABILITY_COLUMNS, rounded_frame
from socprio.present.changes import movement_record, movement_to_json

if TYPE_CHECKING:
    import pandas as pd

    from socprio.pipeline.result import Assessment

LIST_COLUMNS = ("flags", "overrides", "secondary_crimes", "opportunity_4p")


CHUNK_ROWS = 2_000  # groups built as dicts at a time: memory stays bounded at any size


def to_json(a: Assessment) -> str:
    """The whole JSON export as one string (see ``json_chunks``)."""
    return "".join(json_chunks(a))


def json_chunks(a: Assessment) -> Iterator[str]:
    """Nested JSON, streamed: a ``meta`` block (indented), then one object per group on a
    line of its own with its full breakdown (and, when a previous run was given, its movement
    since then). Groups go through the C encoder a chunk at a time, so memory stays bounded.
    The second-opinion and stability columns, when computed, are per-group keys of the same
    names; ``meta.stability`` comes from the provenance."""
    meta = a.provenance.meta() | {"summary": a.summary()}
    if a.movement is not None:
        meta["movement"] = movement_to_json(a.movement)
    head = json.dumps({"meta": meta}, indent=2, ensure_ascii=False)
    n = len(a.table)
    yield head[: -len("\n}")] + (',\n  "groups": [\n' if n else ',\n  "groups": []\n}\n')
    if not n:
        return
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for start in range(0, n, CHUNK_ROWS):
        items = _group_items(a, a.table.iloc[start : start + CHUNK_ROWS])
        lines = ",\n    ".join(encode(item) for item in items)
        yield ("    " if start == 0 else ",\n    ") + lines
    yield "\n  ]\n}\n"


ITEM_COLUMNS = (
    "rank",
    "tasking_order",
    "group_id",
    "codename",
    "band",
    "score_band",
    "score",
    "score_min",
    "score_max",
    "coverage",
    "confidence",
    "grading",
    "lead_force",
    "status",
    "principal_crime",
    "last_intel_review",
    "notes",
)


def _group_items(a: Assessment, chunk: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON object per group of ``chunk`` (rows of ``a.table``)."""
    cfg = a.config
    weights = cfg.effective_weights
    extra = [key for key in (*STABILITY_COLUMNS, *OPINION_COLUMNS) if key in chunk.columns]
    factors = {  # per factor: its columns, and the keys that are the same for every group
        name: (
            f"{name}_raw",
            f"{name}_value",
            f"{name}_points" if f"{name}_points" in chunk.columns else None,
            cfg.policy(name).value,
            round(weights[name], 6) if name in weights else None,
        )
        for name in cfg.factors
    }
    moved = MOVEMENT_COLUMNS if a.movement is not None else ()
    needed = [*ITEM_COLUMNS, *extra, *LIST_COLUMNS, "lro_assigned", "last_disruption_date"]
    needed += [f"{g}_points" for g in cfg.groups] + [*moved]
    needed += [
        c for raw, value, points, _, _ in factors.values() for c in (raw, value, points) if c
    ]
    groups = []
    frame = rounded_frame(chunk[needed])
    columns = [frame[c].tolist() for c in needed]  # Python scalars, a column at a time
    for values in zip(*columns, strict=True):
        row = dict(zip(needed, values, strict=True))
        item: dict[str, Any] = {key: row[key] for key in (*ITEM_COLUMNS, *extra)}
        for key in LIST_COLUMNS:
            item[key] = [v for v in str(row[key]).split(";") if v]
        item["lro_assigned"] = row["lro_assigned"] == "yes"
        item["last_disruption_date"] = str(row["last_disruption_date"]) or None
        item["group_points"] = {g: row[f"{g}_points"] for g in cfg.groups}
        item["factors"] = {
            name: {
                "raw": row[raw],
                "value": row[value],
                "policy": policy,
                "weight": weight,
                "points": row[points] if points else None,
            }
            for name, (raw, value, points, policy, weight) in factors.items()
        }
        if moved:
            item["movement"] = movement_record(row)
        groups.append(item)
    return groups
