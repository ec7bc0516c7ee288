"""CORE: normalised factor values -> per-factor contributions -> group scores -> total.

Pure and vectorised over numpy; no Python loop over records. The top level is additive, so
``total == contributions.sum(axis=1)`` exactly: every point is attributed to one factor.

A *design matrix* D (groups x weighted factors) carries, per factor, the value that its
effective weight multiplies: the factor's own normalised value in a ``sum`` group, and the
group's product in a ``product`` group (split equally between its factors: the Shapley split
of a product with a zero baseline). Then ``contributions = 100 * D * w`` for the effective
weights ``w`` (summing to 1), and any other weight vector re-scores with one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from socprio.config.models import Combine, Config, FactorType
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray


@dataclass(frozen=True)
class Scores:
    """Every number behind a group's score; row i is row i of the FactorMatrix."""

    factors: tuple[str, ...]  # all factors, config order (columns of raw/normalised/known)
    weighted: tuple[str, ...]  # weighted factors, group order (columns of contributions)
    groups: tuple[str, ...]  # factor groups, config order (columns of group_points)
    normalised: FloatArray  # (n, factors) 0..1 after the unknown policy
    known: BoolArray  # (n, factors)
    weights: FloatArray  # (weighted,) effective weights, summing to 1
    design_columns: tuple[tuple[int, ...], ...]  # per weighted factor: the normalised
    # columns whose product its weight multiplies (``design_columns_of``)
    contributions: FloatArray  # (n, weighted) points; rows sum to total
    group_points: FloatArray  # (n, groups) points per group; rows sum to total
    total: FloatArray  # (n,) 0..100
    score_min: FloatArray  # (n,) unknowns at their lowest
    score_max: FloatArray  # (n,) unknowns at their highest
    coverage: FloatArray  # (n,) share of weighted factors that are known

    def design(self, rows: npt.NDArray[np.int64] | None = None) -> FloatArray:
        """The design matrix (of ``rows``, in their order), rebuilt from the normalised values
        bit for bit as scoring built it: it is not held, which saves a matrix of the size of
        the contributions at a million groups."""
        values = self.normalised if rows is None else self.normalised[rows]
        return design_of(values, self.design_columns)


def crime_harm(
    principal: np.ndarray, secondary: BoolArray, cfg: Config, fraction: float
) -> FloatArray:
    """Principal crime's harm plus ``fraction`` of the highest secondary crime's, capped at 1."""
    harm = np.array([c.harm for c in cfg.crime_types.values()])
    top_secondary = np.where(secondary, harm, 0.0).max(axis=1, initial=0.0)
    combined: FloatArray = np.minimum(1.0, harm[principal] + fraction * top_secondary)
    return combined


def normalise(m: FactorMatrix, cfg: Config) -> FloatArray:
    """Raw values -> 0..1 per factor; NaN stays NaN (unknown)."""
    out = np.empty_like(m.raw)
    for j, factor in enumerate(cfg.factors.values()):
        col = m.raw[:, j]
        if factor.type is FactorType.CRIME_TYPE:
            out[:, j] = crime_harm(m.principal, m.secondary, cfg, factor.secondary_fraction or 0)
        elif factor.type is FactorType.COUNT:
            out[:, j] = np.minimum(col, factor.max) / factor.max
        else:
            out[:, j] = col / factor.max
    return out


def design_columns_of(cfg: Config) -> tuple[tuple[int, ...], ...]:
    """Per weighted factor (group order), the factor columns whose product its weight
    multiplies: its own in a ``sum`` group, all its group's in a ``product`` group."""
    index = {name: j for j, name in enumerate(cfg.factors)}
    columns: list[tuple[int, ...]] = []
    for grp in cfg.groups.values():
        cols = tuple(index[f] for f in grp.factors)
        product = grp.combine is Combine.PRODUCT
        columns.extend(cols if product else (j,) for j in cols)
    return tuple(columns)


def design_of(values: FloatArray, columns: tuple[tuple[int, ...], ...]) -> FloatArray:
    """(n, factors) filled values -> (n, weighted) design matrix, one column per entry of
    ``columns``: the value itself, or the product of a product group's values."""
    products: dict[tuple[int, ...], FloatArray] = {}
    out: list[FloatArray] = []
    for cols in columns:
        if len(cols) == 1:
            out.append(values[:, cols[0]])
        else:
            if cols not in products:
                products[cols] = values[:, list(cols)].prod(axis=1)
            out.append(products[cols])
    return np.column_stack(out) if out else np.empty((len(values), 0))


