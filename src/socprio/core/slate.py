"""PURE: the tasking slate: which groups each owner adopts within its capacity.

The slate maximises the harm covered (the sum of the scores of adopted groups, a currently
adopted group counting ``continuity`` points more) within every owner's lead officer slots and
effort capacity, solved as the 0-1 integer programme it is with SciPy's ``milp`` (HiGHS): one
binary per group, one sparse row per owner limit. Hard groups (act now, or lifted into Band 1
by an override) come first: each owner adopts as many of them as its capacity can hold (all of
them when it can; the rest is its reported shortfall), then as much harm as fits. Ties are
broken by rank inside the objective, so the same input always gives the same slate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from socprio.config.capacity import OwnerCapacity
from socprio.core.ranking import SCORE_DECIMALS, rounded

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
INTEGRAL = 1e-9  # how close to 0 or 1 a relaxed value must be to count as integral
POINT_STEPS = 10**SCORE_DECIMALS  # the objective counts score as printed (and ranked)


class Decision(StrEnum):
    """What the slate proposes for one group."""

    ADOPT = "ADOPT"  # not held now, adopted
    KEEP = "KEEP"  # held now, kept
    RELEASE = "RELEASE"  # held now, released to make room
    BELOW_THE_LINE = "BELOW_THE_LINE"  # not held, not adopted


@dataclass(frozen=True)
class SlateProblem:
    """The groups (in rank order or any order: ``rank`` decides ties) and the capacities."""

    group_id: ObjArray
    owner: ObjArray
    band: ObjArray
    score: FloatArray
    rank: IntArray
    adopted: BoolArray  # currently adopted (lro_assigned)
    hard: ObjArray  # why the group must be adopted ("ACTION_NOW", "Band 1 by override"), or ""
    effort: FloatArray
    capacity: tuple[tuple[str, OwnerCapacity], ...]  # every owner, in the order to report
    continuity: float = 0.0

    def __len__(self) -> int:
        return len(self.group_id)


@dataclass(frozen=True)
class OwnerLine:
    """One owner's part of the slate."""

    owner: str
    slots: int | None  # None: unlimited
    effort_capacity: float | None
    used: int
    effort_used: float
    kept: int
    adopted: int
    released: int
    hard: int
    shortfall: int  # hard groups it cannot hold
    best_below: str | None  # the highest-scoring group left out
    best_below_score: float | None

    @property
    def free(self) -> int | None:
        """Slots left free (None when unlimited)."""
        return None if self.slots is None else self.slots - self.used


@dataclass(frozen=True)
class Slate:
    """The proposed slate: per group (problem order) a decision and a one-line reason."""

    take: BoolArray
    decision: ObjArray
    reason: ObjArray
    owners: tuple[OwnerLine, ...]

    @property
    def shortfall(self) -> int:
        """Hard groups left out for want of capacity, over every owner."""
        return sum(o.shortfall for o in self.owners)


def hard_reachable(effort: FloatArray, cap: OwnerCapacity) -> int:
    """How many of the hard groups with these efforts one owner can hold: the most groups that
    fit in its slots and effort are always the cheapest ones (so this greedy count is exact)."""
    count = len(effort) if cap.slots is None else min(len(effort), cap.slots)
    if cap.effort is not None:
        fits = np.cumsum(np.sort(effort)) <= cap.effort + 1e-9
        count = min(count, int(fits.sum()))
    return count


def objective(p: SlateProblem) -> FloatArray:
    """Each group's value as an integer: score as printed (plus continuity when held) in steps
    of its last decimal, times n + 1, plus n - its place by rank (equal values: better rank)."""
    n = len(p)
    place = np.empty(n, dtype=np.int64)
    place[np.lexsort((p.group_id.astype(str), p.rank))] = np.arange(n)
    value = np.rint((rounded(p.score) + p.continuity * p.adopted) * POINT_STEPS)
    return np.asarray(value * (n + 1) + (n - place), dtype=np.float64)


