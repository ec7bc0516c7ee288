"""The per-call plan (everything decided once, before any row) and small shared helpers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from socprio.config.models import Config
from socprio.sample.constants import (
    DISRUPTION_MAX_DAYS,
    ID_PREFIX,
    UNKNOWN_RATE,
    Floats,
    Ints,
    Strs,
)
from socprio.sample.words import ADJECTIVES, NOUNS


@dataclass(frozen=True)
class Plan:
    """Per-call constants shared by every chunk."""

    cfg: Config
    total: int
    width: int
    status: npt.NDArray[np.int8]  # 0 active, 1 dormant, 2 archived; one per row
    crimes: tuple[str, ...]
    unknown_rate: dict[str, float]
    pair_order: Ints
    iso: Strs  # days before as_of -> ISO date
    uk: Strs  # days before as_of -> DD/MM/YYYY


@dataclass(frozen=True)
class Latent:
    """The latent draws of one chunk that several columns share."""

    rows: Ints  # 0-based row numbers
    crime: Ints  # index into plan.crimes
    source: Ints  # intelligence source evaluation, 0..2 for 1..3
    assessment: Ints  # intelligence assessment, 0..4 for A..E
    severity: Floats  # latent N(0, 1): bigger, more dangerous, more capable groups
    weakness: Floats  # 0 (1A grading) .. 1 (3E): poorer intelligence, more unknowns


def ids(plan: Plan, rows: Ints) -> list[str]:
    """The group ids of an array of 0-based row numbers (built as ASCII bytes, for speed)."""
    prefix = np.frombuffer(ID_PREFIX.encode("ascii"), dtype=np.uint8)
    powers = 10 ** np.arange(plan.width - 1, -1, -1, dtype=np.int64)
    digits = ((rows.reshape(-1, 1) + 1) // powers % 10 + ord("0")).astype(np.uint8)
    chars = np.hstack([np.broadcast_to(prefix, (len(digits), len(prefix))), digits])
    size = chars.shape[1]
    return list(np.ascontiguousarray(chars).view(f"S{size}").ravel().astype(f"U{size}").tolist())


def weights(names: Sequence[str], table: Mapping[str, float], default: float) -> Floats:
    """Normalised weights for ``names`` from ``table`` (``default`` for names it lacks)."""
    w = np.array([table.get(n, default) for n in names], dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


def lookup(labels: Sequence[str], codes: npt.NDArray[Any]) -> list[Any]:
    """The labels at ``codes``, as a list of cell strings."""
    return list(np.array(labels, dtype=object)[codes].tolist())


def pick(
    rng: np.random.Generator, n: int, names: Sequence[str], table: Mapping[str, float], dflt: float
) -> list[Any]:
    """``n`` weighted draws from ``names``."""
    return lookup(names, rng.choice(len(names), size=n, p=weights(names, table, dflt)))


def flag(rng: np.random.Generator, n: int, share: float, yes: str, no: str) -> list[Any]:
    """``n`` yes/no cells, ``share`` of them yes."""
    return lookup((no, yes), (rng.random(n) < share).astype(np.int64))


def _date_tables(as_of: date, days: int) -> tuple[Strs, Strs]:
    dates = [as_of - timedelta(days=d) for d in range(days + 1)]
    iso = np.array([d.isoformat() for d in dates], dtype=object)
    uk = np.array([d.strftime("%d/%m/%Y") for d in dates], dtype=object)
    return iso, uk


def _status(
    rng: np.random.Generator, total: int, dormant: int, archived: int
) -> npt.NDArray[np.int8]:
    status = np.zeros(total, dtype=np.int8)
    picked = rng.choice(total, size=dormant + archived, replace=False)
    status[picked[:dormant]] = 1
    status[picked[dormant:]] = 2
    return status


def make_plan(
    cfg: Config, rng: np.random.Generator, groups: int, dormant: int, archived: int, as_of: date
) -> Plan:
    """Draw the per-call constants; refuse ids the config's group_id_pattern would reject."""
    total = groups + dormant + archived
    width = max(4, len(str(total)))
    status = _status(rng, total, dormant, archived)
    rates = rng.uniform(*UNKNOWN_RATE, size=len(cfg.factors))
    iso, uk = _date_tables(as_of, DISRUPTION_MAX_DAYS)
    plan = Plan(
        cfg=cfg,
        total=total,
        width=width,
        status=status,
        crimes=tuple(cfg.crime_types),
        unknown_rate={n: float(r) for n, r in zip(cfg.factors, rates, strict=True)},
        pair_order=rng.permutation(len(ADJECTIVES) * len(NOUNS)),
        iso=iso,
        uk=uk,
    )
    pattern = re.compile(cfg.record.group_id_pattern)
    ends = ids(plan, np.array([0, total - 1], dtype=np.int64)) if total else []
    if not all(pattern.match(gid) for gid in ends):
        raise ValueError(
            f"generated ids like {ends[-1]} do not match the configured "
            f"group_id_pattern {cfg.record.group_id_pattern}"
        )
    return plan


def default_extras(groups: int) -> tuple[int, int]:
    """Default dormant and archived counts for ``groups`` active groups (5% and 3%)."""
    dormant, archived = round(groups * 0.05), round(groups * 0.03)
    if groups >= 20:
        dormant, archived = max(dormant, 1), max(archived, 1)
    return dormant, archived
