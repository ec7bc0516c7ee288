"""PURE: did disruption work? The arithmetic of joining disruptions to the archived runs.

Inputs are arrays: the run days (sorted), a (run x group) harm matrix, and per disruption
its group index, day, claimed grade and verification. For a disruption on day d, ``pre`` is
the last run on or before d and each horizon h uses the nearest run on or after d + h weeks
that exists (-1 when none). Flags:

* UNSUPPORTED: a claim of a supported grade (major, moderate), not rejected, with no fall in
  harm at the first horizon that has a run;
* REGROWTH: harm fell at one horizon and is back to at least the pre level at a later one;
* UNVERIFIED: still pending more than ``unverified_days`` after d.

Everything is array work; no per-disruption Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from socprio.config.ledger import LedgerSettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]
SUMMARY_BY = ("lead_force", "strand", "tactic", "claimed_grade", "quarter")
FLAGS = ("UNSUPPORTED", "REGROWTH", "UNVERIFIED")


@dataclass(frozen=True, eq=False)
class Effects:
    """Per disruption: the run before (``pre``), the run at each horizon (``at``, horizons x
    disruptions), the change in harm there (rounded to 0.01; NaN where no run), the first
    known change, the three flags, and the harm removed (``harm_removed``)."""

    pre: IntArray
    at: IntArray
    change: FloatArray
    first: FloatArray
    flags: dict[str, BoolArray]
    harm_removed: float


def runs_at(days: DayArray, when: DayArray, settings: LedgerSettings) -> tuple[IntArray, IntArray]:
    """``pre`` (last run on or before) and ``at`` (horizons x disruptions), -1 for none."""
    pre = np.searchsorted(days, when, side="right") - 1
    weeks = np.asarray(settings.horizons_weeks, dtype=np.int64)[:, None] * 7
    at = np.searchsorted(days, when[None, :] + weeks.astype("timedelta64[D]"), side="left")
    return pre.astype(np.intp), np.where(at < days.size, at, -1).astype(np.intp)


def pick(mat: FloatArray, run: IntArray, g: IntArray) -> FloatArray:
    """``mat[run, g]`` elementwise, NaN where ``run`` is -1 (no such run)."""
    if not g.size:
        return np.zeros(run.shape)
    return np.where(run >= 0, mat[np.maximum(run, 0), g], np.nan)


def effects(
    harm: FloatArray,
    days: DayArray,
    when: DayArray,
    g: IntArray,
    grade: npt.NDArray[np.str_],
    verification: npt.NDArray[np.str_],
    settings: LedgerSettings,
    *,
    as_of: date,
) -> Effects:
    """The outcome of each disruption at each horizon, and its flags."""
    pre, at = runs_at(days, when, settings)
    before = pick(harm, pre, g)
    change = np.round(pick(harm, at, g) - before[None, :], 2)
    first = first_known(change)
    fell = change < 0
    back = np.zeros_like(fell)
    back[1:] = np.maximum.accumulate(fell, axis=0)[:-1] & (change[1:] >= 0)
    live = verification != "rejected"
    age = (np.datetime64(as_of, "D") - when).astype(np.int64)
    flags = {
        "UNSUPPORTED": np.isin(grade, settings.supported_grades) & live & (first >= 0),
        "REGROWTH": back.any(axis=0),
        "UNVERIFIED": (verification == "pending") & (age > settings.unverified_days),
    }
    return Effects(pre, at, change, first, flags, harm_removed(first, g, live))


def harm_removed(first: FloatArray, g: IntArray, live: BoolArray) -> float:
    """The fall in harm at the first horizon, summed over groups: a group disrupted more than
    once counts its largest fall once (overlapping claims do not add up), and rejected
    claims count nothing."""
    fall = np.where(live & (first < 0), -first, 0.0)
    per_group = np.zeros(int(g.max()) + 1 if g.size else 0)
    np.maximum.at(per_group, g, fall)
    return float(np.round(per_group.sum(), 2))


def first_known(change: FloatArray) -> FloatArray:
    """Per column, the first non-NaN value (NaN when all are NaN)."""
    known = ~np.isnan(change)
    if not change.size:
        return np.full(change.shape[1], np.nan)
    picked = change[np.argmax(known, axis=0), np.arange(change.shape[1])]
    return np.where(known.any(axis=0), picked, np.nan)


def flag_text(flags: dict[str, BoolArray], n: int) -> list[str]:
    """``UNSUPPORTED;UNVERIFIED`` per disruption, in FLAGS order ('' for none)."""
    text = np.full(n, "", dtype=object)
    for name in FLAGS:
        mask = flags[name]
        text[mask] = np.where(text[mask] == "", name, text[mask] + ";" + name)
    return [str(t) for t in text]


def window(
    days: DayArray, n_groups: int, when: DayArray, g: IntArray, window_days: int
) -> BoolArray:
    """(run x group): disrupted within ``window_days`` up to and including each run's day."""
    lo = np.searchsorted(days, when, side="left")
    hi = np.searchsorted(days, when + np.timedelta64(window_days, "D"), side="left")
    marks = np.zeros((days.size + 1, n_groups), dtype=np.int64)
    np.add.at(marks, (lo, g), 1)
    np.add.at(marks, (hi, g), -1)
    return np.asarray(np.cumsum(marks, axis=0)[:-1] > 0)


def band1_weeks(
    band1: BoolArray, disrupted: BoolArray, harm: FloatArray
) -> dict[str, npt.NDArray[np.generic]]:
    """Per run: Band 1 groups, those disrupted in the window, the share, Band 1 mean harm."""
    n = band1.sum(axis=1)
    hit = (band1 & disrupted).sum(axis=1)
    total = np.where(band1, harm, 0.0).sum(axis=1)
    some = np.maximum(n, 1)
    return {
        "band1_groups": n,
        "band1_disrupted": hit,
        "band1_disrupted_share": np.round(np.where(n > 0, hit / some, 0.0), 4),
        "band1_mean_harm": np.round(np.where(n > 0, total / some, 0.0), 2),
    }
