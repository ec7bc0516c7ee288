"""CORE: which unknowns matter? The value of information of every unknown (group, factor) cell.

For each ranked group and each factor unknown for it that can change anything (a weighted
factor, or one an override rule reads), the group is re-scored with that factor resolved and
every other factor as scored: its score, effective band and rank with the factor at its
lowest level and at its highest, and the best and worst band and rank over every level.

- **Same arithmetic.** A resolved cell is re-scored through ``scoring.design_matrix`` and
  banded through ``ranking.sub_band`` and the override floors, exactly as ``assess`` would
  score the file with that cell filled in, so a prediction is the real result (tested).
- **Rank among the others as scored.** The rank a group would have if only its own cell
  changed: one merge of the candidates into the ranked order (a sort, n log n), never a
  re-rank per cell.
- **Every level.** The score rises with every factor (a ``product`` group too, its factors
  being >= 0), and an override rule's truth changes only next to its threshold, so the best
  and worst band and rank are found at the lowest, the highest and the levels next to each
  threshold: exact over every level, in a handful of evaluations.
- **Decision impact.** A pair matters when resolving it could move the group into or out of
  Band 1, across another band boundary, or into or out of the top K (``stability.top_k``).
- **Settled by one fact.** A group's band is *uncertain* when some combination of its
  unknowns gives another band. A fact *settles* it when, once that fact is known, whatever
  its value, no combination of the remaining unknowns can change the band. At most one fact
  can settle an uncertain band; when none does, it takes two or more facts. (Override rules
  on other unknowns count as possible when their condition holds at some level; a rule that
  holds at every level counts as certain. When a rule holds at a factor's lowest level but
  not at every level, "uncertain" may be overstated, never understated.)

Unknown rule-only factors (e.g. ``threat_to_life_active``) are included: they never move the
score, but an override on them can put a group into Band 1, which is what a tasking meeting
most needs to know. Pure numpy; no loop over groups (only over factors and levels).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from socprio.config.models import Config, FactorType
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray, IntArray
from socprio.core.ranking import OPS, Ranking, rounded, settled, sub_band
from socprio.core.scoring import Scores, design_matrix

FULL_LEVELS = 32  # settlement checks every level up to this; above it, 33 spread levels
NO_FLOOR = np.iinfo(np.int64).max
T = TypeVar("T", bound=np.generic)


class Impact(IntEnum):
    """What resolving an unknown could change for a tasking decision, most important first."""

    BAND_1 = 0  # into or out of Band 1
    BAND = 1  # across another band boundary
    TOP_K = 2  # into or out of the top K
    NONE = 3  # none of these

    @property
    def label(self) -> str:
        """The name written in the exports: band_1, band, top_k or none."""
        return self.name.lower()


class Settle(IntEnum):
    """A group's band, and what it would take to know it."""

    CERTAIN = 0  # no combination of its unknowns changes its band
    ONE_FACT = 1  # uncertain, and one fact settles it
    SEVERAL = 2  # uncertain, and no single fact settles it


@dataclass(frozen=True)
class CollectionPlan:
    """Every unknown (group, factor) pair, most decision-relevant first.

    Pair arrays are in plan order: impact, then the group's printed score (highest first),
    then its rank, then the pair's score swing (largest first), then factor order. Bands are
    sub-band indices into ``Ranking.labels`` (``*_if_*``) or band numbers (``band_best``,
    ``band_worst``); ranks are 1-based among the ranked groups. Group arrays cover each
    ranked group with at least one pair, in matrix row order.
    """

    row: IntArray  # (pairs,) matrix row of the group
    factor: IntArray  # (pairs,) index into cfg.factors
    score_if_min: FloatArray
    score_if_max: FloatArray
    band_if_min: IntArray
    band_if_max: IntArray
    rank_if_min: IntArray
    rank_if_max: IntArray
    band_best: IntArray  # best band number over every level
    band_worst: IntArray
    rank_best: IntArray
    rank_worst: IntArray
    impact: IntArray  # Impact
    settles: BoolArray  # this pair is the one fact that settles its group's band
    group_row: IntArray  # (groups,) matrix rows with at least one pair
    group_settle: IntArray  # Settle
    group_fact: IntArray  # factor index that settles the band, -1 when none
    group_changeable: BoolArray  # some single fact could change its band
    top_k: int

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True)
class _Rules:
    """Override rules as arrays: the factor each reads and the sub-band floor it sets."""

    factor: IntArray  # (rules,) index into cfg.factors
    floor: IntArray  # (rules,) best sub-band index the rule guarantees
    some_level: BoolArray  # (rules,) the condition holds at some level of its factor
    every_level: BoolArray  # (rules,) ... at every level


