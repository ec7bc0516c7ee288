"""The JSON export: a ``meta`` block (provenance, summary, movement) and every group's breakdown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from socprio.history.jsonread import gc_paused
from socprio.pipeline.columns import Coded
from socprio.pipeline.frame import OPINION_COLUMNS, STABILITY_COLUMNS, round_column, rounded_frame
from socprio.present.jsontext import (
    Member,
    Values,
    column_texts,
    encode_value,
    list_texts,
    object_lines,
    text_or_null_texts,
    yes_texts,
)

if TYPE_CHECKING:
    from socprio.pipeline.columns import Columns
    from socprio.pipeline.result import Assessment

LIST_COLUMNS = ("flags", "overrides", "secondary_crimes", "opportunity_4p")


CHUNK_ROWS = 2_000  # groups encoded at a time: memory stays bounded at any size


def to_json(a: Assessment) -> str:
    """The whole JSON export as one string (see ``json_chunks``)."""
    return "".join(json_chunks(a))


def json_chunks(a: Assessment) -> Iterator[str]:
    """Nested JSON, streamed: a ``meta`` block (indented), then one object per group on a
    line of its own with its full breakdown (and, when a previous run was given, its movement
    since then). Groups are encoded a chunk at a time, each key's values for the chunk
    together (``jsontext``), so memory stays bounded. The second-opinion and stability
    columns, when computed, are per-group keys of the same names; ``meta.stability`` comes
    from the provenance."""
    meta = a.provenance.meta() | {"summary": a.summary()}
    if a.movement is not None:
        from socprio.present.changes import movement_to_json

        meta["movement"] = movement_to_json(a.movement)
    head = json.dumps({"meta": meta}, indent=2, ensure_ascii=False)
    n = a.columns.rows
    yield head[: -len("\n}")] + (',\n  "groups": [\n' if n else ',\n  "groups": []\n}\n')
    if not n:
        return
    for start in range(0, n, CHUNK_ROWS):
        with gc_paused():  # the chunk's lists (and movement dicts): no collection walks them
            lines = ",\n    ".join(_group_lines(a, start, min(start + CHUNK_ROWS, n)))
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


def _group_lines(a: Assessment, start: int, stop: int) -> list[str]:
    """The JSON line of each group of rows ``start:stop`` of ``a.table``."""
    cfg = a.config
    weights = cfg.effective_weights
    have = a.columns
    extra = [key for key in (*STABILITY_COLUMNS, *OPINION_COLUMNS) if key in have]
    factors = {  # per factor: its columns, and the keys that are the same for every group
        name: (
            f"{name}_raw",
            f"{name}_value",
            f"{name}_points" if f"{name}_points" in have else None,
            cfg.policy(name).value,
            round(weights[name], 6) if name in weights else None,
        )
        for name in cfg.factors
    }
    moved: tuple[str, ...] = ()
    if a.movement is not None:
        from socprio.history.movement import MOVEMENT_COLUMNS as moved
    needed = [*ITEM_COLUMNS, *extra, *LIST_COLUMNS, "lro_assigned", "last_disruption_date"]
    needed += [f"{g}_points" for g in cfg.groups] + [*moved]
    needed += [
        c for raw, value, points, _, _ in factors.values() for c in (raw, value, points) if c
    ]
    col = _values(a, needed, start, stop)  # a column at a time
    return _lines(cfg.groups, factors, col, (*ITEM_COLUMNS, *extra), moved)


def _values(a: Assessment, names: list[str], start: int, stop: int) -> dict[str, Values]:
    """Rows ``start:stop`` of each named column, each value as
    ``rounded_frame(a.table)[name].tolist()`` gives it, read from the numpy columns where that
    is the same (so the export does not build, or import, pandas); a table joined with an
    earlier run is read from its frame."""
    col = None if a.movement is not None else _numpy_values(a.columns, names, start, stop)
    if col is None:
        frame = rounded_frame(a.table.iloc[start:stop][names])
        col = {c: frame[c].tolist() for c in names}
    return col


def _numpy_values(
    columns: Columns, names: list[str], start: int, stop: int
) -> dict[str, Values] | None:
    """The values of ``_values`` from the numpy columns: floats (rounded as printed) as an
    array, coded text as the chunk's codes into the labels it uses, other numbers and text as
    Python scalars, as a DataFrame's ``tolist`` gives them; None when a column holds anything
    else (an object that is not text, a missing value), which pandas would convert."""
    out: dict[str, Values] = {}
    for name in names:
        if name in columns.integer:
            return None
        held = columns.coded(name)
        if held is not None:  # the labels this chunk uses, each to be encoded once
            used, codes = np.unique(held.codes[start:stop], return_inverse=True)
            labels = held.labels[used]
            if not set(map(type, labels.tolist())) <= {str}:
                return None
            out[name] = Coded(codes.reshape(-1), labels)
            continue
        values = columns.part(name, start, stop)
        if values.dtype.kind == "f":
            out[name] = round_column(name, values)
        elif values.dtype.kind in "iubU":
            out[name] = values.tolist()
        elif values.dtype.kind == "O":
            out[name] = values.tolist()
            if not set(map(type, out[name])) <= {str}:
                return None
        else:
            return None
    return out


def _lines(
    groups: Iterable[str],
    factors: dict[str, tuple[str, str, str | None, Any, Any]],
    col: dict[str, Values],
    keys: tuple[str, ...],
    moved: tuple[str, ...],
) -> list[str]:
    """The group objects' JSON lines from ``col`` (column name -> values), each value encoded
    a column at a time (see ``jsontext``); keys in the export's order."""
    members: list[Member] = [(key, column_texts(col[key])) for key in keys]
    members += [(key, column_texts(col[key], list_texts)) for key in LIST_COLUMNS]
    members.append(("lro_assigned", column_texts(col["lro_assigned"], yes_texts)))
    dates = column_texts(col["last_disruption_date"], text_or_null_texts)
    members.append(("last_disruption_date", dates))
    points = tuple((g, column_texts(col[f"{g}_points"])) for g in groups)
    members.append(("group_points", points))
    per_factor = tuple(
        (
            name,
            (
                ("raw", column_texts(col[raw])),
                ("value", column_texts(col[value])),
                ("policy", encode_value(policy)),
                ("weight", encode_value(weight)),
                ("points", column_texts(col[pts]) if pts else "null"),
            ),
        )
        for name, (raw, value, pts, policy, weight) in factors.items()
    )
    members.append(("factors", per_factor))
    n = len(dates)
    if moved:  # rarer (a previous run was given): a dict per group, encoded whole
        from socprio.present.changes import movement_record

        rows = _objects(list(moved), [_scalars(col[c]) for c in moved], n)
        members.append(("movement", [encode_value(movement_record(row)) for row in rows]))
    return object_lines(members, n)


def _scalars(values: Values) -> list[Any]:
    """A column's values as Python scalars, as a DataFrame's ``tolist`` gives them."""
    if isinstance(values, Coded):
        listed: list[Any] = values.labels[values.codes].tolist()
        return listed
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _objects(keys: list[str], columns: list[list[Any]], n: int) -> list[dict[str, Any]]:
    """``n`` dicts, the i-th mapping each key to the i-th value of its column."""
    if not keys:
        return [{} for _ in range(n)]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
