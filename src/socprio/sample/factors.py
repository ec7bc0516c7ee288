"""The input factor columns of one chunk, each generated from its config type (ordinal,
boolean or count), so a factor added to the config needs no code change. Known factor names
get realistic correlations with the principal crime type and the latent severity; unfamiliar
names get a generic distribution.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from socprio.config.models import Config, Factor, FactorType
from socprio.sample.bias import RowShifts, apply_shifts
from socprio.sample.constants import (
    BLANK_SHARE,
    BOOLEAN_CRIME_FACTOR,
    BOOLEAN_RATE,
    CRIME_SHIFT,
    DEFAULT_BOOLEAN_RATE,
    DEFAULT_ORDINAL_BASE,
    IMPLIES,
    NOISE_SCALE,
    ORDINAL_BASE,
    SEVERITY_SCALE,
    WEAKNESS_PULL,
    Bools,
    Floats,
    Ints,
)
from socprio.sample.plan import Latent, Plan, lookup


def factor_columns(
    rng: np.random.Generator, plan: Plan, ctx: Latent, shifts: RowShifts
) -> dict[str, list[Any]]:
    """Every input factor column; ``shifts`` plants biases after the values are drawn."""
    cfg = plan.cfg
    values = {
        name: _factor_values(rng, plan, ctx, name, f)
        for name, f in cfg.factors.items()
        if f.has_column
    }
    _apply_implications(values, cfg)
    rules = cfg.record
    out: dict[str, list[Any]] = {}
    for name, raw in values.items():
        factor = cfg.factors[name]
        top = top_value(factor)
        if factor.type is FactorType.BOOLEAN:
            labels = [rules.false_values[0], rules.true_values[0]]
        else:
            labels = [str(i) for i in range(top + 1)]
        codes = raw.copy()
        unknown, blank = _unknowns(rng, plan.unknown_rate[name], ctx.weakness)
        codes[unknown] = top + 1
        codes[unknown[blank]] = top + 2
        codes = apply_shifts(codes, shifts.get(name, ()), top=top)
        out[name] = lookup([*labels, rules.unknown_values[0], ""], codes)
    return out


def top_value(factor: Factor) -> int:
    """The largest generated value: the ordinal max, 1 for a boolean, twice a count's cap."""
    return 2 * factor.max if factor.type is FactorType.COUNT else factor.max


def _factor_values(
    rng: np.random.Generator, plan: Plan, ctx: Latent, name: str, factor: Factor
) -> Ints:
    n = len(ctx.rows)
    if factor.type is FactorType.BOOLEAN:
        mult = [BOOLEAN_CRIME_FACTOR.get(c, {}).get(name, 1.0) for c in plan.crimes]
        rate = BOOLEAN_RATE.get(name, DEFAULT_BOOLEAN_RATE) * np.array(mult)[ctx.crime]
        p = np.clip(rate * np.exp(0.4 * ctx.severity - 0.08), 0.0, 0.95)
        return (rng.random(n) < p).astype(np.int64)
    if factor.type is FactorType.COUNT:
        lam = factor.max * 0.5 * np.exp(0.3 * ctx.severity)
        return np.minimum(rng.poisson(lam), top_value(factor)).astype(np.int64)
    shift = np.array([CRIME_SHIFT.get(c, {}).get(name, 0.0) for c in plan.crimes])[ctx.crime]
    noise = NOISE_SCALE * rng.standard_normal(n)
    p = ORDINAL_BASE.get(name, DEFAULT_ORDINAL_BASE) + shift + SEVERITY_SCALE * ctx.severity
    level = np.floor((p + noise) * (factor.max + 1))
    return np.clip(level, 0, factor.max).astype(np.int64)


def _apply_implications(values: dict[str, Ints], cfg: Config) -> None:
    """A true flag lifts a related ordinal (e.g. a discharge implies firearms access)."""
    for flag, ordinal, level in IMPLIES:
        kinds = (
            (cfg.factors[flag].type, cfg.factors[ordinal].type)
            if flag in values and ordinal in values
            else None
        )
        if kinds == (FactorType.BOOLEAN, FactorType.ORDINAL):
            floor = min(level, cfg.factors[ordinal].max)
            lifted = values[flag] == 1
            values[ordinal][lifted] = np.maximum(values[ordinal][lifted], floor)


def _unknowns(rng: np.random.Generator, rate: float, weakness: Floats) -> tuple[Ints, Bools]:
    """Exactly ``rate`` of the rows (rounded), leaning to poorly graded ones; and which blank."""
    n = len(weakness)
    k = round(rate * n)
    key = rng.random(n) + WEAKNESS_PULL * weakness
    idx = np.argpartition(-key, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
    return idx.astype(np.int64), rng.random(k) < BLANK_SHARE
