"""What changed, as text and JSON: the "changes since" section, movement fields, and diffs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from socprio.history.diff import Diff
from socprio.history.movement import Movement, Tag
from socprio.history.previous import Previous
from socprio.present.escape import message_text


def movement_labels(frame: pd.DataFrame) -> pd.Series:
    """Short text for a table's movement column: ``NEW``, ``SAME``, ``UP +3``, ``BAND_DOWN -2``."""
    change = (
        frame["rank_change"].astype("Int64").astype(str).str.replace(r"^(\d)", r"+\1", regex=True)
    )
    tags = frame["movement"].astype(str)
    plain = tags.isin([Tag.NEW.value, Tag.SAME.value])
    return tags.where(plain, tags + " " + change)


def movement_note(m: Movement) -> str:
    """One line on where movement comes from and how many groups moved each way."""
    since = m.since.isoformat() if m.since else "the previous run"
    counts = ", ".join(f"{v} {k}" for k, v in m.counts().items())
    return f"movement since {since} ({m.source}): {counts}"


def movement_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """One group's movement fields from its table row (None where a new group has none)."""
    return {
        "previous_rank": _int_or_none(row["previous_rank"]),
        "rank_change": _int_or_none(row["rank_change"]),
        "previous_band": row["previous_band"] or None,
        "movement": row["movement"],
        "movement_cause": str(row.get("movement_cause", "") or "") or None,
    }


def movement_to_json(m: Movement) -> dict[str, Any]:
    """The ``movement`` block for the JSON meta: since, previous source, counts, dropped."""
    return {
        "since": m.since.isoformat() if m.since else None,
        "previous": m.source,
        "config_changed": m.config_changed,
        "config_changes": list(m.config_changes),
        "headlines": m.headlines(),
        "counts": m.counts(),
        "dropped": _records(m.dropped),
    }


def headline_lines(m: Movement, *, indent: str = "  ") -> list[str]:
    """The groups that entered or left Band 1 or started an act-now, then any config change:
    what a meeting hears before the counts."""
    lines: list[str] = []
    for title, rows in m.headlines().items():
        if rows:
            lines.append(f"{title[0].upper()}{title[1:]} ({len(rows)}):")
            lines += [indent + r for r in rows]
    lines += config_lines(m.config_changed, m.config_changes, indent=indent)
    return lines


def config_lines(changed: bool | None, changes: tuple[str, ...], *, indent: str) -> list[str]:
    """A warning that the runs used different configs, naming what changed."""
    if changed is None:
        return [
            "Config: the earlier run does not record its config, so config changes are not detected"
        ]
    if not changed:
        return []
    head = "CONFIG CHANGED between the runs (different SHA-256): moves marked 'config change' "
    return [head + "come from the config, not the intelligence", *(indent + c for c in changes)]


