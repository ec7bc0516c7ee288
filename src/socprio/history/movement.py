"""Movement since the previous run: each ranked group's previous rank and band, and a tag.

Pure: the current ranking table and a ``Previous`` in, the table with movement columns and the
groups that dropped out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.core.causes import attribute, config_changes
from socprio.errors import DataError
from socprio.history.previous import BAND_LABEL, POINTS, RAW, Previous

MOVEMENT_COLUMNS = ("previous_rank", "rank_change", "previous_band", "movement", "movement_cause")
DROPPED_COLUMNS = ("group_id", "codename", "last_rank", "last_band", "last_score", "reason")
RAW_DP = 2  # the decimals a CSV export keeps of a numeric raw value
SAME_WITHIN = 3  # default: a move of fewer places within one sub-band is SAME
ACTION_NOW = "ACTION_NOW"


class Tag(StrEnum):
    """How a group moved since the previous ranking."""

    NEW = "NEW"  # not ranked last time
    BAND_UP = "BAND_UP"  # a higher sub-band (2B -> 2A, 3B -> 1C; 1A is the highest)
    BAND_DOWN = "BAND_DOWN"  # a lower sub-band
    UP = "UP"  # same sub-band, at least ``same_within`` places better
    DOWN = "DOWN"  # same sub-band, at least ``same_within`` places worse
    SAME = "SAME"  # same sub-band, moved fewer than ``same_within`` places


@dataclass(frozen=True, eq=False)
class Movement:
    """The current ranking with movement columns, and the groups that dropped out."""

    frame: pd.DataFrame  # the current frame plus MOVEMENT_COLUMNS after ``band``
    dropped: pd.DataFrame  # DROPPED_COLUMNS, by last rank
    since: date | None
    source: str
    config_changed: bool | None = None  # None when a side does not record its config hash
    config_changes: tuple[str, ...] = ()  # what changed in the config, in plain English
    previous_flags: pd.Series | None = None  # group_id -> the earlier run's flags text

    def headlines(self) -> dict[str, list[str]]:
        """The groups a meeting must hear of before any counts: ``entered Band 1``, ``left
        Band 1`` (including those that dropped out) and ``started act now``; each a list of
        ``group_id codename (band, cause)`` lines."""
        f = self.frame
        now = band_numbers(f["band"]) == 1
        was = f["previous_band"].str.extract(BAND_LABEL, expand=False) == "1"
        flags = f["flags"].astype(str) if "flags" in f.columns else pd.Series("", index=f.index)
        before = (
            f["group_id"].map(self.previous_flags).fillna("")
            if self.previous_flags is not None
            else pd.Series("", index=f.index)
        )
        started = flags.str.contains(ACTION_NOW) & ~before.astype(str).str.contains(ACTION_NOW)
        if self.previous_flags is None:
            started &= f["movement"] == Tag.NEW.value
        gone = self.dropped[self.dropped["last_band"].str.extract(BAND_LABEL, expand=False) == "1"]
        return {
            "entered Band 1": _lines(f[now & ~was]),
            "left Band 1": _lines(f[was & ~now])
            + [
                f"{r.group_id} {r.codename} (dropped out: {r.reason})".replace("  ", " ")
                for r in gone.itertuples(index=False)
            ],
            "started act now": _lines(f[started]),
        }

    def counts(self) -> dict[str, int]:
        """Groups per movement tag (every tag, in Tag order), then ``DROPPED``."""
        tags = self.frame["movement"].value_counts()
        out = {tag.value: int(tags.get(tag.value, 0)) for tag in Tag}
        return out | {"DROPPED": len(self.dropped)}


def _distinct_labels(bands: pd.Series) -> tuple[npt.NDArray[np.intp], pd.Series]:
    """(codes, labels) with ``labels[codes]`` the text of ``bands``: a column has a few
    dozen labels, so each is parsed once (a missing one is a label too)."""
    codes, labels = pd.factorize(bands.astype(str), use_na_sentinel=False)
    return codes, pd.Series(labels, dtype=object)


def band_numbers(bands: pd.Series) -> pd.Series:
    """Band number of each sub-band label ("1C" -> 1); DataError on a label without one."""
    codes, labels = _distinct_labels(bands)
    numbers = labels.str.extract(BAND_LABEL, expand=False)
    if numbers.isna().any():
        raise DataError("a band label has no band number (expected labels such as 1A)")
    return pd.Series(numbers.astype("int64").to_numpy()[codes], index=bands.index)


def _lines(rows: pd.DataFrame) -> list[str]:
    """``group_id codename (was -> band: cause)`` per row."""
    names = rows["codename"].astype(str) if "codename" in rows.columns else ""
    was = rows["previous_band"].astype(str).replace("", "new")
    text = rows["group_id"].astype(str) + " " + names + " (" + was + " -> " + rows["band"]
    text = text + ": " + rows["movement_cause"].astype(str) + ")"
    return [t.replace("  ", " ") for t in text.tolist()]


def band_order(bands: pd.Series) -> npt.NDArray[np.float64]:
    """An order of sub-band labels, smaller is higher: band number, then letter (A first)."""
    codes, text = _distinct_labels(bands)
    number = text.str.extract(BAND_LABEL, expand=False).astype(float)
    letter = text.str.extract(r"^\d+([A-Z]?)$", expand=False).fillna("")
    letters = ["", *(chr(c) for c in range(ord("A"), ord("Z") + 1))]
    offset = pd.Categorical(letter, categories=letters).codes.astype(np.float64)
    order: npt.NDArray[np.float64] = number.to_numpy(dtype=np.float64) * 27 + offset
    return order[codes]


def movement(
    current: pd.DataFrame,
    previous: Previous,
    *,
    same_within: int = SAME_WITHIN,
    config_sha256: str | None = None,
    config_summary: dict[str, object] | None = None,
    unranked: pd.DataFrame | None = None,
    rejected: Collection[str] = (),
) -> Movement:
    """Add previous_rank, rank_change (+ is up), previous_band, movement and movement_cause.

    ``current`` is the export table (``ranking_frame``): one row per ranked group, with
    ``group_id``, ``rank`` and ``band`` columns. Its row order is kept. A sub-band change is
    always BAND_UP/BAND_DOWN; within a sub-band a move of fewer than ``same_within`` places is
    SAME. ``config_sha256``/``config_summary`` describe the current run's config (compared with
    the earlier run's); ``unranked`` (group_id, status) says why a group dropped out.
    """
    if current["group_id"].duplicated().any():
        raise ValueError("current ranking has duplicate group_id")
    changed = _config_changed(previous.config_sha256, config_sha256)
    before = previous.frame[["rank", "band", "band_number"]].rename(
        columns={"rank": "previous_rank", "band": "previous_band", "band_number": "_prev_no"}
    )
    merged = current[["group_id", "rank", "band"]].merge(
        before, left_on="group_id", right_index=True, how="left", validate="one_to_one"
    )
    previous_rank = merged["previous_rank"].astype("Int64")
    change = previous_rank - merged["rank"].astype("Int64")
    tag = _tags(merged, change.to_numpy(dtype=float, na_value=np.nan), same_within)
    added = {
        "previous_rank": previous_rank.to_numpy(),
        "rank_change": change.to_numpy(),
        "previous_band": merged["previous_band"].fillna("").to_numpy(dtype=object),
        "movement": tag,
        "movement_cause": _causes(current, previous, tag, changed),
    }
    frame = current.drop(columns=[c for c in MOVEMENT_COLUMNS if c in current.columns])
    at = list(frame.columns).index("band") + 1 if "band" in frame.columns else len(frame.columns)
    for offset, (name, values) in enumerate(added.items()):
        frame.insert(at + offset, name, values)
    frame["previous_rank"] = frame["previous_rank"].astype("Int64")
    frame["rank_change"] = frame["rank_change"].astype("Int64")
    frame["previous_band"] = frame["previous_band"].astype(str)
    frame["movement"] = frame["movement"].astype(str)
    frame["movement_cause"] = frame["movement_cause"].astype(str)
    return Movement(
        frame=frame,
        dropped=_dropped(previous, current["group_id"], unranked, rejected),
        since=previous.as_of,
        source=previous.source,
        config_changed=changed,
        config_changes=tuple(config_changes(previous.config_summary, config_summary))
        if changed
        else (),
        previous_flags=previous.frame["flags"] if "flags" in previous.frame.columns else None,
    )


def _tags(merged: pd.DataFrame, step: Any, same_within: int) -> Any:
    """Each row's Tag value: a sub-band change first, then moves of ``same_within`` places."""
    band_numbers(merged["band"])  # DataError on a label without a band number
    was = np.where(merged["_prev_no"].isna(), np.nan, band_order(merged["previous_band"]))
    now = band_order(merged["band"])
    noise = np.abs(step) < same_within
    return np.select(
        [np.isnan(was), was > now, was < now, noise, step > 0, step < 0],
        [
            Tag.NEW.value,
            Tag.BAND_UP.value,
            Tag.BAND_DOWN.value,
            Tag.SAME.value,
            Tag.UP.value,
            Tag.DOWN.value,
        ],
        default=Tag.SAME.value,
    )


