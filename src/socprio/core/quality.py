"""CORE: data quality by lead force, and whether a force scores differently from the others.

**Profile.** Per lead force: valid records, ranked groups, records rejected by validation (the
shell counts them), the share of ranked groups with each input factor unknown, stale reviews,
Band 1-2 without a lead responsible officer, and the share graded low confidence.

**Consistency.** For each input factor and each force, the force's known values are compared
with every other force's *within the same principal crime*, so a force that simply leads more
firearms groups is not flagged for scoring violence high:

- Test: van Elteren's stratified Wilcoxon rank-sum test (van Elteren 1960; the stratified
  Mann-Whitney test), with mid-ranks for ties (``average_ranks``, scipy.stats.rankdata's) and
  the tie-corrected normal approximation (``scipy.special.ndtr``, which scipy.stats.norm
  uses). Strata are principal crime types; a stratum
  counts when it holds both the force's groups and others'. Two-sided.
- Multiple comparisons: Holm's step-down correction over every (force, factor) pair tested,
  which holds the chance of *any* false flag on an unbiased file at ``ALPHA`` (5%), whatever
  the dependence between the tests.
- Effect: the stratified mean difference in levels (force minus the rest; each stratum
  weighted by m*n/(m+n), as in the Cochran-Mantel-Haenszel estimate), with a normal 95%
  interval from each stratum's variance of the values. For a yes/no factor a level is the
  share answered yes.
- Flag only on strong evidence: Holm-adjusted p below ``ALPHA`` *and* an effect of at least
  ``MIN_EFFECT`` of the factor's range. Fewer than ``MIN_GROUPS`` known values for the force
  or for the rest (in the strata used), or fewer than ``MIN_GROUPS`` values off the most
  common one, is "not enough groups": no test, no flag.

Assumptions: groups are independent; within a crime type, forces would score alike without
a bias; unknowns are left out (their share is reported separately), so a force that leaves
hard cases unknown can look different. Pure numpy and scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socprio.config.models import Config, FactorType
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray, IntArray

ALPHA = 0.05  # family-wise false-alarm rate over all (force, factor) pairs
MIN_GROUPS = 10  # known values needed on each side, and off the most common value
MIN_EFFECT = 0.1  # share of the factor's range an effect must reach to be flagged
Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal
TESTED = (FactorType.ORDINAL, FactorType.COUNT, FactorType.BOOLEAN)


@dataclass(frozen=True)
class Profile:
    """Per lead force (rows, in config order): counts and shares over its ranked groups."""

    forces: tuple[str, ...]
    factors: tuple[str, ...]  # the input factors (own CSV column), config order
    records: IntArray  # valid records led by the force (any status)
    ranked: IntArray
    rejected: IntArray  # records failing validation whose lead_force cell names the force
    unknown_share: FloatArray  # (forces, factors); NaN when the force ranks no group
    stale: IntArray  # ranked groups flagged STALE
    no_lro: IntArray  # ranked groups in Band 1-2 without a lead responsible officer
    low_confidence: FloatArray  # share of ranked groups graded low confidence


@dataclass(frozen=True)
class Consistency:
    """One row per (force, factor) pair, force-major in config order."""

    force: IntArray  # index into Profile.forces
    factor: IntArray  # index into Profile.factors
    n_force: IntArray  # the force's known values in the strata used
    n_rest: IntArray
    strata: IntArray  # principal crimes holding both
    effect: FloatArray  # stratified mean difference in levels (force - rest)
    low: FloatArray  # 95% interval
    high: FloatArray
    z: FloatArray  # van Elteren's statistic; NaN when not enough groups
    p: FloatArray  # two-sided
    p_holm: FloatArray  # Holm-adjusted over the pairs tested
    enough: BoolArray
    flagged: BoolArray


def input_factors(cfg: Config) -> tuple[str, ...]:
    """The factors read from their own column: the ones a force's analysts score."""
    return tuple(n for n, f in cfg.factors.items() if f.has_column and f.type in TESTED)


