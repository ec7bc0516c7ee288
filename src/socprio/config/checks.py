"""Cross-field checks on a ``Config`` that the field types cannot express.

Pure: each check takes the validated ``Config`` and returns ``(yaml path, message)`` pairs,
which the loader locates as ``file:line:col``.
"""

from __future__ import annotations

import math
import re

from socprio.config.capacity import capacity_problems
from socprio.config.models import (
    ADMIN_COLUMNS,
    GRADES,
    Combine,
    Config,
    FactorType,
    Loc,
    Op,
    Rule,
    record_columns,
)


def config_problems(cfg: Config) -> list[tuple[Loc, str]]:
    """Cross-field checks that the field types cannot express, each with its YAML path."""
    problems = [
        *_factor_problems(cfg),
        *_group_problems(cfg),
        *_confidence_problems(cfg),
        *_band_problems(cfg),
        *_override_problems(cfg),
        *_record_problems(cfg),
        *capacity_problems(cfg.capacity, cfg.record.forces),
    ]
    return problems or _weight_problems(cfg)  # weights normalise only once groups are sound


def _factor_problems(cfg: Config) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for name, f in cfg.factors.items():
        loc: Loc = ("factors", name)
        if name in ADMIN_COLUMNS:
            problems.append((loc, f"'{name}' is an admin column; a factor needs its own name"))
        if f.type is FactorType.ORDINAL and len(f.levels) < 2:
            problems.append(
                ((*loc, "levels"), "an ordinal factor needs at least two levels (0 and a maximum)")
            )
        if f.type is not FactorType.ORDINAL and f.levels:
            problems.append(
                ((*loc, "levels"), f"levels apply to ordinal factors, not {f.type.value}")
            )
        if f.type is FactorType.COUNT and f.cap is None:
            problems.append(
                ((*loc, "type"), "a count factor needs a cap (the count that scores the maximum)")
            )
        if f.type is not FactorType.COUNT and (f.cap is not None or f.of is not None):
            problems.append(((*loc, "type"), "cap and of apply to count factors only"))
        if f.of is not None and f.of != "linked_groups":
            problems.append(
                ((*loc, "of"), f"a count can be taken of 'linked_groups' only, not '{f.of}'")
            )
        if (f.type is FactorType.CRIME_TYPE) != (f.secondary_fraction is not None):
            problems.append(
                ((*loc, "type"), "secondary_fraction is required for, and only for, crime_type")
            )
    return problems


def _group_problems(cfg: Config) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for gname in cfg.groups:
        if gname in cfg.factors:  # both would export as <name>_points
            problems.append((("groups", gname), f"group '{gname}' has the same name as a factor"))
    seen: dict[str, str] = {}
    for gname, grp in cfg.groups.items():
        for fname in grp.factors:
            floc: Loc = ("groups", gname, "factors", fname)
            if fname not in cfg.factors:
                problems.append((floc, f"unknown factor '{fname}' (not declared under factors)"))
            elif fname in seen:
                problems.append(
                    (floc, f"factor '{fname}' is already weighted in group '{seen[fname]}'")
                )
            seen[fname] = gname
        if grp.combine is Combine.PRODUCT and any(w != 1 for w in grp.factors.values()):
            problems.append(
                (("groups", gname, "factors"), "factor weights in a product group must all be 1")
            )
    return problems


def _confidence_problems(cfg: Config) -> list[tuple[Loc, str]]:
    return [
        (("confidence", level.value, i), f"'{grade}' is not a 3x5x2 grading (1A-3E)")
        for level, grades in cfg.confidence.items()
        for i, grade in enumerate(grades)
        if grade not in GRADES
    ]


def _band_problems(cfg: Config) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    previous = 100.01
    for i, band in enumerate(cfg.bands):
        if band.band != i + 1:
            message = f"bands must be numbered 1, 2, ... in order; expected {i + 1}"
            problems.append((("bands", i, "band"), message))
        if band.min >= previous:
            message = "band thresholds overlap: each min must be below the one above"
            problems.append((("bands", i, "min"), message))
        previous = band.min
    if cfg.bands[-1].min != 0:
        problems.append((("bands", len(cfg.bands) - 1, "min"), "the last band must start at 0"))
    if len(set(cfg.sub_bands)) != len(cfg.sub_bands):
        problems.append((("sub_bands",), "sub-band letters must be distinct"))
    return problems


def _weight_problems(cfg: Config) -> list[tuple[Loc, str]]:
    """Every effective weight must be a positive finite share (no overflow or underflow)."""
    try:
        weights = cfg.effective_weights
    except (ArithmeticError, ValueError):
        return [(("groups",), "the weights cannot be normalised")]
    bad = [name for name, w in weights.items() if not (math.isfinite(w) and w > 0)]
    if bad or not math.isclose(math.fsum(weights.values()), 1.0, rel_tol=1e-9):
        group = cfg.group_of[bad[0]] if bad else next(iter(cfg.groups))
        return [(("groups", group, "weight"), "the weights cannot be normalised to shares")]
    return []


def _override_problems(cfg: Config) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for i, rule in enumerate(cfg.overrides):
        problems.extend(_rule_problems(cfg, rule, ("overrides", i)))
    ids = [r.id for r in cfg.overrides]
    for i, rid in enumerate(ids):
        if rid in ids[:i]:
            problems.append((("overrides", i, "id"), f"duplicate rule id '{rid}'"))
    return problems


def _record_problems(cfg: Config) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for header, field in cfg.columns.aliases.items():
        if field not in record_columns(cfg):
            problems.append(
                (("columns", "aliases", header), f"alias target '{field}' is not a column")
            )
    try:
        re.compile(cfg.record.group_id_pattern)
    except (re.error, OverflowError, RecursionError, ValueError, MemoryError) as exc:
        # OverflowError: a repetition count like {4294967296}; RecursionError: deep nesting
        problems.append((("record", "group_id_pattern"), f"not a valid regular expression: {exc}"))
    spellings = [
        s.casefold()
        for s in (*cfg.record.true_values, *cfg.record.false_values, *cfg.record.unknown_values)
    ]
    if len(set(spellings)) != len(spellings) or "" in spellings:
        message = "true, false and unknown spellings must be distinct and non-empty"
        problems.append((("record",), message))
    return problems


def _rule_problems(cfg: Config, rule: Rule, loc: Loc) -> list[tuple[Loc, str]]:
    factor = cfg.factors.get(rule.factor)
    if factor is None:
        return [((*loc, "factor"), f"rule names unknown factor '{rule.factor}'")]
    if rule.min_band > len(cfg.bands):
        return [((*loc, "min_band"), f"there is no band {rule.min_band}")]
    if factor.type is FactorType.BOOLEAN:
        if not isinstance(rule.value, bool) or rule.op not in (Op.EQ, Op.NE):
            return [((*loc, "value"), "a boolean factor is compared with eq/ne and true/false")]
    elif isinstance(rule.value, bool) or not 0 <= rule.value <= factor.max:
        return [((*loc, "value"), f"value must be a whole number from 0 to {factor.max}")]
    return []
