"""Invented words and phrases: codenames and notes. ALL SYNTHETIC.

Adjectives are never first names, so a codename cannot read as a person's name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from socprio.sample.constants import Ints

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


def codenames(pair_order: Ints, rows: Ints) -> list[Any]:
    """Unique invented word pairs; past the number of pairs, a block number is appended."""
    pairs = np.array([f"{a} {b}" for a in ADJECTIVES for b in NOUNS], dtype=object)
    block, within = np.divmod(rows, len(pairs))
    names = pairs[pair_order[(within + block * 7) % len(pairs)]]
    first = int(block[0]) if len(block) else 0
    suffixes = [f" {b + 1}" if b else "" for b in range(first, int(block.max(initial=0)) + 1)]
    return list((names + np.array(suffixes, dtype=object)[block - first]).tolist())


def notes(rng: np.random.Generator, n: int) -> list[Any]:
    """Blank, plain, comma and quoted notes, so the CSV exercises quoting."""
    kind = rng.choice(len(NOTE_KIND_P), size=n, p=NOTE_KIND_P)
    pick = rng.integers(0, 1 << 30, size=n)
    out = np.full(n, "", dtype=object)
    for k, pool in enumerate((PLAIN_NOTES, COMMA_NOTES, QUOTED_NOTES), start=1):
        here = kind == k
        out[here] = np.array(pool, dtype=object)[pick[here] % len(pool)]
    return list(out.tolist())