def _config_changed(old: str | None, new: str | None) -> bool | None:
    """Whether two config hashes differ; None when either is unknown."""
    return None if old is None or new is None else old != new


def _causes(
    current: pd.DataFrame, previous: Previous, tag: npt.NDArray[np.str_], changed: bool | None
) -> npt.NDArray[np.object_]:
    """Each group's movement cause (core.causes.attribute); ``NEW`` for new groups and empty
    text for SAME. Only the rows that show a cause are attributed (a cause depends on its own
    row alone), so a ranking compared with itself attributes none."""
    result: npt.NDArray[np.object_] = np.where(tag == Tag.NEW.value, Tag.NEW.value, "").astype(
        object
    )
    rows = np.flatnonzero((tag != Tag.NEW.value) & (tag != Tag.SAME.value))
    if len(rows):
        result[rows] = _attributed(current.iloc[rows], previous, changed)
    return result


def _attributed(
    current: pd.DataFrame, previous: Previous, changed: bool | None
) -> npt.NDArray[np.object_]:
    """The cause of each row of ``current`` (every one of them ranked in ``previous``)."""
    cols = list(dict.fromkeys([*previous.factors, *_factor_points(current)]))
    ids = current["group_id"]
    old = previous.frame.reindex(ids)
    now_points = current.reindex(columns=cols).to_numpy(dtype=float)
    old_points = old.reindex(columns=cols).to_numpy(dtype=float)
    delta = np.nan_to_num(now_points, nan=0.0) - np.nan_to_num(old_points, nan=0.0)
    raws = [c.removesuffix(POINTS) + RAW for c in cols]
    data: npt.NDArray[np.bool_] | None = None
    if any(r in old.columns for r in raws):
        data = _differs(current.reindex(columns=raws), old.reindex(columns=raws))
    rules_now = _dummies(current, "overrides")
    rules_old = _dummies(old, "overrides")
    rules = sorted(set(rules_now.columns) | set(rules_old.columns))
    a = rules_now.reindex(columns=rules, fill_value=0).to_numpy(dtype=bool)
    b = rules_old.reindex(columns=rules, fill_value=0).to_numpy(dtype=bool)
    if "overrides" not in old.columns:
        b = a  # the earlier export does not say which rules held
    return attribute(
        delta,
        data,
        a & ~b,
        b & ~a,
        factors=[c.removesuffix(POINTS) for c in cols],
        rules=rules,
        config_changed=bool(changed),
    )


