"""CORE: rank stability under weight uncertainty, one-at-a-time sensitivity, second opinions.

Weights are a judgement (DOMAIN 4.1, 7), so the ranking is re-run under many weight vectors
drawn around the configured ones: w' ~ Dirichlet(concentration * w), with w the effective
weights. Because a score is ``100 * design @ w`` (see ``scoring``), a whole batch of draws is
re-scored with ONE matrix product and re-ranked with one sort along the group axis: there is no
Python loop over groups or draws, only over batches (which bound memory).

Within a draw, ranked groups are ordered by effective sub-band (the draw's sub-band, lifted by
the same override floors as the baseline), then by the printed score (``ranking.rounded``:
float noise settled, then one decimal place), then by baseline rank. So a draw equal to the
configured weights reproduces the baseline order exactly. Band stability is judged at band
level (1, 2, ...), not sub-band.

Rank intervals are exact order statistics: the 5th percentile is numpy's ``method="lower"``
and the 95th is ``method="higher"``. They are kept as a running buffer of each group's smallest
and largest ranks (about 10% of the draws per group), never as the full draws x groups table.

Pure: numpy only; the caller owns the terminal (``progress``) and the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from socprio.config.models import Config
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray, IntArray
from socprio.core.ranking import SCORE_DECIMALS, Ranking, rounded, sub_band
from socprio.core.scoring import Scores

BLOCK_BYTES = 32 * 2**20  # one batch's (draws x groups) float64 block stays under this
MAX_BATCH = 1024  # so that progress is reported at least every 1,024 draws
PERCENTILE = 5  # rank intervals run from this percentile to 100 minus it
ATTRIBUTE_MIDPOINT = 0.5  # a factor "counts" in the attribute view at or above this value
HARM_GROUP = "harm"

Int32Array = npt.NDArray[np.int32]
KeyArray = npt.NDArray[np.integer[Any]]
T = TypeVar("T", bound=np.generic)


@dataclass(frozen=True)
class WeightSensitivity:
    """Which ranked rows change effective band when one weight moves by -p and by +p."""

    factor: str
    weight: float  # the factor's effective weight (share of the total)
    down: IntArray  # row indices, in baseline rank order, whose band changes at weight * (1 - p)
    up: IntArray  # the same at weight * (1 + p)


@dataclass(frozen=True)
class Stability:
    """Per-group rank stability over ``draws`` weight vectors; row i is row i of the matrix.

    Unranked rows (archived, or dormant when not listed) are not assessed: their ranks and
    shares are 0 and they are never UNSTABLE.
    """

    draws: int
    seed: int
    concentration: float
    top_k: int
    rank_p5: IntArray  # (n,) 5th percentile of the rank over draws ("lower")
    rank_p95: IntArray  # (n,) 95th percentile of the rank over draws ("higher")
    p_top_k: FloatArray  # (n,) share of draws with rank <= top_k
    p_same_band: FloatArray  # (n,) share of draws with the baseline effective band
    unstable: BoolArray  # (n,) band changes in more than cfg.stability.unstable_share of draws
    spearman_median: float  # Spearman's rho, baseline vs draw: median over draws
    spearman_p5: float  # and its 5th percentile ("lower")
    sensitivity: tuple[WeightSensitivity, ...]  # one per weighted factor, in s.weighted order
    perturbation: float  # the p of the one-at-a-time sensitivity


@dataclass(frozen=True)
class SecondOpinion:
    """Two alternative views of the ranked groups, and where they disagree with the main one."""

    harm_rank: IntArray  # (n,) rank by the harm group's points alone; 0 for unranked rows
    attribute_rank: IntArray  # (n,) rank by attribute share; 0 for unranked rows
    disagree: BoolArray  # (n,) either view is more than disagree_places from the main rank
    harm_group: str  # the factor group the harm view ranks by
    attribute_share: FloatArray  # (n,) share of weighted factors at or above the midpoint


@dataclass(frozen=True)
class _Baseline:
    """The ranked rows in baseline order: column j of every draw block is baseline rank j+1."""

    design: FloatArray  # (ranked, weighted)
    floor: KeyArray  # (ranked,) override floor, clipped to the last sub-band
    band: KeyArray  # (ranked,) baseline effective band, 0-based
    lookup: KeyArray  # printed score * 10**SCORE_DECIMALS -> sub-band index
    per_band: int
    dtype: type[np.integer[Any]]  # sort-key dtype: uint16 when it fits (radix sort), else int64

    @property
    def top(self) -> int:
        """The largest printed score in integer units (100.0 -> 1000)."""
        return len(self.lookup) - 1


def _baseline(s: Scores, r: Ranking, cfg: Config) -> _Baseline:
    """Gather the ranked rows in baseline order with the tables a draw needs."""
    scale = 10**SCORE_DECIMALS
    top = 100 * scale
    labels = len(r.labels)
    dtype: type[np.integer[Any]] = np.uint16 if labels * (top + 1) < 2**16 else np.int64
    lookup = sub_band(np.arange(top + 1) / scale, cfg).astype(dtype)
    order = r.order
    return _Baseline(
        design=s.design(order),
        floor=np.minimum(r.floor[order], labels - 1).astype(dtype),
        band=(r.effective[order] // r.per_band).astype(dtype),
        lookup=lookup,
        per_band=r.per_band,
        dtype=dtype,
    )


def _effective(base: _Baseline, weights: FloatArray) -> tuple[KeyArray, KeyArray]:
    """(draws, weighted) weights -> (draws, ranked) effective sub-bands and printed scores."""
    totals = weights @ base.design.T  # the one matrix product per batch
    totals *= 100.0
    shown = rounded(totals)  # settled then rounded, exactly as the main ranking prints
    shown *= 10.0**SCORE_DECIMALS
    np.rint(shown, out=shown)  # exact: removes the scaling's float noise only
    np.clip(shown, 0, base.top, out=shown)
    printed = shown.astype(base.dtype)
    return np.minimum(base.lookup[printed], base.floor), printed


def _draw_ranks(base: _Baseline, effective: KeyArray, printed: KeyArray) -> Int32Array:
    """(draws, ranked) 1-based rank of each baseline column within its draw."""
    key = effective * base.dtype(base.top + 1)
    key += base.top - printed  # higher score first; ties keep baseline order (stable sort)
    order = np.argsort(key, axis=1, kind="stable")
    ranks = np.empty(order.shape, dtype=np.int32)
    positions = np.arange(1, order.shape[1] + 1, dtype=np.int32)
    np.put_along_axis(ranks, order, np.broadcast_to(positions, order.shape), axis=1)
    return ranks


def _keep_lowest(buffer: Int32Array, ranks: Int32Array, size: int) -> Int32Array:
    """Merge (ranked, kept) with (draws, ranked) ranks, keeping each row's ``size`` smallest."""
    merged = np.concatenate([buffer, ranks.T], axis=1)
    if merged.shape[1] <= size:
        return merged
    return np.partition(merged, size - 1, axis=1)[:, :size]


