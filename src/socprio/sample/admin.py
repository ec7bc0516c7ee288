"""The admin columns of one chunk: ids, codenames, force, status, crimes, members, grading,
dates, disruptions, 4P strands, links and notes. The order of the random draws is part of
the output contract: reordering them changes every generated file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from socprio.config.models import STRANDS
from socprio.sample.constants import (
    DEFAULT_CRIME_WEIGHT,
    DEFAULT_DISRUPTION_WEIGHT,
    DEFAULT_FORCE_WEIGHT,
    DISRUPTION_MAX_DAYS,
    DISRUPTION_WEIGHT,
    FORCE_WEIGHT,
    LINK_COUNT_P,
    LRO_SHARE,
    MEMBER_MEDIAN,
    MEMBER_SIZE_SHIFT,
    NO_DISRUPTION_SHARE,
    SECONDARY_COUNT_P,
    SECONDARY_WEIGHT,
    STALE_SHARE,
    STRAND_P,
    TWO_MEMBER_SHARE,
    UK_DATE_SHARE,
    Ints,
    Strs,
)
from socprio.sample.plan import Latent, Plan, flag, ids, lookup, pick, weights
from socprio.sample.words import codenames, notes


def admin_columns(
    rng: np.random.Generator, plan: Plan, ctx: Latent, start: int, stop: int
) -> dict[str, list[Any]]:
    """Every admin column of rows ``start``..``stop`` (``ctx`` holds their latent draws)."""
    n = stop - start
    rules = plan.cfg.record
    out: dict[str, list[Any]] = {
        "group_id": ids(plan, ctx.rows),
        "codename": codenames(plan.pair_order, ctx.rows),
        "lead_force": pick(rng, n, rules.forces, FORCE_WEIGHT, DEFAULT_FORCE_WEIGHT),
        "status": lookup(("active", "dormant", "archived"), plan.status[start:stop]),
        "lro_assigned": flag(rng, n, LRO_SHARE, rules.true_values[0], rules.false_values[0]),
        "principal_crime": lookup(plan.crimes, ctx.crime),
        "secondary_crimes": _secondary(rng, plan, ctx),
        "member_count": _members(rng, plan, ctx),
        "intel_source_eval": lookup(("1", "2", "3"), ctx.source),
        "intel_assessment": lookup(tuple("ABCDE"), ctx.assessment),
        "last_intel_review": _review_dates(rng, plan, n),
    }
    out |= _disruptions(rng, plan, n)
    out["opportunity_4p"] = _strands(rng, n)
    out["linked_groups"] = _links(rng, plan, ctx)
    out["notes"] = notes(rng, n)
    return out


def _secondary(rng: np.random.Generator, plan: Plan, ctx: Latent) -> list[Any]:
    """0-3 distinct secondary crimes, never the principal (weighted sampling via Gumbel keys)."""
    n, c = len(ctx.rows), len(plan.crimes)
    most = min(len(SECONDARY_COUNT_P) - 1, plan.cfg.record.max_secondary_crimes, c - 1)
    count = np.minimum(rng.choice(len(SECONDARY_COUNT_P), size=n, p=SECONDARY_COUNT_P), most)
    logw = np.log(weights(plan.crimes, SECONDARY_WEIGHT, DEFAULT_CRIME_WEIGHT))
    keys = logw + rng.gumbel(size=(n, c))
    keys[np.arange(n), ctx.crime] = -np.inf
    top = np.full((n, max(most, 1)), c, dtype=np.int64)  # c: the "none" sentinel
    every = np.arange(n)
    for k in range(most):
        best = keys.argmax(axis=1)
        top[:, k] = np.where(count > k, best, c)
        keys[every, best] = -np.inf
    return _join_indices(top, plan.crimes)


def _join_indices(idx: Ints, names: Sequence[str]) -> list[Any]:
    """Rows of indices into ``names`` (``len(names)`` = none) as ';'-lists in config order."""
    base = len(names) + 1
    idx = np.sort(idx, axis=1)
    code = np.zeros(len(idx), dtype=np.int64)
    for j in range(idx.shape[1]):
        code = code * base + idx[:, j]
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    text = [";".join(names[i] for i in idx[row] if i < len(names)) for row in first]
    return lookup(text, inverse.reshape(-1))


def _members(rng: np.random.Generator, plan: Plan, ctx: Latent) -> list[Any]:
    """Lognormal member counts, median about 10, 3..250; a few groups of two."""
    n = len(ctx.rows)
    shift = np.array([MEMBER_SIZE_SHIFT.get(c, 0.0) for c in plan.crimes])[ctx.crime]
    log_m = np.log(MEMBER_MEDIAN) + 0.45 * ctx.severity + 0.5 * rng.standard_normal(n) + shift
    members = np.clip(np.rint(np.exp(log_m)), 3, 250).astype(np.int64)
    members[rng.random(n) < TWO_MEMBER_SHARE] = 2
    return lookup([str(i) for i in range(251)], members)


def _dates(rng: np.random.Generator, plan: Plan, days: Ints) -> Strs:
    uk = rng.random(len(days)) < UK_DATE_SHARE
    return np.where(uk, plan.uk[days], plan.iso[days])


def _review_dates(rng: np.random.Generator, plan: Plan, n: int) -> list[Any]:
    stale = rng.random(n) < STALE_SHARE
    days = np.where(stale, rng.integers(91, 201, size=n), rng.integers(0, 91, size=n))
    return list(_dates(rng, plan, days).tolist())


def _disruptions(rng: np.random.Generator, plan: Plan, n: int) -> dict[str, list[Any]]:
    """A date and type for ~60% of groups; both blank for the rest."""
    none = rng.random(n) < NO_DISRUPTION_SHARE
    days = rng.integers(0, DISRUPTION_MAX_DAYS + 1, size=n)
    when = _dates(rng, plan, days)
    kinds = plan.cfg.record.disruption_types
    what = np.array(pick(rng, n, kinds, DISRUPTION_WEIGHT, DEFAULT_DISRUPTION_WEIGHT), object)
    when[none] = ""
    what[none] = ""
    return {"last_disruption_date": when.tolist(), "disruption_type": what.tolist()}


def _strands(rng: np.random.Generator, n: int) -> list[Any]:
    """1-3 of the 4P strands, in their usual order."""
    chosen = rng.random((n, len(STRANDS))) < np.array([STRAND_P[s] for s in STRANDS])
    chosen[~chosen.any(axis=1), 0] = True
    full = chosen.all(axis=1)
    chosen[np.nonzero(full)[0], rng.integers(1, len(STRANDS), size=int(full.sum()))] = False
    masks = range(1 << len(STRANDS))
    table = [";".join(s for j, s in enumerate(STRANDS) if m >> j & 1) for m in masks]
    return lookup(table, chosen @ (1 << np.arange(len(STRANDS))))


def _links(rng: np.random.Generator, plan: Plan, ctx: Latent) -> list[Any]:
    """0-3 distinct other groups, ascending."""
    n, width = len(ctx.rows), len(LINK_COUNT_P) - 1
    if plan.total < 2:
        return [""] * n
    count = rng.choice(len(LINK_COUNT_P), size=n, p=LINK_COUNT_P)
    targets = (ctx.rows[:, None] + rng.integers(1, plan.total, size=(n, width))) % plan.total
    targets[np.arange(width)[None, :] >= count[:, None]] = plan.total  # sentinel: no link
    targets[:, 1][targets[:, 1] == targets[:, 0]] = plan.total
    for k in (0, 1):
        targets[:, 2][targets[:, 2] == targets[:, k]] = plan.total
    targets.sort(axis=1)
    valid = targets < plan.total
    linked = np.full(targets.shape, "", dtype=object)
    linked[valid] = ids(plan, targets[valid])
    joined = linked[:, 0]
    for k in range(1, width):
        joined = joined + np.where(valid[:, k], ";", "").astype(object) + linked[:, k]
    return list(joined.tolist())