def _differs(now: pd.DataFrame, old: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Cells whose raw value changed: numbers (a crime type's harm, which the CSV writes to
    POINTS_DP decimals) equal within half a unit of that place; other text as written."""
    a = now.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    b = old.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    numeric = ~np.isnan(a) & ~np.isnan(b)
    same = np.where(numeric, np.abs(a - b) <= 0.5 * 10.0**-RAW_DP + 1e-9, False)
    text = now.astype(str).to_numpy() == old.astype(str).to_numpy()
    changed: npt.NDArray[np.bool_] = ~(same | text)
    return changed


def _factor_points(frame: pd.DataFrame) -> list[str]:
    """The per-factor points columns of an export table (those with a raw column)."""
    columns = list(map(str, frame.columns))
    names = set(columns)  # looked in; the columns' own order is kept (a set's varies by run)
    return [c for c in columns if c.endswith(POINTS) and c.removesuffix(POINTS) + RAW in names]


def _dummies(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One boolean column per ';'-separated id in ``frame[column]`` (none when absent)."""
    if column not in frame.columns:
        return pd.DataFrame(index=frame.index)
    return frame[column].fillna("").astype(str).str.get_dummies(sep=";")


def _dropped(
    previous: Previous,
    present: pd.Series,
    unranked: pd.DataFrame | None,
    rejected: Collection[str] = (),
) -> pd.DataFrame:
    """Groups in ``previous`` that are not in ``present``, by their last rank, with why:
    their status now (``archived``, ``dormant``), a record ``--exclude-invalid`` left out, or
    ``missing from the input``."""
    gone = previous.frame.loc[~previous.frame.index.isin(present)].sort_values("rank")
    status = (
        unranked.set_index("group_id")["status"].astype(str)
        if unranked is not None and len(unranked)
        else pd.Series(dtype=str)
    )
    missing = "missing from the input" if unranked is not None else "not in the new ranking"
    found = gone.index.to_series().map(status)
    reason = pd.Series(np.where(found.isna(), missing, found.astype(object)), dtype=object)
    left_out = gone.index.isin(list(rejected))
    reason[left_out] = "its record was rejected; --exclude-invalid left it out"
    return pd.DataFrame(
        {
            "group_id": gone.index.astype(str),
            "codename": gone["codename"].astype(str).to_numpy(),
            "last_rank": gone["rank"].to_numpy(dtype="int64"),
            "last_band": gone["band"].astype(str).to_numpy(),
            "last_score": gone["score"].to_numpy(dtype=float),
            "reason": reason.astype(str).to_numpy(dtype=object),
        }
    )