def _keep_highest(buffer: Int32Array, ranks: Int32Array, size: int) -> Int32Array:
    """Merge as ``_keep_lowest``, keeping each row's ``size`` largest."""
    merged = np.concatenate([buffer, ranks.T], axis=1)
    cut = merged.shape[1] - size
    if cut <= 0:
        return merged
    return np.partition(merged, cut, axis=1)[:, cut:]


def percentile_index(draws: int) -> int:
    """0-based order statistic of the 5th percentile ("lower"); the 95th mirrors it from the top."""
    return PERCENTILE * (draws - 1) // 100


def default_batch(ranked: int) -> int:
    """Draws per batch so that one float64 (draws x ranked) block stays under BLOCK_BYTES."""
    return max(1, min(MAX_BATCH, BLOCK_BYTES // (8 * max(ranked, 1))))


def spearman(ranks: Int32Array) -> FloatArray:
    """Spearman's rho of each draw's ranks (rows) against the baseline 1..n (columns)."""
    n = int(ranks.shape[1])
    if n < 2:
        return np.ones(ranks.shape[0])
    d = ranks - np.arange(1, n + 1, dtype=np.int32)
    squares: FloatArray = np.einsum("ij,ij->i", d, d, dtype=np.float64)
    return 1.0 - 6.0 * squares / (n * (n * n - 1.0))


def stability(
    m: FactorMatrix,
    s: Scores,
    r: Ranking,
    cfg: Config,
    *,
    draws: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    batch: int | None = None,
) -> Stability:
    """Re-rank under ``draws`` Dirichlet weight vectors and summarise each group's stability.

    The draws are ``default_rng(seed).dirichlet(concentration * s.weights, size=draws)``, the
    same whatever the batch size. ``progress(done)`` is called after each batch.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if batch is not None and batch < 1:
        raise ValueError("batch must be at least 1")
    settings = cfg.stability
    base = _baseline(s, r, cfg)
    ranked = len(r.order)
    step = batch or default_batch(ranked)
    keep = percentile_index(draws) + 1
    rng = np.random.default_rng(seed)
    alpha = settings.concentration * s.weights
    lowest = np.empty((ranked, 0), dtype=np.int32)
    highest = np.empty((ranked, 0), dtype=np.int32)
    in_top = np.zeros(ranked, dtype=np.int64)
    same = np.zeros(ranked, dtype=np.int64)
    rho = np.empty(draws)
    for start in range(0, draws, step):
        stop = min(start + step, draws)
        effective, printed = _effective(base, rng.dirichlet(alpha, size=stop - start))
        same += (effective // base.dtype(base.per_band) == base.band).sum(axis=0)
        ranks = _draw_ranks(base, effective, printed)
        del effective, printed
        in_top += (ranks <= settings.top_k).sum(axis=0)
        rho[start:stop] = spearman(ranks)
        lowest = _keep_lowest(lowest, ranks, keep)
        highest = _keep_highest(highest, ranks, keep)
        if progress is not None:
            progress(stop)
    n, rows = len(m), r.order
    return Stability(
        draws=draws,
        seed=seed,
        concentration=settings.concentration,
        top_k=settings.top_k,
        rank_p5=_scatter(lowest.max(axis=1, initial=0), rows, n, np.int64),
        rank_p95=_scatter(highest.min(axis=1, initial=ranked), rows, n, np.int64),
        p_top_k=_scatter(in_top / draws, rows, n, np.float64),
        p_same_band=_scatter(same / draws, rows, n, np.float64),
        unstable=_scatter(draws - same > settings.unstable_share * draws, rows, n, np.bool_),
        spearman_median=float(np.median(rho)),
        spearman_p5=float(np.percentile(rho, PERCENTILE, method="lower")),
        sensitivity=one_at_a_time(s, r, cfg),
        perturbation=settings.perturbation,
    )


def _scatter(values: npt.NDArray[Any], rows: IntArray, n: int, dtype: type[T]) -> npt.NDArray[T]:
    """(ranked,) values in baseline order -> (n,) by row; unranked rows are zero."""
    out = np.zeros(n, dtype=dtype)
    out[rows] = values
    return out


def one_at_a_time(
    s: Scores, r: Ranking, cfg: Config, *, perturbation: float | None = None
) -> tuple[WeightSensitivity, ...]:
    """For each weighted factor, the ranked rows whose effective band changes when its weight
    is scaled by (1 - p) and by (1 + p) and the weights renormalised (p: config default)."""
    p = cfg.stability.perturbation if perturbation is None else perturbation
    base = _baseline(s, r, cfg)
    count = len(s.weights)
    scale = np.ones((2 * count, count))
    scale[2 * np.arange(count), np.arange(count)] = 1.0 - p
    scale[2 * np.arange(count) + 1, np.arange(count)] = 1.0 + p
    vectors = s.weights * scale
    vectors /= vectors.sum(axis=1, keepdims=True)
    effective, _ = _effective(base, vectors)
    changed = effective // base.dtype(base.per_band) != base.band
    return tuple(
        WeightSensitivity(
            factor=name,
            weight=float(s.weights[j]),
            down=r.order[changed[2 * j]],
            up=r.order[changed[2 * j + 1]],
        )
        for j, name in enumerate(s.weighted)
    )


def _view_rank(points: FloatArray | IntArray, rows: IntArray, n: int) -> IntArray:
    """Rank ``rows`` (baseline order) by ``points`` descending, ties by baseline rank."""
    order = np.argsort(-points[rows], kind="stable")
    out = np.zeros(n, dtype=np.int64)
    out[rows[order]] = np.arange(1, len(rows) + 1)
    return out


def second_opinion(m: FactorMatrix, s: Scores, r: Ranking, cfg: Config) -> SecondOpinion:
    """Rank by the harm group alone and by attribute share (OCGM-style), and flag groups whose
    position in either view is more than ``disagree_places`` from the main rank.

    Both views rank points only: bands and override floors do not apply.
    """
    group = HARM_GROUP if HARM_GROUP in s.groups else s.groups[0]
    harm = _view_rank(s.group_points[:, s.groups.index(group)], r.order, len(m))
    columns = [s.factors.index(f) for f in s.weighted]
    hits = (s.normalised[:, columns] >= ATTRIBUTE_MIDPOINT).sum(axis=1)
    attribute = _view_rank(hits, r.order, len(m))
    places = cfg.stability.disagree_places
    ranked = r.rank > 0
    disagree = ranked & ((np.abs(harm - r.rank) > places) | (np.abs(attribute - r.rank) > places))
    return SecondOpinion(
        harm_rank=harm,
        attribute_rank=attribute,
        disagree=disagree,
        harm_group=group,
        attribute_share=hits / max(len(columns), 1),
    )
