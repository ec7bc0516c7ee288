"""PURE: did disruption work? Each ledger disruption joined to the archived runs around it.

For a disruption on day d: the group's harm, score and band at the last run on or before d
(``pre``) and at each horizon h (the nearest run on or after d + h weeks that exists). Flags:

* UNSUPPORTED: a claim of a supported grade (major, moderate), not rejected, with no fall in
  harm at the first horizon that has a run;
* REGROWTH: harm fell at one horizon and is back to at least the pre level at a later one;
* UNVERIFIED: still pending more than ``unverified_days`` after d.

Everything is array work over a (run x group) matrix; no per-disruption Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.config.ledger import LedgerSettings

FloatArray = npt.NDArray[np.float64]
SUMMARY_BY = ("lead_force", "strand", "tactic", "claimed_grade", "quarter")
FLAGS = ("UNSUPPORTED", "REGROWTH", "UNVERIFIED")
LEDGER_KEPT = (
    "group_id",
    "date",
    "tactic",
    "strand",
    "claimed_grade",
    "verification",
    "assessed_by",
    "evidence_ref",
    "notes",
)


@dataclass(frozen=True, eq=False)
class Outcomes:
    """``rows``: one per disruption, in ledger order; ``summaries``: one frame per SUMMARY_BY;
    ``weeks``: per archived run, Band 1 groups, those disrupted in the window, the share and
    Band 1's mean harm; ``harm_removed``: the sum of falls in harm at the first horizon."""

    rows: pd.DataFrame
    summaries: dict[str, pd.DataFrame]
    weeks: pd.DataFrame
    harm_removed: float
    horizons: tuple[int, ...]


def outcomes(
    panel: pd.DataFrame,
    ledger: pd.DataFrame,
    settings: LedgerSettings,
    *,
    as_of: date,
    window_days: int,
) -> Outcomes:
    """Join ``ledger`` (validated: group_id, date, tactic, strand, claimed_grade, verification)
    to ``panel`` (as_of, group_id, lead_force, band, band_number, score, harm)."""
    days = np.sort(panel["as_of"].unique()).astype("datetime64[D]")
    ids, group = np.unique(panel["group_id"].to_numpy(dtype=str), return_inverse=True)
    run = np.searchsorted(days, panel["as_of"].to_numpy().astype("datetime64[D]"))
    mats = {
        c: _matrix(panel[c].to_numpy(dtype=np.float64), run, group, days.size, ids.size)
        for c in ("harm", "score", "band_number")
    }
    when = ledger["date"].to_numpy().astype("datetime64[D]")
    g = np.searchsorted(ids, ledger["group_id"].to_numpy(dtype=str))
    rows, deltas = _joined(panel, ledger, settings, days, (run, group, g), mats)
    change = np.vstack(deltas) if deltas else np.zeros((0, len(rows)))
    first = _first_known(change)
    fell = change < 0
    fell_before = np.maximum.accumulate(fell, axis=0)
    back = np.zeros_like(fell)
    back[1:] = fell_before[:-1] & (change[1:] >= 0)
    claimed = (
        np.isin(rows["claimed_grade"], settings.supported_grades)
        & (rows["verification"] != "rejected").to_numpy()
    )
    age = (np.datetime64(as_of, "D") - when).astype(np.int64)
    flags: dict[str, npt.NDArray[np.bool_]] = {
        "UNSUPPORTED": np.asarray(claimed & (first >= 0), dtype=bool),
        "REGROWTH": np.asarray(back.any(axis=0), dtype=bool),
        "UNVERIFIED": np.asarray(
            (rows["verification"] == "pending").to_numpy() & (age > settings.unverified_days),
            dtype=bool,
        ),
    }
    rows["first_harm_change"] = first
    rows["flags"] = (
        [";".join(f for f in FLAGS if flags[f][i]) for i in range(len(rows))] if len(rows) else []
    )
    for name, mask in flags.items():
        rows[name.lower()] = mask
    removed = float(np.round(-np.nansum(np.where(first < 0, first, 0.0)), 2))
    window = _window(
        days, ids, when, g, (rows["verification"] != "rejected").to_numpy(), window_days
    )
    weeks = _weeks(days, mats["band_number"] == 1, window, mats["harm"])
    summaries = {by: _summary(rows, by) for by in SUMMARY_BY}
    return Outcomes(rows, summaries, weeks, removed, settings.horizons_weeks)


