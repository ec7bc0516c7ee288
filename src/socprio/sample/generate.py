"""Synthetic OCG records for demos, tests and tuning: seeded, vectorised and config-driven.

ALL DATA IS SYNTHETIC. Codenames are invented word pairs and notes are invented phrases; no
real person, place-as-person or group is named. The work is split by concern: ``constants``
(settings and distributions), ``plan`` (per-call draws and helpers), ``admin`` and
``factors`` (the columns of one chunk), ``words`` (codenames and notes), ``bias`` (planted
biases) and ``csvout`` (CSV text). Nothing here imports typer, rich or pandas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from itertools import chain
from typing import Any

import numpy as np

from socprio.config.models import ADMIN_COLUMNS, Config, record_columns
from socprio.sample.admin import admin_columns
from socprio.sample.bias import Bias, check_bias, row_shifts
from socprio.sample.constants import (
    ASSESSMENT_P,
    DEFAULT_CRIME_WEIGHT,
    PRINCIPAL_WEIGHT,
    SAMPLE_AS_OF,
    SAMPLE_FILE_MODE,
    SAMPLE_GROUPS,
    SAMPLE_SEED,
    SOURCE_EVAL_P,
)
from socprio.sample.csvout import csv_chunks, write_csv
from socprio.sample.factors import factor_columns
from socprio.sample.plan import Latent, Plan, default_extras, make_plan, weights

__all__ = [
    "CHUNK_ROWS",
    "GENERATED_ADMIN",
    "SAMPLE_AS_OF",
    "SAMPLE_FILE_MODE",
    "SAMPLE_GROUPS",
    "SAMPLE_SEED",
    "Bias",
    "default_extras",
    "generate_blocks",
    "generate_csv",
    "generate_rows",
    "write_csv",
]

GENERATED_ADMIN = frozenset(
    ADMIN_COLUMNS
)  # the admin columns `admin_columns` generates; input factor columns come from the config
CHUNK_ROWS = 50_000  # rows drawn per step; part of the output contract (changing it reseeds)

Block = list[tuple[str, ...]]


def generate_blocks(
    cfg: Config,
    *,
    groups: int,
    seed: int,
    as_of: date,
    dormant: int | None = None,
    archived: int | None = None,
    biases: Sequence[Bias] = (),
) -> Iterator[Block]:
    """Yield ``[header]``, then the rows of each chunk of up to ``CHUNK_ROWS`` groups.

    ``groups`` rows are active; ``dormant`` and ``archived`` extra rows (default 5% and 3%, at
    least one each from 20 groups) are scattered among them. Rows are in ``group_id`` order.
    ``biases`` (see ``socprio.sample.bias``) are planted after drawing and draw nothing, so
    with none the output is unchanged. The same arguments always give the same rows; memory
    is bounded by ``CHUNK_ROWS``. Arguments are checked before the first block is yielded.
    """
    default_dormant, default_archived = default_extras(groups)
    dormant = default_dormant if dormant is None else dormant
    archived = default_archived if archived is None else archived
    if min(groups, dormant, archived) < 0:
        raise ValueError("groups, dormant and archived must not be negative")
    header = record_columns(cfg)
    unsupported = [c for c in header if c not in GENERATED_ADMIN and c not in cfg.factors]
    if unsupported:
        raise ValueError(f"no generator for column(s): {', '.join(unsupported)}")
    for bias in biases:
        check_bias(bias, cfg)
    rng = np.random.default_rng(seed)
    plan = make_plan(cfg, rng, groups, dormant, archived, as_of)
    return _blocks(plan, rng, header, tuple(biases))


def generate_rows(
    cfg: Config,
    *,
    groups: int,
    seed: int,
    as_of: date,
    dormant: int | None = None,
    archived: int | None = None,
    biases: Sequence[Bias] = (),
) -> Iterator[tuple[str, ...]]:
    """Yield the header, then one row of exact CSV cell strings per synthetic group.

    The rows of ``generate_blocks`` (same arguments), one at a time.
    """
    blocks = generate_blocks(
        cfg,
        groups=groups,
        seed=seed,
        as_of=as_of,
        dormant=dormant,
        archived=archived,
        biases=biases,
    )
    return chain.from_iterable(blocks)


def generate_csv(
    cfg: Config,
    *,
    groups: int,
    seed: int,
    as_of: date,
    dormant: int | None = None,
    archived: int | None = None,
    biases: Sequence[Bias] = (),
) -> Iterator[str]:
    """Yield the CSV text (``\\n`` line ends) in chunks: the header line, then one chunk per
    ``CHUNK_ROWS`` groups. Joined, the chunks are exactly ``write_csv`` of ``generate_rows``;
    pass them to ``write_output`` to stream a file in bounded memory."""
    blocks = generate_blocks(
        cfg,
        groups=groups,
        seed=seed,
        as_of=as_of,
        dormant=dormant,
        archived=archived,
        biases=biases,
    )
    return csv_chunks(blocks)


def _blocks(
    plan: Plan, rng: np.random.Generator, header: tuple[str, ...], biases: tuple[Bias, ...]
) -> Iterator[Block]:
    yield [header]
    for start in range(0, plan.total, CHUNK_ROWS):
        columns = _chunk(plan, rng, start, min(start + CHUNK_ROWS, plan.total), biases)
        yield list(zip(*(columns[c] for c in header), strict=True))


def _chunk(
    plan: Plan, rng: np.random.Generator, start: int, stop: int, biases: tuple[Bias, ...]
) -> dict[str, list[Any]]:
    """Every column of rows ``start``..``stop``; the draw order is part of the contract."""
    n = stop - start
    crime_p = weights(plan.crimes, PRINCIPAL_WEIGHT, DEFAULT_CRIME_WEIGHT)
    crime = rng.choice(len(plan.crimes), size=n, p=crime_p)
    source = rng.choice(3, size=n, p=SOURCE_EVAL_P)
    assessment = rng.choice(5, size=n, p=ASSESSMENT_P)
    rows = np.arange(start, stop, dtype=np.int64)
    severity = rng.standard_normal(n)
    ctx = Latent(rows, crime, source, assessment, severity, (source / 2 + assessment / 4) / 2)
    out = admin_columns(rng, plan, ctx, start, stop)
    forces = np.array(out["lead_force"], dtype=object)
    out |= factor_columns(rng, plan, ctx, row_shifts(biases, forces))
    return out
