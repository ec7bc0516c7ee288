"""Synthetic OCG records for demos, tests and tuning: seeded, vectorised and config-driven.

ALL DATA IS SYNTHETIC. Codenames are invented word pairs and notes are invented phrases; no
real person, place-as-person or group is named. Every input factor column is generated from its
config type (ordinal, boolean or count), so a factor added to the config needs no code change.
Known factor names get realistic correlations with the principal crime type and a latent
"severity"; unfamiliar names get a generic distribution. Nothing here imports typer, rich or
pandas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from socprio.config.models import ADMIN_COLUMNS, STRANDS, Config, Factor, FactorType, record_columns

SAMPLE_SEED = 20261123
SAMPLE_AS_OF = date(2026, 11, 23)
SAMPLE_GROUPS = 170

GENERATED_ADMIN = frozenset(
    ADMIN_COLUMNS
)  # the admin columns `_chunk` generates; input factor columns come from the config
CHUNK_ROWS = 50_000  # rows drawn per step; part of the output contract (changing it reseeds)
ID_PREFIX = "OCG-"

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.object_]

# --- distributions (relative weights; names missing from the config are ignored) -----------

PRINCIPAL_WEIGHT = {
    "drugs_supply": 0.34,
    "county_lines": 0.26,
    "fraud": 0.08,
    "msht": 0.05,
    "firearms": 0.05,
    "money_laundering": 0.05,
    "oac": 0.05,
    "oic": 0.04,
    "cyber": 0.03,
    "cse": 0.02,
    "other": 0.02,
    "bribery_corruption": 0.01,
}
SECONDARY_WEIGHT = {
    "money_laundering": 0.30,
    "drugs_supply": 0.20,
    "county_lines": 0.10,
    "firearms": 0.08,
    "fraud": 0.08,
    "oac": 0.08,
    "msht": 0.05,
    "cyber": 0.005,  # rarely a sideline of street-level groups
}
DEFAULT_CRIME_WEIGHT = 0.02
SECONDARY_COUNT_P = (0.35, 0.35, 0.20, 0.10)  # 0, 1, 2 or 3 secondary crimes
FORCE_WEIGHT = {"WMP": 0.45, "STAFFS": 0.18, "WMERCIA": 0.16, "WARKS": 0.13, "ROCU": 0.08}
DEFAULT_FORCE_WEIGHT = 0.10
DISRUPTION_WEIGHT = {
    "arrest": 0.35,
    "seizure": 0.25,
    "charge": 0.15,
    "safeguarding": 0.10,
    "asset_recovery": 0.08,
    "civil_order": 0.07,
}
DEFAULT_DISRUPTION_WEIGHT = 0.05
SOURCE_EVAL_P = (0.20, 0.60, 0.20)  # 1, 2, 3
ASSESSMENT_P = (0.15, 0.45, 0.25, 0.10, 0.05)  # A-E
STRAND_P = {"pursue": 0.85, "prepare": 0.30, "protect": 0.30, "prevent": 0.35}
LINK_COUNT_P = (0.45, 0.30, 0.15, 0.10)  # 0-3 linked groups

# Member counts: lognormal around a median of 10, shifted by crime type, clipped to 3..250.
MEMBER_MEDIAN = 10.0
MEMBER_SIZE_SHIFT = {"county_lines": 0.2, "oic": 0.1, "fraud": -0.2, "cyber": -0.3}
TWO_MEMBER_SHARE = 0.01  # below the SCA 2015 s45 minimum, so `validate` shows its warning

# Ordinal factors: the baseline position on 0..1, and crime-type shifts (in the same units).
ORDINAL_BASE = {
    "violence": 0.30,
    "weapons_access": 0.22,
    "exploitation": 0.05,
    "community_impact": 0.35,
    "intent": 0.50,
    "capability": 0.45,
    "corruption": 0.08,
    "legal_business_use": 0.25,
    "financial_band": 0.28,
    "geographic_reach": 0.30,
    "countermeasures": 0.35,
}
DEFAULT_ORDINAL_BASE = 0.30
LOW_VIOLENCE = {"violence": -0.30, "weapons_access": -0.30, "community_impact": -0.15}
CRIME_SHIFT: dict[str, dict[str, float]] = {
    "firearms": {
        "violence": 0.35,
        "weapons_access": 0.50,
        "community_impact": 0.20,
        "intent": 0.15,
    },
    "county_lines": {
        "exploitation": 0.18,
        "violence": 0.15,
        "weapons_access": 0.10,
        "community_impact": 0.20,
        "geographic_reach": 0.15,
    },
    "drugs_supply": {"violence": 0.10, "weapons_access": 0.08, "community_impact": 0.15},
    "msht": {"exploitation": 0.28, "geographic_reach": 0.30, "financial_band": 0.10},
    "cse": {"exploitation": 0.75, "community_impact": 0.20},
    "oic": {"exploitation": 0.20, "geographic_reach": 0.45, "countermeasures": 0.10},
    "fraud": {
        **LOW_VIOLENCE,
        "countermeasures": 0.25,
        "financial_band": 0.25,
        "legal_business_use": 0.30,
        "capability": 0.10,
    },
    "cyber": {
        **LOW_VIOLENCE,
        "countermeasures": 0.45,
        "financial_band": 0.20,
        "geographic_reach": 0.35,
        "capability": 0.15,
    },
    "money_laundering": {
        **LOW_VIOLENCE,
        "legal_business_use": 0.45,
        "financial_band": 0.40,
        "corruption": 0.20,
        "countermeasures": 0.15,
    },
    "bribery_corruption": {**LOW_VIOLENCE, "corruption": 0.55, "legal_business_use": 0.30},
    "oac": {"violence": 0.10, "community_impact": 0.20, "geographic_reach": 0.05},
}
SEVERITY_SCALE = 0.24  # how strongly the latent severity moves every factor together
NOISE_SCALE = 0.15

# Boolean factors: overall rate, and crime-type multipliers.
BOOLEAN_RATE = {"firearms_discharge_12m": 0.032, "threat_to_life_active": 0.018}
BOOLEAN_RATE |= {"international_links": 0.25}
DEFAULT_BOOLEAN_RATE = 0.25
BOOLEAN_CRIME_FACTOR: dict[str, dict[str, float]] = {
    "firearms": {"firearms_discharge_12m": 9.0, "threat_to_life_active": 4.0},
    "county_lines": {"firearms_discharge_12m": 1.3, "threat_to_life_active": 1.3},
    "fraud": {"firearms_discharge_12m": 0.1, "threat_to_life_active": 0.2},
    "cyber": {
        "firearms_discharge_12m": 0.0,
        "threat_to_life_active": 0.1,
        "international_links": 3,
    },
    "oic": {"international_links": 3.5},
    "msht": {"international_links": 3.0},
    "money_laundering": {"international_links": 2.5, "firearms_discharge_12m": 0.2},
    "bribery_corruption": {"firearms_discharge_12m": 0.1},
}

# (boolean factor, ordinal factor, minimum level): a true flag implies at least this level.
IMPLIES = (
    ("firearms_discharge_12m", "weapons_access", 2),
    ("firearms_discharge_12m", "violence", 3),
    ("threat_to_life_active", "violence", 3),
)

UNKNOWN_RATE = (0.11, 0.24)  # per-factor unknown share, drawn once per factor
BLANK_SHARE = 0.15  # unknowns written blank rather than as the unknown spelling
WEAKNESS_PULL = 0.35  # poorly graded intelligence has more unknowns
STALE_SHARE = 0.20  # reviews 91-200 days old; the rest 0-90
UK_DATE_SHARE = 0.10  # dates written DD/MM/YYYY instead of ISO
NO_DISRUPTION_SHARE = 0.40
DISRUPTION_MAX_DAYS = 400
LRO_SHARE = 0.85

# --- invented words and phrases ---------------------------------------------------------------
# Adjectives are never first names, so a codename cannot read as a person's name.

ADJECTIVES = (
    "ASHEN", "AZURE", "BASALT", "BRASS", "BRINDLE", "CERISE", "CHALKY", "CINDER", "COBALT",
    "COPPER", "CRIMSON", "DAPPLED", "FALLOW", "FERROUS", "FLAXEN", "FROSTED", "GILDED", "GLASSY",
    "GRANITE", "GRAVELLY", "HOLLOW", "KNOTTED", "LUNAR", "MAGENTA", "MARBLED", "MOSSY", "NICKEL",
    "OAKEN", "OCHRE", "ONYX", "PALE", "PEWTER", "QUARTZ", "RUSSET", "SHALE", "SILENT", "SLATE",
    "SOLAR", "SOOTY", "SPRUCE", "STEEL", "STORMY", "TARNISHED", "TAWNY", "TEAL", "TIDAL", "UMBER",
    "VELVET", "VERDANT", "ZINC",
)  # fmt: skip
NOUNS = (
    "HERON", "OTTER", "BADGER", "KESTREL", "FALCON", "LYNX", "MARTEN", "PLOVER", "WREN", "BITTERN",
    "CURLEW", "EGRET", "FINCH", "GANNET", "HARE", "IBIS", "JACKDAW", "LAPWING", "NEWT", "OSPREY",
    "PETREL", "QUAIL", "STOAT", "TERN", "VOLE", "WEASEL", "ANVIL", "BEACON", "CANDLE", "COMPASS",
    "DRUM", "GAUNTLET", "KETTLE", "LANTERN", "LEDGER", "MILLSTONE", "PADLOCK", "QUILL", "RUDDER",
    "SEXTANT", "TRELLIS", "WINDVANE", "ANCHOR", "BELLOWS", "CHISEL", "FLINT", "GIMLET", "SPINDLE",
    "THIMBLE", "TILLER",
)  # fmt: skip
PLAIN_NOTES = (
    "Subject of ongoing surveillance",
    "Review at next tasking meeting",
    "Street-level dealing reported by neighbourhood team",
    "Cash couriers suspected",
    "Activity spans neighbouring force area",
    "Partner agency referral received",
    "Uses rented storage units",
    "Intelligence gap on finances",
    "Premises closure order considered",
    "Handsets changed frequently",
    "Recent change in leadership reported",
    "Debts enforced by intimidation",
    "Vehicles on hire in third-party names",
    "Crime reports suggest renewed activity",
    "Safeguarding referrals linked to group",
    "Financial investigation requested",
    "Little recent intelligence",
    "Possible rival dispute",
    "Suspected use of student accounts as money mules",
    "Online marketplace used for sales",
)
COMMA_NOTES = (
    "Cash-intensive, uses hand car washes",
    "Quiet since last seizure, may have relocated",
    "Two linked addresses, one now vacant",
    "Active online, little physical footprint",
    "Low profile, high turnover",
)
QUOTED_NOTES = (
    'Deal line referred to as "the KESTREL line"',
    'Nominals call the stash address "the garage"',
    'Group refers to itself as "the crew"',
)
NOTE_KIND_P = (0.35, 0.53, 0.08, 0.04)  # blank, plain, with a comma, with a quoted phrase


# --- the plan: everything decided once per call -----------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """Per-call constants shared by every chunk."""

    cfg: Config
    total: int
    width: int
    status: npt.NDArray[np.int8]  # 0 active, 1 dormant, 2 archived; one per row
    crimes: tuple[str, ...]
    unknown_rate: dict[str, float]
    pair_order: Ints
    iso: Strs  # days before as_of -> ISO date
    uk: Strs  # days before as_of -> DD/MM/YYYY


def _ids(plan: _Plan, rows: Ints) -> list[str]:
    """The group ids of an array of 0-based row numbers (built as ASCII bytes, for speed)."""
    prefix = np.frombuffer(ID_PREFIX.encode("ascii"), dtype=np.uint8)
    powers = 10 ** np.arange(plan.width - 1, -1, -1, dtype=np.int64)
    digits = ((rows.reshape(-1, 1) + 1) // powers % 10 + ord("0")).astype(np.uint8)
    chars = np.hstack([np.broadcast_to(prefix, (len(digits), len(prefix))), digits])
    size = chars.shape[1]
    return list(np.ascontiguousarray(chars).view(f"S{size}").ravel().astype(f"U{size}").tolist())


def _weights(names: Sequence[str], table: Mapping[str, float], default: float) -> Floats:
    w = np.array([table.get(n, default) for n in names], dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


def _date_tables(as_of: date, days: int) -> tuple[Strs, Strs]:
    dates = [as_of - timedelta(days=d) for d in range(days + 1)]
    iso = np.array([d.isoformat() for d in dates], dtype=object)
    uk = np.array([d.strftime("%d/%m/%Y") for d in dates], dtype=object)
    return iso, uk


def _status(
    rng: np.random.Generator, total: int, dormant: int, archived: int
) -> npt.NDArray[np.int8]:
    status = np.zeros(total, dtype=np.int8)
    picked = rng.choice(total, size=dormant + archived, replace=False)
    status[picked[:dormant]] = 1
    status[picked[dormant:]] = 2
    return status


def _plan(
    cfg: Config, rng: np.random.Generator, groups: int, dormant: int, archived: int, as_of: date
) -> _Plan:
    total = groups + dormant + archived
    width = max(4, len(str(total)))
    status = _status(rng, total, dormant, archived)
    rates = rng.uniform(*UNKNOWN_RATE, size=len(cfg.factors))
    iso, uk = _date_tables(as_of, DISRUPTION_MAX_DAYS)
    plan = _Plan(
        cfg=cfg,
        total=total,
        width=width,
        status=status,
        crimes=tuple(cfg.crime_types),
        unknown_rate={n: float(r) for n, r in zip(cfg.factors, rates, strict=True)},
        pair_order=rng.permutation(len(ADJECTIVES) * len(NOUNS)),
        iso=iso,
        uk=uk,
    )
    pattern = re.compile(cfg.record.group_id_pattern)
    ends = _ids(plan, np.array([0, total - 1], dtype=np.int64)) if total else []
    if not all(pattern.match(gid) for gid in ends):
        raise ValueError(
            f"generated ids like {ends[-1]} do not match the configured "
            f"group_id_pattern {cfg.record.group_id_pattern}"
        )
    return plan


def default_extras(groups: int) -> tuple[int, int]:
    """Default dormant and archived counts for ``groups`` active groups (5% and 3%)."""
    dormant, archived = round(groups * 0.05), round(groups * 0.03)
    if groups >= 20:
        dormant, archived = max(dormant, 1), max(archived, 1)
    return dormant, archived


# --- public interface -------------------------------------------------------------------------


def generate_rows(
    cfg: Config,
    *,
    groups: int,
    seed: int,
    as_of: date,
    dormant: int | None = None,
    archived: int | None = None,
) -> Iterator[tuple[str, ...]]:
    """Yield the header, then one row of exact CSV cell strings per synthetic group.

    ``groups`` rows are active; ``dormant`` and ``archived`` extra rows (default 5% and 3%, at
    least one each from 20 groups) are scattered among them. Rows are in ``group_id`` order.
    The same arguments always give the same rows; memory is bounded by ``CHUNK_ROWS``.
    """
    default_dormant, default_archived = default_extras(groups)
    dormant = default_dormant if dormant is None else dormant
    archived = default_archived if archived is None else archived
    if min(groups, dormant, archived) < 0:
        raise ValueError("groups, dormant and archived must not be negative")
    header = record_columns(cfg)
    unsupported = [c for c in header if c not in GENERATED_ADMIN and c not in cfg.factors]
    if unsupported:
        raise ValueError(f"no generator for column(s): {', '.join(unsupported)}")
    rng = np.random.default_rng(seed)
    plan = _plan(cfg, rng, groups, dormant, archived, as_of)
    return _rows(plan, rng, header)


def _rows(
    plan: _Plan, rng: np.random.Generator, header: tuple[str, ...]
) -> Iterator[tuple[str, ...]]:
    yield header
    for start in range(0, plan.total, CHUNK_ROWS):
        columns = _chunk(plan, rng, start, min(start + CHUNK_ROWS, plan.total))
        yield from zip(*(columns[c] for c in header), strict=True)


def write_csv(rows: Iterable[Sequence[str]], stream: TextIO) -> None:
    """Write rows as CSV with ``\\n`` line ends (the sample file is for git).

    Open ``stream`` with ``newline=""`` so the platform does not translate line ends.
    """
    csv.writer(stream, lineterminator="\n").writerows(rows)


# --- one chunk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    """The latent draws that several columns share."""

    rows: Ints  # 0-based row numbers
    crime: Ints  # index into plan.crimes
    severity: Floats  # latent N(0, 1): bigger, more dangerous, more capable groups
    weakness: Floats  # 0 (1A grading) .. 1 (3E): poorer intelligence, more unknowns


def _chunk(plan: _Plan, rng: np.random.Generator, start: int, stop: int) -> dict[str, list[Any]]:
    n = stop - start
    rows = np.arange(start, stop, dtype=np.int64)
    rules = plan.cfg.record
    crime_p = _weights(plan.crimes, PRINCIPAL_WEIGHT, DEFAULT_CRIME_WEIGHT)
    crime = rng.choice(len(plan.crimes), size=n, p=crime_p)
    source = rng.choice(3, size=n, p=SOURCE_EVAL_P)
    assessment = rng.choice(5, size=n, p=ASSESSMENT_P)
    ctx = _Chunk(rows, crime, rng.standard_normal(n), (source / 2 + assessment / 4) / 2)
    out: dict[str, list[Any]] = {
        "group_id": _ids(plan, rows),
        "codename": _codenames(plan, rows),
        "lead_force": _pick(rng, n, rules.forces, FORCE_WEIGHT, DEFAULT_FORCE_WEIGHT),
        "status": _lookup(("active", "dormant", "archived"), plan.status[start:stop]),
        "lro_assigned": _flag(rng, n, LRO_SHARE, rules.true_values[0], rules.false_values[0]),
        "principal_crime": _lookup(plan.crimes, crime),
        "secondary_crimes": _secondary(rng, plan, ctx),
        "member_count": _members(rng, plan, ctx),
        "intel_source_eval": _lookup(("1", "2", "3"), source),
        "intel_assessment": _lookup(tuple("ABCDE"), assessment),
        "last_intel_review": _review_dates(rng, plan, n),
    }
    out |= _disruptions(rng, plan, n)
    out["opportunity_4p"] = _strands(rng, n)
    out["linked_groups"] = _links(rng, plan, ctx)
    out["notes"] = _notes(rng, n)
    out |= _factors(rng, plan, ctx)
    return out


def _lookup(labels: Sequence[str], codes: npt.NDArray[Any]) -> list[Any]:
    return list(np.array(labels, dtype=object)[codes].tolist())


def _pick(
    rng: np.random.Generator, n: int, names: Sequence[str], table: Mapping[str, float], dflt: float
) -> list[Any]:
    return _lookup(names, rng.choice(len(names), size=n, p=_weights(names, table, dflt)))


def _flag(rng: np.random.Generator, n: int, share: float, yes: str, no: str) -> list[Any]:
    return _lookup((no, yes), (rng.random(n) < share).astype(np.int64))


def _codenames(plan: _Plan, rows: Ints) -> list[Any]:
    """Unique invented word pairs; past the number of pairs, a block number is appended."""
    pairs = np.array([f"{a} {b}" for a in ADJECTIVES for b in NOUNS], dtype=object)
    block, within = np.divmod(rows, len(pairs))
    names = pairs[plan.pair_order[(within + block * 7) % len(pairs)]]
    first = int(block[0]) if len(block) else 0
    suffixes = [f" {b + 1}" if b else "" for b in range(first, int(block.max(initial=0)) + 1)]
    return list((names + np.array(suffixes, dtype=object)[block - first]).tolist())


def _secondary(rng: np.random.Generator, plan: _Plan, ctx: _Chunk) -> list[Any]:
    """0-3 distinct secondary crimes, never the principal (weighted sampling via Gumbel keys)."""
    n, c = len(ctx.rows), len(plan.crimes)
    most = min(len(SECONDARY_COUNT_P) - 1, plan.cfg.record.max_secondary_crimes, c - 1)
    count = np.minimum(rng.choice(len(SECONDARY_COUNT_P), size=n, p=SECONDARY_COUNT_P), most)
    logw = np.log(_weights(plan.crimes, SECONDARY_WEIGHT, DEFAULT_CRIME_WEIGHT))
    keys = logw + rng.gumbel(size=(n, c))
    keys[np.arange(n), ctx.crime] = -np.inf
    top = np.full((n, max(most, 1)), c, dtype=np.int64)  # c: the "none" sentinel
    every = np.arange(n)
    for k in range(most):
        best = keys.argmax(axis=1)
        top[:, k] = np.where(count > k, best, c)
        keys[every, best] = -np.inf
    return _join_indices(top, plan.crimes)


def _join_indices(idx: Ints, names: Sequence[str]) -> list[Any]:
    """Rows of indices into ``names`` (``len(names)`` = none) as ';'-lists in config order."""
    base = len(names) + 1
    idx = np.sort(idx, axis=1)
    code = np.zeros(len(idx), dtype=np.int64)
    for j in range(idx.shape[1]):
        code = code * base + idx[:, j]
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    text = [";".join(names[i] for i in idx[row] if i < len(names)) for row in first]
    return _lookup(text, inverse.reshape(-1))


def _members(rng: np.random.Generator, plan: _Plan, ctx: _Chunk) -> list[Any]:
    """Lognormal member counts, median about 10, 3..250; a few groups of two."""
    n = len(ctx.rows)
    shift = np.array([MEMBER_SIZE_SHIFT.get(c, 0.0) for c in plan.crimes])[ctx.crime]
    log_m = np.log(MEMBER_MEDIAN) + 0.45 * ctx.severity + 0.5 * rng.standard_normal(n) + shift
    members = np.clip(np.rint(np.exp(log_m)), 3, 250).astype(np.int64)
    members[rng.random(n) < TWO_MEMBER_SHARE] = 2
    return _lookup([str(i) for i in range(251)], members)


def _dates(rng: np.random.Generator, plan: _Plan, days: Ints) -> Strs:
    uk = rng.random(len(days)) < UK_DATE_SHARE
    return np.where(uk, plan.uk[days], plan.iso[days])


def _review_dates(rng: np.random.Generator, plan: _Plan, n: int) -> list[Any]:
    stale = rng.random(n) < STALE_SHARE
    days = np.where(stale, rng.integers(91, 201, size=n), rng.integers(0, 91, size=n))
    return list(_dates(rng, plan, days).tolist())


def _disruptions(rng: np.random.Generator, plan: _Plan, n: int) -> dict[str, list[Any]]:
    """A date and type for ~60% of groups; both blank for the rest."""
    none = rng.random(n) < NO_DISRUPTION_SHARE
    days = rng.integers(0, DISRUPTION_MAX_DAYS + 1, size=n)
    when = _dates(rng, plan, days)
    kinds = plan.cfg.record.disruption_types
    what = np.array(_pick(rng, n, kinds, DISRUPTION_WEIGHT, DEFAULT_DISRUPTION_WEIGHT), object)
    when[none] = ""
    what[none] = ""
    return {"last_disruption_date": when.tolist(), "disruption_type": what.tolist()}


def _strands(rng: np.random.Generator, n: int) -> list[Any]:
    """1-3 of the 4P strands, in their usual order."""
    chosen = rng.random((n, len(STRANDS))) < np.array([STRAND_P[s] for s in STRANDS])
    chosen[~chosen.any(axis=1), 0] = True
    full = chosen.all(axis=1)
    chosen[np.nonzero(full)[0], rng.integers(1, len(STRANDS), size=int(full.sum()))] = False
    masks = range(1 << len(STRANDS))
    table = [";".join(s for j, s in enumerate(STRANDS) if m >> j & 1) for m in masks]
    return _lookup(table, chosen @ (1 << np.arange(len(STRANDS))))


def _links(rng: np.random.Generator, plan: _Plan, ctx: _Chunk) -> list[Any]:
    """0-3 distinct other groups, ascending."""
    n, width = len(ctx.rows), len(LINK_COUNT_P) - 1
    if plan.total < 2:
        return [""] * n
    count = rng.choice(len(LINK_COUNT_P), size=n, p=LINK_COUNT_P)
    targets = (ctx.rows[:, None] + rng.integers(1, plan.total, size=(n, width))) % plan.total
    targets[np.arange(width)[None, :] >= count[:, None]] = plan.total  # sentinel: no link
    targets[:, 1][targets[:, 1] == targets[:, 0]] = plan.total
    for k in (0, 1):
        targets[:, 2][targets[:, 2] == targets[:, k]] = plan.total
    targets.sort(axis=1)
    valid = targets < plan.total
    ids = np.full(targets.shape, "", dtype=object)
    ids[valid] = _ids(plan, targets[valid])
    joined = ids[:, 0]
    for k in range(1, width):
        joined = joined + np.where(valid[:, k], ";", "").astype(object) + ids[:, k]
    return list(joined.tolist())


def _notes(rng: np.random.Generator, n: int) -> list[Any]:
    kind = rng.choice(len(NOTE_KIND_P), size=n, p=NOTE_KIND_P)
    pick = rng.integers(0, 1 << 30, size=n)
    out = np.full(n, "", dtype=object)
    for k, pool in enumerate((PLAIN_NOTES, COMMA_NOTES, QUOTED_NOTES), start=1):
        here = kind == k
        out[here] = np.array(pool, dtype=object)[pick[here] % len(pool)]
    return list(out.tolist())


# --- factors ----------------------------------------------------------------------------------


def _factors(rng: np.random.Generator, plan: _Plan, ctx: _Chunk) -> dict[str, list[Any]]:
    """Every input factor column, generated from its config type."""
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
        top = _top(factor)
        if factor.type is FactorType.BOOLEAN:
            labels = [rules.false_values[0], rules.true_values[0]]
        else:
            labels = [str(i) for i in range(top + 1)]
        codes = raw.copy()
        unknown, blank = _unknowns(rng, plan.unknown_rate[name], ctx.weakness)
        codes[unknown] = top + 1
        codes[unknown[blank]] = top + 2
        out[name] = _lookup([*labels, rules.unknown_values[0], ""], codes)
    return out


def _top(factor: Factor) -> int:
    """The largest generated value: the ordinal max, 1 for a boolean, twice a count's cap."""
    return 2 * factor.max if factor.type is FactorType.COUNT else factor.max


def _factor_values(
    rng: np.random.Generator, plan: _Plan, ctx: _Chunk, name: str, factor: Factor
) -> Ints:
    n = len(ctx.rows)
    if factor.type is FactorType.BOOLEAN:
        mult = [BOOLEAN_CRIME_FACTOR.get(c, {}).get(name, 1.0) for c in plan.crimes]
        rate = BOOLEAN_RATE.get(name, DEFAULT_BOOLEAN_RATE) * np.array(mult)[ctx.crime]
        p = np.clip(rate * np.exp(0.4 * ctx.severity - 0.08), 0.0, 0.95)
        return (rng.random(n) < p).astype(np.int64)
    if factor.type is FactorType.COUNT:
        lam = factor.max * 0.5 * np.exp(0.3 * ctx.severity)
        return np.minimum(rng.poisson(lam), _top(factor)).astype(np.int64)
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
