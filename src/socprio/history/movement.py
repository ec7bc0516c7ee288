"""Movement since the previous run: each ranked group's previous rank and band, and a tag.

Pure: the current ranking table and a ``Previous`` in, the table with movement columns and the
groups that dropped out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import pandas as pd

from socprio.errors import DataError
from socprio.history.previous import BAND_LABEL, Previous

MOVEMENT_COLUMNS = ("previous_rank", "rank_change", "previous_band", "movement")
DROPPED_COLUMNS = ("group_id", "codename", "last_rank", "last_band", "last_score")


class Tag(StrEnum):
    """How a group moved since the previous ranking."""

    NEW = "NEW"  # not ranked last time
    BAND_UP = "BAND_UP"  # band number fell (1 is the highest priority)
    BAND_DOWN = "BAND_DOWN"  # band number rose
    UP = "UP"  # same band number, better rank
    DOWN = "DOWN"  # same band number, worse rank
    SAME = "SAME"  # same band number and rank


@dataclass(frozen=True, eq=False)
class Movement:
    """The current ranking with movement columns, and the groups that dropped out."""

    frame: pd.DataFrame  # the current frame plus MOVEMENT_COLUMNS after ``band``
    dropped: pd.DataFrame  # DROPPED_COLUMNS, by last rank
    since: date | None
    source: str

    def counts(self) -> dict[str, int]:
        """Groups per movement tag (every tag, in Tag order), then ``DROPPED``."""
        tags = self.frame["movement"].value_counts()
        out = {tag.value: int(tags.get(tag.value, 0)) for tag in Tag}
        return out | {"DROPPED": len(self.dropped)}


def band_numbers(bands: pd.Series) -> pd.Series:
    """Band number of each sub-band label ("1C" -> 1); DataError on a label without one."""
    numbers = bands.astype(str).str.extract(BAND_LABEL, expand=False)
    if numbers.isna().any():
        raise DataError("a band label has no band number (expected labels such as 1A)")
    return numbers.astype("int64")


def movement(current: pd.DataFrame, previous: Previous) -> Movement:
    """Add previous_rank, rank_change (+ is up), previous_band and movement to ``current``.

    ``current`` is the export table (``ranking_frame``): one row per ranked group, with
    ``group_id``, ``rank`` and ``band`` columns. Its row order is kept.
    """
    if current["group_id"].duplicated().any():
        raise ValueError("current ranking has duplicate group_id")
    before = previous.frame[["rank", "band", "band_number"]].rename(
        columns={"rank": "previous_rank", "band": "previous_band", "band_number": "_prev_no"}
    )
    merged = current[["group_id", "rank", "band"]].merge(
        before, left_on="group_id", right_index=True, how="left", validate="one_to_one"
    )
    previous_rank = merged["previous_rank"].astype("Int64")
    change = previous_rank - merged["rank"].astype("Int64")
    was = merged["_prev_no"].to_numpy(dtype=float)  # NaN for new groups
    now = band_numbers(merged["band"]).to_numpy(dtype=float)
    step = change.to_numpy(dtype=float, na_value=np.nan)
    tag = np.select(
        [np.isnan(was), was > now, was < now, step > 0, step < 0],
        [Tag.NEW.value, Tag.BAND_UP.value, Tag.BAND_DOWN.value, Tag.UP.value, Tag.DOWN.value],
        default=Tag.SAME.value,
    )
    added = {
        "previous_rank": previous_rank.to_numpy(),
        "rank_change": change.to_numpy(),
        "previous_band": merged["previous_band"].fillna("").to_numpy(dtype=object),
        "movement": tag,
    }
    frame = current.drop(columns=[c for c in MOVEMENT_COLUMNS if c in current.columns])
    at = list(frame.columns).index("band") + 1 if "band" in frame.columns else len(frame.columns)
    for offset, (name, values) in enumerate(added.items()):
        frame.insert(at + offset, name, values)
    frame["previous_rank"] = frame["previous_rank"].astype("Int64")
    frame["rank_change"] = frame["rank_change"].astype("Int64")
    frame["previous_band"] = frame["previous_band"].astype(str)
    frame["movement"] = frame["movement"].astype(str)
    return Movement(
        frame=frame,
        dropped=_dropped(previous, current["group_id"]),
        since=previous.as_of,
        source=previous.source,
    )


def _dropped(previous: Previous, present: pd.Series) -> pd.DataFrame:
    """Groups in ``previous`` that are not in ``present``, by their last rank."""
    gone = previous.frame.loc[~previous.frame.index.isin(present)].sort_values("rank")
    return pd.DataFrame(
        {
            "group_id": gone.index.astype(str),
            "codename": gone["codename"].astype(str).to_numpy(),
            "last_rank": gone["rank"].to_numpy(dtype="int64"),
            "last_band": gone["band"].astype(str).to_numpy(),
            "last_score": gone["score"].to_numpy(dtype=float),
        }
    )