def _joined(
    panel: pd.DataFrame,
    ledger: pd.DataFrame,
    settings: LedgerSettings,
    days: npt.NDArray[np.datetime64],
    index: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]],
    mats: dict[str, FloatArray],
) -> tuple[pd.DataFrame, list[FloatArray]]:
    """One row per disruption: the ledger columns, force, quarter, pre and horizon values."""
    run, group, g = index
    force = np.full(mats["harm"].shape, "", dtype=object)
    force[run, group] = panel["lead_force"].to_numpy(dtype=object)
    when = ledger["date"].to_numpy().astype("datetime64[D]")
    pre = np.searchsorted(days, when, side="right") - 1
    rows = pd.DataFrame({c: ledger[c].to_numpy() for c in LEDGER_KEPT})
    rows["date"] = pd.DatetimeIndex(when).strftime("%Y-%m-%d")
    rows["lead_force"] = force[np.maximum(pre, 0), g] if len(g) else []
    rows["quarter"] = pd.PeriodIndex(pd.DatetimeIndex(when), freq="Q").astype(str)
    rows["pre_run"] = _dates(days, pre)
    for c in ("harm", "score", "band_number"):
        rows[f"pre_{c}"] = _at(mats[c], pre, g)
    deltas = []
    for h in settings.horizons_weeks:
        at = np.searchsorted(days, when + np.timedelta64(7 * h, "D"), side="left")
        at = np.where(at < days.size, at, -1)
        rows[f"h{h}_run"] = _dates(days, at)
        for c in ("harm", "score", "band_number"):
            rows[f"h{h}_{c}"] = _at(mats[c], at, g)
        rows[f"h{h}_harm_change"] = np.round(rows[f"h{h}_harm"] - rows["pre_harm"], 2)
        rows[f"h{h}_score_change"] = np.round(rows[f"h{h}_score"] - rows["pre_score"], 2)
        deltas.append(rows[f"h{h}_harm_change"].to_numpy(dtype=np.float64))
    return rows, deltas


def _matrix(
    values: FloatArray,
    run: npt.NDArray[np.intp],
    group: npt.NDArray[np.intp],
    n_runs: int,
    n_groups: int,
) -> FloatArray:
    """``values`` laid out as (run x group), NaN where a group is absent from a run."""
    out = np.full((n_runs, n_groups), np.nan)
    out[run, group] = values
    return out


def _at(mat: FloatArray, run: npt.NDArray[np.intp], g: npt.NDArray[np.intp]) -> FloatArray:
    """``mat[run, g]`` per disruption, NaN where ``run`` is -1 (no such run)."""
    if not len(g):
        return np.zeros(0)
    return np.where(run >= 0, mat[np.maximum(run, 0), g], np.nan)


def _dates(days: npt.NDArray[np.datetime64], run: npt.NDArray[np.intp]) -> list[str]:
    """Each run's ISO date, "" for none."""
    text = days.astype(str)
    return [text[r] if r >= 0 else "" for r in run.tolist()]


def _first_known(change: FloatArray) -> FloatArray:
    """Per column, the first non-NaN value (NaN when all are NaN)."""
    known = ~np.isnan(change)
    first = np.argmax(known, axis=0)
    picked = change[first, np.arange(change.shape[1])] if change.size else np.zeros(0)
    return np.where(known.any(axis=0), picked, np.nan)


def _window(
    days: npt.NDArray[np.datetime64],
    ids: npt.NDArray[np.str_],
    when: npt.NDArray[np.datetime64],
    g: npt.NDArray[np.intp],
    counted: npt.NDArray[np.bool_],
    window_days: int,
) -> npt.NDArray[np.bool_]:
    """(run x group): disrupted within ``window_days`` up to and including each run's day."""
    lo = np.searchsorted(days, when[counted], side="left")
    hi = np.searchsorted(days, when[counted] + np.timedelta64(window_days, "D"), side="left")
    marks = np.zeros((days.size + 1, ids.size), dtype=np.int64)
    np.add.at(marks, (lo, g[counted]), 1)
    np.add.at(marks, (hi, g[counted]), -1)
    return np.cumsum(marks, axis=0)[:-1] > 0


def _weeks(
    days: npt.NDArray[np.datetime64],
    band1: npt.NDArray[np.bool_],
    window: npt.NDArray[np.bool_],
    harm: FloatArray,
) -> pd.DataFrame:
    """Per run: Band 1 groups, those disrupted in the window, the share, Band 1 mean harm."""
    n = band1.sum(axis=1)
    hit = (band1 & window).sum(axis=1)
    total = np.where(band1, harm, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, hit / np.maximum(n, 1), 0.0)
        mean = np.where(n > 0, total / np.maximum(n, 1), 0.0)
    return pd.DataFrame(
        {
            "as_of": days.astype(str),
            "band1_groups": n,
            "band1_disrupted": hit,
            "band1_disrupted_share": np.round(share, 4),
            "band1_mean_harm": np.round(mean, 2),
        }
    )


def _summary(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts and mean change in harm at the first horizon, per value of ``by`` (sorted)."""
    work = rows.assign(fell=rows["first_harm_change"] < 0, known=rows["first_harm_change"].notna())
    out = work.groupby(by, sort=True).agg(
        disruptions=("group_id", "size"),
        with_outcome=("known", "sum"),
        harm_fell=("fell", "sum"),
        mean_harm_change=("first_harm_change", "mean"),
        unsupported=("unsupported", "sum"),
        regrowth=("regrowth", "sum"),
        unverified=("unverified", "sum"),
    )
    out["mean_harm_change"] = out["mean_harm_change"].round(2)
    return out.reset_index().rename(columns={by: "value"})
