"""Planted scoring biases, for testing data-quality consistency checks on synthetic data.

``--bias WARKS:violence:+1`` moves every known ``violence`` value of groups led by WARKS up one
level after the values are drawn (clipped to the factor's generated range; unknowns stay
unknown). Biases draw no random numbers, so the rest of the file is unchanged, and no bias
gives byte-identical output. Pure functions only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from socprio.config.models import Config, FactorType
from socprio.errors import UsageError
from socprio.sample.constants import Bools, Ints, Strs

__all__ = ["Bias", "biasable_factors", "check_bias", "parse_bias", "row_shifts", "shift_levels"]

_SPEC = re.compile(r"([^:]+):([^:]+):([+-]?[0-9]+)")
_BIASABLE = (FactorType.ORDINAL, FactorType.COUNT)
RowShifts = dict[str, list[tuple[Bools, int]]]


@dataclass(frozen=True)
class Bias:
    """Shift ``factor``'s known values by ``shift`` levels for groups whose lead force is
    ``force``."""

    force: str
    factor: str
    shift: int


def biasable_factors(cfg: Config) -> tuple[str, ...]:
    """The factors a bias may name: ordinal and count factors read from a column."""
    return tuple(n for n, f in cfg.factors.items() if f.has_column and f.type in _BIASABLE)


def parse_bias(spec: str, cfg: Config) -> Bias:
    """Parse ``FORCE:FACTOR:+N`` (N a non-zero whole number, sign optional) against ``cfg``.

    Raises ``UsageError`` (exit 2) naming the valid forces or factors when one is unknown.
    """
    found = _SPEC.fullmatch(spec.strip())
    if found is None:
        raise UsageError(
            f"--bias {spec!r}: expected FORCE:FACTOR:+N or FORCE:FACTOR:-N, e.g. WARKS:violence:+1"
        )
    bias = Bias(found.group(1).strip(), found.group(2).strip(), int(found.group(3)))
    check_bias(bias, cfg)
    return bias


def check_bias(bias: Bias, cfg: Config) -> None:
    """Raise ``UsageError`` unless ``bias`` names a configured force and a biasable factor."""
    forces = cfg.record.forces
    if bias.force not in forces:
        raise UsageError(f"--bias: unknown force {bias.force!r}; valid forces: {', '.join(forces)}")
    factors = biasable_factors(cfg)
    if bias.factor not in factors:
        raise UsageError(
            f"--bias: {bias.factor!r} is not an ordinal or count factor; valid factors: "
            f"{', '.join(factors)}"
        )
    if bias.shift == 0:
        raise UsageError(f"--bias: the shift for {bias.force}:{bias.factor} must not be 0")


def row_shifts(biases: Iterable[Bias], forces: Strs) -> RowShifts:
    """Per factor, the rows (by lead force, one cell per row) and shift of each bias."""
    out: RowShifts = {}
    for bias in biases:
        out.setdefault(bias.factor, []).append((np.asarray(forces == bias.force), bias.shift))
    return out


def shift_levels(codes: Ints, *, rows: Bools, shift: int, top: int) -> Ints:
    """Return ``codes`` with the known values (0..``top``) of ``rows`` moved by ``shift`` and
    clipped to 0..``top``; codes above ``top`` (the unknown spellings) are left alone."""
    hit = rows & (codes <= top)
    out = codes.copy()
    out[hit] = np.clip(codes[hit] + shift, 0, top)
    return out


def apply_shifts(codes: Ints, shifts: Sequence[tuple[Bools, int]], *, top: int) -> Ints:
    """Apply each ``(rows, shift)`` in turn (each clipped to the range)."""
    for rows, shift in shifts:
        codes = shift_levels(codes, rows=rows, shift=shift, top=top)
    return codes
