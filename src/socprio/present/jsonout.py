"""The JSON export: a ``meta`` block (provenance, summary, movement) and every group's breakdown."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from socprio.pipeline.frame import OPINION_COLUMNS, STABILITY_COLUMNS, rounded_frame
from socprio.present.changes import movement_record, movement_to_json

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

LIST_COLUMNS = ("flags", "overrides", "secondary_crimes", "opportunity_4p")


def to_json(a: Assessment) -> str:
    """Nested JSON: a ``meta`` block, then one object per group with its full breakdown
    (and, when a previous run was given, its movement since then). The second-opinion and
    stability columns, when computed, are per-group keys of the same names;
    ``meta.stability`` comes from the provenance."""
    cfg = a.config
    out = rounded_frame(a.table)
    moved = a.movement is not None
    weights = cfg.effective_weights
    groups = []
    for row in out.to_dict(orient="records"):
        item: dict[str, Any] = {
            key: row[key]
            for key in (
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
        }
        item |= {key: row[key] for key in (*STABILITY_COLUMNS, *OPINION_COLUMNS) if key in row}
        for key in LIST_COLUMNS:
            item[key] = [v for v in str(row[key]).split(";") if v]
        item["lro_assigned"] = row["lro_assigned"] == "yes"
        item["last_disruption_date"] = str(row["last_disruption_date"]) or None
        item["group_points"] = {g: row[f"{g}_points"] for g in cfg.groups}
        item["factors"] = {
            name: {
                "raw": row[f"{name}_raw"],
                "value": row[f"{name}_value"],
                "policy": cfg.policy(name).value,
                "weight": round(weights[name], 6) if name in weights else None,
                "points": row.get(f"{name}_points"),
            }
            for name in cfg.factors
        }
        if moved:
            item["movement"] = movement_record(row)
        groups.append(item)
    meta = a.provenance.meta() | {"summary": a.summary()}
    if a.movement is not None:
        meta["movement"] = movement_to_json(a.movement)
    return json.dumps({"meta": meta, "groups": groups}, indent=2, ensure_ascii=False) + "\n"