def design_matrix(values: FloatArray, cfg: Config) -> FloatArray:
    """(n, factors) filled values -> (n, weighted) design matrix (see the module docstring)."""
    return design_of(values, design_columns_of(cfg))


def score(m: FactorMatrix, cfg: Config) -> Scores:
    """Score every group under ``cfg``: contributions, groups, total, min/max and coverage."""
    filled = normalise(m, cfg)
    known = ~np.isnan(filled)
    fill = np.array([cfg.policy(name).fill for name in cfg.factors])
    np.copyto(filled, np.broadcast_to(fill, filled.shape), where=~known)  # in place
    weights = np.array([cfg.effective_weights[f] for f in cfg.weighted_factors])
    columns = design_columns_of(cfg)
    design = design_of(filled, columns)
    contributions = np.multiply(design, 100.0)
    contributions *= weights  # (100 * design) * weights, in place: no second matrix
    total = contributions.sum(axis=1)
    low, high = _bounds(design, filled, known, cfg, weights)
    group_of = cfg.group_of
    groups = tuple(cfg.groups)
    membership = np.array(
        [[group_of[f] == g for g in groups] for f in cfg.weighted_factors], dtype=float
    ).reshape(len(cfg.weighted_factors), len(groups))
    weighted_cols = [list(cfg.factors).index(f) for f in cfg.weighted_factors]
    return Scores(
        factors=tuple(cfg.factors),
        weighted=cfg.weighted_factors,
        groups=groups,
        normalised=filled,
        known=known,
        weights=weights,
        design_columns=columns,
        contributions=contributions,
        group_points=contributions @ membership,
        total=total,
        score_min=low,
        score_max=high,
        coverage=known[:, weighted_cols].mean(axis=1) if weighted_cols else np.ones(len(m)),
    )


BOUND_ROWS = 65_536  # rows per block of the bounded designs: a small scratch matrix


def _bounds(
    design: FloatArray, filled: FloatArray, known: BoolArray, cfg: Config, weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The scores with every unknown at its lowest and at its highest, a block of rows at a
    time (each row's score is its own dot product, so blocks change no value)."""
    low, high = np.empty(len(design)), np.empty(len(design))
    scratch = np.empty((min(len(design), BOUND_ROWS), design.shape[1]))
    for start in range(0, len(design), BOUND_ROWS):
        rows = slice(start, start + BOUND_ROWS)
        d, f, k = design[rows], filled[rows], known[rows]
        out = scratch[: len(d)]
        low[rows] = bounded_design(d, f, k, cfg, 0.0, out=out) @ weights * 100.0
        high[rows] = bounded_design(d, f, k, cfg, 1.0, out=out) @ weights * 100.0
    return low, high


def bounded_design(
    design: FloatArray,
    filled: FloatArray,
    known: BoolArray,
    cfg: Config,
    at: float,
    *,
    out: FloatArray | None = None,
) -> FloatArray:
    """``design_matrix`` of the values with every unknown at ``at`` (0 for the lowest score,
    1 for the highest), from the design of the ``filled`` values without building it again.

    A sum group's column is its factor's value, so only its unknown cells change; a product
    group's columns are re-multiplied only on the rows with an unknown factor, exactly as
    ``design_matrix`` multiplies them, so the result is bit for bit the same matrix.
    """
    bounded = np.empty_like(design) if out is None else out
    np.copyto(bounded, design)
    index = {name: j for j, name in enumerate(cfg.factors)}
    start = 0
    for grp in cfg.groups.values():
        cols = np.array([index[f] for f in grp.factors], dtype=np.int64)
        stop = start + len(cols)
        if grp.combine is Combine.PRODUCT:
            rows = np.flatnonzero(~known[:, cols].all(axis=1))
            if len(rows):
                part = np.ix_(rows, cols)
                product = np.where(known[part], filled[part], at).prod(axis=1)
                bounded[rows, start:stop] = product[:, None]
        else:
            for k, j in enumerate(cols.tolist(), start):
                np.copyto(bounded[:, k], at, where=~known[:, j])
        start = stop
    return bounded