def candidate_levels(cfg: Config, j: int) -> IntArray:
    """The levels of factor ``j`` where its best and worst outcomes lie: the lowest, the
    highest, and each level next to an override threshold on it."""
    name, factor = list(cfg.factors.items())[j]
    top = factor.max
    points = {0, top}
    for rule in cfg.overrides:
        if rule.factor == name:
            t = int(rule.value)
            points |= {t - 1, t, t + 1}
    return np.array(sorted(p for p in points if 0 <= p <= top), dtype=np.int64)


def all_levels(cfg: Config, j: int) -> IntArray:
    """Every level of factor ``j`` (33 spread levels and the candidates above FULL_LEVELS)."""
    top = list(cfg.factors.values())[j].max
    if top <= FULL_LEVELS:
        return np.arange(top + 1, dtype=np.int64)
    spread = np.round(np.linspace(0, top, FULL_LEVELS + 1)).astype(np.int64)
    return np.union1d(spread, candidate_levels(cfg, j))


def _rules(cfg: Config, per_band: int) -> _Rules:
    index = {name: j for j, name in enumerate(cfg.factors)}
    factor = np.array([index[r.factor] for r in cfg.overrides], dtype=np.int64)
    floor = np.array([(r.min_band - 1) * per_band + per_band - 1 for r in cfg.overrides])
    some, every = [], []
    for rule, j in zip(cfg.overrides, factor.tolist(), strict=True):
        held = OPS[rule.op](candidate_levels(cfg, j).astype(float), float(rule.value))
        some.append(bool(held.any()))
        every.append(bool(held.all()))
    return _Rules(
        factor, floor.astype(np.int64), np.array(some, dtype=bool), np.array(every, dtype=bool)
    )


def _floor_at(cfg: Config, rules: _Rules, j: int, level: int) -> int:
    """The best floor the override rules on factor ``j`` set at ``level`` (NO_FLOOR: none)."""
    held = [
        int(rules.floor[k])
        for k, rule in enumerate(cfg.overrides)
        if rules.factor[k] == j and OPS[rule.op](np.array([float(level)]), float(rule.value))[0]
    ]
    return min(held, default=NO_FLOOR)


def _other_floors(
    s: Scores, r: Ranking, rules: _Rules, rows: IntArray, j: int
) -> tuple[IntArray, IntArray]:
    """Per row: the floor its known rules set combined with the floor the rules on its other
    unknown factors (not ``j``) set at best (held at some level) and at worst (at every)."""
    unknown = ~s.known[np.ix_(rows, rules.factor)] & (rules.factor != j)
    best = np.where(unknown & rules.some_level, rules.floor, NO_FLOOR).min(axis=1, initial=NO_FLOOR)
    worst = np.where(unknown & rules.every_level, rules.floor, NO_FLOOR).min(
        axis=1, initial=NO_FLOOR
    )
    return np.minimum(r.floor[rows], best), np.minimum(r.floor[rows], worst)


def _membership(s: Scores, cfg: Config) -> FloatArray:
    """(weighted, groups) 0/1: which group each weighted factor is in (as ``score`` builds)."""
    group_of = cfg.group_of
    return np.array(
        [[group_of[f] == g for g in s.groups] for f in s.weighted], dtype=float
    ).reshape(len(s.weighted), len(s.groups))


@dataclass(frozen=True)
class _Evaluated:
    """Pairs re-scored at one level each: which pair, which level, and the outcome."""

    pair: IntArray
    level: IntArray
    total: FloatArray
    points: FloatArray  # (evaluations, groups) group points
    effective: IntArray


def _evaluate(
    s: Scores,
    r: Ranking,
    cfg: Config,
    pairs: tuple[IntArray, IntArray],
    rules: _Rules,
) -> _Evaluated:
    """Every pair at each candidate level of its factor, others as scored: the same
    arithmetic as ``scoring.score`` (design matrix, contributions, their row sums)."""
    rows, factors = pairs
    membership = _membership(s, cfg)
    out: list[tuple[IntArray, IntArray, FloatArray, FloatArray, IntArray]] = []
    maxima = [f.max for f in cfg.factors.values()]
    for j in np.unique(factors).tolist():
        which = np.flatnonzero(factors == j)
        filled = s.normalised[rows[which]]
        for level in candidate_levels(cfg, j).tolist():
            filled[:, j] = level / maxima[j]
            contributions = 100.0 * design_matrix(filled, cfg) * s.weights
            total = contributions.sum(axis=1)
            floor = np.minimum(r.floor[rows[which]], _floor_at(cfg, rules, j, level))
            effective = np.minimum(sub_band(total, cfg), floor)
            levels = np.full(len(which), level, dtype=np.int64)
            out.append((which, levels, total, contributions @ membership, effective))
    if not out:
        empty = np.zeros(0, dtype=np.int64)
        return _Evaluated(empty, empty, np.zeros(0), np.zeros((0, len(s.groups))), empty)
    parts = list(zip(*out, strict=True))
    return _Evaluated(*(np.concatenate(p) for p in parts))