def render_changes_text(m: Movement) -> str:
    """The "changes since <date>" section under the rank table (plain text, no marking)."""
    since = m.since.isoformat() if m.since else "the previous run"
    counts = m.counts()
    lines = [f"Changes since {since}:", *headline_lines(m)]
    lines.append("Counts: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    f = m.frame
    notable = f[f["movement"].isin([Tag.NEW.value, Tag.BAND_UP.value, Tag.BAND_DOWN.value])]
    for row in notable.itertuples(index=False):
        was = (
            ""
            if row.movement == Tag.NEW.value
            else f" (was #{row.previous_rank} {row.previous_band}; {row.movement_cause})"
        )
        text = f"  {row.movement:<9} #{row.rank} {row.band} {row.group_id} {_codename(row)}{was}"
        lines.append(text.rstrip())
    for row in m.dropped.itertuples(index=False):
        lines.append(
            f"  {'DROPPED':<9} was #{row.last_rank} {row.last_band} {row.group_id} "
            f"{row.codename} ({row.reason})".replace("  (", " (")
        )
    return message_text("\n".join(lines)) + "\n"  # codenames from an edited file are data


def diff_to_json(d: Diff) -> dict[str, Any]:
    """The diff as JSON-ready plain data (ints, floats, strings, None)."""
    movers = _records(d.movers)
    for item in movers:
        item["drivers"] = [{"factor": f, "change": c} for f, c in d.drivers[item["group_id"]]]
    return {
        "old": _side(d.old),
        "new": _side(d.new),
        "config_changed": d.config_changed,
        "config_changes": list(d.config_changes),
        "headlines": d.movement.headlines() if d.movement is not None else {},
        "counts": {
            "new": len(d.entered),
            "dropped": len(d.dropped),
            "band_changes": len(d.band_changes),
            "movers": len(d.movers),
        },
        "new_groups": _records(d.entered),
        "dropped": _records(d.dropped),
        "band_changes": _records(d.band_changes),
        "movers": movers,
    }


def render_diff_text(d: Diff, *, marking: str) -> str:
    """Plain text for a terminal or a cron mail; the marking is the first and last line."""
    config = {True: "config changed between the runs", False: "same config", None: ""}
    lines = [marking, f"socprio diff: {_label(d.old)} -> {_label(d.new)}"]
    lines += headline_lines(d.movement) if d.movement is not None else []
    lines += [
        f"ranked {len(d.old.frame)} -> {len(d.new.frame)}; {len(d.entered)} new, "
        f"{len(d.dropped)} dropped, {len(d.band_changes)} band changes"
        + (f"; {config[d.config_changed]}" if d.config_changed is not None else ""),
        "",
        f"New ({len(d.entered)}):",
    ]
    lines += [
        f"  #{r.rank:<4} {r.band:<3} {r.group_id} {_codename(r)} score {r.score:.1f}".rstrip()
        for r in d.entered.itertuples(index=False)
    ] or ["  none"]
    lines += ["", f"Dropped out ({len(d.dropped)}):"]
    lines += [
        f"  was #{r.last_rank:<4} {r.last_band:<3} {r.group_id} {r.codename} ({r.reason})".replace(
            "  (", " ("
        )
        for r in d.dropped.itertuples(index=False)
    ] or ["  none"]
    lines += ["", f"Band changes ({len(d.band_changes)}):"]
    lines += [
        f"  {r.group_id} {r.previous_band} -> {r.band} (#{r.previous_rank} -> #{r.rank}) "
        f"{r.movement}: {r.movement_cause}"
        for r in d.band_changes.itertuples(index=False)
    ] or ["  none"]
    lines += ["", f"Biggest movers ({len(d.movers)}):"]
    for r in d.movers.itertuples(index=False):
        lines.append(
            f"  {r.group_id} #{r.previous_rank} -> #{r.rank} ({r.rank_change:+d}) "
            f"{r.previous_band} -> {r.band} {r.movement}: {r.movement_cause}"
        )
    if d.movers.empty:
        lines.append("  none")
    return message_text("\n".join([*lines, "", marking])) + "\n"  # (a hand-edited ranking)


def _label(p: Previous) -> str:
    """``2026-11-16 (path)`` or just the path when the run's date is unknown."""
    return f"{p.as_of.isoformat()} ({p.source})" if p.as_of else p.source


def _side(p: Previous) -> dict[str, Any]:
    """One side of a diff for JSON."""
    return {
        "source": p.source,
        "as_of": p.as_of.isoformat() if p.as_of else None,
        "ranked": len(p.frame),
        "config_sha256": p.config_sha256,
    }


def _codename(row: Any) -> str:
    """A row's codename, or empty text when the export has none."""
    return str(getattr(row, "codename", "") or "")


def _int_or_none(value: Any) -> int | None:
    """An Int64 cell as int, or None for NA."""
    return None if value is None or value is pd.NA else int(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts; NA becomes None and scores are rounded to 0.1."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        item: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                item[str(key)] = None
            elif isinstance(value, float | np.floating):
                item[str(key)] = round(float(value), 1)
            elif isinstance(value, int | np.integer):
                item[str(key)] = int(value)
            else:
                item[str(key)] = value
        out.append(item)
    return out
