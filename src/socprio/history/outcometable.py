"""SHELL side of ``outcomes``: the archive panel and the ledger as arrays for the pure core
(``core.outcomes``), and its results back as tables (one row per disruption, the summaries
and the Band 1 weeks). No I/O here: frames in, frames out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.config.ledger import LedgerSettings
from socprio.core.outcomes import (
    SUMMARY_BY,
    Effects,
    band1_weeks,
    effects,
    flag_text,
    pick,
    window,
)

FloatArray = npt.NDArray[np.float64]
LEDGER_KEPT = (
    "group_id",
    "tactic",
    "strand",
    "claimed_grade",
    "verification",
    "assessed_by",
    "evidence_ref",
    "notes",
)
VALUES = ("harm", "score", "band_number")


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
    """Join ``ledger`` (validated: group_id, date, tactic, strand, claimed_grade, verification,
    assessed_by, evidence_ref, notes) to ``panel`` (as_of, group_id, lead_force, band_number,
    score, harm: one row per run and group)."""
    days = np.sort(panel["as_of"].unique()).astype("datetime64[D]")
    ids, group = np.unique(panel["group_id"].to_numpy(dtype=str), return_inverse=True)
    run = np.searchsorted(days, panel["as_of"].to_numpy().astype("datetime64[D]"))
    mats = {c: np.full((days.size, ids.size), np.nan) for c in VALUES}
    for c in VALUES:
        mats[c][run, group] = panel[c].to_numpy(dtype=np.float64)
    text = {c: np.full((days.size, ids.size), "", dtype=object) for c in ("lead_force", "band")}
    for c, mat in text.items():
        mat[run, group] = panel[c].to_numpy(dtype=object)
    when = ledger["date"].to_numpy().astype("datetime64[D]")
    g = np.searchsorted(ids, ledger["group_id"].to_numpy(dtype=str)).astype(np.intp)
    verification = ledger["verification"].to_numpy(dtype=str)
    e = effects(
        mats["harm"],
        days,
        when,
        g,
        ledger["claimed_grade"].to_numpy(dtype=str),
        verification,
        settings,
        as_of=as_of,
    )
    rows = _rows(ledger, e, days, when, g, mats, text, settings)
    live = verification != "rejected"
    disrupted = window(days, ids.size, when[live], g[live], window_days)
    weeks = pd.DataFrame(
        {
            "as_of": days.astype(str),
            **band1_weeks(mats["band_number"] == 1, disrupted, mats["harm"]),
        }
    )
    summaries = {by: _summary(rows, by) for by in SUMMARY_BY}
    return Outcomes(rows, summaries, weeks, e.harm_removed, settings.horizons_weeks)


def _rows(
    ledger: pd.DataFrame,
    e: Effects,
    days: npt.NDArray[np.datetime64],
    when: npt.NDArray[np.datetime64],
    g: npt.NDArray[np.intp],
    mats: dict[str, FloatArray],
    labels: dict[str, npt.NDArray[np.object_]],
    settings: LedgerSettings,
) -> pd.DataFrame:
    """One row per disruption: the ledger columns, force, quarter, pre and horizon values."""
    text = np.append(days.astype(str), "")  # index -1 is "no run"
    band = labels["band"]
    stamp = pd.DatetimeIndex(when)
    rows = pd.DataFrame({c: ledger[c].to_numpy() for c in LEDGER_KEPT})
    rows.insert(1, "date", stamp.strftime("%Y-%m-%d"))
    rows["lead_force"] = labels["lead_force"][np.maximum(e.pre, 0), g] if g.size else []
    rows["quarter"] = stamp.to_period("Q").astype(str)
    rows["pre_run"] = text[e.pre]
    for c in VALUES:
        rows[f"pre_{c}"] = pick(mats[c], e.pre, g)
    rows["pre_band"] = _label(band, e.pre, g)
    for k, h in enumerate(settings.horizons_weeks):
        rows[f"h{h}_run"] = text[e.at[k]]
        for c in VALUES:
            rows[f"h{h}_{c}"] = pick(mats[c], e.at[k], g)
        rows[f"h{h}_band"] = _label(band, e.at[k], g)
        rows[f"h{h}_harm_change"] = e.change[k]
        rows[f"h{h}_score_change"] = np.round(rows[f"h{h}_score"] - rows["pre_score"], 2)
    rows["first_harm_change"] = e.first
    rows["flags"] = flag_text(e.flags, len(rows))
    for name, mask in e.flags.items():
        rows[name.lower()] = mask
    return rows


def _label(
    band: npt.NDArray[np.object_], run: npt.NDArray[np.intp], g: npt.NDArray[np.intp]
) -> list[str]:
    """The band label at ``run`` ("" where there is no run)."""
    if not g.size:
        return []
    return [str(b) for b in np.where(run >= 0, band[np.maximum(run, 0), g], "")]


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