def _rows(p: SlateProblem) -> tuple[Any, FloatArray, FloatArray]:
    """The sparse constraint rows: per owner its slots, its effort and its hard-group floor."""
    from scipy import sparse

    rows: list[IntArray] = []
    values: list[FloatArray] = []
    lower: list[float] = []
    upper: list[float] = []
    hard = p.hard != ""
    for name, cap in p.capacity:
        mine = p.owner == name
        members = np.flatnonzero(mine)
        if cap.slots is not None:
            rows.append(members)
            values.append(np.ones(len(members)))
            lower.append(-np.inf)
            upper.append(float(cap.slots))
        if cap.effort is not None:
            rows.append(members)
            values.append(p.effort[members])
            lower.append(-np.inf)
            upper.append(cap.effort + 1e-9)
        need = hard_reachable(p.effort[mine & hard], cap)
        if need:
            held = np.flatnonzero(mine & hard)
            rows.append(held)
            values.append(np.ones(len(held)))
            lower.append(float(need))
            upper.append(np.inf)
    row_ids = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)] or [np.zeros(0)])
    cols = np.concatenate(rows or [np.zeros(0, dtype=np.int64)])
    data = np.concatenate(values or [np.zeros(0)])
    matrix = sparse.csr_array((data, (row_ids, cols)), shape=(len(rows), len(p)))
    return matrix, np.array(lower), np.array(upper)


def solve(p: SlateProblem) -> BoolArray:
    """Which groups the slate adopts (problem order)."""
    unknown = set(p.owner.tolist()) - {name for name, _ in p.capacity}
    if unknown:
        raise ValueError(f"no capacity given for owner(s) {sorted(map(str, unknown))}")
    chosen = _by_count(p)
    if chosen is not None:
        return chosen
    matrix, lower, upper = _rows(p)
    if not len(p) or not matrix.shape[0]:
        return np.ones(len(p), dtype=bool)
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost, bounds = -objective(p), Bounds(0, 1)
    limits = LinearConstraint(matrix, lower, upper)
    # The LP relaxation first: an integral optimum of it is the integer optimum. With slots
    # alone it always is (each group is in one owner's rows, and those rows nest: the matrix
    # is totally unimodular), and the unique objective makes it one vertex; then HiGHS's
    # branch and bound, seconds at 6,000 groups for nothing, is skipped.
    relaxed = milp(
        cost, integrality=np.zeros(len(p), dtype=np.int64), bounds=bounds, constraints=limits
    )
    if relaxed.x is not None and np.all(np.abs(relaxed.x - np.round(relaxed.x)) < INTEGRAL):
        return np.asarray(relaxed.x > 0.5, dtype=bool)
    result = milp(
        cost,
        integrality=np.ones(len(p), dtype=np.int64),
        bounds=bounds,
        constraints=limits,
        options={"mip_rel_gap": 0.0, "presolve": True},
    )
    if result.x is None:  # the floors are reachable by construction: this is a bug
        raise RuntimeError(f"the slate could not be solved: {result.message}")
    return np.asarray(result.x > 0.5, dtype=bool)


def _limit(p: SlateProblem, members: IntArray, cap: OwnerCapacity) -> int | None:
    """How many of ``members`` the owner can hold when that is a count alone (its slots, and
    an effort capacity over groups of effort 1); None when effort makes it a knapsack."""
    limit = len(members) if cap.slots is None else min(len(members), cap.slots)
    if cap.effort is not None:
        if not np.all(p.effort[members] == 1.0):
            return None
        limit = min(limit, int(np.floor(cap.effort + 1e-9)))
    return limit


def _by_count(p: SlateProblem) -> BoolArray | None:
    """The exact optimum when every owner's limits are counts (slots, unit effort), without
    a solver: each owner takes its ``need`` most valuable hard groups, then the most valuable
    of the rest up to its limit. (Values are positive and distinct, so the optimum fills the
    limit; it holds the best ``need`` hard groups, else swapping a worse hard group for a
    missing one improves it; the rest of it is then unconstrained: the best.) None when some
    owner's effort makes the problem a knapsack (then ``milp`` solves it)."""
    value = objective(p)
    hard = p.hard != ""
    take = np.zeros(len(p), dtype=bool)
    for name, cap in p.capacity:
        members = np.flatnonzero(p.owner == name)
        limit = _limit(p, members, cap)
        if limit is None:
            return None
        held = members[hard[members]]
        need = hard_reachable(p.effort[held], cap)
        best_hard = held[np.argsort(-value[held], kind="stable")[:need]]
        take[best_hard] = True
        rest = members[~take[members]]
        take[rest[np.argsort(-value[rest], kind="stable")[: limit - need]]] = True
    return take


