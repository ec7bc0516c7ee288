"""The tasking slate of an ``Assessment``: the slate problem built from its ranked groups and
the config's capacity, solved by ``core.slate``; and the effort column read from the input.

Reads nothing but the bytes it is given; never writes or prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from socprio.core.flags import Flag
from socprio.core.slate import ObjArray, Slate, SlateProblem, slate
from socprio.errors import DataError
from socprio.history.movement import band_numbers

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig
    from socprio.pipeline.result import Assessment
    from socprio.read.input import Source

BY_OVERRIDE = "override to Band 1"


@dataclass(frozen=True)
class SlateResult:
    """An assessment, the slate problem made from it and its solved slate."""

    a: Assessment
    problem: SlateProblem
    slate: Slate


def hard_reasons(a: Assessment) -> ObjArray:
    """Per ranked group (rank order): why it must be adopted, or ""."""
    flags = list(Flag)
    now = a.flags[:, flags.index(Flag.ACTION_NOW)]
    lifted = a.flags[:, flags.index(Flag.OVERRIDE)]
    band_one = band_numbers(a.table["band"]).to_numpy() == 1
    out = np.full(len(a.table), "", dtype=object)
    out[lifted & band_one] = BY_OVERRIDE
    out[now] = Flag.ACTION_NOW.value
    return out


def slate_problem(a: Assessment, effort: Mapping[str, float] | None = None) -> SlateProblem:
    """The slate problem of the ranked groups of ``a`` (rank order), each owned by its lead
    force, with the capacity of every configured force (``effort``: per group id, else 1)."""
    t = a.table
    ids = t["group_id"].to_numpy(dtype=object)
    cap = a.config.capacity
    owners = list(a.config.record.forces)
    owners += sorted(set(map(str, t["lead_force"].tolist())) - set(owners))
    efforts = np.ones(len(t))
    if effort is not None:
        efforts = np.array([effort.get(str(g), 1.0) for g in ids.tolist()], dtype=np.float64)
    return SlateProblem(
        group_id=ids,
        owner=t["lead_force"].to_numpy(dtype=object),
        band=t["band"].to_numpy(dtype=object),
        score=t["score"].to_numpy(dtype=np.float64),
        rank=t["rank"].to_numpy(dtype=np.int64),
        adopted=(t["lro_assigned"].to_numpy(dtype=object) == "yes"),
        hard=hard_reasons(a),
        effort=efforts,
        capacity=tuple((o, cap.of(o)) for o in owners),
        continuity=cap.continuity,
    )


def tasking_slate(a: Assessment, effort: Mapping[str, float] | None = None) -> SlateResult:
    """The proposed slate of ``a``."""
    problem = slate_problem(a, effort)
    return SlateResult(a, problem, slate(problem))


def read_effort(
    data: bytes,
    *,
    source: str,
    column: str,
    aliases: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> dict[str, float]:
    """Each group's effort from ``column`` of the input CSV (a blank cell is 1). DataError
    naming the file, line and column for a missing column or a cell that is not a positive
    number."""
    from socprio.read.csvtable import read_table

    table = read_table(data, source=source, encoding=encoding, delimiter=delimiter)
    names = {k.strip().casefold(): v for k, v in (aliases or {}).items()}
    header = [names.get(h.strip().casefold(), h.strip().casefold()) for h in table.header]
    if column.casefold() not in header:
        raise DataError("the effort column named in capacity.effort_column is missing",
                        file=source, line=1, column=column)  # fmt: skip
    at, gid = header.index(column.casefold()), header.index("group_id")
    efforts, ids = table.columns[at], table.columns[gid]
    values = np.array([_effort(text.strip()) for text in efforts.values], dtype=float)
    bad = np.flatnonzero(~((values > 0) & (values <= 1e9))[efforts.codes])  # NaN is bad too
    if len(bad):
        raise DataError("effort must be a positive number (blank: 1)",
                        file=source, line=int(table.lines[bad[0]]), column=column)  # fmt: skip
    stripped = np.array([text.strip() for text in ids.values], dtype=object)
    return dict(zip(stripped[ids.codes].tolist(), values[efforts.codes].tolist(), strict=True))


def _effort(text: str) -> float:
    """One effort cell's number (blank: 1), NaN when it is not a finite number."""
    try:
        value = float(text) if text else 1.0
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def assess_slate(
    source: Source,
    config: LoadedConfig,
    *,
    as_of: date,
    include_dormant: bool = False,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> SlateResult:
    """Assess ``source`` (a path or ``-``) and propose its slate; the effort column (when the
    config names one) is read from the same bytes."""
    import io

    from socprio.pipeline.assess import assess
    from socprio.read.input import source_bytes

    data, name = source_bytes(source)
    stream = io.BytesIO(data)
    stream.name = name  # messages and provenance name the input as ``assess`` would
    a = assess(
        stream,
        config,
        as_of=as_of,
        include_dormant=include_dormant,
        encoding=encoding,
        delimiter=delimiter,
    )
    cfg = config.config
    column = cfg.capacity.effort_column
    effort = None
    if column is not None:
        effort = read_effort(
            data,
            source=name,
            column=column,
            aliases=cfg.columns.aliases,
            encoding=encoding,
            delimiter=delimiter,
        )
    return tasking_slate(a, effort)