def ranks_among_others(
    m: FactorMatrix, s: Scores, r: Ranking, rows: IntArray, ev: _Evaluated
) -> IntArray:
    """The rank each evaluation would give its group (matrix ``rows[ev.pair]``) with every
    other ranked group as scored: the candidates merged into the ranked order by the keys of
    ``ranking.ranked_order`` in one sort (n log n)."""
    order = r.order
    n, c = len(order), len(ev.pair)
    tail = np.empty(len(m), dtype=np.int64)  # confidence, recent review, group_id, as one key
    by_tail = np.lexsort(
        (m.group_id[order], -m.last_review[order].astype("int64"), m.confidence[order])
    )
    tail[order[by_tail]] = np.arange(n)
    own = rows[ev.pair]
    keys = [
        np.concatenate([tail[order], tail[own]]),
        *(
            -settled(np.concatenate([s.group_points[order, g], ev.points[:, g]]))
            for g in reversed(range(len(s.groups)))
        ),
        -rounded(np.concatenate([s.total[order], ev.total])),
        np.concatenate([r.effective[order], ev.effective]),
    ]
    merged = np.lexsort(keys)
    original = merged < n
    before: IntArray = np.cumsum(original) - original  # originals strictly before each position
    position = np.empty(n + c, dtype=np.int64)
    position[merged] = np.arange(n + c)
    mine = position[n:]
    own_before = position[r.rank[own] - 1] < mine
    ranks: IntArray = 1 + before[mine] - own_before
    return ranks


def _per_pair(values: IntArray, pair: IntArray, count: int, *, best: bool) -> IntArray:
    """The smallest (``best``) or largest value of each pair's evaluations."""
    if best:
        out = np.full(count, NO_FLOOR, dtype=np.int64)
        np.minimum.at(out, pair, values)
    else:
        out = np.full(count, -1, dtype=np.int64)
        np.maximum.at(out, pair, values)
    return out


def _at(values: npt.NDArray[T], ev: _Evaluated, chosen: BoolArray, count: int) -> npt.NDArray[T]:
    """Each pair's value at the one evaluation ``chosen`` marks for it."""
    out: npt.NDArray[T] = np.zeros(count, dtype=values.dtype)
    out[ev.pair[chosen]] = values[chosen]
    return out


def _impact(
    best: IntArray, worst: IntArray, rank_best: IntArray, rank_worst: IntArray, k: int
) -> IntArray:
    """Each pair's Impact from its band numbers and ranks over every level (the current
    band and rank lie between the best and the worst)."""
    impact: IntArray = np.select(
        [(best == 1) != (worst == 1), best != worst, (rank_best <= k) != (rank_worst <= k)],
        [Impact.BAND_1, Impact.BAND, Impact.TOP_K],
        default=Impact.NONE,
    ).astype(np.int64)
    return impact


def _settled_by(
    s: Scores, r: Ranking, cfg: Config, pairs: tuple[IntArray, IntArray], rules: _Rules
) -> BoolArray:
    """Whether knowing each pair's factor, at any level, leaves no combination of the group's
    other unknowns (all at their lowest, all at their highest) able to change its band."""
    rows, factors = pairs
    out = np.ones(len(rows), dtype=bool)
    maxima = [f.max for f in cfg.factors.values()]
    for j in np.unique(factors).tolist():
        which = np.flatnonzero(factors == j)
        base, unknown = s.normalised[rows[which]], ~s.known[rows[which]]
        unknown[:, j] = False
        low, high = np.where(unknown, 0.0, base), np.where(unknown, 1.0, base)
        best_floor, worst_floor = _other_floors(s, r, rules, rows[which], j)
        for level in all_levels(cfg, j).tolist():
            low[:, j] = high[:, j] = level / maxima[j]
            at = _floor_at(cfg, rules, j, level)
            worst = np.minimum(sub_band(_score(low, s, cfg), cfg), np.minimum(worst_floor, at))
            best = np.minimum(sub_band(_score(high, s, cfg), cfg), np.minimum(best_floor, at))
            out[which] &= worst // r.per_band == best // r.per_band
    return out