def profile(
    m: FactorMatrix,
    cfg: Config,
    *,
    force: IntArray,
    ranked: BoolArray,
    stale: BoolArray,
    no_lro: BoolArray,
    rejected: IntArray,
) -> Profile:
    """The per-force profile; ``force`` is each matrix row's index into the config's forces."""
    forces = cfg.record.forces
    k = len(forces)
    names = input_factors(cfg)
    columns = [list(cfg.factors).index(n) for n in names]
    unknown = np.isnan(m.raw[:, columns]) & ranked[:, None]
    counted = np.bincount(force[ranked], minlength=k).astype(float)
    per_force = np.zeros((k, len(names)))
    np.add.at(per_force, force, unknown.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        return Profile(
            forces=forces,
            factors=names,
            records=np.bincount(force, minlength=k),
            ranked=np.bincount(force[ranked], minlength=k),
            rejected=rejected,
            unknown_share=per_force / counted[:, None],
            stale=np.bincount(force[ranked & stale], minlength=k),
            no_lro=np.bincount(force[ranked & no_lro], minlength=k),
            low_confidence=np.bincount(force[ranked & (m.confidence == 2)], minlength=k) / counted,
        )


def holm(p: FloatArray) -> FloatArray:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count)."""
    out = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    steps = (len(order) - np.arange(len(order))) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return out


def consistency(m: FactorMatrix, cfg: Config, *, force: IntArray, ranked: BoolArray) -> Consistency:
    """Each force against the rest, factor by factor, within principal crimes."""
    names = input_factors(cfg)
    k = len(cfg.record.forces)
    tests = [
        factor_tests(
            np.minimum(m.raw[ranked, list(cfg.factors).index(name)], cfg.factors[name].max),
            force[ranked],
            m.principal[ranked],
            cfg,
        )
        for name in names
    ]
    got = {key: np.concatenate([t[key] for t in tests]) for key in tests[0]}
    factor = np.repeat(np.arange(len(names), dtype=np.int64), k)
    forces = np.tile(np.arange(k, dtype=np.int64), len(names))
    order = np.lexsort((factor, forces))  # force-major
    got = {key: value[order] for key, value in got.items()}
    enough = got["enough"].astype(bool)
    p = np.where(enough, got["p"], np.nan)
    p_holm = holm(p)
    span = np.array([cfg.factors[n].max for n in names], dtype=float)[factor[order]]
    strong = (p_holm < ALPHA) & (np.abs(got["effect"]) >= MIN_EFFECT * span)
    return Consistency(
        force=forces[order],
        factor=factor[order],
        n_force=got["n_force"].astype(np.int64),
        n_rest=got["n_rest"].astype(np.int64),
        strata=got["strata"].astype(np.int64),
        effect=got["effect"],
        low=got["low"],
        high=got["high"],
        z=np.where(enough, got["z"], np.nan),
        p=p,
        p_holm=p_holm,
        enough=enough,
        flagged=enough & strong,
    )


def factor_tests(
    values: FloatArray, force: IntArray, stratum: IntArray, cfg: Config
) -> dict[str, FloatArray]:
    """Van Elteren's test and the stratified effect of every force on one factor."""
    from scipy.special import ndtr  # norm.sf(z) is ndtr(-z): scipy.special, not scipy.stats

    known = ~np.isnan(values)
    x, f, s = values[known], force[known], stratum[known]
    crimes, k = len(cfg.crime_types), len(cfg.record.forces)
    big = float(x.max(initial=0.0)) + 1.0
    key = s * big + x  # stratum, then value: one ranking gives the ranks within strata
    total = np.bincount(s, minlength=crimes).astype(float)  # N_s
    ranks = average_ranks(key) - np.concatenate([[0.0], np.cumsum(total)[:-1]])[s]
    distinct, ties = np.unique(key, return_counts=True)
    tied = np.bincount((distinct // big).astype(np.int64), ties**3.0 - ties, minlength=crimes)
    cell = f * crimes + s

    def per_cell(weights: FloatArray | None = None) -> FloatArray:
        return np.bincount(cell, weights, minlength=k * crimes).reshape(k, crimes).astype(float)

    mine, rank_sum, sum_f = per_cell(), per_cell(ranks), per_cell(x)
    rest = total - mine
    sum_all, square_all = np.bincount(s, x, crimes), np.bincount(s, x * x, crimes)
    use = (mine > 0) & (rest > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = mine * rest / 12 * ((total + 1) - tied / (total * (total - 1)))
        stat = np.where(use, (rank_sum - mine * (total + 1) / 2) / (total + 1), 0.0).sum(axis=1)
        spread = np.where(use, variance / (total + 1) ** 2, 0.0).sum(axis=1)
        z = stat / np.sqrt(spread)
        diff = sum_f / mine - (sum_all - sum_f) / rest
        var_s = np.nan_to_num((square_all - sum_all**2 / total) / (total - 1))
        h = np.where(use, mine * rest / total, 0.0)
        effect = (h * np.where(use, diff, 0.0)).sum(axis=1) / h.sum(axis=1)
        se = np.sqrt((h**2 * np.where(use, var_s * (1 / mine + 1 / rest), 0.0)).sum(axis=1))
        se /= h.sum(axis=1)
    n_force = np.where(use, mine, 0.0).sum(axis=1)
    n_rest = np.where(use, rest, 0.0).sum(axis=1)
    enough = (n_force >= MIN_GROUPS) & (n_rest >= MIN_GROUPS) & (spread > 0)
    enough &= _off_mode(x, s, use) >= MIN_GROUPS
    return {
        "n_force": n_force,
        "n_rest": n_rest,
        "strata": use.sum(axis=1).astype(float),
        "effect": effect,
        "low": effect - Z95 * se,
        "high": effect + Z95 * se,
        "z": z,
        "p": 2 * ndtr(-np.abs(z)),
        "enough": enough.astype(float),
    }


def average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties given the mean of their positions (``scipy.stats.rankdata``'s
    "average", the same values), without importing scipy.stats (about 1 s)."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    dense = np.empty(len(values), dtype=np.intp)
    dense[order] = np.cumsum(first)
    bounds = np.concatenate([np.flatnonzero(first), [len(values)]])
    return np.asarray(0.5 * (bounds[dense] + bounds[dense - 1] + 1), dtype=np.float64)


def _off_mode(x: FloatArray, s: IntArray, use: BoolArray) -> IntArray:
    """Per force: the known values in its strata that differ from their most common value."""
    out = np.zeros(len(use), dtype=np.int64)
    for g in range(len(use)):
        inside = use[g][s]
        if inside.any():
            _, counts = np.unique(x[inside], return_counts=True)
            out[g] = int(inside.sum() - counts.max())
    return out
