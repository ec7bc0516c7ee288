"""CORE: bands, override floors, flags and the deterministic tasking order.

Pure and vectorised. Bands apply to the score as printed (one decimal place), so a group shown
at 65.0 is never in Band 2. An override lifts the *effective* band and never edits the score.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from socprio.config.models import Config, Op
from socprio.core.flags import RANKING_FLAGS
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray, IntArray
from socprio.core.scoring import Scores

SCORE_DECIMALS = 1
TIE_DECIMALS = 9  # far below any printed digit, far above float noise in a 0-100 score


OPS: dict[Op, Callable[[FloatArray, float], BoolArray]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.GE: operator.ge,
    Op.GT: operator.gt,
    Op.LE: operator.le,
    Op.LT: operator.lt,
}


@dataclass(frozen=True)
class Ranking:
    """Bands, rules, flags and order for every group; row i is row i of the FactorMatrix."""

    labels: tuple[str, ...]  # sub-band labels, best first ("1A", "1B", ...)
    per_band: int  # sub-bands per band
    band: IntArray  # (n,) index into labels from the score
    floor: IntArray  # (n,) best index the fired overrides guarantee (int64 max when none)
    effective: IntArray  # (n,) index into labels after overrides
    band_min: IntArray  # (n,) band number at score_min
    band_max: IntArray  # (n,) band number at score_max
    rules: BoolArray  # (n, rules) which override conditions hold
    flags: BoolArray  # (n, len(RANKING_FLAGS))
    order: IntArray  # (ranked,) row indices, first is the highest priority
    rank: IntArray  # (n,) 1-based position, 0 for groups not ranked

    def band_number(self, index: IntArray) -> IntArray:
        """Band number (1, 2, ...) of sub-band indices."""
        return index // self.per_band + 1


def settled(values: FloatArray) -> FloatArray:
    """Points without float noise, so equal weights written differently (0.45 or 45) give
    the same printed scores and the same ties."""
    return np.round(values, TIE_DECIMALS)


def rounded(score: FloatArray) -> FloatArray:
    """The score as printed; bands and the first tie-break use this."""
    return np.round(settled(score), SCORE_DECIMALS)


def sub_band(score: FloatArray, cfg: Config) -> IntArray:
    """Sub-band index (0 = best) of each score, by the fixed thresholds."""
    bounds = np.array([b for _, b in cfg.band_labels])
    ascending = np.round(bounds[::-1], SCORE_DECIMALS)
    return len(bounds) - np.searchsorted(ascending, rounded(score), side="right")


def rule_matrix(m: FactorMatrix, cfg: Config) -> BoolArray:
    """(n, rules): which override conditions hold; an unknown value never satisfies one."""
    index = {name: j for j, name in enumerate(cfg.factors)}
    columns = []
    for rule in cfg.overrides:
        col = m.raw[:, index[rule.factor]]
        columns.append(OPS[rule.op](col, float(rule.value)) & ~np.isnan(col))
    return np.column_stack(columns) if columns else np.zeros((len(m), 0), dtype=bool)


def rank(
    m: FactorMatrix, s: Scores, cfg: Config, *, as_of: date, include_dormant: bool = False
) -> Ranking:
    """Band, override, flag and order every group; archived groups are never ranked."""
    per_band = len(cfg.sub_bands)
    band = sub_band(s.total, cfg)
    rules = rule_matrix(m, cfg)
    floors = np.array(
        [(r.min_band - 1) * per_band + per_band - 1 for r in cfg.overrides], dtype=np.int64
    )
    lifted = np.where(rules, floors, np.iinfo(np.int64).max).min(
        axis=1, initial=np.iinfo(np.int64).max
    )
    effective = np.minimum(band, lifted)
    band_min = sub_band(s.score_min, cfg) // per_band + 1
    band_max = sub_band(s.score_max, cfg) // per_band + 1
    effective_band = effective // per_band + 1
    today = np.datetime64(as_of, "D")
    action = np.array([r.flag == "ACTION_NOW" for r in cfg.overrides], dtype=bool)
    since_disruption = (today - m.last_disruption).astype("timedelta64[D]").astype(float)
    since_disruption[np.isnat(m.last_disruption)] = np.inf
    flags = np.column_stack(
        [
            (rules & action).any(axis=1),
            effective < band,
            band_min != band_max,
            (today - m.last_review).astype(int) > cfg.flags.stale_days,
            (effective_band <= 2) & ~m.lro_assigned,
            (effective_band == 1) & (since_disruption > cfg.flags.no_disruption_days),
            m.confidence == 2,
        ]
    ).reshape(len(m), len(RANKING_FLAGS))
    order = ranked_order(m, s, effective, include_dormant=include_dormant)
    position = np.zeros(len(m), dtype=np.int64)
    position[order] = np.arange(1, len(order) + 1)
    return Ranking(
        labels=tuple(label for label, _ in cfg.band_labels),
        per_band=per_band,
        band=band,
        floor=lifted,
        effective=effective,
        band_min=band_min,
        band_max=band_max,
        rules=rules,
        flags=flags,
        order=order,
        rank=position,
    )


def ranked_order(
    m: FactorMatrix, s: Scores, effective: IntArray, *, include_dormant: bool
) -> IntArray:
    """Effective band, printed score, each group's points in config order, confidence,
    most recent review, then group_id: a total order, so ties always break the same way."""
    statuses = ["active", "dormant"] if include_dormant else ["active"]
    rows = np.flatnonzero(np.isin(m.status, statuses))
    review = m.last_review[rows].astype("int64")
    keys = [
        m.group_id[rows],
        -review,
        m.confidence[rows],
        *(-settled(s.group_points[rows, g]) for g in reversed(range(len(s.groups)))),
        -rounded(s.total[rows]),
        effective[rows],
    ]
    return rows[np.lexsort(keys)]
