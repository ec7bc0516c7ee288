"""The slate's promises, as properties over random problems: never over capacity; every act-now
or override group adopted when capacity allows, else the shortfall reported; unlimited capacity
adopts all; at least the harm of greedy-by-rank; the same input gives the same slate."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socprio.config.capacity import Capacity, OwnerCapacity, capacity_problems
from socprio.core.slate import Decision, SlateProblem, hard_reachable, slate, solve

OWNERS = ("WMP", "STAFFS", "ROCU")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    unit_effort: bool = False,
    hard: bool = True,
    continuity: float | None = None,
    unlimited: bool = False,
) -> SlateProblem:
    n = draw(st.integers(0, 30))
    owner = draw(st.lists(st.sampled_from(OWNERS), min_size=n, max_size=n))
    # scores on a coarse grid, so that ties are common
    score = draw(st.lists(st.integers(0, 40).map(lambda v: v * 2.5), min_size=n, max_size=n))
    order = sorted(range(n), key=lambda i: -score[i])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    why = st.sampled_from(["", "", "", "ACTION_NOW", "override to Band 1"]) if hard else st.just("")
    efforts = st.just(1.0) if unit_effort else st.sampled_from([0.5, 1.0, 2.0, 3.0])
    caps = []
    for name in OWNERS:
        slots = None if unlimited else draw(st.none() | st.integers(0, 8))
        effort = None if unlimited or unit_effort else draw(st.none() | st.sampled_from([2.0, 5.0]))
        caps.append((name, OwnerCapacity(slots=slots, effort=effort)))
    return SlateProblem(
        group_id=np.array([f"OCG-{i:04d}" for i in range(n)], dtype=object),
        owner=np.array(owner, dtype=object),
        band=np.array(["1A"] * n, dtype=object),
        score=np.array(score, dtype=np.float64),
        rank=rank,
        adopted=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        hard=np.array(draw(st.lists(why, min_size=n, max_size=n)), dtype=object),
        effort=np.array(draw(st.lists(efforts, min_size=n, max_size=n)), dtype=np.float64),
        capacity=tuple(caps),
        continuity=draw(st.sampled_from([0.0, 2.0])) if continuity is None else continuity,
    )


@FAST
@given(problems())
def test_never_over_capacity(p: SlateProblem) -> None:
    s = slate(p)
    for (name, cap), line in zip(p.capacity, s.owners, strict=True):
        mine = (p.owner == name) & s.take
        assert line.used == mine.sum()
        if cap.slots is not None:
            assert mine.sum() <= cap.slots
        if cap.effort is not None:
            assert p.effort[mine].sum() <= cap.effort + 1e-9


@FAST
@given(problems())
def test_hard_groups_are_adopted_when_capacity_allows_else_the_shortfall_is_reported(
    p: SlateProblem,
) -> None:
    s = slate(p)
    for (name, cap), line in zip(p.capacity, s.owners, strict=True):
        hard = (p.owner == name) & (p.hard != "")
        reachable = hard_reachable(p.effort[hard], cap)
        assert (s.take & hard).sum() == reachable  # as many as can be held
        assert line.shortfall == hard.sum() - reachable
        if reachable == hard.sum():
            assert s.take[hard].all()
        for i in np.flatnonzero(hard & ~s.take):
            assert "short of capacity" in s.reason[i]


@FAST
@given(problems(unlimited=True))
def test_unlimited_capacity_adopts_every_group(p: SlateProblem) -> None:
    s = slate(p)
    assert s.take.all()
    assert set(s.decision.tolist()) <= {Decision.ADOPT.value, Decision.KEEP.value}
    assert all(line.shortfall == 0 and line.free is None for line in s.owners)


def greedy_harm(p: SlateProblem) -> float:
    """Adopt within each owner in tasking order (hard groups first, then by rank)."""
    total = 0.0
    for name, cap in p.capacity:
        mine = np.flatnonzero(p.owner == name)
        mine = mine[np.lexsort((p.rank[mine], p.hard[mine] == ""))]
        used, effort = 0, 0.0
        for i in mine.tolist():
            fits_slots = cap.slots is None or used + 1 <= cap.slots
            fits_effort = cap.effort is None or effort + p.effort[i] <= cap.effort + 1e-9
            if fits_slots and fits_effort:
                used, effort, total = used + 1, effort + p.effort[i], total + p.score[i]
    return total


@FAST
@given(st.one_of(problems(continuity=0.0, hard=False), problems(continuity=0.0, unit_effort=True)))
def test_covered_harm_is_at_least_greedy_by_rank(p: SlateProblem) -> None:
    s = slate(p)
    assert p.score[s.take].sum() >= greedy_harm(p) - 1e-9


@FAST
@given(problems())
def test_same_input_same_slate(p: SlateProblem) -> None:
    a, b = slate(p), slate(p)
    assert (a.take == b.take).all()
    assert a.decision.tolist() == b.decision.tolist()
    assert a.reason.tolist() == b.reason.tolist()


def make(scores: list[float], adopted: list[bool], slots: int, **kw: Any) -> SlateProblem:
    n = len(scores)
    return SlateProblem(
        group_id=np.array([f"OCG-{i + 1:04d}" for i in range(n)], dtype=object),
        owner=np.array(["WMP"] * n, dtype=object),
        band=np.array(["1B"] * n, dtype=object),
        score=np.array(scores, dtype=np.float64),
        rank=np.arange(1, n + 1, dtype=np.int64),
        adopted=np.array(adopted, dtype=bool),
        hard=np.array(kw.pop("hard", [""] * n), dtype=object),
        effort=np.array(kw.pop("effort", [1.0] * n), dtype=np.float64),
        capacity=(("WMP", OwnerCapacity(slots=slots, effort=kw.pop("cap_effort", None))),),
        continuity=kw.pop("continuity", 0.0),
    )


def test_ties_go_to_the_better_rank() -> None:
    p = make([50.0, 50.0, 50.0], [False, False, False], 2)
    assert solve(p).tolist() == [True, True, False]


def test_continuity_keeps_a_held_group_within_its_points() -> None:
    held_lower = make([60.0, 59.0], [False, True], 1, continuity=2.0)
    assert solve(held_lower).tolist() == [False, True]
    assert solve(make([60.0, 57.0], [False, True], 1, continuity=2.0)).tolist() == [True, False]


def test_reasons_name_the_owner_the_free_slots_and_the_group_released_for() -> None:
    p = make([80.0, 40.0, 30.0], [False, True, True], 2)
    s = slate(p)
    assert s.decision.tolist() == ["ADOPT", "KEEP", "RELEASE"]
    assert s.reason[0] == "Band 1B, WMP has 1 free slot"
    assert s.reason[2] == "released: lowest score held by WMP, capacity needed for OCG-0001"
    line = s.owners[0]
    assert (line.used, line.free, line.best_below) == (2, 0, "OCG-0003")


def test_a_shortfall_is_stated_per_owner() -> None:
    p = make([10.0, 9.0, 8.0], [False] * 3, 1, hard=["ACTION_NOW"] * 3)
    s = slate(p)
    assert s.shortfall == 2 and s.owners[0].shortfall == 2
    assert s.reason[2] == "Band 1B, ACTION_NOW, but WMP is short of capacity for 2 such groups"


def test_effort_is_a_knapsack_not_a_greedy_pass() -> None:
    p = make([50.0, 30.0, 30.0], [False] * 3, 3, effort=[3.0, 2.0, 2.0], cap_effort=4.0)
    assert solve(p).tolist() == [False, True, True]


def test_an_owner_without_capacity_is_a_programming_error() -> None:
    p = make([1.0], [False], 1)
    other = SlateProblem(**{**p.__dict__, "owner": np.array(["ROCU"], dtype=object)})
    with pytest.raises(ValueError, match="ROCU"):
        solve(other)


def test_capacity_owners_must_be_configured_forces() -> None:
    cap = Capacity(owners={"WMP": OwnerCapacity(slots=1), "NOPE": OwnerCapacity(slots=1)})
    assert capacity_problems(cap, ("WMP",)) == [
        (("capacity", "owners", "NOPE"), "'NOPE' is not a lead force in record.forces")
    ]
    assert cap.of("ROCU").slots is None


@given(problems())
def test_the_relaxation_shortcut_gives_the_integer_optimum(p: SlateProblem) -> None:
    """Whether solved as its LP relaxation (integral: taken as is) or by branch and bound, the
    slate is the integer programme's optimum: the same objective value as a direct MILP."""
    from socprio.core.slate import _rows, objective, solve

    if not len(p) or not _rows(p)[0].shape[0]:
        return
    taken = solve(p)
    assert objective(p)[taken].sum() == objective(p)[_milp_choice(p)].sum()