def slate(p: SlateProblem) -> Slate:
    """Solve ``p`` and explain every group's decision and every owner's use of capacity."""
    take = solve(p)
    decision = np.where(
        take,
        np.where(p.adopted, Decision.KEEP.value, Decision.ADOPT.value),
        np.where(p.adopted, Decision.RELEASE.value, Decision.BELOW_THE_LINE.value),
    ).astype(object)
    reason = np.full(len(p), "", dtype=object)
    lines = [_owner(p, take, decision, reason, name, cap) for name, cap in p.capacity]
    return Slate(take, decision, reason, tuple(lines))


def _owner(
    p: SlateProblem,
    take: BoolArray,
    decision: ObjArray,
    reason: ObjArray,
    name: str,
    cap: OwnerCapacity,
) -> OwnerLine:
    """One owner's line, filling in the reasons of its groups."""
    mine = np.flatnonzero(p.owner == name)
    by_score = mine[np.lexsort((p.rank[mine], -p.score[mine]))]  # best first
    held = by_score[take[by_score]]
    kept = int((decision[mine] == Decision.KEEP.value).sum())
    hard = p.hard[by_score] != ""
    left = by_score[~take[by_score]]
    line = OwnerLine(
        owner=name,
        slots=cap.slots,
        effort_capacity=cap.effort,
        used=len(held),
        effort_used=float(p.effort[held].sum()),
        kept=kept,
        adopted=len(held) - kept,
        released=int((decision[mine] == Decision.RELEASE.value).sum()),
        hard=int(hard.sum()),
        shortfall=int((hard & ~take[by_score]).sum()),
        best_below=str(p.group_id[left[0]]) if len(left) else None,
        best_below_score=float(p.score[left[0]]) if len(left) else None,
    )
    _reasons(p, decision, reason, by_score, line)
    return line


def _reasons(
    p: SlateProblem, decision: ObjArray, reason: ObjArray, by_score: IntArray, line: OwnerLine
) -> None:
    """One line per group of ``line.owner`` (``by_score``: its groups, best first)."""
    name = line.owner
    room = "no slot limit" if line.slots is None else _count(line.slots - line.kept, "free slot")
    new = [i for i in by_score.tolist() if decision[i] == Decision.ADOPT.value]
    held_now = by_score[p.adopted[by_score]][::-1].tolist()  # held today, lowest score first
    released = [i for i in held_now if decision[i] == Decision.RELEASE.value]
    # Places in those lists, looked up per group (list.index was quadratic in an owner's groups)
    released_at = {g: k for k, g in enumerate(released)}
    held_at = {g: k for k, g in enumerate(held_now)}
    for i in by_score.tolist():
        why = str(p.hard[i])
        head = f"Band {p.band[i]}" + (f", {why}" if why else "")
        d = decision[i]
        if d == Decision.ADOPT.value:
            reason[i] = f"{head}, {name} has {room}"
        elif d == Decision.KEEP.value:
            reason[i] = f"{head}, kept by {name}"
        elif d == Decision.RELEASE.value and why:
            reason[i] = f"released: {head}, {_left_out(p, i, line, True)}"
        elif d == Decision.RELEASE.value:
            k = released_at[i] - (len(released) - len(new))  # the lowest: over capacity
            need = (
                f"capacity needed for {p.group_id[new[k]]}"
                if k >= 0
                else f"{name} holds {len(held_now)}, more than its capacity"
            )
            reason[i] = f"released: {_ordinal(held_at[i])} score held by {name}, {need}"
        else:
            reason[i] = f"{head}, {_left_out(p, i, line, bool(why))}"


def _left_out(p: SlateProblem, i: int, line: OwnerLine, hard: bool) -> str:
    """Why group ``i`` is below the line."""
    if hard:
        return f"but {line.owner} is short of capacity for {_count(line.shortfall, 'such group')}"
    if line.slots is not None and line.used >= line.slots:
        return f"{line.owner} is full ({line.used} of {line.slots} slots)"
    if line.effort_capacity is not None:
        left = line.effort_capacity - line.effort_used
        return f"needs {p.effort[i]:g} effort; {line.owner} has {max(left, 0.0):g} left"
    return f"{line.owner} has no room"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _ordinal(place: int) -> str:
    """``lowest``, ``2nd lowest``, ... for places 0, 1, ..."""
    if place == 0:
        return "lowest"
    n = place + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} lowest"