def _score(filled: FloatArray, s: Scores, cfg: Config) -> FloatArray:
    """Scores of filled normalised values, as ``score_min``/``score_max`` are computed."""
    total: FloatArray = design_matrix(filled, cfg) @ s.weights * 100.0
    return total


def scope(s: Scores, r: Ranking, cfg: Config) -> BoolArray:
    """(n, factors): the unknown cells of ranked groups that could change anything (factors
    weighted in the score or read by an override rule)."""
    used = set(cfg.weighted_factors) | {rule.factor for rule in cfg.overrides}
    relevant = np.array(
        [n in used and f.type is not FactorType.CRIME_TYPE for n, f in cfg.factors.items()]
    )
    cells: BoolArray = ~s.known & (r.rank > 0)[:, None] & relevant[None, :]
    return cells


def band_uncertain(s: Scores, r: Ranking, cfg: Config) -> BoolArray:
    """(n,) whether some combination of each group's unknowns gives another band number."""
    rows = np.arange(len(s.total))
    rules = _rules(cfg, r.per_band)
    best_floor, worst_floor = _other_floors(s, r, rules, rows, -1)
    best = np.minimum(sub_band(s.score_max, cfg), best_floor) // r.per_band
    worst = np.minimum(sub_band(s.score_min, cfg), worst_floor) // r.per_band
    uncertain: BoolArray = best != worst
    return uncertain


def collection_plan(m: FactorMatrix, s: Scores, r: Ranking, cfg: Config) -> CollectionPlan:
    """The value of information of every unknown cell of every ranked group (see the module
    docstring), most decision-relevant first."""
    rows, factors = np.nonzero(scope(s, r, cfg))
    rows, factors = rows.astype(np.int64), factors.astype(np.int64)
    rules = _rules(cfg, r.per_band)
    ev = _evaluate(s, r, cfg, (rows, factors), rules)
    ranks = ranks_among_others(m, s, r, rows, ev)
    count, k = len(rows), cfg.stability.top_k
    maxima = np.array([f.max for f in cfg.factors.values()], dtype=np.int64)
    lowest, highest = ev.level == 0, ev.level == maxima[factors[ev.pair]]
    number = ev.effective // r.per_band + 1
    bands = (
        _per_pair(number, ev.pair, count, best=True),
        _per_pair(number, ev.pair, count, best=False),
    )
    spread = (
        _per_pair(ranks, ev.pair, count, best=True),
        _per_pair(ranks, ev.pair, count, best=False),
    )
    impact = _impact(*bands, *spread, k)
    group_row, group_of = np.unique(rows, return_inverse=True)
    uncertain = band_uncertain(s, r, cfg)[group_row]
    fact = np.full(len(group_row), len(cfg.factors), dtype=np.int64)
    settling = _settled_by(s, r, cfg, (rows, factors), rules) & uncertain[group_of]
    np.minimum.at(fact, group_of[settling], factors[settling])
    fact[fact == len(cfg.factors)] = -1
    changeable = np.zeros(len(group_row), dtype=bool)
    np.logical_or.at(changeable, group_of, impact <= Impact.BAND)
    score_min, score_max = _at(ev.total, ev, lowest, count), _at(ev.total, ev, highest, count)
    order = np.lexsort(
        (factors, -settled(score_max - score_min), r.rank[rows], -rounded(s.total[rows]), impact)
    )
    return CollectionPlan(
        row=rows[order],
        factor=factors[order],
        score_if_min=score_min[order],
        score_if_max=score_max[order],
        band_if_min=_at(ev.effective, ev, lowest, count)[order],
        band_if_max=_at(ev.effective, ev, highest, count)[order],
        rank_if_min=_at(ranks, ev, lowest, count)[order],
        rank_if_max=_at(ranks, ev, highest, count)[order],
        band_best=bands[0][order],
        band_worst=bands[1][order],
        rank_best=spread[0][order],
        rank_worst=spread[1][order],
        impact=impact[order],
        settles=(factors == fact[group_of])[order],
        group_row=group_row.astype(np.int64),
        group_settle=np.where(
            ~uncertain, Settle.CERTAIN, np.where(fact >= 0, Settle.ONE_FACT, Settle.SEVERAL)
        ).astype(np.int64),
        group_fact=fact,
        group_changeable=changeable,
        top_k=k,
    )