@FAST
@given(problems(), st.sampled_from([None, 2.0, 3.5, 5.0]))
def test_count_limits_are_solved_exactly_without_the_solver(
    p: SlateProblem, effort: float | None
) -> None:
    """Slots, and an effort capacity over groups of effort 1, make every limit a count: the
    slate is then chosen without scipy, and is the direct MILP's optimum."""
    from socprio.core.slate import _by_count, _rows

    caps = tuple((name, OwnerCapacity(slots=c.slots, effort=effort)) for name, c in p.capacity)
    p = replace(p, effort=np.ones(len(p)), capacity=caps)
    taken = _by_count(p)
    assert taken is not None
    if not len(p) or not _rows(p)[0].shape[0]:
        assert taken.all()
        return
    assert taken.tolist() == _milp_choice(p).tolist()


def _milp_choice(p: SlateProblem) -> np.ndarray:
    """The groups a direct MILP (HiGHS, no optimality gap) takes for ``p``."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    from socprio.core.slate import _rows, objective

    matrix, lower, upper = _rows(p)
    direct = milp(
        -objective(p),
        integrality=np.ones(len(p)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, lower, upper),
        options={"mip_rel_gap": 0.0},
    )
    assert direct.x is not None
    return np.asarray(direct.x > 0.5)
